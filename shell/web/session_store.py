"""A Litestar session store kept in the database (the default; Redis replaces it when set)."""

from __future__ import annotations

import datetime as dt

from litestar.stores.base import Store

from shell import jobs
from shell.db import Prepared
from shell.identity.tables import WebSession

# read on every page: the SQL is built once (shell.db.Prepared)
_session_by_key = Prepared(
    lambda key: (
        WebSession.select(WebSession.value, WebSession.expires_at)
        .where(WebSession.key == key)
        .first()
    )
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, dt.timedelta) else expires_in
    return _now() + dt.timedelta(seconds=seconds)


class DatabaseStore(Store):
    """Keeps session blobs in ``identity_session``; expired rows are ignored and swept."""

    async def set(
        self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        updated = (
            await WebSession.update({WebSession.value: data, WebSession.expires_at: expires_at})
            .where(WebSession.key == key)
            .returning(WebSession.id)
        )
        if not updated:
            await WebSession.insert(WebSession(key=key, value=data, expires_at=expires_at))

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        row = await _session_by_key(key)
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        if renew_for is not None and row["expires_at"] is not None:
            await WebSession.update({WebSession.expires_at: _expiry(renew_for)}).where(
                WebSession.key == key
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await WebSession.delete().where(WebSession.key == key)

    async def delete_all(self) -> None:
        await WebSession.delete(force=True)

    async def delete_expired(self) -> None:
        await WebSession.delete().where(WebSession.expires_at < _now())

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await WebSession.select(WebSession.expires_at).where(WebSession.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())


async def sweep_expired() -> None:
    """Expired sessions are refused when read; this keeps their rows from piling up on a server
    that runs for months. With Redis the sessions live there and this finds nothing to delete."""
    await DatabaseStore().delete_expired()


# An hour after start: the app has just swept while starting (shell.app, before the jobs start).
jobs.periodic(
    "sessions.sweep_expired", every=dt.timedelta(hours=1), run=sweep_expired, at_start=False
)
