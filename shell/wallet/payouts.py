"""Payouts: the city pays shops their takings ("settling"), by bank transfer.

City staff run a payout for a period. For each shop, what it took up to the end of that period
and still holds moves by one ledger transaction (kind ``payout``) from the shop's stripes to the
city's ``payouts in transit`` account, under the key ``payout:{shop}:{start}:{end}``: the same
shop and period twice moves nothing more. The run's transfers go to the bank through a
:class:`PayoutRail`; the shape a real bank takes is a 全銀 (Zengin) 総合振込 file, 120-byte fixed
records in Shift_JIS, that the city uploads to its bank's web banking. :class:`LocalRail` (the
default) writes that file and records the transfer in the database for staff to download.

What a shop is paid: ``available = held - max(0, net takings after the cutoff)``, where
``held`` is the sum of its stripes and the cutoff is the end of the period (Tokyo). Takings made
after the cutoff stay for the next payout; refunds of old payments made since count against what
is held; earlier payouts are already out of ``held``. So overlapping periods never pay a yen
twice. The stripes are locked (in account-id order, as every other writer locks them) before the
figures are read, so no payment or refund slips in between.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from shell.wallet import actions, ledger
from shell.wallet.ledger import Leg, Posting, Receipt, Refused
from shell.wallet.queries import TOKYO, tokyo_day_bounds
from shell.wallet.tables import (
    LedgerAccount,
    LedgerEntry,
    Merchant,
    MerchantBankAccount,
    Payout,
    PayoutRun,
)

ACCOUNT_TYPES = ("1", "2", "4")  # 普通, 当座, 貯蓄 (the Zengin codes)


async def transit_account() -> int:
    """The city's account for takings paid out to shops and on their way through the bank."""
    return await ledger.account("city:payouts_in_transit", "payout_transit")


async def paid_out_account() -> int:
    """Takings the bank has put into shops' accounts: money that has left the wallet."""
    return await ledger.account("city:paid_out", "paid_out")


# Why a bank returns a transfer (振込不能), as the result lists say it.
RETURN_REASONS = ("no_account", "name_mismatch", "closed", "other")


# --- Zengin (全銀) 総合振込 -------------------------------------------------------------------

_FULL = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ァィゥェォッャュョヮー"
)
_HALF = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｱｲｳｴｵﾂﾔﾕﾖﾜ-"
_TO_HALF = dict(zip(_FULL, _HALF, strict=True))
_VOICED = ("ガギグゲゴザジズゼゾダヂヅデドバビブベボ", "カキクケコサシスセソタチツテトハヒフヘホ")
for _voiced, _base in zip(*_VOICED, strict=True):
    _TO_HALF[_voiced] = _TO_HALF[_base] + "ﾞ"
for _semi, _base in zip("パピプペポ", "ハヒフヘホ", strict=True):
    _TO_HALF[_semi] = _TO_HALF[_base] + "ﾟ"
_TO_HALF["ヴ"] = "ｳﾞ"
_TO_HALF["　"] = " "
# What a Zengin name field may carry: digits, capitals, half-width katakana and a few signs.
_ZENGIN_NAME = re.compile(r"[0-9A-Z\uff66-\uff9f ().,\-/]*")


def zengin_kana(text: str) -> str:
    """``text`` as a Zengin name: half-width katakana (small kana written large, ー as -),
    capitals and digits. Hiragana and full-width letters are converted; raises ValueError when
    something cannot be carried."""
    out = []
    for char in unicodedata.normalize("NFKC", text.strip()):
        if "ぁ" <= char <= "ゖ":
            char = chr(ord(char) + 0x60)  # hiragana to katakana
        if "\uff66" <= char <= "\uff9f":  # NFKC widened half-width kana; keep as given
            out.append(char)
            continue
        out.append(_TO_HALF.get(char, char.upper()))
    # Small half-width kana (ｧ-ｯ, ｬ-ｮ) are written large in bank files.
    name = "".join(out).translate(str.maketrans("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ"))
    if not _ZENGIN_NAME.fullmatch(name):
        raise ValueError(name)
    return name


def _alpha(value: str, width: int) -> str:
    return value[:width].ljust(width)


def _digits(value: int | str, width: int) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise ValueError(f"{value!r} does not fit {width} digits")
    return text.rjust(width, "0")


