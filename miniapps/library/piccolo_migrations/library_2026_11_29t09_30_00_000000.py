"""The catalogue's full-text index (raw SQL: Piccolo has no FTS).

SQLite: an FTS5 table over ``library_title.search_text`` (external content) kept in step by
triggers. PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``. ``search_text`` holds
ASCII tokens (the hex of each character bigram), so both split it alike whatever the locale.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "full-text index on library_title.search_text"

SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_title_fts USING fts5("
    "search_text, content='library_title', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_ai AFTER INSERT ON library_title BEGIN "
    "INSERT INTO library_title_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_ad AFTER DELETE ON library_title BEGIN "
    "INSERT INTO library_title_fts(library_title_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_au AFTER UPDATE OF search_text "
    "ON library_title BEGIN "
    "INSERT INTO library_title_fts(library_title_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO library_title_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO library_title_fts(library_title_fts) VALUES ('rebuild')",
]
POSTGRES = [
    "CREATE INDEX IF NOT EXISTS library_title_fts ON library_title "
    "USING GIN (to_tsvector('simple', search_text))",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="library", description=DESCRIPTION)

    async def create_index() -> None:
        from piccolo.conf.apps import Finder

        title = Finder().get_table_with_name("library", "LibraryTitle")
        for statement in SQLITE if title._meta.db.engine_type == "sqlite" else POSTGRES:
            await title.raw(statement)

    manager.add_raw(create_index)
    return manager
