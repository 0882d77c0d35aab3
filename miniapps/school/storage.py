"""Where letter attachments are kept: an interface, and local files by default.

``MACHI_SCHOOL_FILES`` names the folder (default: ``$MACHI_DATA_DIR/school-files``, else
``var/school-files``), or S3-compatible object storage when ``MACHI_SCHOOL_S3_URL`` is set (see
:func:`storage`). A file is stored under the SHA-256 of its bytes, so storing the same file twice
keeps one copy. Files are served only through the app's guarded route, never as static
files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

import httpx

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


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_v4(
    method: str, url: str, headers: dict[str, str], payload_hash: str, *, access_key: str,
    secret_key: str, region: str, when: dt.datetime, service: str = "s3",
) -> str:  # fmt: skip
    """The ``Authorization`` header of an AWS Signature Version 4 request (S3 and compatibles).

    ``headers`` are the headers to sign besides ``host``, ``x-amz-date`` and
    ``x-amz-content-sha256``, which are signed always."""
    parts = urlsplit(url)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    signed = {k.lower(): " ".join(v.strip().split()) for k, v in headers.items()}
    signed.update({"host": parts.netloc, "x-amz-date": amz_date,
                   "x-amz-content-sha256": payload_hash})  # fmt: skip
    names = sorted(signed)
    canonical = "\n".join([
        method, quote(parts.path or "/", safe="/~"), parts.query,
        "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), payload_hash,
    ])  # fmt: skip
    scope = f"{when:%Y%m%d}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])  # fmt: skip
    key = _hmac(f"AWS4{secret_key}".encode(), f"{when:%Y%m%d}")
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}")  # fmt: skip


class S3Storage:
    """S3-compatible object storage (AWS S3, MinIO, a cloud's object storage), path-style
    ``<endpoint>/<bucket>/<prefix><sha256>``, signed with Signature Version 4."""

    def __init__(
        self, bucket_url: str, access_key: str, secret_key: str, *, region: str = "us-east-1",
        prefix: str = "school/", client: httpx.AsyncClient | None = None,
    ) -> None:  # fmt: skip
        if not bucket_url.startswith(("https://", "http://")):
            raise ValueError("the bucket URL must start with https://")
        self.bucket_url = bucket_url.rstrip("/")
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.prefix = prefix
        self._client = client

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        return self._client

    async def _send(self, method: str, key: str, body: bytes = b"") -> httpx.Response:
        url = f"{self.bucket_url}/{self.prefix}{key}"
        payload_hash = hashlib.sha256(body).hexdigest()
        when = dt.datetime.now(dt.UTC)
        extra = {"content-type": "application/octet-stream"} if method == "PUT" else {}
        headers = {
            **extra, "x-amz-date": when.strftime("%Y%m%dT%H%M%SZ"),
            "x-amz-content-sha256": payload_hash,
            "authorization": sign_v4(method, url, extra, payload_hash,
                                     access_key=self.access_key, secret_key=self.secret_key,
                                     region=self.region, when=when),
        }  # fmt: skip
        return await self._http().request(method, url, content=body or None, headers=headers)

    async def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        response = await self._send("PUT", key, data)
        if response.status_code not in (200, 201):
            raise OSError(f"object storage answered {response.status_code} to PUT {key}")
        return key

    async def get(self, key: str) -> bytes | None:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            return None
        response = await self._send("GET", key)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise OSError(f"object storage answered {response.status_code} to GET {key}")
        return response.content


_storage: Storage | None = None


def storage() -> Storage:
    """Object storage when ``MACHI_SCHOOL_S3_URL`` is set (with ``MACHI_SCHOOL_S3_ACCESS_KEY``,
    ``MACHI_SCHOOL_S3_SECRET_KEY``, ``MACHI_SCHOOL_S3_REGION``), else local files."""
    global _storage
    if _storage is None:
        bucket = os.environ.get("MACHI_SCHOOL_S3_URL", "")
        if bucket:
            _storage = S3Storage(
                bucket, os.environ.get("MACHI_SCHOOL_S3_ACCESS_KEY", ""),
                os.environ.get("MACHI_SCHOOL_S3_SECRET_KEY", ""),
                region=os.environ.get("MACHI_SCHOOL_S3_REGION", "us-east-1"),
            )  # fmt: skip
        else:
            folder = os.environ.get("MACHI_SCHOOL_FILES") or str(
                Path(os.environ.get("MACHI_DATA_DIR", "var")) / "school-files"
            )
            _storage = LocalFiles(Path(folder))
    return _storage


def use(store: Storage | None) -> None:
    """Use ``store`` (tests, or a city's object storage adapter); None goes back to the default."""
    global _storage
    _storage = store
