"""Attachment storage: local files, and S3-compatible object storage signed the AWS way (checked
against the example in Amazon's Signature Version 4 documentation)."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx

from .conftest import module

storage = module("storage")


def test_signature_matches_amazons_documented_example():
    # "Example: GET Object" of the S3 API reference (Signature Version 4, header authentication)
    header = storage.sign_v4(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
        hashlib.sha256(b"").hexdigest(), access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region="us-east-1",
        when=dt.datetime(2013, 5, 24, tzinfo=dt.UTC),
    )  # fmt: skip
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


async def test_object_storage_round_trip_with_signed_requests():
    bucket: dict[str, bytes] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=key/")
        assert (
            request.headers["x-amz-content-sha256"] == hashlib.sha256(request.content).hexdigest()
        )
        path = request.url.path
        if request.method == "PUT":
            bucket[path] = request.content
            return httpx.Response(200)
        if path in bucket:
            return httpx.Response(200, content=bucket[path])
        return httpx.Response(404)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    store = storage.S3Storage("https://s3.example.jp/city-files", "key", "secret",
                              region="ap-northeast-1", client=client)  # fmt: skip
    key = await store.put(b"%PDF-1.4 letter")
    assert f"/city-files/school/{key}" in bucket
    assert await store.get(key) == b"%PDF-1.4 letter"
    assert await store.get("0" * 64) is None
    assert await store.get("../../etc/passwd") is None
    await client.aclose()


async def test_local_files_keep_one_copy_and_refuse_odd_keys(tmp_path):
    store = storage.LocalFiles(tmp_path)
    first = await store.put(b"\x89PNG\r\n\x1a\nimage")
    assert await store.put(b"\x89PNG\r\n\x1a\nimage") == first
    assert len(list(tmp_path.rglob("*"))) == 2  # one folder, one file
    assert await store.get("../" + first) is None
