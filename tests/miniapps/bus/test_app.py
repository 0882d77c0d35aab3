"""The resident's, the driver's and the operator's pages over HTTP: register, book now and
later, watch the bus (live block), the driver's taps, pushes, pay, cancel with the refund rule,
phone bookings, settings, KPIs; bad input refused in the reader's language, nothing changed."""

from __future__ import annotations

import html
import re

from machi_sdk.testing import miniapp_client

from .conftest import module

actions = module("actions")
jobs = module("jobs")
tables = module("tables")
SCOPES = ("notify", "wallet.pay")


def token(shell, sub="resident-1", *, roles=(), locale="ja", scopes=SCOPES, claims=None):
    return shell.token("bus", sub=sub, scopes=scopes, roles=roles, locale=locale, claims=claims)


def text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


def ride_number(page) -> str:
    return re.search(r'data-testid="bus-number">([^<]+)<', page.text).group(1)


async def register(client, companions=0, wheelchair=False):
    form = {"companions": str(companions)}
    if wheelchair:
        form["wheelchair"] = "1"
    done = await client.post("/register", data=form)
    assert done.status_code == 200
    return done


def trip(service, a="町役場前", b="道の駅", *, time="10:00", riders=1, **extra):
    form = {"from_stop": str(service["stop"][a]), "to_stop": str(service["stop"][b]),
            "when": "later", "day": "2026-12-01", "time": time, "riders": str(riders)}  # fmt: skip
    form.update(extra)
    return form


async def test_book_watch_the_bus_ride_and_arrive(service, web, shell, platform, clock):
    async with miniapp_client(web, token(shell), htmx=True) as me:
        assert "利用者登録" in text(await me.get("/"))
        await register(me)
        booked = await me.post("/book", data=trip(service))
        assert booked.status_code == 200, text(booked)
        said = text(booked)
        assert "予約できました" in said
        assert "町役場前 でお待ちください" in said
        number = ride_number(booked)
        row = await tables.BusRequest.select().where(tables.BusRequest.number == number).first()
        assert 600 <= row["window_start"] <= row["planned_pickup"] <= row["window_end"]
        assert row["window_end"] - row["window_start"] == 10
        assert row["planned_drop"] > row["planned_pickup"]
        assert row["payment"] == "wallet_pending"  # the fare was asked of the shell
        assert platform.payments[number]["amount"] == 300
        live = await me.get(f"/rides/{number}/live")
        assert 'data-status="booked"' in live.text
        assert "バスはまだ出発していません" in text(live)
    assert platform.kpis == {"members": 1, "bookings_online": 1}
    vehicle = row["vehicle"]
    driver = token(shell, "driver-1", roles=("bus_driver",))
    async with miniapp_client(web, driver, htmx=True) as tablet:
        route = await tablet.get(f"/staff/driver/{vehicle}")
        assert number in route.text
        assert "次の停留所: 町役場前" in text(route)
    clock.at(10, 2)
    async with miniapp_client(web, driver, htmx=True) as tablet:
        picked = await tablet.post(f"/staff/driver/{vehicle}/tap",
                                   data={"number": number, "what": "picked_up"})  # fmt: skip
        assert picked.status_code == 200
        assert "次の停留所: 道の駅" in text(picked)
    async with miniapp_client(web, token(shell), htmx=True) as me:
        live = await me.get(f"/rides/{number}/live")
        assert 'data-status="on_board"' in live.text  # the rider sees it without a reload
    clock.at(10, 12)  # ten minutes on the road (the first guess was about four)
    async with miniapp_client(web, driver, htmx=True) as tablet:
        dropped = await tablet.post(f"/staff/driver/{vehicle}/tap",
                                    data={"number": number, "what": "dropped_off"})  # fmt: skip
        assert 'data-testid="bus-no-stops"' in dropped.text
    row = await tables.BusRequest.select().where(tables.BusRequest.number == number).first()
    assert row["status"] == "done"
    assert platform.kpis["riders"] == 1
    learned = await tables.BusTravel.select()
    assert [(r["from_stop"], r["to_stop"], r["hour"]) for r in learned] == [
        (service["stop"]["町役場前"], service["stop"]["道の駅"], 10)
    ]
    guess = module("planner").TravelTimes({1: (33.4717, 129.8746), 2: (33.4653, 129.8962)})
    first = guess.minutes(1, 2, 10)
    assert abs(learned[0]["minutes"] - (first + 0.3 * (9.0 - first))) < 0.05  # 10 min - 1 dwell