@dataclass(frozen=True)
class Origin:
    """The city's side of the transfer file: who asks the bank to pay, from which account."""

    requester_code: str = "0000000000"
    requester_name: str = "ﾏﾁ"
    bank_code: str = "0000"
    branch_code: str = "000"
    account_type: str = "1"
    account_number: str = "0000000"

    @classmethod
    def from_env(cls) -> Origin:
        env = os.environ.get
        return cls(
            requester_code=env("MACHI_PAYOUT_REQUESTER_CODE", cls.requester_code),
            requester_name=zengin_kana(env("MACHI_PAYOUT_REQUESTER_NAME", cls.requester_name)),
            bank_code=env("MACHI_PAYOUT_BANK_CODE", cls.bank_code),
            branch_code=env("MACHI_PAYOUT_BRANCH_CODE", cls.branch_code),
            account_type=env("MACHI_PAYOUT_ACCOUNT_TYPE", cls.account_type),
            account_number=env("MACHI_PAYOUT_ACCOUNT_NUMBER", cls.account_number),
        )


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder_kana: str
    amount: int
    customer_code: str = ""  # what the city's accounting matches the transfer by (shop id)


def zengin_records(origin: Origin, transfers: list[Transfer], day: dt.date) -> list[str]:
    """The header (1), one data record (2) per transfer, the trailer (8) and the end record (9):
    each exactly 120 characters, all of them one byte in Shift_JIS."""
    header = ("1" + "21" + "0" + _digits(origin.requester_code, 10)
              + _alpha(origin.requester_name, 40) + day.strftime("%m%d")
              + _digits(origin.bank_code, 4) + _alpha("", 15) + _digits(origin.branch_code, 3)
              + _alpha("", 15) + _digits(origin.account_type, 1)
              + _digits(origin.account_number, 7) + _alpha("", 17))  # fmt: skip
    records = [header]
    for t in transfers:
        records.append(
            "2" + _digits(t.bank_code, 4) + _alpha("", 15) + _digits(t.branch_code, 3)
            + _alpha("", 15) + _alpha("", 4) + _digits(t.account_type, 1)
            + _digits(t.account_number, 7) + _alpha(t.holder_kana, 30) + _digits(t.amount, 10)
            + "0" + _alpha(t.customer_code, 10) + _alpha("", 10) + "7" + " " + _alpha("", 7)
        )  # fmt: skip
    total = sum(t.amount for t in transfers)
    records.append("8" + _digits(len(transfers), 6) + _digits(total, 12) + _alpha("", 101))
    records.append("9" + _alpha("", 119))
    for record in records:
        assert len(record.encode("cp932")) == 120, record
    return records


def zengin_file(origin: Origin, transfers: list[Transfer], day: dt.date) -> str:
    return "".join(record + "\r\n" for record in zengin_records(origin, transfers, day))


# --- the rail -------------------------------------------------------------------------------


@dataclass
class Batch:
    run_id: int
    day: dt.date
    transfers: list[Transfer]
    zengin: str = ""


class PayoutRail(Protocol):
    """How a run of transfers reaches the bank. ``send`` returns the rail's reference for the
    batch; it is called again with the same batch when a run is resumed, and must not pay twice
    (a bank upload is idempotent per file reference)."""

    name: str

    async def send(self, batch: Batch) -> str: ...


@dataclass
class LocalRail:
    """The embedded default: the Zengin file is built and kept with the run, for staff to
    download and upload to the city's bank; the transfer is recorded as sent."""

    origin: Origin = field(default_factory=Origin.from_env)
    name: str = "local"

    async def send(self, batch: Batch) -> str:
        batch.zengin = zengin_file(self.origin, batch.transfers, batch.day)
        await PayoutRun.update({PayoutRun.zengin: batch.zengin}).where(PayoutRun.id == batch.run_id)
        return f"local-{batch.run_id}"


# --- bank accounts --------------------------------------------------------------------------


