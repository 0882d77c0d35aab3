"""Live delivery to open conversations and boards: the SDK's hub (``machi_sdk.live``), a waiter
per topic woken by a publish, across workers through the city's Redis when ``MACHI_REDIS_URL`` is
set. A message is committed to the database first, then published. Whatever happens to Redis, a
waiter also looks at the database every ``RECHECK_SECONDS`` (``delivery``): a lost event costs at
most that long, never a message.
"""

from __future__ import annotations

from machi_sdk.live import Hub, app_hub

RECHECK_SECONDS = 2.0
CHANNEL = "machi:school:live:"

HUB = app_hub("school")

__all__ = ["CHANNEL", "HUB", "RECHECK_SECONDS", "Hub"]
