"""The Web Push sender against a push service that answers from a script: retries on 429 and
5xx, gives up on 404 and 410, keeps connections alive, and every attempt is a real encrypted,
VAPID-signed message."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from shell.notifications import ece, webpush
from shell.notifications.pushhttp import PushClient, PushHTTPError
from shell.notifications.webpush import Sender

PAYLOAD = '{"title": "断水のお知らせ"}'.encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class ScriptedService:
    """Answers each request with the next (status, headers, body) of its script, then 201."""

    def __init__(self, *script: tuple[int, dict[str, str], bytes]) -> None:
        self.script = list(script)
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = {}
                for line in head[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.lower()] = value.strip()
                body = await reader.readexactly(int(headers["content-length"]))
                self.requests.append((head[0], headers, body))
                status, extra, answer = self.script.pop(0) if self.script else (201, {}, b"")
                if extra.get("Transfer-Encoding") == "chunked":
                    answer = b"%x\r\n%s\r\n0\r\n\r\n" % (len(answer), answer)
                else:
                    extra = {**extra, "Content-Length": str(len(answer))}
                lines = "".join(f"{name}: {value}\r\n" for name, value in extra.items())
                writer.write(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + answer)
                await writer.drain()
                if extra.get("Connection") == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture(name="device")
def fx_device() -> tuple[ec.EllipticCurvePrivateKey, dict]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, {"p256dh": _b64(public), "auth": _b64(os.urandom(16))}


@pytest.fixture(name="sender")
async def fx_sender(monkeypatch) -> AsyncIterator[Sender]:
    monkeypatch.setattr(webpush, "RETRIES", (0.01, 0.01, 0.01))
    vapid = Vapid02()
    vapid.generate_keys()
    sender = Sender(vapid, "mailto:webpush@city.example.jp")
    yield sender
    await sender.close()


async def _serve(service: ScriptedService) -> asyncio.Server:
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    service.port = server.sockets[0].getsockname()[1]
    return server


def _subscription(service: ScriptedService, keys: dict) -> dict:
    return {"endpoint": f"http://127.0.0.1:{service.port}/push/abc?x=1", "keys": keys}


async def test_a_busy_push_service_is_tried_again_until_it_accepts(sender, device):
    key, keys = device
    service = ScriptedService(
        (503, {}, b""), (429, {"Retry-After": "0"}, b""), (201, {"Location": "/m/1"}, b"")
    )
    async with await _serve(service):
        outcome = await sender.send(
            _subscription(service, keys), PAYLOAD, ttl=86400, urgency="high", topic="m7"
        )
    assert outcome.sent
    assert len(service.requests) == 3
    public = base64.urlsafe_b64decode(keys["p256dh"] + "=")
    auth = base64.urlsafe_b64decode(keys["auth"] + "==")
    for request_line, headers, body in service.requests:
        assert request_line == "POST /push/abc?x=1 HTTP/1.1"
        assert headers["host"] == f"127.0.0.1:{service.port}"
        assert headers["authorization"].startswith("vapid t=")
        assert headers["content-encoding"] == "aes128gcm"
        assert (headers["ttl"], headers["urgency"], headers["topic"]) == ("86400", "high", "m7")
        assert ece.decrypt(body, key, public, auth) == PAYLOAD
    # a retry sends the same message again (each message has its own key and salt: test_ece)
    assert len({body for _, _, body in service.requests}) == 1


async def test_a_gone_subscription_is_not_tried_again(sender, device):
    _, keys = device
    service = ScriptedService((410, {}, b"gone"))
    async with await _serve(service):
        outcome = await sender.send(_subscription(service, keys), PAYLOAD, ttl=60)
    assert outcome.gone
    assert not outcome.sent
    assert len(service.requests) == 1


async def test_a_service_that_keeps_failing_is_given_up_after_the_retries(sender, device):
    _, keys = device
    service = ScriptedService(*[(500, {}, b"")] * 4)
    async with await _serve(service):
        outcome = await sender.send(_subscription(service, keys), PAYLOAD, ttl=60)
    assert outcome.status == 500
    assert not outcome.sent
    assert len(service.requests) == 1 + len(webpush.RETRIES)


async def test_connections_are_kept_alive_unless_the_service_closes_them(sender, device):
    _, keys = device
    service = ScriptedService(
        (201, {}, b""),
        (400, {"Transfer-Encoding": "chunked"}, b'{"error": "bad"}'),
        (201, {"Connection": "close"}, b""),
        (201, {}, b""),
        (201, {}, b""),
    )
    async with await _serve(service):
        statuses = [
            (await sender.send(_subscription(service, keys), PAYLOAD, ttl=60)).status
            for _ in range(5)
        ]
    assert statuses == [201, 400, 201, 201, 201]
    assert service.connections == 2  # a new one only after the service said close


async def test_a_connection_idle_too_long_is_not_reused():
    """A push service or a NAT may drop an idle connection silently; a request written into it
    would wait for the whole time limit. Past the keep-alive time a fresh one is opened."""
    service = ScriptedService()
    client = PushClient(keep_alive=0.2)
    endpoint = ""
    async with await _serve(service):
        endpoint = f"http://127.0.0.1:{service.port}/push/abc"
        for _ in range(3):  # back to back: one connection
            assert (await client.post(endpoint, b"", b"{}")).status == 201
        assert service.connections == 1
        await asyncio.sleep(0.3)
        assert (await client.post(endpoint, b"", b"{}")).status == 201
        assert service.connections == 2
        await client.close()


async def test_an_unreachable_service_counts_as_not_sent(sender, device):
    _, keys = device
    service = ScriptedService()
    server = await _serve(service)
    server.close()
    await server.wait_closed()
    outcome = await sender.send(_subscription(service, keys), PAYLOAD, ttl=60)
    assert outcome.status == 0
    assert not outcome.sent


async def test_a_service_that_never_answers_is_given_up_after_the_time_limit():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the request, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = PushClient()
    async with server:
        with pytest.raises(PushHTTPError, match="no answer"):
            await client.post(f"http://127.0.0.1:{port}/push/x", b"", b"{}", seconds=0.2)
        await client.close()


async def test_each_request_in_flight_is_given_up_at_its_own_time_limit():
    """The requests in flight share one timer, set for the earliest deadline: a request sent
    later with a shorter limit is given up first, and the earlier one still at its own."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    endpoint = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/push/x"
    client = PushClient()
    loop = asyncio.get_running_loop()
    async with server:
        began = loop.time()
        patient = asyncio.create_task(client.post(endpoint, b"", b"{}", seconds=1.5))
        await asyncio.sleep(0.05)  # its connection open and its request written
        with pytest.raises(PushHTTPError, match="no answer"):
            await client.post(endpoint, b"", b"{}", seconds=0.2)
        assert not patient.done()  # given up on the short one alone
        with pytest.raises(PushHTTPError, match="no answer"):
            await patient
        assert loop.time() - began >= 1.5
        await client.close()


async def test_a_push_service_is_reached_over_tls_with_its_certificate_checked(tmp_path):
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cafile=tmp_path / "cert.pem")
    service = ScriptedService((201, {}, b""))
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0, ssl=served)
    port = server.sockets[0].getsockname()[1]
    async with server:
        trusted = PushClient(tls=trusting)
        answer = await trusted.post(f"https://localhost:{port}/push/x", b"", b"{}")
        assert answer.status == 201
        await trusted.close()
        stranger = PushClient()  # the system's CAs do not know this certificate
        with pytest.raises(PushHTTPError, match="cannot reach"):
            await stranger.post(f"https://localhost:{port}/push/x", b"", b"{}")
        await stranger.close()
    assert service.requests[0][1]["host"] == f"localhost:{port}"
