"""The resident a request is made for, as the launch token describes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class Resident:
    """Who is using the mini-app right now. A handler gets it as its ``resident`` parameter.

    - ``id``: a *pairwise* id: the same person has a different id in every mini-app, so apps cannot
      link their records. Use it as the key for what you store about the person.
    - ``scopes``: what the resident granted this app (``"profile.name"``, ``"notify"``, …).
    - ``claims``: only the granted profile facts, e.g. ``{"profile.name": "山田 花子"}``.
    - ``household``: with the ``resident.household`` scope, a pairwise id of the resident's
      household (世帯), see :attr:`household`.
    - ``locale``: the language the resident reads, e.g. ``"ja"`` or ``"en"``.
    - ``roles``: staff roles the app defines and this person holds; empty for most residents.
    - ``app_id``: the app the token was minted for; ``expires_at``: when it stops working (epoch s).
    """

    id: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    locale: str = "ja"
    roles: frozenset[str] = frozenset()
    app_id: str = ""
    expires_at: int = 0
    token: str = field(default="", repr=False, compare=False, hash=False)
    """The launch token itself, for calls to the Platform API on the resident's behalf."""

    def has(self, scope: str) -> bool:
        """Whether the resident granted ``scope`` to this app."""
        return scope in self.scopes

    def has_role(self, role: str) -> bool:
        """Whether this person holds the app's staff role ``role``."""
        return role in self.roles

    def claim(self, name: str, default: Any = None) -> Any:
        """A granted profile fact such as ``"profile.name"``, or ``default`` when not granted."""
        return self.claims.get(name, default)

    @property
    def household(self) -> str | None:
        """A *pairwise* id of the resident's household (世帯): the same for everyone registered
        at one address (building and room included) in this app, different in every other app,
        and no address or name behind it. ``None`` when the resident did not grant
        ``resident.household`` or has not verified their resident ID (the household comes from
        the check of the registered address). Use it for "one per household" rules."""
        value = self.claims.get("resident.household")
        return value if isinstance(value, str) and value else None

    @property
    def language(self) -> str:
        """The language part of ``locale`` (``"zh"`` for ``"zh-Hant"``)."""
        return self.locale.split("-")[0]
