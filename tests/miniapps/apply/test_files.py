"""Files are checked by their bytes and images lose their metadata (EXIF GPS) before storage."""

from __future__ import annotations

import struct
import zlib

import pytest

from .conftest import jpeg_with_gps, module

files = module("files")


def png_with_text() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"eXIf", b"MM\x00*GPS")
            + chunk(b"tEXt", b"Location\x0033.19,130.02") + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))  # fmt: skip


def test_jpeg_loses_exif_keeps_the_picture():
    kind, stored = files.check(jpeg_with_gps(), files.IMAGE_TYPES)
    assert kind == "image/jpeg"
    assert b"Exif" not in stored
    assert b"GPS" not in stored
    assert b"JFIF" in stored
    assert stored.endswith(b"\x12\x34\x56\xff\xd9")


def test_png_loses_exif_and_text_chunks():
    kind, stored = files.check(png_with_text(), files.IMAGE_TYPES)
    assert kind == "image/png"
    assert b"eXIf" not in stored
    assert b"Location" not in stored
    assert b"IHDR" in stored
    assert b"IDAT" in stored
    assert stored.endswith(b"IEND\xaeB`\x82")


def test_pdf_is_kept_as_is():
    pdf = b"%PDF-1.4\n%%EOF\n"
    assert files.check(pdf, files.DOCUMENT_TYPES) == ("application/pdf", pdf)


@pytest.mark.parametrize(
    ("data", "allowed", "reason"),
    [
        (b"", files.IMAGE_TYPES, "empty"),
        (b"GIF89a....", files.DOCUMENT_TYPES, "bad_type"),
        (b"%PDF-1.4", files.IMAGE_TYPES, "bad_type"),  # a PDF is not a photo
        (b"\xff\xd8\xff" + b"\x00" * (files.MAX_BYTES), files.IMAGE_TYPES, "too_large"),
        (b"\xff\xd8\xff\xe1\x00\xff", files.IMAGE_TYPES, "broken"),
    ],
)
def test_refused(data, allowed, reason):
    with pytest.raises(files.FileRefused) as caught:
        files.check(data, allowed)
    assert caught.value.reason == reason


def test_the_photo_position_is_read_then_stripped():
    from .conftest import jpeg_with_position

    photo = jpeg_with_position(33.1951, 130.0188)
    lat, lon = files.jpeg_gps(photo)
    assert abs(lat - 33.1951) < 1e-4
    assert abs(lon - 130.0188) < 1e-4
    _, stored = files.check(photo, files.IMAGE_TYPES)
    assert files.jpeg_gps(stored) is None
    assert files.jpeg_gps(jpeg_with_gps()) is None  # no GPS IFD: no position, no crash
    assert files.jpeg_gps(b"%PDF-1.4") is None