async def set_bank_account(
    merchant_id: int, *, bank_code: str, branch_code: str, account_type: str,
    account_number: str, holder: str,
) -> None:  # fmt: skip
    bank_code, branch_code = bank_code.strip(), branch_code.strip()
    if not (re.fullmatch(r"\d{4}", bank_code) and re.fullmatch(r"\d{3}", branch_code)):
        raise Refused("bank_code")
    account_number = account_number.strip()
    if account_type not in ACCOUNT_TYPES or not re.fullmatch(r"\d{1,7}", account_number):
        raise Refused("bank_account_number")
    try:
        holder_kana = zengin_kana(holder)
    except ValueError:
        raise Refused("bank_holder") from None
    if not holder_kana.strip() or len(holder_kana) > 30:
        raise Refused("bank_holder")
    fields = {
        "bank_code": bank_code,
        "branch_code": branch_code,
        "account_type": account_type,
        "account_number": account_number.rjust(7, "0"),
        "holder_kana": holder_kana,
    }
    async with ledger.transaction():
        found = await MerchantBankAccount.exists().where(
            MerchantBankAccount.merchant == merchant_id
        )
        if found:
            await MerchantBankAccount.update(
                {**{getattr(MerchantBankAccount, k): v for k, v in fields.items()},
                 MerchantBankAccount.updated_at: actions.now()}
            ).where(MerchantBankAccount.merchant == merchant_id)  # fmt: skip
        else:
            await MerchantBankAccount.insert(MerchantBankAccount(merchant=merchant_id, **fields))


async def bank_account(merchant_id: int) -> dict[str, Any] | None:
    return (
        await MerchantBankAccount.select()
        .where(  # type: ignore[no-any-return]
            MerchantBankAccount.merchant == merchant_id
        )
        .first()
    )


# --- paying out -----------------------------------------------------------------------------


def check_period(start: dt.date, end: dt.date, *, today: dt.date | None = None) -> None:
    """Only whole days that are over: the last day must be yesterday (Tokyo) or earlier."""
    if start > end:
        raise Refused("payout_period")
    if end >= (today or dt.datetime.now(TOKYO).date()):
        raise Refused("payout_future")


async def _held_and_after(merchant_id: int, cutoff: dt.datetime) -> tuple[dict[int, int], int]:
    """The shop's stripes (locked on PostgreSQL, in id order) and its net takings since
    ``cutoff`` (payments, refunds, reversals; not payouts, nor payouts the bank returned: those
    are takings from before an earlier cutoff)."""
    stripes = await actions.merchant_stripes(merchant_id)
    if ledger.engine().engine_type != "sqlite":
        locked = (
            LedgerAccount.select(LedgerAccount.id, LedgerAccount.balance)
            .where(LedgerAccount.id.is_in(sorted(stripes)))
            .order_by(LedgerAccount.id)
            .lock_rows("NO KEY UPDATE")
        )
        stripes = {int(r["id"]): int(r["balance"]) for r in await locked}
    after = await LedgerEntry.select(LedgerEntry.amount).where(
        LedgerEntry.account.is_in(sorted(stripes))
        & (LedgerEntry.ledger_transaction.created_at >= cutoff)
        & LedgerEntry.ledger_transaction.kind.not_in(["payout", "payout_returned"])
    )
    return stripes, sum(int(r["amount"]) for r in after)


async def available(merchant_id: int, end: dt.date) -> int:
    """What the shop would be paid for a period ending on ``end`` (read only)."""
    _, cutoff = tokyo_day_bounds(end)
    stripes, after = await _held_and_after(merchant_id, cutoff)
    return max(0, sum(stripes.values()) - max(0, after))


async def pay_out(
    merchant_id: int, start: dt.date, end: dt.date, *, run_id: int | None = None
) -> Receipt:
    """Move the shop's takings up to the end of ``end`` to the payouts-in-transit account, once
    per shop and period. Refuses (moving nothing) a shop not approved, one without a bank
    account, and nothing to pay."""
    check_period(start, end)
    key = f"payout:{merchant_id}:{start.isoformat()}:{end.isoformat()}"
    _, cutoff = tokyo_day_bounds(end)

    async def plan() -> Posting:
        shop = await Merchant.select().where(Merchant.id == merchant_id).first()
        if shop is None:
            raise Refused("merchant_unknown")
        if shop["status"] != "approved":
            raise Refused("payout_suspended")
        bank = await bank_account(merchant_id)
        if bank is None:
            raise Refused("payout_no_bank")
        stripes, after = await _held_and_after(merchant_id, cutoff)
        amount = sum(stripes.values()) - max(0, after)
        if amount <= 0:
            raise Refused("payout_nothing")
        legs = actions.take_from_stripes(stripes, amount, start=0)
        transit = await transit_account()

        async def record(txn_id: int) -> None:
            await Payout.insert(Payout(
                key=key, merchant=merchant_id, run=run_id, period_start=start, period_end=end,
                amount=amount, ledger_transaction=txn_id,
                bank={k: bank[k] for k in ("bank_code", "branch_code", "account_type",
                                           "account_number", "holder_kana")},
            ))  # fmt: skip

        return Posting(
            "payout", amount, [*legs, Leg(transit, "payout_transit", amount)],
            merchant=merchant_id, memo=f"payout {start.isoformat()}..{end.isoformat()}",
            after=record,
        )  # fmt: skip

    return await ledger.run_once(key, ledger.fingerprint("payout", merchant_id, start, end), plan)


