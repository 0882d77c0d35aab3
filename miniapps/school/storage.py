"""Where letter attachments are kept: an interface, and local files by default.

``MACHI_SCHOOL_FILES`` names the folder (default: ``$MACHI_DATA_DIR/school-files``, else
``var/school-files``). A file is stored under the SHA-256 of its bytes, so storing the same file
twice keeps one copy. Files are served only through the app's guarded route, never as static
files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

#: Largest attachment, and the kinds allowed (checked by their first bytes, not their name).
MAX_BYTES = 3 * 1024 * 1024  # three files stay under the 10 MB a request may carry
MAX_FILES = 3
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class AttachmentRefused(Exception):
    def __init__(self, reason: str, name: str) -> None:
        super().__init__(reason)
        self.reason = reason  # too_large | bad_type | too_many
        self.name = name


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` when it is one the app accepts."""
    for media_type, prefixes in SIGNATURES.items():
        if any(data.startswith(p) for p in prefixes):
            return media_type
    return None


def check(name: str, data: bytes) -> str:
    """The file's media type, or AttachmentRefused."""
    if len(data) > MAX_BYTES:
        raise AttachmentRefused("too_large", name)
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentRefused("bad_type", name)
    return media_type


class Storage(Protocol):
    async def put(self, data: bytes) -> str: ...

    async def get(self, key: str) -> bytes | None: ...


class LocalFiles:
    """Files in a folder on this machine (one server, or a shared volume)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    async def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)  # whole or absent, never half written
        return key

    async def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (OSError, ValueError):
            return None


_storage: Storage | None = None


def storage() -> Storage:
    global _storage
    if _storage is None:
        folder = os.environ.get("MACHI_SCHOOL_FILES") or str(
            Path(os.environ.get("MACHI_DATA_DIR", "var")) / "school-files"
        )
        _storage = LocalFiles(Path(folder))
    return _storage


def use(store: Storage | None) -> None:
    """Use ``store`` (tests, or a city's object storage adapter); None goes back to the default."""
    global _storage
    _storage = store
