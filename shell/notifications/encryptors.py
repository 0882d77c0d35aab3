"""Helper processes that encrypt a broadcast's pushes beside the job runner.

RFC 8291 encryption (an ephemeral P-256 key pair and an ECDH per message) is most of a sender's
CPU, and ``cryptography`` holds the GIL while doing it, so a second core helps only from another
process. Each helper is ``python -m shell.notifications.encryptors`` (it imports only the
encryption code: started in a fraction of a second, unlike a multiprocessing child that imports
the whole app again), fed chunks of (payload, p256dh, auth) as length-prefixed msgpack frames on
its stdin, answering the bodies in order on its stdout. The runner's side uses asyncio pipes: no
extra threads in the job runner. A helper that dies fails its pending chunks; the sender then
encrypts those messages itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque

import msgspec

log = logging.getLogger("machi.notifications")

Message = tuple[bytes, str, str]  # payload, the subscription's p256dh and auth
_encode = msgspec.msgpack.Encoder().encode


class _Helper:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: deque[asyncio.Future[list[bytes]]] = deque()
        self.alive = True
        self.reader = asyncio.get_running_loop().create_task(self._read())

    def submit(self, chunk: list[Message]) -> asyncio.Future[list[bytes]]:
        answer: asyncio.Future[list[bytes]] = asyncio.get_running_loop().create_future()
        frame = _encode(chunk)
        assert self.process.stdin is not None
        self.pending.append(answer)
        self.process.stdin.write(len(frame).to_bytes(4, "big") + frame)
        return answer

    async def _read(self) -> None:
        assert self.process.stdout is not None
        decode = msgspec.msgpack.Decoder(list[bytes]).decode
        try:
            while True:
                size = int.from_bytes(await self.process.stdout.readexactly(4), "big")
                bodies = decode(await self.process.stdout.readexactly(size))
                answer = self.pending.popleft()
                if not answer.done():
                    answer.set_result(bodies)
        except (asyncio.IncompleteReadError, ConnectionError, msgspec.DecodeError) as exc:
            failure: BaseException = exc
        except asyncio.CancelledError:
            failure = ConnectionError("encryption helper stopped")
        self.alive = False
        if self.pending:
            log.warning("push encryption helper %s ended: %r", self.process.pid, failure)
        while self.pending:
            answer = self.pending.popleft()
            if not answer.done():
                answer.set_exception(ConnectionError("encryption helper ended"))

    async def close(self) -> None:
        self.alive = False
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


class Encryptors:
    """``count`` helper processes, given chunks in turn."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._helpers: list[_Helper] = []
        self._turn = 0

    async def start(self) -> None:
        while len(self._helpers) < self.count:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "shell.notifications.encryptors",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            self._helpers.append(_Helper(process))

    @property
    def pids(self) -> list[int]:
        return [helper.process.pid for helper in self._helpers]

    def encrypt(self, chunk: list[Message]) -> asyncio.Future[list[bytes]] | None:
        """The chunk's bodies, from the next live helper; None when none is alive."""
        for _ in range(len(self._helpers)):
            helper = self._helpers[self._turn % len(self._helpers)]
            self._turn += 1
            if helper.alive:
                return helper.submit(chunk)
        return None

    async def close(self) -> None:
        for helper in self._helpers:
            await helper.close()
        self._helpers.clear()


def _serve() -> None:
    """The helper's side: frames in on stdin, bodies out on stdout, until stdin closes."""
    from shell.notifications.ece import encrypt_many

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    decode = msgspec.msgpack.Decoder(list[tuple[bytes, str, str]]).decode
    while len(header := stdin.read(4)) == 4:
        chunk = decode(stdin.read(int.from_bytes(header, "big")))
        frame = _encode(encrypt_many(chunk))
        stdout.write(len(frame).to_bytes(4, "big") + frame)
        stdout.flush()


if __name__ == "__main__":
    _serve()
