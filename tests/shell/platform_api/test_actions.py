"""Credentials: issued once, only their HMAC kept, revoked and rotated at once, audited."""

from __future__ import annotations

import pytest

from shell.audit.tables import AuditEntry
from shell.platform_api import actions, errors, queries
from shell.platform_api.auth import authenticate_app, basic_credentials
from shell.platform_api.tables import Credential

SECRET = "city-secret"


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def test_issued_secrets_are_kept_only_as_an_hmac(db):
    client_id, secret = await actions.issue_credentials("hello", SECRET)
    row = await Credential.select().first()
    assert row["client_id"] == client_id
    assert secret not in str(row)
    assert await authenticate_app(_basic(client_id, secret), SECRET) == "hello"
    with pytest.raises(errors.Refused):  # the same secret under another city secret
        await authenticate_app(_basic(client_id, secret), "another-city")
    assert await AuditEntry.exists().where(AuditEntry.action == "platform.credentials_issued")


async def test_rotation_revokes_the_old_pair_at_once(db):
    old = await actions.issue_credentials("hello", SECRET)
    new = await actions.rotate_credentials("hello", SECRET)
    assert [row["client_id"] for row in await queries.credentials_of("hello")] == [new[0]]
    with pytest.raises(errors.Refused) as refused:
        await authenticate_app(_basic(*old), SECRET)
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert await authenticate_app(_basic(*new), SECRET) == "hello"


@pytest.mark.parametrize(
    "header",
    ["", "Bearer abc", "Basic", "Basic !!!", "Basic " + "bm9jb2xvbg==", "Basic " + "OnNlY3JldA=="],
)
def test_malformed_basic_headers_give_nothing(header):
    assert basic_credentials(header) is None