@dataclass
class RunResult:
    run_id: int
    paid: list[dict[str, Any]]  # Payout rows of this run, with the shop's name
    skipped: list[tuple[str, str]]  # (shop name, refusal reason)

    @property
    def total(self) -> int:
        return sum(p["amount"] for p in self.paid)


async def run(
    start: dt.date, end: dt.date, *, key: str, staff: int | None = None,
    merchant_id: int | None = None, rail: PayoutRail | None = None,
) -> RunResult:  # fmt: skip
    """Pay every approved shop (or the one asked for) its takings for the period, and send the
    transfers through ``rail``. The same ``key`` again resumes or returns the same run."""
    if not key or len(key) > 120:
        raise Refused("idempotency_key")
    check_period(start, end)
    rail = rail or LocalRail()
    if merchant_id is not None:
        shop = await Merchant.select().where(Merchant.id == merchant_id).first()
        if shop is None:
            raise Refused("merchant_unknown")
        if shop["status"] != "approved":
            raise Refused("payout_suspended")
        if await bank_account(merchant_id) is None:
            raise Refused("payout_no_bank")
        shops = [shop]
    else:
        shops = await Merchant.select().where(Merchant.status == "approved").order_by(Merchant.id)
    await PayoutRun.insert(
        PayoutRun(key=key, period_start=start, period_end=end, rail=rail.name, created_by=staff)
    ).on_conflict(action="DO NOTHING")
    row = await PayoutRun.select().where(PayoutRun.key == key).first()
    assert row is not None
    if (_date(row["period_start"]), _date(row["period_end"])) != (start, end):
        raise Refused("idempotency_key_reused")
    run_id = int(row["id"])
    skipped = []
    for shop in shops:
        try:
            await pay_out(shop["id"], start, end, run_id=run_id)
        except Refused as exc:
            if exc.reason != "payout_nothing" or merchant_id is not None:
                skipped.append((shop["name"], exc.reason))
    paid = await payouts_of_run(run_id)
    if not paid:
        await PayoutRun.delete().where(PayoutRun.id == run_id)
        if merchant_id is not None and skipped:
            raise Refused(skipped[0][1])
        raise Refused("payout_nothing")
    transfers = [Transfer(
        p["bank"]["bank_code"], p["bank"]["branch_code"], p["bank"]["account_type"],
        p["bank"]["account_number"], p["bank"]["holder_kana"], p["amount"], str(p["merchant"]),
    ) for p in paid]  # fmt: skip
    reference = await rail.send(Batch(run_id, dt.datetime.now(TOKYO).date(), transfers))
    await PayoutRun.update({PayoutRun.reference: reference}).where(PayoutRun.id == run_id)
    return RunResult(run_id, paid, skipped)


