"""Expired credentials and old counter requests are forgotten; live ones stay."""

import datetime as dt

from shell.identity.tables import Account
from shell.resident_id.scheduling import forget_expired
from shell.resident_id.tables import CounterRequest, Credential


async def test_forget_expired_keeps_what_is_live(db, districts):
    rows = await Account.insert(
        Account(
            name="武雄 花子",
            name_kana="たけお はなこ",
            birth_date=dt.date(1950, 4, 1),
            district=districts[0]["id"],
            webauthn_user_id="sched",
        )
    ).returning(Account.id)
    account = rows[0]["id"]
    now = dt.datetime.now(dt.UTC)
    for idx, expires in ((1, now - dt.timedelta(days=3)), (2, now + dt.timedelta(days=20))):
        await Credential.insert(
            Credential(account=account, status_idx=idx, device_thumbprint="t", expires_at=expires)
        )
    await CounterRequest.insert(
        CounterRequest(token="old", account=account, expires_at=now - dt.timedelta(days=2)),
        CounterRequest(token="new", account=account, expires_at=now + dt.timedelta(minutes=5)),
    )
    for _ in range(2):  # at-least-once delivery: a second run changes nothing
        await forget_expired()
    assert [r["status_idx"] for r in await Credential.select(Credential.status_idx)] == [2]
    assert [r["token"] for r in await CounterRequest.select(CounterRequest.token)] == ["new"]