async def test_push_when_the_bus_leaves_for_the_rider_and_when_close(
    service, web, shell, platform, clock
):
    async with miniapp_client(web, token(shell, "a"), htmx=True) as first:
        await register(first)
        one = ride_number(await first.post("/book", data=trip(service, time="10:00")))
    async with miniapp_client(web, token(shell, "b", locale="en"), htmx=True) as second:
        await register(second)
        two = ride_number(await second.post(
            "/book", data=trip(service, "保健センター", "道の駅", time="10:05")))  # fmt: skip
    rows = {r["number"]: r for r in await tables.BusRequest.select()}
    assert rows[one]["vehicle"] == rows[two]["vehicle"]  # shared: one van, on the way
    vehicle = rows[one]["vehicle"]
    clock.at(10, 0)
    assert await jobs.send_notices(platform.platform) == 0  # the bus has not set out
    driver = token(shell, "driver-1", roles=("bus_driver",))
    async with miniapp_client(web, driver, htmx=True) as tablet:
        await tablet.post(f"/staff/driver/{vehicle}/tap", data={"number": one, "what": "picked_up"})
    told = [(n["resident"], n["title"]) for n in platform.notifications]
    assert ("b", "The bus has left for you") in told
    assert ("b", "The bus is almost there") in told  # the next stop is a minute away
    assert await jobs.send_notices(platform.platform) == 0  # each once
    async with miniapp_client(web, token(shell, "b", locale="en"), htmx=True) as second:
        live = await second.get(f"/rides/{two}/live")
        assert "Your stop is next" in text(live)


async def test_senior_fare_and_refund_rule(service, web, shell, platform, clock):
    senior = token(shell, scopes=(*SCOPES, "profile.age_band"), claims={"profile.age_band": "70s"})
    async with miniapp_client(web, senior, htmx=True) as me:
        await register(me, companions=1)
        early = ride_number(await me.post("/book", data=trip(service, time="11:00", riders=2)))
        late = ride_number(await me.post("/book", data=trip(service, "道の駅", "町役場前",
                                                            time="09:20")))  # fmt: skip
    assert platform.payments[early]["amount"] == 100 + 300  # senior + one companion
    for number in (early, late):
        platform.payments[number]["status"] = "paid"
    async with miniapp_client(web, senior, htmx=True) as me:
        paid = await me.post(f"/rides/{early}/payment")
        assert "支払い済み" in text(paid)
        assert "今取り消すと 400円 を返金します" in text(paid)
        cancelled = await me.post(f"/rides/{early}/cancel")
        assert "予約を取り消しました" in text(cancelled)
        await me.post(f"/rides/{late}/payment")
        clock.at(9, 10)  # now under 30 minutes before the late ride's window
        page = await me.get(f"/rides/{late}")
        assert "返金はありません" in text(page)  # pickup in under 30 minutes
        await me.post(f"/rides/{late}/cancel")
    assert platform.payments[early]["refunds"] == {f"{early}:refund": 400}
    assert "refunds" not in platform.payments[late]
    rows = {r["number"]: r for r in await tables.BusRequest.select()}
    assert rows[early]["payment"] == "refunded"
    assert rows[late]["status"] == "cancelled"
    routes = await tables.BusRoute.select()
    assert all(not module("live").steps_of(r) for r in routes)  # both left the plan


async def test_bad_input_is_refused_clearly_and_changes_nothing(service, web, shell):
    async with miniapp_client(web, token(shell), htmx=True) as me:
        refused = await me.post("/book", data=trip(service))
        assert refused.status_code == 422
        assert "先に利用者登録をしてください" in text(refused)
        await register(me)
        cases = [
            (trip(service, time="05:00", day="2026-12-02"), "運行時間外です（08:00〜18:00）"),
            (trip(service, riders=9), "1台に乗れるのは8人までです"),
            (trip(service, "町役場前", "町役場前"), "乗る停留所と降りる停留所が同じです"),
            ({**trip(service), "from_stop": "", "from_lat": "35.68", "from_lon": "139.76"},
             "運行区域の外です"),
            ({**trip(service), "from_stop": "", "from_lat": "north"}, "緯度・経度を数字で"),
            ({**trip(service), "from_stop": "999"}, "その停留所は見つかりません"),
            (trip(service, time="25:99"), "日付と時刻を正しく"),
            (trip(service, time="08:30"), "過ぎた時刻は予約できません"),
        ]  # fmt: skip
        for form, says in cases:
            page = await me.post("/book", data=form)
            assert page.status_code == 422, says
            assert says in text(page)
    async with miniapp_client(web, token(shell, locale="en"), htmx=True) as me:
        page = await me.post("/book", data=trip(service, time="05:00", day="2026-12-02"))
        assert "outside service hours (08:00–18:00)" in text(page)
    assert await tables.BusRequest.count() == 0
    assert all(not module("live").steps_of(r) for r in await tables.BusRoute.select())


