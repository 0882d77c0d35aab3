"""Files residents send: size- and type-checked by their bytes (not their name), and images
stripped of metadata (EXIF, XMP, where GPS position and camera details live) before storage.
No image library: JPEG segments and PNG chunks are filtered by hand, the pixels untouched."""

from __future__ import annotations

import struct
import zlib

MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
DOCUMENT_TYPES = (*IMAGE_TYPES, "application/pdf")


class FileRefused(ValueError):
    """``reason`` is ``too_large``, ``empty``, ``bad_type`` or ``broken``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check(data: bytes, allowed: tuple[str, ...]) -> tuple[str, bytes]:
    """``(content_type, bytes to store)``; images lose their metadata. Raises FileRefused."""
    if not data:
        raise FileRefused("empty")
    if len(data) > MAX_BYTES:
        raise FileRefused("too_large")
    kind = sniff(data)
    if kind not in allowed:
        raise FileRefused("bad_type")
    if kind == "image/jpeg":
        return kind, strip_jpeg(data)
    if kind == "image/png":
        return kind, strip_png(data)
    return kind, data


# APPn segments that carry metadata (APP1 Exif/XMP, APP13 Photoshop/IPTC, APP12, comments);
# APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) are kept.
_DROP_JPEG = {0xE1, 0xEC, 0xED, 0xFE} | set(range(0xE3, 0xEC)) | {0xEF}


def strip_jpeg(data: bytes) -> bytes:
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise FileRefused("broken")
        marker = data[pos + 1] if pos + 1 < len(data) else None
        if marker is None:
            raise FileRefused("broken")
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker == 0xD9:
            out += data[pos : pos + 2]
            return bytes(out)
        if pos + 4 > len(data):
            raise FileRefused("broken")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise FileRefused("broken")
        if marker not in _DROP_JPEG:
            out += data[pos:end]
        pos = end
    raise FileRefused("broken")


_KEEP_PNG_ANCILLARY = {b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"tRNS", b"bKGD"}


def strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise FileRefused("broken")
        chunk = data[pos:end]
        (crc,) = struct.unpack(">I", chunk[-4:])
        if zlib.crc32(chunk[4:-4]) != crc:
            raise FileRefused("broken")
        critical = kind[:1].isupper()
        if critical or kind in _KEEP_PNG_ANCILLARY:  # eXIf, tEXt, iTXt, zTXt, tIME are dropped
            out += chunk
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise FileRefused("broken")


def jpeg_gps(data: bytes) -> tuple[float, float] | None:
    """The GPS position in a JPEG's Exif (APP1) segment, or None: read only when the resident
    asks to use the photo's place as the report's place; the stored image never keeps it."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            try:
                return _tiff_gps(segment[6:])
            except (struct.error, IndexError, ZeroDivisionError, ValueError):
                return None
        pos += 2 + length
    return None


def _tiff_gps(tiff: bytes) -> tuple[float, float] | None:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return None

    def entries(offset: int) -> dict[int, tuple[int, int, bytes]]:
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        found = {}
        for i in range(min(count, 200)):
            start = offset + 2 + 12 * i
            tag, kind, n = struct.unpack(order + "HHI", tiff[start : start + 8])
            found[tag] = (kind, n, tiff[start + 8 : start + 12])
        return found

    (ifd0,) = struct.unpack(order + "I", tiff[4:8])
    gps_pointer = entries(ifd0).get(0x8825)
    if gps_pointer is None:
        return None
    (gps_offset,) = struct.unpack(order + "I", gps_pointer[2])
    gps = entries(gps_offset)

    def degrees(tag: int) -> float:
        kind, n, value = gps[tag]
        if kind != 5 or n != 3:
            raise ValueError("not three rationals")
        (offset,) = struct.unpack(order + "I", value)
        parts = struct.unpack(order + "6I", tiff[offset : offset + 24])
        d, m, s = (parts[0] / parts[1], parts[2] / parts[3], parts[4] / parts[5])
        return d + m / 60 + s / 3600

    if not all(tag in gps for tag in (1, 2, 3, 4)):
        return None
    lat, lon = degrees(2), degrees(4)
    if gps[1][2][:1] == b"S":
        lat = -lat
    if gps[3][2][:1] == b"W":
        lon = -lon
    return round(lat, 6), round(lon, 6)
