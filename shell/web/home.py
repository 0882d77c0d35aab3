"""What the home screen shows. Areas register the template of a section and a provider of its
context; a provider returns the context, or None when there is no such section for this request.

The foundation registers none: the mini-app tiles, the latest notifications and the resident ID
card come with their own areas, which add themselves with :func:`home_section`. Knowing the
templates beforehand lets the per-language templates compile them into the home page
(shell/web/templates.py) instead of including one per section on every view.
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


Provider = Callable[[Request[Any, Any, Any]], Awaitable[dict[str, Any] | None]]
_sections: list[tuple[str, int, Provider]] = []


def home_section(template: str, *, order: int = 50) -> Callable[[Provider], Provider]:
    """Decorator: ``template`` is a home-screen section whose context the decorated provider
    gives (sections are shown by ``order``, then in the order they were registered)."""

    def register(provider: Provider) -> Provider:
        _sections.append((template, order, provider))
        return provider

    return register


def section_templates() -> list[str]:
    return [template for template, _, _ in _sections]


async def home_sections(request: Request[Any, Any, Any]) -> list[HomeSection]:
    found = [
        HomeSection(template, order, context)
        for template, order, provider in _sections
        if (context := await provider(request)) is not None
    ]
    return sorted(found, key=lambda s: s.order)