async def test_a_map_point_is_snapped_to_the_nearest_stop(service, web, shell):
    async with miniapp_client(web, token(shell), htmx=True) as me:
        await register(me)
        near_office = {**trip(service), "from_stop": "", "from_lat": "33.4719",
                       "from_lon": "129.8749"}  # fmt: skip
        booked = await me.post("/book", data=near_office)
        assert booked.status_code == 200
        assert "町役場前 でお待ちください" in text(booked)


async def test_when_full_the_answer_is_other_times(service, web, shell):
    await tables.BusVehicle.update({tables.BusVehicle.active: False}).where(
        tables.BusVehicle.id == service["vehicles"][1]
    )
    async with miniapp_client(web, token(shell, "a"), htmx=True) as first:
        await register(first)
        ok = await first.post("/book", data=trip(service, "仮屋漁港", "道の駅", riders=8))
        assert ok.status_code == 200
    async with miniapp_client(web, token(shell, "b"), htmx=True) as second:
        await register(second)
        full = await second.post("/book", data=trip(service, "仮屋漁港", "道の駅", riders=2))
        assert full.status_code == 409
        assert "その前後の時間はいっぱいです" in text(full)
        offers = re.findall(r'name="time" value="(\d\d:\d\d)"', full.text)
        assert offers
        taken = await second.post("/book", data=trip(service, "仮屋漁港", "道の駅", riders=2,
                                                     time=offers[0]))  # fmt: skip
        assert taken.status_code == 200
    assert await tables.BusRequest.count() == 2


async def test_operator_books_by_phone_and_reads_kpis(service, web, shell, platform):
    operator = token(shell, "op-1", roles=("bus_operator",))
    async with miniapp_client(web, token(shell), htmx=True) as me:
        await register(me)
        await me.post("/book", data=trip(service))
    async with miniapp_client(web, operator, htmx=True) as desk:
        form = {**trip(service, "診療所前", "スーパー前", time="10:30"), "name": "佐藤さん",
                "phone": "0955-52-0000"}  # fmt: skip
        booked = await desk.post("/staff/phone", data=form)
        assert booked.status_code == 200
        assert "を予約しました。お迎え" in text(booked)
        board = await desk.get("/staff/board")
        assert "佐藤さん" in text(board)
        page = await desk.get("/staff")
        assert 'data-testid="bus-chart"' in page.text
        assert "50% (1 / 2)" in text(page)  # one of two bookings not by phone
        assert "2人（うちアプリ 1人）" in text(page)
        bad = await desk.post("/staff/phone", data={**form, "phone": "12"})
        assert bad.status_code == 422
        assert "電話番号を数字で" in text(bad)
    phone_rider = await tables.BusRider.select().where(tables.BusRider.channel == "phone").first()
    assert phone_rider["phone"] == "0955520000"
    assert phone_rider["subject"] is None
    assert platform.kpis["bookings_phone"] == 1
    assert [a["action"] for a in platform.audits] == ["bus.phone_booking"]
    async with miniapp_client(web, token(shell), htmx=True) as me:
        assert (await me.get("/staff")).status_code == 403
        assert (await me.get("/staff/driver/1")).status_code == 403


