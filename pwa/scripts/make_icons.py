"""Draw Machi's app icons: a white 町 built from rectangles on Digital Agency blue.

Run from the repository root (Pillow is needed only here, never at run time):

    uv run --with pillow python pwa/scripts/make_icons.py

The PNGs are committed; run this again only to change the mark.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (0x00, 0x31, 0xD8, 255)  # --color-primitive-blue-800, the manifest's theme_color
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
SUPERSAMPLE = 4  # draw large, then shrink: smooth edges without anti-aliasing support in Pillow
ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"

# 町 on a 100 x 100 grid: 田 on the left, 丁 on the right. Each shape is a polygon.
Polygon = list[tuple[float, float]]


def _rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


STROKE = 8.5
GLYPH: list[Polygon] = [
    # 田: frame, then the cross inside it
    _rect(6, 24, 44, 24 + STROKE),
    _rect(6, 76 - STROKE, 44, 76),
    _rect(6, 24, 6 + STROKE, 84),  # the left stroke reaches a little lower, as brushed
    _rect(44 - STROKE, 24, 44, 76),
    _rect(6, 50 - STROKE / 2, 44, 50 + STROKE / 2),
    _rect(25 - STROKE / 2, 24, 25 + STROKE / 2, 76),
    # 丁: the top bar, the stem, and the hook turning left at its foot
    _rect(50, 16, 96, 16 + STROKE),
    _rect(73 - STROKE / 2, 16, 73 + STROKE / 2, 80),
    [  # the foot of the stem and its はね, flicked up to the left (edges parallel)
        (73 - STROKE / 2, 70),
        (73 + STROKE / 2, 70),
        (73 + STROKE / 2, 92),
        (59, 80),
        (63.7, 72.9),
        (73 - STROKE / 2, 76.2),
    ],
]


def draw_icon(size: int, *, glyph_scale: float, rounded: bool) -> Image.Image:
    """A ``size`` square icon; the glyph fills ``glyph_scale`` of the side, centred."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), CLEAR)
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(big * 0.22), fill=BLUE)
    else:
        draw.rectangle((0, 0, big - 1, big - 1), fill=BLUE)
    # centre the glyph's bounding box, whatever its grid coordinates
    xs = [x for polygon in GLYPH for x, _ in polygon]
    ys = [y for polygon in GLYPH for _, y in polygon]
    scale = big * glyph_scale / max(max(xs) - min(xs), max(ys) - min(ys))
    dx = big / 2 - (min(xs) + max(xs)) / 2 * scale
    dy = big / 2 - (min(ys) + max(ys)) / 2 * scale
    for polygon in GLYPH:
        draw.polygon([(dx + x * scale, dy + y * scale) for x, y in polygon], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    outputs = {
        # "any" icons: a rounded square, shown as is by browsers and desktop launchers
        "icon-192.png": draw_icon(192, glyph_scale=0.64, rounded=True),
        "icon-512.png": draw_icon(512, glyph_scale=0.64, rounded=True),
        # maskable: full bleed; the glyph stays inside the central 80% safe-zone circle
        # (its corners sit at radius 0.5 * 0.52 * sqrt(2) = 0.37 of the side, under 0.40)
        "icon-maskable-512.png": draw_icon(512, glyph_scale=0.52, rounded=False),
        # iOS rounds the corners itself and shows transparency as black: full bleed
        "apple-touch-icon.png": draw_icon(180, glyph_scale=0.62, rounded=False),
    }
    for name, image in outputs.items():
        path = ICONS / name
        image.save(path, optimize=True)
        print(f"{path.relative_to(ICONS.parent.parent.parent)} {image.size[0]}x{image.size[1]}")


if __name__ == "__main__":
    main()
