"""One lottery entry per household (世帯): the shell's pairwise household id on every entry and a
unique index on (lottery, household), on SQLite and PostgreSQL. A second member of a household is
told plainly and nothing changes; two members applying at the same moment cannot both get in; a
resident without a household (resident ID not verified) cannot enter a lottery."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from machi_sdk.testing import miniapp_client

from .conftest import module

SCOPES = ["resident.verified", "resident.household", "profile.age_band", "notify", "wallet.pay"]


def _token(shell: Any, sub: str, household: str | None, *, locale: str = "ja") -> str:
    claims = {
        "resident.verified": household is not None,
        "resident.household": household,
        "profile.age_band": "40s",
    }
    return shell.token("booking", sub=sub, scopes=SCOPES, claims=claims, locale=locale)


@pytest.fixture(name="lottery")
async def fx_lottery(room: dict[str, Any]) -> dict[str, Any]:
    actions, rules = module("actions"), module("rules")
    first = rules.today() + dt.timedelta(days=20)
    until = rules.now() + dt.timedelta(days=5)
    lottery_id = await actions.open_lottery(room["id"], first, first, until)
    return {"id": lottery_id, "slot": f"{first.isoformat()} 10:00"}


async def test_second_member_of_a_household_is_refused_and_nothing_changes(lottery):
    actions, queries = module("actions"), module("queries")
    first = await actions.enter("mother", lottery["id"], [lottery["slot"]], household="home-1")
    assert first["household"] == "home-1"
    with pytest.raises(actions.Refused) as refused:
        await actions.enter("son", lottery["id"], [lottery["slot"]], household="home-1", people=3)
    assert refused.value.reason == "household_entered"
    entries = await queries.entries(lottery["id"])
    assert [(e["subject"], e["people"]) for e in entries] == [("mother", 1)]
    assert await queries.entry_of(lottery["id"], "son") is None
    # The mother applying again is told it is her own entry.
    with pytest.raises(actions.Refused) as again:
        await actions.enter("mother", lottery["id"], [lottery["slot"]], household="home-1")
    assert again.value.reason == "already_entered"


async def test_two_households_both_enter_and_the_draw_sees_both(lottery):
    actions, queries = module("actions"), module("queries")
    await actions.enter("neighbour-a", lottery["id"], [lottery["slot"]], household="home-1")
    await actions.enter("neighbour-b", lottery["id"], [lottery["slot"]], household="home-2")
    entries = await queries.entries(lottery["id"])
    assert sorted(e["household"] for e in entries) == ["home-1", "home-2"]
    results = await actions.draw(lottery["id"], now=dt.datetime.now(dt.UTC) + dt.timedelta(days=6))
    assert sorted(bool(r["won"]) for r in results) == [False, True]


async def test_a_household_may_enter_each_lottery_once(room, lottery):
    actions, rules = module("actions"), module("rules")
    other_day = rules.today() + dt.timedelta(days=30)
    until = rules.now() + dt.timedelta(days=5)
    other = await actions.open_lottery(room["id"], other_day, other_day, until)
    await actions.enter("mother", lottery["id"], [lottery["slot"]], household="home-1")
    entry = await actions.enter(
        "son", other, [f"{other_day.isoformat()} 10:00"], household="home-1"
    )
    assert entry["lottery"] == other


@pytest.mark.parametrize("household", [None, ""])
async def test_without_a_household_no_lottery_entry(lottery, household):
    actions, queries = module("actions"), module("queries")
    with pytest.raises(actions.Refused) as refused:
        await actions.enter("visitor", lottery["id"], [lottery["slot"]], household=household)
    assert refused.value.reason == "household_needed"
    assert await queries.entries(lottery["id"]) == []


async def test_household_members_applying_at_once_only_one_gets_in(lottery):
    """Six members of one household press the button together: the unique index lets exactly
    one insert commit, whatever the engine (this runs on SQLite and on PostgreSQL)."""
    actions, queries = module("actions"), module("queries")

    async def attempt(n: int) -> str:
        try:
            await actions.enter(f"member-{n}", lottery["id"], [lottery["slot"]], household="home")
        except actions.Refused as refused:
            return refused.reason
        return "entered"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(6)))
    assert sorted(outcomes) == ["entered"] + ["household_entered"] * 5
    assert len(await queries.entries(lottery["id"])) == 1


async def test_over_http_the_second_member_is_told_in_their_language(lottery, web, shell):
    url = f"/lotteries/{lottery['id']}"

    async def apply(token: str) -> httpx.Response:
        async with miniapp_client(web, token, htmx=True) as client:
            return await client.post(f"{url}/enter", data={"choice1": lottery["slot"]})

    answers = await asyncio.gather(
        apply(_token(shell, "mother", "home-1")),
        apply(_token(shell, "son", "home-1", locale="en")),
    )
    assert sorted(a.status_code for a in answers) == [200, 422]
    refused = next(a for a in answers if a.status_code == 422)
    expected = {
        "mother": "この世帯の方がすでにこの抽選に申し込んでいます",
        "son": "Someone in your household has already applied",
    }
    entries = await module("queries").entries(lottery["id"])
    assert len(entries) == 1
    loser = "son" if entries[0]["subject"] == "mother" else "mother"
    assert expected[loser] in refused.text
    # Opening the page, the other member sees that the household has applied, and no form.
    async with miniapp_client(web, _token(shell, "daughter", "home-1"), htmx=True) as client:
        page = await client.get(url)
    assert 'data-testid="booking-household-entered"' in page.text
    assert 'data-testid="booking-enter-form"' not in page.text


async def test_over_http_without_a_household_the_page_says_what_to_do(lottery, web, shell):
    async with miniapp_client(web, _token(shell, "visitor", None), htmx=True) as client:
        page = await client.get(f"/lotteries/{lottery['id']}")
        assert 'data-testid="booking-household-needed"' in page.text
        assert 'data-testid="booking-enter-form"' not in page.text
        tried = await client.post(
            f"/lotteries/{lottery['id']}/enter", data={"choice1": lottery["slot"]}
        )
    assert tried.status_code == 422
    assert "本人確認（住所の確認）が済んだ方です" in tried.text
    assert await module("queries").entries(lottery["id"]) == []
