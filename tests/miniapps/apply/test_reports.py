"""Reports: a photo stripped of its location, a place inside the city, staff assign, reply and
close with a photo, the reporter is told; the same reports as Open311 GeoReport v2 JSON."""

from __future__ import annotations

import pytest
from machi_sdk.testing import miniapp_client

from .conftest import jpeg_with_gps, module, text, token

actions = module("actions")
tables = module("tables")

# GeoReport v2 request fields (https://wiki.open311.org/GeoReport_v2#GET_Service_Requests)
GEOREPORT_REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
GEOREPORT_SERVICE_FIELDS = {
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
}  # fmt: skip


async def test_report_round_trip_and_open311(db, web, shell, platform):
    resident = token(shell)
    async with miniapp_client(web, resident, htmx=True) as client:
        page = await client.get("/reports")
        assert page.status_code == 200
        assert "現在地を使う" in page.text
        outside = await client.post(
            "/reports", data={"category": "road", "lat": "35.68", "lon": "139.76", "key": "k0"}
        )
        assert outside.status_code == 422
        assert "市の外" in text(outside)
        assert await tables.ApplyReport.count() == 0
        sent = await client.post(
            "/reports",
            data={"category": "road", "lat": "33.1951", "lon": "130.0188", "note": "穴があります",
                  "key": "k1"},
            files={"photo": ("pothole.jpg", jpeg_with_gps(), "image/jpeg")},
        )  # fmt: skip
        assert sent.status_code == 200, text(sent)
        again = await client.post(
            "/reports", data={"category": "road", "lat": "33.1951", "lon": "130.0188", "key": "k1"}
        )
        assert again.status_code == 200
    rows = await actions.reports()
    assert len(rows) == 1  # sent twice with the same key: one report
    report = rows[0]
    assert report["district"] == "takeo"
    photo = await actions.attachment(report["photo"])
    assert b"GPS" not in bytes(photo["data"])
    assert b"Exif" not in bytes(photo["data"])
    number = report["number"]

    staff = token(shell, "works-1", roles=("public_works",), claims={"profile.name": "土木 太郎"})
    async with miniapp_client(web, staff, htmx=True) as client:
        listed = await client.get("/staff/reports?category=road&district=takeo")
        assert number in listed.text
        view = await client.get(f"/staff/reports/{number}")
        assert view.status_code == 200
        assert platform.audits[-1] == {"actor": "works-1", "roles": ["public_works"],
                                       "action": "apply.report.view", "subject": "resident-1",
                                       "detail": {"number": number}}  # fmt: skip
        photo_view = await client.get(f"/files/{report['photo']}")
        assert photo_view.status_code == 200
        assert photo_view.headers["content-type"] == "image/jpeg"
        assert platform.audits[-1]["action"] == "apply.file.view"
        await client.post(
            f"/staff/reports/{number}", data={"status": "assigned", "message": "明日補修します"}
        )
        closed = await client.post(
            f"/staff/reports/{number}",
            data={"status": "closed", "message": "補修しました"},
            files={"photo": ("after.jpg", jpeg_with_gps(), "image/jpeg")},
        )
        assert closed.status_code == 200, text(closed)
        late = await client.post(f"/staff/reports/{number}", data={"status": "open"})
        assert late.status_code == 422
    assert platform.notifications[-1]["title"] == "通報の対応が終わりました"

    async with miniapp_client(web, resident, htmx=True) as client:
        mine = await client.get(f"/reports/{number}")
        assert "対応済み" in text(mine)
        assert "補修しました" in text(mine)
        assert 'data-testid="apply-closing-photo"' in mine.text
    async with miniapp_client(web, token(shell, "neighbour"), htmx=True) as client:
        assert (await client.get(f"/reports/{number}")).status_code == 404
        assert (await client.get(f"/files/{report['photo']}")).status_code == 404

    async with miniapp_client(web, None) as client:  # public, no token
        services = (await client.get("/open311/v2/services.json")).json()
        assert {s["service_code"] for s in services} == set(actions.REPORT_CATEGORIES)
        assert all(set(s) == GEOREPORT_SERVICE_FIELDS for s in services)
        listed = (await client.get("/open311/v2/requests.json?status=closed")).json()
        assert [r["service_request_id"] for r in listed] == [number]
        one = (await client.get(f"/open311/v2/requests/{number}.json")).json()
        assert set(one[0]) == GEOREPORT_REQUEST_FIELDS
        assert one[0]["status"] == "closed"
        assert one[0]["status_notes"] == "補修しました"
        assert one[0]["lat"] == 33.1951
        assert one[0]["long"] == 130.0188
        assert "resident-1" not in str(one)
        assert (await client.get("/open311/v2/requests.json?service_code=x")).status_code == 400
        assert (await client.get("/open311/v2/requests/R0000-0000.json")).status_code == 404
        assert (await client.post("/open311/v2/requests.json", data={})).status_code == 401


