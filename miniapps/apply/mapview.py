"""The map a resident taps to set a report's place: the city (``city.toml``'s bounding box) in Web
Mercator, drawn as SVG by the page, with the districts named at their centres.

Map pictures are an outside service behind :class:`TileSource`. With ``MACHI_APPLY_MAP_TILES``
set to a tile URL template (``https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png``, the
Geospatial Information Authority's standard map, say, with ``MACHI_APPLY_MAP_ATTRIBUTION``), this
app fetches the tiles itself, keeps them on disk and serves them from its own origin
(``/map/tiles/...``): the resident's browser never talks to the tile server, and nothing is
loaded from elsewhere. Without it the map is drawn without pictures — district names on a
graticule — and still works: a tap sets the place, filed under the nearest district.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from . import place

TILE = 256
MAX_WIDTH = 720  # the map's width at the zoom chosen for the city, in tile pixels


def project(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a WGS84 point at ``zoom``."""
    scale = TILE * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    phi = math.radians(lat)
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * scale
    return x, y


def unproject(x: float, y: float, zoom: int) -> tuple[float, float]:
    """The WGS84 point at Web Mercator pixel ``x, y`` at ``zoom``."""
    scale = TILE * 2**zoom
    lon = x / scale * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / scale))))
    return lat, lon


@dataclass(frozen=True)
class View:
    """The city's box at ``zoom``: its top-left pixel and its size."""

    zoom: int
    left: float
    top: float
    width: float
    height: float

    def point(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = project(lat, lon, self.zoom)
        return round(x - self.left, 1), round(y - self.top, 1)

    def place_at(self, x: float, y: float) -> tuple[float, float]:
        """The WGS84 point under ``x, y`` of the drawn map (6 decimals: about 10 cm)."""
        lat, lon = unproject(x + self.left, y + self.top, self.zoom)
        return round(lat, 6), round(lon, 6)

    def tiles(self) -> list[dict[str, int]]:
        """The tiles covering the box, each with where it is drawn."""
        first_x, first_y = int(self.left // TILE), int(self.top // TILE)
        last_x = int((self.left + self.width) // TILE)
        last_y = int((self.top + self.height) // TILE)
        return [
            {
                "x": tx,
                "y": ty,
                "left": round(tx * TILE - self.left, 1),
                "top": round(ty * TILE - self.top, 1),
            }
            for ty in range(first_y, last_y + 1)
            for tx in range(first_x, last_x + 1)
        ]


def city_view() -> View:
    """The closest zoom at which the whole city is at most ``MAX_WIDTH`` pixels wide."""
    box = place.city()
    for zoom in range(18, 0, -1):
        left, top = project(box["north"], box["west"], zoom)
        right, bottom = project(box["south"], box["east"], zoom)
        if right - left <= MAX_WIDTH:
            return View(zoom, left, top, right - left, bottom - top)
    raise ValueError("the city's box is too large for a map")


def drawing(locale: str, marker: tuple[float, float] | None = None) -> dict[str, Any]:
    """What the page draws: the box, the districts at their centres, the tiles when a tile
    source is configured, the graticule every 0.05 degrees, and the chosen place."""
    view = city_view()
    box = place.city()
    step = 0.05
    lats = [round(box["south"] + step * i, 2) for i in range(1, 100)
            if box["south"] + step * i < box["north"]]  # fmt: skip
    lons = [round(box["west"] + step * i, 2) for i in range(1, 100)
            if box["west"] + step * i < box["east"]]  # fmt: skip
    return {
        "width": round(view.width, 1),
        "height": round(view.height, 1),
        "zoom": view.zoom,
        "left": view.left,
        "top": view.top,
        "tiles": view.tiles() if tile_source() else [],
        "attribution": os.environ.get("MACHI_APPLY_MAP_ATTRIBUTION", ""),
        "districts": [
            {
                "id": d["id"],
                "name": d["name"].get(locale) or d["name"]["ja"],
                "xy": view.point(d["lat"], d["lon"]),
            }
            for d in place.districts()
        ],
        "rows": [view.point(lat, box["west"])[1] for lat in lats],
        "columns": [view.point(box["north"], lon)[0] for lon in lons],
        "marker": view.point(*marker) if marker else None,
    }


# ---------------------------------------------------------------- tiles


class TileSource(Protocol):
    async def tile(self, zoom: int, x: int, y: int) -> bytes | None:
        """The PNG or JPEG of one tile, or None when there is none."""
        ...


class HTTPTileSource:
    """Tiles from a tile server (``{z}/{x}/{y}`` URL template), kept on disk once fetched."""

    def __init__(self, template: str, folder: Path, *, timeout: float = 5.0) -> None:
        self.template = template
        self.folder = folder
        self.timeout = timeout

    async def tile(self, zoom: int, x: int, y: int) -> bytes | None:
        kept = self.folder / str(zoom) / str(x) / f"{y}.img"
        if kept.exists():
            return kept.read_bytes()
        url = self.template.format(z=zoom, x=x, y=y)
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.get(url, headers={"User-Agent": "machi-apply/1"})
        except httpx.HTTPError:
            return None
        body = answer.content
        if answer.status_code != 200 or not _is_image(body):
            return None
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(".part")
        partial.write_bytes(body)
        partial.replace(kept)
        return body


def _is_image(body: bytes) -> bool:
    return body.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))


def image_type(body: bytes) -> str:
    return "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"


_source: dict[str, TileSource | None] = {}


def tile_source() -> TileSource | None:
    """The configured tile source (``MACHI_APPLY_MAP_TILES``), or None."""
    template = os.environ.get("MACHI_APPLY_MAP_TILES", "")
    if template not in _source:
        folder = Path(os.environ.get("MACHI_DATA_DIR", "var")) / "apply-map-tiles"
        _source.clear()
        _source[template] = HTTPTileSource(template, folder) if template else None
    return _source[template]


def in_view(zoom: int, x: int, y: int) -> bool:
    """Whether a tile is one the city's map draws (the app serves no other)."""
    view = city_view()
    return zoom == view.zoom and any(tile["x"] == x and tile["y"] == y for tile in view.tiles())
