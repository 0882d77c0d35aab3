"""The pages a resident opens most build no Piccolo select on a visit: their reads' SQL is built
once (shell.db.Prepared). Building a select with joins cost Piccolo several times the read
itself: most of the wallet page's time, more than half of the ID card's."""

from __future__ import annotations

from typing import Any

import pytest
from piccolo.query.methods.select import Select

from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import signup


@pytest.mark.parametrize(
    "path", ["/", "/wallet", "/id", "/account", "/inbox", "/notifications/settings"]
)
async def test_a_visit_builds_no_select(
    app: Any, db: Any, districts: Any, monkeypatch: Any, path: str
) -> None:
    built: list[Any] = []
    default = Select.default_querystrings

    def counted(self: Select) -> Any:
        built.append(self)
        return default.fget(self)  # type: ignore[attr-defined]

    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        assert (await client.get(path)).status_code == 200  # the first visit builds them
        monkeypatch.setattr(Select, "default_querystrings", property(counted))
        page = await client.get(path)
    assert page.status_code == 200
    assert "nav-account" in page.text  # the signed-in page, not a redirect to sign in
    assert built == []
