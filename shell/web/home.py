"""What the home screen shows. Areas register a section provider; each returns a section or None.

The foundation registers none: the mini-app tiles, the latest notifications and the resident ID
card come with their own areas, which add themselves with :func:`home_section`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request


@dataclass(frozen=True)
class HomeSection:
    template: str  # an include rendered inside the home page
    order: int = 50
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Request[Any, Any, Any]], Awaitable[HomeSection | None]]
_providers: list[Provider] = []


def home_section(provider: Provider) -> Provider:
    """Decorator: register a provider of a home-screen section."""
    _providers.append(provider)
    return provider


async def home_sections(request: Request[Any, Any, Any]) -> list[HomeSection]:
    found = [section for provider in _providers if (section := await provider(request))]
    return sorted(found, key=lambda s: s.order)
