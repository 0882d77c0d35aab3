"""The school app's tables (prefixed ``school_``).

Least data: a child is a first name, its kana and a class; nothing else about the child is kept
(no birthday, no address, no health record). A notice keeps the reason and, for illness, the
symptoms from a short fixed list that the class needs for that day. Residents (guardians and
staff) are known only by the pairwise id of their launch token (``subject``).
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


class SchoolClass(Table, tablename="school_class"):
    """A class of a school, or a group of a nursery (e.g. ひよこ組)."""

    school = Varchar(length=80, index=True)  # the school's or nursery's name
    kind = Varchar(length=16, default="school")  # school | nursery
    grade = SmallInt(default=0)  # 1-6 at school; the age for a nursery group
    name = Varchar(length=40)
    staff_code_hash = Varchar(length=64)  # the code staff join the class with
    deadline = Varchar(length=5, default="08:30")  # same-day absence and lateness, local time
    office_hours = Varchar(length=120, default="")


class SchoolChild(Table, tablename="school_child"):
    klass = ForeignKey(SchoolClass, null=False, index=True)
    first_name = Varchar(length=40)
    kana = Varchar(length=40, default="")
    code_hash = Varchar(length=64, default="")  # the enrolment code's hash, blank once used up
    code_expires = Timestamptz(null=True, default=None)
    qr_token = Varchar(length=40, unique=True)  # what the gate QR encodes
    created_at = Timestamptz()


class SchoolGuardian(Table, tablename="school_guardian"):
    """A guardian of a child (at most two per child; a guardian may have several children)."""

    key = Varchar(length=240, unique=True)  # subject|child id
    subject = Varchar(length=200, index=True)
    child = ForeignKey(SchoolChild, null=False, index=True)
    locale = Varchar(length=16, default="ja")
    notify = Boolean(default=False)  # granted notify when linking
    created_at = Timestamptz()


class SchoolGuardianSlot(Table, tablename="school_guardian_slot"):
    """A child's two guardian places: unique, so two guardians linking at once cannot make three."""

    key = Varchar(length=40, unique=True)  # child id|1 or 2
    guardian = Varchar(length=240, unique=True)  # the guardian's key (subject|child id)


class SchoolStaff(Table, tablename="school_staff"):
    """A staff member of a class (joined with the class's staff code)."""

    key = Varchar(length=240, unique=True)  # subject|class id
    subject = Varchar(length=200, index=True)
    klass = ForeignKey(SchoolClass, null=False, index=True)
    created_at = Timestamptz()


class SchoolAttempt(Table, tablename="school_attempt"):
    """Every failed code, to stop guessing."""

    subject = Varchar(length=200, index=True)
    at = Timestamptz()


class SchoolNotice(Table, tablename="school_notice"):
    """Absence, lateness or early pick-up of one child on one day (one per child and day)."""

    key = Varchar(length=80, unique=True)  # child id|day
    child = ForeignKey(SchoolChild, null=False, index=True)
    day = Date(index=True)
    kind = Varchar(length=16)  # absent | late | early
    reason = Varchar(length=16)  # illness | injury | family | appointment | other
    symptoms = JSON(default="[]")  # only for illness, from SYMPTOMS
    at_time = Varchar(length=5, default="")  # arrival (late) or pick-up (early) time
    note = Varchar(length=200, default="")
    via = Varchar(length=8, default="app")  # app | phone
    by_subject = Varchar(length=200, default="")
    created_at = Timestamptz()


class SchoolAttendance(Table, tablename="school_attendance"):
    """Check-in and check-out at the gate (one row per child and day)."""

    key = Varchar(length=80, unique=True)  # child id|day
    child = ForeignKey(SchoolChild, null=False, index=True)
    day = Date(index=True)
    checked_in = Timestamptz(null=True, default=None)
    checked_out = Timestamptz(null=True, default=None)
    collected_by = Varchar(length=40, default="")


class SchoolLetter(Table, tablename="school_letter"):
    """A letter (お便り) to a class, a grade, or a whole school; written in Japanese."""

    key = Varchar(length=120, unique=True)  # the author's form nonce: a resend is one letter
    school = Varchar(length=80, index=True)
    grade = SmallInt(null=True, default=None)
    klass = ForeignKey(SchoolClass, null=True, default=None)
    title = Varchar(length=120)
    body = Text()
    author = Varchar(length=200)
    send_at = Timestamptz(index=True)
    notified = Boolean(default=False)
    created_at = Timestamptz()
    draft = Boolean(default=False)  # kept back while staff check its translations
    question = Varchar(length=200, default="")  # an RSVP or a one-question survey, optional
    choices = JSON(default="[]")  # its answers to choose from (2 to 6)


