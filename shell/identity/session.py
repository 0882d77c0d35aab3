"""Who is signed in: the session holds an account id and the account's session epoch."""

from __future__ import annotations

import secrets
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


def _account_with_roles(joined: str) -> Prepared:
    """The account and its staff roles (space-separated, or NULL) in one read, on every page:
    the SQL is built once (shell.db.Prepared). ``joined`` is the engine's string aggregate."""
    role = StaffRole.role._meta.get_full_name(with_alias=False)
    holder = StaffRole.account._meta.get_full_name(with_alias=False)
    account = Account.id._meta.get_full_name(with_alias=False)
    roles = SelectRaw(
        f"(SELECT {joined}({role}, ' ') FROM {StaffRole._meta.tablename} "  # noqa: S608  (our names)
        f"WHERE {holder} = {account}) AS {ROLES_KEY}"
    )
    return Prepared(
        lambda account_id: (
            Account.select(*Account.all_columns(), roles).where(Account.id == account_id).first()
        )
    )


_account_by_id = {
    "sqlite": _account_with_roles("group_concat"),
    "postgres": _account_with_roles("string_agg"),
}


async def load_account(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The signed-in account (a row dict) or None; stale sessions are cleared."""
    if "account" in request.state:
        return request.state.account  # type: ignore[no-any-return]
    account = None
    roles: frozenset[str] = frozenset()
    session = request.session if "session" in request.scope else {}
    account_id = session.get(ACCOUNT_KEY)
    if account_id is not None:
        account = await _account_by_id[current().engine_type](account_id)
        if account is None or account["session_epoch"] != session.get(EPOCH_KEY):
            account = None
            request.clear_session()
        else:
            roles = frozenset((account.pop(ROLES_KEY) or "").split())
    request.state.account = account
    request.state.roles = roles
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