async def test_driver_view_follows_plan_changes_and_refuses_a_stranger(service, web, shell):
    driver = token(shell, "driver-1", roles=("bus_driver",))
    vehicle = service["vehicles"][0]
    async with miniapp_client(web, driver, htmx=True) as tablet:
        assert 'data-testid="bus-no-stops"' in (await tablet.get(f"/staff/driver/{vehicle}")).text
    async with miniapp_client(web, token(shell), htmx=True) as me:
        await register(me)
        number = ride_number(await me.post("/book", data=trip(service)))
    async with miniapp_client(web, driver, htmx=True) as tablet:
        live = await tablet.get(f"/staff/driver/{vehicle}/live")
        assert number in live.text
        wrong = await tablet.post(f"/staff/driver/{vehicle}/tap",
                                  data={"number": number, "what": "dropped_off"})  # fmt: skip
        assert wrong.status_code == 422
        assert "次の予定にいません" in text(wrong)
        gone = await tablet.post(f"/staff/driver/{vehicle}/tap",
                                 data={"number": number, "what": "no_show"})  # fmt: skip
        assert 'data-testid="bus-no-stops"' in gone.text
    row = await tables.BusRequest.select().where(tables.BusRequest.number == number).first()
    assert row["status"] == "no_show"


async def test_settings_stops_vehicles_hours_fares(service, web, shell):
    operator = token(shell, "op-1", roles=("bus_operator",))
    async with miniapp_client(web, operator, htmx=True) as desk:
        hours = {"service_start": "07:00", "service_end": "19:30", "fare": "200",
                 "senior_fare": "0"}  # fmt: skip
        saved = await desk.post("/staff/settings", data=hours)
        assert "保存しました" in text(saved)
        bad = await desk.post("/staff/settings", data={"service_start": "20:00",
                              "service_end": "19:30"})  # fmt: skip
        assert bad.status_code == 422
        added = await desk.post("/staff/stops", data={"name": "港入口", "latitude": "33.46",
                                "longitude": "129.85"})  # fmt: skip
        assert "港入口" in text(added)
        depot = str(service["stop"]["町役場前"])
        van = await desk.post("/staff/vehicles", data={"name": "ワゴン3号", "seats": "6",
                              "wheelchair_places": "1", "depot": depot})  # fmt: skip
        assert "ワゴン3号" in text(van)
    conf = await tables.BusSettings.select().first()
    assert (conf["service_start"], conf["service_end"], conf["fare"]) == (420, 1170, 200)
    async with miniapp_client(web, token(shell, "driver-1", roles=("bus_driver",)), htmx=True) as d:
        assert (await d.get("/staff/settings")).status_code == 403


async def test_background_reoptimisation_keeps_every_promise(service, web, shell):
    stops = list(service["stop"])
    for k in range(8):
        async with miniapp_client(web, token(shell, f"r{k}"), htmx=True) as me:
            await register(me)
            a, b = stops[k % len(stops)], stops[(k * 4 + 3) % len(stops)]
            if a == b:
                b = stops[(k + 1) % len(stops)]
            at = f"{10 + k % 3}:{(k * 7) % 60:02d}"
            booked = await me.post("/book", data=trip(service, a, b, time=at))
            assert booked.status_code in (200, 409), text(booked)
    before = {r["id"]: r for r in await tables.BusRequest.select()}
    slack = 0.02  # planned times are stored to the hundredth of a minute
    await actions.reoptimise(module("rules").today(), seconds=0.5)
    for row in await tables.BusRequest.select():
        assert row["window_start"] == before[row["id"]]["window_start"]
        assert row["window_start"] - slack <= row["planned_pickup"] <= row["window_end"] + slack
        assert row["planned_drop"] - row["planned_pickup"] - 1.0 <= row["max_ride"] + slack


async def test_a_wheelchair_rider_gets_a_van_with_a_wheelchair_place(service, web, shell):
    van_with_place = service["vehicles"][0]  # the demo's ワゴン1号: one wheelchair place
    async with miniapp_client(web, token(shell, "w1"), htmx=True) as me:
        await register(me, wheelchair=True)
        page = await me.get("/")
        assert 'id="bus-chair" type="checkbox" name="wheelchair" value="1" checked' in page.text
        booked = await me.post("/book", data=trip(service, "仮屋漁港", "道の駅", wheelchair="1"))
        assert booked.status_code == 200
    async with miniapp_client(web, token(shell, "w2"), htmx=True) as other:
        await register(other, wheelchair=True)
        same_time = await other.post(
            "/book", data=trip(service, "仮屋漁港", "道の駅", wheelchair="1")
        )
        assert same_time.status_code == 409  # the only place is taken then: other times offered
    rows = await tables.BusRequest.select()
    assert [(r["wheelchair"], r["vehicle"]) for r in rows] == [(True, van_with_place)]