class SchoolLetterText(Table, tablename="school_letter_text"):
    """A letter in another language: machine-translated, or written or corrected by staff."""

    key = Varchar(length=160, unique=True)  # letter id|lang
    letter = ForeignKey(SchoolLetter, null=False, index=True)
    lang = Varchar(length=16)
    title = Varchar(length=300)
    body = Text()
    source = Varchar(length=8)  # machine | staff
    extra = JSON(default="[]")  # the question and its choices, translated


class SchoolAttachment(Table, tablename="school_attachment"):
    letter = ForeignKey(SchoolLetter, null=False, index=True)
    name = Varchar(length=120)
    media_type = Varchar(length=40)
    size = Integer()
    storage_key = Varchar(length=80)


class SchoolReceipt(Table, tablename="school_receipt"):
    key = Varchar(length=260, unique=True)  # letter id|subject
    letter = ForeignKey(SchoolLetter, null=False, index=True)
    subject = Varchar(length=200)
    read_at = Timestamptz()


class SchoolAnswer(Table, tablename="school_answer"):
    """A guardian's answer to a letter's question (one per guardian; answering again replaces)."""

    key = Varchar(length=260, unique=True)  # letter id|subject
    letter = ForeignKey(SchoolLetter, null=False, index=True)
    subject = Varchar(length=200)
    choice = SmallInt()  # index into the letter's choices
    comment = Varchar(length=200, default="")
    at = Timestamptz()


class SchoolContact(Table, tablename="school_contact"):
    """The contact book (連絡帳) of one child on one day: a note from home, a note from school."""

    key = Varchar(length=80, unique=True)  # child id|day
    child = ForeignKey(SchoolChild, null=False, index=True)
    day = Date(index=True)
    home_note = Varchar(length=500, default="")
    school_note = Varchar(length=1000, default="")
    home_at = Timestamptz(null=True, default=None)
    school_at = Timestamptz(null=True, default=None)


class SchoolConversation(Table, tablename="school_conversation"):
    """A guardian's conversation with a class (the class's staff share it)."""

    key = Varchar(length=240, unique=True)  # class id|subject
    klass = ForeignKey(SchoolClass, null=False, index=True)
    subject = Varchar(length=200, index=True)
    label = Varchar(length=120, default="")  # the guardian's children in the class, for staff
    last_at = Timestamptz(null=True, default=None)
    staff_unread = Boolean(default=False)
    parent_unread = Boolean(default=False)


class SchoolMessage(Table, tablename="school_message"):
    key = Varchar(length=200, unique=True)  # conversation id|the form nonce: sent once
    conversation = ForeignKey(SchoolConversation, null=False, index=True)
    from_staff = Boolean()
    author = Varchar(length=200)
    body = Varchar(length=2000)
    lang = Varchar(length=16, default="ja")
    created_at = Timestamptz()


class SchoolTranslation(Table, tablename="school_translation"):
    """Machine translations of messages, kept so each is asked for once."""

    key = Varchar(length=120, unique=True)  # message id|lang
    text = Varchar(length=4000)


class SchoolSent(Table, tablename="school_sent"):
    """Each notification sent once (jobs may run twice)."""

    key = Varchar(length=300, unique=True)
    sent_at = Timestamptz()


class SchoolReason(Table, tablename="school_reason"):
    """A school's list of absence reasons, once its administrator changed it (a school without
    rows uses the five built-in reasons). A built-in reason keeps its code and a blank label (its
    label is translated by the catalogs); one the school added has a Japanese label and a code
    ``c`` + hex, unique across schools. A reason is retired, never deleted: old notices keep it."""

    key = Varchar(length=120, unique=True)  # school|code
    school = Varchar(length=80, index=True)
    code = Varchar(length=16)
    label = Varchar(length=40, default="")
    symptoms = Boolean(default=False)  # asks for symptoms, as illness does
    active = Boolean(default=True)
    position = SmallInt(default=0)
