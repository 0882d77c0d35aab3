"""Live events for open pages: Litestar channels, and one Server-Sent Events stream per page.

Publish, from an action, after its transaction commits::

    from shell.web import live
    await live.publish("city", "disaster-mode", {"on": True})

Channels are plain names:

- ``city``: every open page, signed in or not (disaster mode, say). Every page is subscribed.
- ``account.<id>``: the pages of that account only. Every signed-in page is subscribed.
- anything an area registers with :func:`channel_rule` (``live.channel_rule("booking.", allow)``):
  a page asks for it with ``<div data-live-channels="booking.12">`` and ``allow(request, name)``
  decides. An unregistered or refused name answers 403.

An event says *that* something changed, never personal data: every page allowed on a channel sees
its events, and a page fetches what it shows through its own guarded route (``data-live-refresh``
in ``pwa/static/js/live.js`` does exactly that).

Backends: memory (one process) by default; Redis Pub/Sub when ``MACHI_REDIS_URL`` is set, so an
event published by one worker reaches the pages connected to every other.

The browser side (``pwa/static/js/live.js``, loaded by the layout):

- one ``EventSource`` on ``/live/events`` per page; ``<html data-live="open">`` once subscribed;
- events it listens for: the shell's own, every name in a ``data-live-refresh``, and any listed
  in a ``data-live-events="a b"`` attribute (an EventSource hears only names it listens for);
- each event is dispatched on ``document.body`` as a DOM event ``live-<event>`` (``detail`` =
  ``{channel, data}``), so htmx can listen: ``hx-trigger="live-booking-changed from:body"``;
- an element with an ``id`` and ``data-live-refresh="event-a event-b"`` is fetched again (from
  ``data-live-url``, else the page's own URL) and replaced by the element of the same id in the
  answer; after a reconnect every such element is refreshed, so a missed event costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

from shell.settings import Settings
from shell.web.i18n import _

log = logging.getLogger("machi.live")

CITY = "city"
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000
MAX_CHANNELS = 8

Allow = Callable[[Request[Any, Any, Any], str], bool | Awaitable[bool]]
_rules: dict[str, Allow] = {}
_current: ChannelsPlugin | None = None


@dataclass(frozen=True)
class Event:
    channel: str
    event: str
    data: dict[str, Any]


def channel_rule(prefix: str, allow: Allow) -> None:
    """Let pages subscribe to channels named ``prefix…`` when ``allow(request, name)`` says so."""
    _rules[prefix] = allow


def make_plugin(settings: Settings) -> ChannelsPlugin:
    """The channels plugin for one app: Redis Pub/Sub when configured, else in memory."""
    backend: ChannelsBackend
    if settings.redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend = RedisChannelsPubSubBackend(
            redis=Redis.from_url(settings.redis_url), key_prefix="machi:live"
        )
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


def install(plugin: ChannelsPlugin) -> None:
    """Make ``plugin`` the one :func:`publish` and :func:`subscription` use in this process."""
    global _current
    _current = plugin


@contextlib.asynccontextmanager
async def standalone(settings: Settings) -> AsyncIterator[None]:
    """For work outside a running app (``machi disaster import-jma``, a job in ``machi worker``):
    with Redis, publish to every worker's pages for the duration; without it the server's own
    watchers catch up. Inside a process whose channels run already, nothing to do."""
    if not settings.redis_url or (_current is not None and _running(_current)):
        yield
        return
    plugin = make_plugin(settings)
    previous = _current
    install(plugin)
    try:
        async with plugin:
            yield
    finally:
        install(previous) if previous is not None else None


def current() -> ChannelsPlugin:
    if _current is None:
        raise RuntimeError("live events are not set up: create_app() installs them")
    return _current


def _running(plugin: ChannelsPlugin) -> bool:
    return plugin._pub_queue is not None


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 100 and all(c.isalnum() or c in "._-:" for c in name)


async def publish(
    channel: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    plugin: ChannelsPlugin | None = None,
) -> None:
    """Send ``event`` with ``data`` (JSON-able, no personal data) to every page on ``channel``.

    Live events are nudges; the database stays the record. When the channels are not running
    (a command-line import with no server in this process) or the backend fails, the event is
    dropped and logged, never raised into the action that already committed.
    """
    if not _valid_name(channel) or not _valid_name(event):
        raise ValueError(f"bad channel or event name: {channel!r} {event!r}")
    target = plugin or _current
    if target is None or not _running(target):
        log.info("live event %s on %s dropped: channels not running here", event, channel)
        return
    payload = {"channel": channel, "event": event, "data": dict(data or {})}
    try:
        await target.wait_published(json.dumps(payload, ensure_ascii=False).encode(), [channel])
    except Exception:  # Redis away: the action stands; pages catch up when they reconnect
        log.exception("live event %s on %s not published", event, channel)


@contextlib.asynccontextmanager
async def subscription(
    channels: Iterable[str], *, plugin: ChannelsPlugin | None = None
) -> AsyncIterator[asyncio.Queue[Event]]:
    """Subscribe to ``channels``; events arrive on the yielded queue until the block ends."""
    target = plugin or current()
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)

    async def on_event(raw: bytes) -> None:
        try:
            message = json.loads(raw)
            item = Event(message["channel"], message["event"], message.get("data") or {})
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable live event dropped")
            return
        with contextlib.suppress(asyncio.QueueFull):  # a stuck page loses events, not memory
            queue.put_nowait(item)

    async with (
        target.start_subscription(list(channels)) as subscriber,
        subscriber.run_in_background(on_event, join=False),
    ):
        yield queue


async def channels_for(request: Request[Any, Any, Any], wanted: Iterable[str]) -> list[str]:
    """The channels this page may follow: ``city``, its account's, and the allowed ``wanted``."""
    names = [CITY]
    account = request.state.get("account")
    if account:
        names.append(f"account.{account['id']}")
    for name in wanted:
        if name in names:
            continue
        rule = next((r for p, r in _rules.items() if name.startswith(p)), None)
        allowed = False
        if rule is not None and _valid_name(name):
            answer = rule(request, name)
            allowed = bool(await answer) if inspect.isawaitable(answer) else bool(answer)
        if not allowed:
            raise PermissionDeniedException(_("このページの更新情報を受け取る権限がありません。"))
        names.append(name)
    if len(names) > MAX_CHANNELS + 2:
        raise PermissionDeniedException(_("このページの更新情報を受け取る権限がありません。"))
    return names


async def _stream(
    plugin: ChannelsPlugin, names: list[str], heartbeat: float
) -> AsyncIterator[ServerSentEventMessage]:
    async with subscription(names, plugin=plugin) as queue:
        # Subscribed before this first message: a page that saw it misses nothing after.
        yield ServerSentEventMessage(event="ready", data=json.dumps(names), retry=RETRY_MS)
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            data = json.dumps({"channel": item.channel, "data": item.data}, ensure_ascii=False)
            yield ServerSentEventMessage(event=item.event, data=data)


@get(
    "/live/events",
    name="live_events",
    include_in_schema=False,
    exclude_from_csrf=True,
)
async def events(
    request: Request[Any, Any, Any], channel: FromQuery[list[str] | None] = None
) -> ServerSentEvent:
    """The page's event stream (Server-Sent Events)."""
    names = await channels_for(request, channel or [])
    return ServerSentEvent(
        _stream(request.app.plugins.get(ChannelsPlugin), names, HEARTBEAT_SECONDS),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
