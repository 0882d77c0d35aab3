"""The household (世帯): a keyed hash of the registered address taken at verification, the address
itself stored nowhere, and mini-apps given a pairwise household id only with the resident's
consent to ``resident.household``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import jwt
import pytest

from shell.app import create_app
from shell.audit.tables import AuditEntry
from shell.identity.tables import Account
from shell.miniapp_host import keys
from shell.miniapp_host.tables import Grant
from shell.miniapp_host.tokens import pairwise_id
from shell.resident_id.household import (
    household_for_app,
    household_key,
    normalise_address,
    pairwise_household,
)
from shell.resident_id.tables import Verification
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup
from tests.shell.resident_id.test_routes import counter_token, form, post_check, staff_member

SECRET = "test-secret-key"  # the settings fixture's MACHI_SECRET_KEY
HOME = "佐賀県武雄市武雄町大字武雄1234番地5 コーポ武雄201号室"


@pytest.mark.parametrize(
    "written",
    [
        "佐賀県武雄市武雄町大字武雄１２３４番地５　コーポ武雄２０１号室",  # full-width, 番地
        "武雄町武雄1234-5 コーポ武雄201",  # no prefecture, city or 大字; hyphens; no 号室
        "武雄市武雄町大字武雄 1234番5 コーポ武雄 201号室",
        "武雄町大字武雄1234‐5コーポ武雄２０１",  # another dash, no spaces
        "武雄町武雄千二百三十四番地の五コーポ武雄201号",  # kanji numbers, の
    ],
)
def test_the_same_address_written_differently_gives_the_same_key(written):
    assert normalise_address(written, "武雄市") == "武雄町武雄1234-5コーポ武雄201"
    assert household_key(SECRET, written, "武雄市") == household_key(SECRET, HOME, "武雄市")


def test_block_numbers_in_every_form_and_place_names_kept():
    same = [
        "武雄町昭和3丁目2番1号",
        "武雄町昭和三丁目二番一号",
        "武雄町昭和３－２－１",
        "武雄町昭和3ー2ー1",
    ]
    assert {normalise_address(a) for a in same} == {"武雄町昭和3-2-1"}
    # kanji that are part of a place name stay kanji
    assert normalise_address("三日月町長神田一番町2番地") == "三日月町長神田一番町2"
    assert normalise_address("武雄町武雄1234番地五反田") == "武雄町武雄1234五反田"


def test_other_rooms_other_buildings_and_other_secrets_give_other_keys():
    room_201 = household_key(SECRET, "武雄町武雄1234-5 コーポ武雄201号室")
    room_202 = household_key(SECRET, "武雄町武雄1234-5 コーポ武雄202号室")
    house = household_key(SECRET, "武雄町武雄1234-5")
    assert len({room_201, room_202, house}) == 3
    assert household_key("another city's secret", "武雄町武雄1234-5 コーポ武雄201号室") != room_201
    assert len(room_201) == 64
    assert "武雄" not in room_201
    assert household_key(SECRET, " 　") == ""  # nothing of an address: no household


def test_pairwise_household_ids_differ_per_app_and_per_household():
    key = household_key(SECRET, HOME)
    booking = pairwise_household(SECRET, "booking", 1, key)
    assert pairwise_household(SECRET, "booking", 2, key) == booking  # the same household
    assert pairwise_household(SECRET, "library", 1, key) != booking  # another app
    assert pairwise_household(SECRET, "booking", 1, household_key(SECRET, "別の住所1")) != booking
    # Verified before households: a household of one, not shared with anyone
    assert pairwise_household(SECRET, "booking", 1, "") != pairwise_household(
        SECRET, "booking", 2, ""
    )
    # and never the resident's own pairwise id
    assert pairwise_household(SECRET, "booking", 1, "") != pairwise_id(SECRET, "booking", 1)


async def _verify(app: Any, client: Any, name: str, address: str | None = HOME) -> int:
    """Sign ``client`` up as ``name`` and have a clerk verify them with ``address``."""
    await signup(client, SoftAuthenticator(), name=name)
    token = await counter_token(client)
    async with staff_member(app, "counter", f"窓口 {name}") as (staff, _):
        fields = {} if address is None else {"address": address}
        done = await post_check(staff, token, form(**fields))
        assert done.status_code == 200, done.text
    account = await Account.select(Account.id).where(Account.name == name).first()
    return int(account["id"])


async def _verify_at_counter(app: Any, name: str, address: str | None = HOME) -> int:
    async with make_client(app) as client:
        return await _verify(app, client, name, address)


async def test_counter_keeps_only_the_key_never_the_address(app, districts):
    account_id = await _verify_at_counter(app, "武雄 花子", HOME)
    row = await Verification.select().where(Verification.account == account_id).first()
    assert row["household"] == household_key(SECRET, HOME, "武雄市")
    # what was written, not when: a timestamp's digits may hold "1234" or "201" by chance
    written = {key: value for key, value in row.items() if not isinstance(value, dt.date)}
    stored = json.dumps(written, default=str, ensure_ascii=False)
    for part in ("武雄町", "1234", "コーポ", "201"):
        assert part not in stored.replace(row["household"], "")
    audit = await AuditEntry.select().where(AuditEntry.action == "resident_id.verified").first()
    assert "コーポ" not in json.dumps(audit, default=str, ensure_ascii=False)
    detail = audit["detail"] if isinstance(audit["detail"], dict) else json.loads(audit["detail"])
    assert detail["household"] is True


async def test_counter_form_without_an_address_is_refused_and_changes_nothing(app, districts):
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        token = await counter_token(client)
    async with staff_member(app, "counter") as (staff, _):
        page = await staff.get(f"/staff/resident-id/requests/{token}")
        assert 'data-testid="address"' in page.text
        assert "住所そのものは保存せず" in page.text
        refused = await post_check(staff, token, form(address="　"))
    assert refused.status_code == 400
    assert "住民票の住所を入れてください" in refused.text
    assert await Verification.count() == 0


async def test_local_provider_keys_the_address_it_read(client, districts):
    await signup(client, SoftAuthenticator())
    start = await client.get("/id/provider")
    page = await client.get(start.headers["location"])
    assert 'data-testid="provider-address"' in page.text
    fields = {
        name: page.text.split(f'name="{name}" value="')[1].split('"')[0]
        for name in ("state", "nonce")
    }
    confirmed = await client.post(
        "/id/provider/local",
        data={**fields, "address": "武雄町武雄1234-5 コーポ武雄201"},
        headers=csrf_headers(client),
    )
    await client.get(confirmed.headers["location"])
    row = await Verification.select().first()
    assert row["method"] == "oidc"
    assert row["household"] == household_key(SECRET, HOME, "武雄市")


# --- the scope, through the shell's consent and token routes --------------------------------


@pytest.fixture(name="booking_app")
def fx_booking_app(db, jobs, settings):
    keys.forget_cached_key()
    return create_app(dataclasses.replace(settings, miniapps=("miniapps/booking",)))


async def _claims(client: Any, slug: str = "booking") -> dict[str, Any] | None:
    answer = await client.post(f"/apps/{slug}/token", headers=csrf_headers(client))
    if answer.status_code != 200:
        return None
    return jwt.decode(answer.json()["token"], options={"verify_signature": False})


async def test_household_id_only_with_consent_same_for_the_household(booking_app, districts):
    people = {  # name: the address the clerk typed (None: not verified)
        "武雄 花子": HOME,
        "武雄 太郎": "武雄町武雄1234-5コーポ武雄201",  # her son, written another way
        "武雄 次郎": "武雄町武雄1234-5コーポ武雄202",  # the flat next door
        "佐賀 三郎": None,
    }
    ids, accounts = {}, {}
    for name, address in people.items():
        async with make_client(booking_app) as client:
            if address is None:
                await signup(client, SoftAuthenticator(), name=name)
            else:
                accounts[name] = await _verify(booking_app, client, name, address)
            assert await _claims(client) is None  # no consent yet: no token at all
            sheet = await client.get("/apps/booking")
            assert "このアプリ専用の番号（住所や家族の名前は渡しません）" in sheet.text
            await client.post("/apps/booking/consent", headers=csrf_headers(client))
            token = await _claims(client)
            assert token is not None
            ids[name] = token["claims"]["resident.household"]
    assert ids["武雄 花子"] == ids["武雄 太郎"]  # one household
    assert ids["武雄 次郎"] not in (ids["武雄 花子"], None)
    assert ids["佐賀 三郎"] is None  # not verified: no household
    assert ids["武雄 花子"] == await household_for_app(SECRET, "booking", accounts["武雄 花子"])
    assert await household_for_app(SECRET, "library", accounts["武雄 太郎"]) != ids["武雄 太郎"]


async def test_a_grant_without_the_household_scope_gives_no_household(booking_app, districts):
    async with make_client(booking_app) as client:
        await _verify(booking_app, client, "武雄 花子")
        await client.get("/apps/booking")
        await client.post("/apps/booking/consent", headers=csrf_headers(client))
        # A grant made before the app asked for the household (the scope taken out of it).
        grant = await Grant.select().output(load_json=True).first()
        scopes = [s for s in grant["scopes"] if s != "resident.household"]
        await Grant.update({Grant.scopes: scopes}).where(Grant.id == grant["id"])
        token = await _claims(client)
        assert token is not None
        assert "resident.household" not in token["claims"]
        assert "resident.household" not in token["scope"].split()
        # Opening the app asks for the missing scope again.
        sheet = await client.get("/apps/booking")
        assert 'data-testid="consent-sheet"' in sheet.text


async def test_a_resident_verified_before_households_is_a_household_of_one(booking_app, districts):
    account = await _verify_at_counter(booking_app, "武雄 花子", HOME)
    await Verification.update({Verification.household: ""}).where(Verification.account == account)
    one = await household_for_app(SECRET, "booking", account)
    assert one == pairwise_household(SECRET, "booking", account, "")
    assert one != await household_for_app(
        SECRET, "booking", await _verify_at_counter(booking_app, "武雄 太郎", HOME)
    )


async def test_staff_see_whether_a_household_was_recorded(app, districts):
    recorded = await _verify_at_counter(app, "武雄 花子", HOME)
    older = await _verify_at_counter(app, "武雄 太郎", HOME)
    await Verification.update({Verification.household: ""}).where(Verification.account == older)
    async with staff_member(app, "admin", "管理 一郎") as (admin, _):
        page = await admin.get(f"/staff/resident-id/residents/{recorded}")
        assert "住所から記録済み（住所そのものは保存していません）" in page.text
        assert "コーポ" not in page.text
        page = await admin.get(f"/staff/resident-id/residents/{older}")
        assert "この方だけの世帯として扱います" in page.text
