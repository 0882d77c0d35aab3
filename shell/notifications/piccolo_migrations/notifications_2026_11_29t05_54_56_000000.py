"""Indexes of the notifications area: one inbox copy per (message, resident), one mute per topic,
and the inbox read newest first. A migration of its own because Piccolo runs a migration's raw
statements before it creates that migration's tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T05:54:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "notification indexes"

INDEXES = {
    "notifications_inbox_item_once": ("UNIQUE", "notifications_inbox_item (message, account)"),
    "notifications_inbox_item_by_account": ("", "notifications_inbox_item (account, id)"),
    "notifications_muted_topic_once": ("UNIQUE", "notifications_muted_topic (account, topic)"),
    "notifications_message_due": ("", "notifications_message (status, scheduled_at)"),
}


async def create_indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for name, (kind, target) in INDEXES.items():
        await engine.run_ddl(f"CREATE {kind} INDEX {name} ON {target}")


async def drop_indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for name in INDEXES:
        await engine.run_ddl(f"DROP INDEX {name}")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
