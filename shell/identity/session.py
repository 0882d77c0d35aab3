"""Who is signed in: the session holds an account id and the account's session epoch."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from piccolo.query.methods.select import SelectRaw

from shell.db import Prepared, current
from shell.identity.tables import Account
from shell.staff.tables import StaffRole
from shell.web.sessions import rotate_session_id

ACCOUNT_KEY = "account_id"
EPOCH_KEY = "epoch"
NONCE_KEY = "nonce"
ROLES_KEY = "staff_roles"


@dataclass(frozen=True)
class AccountFact:
    """A value another area needs on every signed-in page (the menu's unread badge, whether
    disaster mode is on), or on a few (``paths``: the home screen's ID tile), read in the same
    statement as the account: one round trip fewer per page for each, which on PostgreSQL is
    most of what a small read costs.

    ``sql`` is a scalar subquery, in which ``{account}`` stands for the account's id column
    and ``{}`` for ``value(request)``; :func:`load_account` puts its result in
    ``request.state.<name>``."""

    name: str
    sql: str
    value: Callable[[Request[Any, Any, Any]], Any] | None = None
    full_pages_only: bool = False  # only for a full page: a GET that is not htmx's
    paths: frozenset[str] = frozenset()  # when given, only for requests of these paths


_facts: list[AccountFact] = []
_fact_paths: set[str] = set()  # every path some fact is read for
_reads: dict[tuple[str, bool, str | None], tuple[Prepared, list[AccountFact]]] = {}
_STRING_AGG = {"sqlite": "group_concat", "postgres": "string_agg"}


def read_with_account(fact: AccountFact) -> None:
    """Read ``fact`` with the signed-in account from now on (areas call this when imported)."""
    _facts.append(fact)
    _fact_paths.update(fact.paths)
    _reads.clear()


def _column(fact: AccountFact, account: str, *values: Any) -> SelectRaw:
    """``fact`` as a column of a select on the account (``account``: its id column)."""
    return SelectRaw(f"({fact.sql.replace('{account}', account)}) AS {fact.name}", *values)


def read_alone(fact: AccountFact) -> Prepared:
    """``fact`` read by itself for one account, where the account's read did not bring it: the
    same SQL either way. The read gives the account's row with the fact (None: no such
    account). A fact with a ``value`` is only read with the account."""
    if fact.value is not None:
        raise ValueError(f"{fact.name} takes a value from the request")
    account = Account.id._meta.get_full_name(with_alias=False)
    return Prepared(
        lambda account_id: (
            Account.select(_column(fact, account)).where(Account.id == account_id).first()
        )
    )


def _account_read(
    engine_type: str, full_page: bool, path: str | None
) -> tuple[Prepared, list[AccountFact]]:
    """The account, its staff roles (space-separated, or NULL) and the facts in one read: the
    SQL is built once per engine, kind of page and path some fact is for (shell.db.Prepared)."""
    found = _reads.get((engine_type, full_page, path))
    if found is not None:
        return found
    facts = [
        fact
        for fact in _facts
        if (full_page or not fact.full_pages_only) and (not fact.paths or path in fact.paths)
    ]
    role = StaffRole.role._meta.get_full_name(with_alias=False)
    holder = StaffRole.account._meta.get_full_name(with_alias=False)
    account = Account.id._meta.get_full_name(with_alias=False)
    roles = SelectRaw(
        f"(SELECT {_STRING_AGG[engine_type]}({role}, ' ') FROM {StaffRole._meta.tablename} "  # noqa: S608  (our names)
        f"WHERE {holder} = {account}) AS {ROLES_KEY}"
    )

    def build(account_id: Any, *values: Any) -> Any:
        given = iter(values)
        columns = [_column(fact, account, *([next(given)] if fact.value else [])) for fact in facts]
        return (
            Account.select(*Account.all_columns(), roles, *columns)
            .where(Account.id == account_id)
            .first()
        )

    arity = 1 + sum(1 for fact in facts if fact.value)
    found = _reads[engine_type, full_page, path] = (Prepared(build, arity), facts)
    return found


async def load_account(
    request: Request[Any, Any, Any], *, full_page: bool = False
) -> dict[str, Any] | None:
    """The signed-in account (a row dict) or None; stale sessions are cleared. The facts other
    areas asked for (those for full pages only with ``full_page``, those for some paths on
    those paths) go to ``request.state``."""
    # the dict request.state wraps, read and written as it is: this runs on every request
    state = request.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if "account" in state:
        return state["account"]  # type: ignore[no-any-return]
    account = None
    roles: frozenset[str] = frozenset()
    session = request.session if "session" in request.scope else {}
    account_id = session.get(ACCOUNT_KEY)
    if account_id is not None:
        path = request.scope["path"]
        read, facts = _account_read(
            current().engine_type, full_page, path if path in _fact_paths else None
        )
        values = [fact.value(request) for fact in facts if fact.value]
        account = await read(account_id, *values)
        if account is None or account["session_epoch"] != session.get(EPOCH_KEY):
            account = None
            request.clear_session()
        else:
            roles = frozenset((account.pop(ROLES_KEY) or "").split())
            for fact in facts:
                state[fact.name] = account.pop(fact.name)
    state["account"] = account
    state["roles"] = roles
    return account


def sign_in(request: Request[Any, Any, Any], account: dict[str, Any]) -> None:
    request.clear_session()
    rotate_session_id(request.scope)
    request.set_session(
        {
            ACCOUNT_KEY: account["id"],
            EPOCH_KEY: account["session_epoch"],
            NONCE_KEY: secrets.token_urlsafe(24),
        }
    )
    request.state.account = account


def sign_out(request: Request[Any, Any, Any]) -> None:
    request.clear_session()
    request.state.account = None
    request.state.roles = frozenset()


def session_nonce(request: Request[Any, Any, Any]) -> str:
    """A random value tying WebAuthn challenges to this browser's session."""
    nonce = request.session.get(NONCE_KEY) if "session" in request.scope else None
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        request.set_session({**(request.session or {}), NONCE_KEY: nonce})
    return str(nonce)


async def requires_account(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a signed-in account (loaded by the app's before_request hook)."""
    if not connection.state.get("account"):
        raise NotAuthorizedException()
