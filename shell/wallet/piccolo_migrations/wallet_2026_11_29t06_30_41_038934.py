"""One payment request per app reference: a unique index on ``app_key`` (raw SQL, valid on
SQLite and PostgreSQL; SQLite cannot add a UNIQUE constraint to an existing column)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T06:30:41:038934"
VERSION = "1.38.0"
DESCRIPTION = "unique index on wallet_payment_request.app_key"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="wallet", description=DESCRIPTION)

    async def create_index() -> None:
        from shell.wallet.tables import PaymentRequest

        await PaymentRequest.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS wallet_payment_request_app_key_unique "
            "ON wallet_payment_request (app_key)"
        )

    manager.add_raw(create_index)
    return manager
