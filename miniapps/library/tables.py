"""The library app's tables (prefixed ``library_``).

A patron is known only by the pairwise id of their launch token (``subject``) and a card number;
no name or address is stored. Following the Japanese libraries' principle of keeping no reading
records, a loan loses its patron when it is returned (``patron`` becomes null): what remains serves
the monthly figures only. A reading history is kept only for patrons who turned it on.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class LibraryBranch(Table, tablename="library_branch"):
    """The city library's branches and the schools' libraries, in one union catalogue."""

    code = Varchar(length=32, unique=True)
    name = Varchar(length=100)
    name_en = Varchar(length=100, default="")
    kind = Varchar(length=16, default="city")  # city | elementary | junior_high


class LibraryTitle(Table, tablename="library_title"):
    """A bibliographic record. ``search_text`` holds the n-gram tokens the full-text index reads
    (see search.py); the FTS index itself is made by raw SQL in the migrations."""

    key = Varchar(length=64, unique=True)  # isbn:978... or the source record's control number
    isbn = Varchar(length=13, default="", index=True)
    title = Varchar(length=500)
    title_kana = Varchar(length=500, default="")
    author = Varchar(length=300, default="")
    author_kana = Varchar(length=300, default="")
    subject = Varchar(length=300, default="")
    publisher = Varchar(length=200, default="")
    year = SmallInt(default=0)
    audience = Varchar(length=16, default="general")  # picture | child | teen | general
    search_text = Text(default="")


class LibraryCopy(Table, tablename="library_copy"):
    barcode = Varchar(length=32, unique=True)
    title = ForeignKey(LibraryTitle, null=False, index=True)
    branch = ForeignKey(LibraryBranch, null=False, index=True)
    shelf = Varchar(length=40, default="")
    # shelf | loan | held | transit | withdrawn (除籍: out of the catalogue, its loans still count)
    status = Varchar(length=16, default="shelf", index=True)


class LibraryPatron(Table, tablename="library_patron"):
    subject = Varchar(length=200, unique=True)
    card_number = Varchar(length=16, unique=True)
    locale = Varchar(length=16, default="ja")
    group = Varchar(length=16, default="adult")  # adult | elementary | junior_high
    school = ForeignKey(LibraryBranch, null=True)
    history_on = Boolean(default=False)
    children_ages = JSON(default="[]")  # ages (years) only, for age-group recommendations
    created_at = Timestamptz()


class LibraryLoan(Table, tablename="library_loan"):
    copy = ForeignKey(LibraryCopy, null=False, index=True)
    title = ForeignKey(LibraryTitle, null=False)
    branch = ForeignKey(LibraryBranch, null=False)  # where it was lent
    patron = ForeignKey(LibraryPatron, null=True, index=True)  # null once returned
    group = Varchar(length=16, default="adult")  # the borrower's group, for the figures
    open_key = Varchar(length=40, null=True, default=None, unique=True)  # copy id while out
    borrowed_on = Date()
    due_on = Date(index=True)
    renewals = SmallInt(default=0)
    returned_on = Date(null=True, default=None)


class LibraryHold(Table, tablename="library_hold"):
    """A hold on a title, one fair queue per title across every branch (placed_at, id)."""

    title = ForeignKey(LibraryTitle, null=False, index=True)
    patron = ForeignKey(LibraryPatron, null=False, index=True)
    pickup = ForeignKey(LibraryBranch, null=False)
    open_key = Varchar(length=80, null=True, default=None, unique=True)  # patron|title while open
    # waiting | transit | ready, then done | cancelled | expired
    status = Varchar(length=16, default="waiting", index=True)
    copy = ForeignKey(LibraryCopy, null=True)
    placed_at = Timestamptz()
    ready_on = Date(null=True, default=None)
    keep_until = Date(null=True, default=None)


class LibraryHistory(Table, tablename="library_history"):
    """What a patron borrowed, kept only while they have the history turned on."""

    key = Varchar(length=80, unique=True)  # patron|title
    patron = ForeignKey(LibraryPatron, null=False, index=True)
    title = ForeignKey(LibraryTitle, null=False)
    borrowed_on = Date()


class LibraryShelf(Table, tablename="library_shelf"):
    """"My collection": titles a patron keeps a note of."""

    key = Varchar(length=80, unique=True)  # patron|title
    patron = ForeignKey(LibraryPatron, null=False, index=True)
    title = ForeignKey(LibraryTitle, null=False)
    added_at = Timestamptz()


class LibraryRelated(Table, tablename="library_related"):
    """Title-to-title recommendations computed in the background: co-borrowing counted over at
    least ``MIN_BORROWERS`` different people, or the same subject. Never names a person."""

    key = Varchar(length=40, unique=True)  # title|other
    title = ForeignKey(LibraryTitle, null=False, index=True)
    other = ForeignKey(LibraryTitle, null=False)
    score = Integer(default=0)
    reason = Varchar(length=16, default="subject")  # borrowed | subject


class LibraryList(Table, tablename="library_list"):
    """A librarians' recommendation list for an age group."""

    age_group = Varchar(length=16, index=True)  # picture | child | teen | general
    heading = Varchar(length=200)
    note = Text(default="")
    branch = ForeignKey(LibraryBranch, null=True)
    created_at = Timestamptz()


class LibraryListItem(Table, tablename="library_list_item"):
    key = Varchar(length=40, unique=True)  # list|title
    list = ForeignKey(LibraryList, null=False, index=True)
    title = ForeignKey(LibraryTitle, null=False)
    comment = Varchar(length=300, default="")


class LibraryNotice(Table, tablename="library_notice"):
    """Each notice sent once: the job may run twice without sending twice."""

    key = Varchar(length=120, unique=True)  # kind|record id|date
    subject = Varchar(length=200)
    sent_at = Timestamptz()


class LibraryImportRun(Table, tablename="library_import_run"):
    file_name = Varchar(length=200)
    ok = Boolean()
    records = Integer(default=0)
    problems = JSON(default="[]")
    at = Timestamptz()


class LibraryStaffSchool(Table, tablename="library_staff_school"):
    """The school a school librarian works for (joined with a code a city librarian issued)."""

    subject = Varchar(length=200, unique=True)
    branch = ForeignKey(LibraryBranch, null=False)
    joined_at = Timestamptz()


class LibraryJoinCode(Table, tablename="library_join_code"):
    """A one-time code for a school librarian to join a school (only its hash is kept)."""

    code_hash = Varchar(length=64, unique=True)
    branch = ForeignKey(LibraryBranch, null=False)
    expires_at = Timestamptz()
    used = Boolean(default=False)