async def settle(payout_id: int, outcome: str, *, reason: str = "") -> Receipt:
    """Record what the bank did with one transfer, once. ``paid``: the amount moves from the
    payouts in transit to ``city:paid_out`` (it has left the wallet). ``returned`` (振込不能,
    with one of :data:`RETURN_REASONS`): it moves back to the shop's takings, where the next
    payout picks it up once the shop has put its account right. A payout already settled either
    way is refused, moving nothing; the same outcome twice returns the first receipt.

    The local rail's results are entered by staff from the bank's result list; a rail for a bank
    API calls this from the bank's status callback."""
    if outcome not in ("paid", "returned"):
        raise Refused("payout_outcome")
    if outcome == "returned" and reason not in RETURN_REASONS:
        raise Refused("payout_return_reason")
    reason = reason if outcome == "returned" else ""
    key = f"payout-settled:{payout_id}"  # one result per transfer, whichever it is

    async def plan() -> Posting:
        payout = await Payout.select(
            Payout.merchant, Payout.amount, Payout.status, Payout.ledger_transaction
        ).where(Payout.id == payout_id).first()  # fmt: skip
        if payout is None:
            raise Refused("payout_unknown")
        if payout["status"] != "in_transit":
            raise Refused("payout_settled")
        amount, merchant = int(payout["amount"]), int(payout["merchant"])
        if outcome == "paid":
            to = Leg(await paid_out_account(), "paid_out", amount)
        else:
            to = Leg(await actions.merchant_account(merchant), "merchant", amount)

        async def record(txn_id: int) -> None:
            # Conditional, so two results recorded at once for one transfer cannot both move
            # money: the second finds it settled and its whole transaction is rolled back.
            settled = await Payout.update({
                Payout.status: outcome, Payout.settlement: txn_id, Payout.return_reason: reason,
                Payout.settled_at: dt.datetime.now(dt.UTC),
            }).where((Payout.id == payout_id) & (Payout.status == "in_transit")).returning(
                Payout.id)  # fmt: skip
            if not settled:
                raise Refused("payout_settled")

        transit = Leg(await transit_account(), "payout_transit", -amount)
        return Posting(
            f"payout_{outcome}", amount, [transit, to], merchant=merchant,
            related=int(payout["ledger_transaction"]),
            memo=f"payout {payout_id} {outcome} {reason}".strip(), after=record,
        )  # fmt: skip

    try:
        return await ledger.run_once(key, ledger.fingerprint("payout-settle", payout_id, outcome,
                                                             reason), plan)  # fmt: skip
    except Refused as exc:
        if exc.reason == "idempotency_key_reused":  # settled before, the other way
            raise Refused("payout_settled") from exc
        raise


async def settle_run(run_id: int) -> list[dict[str, Any]]:
    """The bank has carried out the run's file: every transfer of it not recorded as returned is
    paid. Returns the payouts this marked paid (none when the run was already settled)."""
    done = []
    for payout in await payouts_of_run(run_id):
        if payout["status"] != "in_transit":
            continue
        try:
            await settle(payout["id"], "paid")
        except Refused as exc:
            if exc.reason != "payout_settled":  # returned by someone else in the meantime
                raise
            continue
        done.append(payout)
    return done


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[no-any-return]


def _bank(value: Any) -> dict[str, str]:
    import json

    return json.loads(value) if isinstance(value, str) else dict(value or {})


async def payouts_of_run(run_id: int) -> list[dict[str, Any]]:
    rows = (
        await Payout.select(Payout.all_columns(), Payout.merchant.name.as_alias("merchant_name"))
        .where(Payout.run == run_id)
        .order_by(Payout.merchant)
    )
    return [{**r, "bank": _bank(r["bank"])} for r in rows]


async def payouts_of_merchant(merchant_id: int, limit: int = 24) -> list[dict[str, Any]]:
    return (
        await Payout.select()
        .where(Payout.merchant == merchant_id)
        .order_by(  # type: ignore[no-any-return]
            Payout.id, ascending=False
        )
        .limit(limit)
    )


async def runs(limit: int = 20) -> list[dict[str, Any]]:
    rows = await PayoutRun.select(
        PayoutRun.id, PayoutRun.period_start, PayoutRun.period_end, PayoutRun.reference,
        PayoutRun.created_at,
    ).order_by(PayoutRun.id, ascending=False).limit(limit)  # fmt: skip
    for row in rows:
        paid = await Payout.select(Payout.amount, Payout.status).where(Payout.run == row["id"])
        row["count"] = len(paid)
        row["total"] = sum(p["amount"] for p in paid)
        row["open"] = sum(p["status"] == "in_transit" for p in paid)  # results not recorded
    return rows  # type: ignore[no-any-return]


async def run_csv(run_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "merchant_id", "merchant_name", "period_start", "period_end",
                     "bank_code", "branch_code", "account_type", "account_number", "holder_kana",
                     "amount_yen", "ledger_transaction"])  # fmt: skip
    for p in await payouts_of_run(run_id):
        bank = p["bank"]
        writer.writerow([p["id"], p["merchant"], p["merchant_name"], _date(p["period_start"]),
                         _date(p["period_end"]), bank["bank_code"], bank["branch_code"],
                         bank["account_type"], bank["account_number"], bank["holder_kana"],
                         p["amount"], p["ledger_transaction"]])  # fmt: skip
    return out.getvalue()


async def in_transit() -> int:
    row = (
        await LedgerAccount.select(LedgerAccount.balance)
        .where(LedgerAccount.key == "city:payouts_in_transit")
        .first()
    )
    return int(row["balance"]) if row else 0


__all__ = ["LocalRail", "PayoutRail", "pay_out", "run", "settle", "settle_run", "zengin_file"]
