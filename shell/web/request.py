"""The shell's request class: Litestar's, with ``state`` made once per request object."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from litestar import Request
from litestar.datastructures import State


class ShellRequest(Request[Any, Any, Any]):
    """Litestar builds a new ``State`` (and a lock inside it) each time ``request.state`` is
    read, and a page reads it some fifteen times: the account, the locale, the roles, disaster
    mode, each home section. Here it is built once; it wraps the same ``scope["state"]`` dict,
    so what one reader sets, the next sees."""

    @cached_property
    def state(self) -> State:  # type: ignore[override]
        return State(self.scope.get("state"))
