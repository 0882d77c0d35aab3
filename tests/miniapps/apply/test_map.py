"""The city map for a report's place: Web Mercator that lands a district's centre where it is
drawn, a tapped place filed without the location scope, a place outside the city refused, and
map tiles fetched from a tile server through the app's own origin (kept once fetched)."""

from __future__ import annotations

import asyncio
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from machi_sdk.testing import miniapp_client

from .conftest import module, text, token

actions = module("actions")
mapview = module("mapview")
place = module("place")
tables = module("tables")

PNG = b"\x89PNG\r\n\x1a\n" + b"tile"


def test_projection_round_trips_and_matches_known_tiles():
    # Takeo city hall (33.1906, 130.0197) at zoom 11, by hand: x = (130.0197 + 180) / 360 * 2048
    # = 1763.67; y = (1 - ln(tan 33.1906° + sec 33.1906°) / pi) / 2 * 2048
    # = (1 - ln(0.65396 + 1.19500) / pi) / 2 * 2048 = 823.66 (in tiles of 256 pixels)
    x, y = mapview.project(33.1906, 130.0197, 11)
    assert (x / 256, y / 256) == pytest.approx((1763.67, 823.66), abs=0.05)
    lat, lon = mapview.unproject(x, y, 11)
    assert abs(lat - 33.1906) < 1e-9
    assert abs(lon - 130.0197) < 1e-9


def test_the_city_fits_the_map_and_districts_are_drawn_where_they_are():
    view = mapview.city_view()
    assert view.width <= mapview.MAX_WIDTH
    box = place.city()
    assert view.place_at(0, 0) == pytest.approx((box["north"], box["west"]), abs=1e-5)
    drawn = mapview.drawing("en")
    takeo = next(d for d in drawn["districts"] if d["id"] == "takeo")
    assert takeo["name"] == "Takeo"
    lat, lon = view.place_at(*takeo["xy"])
    assert (lat, lon) == pytest.approx((33.194, 130.020), abs=1e-4)
    assert drawn["tiles"] == []  # no tile server configured: drawn without pictures


async def test_a_tapped_place_is_filed_without_the_location_scope(db, web, shell):
    resident = token(shell, scopes=("profile.district",))  # no "location"
    async with miniapp_client(web, resident, htmx=True) as client:
        page = await client.get("/reports")
        assert 'data-testid="apply-map-svg"' in page.text
        assert page.text.count('class="apply-map__district"') == len(place.districts())
        # a place tapped on the map near 山内町's centre, no district chosen
        sent = await client.post("/reports", data={
            "category": "streetlight", "map_lat": "33.19", "map_lon": "129.905", "key": "m1",
            "address": "",
        })  # fmt: skip
        assert sent.status_code == 200, text(sent)
        # a place outside the city is refused, and the form keeps nothing on the map
        far = await client.post("/reports", data={
            "category": "road", "map_lat": "35.68", "map_lon": "139.76", "key": "m2",
        })  # fmt: skip
        assert far.status_code == 422
        assert "市の外" in text(far)
        assert "apply-map__marker--none" in far.text
        # the device's position still needs the scope, even sent alongside a map place
        device = await client.post("/reports", data={
            "category": "road", "lat": "33.19", "lon": "129.905", "map_lat": "33.19",
            "map_lon": "129.905", "key": "m3",
        })  # fmt: skip
        assert device.status_code == 422
        assert "「現在地」の共有" in text(device)
    (row,) = await actions.reports()
    assert row["district"] == "yamauchi"
    assert (row["lat"], row["lon"]) == (33.19, 129.905)
    async with miniapp_client(web, resident, htmx=True) as client:
        shown = await client.get(f"/reports/{row['number']}")
    # the report's own page shows its place on the map, the mark where the place is drawn
    marker = re.search(r'data-apply-marker transform="translate\(([\d.]+) ([\d.]+)\)"', shown.text)
    assert marker is not None
    drawn = mapview.city_view().place_at(float(marker[1]), float(marker[2]))
    assert drawn == pytest.approx((33.19, 129.905), abs=1e-3)


class _Tiles(BaseHTTPRequestHandler):
    asked: list[str] = []  # noqa: RUF012 (one test server)

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        body = PNG if self.path.startswith("/11/") else b"nope"
        self.send_response(200 if self.path.startswith("/11/") else 404)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_tiles_come_through_the_apps_own_origin_and_are_kept(
    db, web, shell, monkeypatch, tmp_path
):
    _Tiles.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        template = f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
        monkeypatch.setenv("MACHI_APPLY_MAP_TILES", template)
        monkeypatch.setenv("MACHI_APPLY_MAP_ATTRIBUTION", "地理院タイル")
        monkeypatch.setenv("MACHI_DATA_DIR", str(tmp_path))
        view = mapview.city_view()
        first = view.tiles()[0]
        path = f"/map/tiles/{view.zoom}/{first['x']}/{first['y']}.png"
        async with miniapp_client(web, token(shell), htmx=True) as client:
            page = await client.get("/reports")
            assert f'href="{path}"' in page.text
            assert "地理院タイル" in page.text
            async with miniapp_client(web) as anonymous:  # a tile holds nothing personal
                got = await anonymous.get(path)
            assert got.status_code == 200
            assert got.content == PNG
            assert got.headers["content-type"] == "image/png"
            again = await client.get(path)
            assert again.content == PNG
            # a tile the city's map does not draw is not fetched for anyone
            other = await client.get(f"/map/tiles/{view.zoom}/1/1.png")
            assert other.status_code == 404
        await asyncio.sleep(0)
        assert _Tiles.asked == [f"/{view.zoom}/{first['x']}/{first['y']}.png"]  # kept on disk
    finally:
        server.shutdown()
        monkeypatch.delenv("MACHI_APPLY_MAP_TILES")
        mapview.tile_source()  # forget the test's source