async def test_open311_post_needs_a_resident_and_a_place(db, web, shell):
    async with miniapp_client(web, token(shell, scopes=("profile.district",))) as client:
        no_place = await client.post("/open311/v2/requests.json", data={"service_code": "park"})
        assert no_place.status_code == 400
        located = await client.post(
            "/open311/v2/requests.json",
            data={"service_code": "park", "lat": "33.19", "long": "130.02"},
        )
        assert located.status_code == 403  # the location scope was not granted
        made = await client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": "park",
                "address_id": "yamauchi",
                "address_string": "黒髪山公園",
                "description": "ブランコの鎖が切れています",
                "device_id": "d1",
            },
        )
        assert made.status_code == 201
        assert set(made.json()[0]) == {"service_request_id", "service_notice", "account_id"}
    assert (await actions.reports())[0]["district"] == "yamauchi"


async def test_reports_near_and_bad_input(db, web, shell):
    near_me = await actions.file_report(
        "r2", category="streetlight", note="", lat=33.194, lon=130.021, address="", district="",
        photo=None, key="a")  # fmt: skip
    await actions.file_report(
        "r3", category="dumping", note="", lat=33.19, lon=129.90, address="", district="",
        photo=None, key="b")  # fmt: skip
    near = await actions.reports_near(33.1951, 130.0188, "")
    assert [r["number"] for r in near] == [near_me["number"]]
    async with miniapp_client(web, token(shell), htmx=True) as client:
        for data, files, message in [
            ({"category": "volcano", "district": "takeo", "address": "x"}, None, "種類"),
            ({"category": "road"}, None, "場所を決めて"),
            ({"category": "road", "district": "takeo"}, None, "住所や目印"),
            ({"category": "road", "district": "takeo", "address": "x",
              "note": "電話 1234-5678-9012"}, None, "マイナンバー"),
            ({"category": "road", "district": "takeo", "address": "x"},
             {"photo": ("a.gif", b"GIF89a", "image/gif")}, "JPEG・PNG"),
        ]:  # fmt: skip
            refused = await client.post("/reports", data={**data, "key": "z"}, files=files)
            assert refused.status_code == 422
            assert message in text(refused)
    assert await tables.ApplyReport.count() == 2


async def test_the_photo_place_as_the_report_place(db, web, shell):
    from .conftest import jpeg_with_position

    async with miniapp_client(web, token(shell, scopes=("profile.district",)), htmx=True) as c:
        here = {"photo": ("p.jpg", jpeg_with_position(33.19, 129.9), "image/jpeg")}
        made = await c.post("/reports", data={"category": "fallen_tree", "photo_place": "1",
                                              "key": "p1"}, files=here)  # fmt: skip
        assert made.status_code == 200, text(made)
        tokyo = {"photo": ("t.jpg", jpeg_with_position(35.68, 139.76), "image/jpeg")}
        far = await c.post("/reports", data={"category": "road", "photo_place": "1",
                                             "key": "p2"}, files=tokyo)  # fmt: skip
        assert far.status_code == 422
        assert "市の外" in text(far)
        bare = {"photo": ("b.jpg", jpeg_with_gps(), "image/jpeg")}
        none = await c.post("/reports", data={"category": "road", "photo_place": "1",
                                              "key": "p3"}, files=bare)  # fmt: skip
        assert none.status_code == 422
        assert "撮影場所の情報がありません" in text(none)
    (row,) = await actions.reports()
    assert row["district"] == "yamauchi"
    assert abs(row["lat"] - 33.19) < 1e-4
    stored = await actions.attachment(row["photo"])
    assert module("files").jpeg_gps(bytes(stored["data"])) is None


async def test_at_most_twenty_reports_a_day(db):
    for n in range(actions.MAX_REPORTS_A_DAY):
        await actions.file_report(
            "busy", category="other", note="", lat=None, lon=None, address="駅前",
            district="takeo", photo=None, key=f"k{n}")  # fmt: skip
    again = await actions.file_report(
        "busy", category="other", note="", lat=None, lon=None, address="駅前",
        district="takeo", photo=None, key="k0")  # fmt: skip
    assert again["number"]  # the same send again is answered, not refused
    with pytest.raises(actions.Refused) as caught:
        await actions.file_report(
            "busy", category="other", note="", lat=None, lon=None, address="駅前",
            district="takeo", photo=None, key="one-more")  # fmt: skip
    assert caught.value.reason == "too_many_reports"
