"""The counter photo as it travels in the card's QR: a small grey WebP, a few hundred bytes.

A verifier has no network, so the photo must be inside the QR itself. A QR that a phone reads off
another phone's screen holds about 2.4 KB at most (version 36); the rest of a "photo and name"
proof takes about 1.7 KB, and the photo is base64 twice over (WebP in a JSON disclosure), so the
picture gets at most ``QR_PHOTO_BYTES`` as WebP (grey keeps the face's detail for the size): the
largest that fits from ``SIZES`` and ``QUALITIES``. A "photo and name" QR is version 33-35.
"""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps, UnidentifiedImageError

QR_PHOTO_BYTES = 360
SIZES = ((72, 96), (60, 80), (45, 60))  # width x height, the 3:4 of an ID photo
QUALITIES = (60, 45, 30, 20)


def qr_thumbnail(photo: bytes) -> str | None:
    """The photo as base64url WebP of at most ``QR_PHOTO_BYTES``, or ``None`` when it cannot be
    read or made that small."""
    try:
        with Image.open(io.BytesIO(photo)) as opened:
            image = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    for size in SIZES:
        fitted = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        for quality in QUALITIES:
            out = io.BytesIO()
            fitted.save(out, "WEBP", quality=quality, method=6)
            if out.tell() <= QR_PHOTO_BYTES:
                return base64.urlsafe_b64encode(out.getvalue()).decode("ascii").rstrip("=")
    return None
