"""The translation memory: a source text's translation, kept when staff correct a machine's and
reused before any engine is asked."""

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class TranslationMemory(Table, tablename="translation_memory"):
    """One source text in one language pair. ``key`` (unique) is the SHA-256 of the pair and the
    source text, so the same text is remembered once; ``origin`` says who wrote ``text``:
    ``"staff"`` (a correction, preferred) or ``"machine"``."""

    key = Varchar(length=64, unique=True)
    source_lang = Varchar(length=16)
    target_lang = Varchar(length=16)
    source_text = Text()
    text = Text()
    origin = Varchar(length=8, default="staff")
    corrected_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    updated_at = Timestamptz(default=TimestamptzNow())
