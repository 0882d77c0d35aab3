"""The ledger and what hangs off it.

Ledger rows (:class:`LedgerTransaction`, :class:`LedgerEntry`) are only ever inserted: a mistake
is corrected by a reversing transaction. :attr:`LedgerAccount.balance` is a cache of the sum of
the account's entries, changed only in the transaction that inserts those entries, and checked by
``machi wallet verify``.
"""

from piccolo.columns import (
    JSONB,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.city.tables import District
from shell.identity.tables import Account


class Merchant(Table, tablename="wallet_merchant"):
    """A shop that accepts the wallet. Only ``approved`` merchants can be paid."""

    code = Varchar(length=32, unique=True)  # what the shop's static QR carries
    name = Varchar(length=100)
    category = Varchar(length=32, index=True)
    district = ForeignKey(District, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    status = Varchar(length=16, default="pending", index=True)  # pending|approved|suspended
    created_at = Timestamptz(default=TimestamptzNow())


class MerchantMember(Table, tablename="wallet_merchant_member"):
    """An account that works at a merchant: the ``owner`` or ``staff`` (no refunds)."""

    merchant = ForeignKey(Merchant, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    role = Varchar(length=16, default="owner")


class Campaign(Table, tablename="wallet_campaign"):
    """A grant of points (給付) to a segment of residents, with an expiry."""

    name = Varchar(length=100)
    amount = Integer()
    district = ForeignKey(District, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    categories = JSONB(default=[])  # eligible merchant categories; empty means every shop
    age_bands = JSONB(default=[])  # residents' age bands (notifications.segments); empty: all ages
    expires_at = Timestamptz()
    status = Varchar(length=16, default="draft")  # draft|issued
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())
    issued_at = Timestamptz(null=True, default=None)


class LedgerAccount(Table, tablename="wallet_account"):
    """A balance. ``kind``: ``cash`` and ``points`` (a resident's; points carry an expiry, one
    account per grant), ``merchant``, and the two outside-world counterparts ``gateway`` (money
    paid in through the payment gateway) and ``city_points`` (points the city issued), which are
    the only ones whose balance is negative: they mirror what circulates."""

    key = Varchar(length=96, unique=True)  # e.g. cash:12, points:12:campaign:3, merchant:5
    kind = Varchar(length=16, index=True)
    owner = ForeignKey(Account, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    merchant = ForeignKey(Merchant, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    campaign = ForeignKey(Campaign, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    categories = JSONB(default=[])
    expires_at = Timestamptz(null=True, default=None)
    balance = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class LedgerTransaction(Table, tablename="wallet_transaction"):
    """One movement of money. Its entries sum to zero. ``idempotency_key`` is unique: the same
    request twice finds the first transaction instead of moving money again."""

    idempotency_key = Varchar(length=200, unique=True)
    fingerprint = Varchar(length=64)  # hash of what was asked, to refuse a key reused for another
    kind = Varchar(length=16, index=True)  # topup|payment|refund|grant|expiry|reversal
    amount = Integer()
    payer = ForeignKey(Account, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    merchant = ForeignKey(Merchant, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    related = ForeignKey("self", null=True, on_delete=OnDelete.no_action)  # refunded or reversed
    memo = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class LedgerEntry(Table, tablename="wallet_entry"):
    ledger_transaction = ForeignKey(LedgerTransaction, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    account = ForeignKey(LedgerAccount, on_delete=OnDelete.restrict, index=True)  # type: ignore[arg-type]
    amount = Integer()  # positive credits the account, negative debits it


class TopUp(Table, tablename="wallet_topup"):
    """A top-up through the payment gateway: pending until the gateway's signed callback says
    succeeded (cash is credited once) or failed; left pending too long it expires."""

    reference = Varchar(length=64, unique=True)
    account = ForeignKey(Account, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    amount = Integer()
    status = Varchar(length=16, default="pending", index=True)  # pending|succeeded|failed|expired
    gateway = Varchar(length=32, default="local")
    gateway_ref = Varchar(length=128, default="")
    ledger_transaction = ForeignKey(LedgerTransaction, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)


class OneTimeCode(Table, tablename="wallet_one_time_code"):
    """A code a resident shows for the shop to scan; usable once, for a few minutes."""

    code = Varchar(length=64, unique=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    ledger_transaction = ForeignKey(LedgerTransaction, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]


class PaymentRequest(Table, tablename="wallet_payment_request"):
    """A mini-app's request for a payment; the resident confirms it in a sheet the shell draws."""

    public_id = Varchar(length=64, unique=True)
    app_id = Varchar(length=64, index=True)
    # "{app_id}:{reference}": one request per reference (a unique index, made by a raw migration)
    app_key = Varchar(length=200)
    account = ForeignKey(Account, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    merchant = ForeignKey(Merchant, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    amount = Integer()
    description = Varchar(length=200)
    status = Varchar(length=16, default="pending")  # pending|paid|cancelled
    ledger_transaction = ForeignKey(LedgerTransaction, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="wallet_webhook_delivery"):
    """A signed webhook owed to a mini-app; retried until delivered or given up."""

    message_id = Varchar(length=64, unique=True)
    app_id = Varchar(length=64)
    url = Varchar(length=500)
    payload = JSONB(default={})
    attempts = Integer(default=0)
    delivered_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class MerchantBankAccount(Table, tablename="wallet_merchant_bank"):
    """Where the city pays a shop's takings: a Japanese bank account, as the Zengin transfer file
    needs it (codes as digits, the holder's name in katakana)."""

    merchant = ForeignKey(Merchant, unique=True, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    bank_code = Varchar(length=4)
    branch_code = Varchar(length=3)
    account_type = Varchar(length=1, default="1")  # 1 普通, 2 当座, 4 貯蓄
    account_number = Varchar(length=7)
    holder_kana = Varchar(length=30)  # half-width katakana, as the bank file carries it
    updated_at = Timestamptz(default=TimestamptzNow())


class PayoutRun(Table, tablename="wallet_payout_run"):
    """City staff paying shops their takings up to the end of a period: one transfer file."""

    key = Varchar(length=120, unique=True)  # the staff form's idempotency key
    period_start = Date()
    period_end = Date()
    rail = Varchar(length=32, default="local")
    reference = Varchar(length=128, default="")  # what the rail calls this batch
    zengin = Text(default="")  # the bank file, as text (encoded to Shift_JIS on download)
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())


class Payout(Table, tablename="wallet_payout"):
    """One shop's takings up to ``period_end`` moved to the city's payouts-in-transit account.
    Unique per shop and period (``key``); ``ledger_transaction`` is the movement."""

    key = Varchar(length=120, unique=True)  # payout:{merchant}:{start}:{end}
    merchant = ForeignKey(Merchant, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    run = ForeignKey(PayoutRun, null=True, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    period_start = Date()
    period_end = Date(index=True)
    amount = Integer()
    # in_transit (sent to the bank rail), then what the bank did, once: paid (reached the shop's
    # account) or returned (振込不能: the money went back to the shop's takings)
    status = Varchar(length=16, default="in_transit")
    bank = JSONB(default={})  # the account paid to, as it was when paid
    ledger_transaction = ForeignKey(LedgerTransaction, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())
    # The movement out of the payouts in transit when the bank's result was recorded
    settlement = ForeignKey(  # type: ignore[arg-type]
        LedgerTransaction, null=True, default=None, on_delete=OnDelete.restrict
    )
    settled_at = Timestamptz(null=True, default=None)
    return_reason = Varchar(length=32, default="")  # a key of payouts.RETURN_REASONS
