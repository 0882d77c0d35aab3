"""What a notification is about. Residents mute topics; the locked ones always arrive."""

from __future__ import annotations

from shell.web.i18n import lazy

TOPICS: dict[str, str] = {
    "disaster": lazy("防災・緊急情報"),
    "city": lazy("市からのお知らせ"),
    "events": lazy("イベント"),
    "childcare": lazy("子育て"),
    "account": lazy("アカウント・お支払い"),
}
# Never muted: lives and money depend on them.
LOCKED = frozenset({"disaster", "account"})
# What staff may pick when they compose.
STAFF_TOPICS = ("city", "disaster", "events", "childcare")
