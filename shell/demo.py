"""Demo data: a municipality with districts, residents and one staff member per role.

``machi demo`` runs every registered step; each step is idempotent. Later areas and mini-apps add
their own steps with :func:`demo_step`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from shell.city.tables import District
from shell.identity.actions import issue_recovery_code
from shell.identity.tables import Account
from shell.settings import Settings
from shell.staff.actions import grant_role
from shell.staff.permissions import ROLES

Step = Callable[[Settings], Awaitable[list[str]]]
_steps: list[Step] = []


def demo_step(step: Step) -> Step:
    """Register an idempotent demo-data step; it returns lines to show the operator."""
    _steps.append(step)
    return step


# The real districts (町) of Takeo city, the home of the seeds' super-app.
DISTRICTS = [
    ("takeo", "武雄町", "たけおちょう"),
    ("asahi", "朝日町", "あさひちょう"),
    ("tachibana", "橘町", "たちばなちょう"),
    ("wakaki", "若木町", "わかきちょう"),
    ("takeuchi", "武内町", "たけうちちょう"),
    ("higashikawanobori", "東川登町", "ひがしかわのぼりちょう"),
    ("nishikawanobori", "西川登町", "にしかわのぼりちょう"),
    ("yamauchi", "山内町", "やまうちちょう"),
    ("kitagata", "北方町", "きたがたちょう"),
]

RESIDENTS = [
    ("武雄 花子", "たけお はなこ", dt.date(1948, 4, 12), "takeo", "ja"),
    ("山内 太郎", "やまうち たろう", dt.date(1985, 9, 3), "yamauchi", "ja"),
    ("Nguyen Thi Lan", "グエン ティ ラン", dt.date(1998, 1, 20), "asahi", "en"),
]

STAFF = {role: (f"職員 {index + 1}", f"しょくいん {index + 1}") for index, role in enumerate(ROLES)}


async def _account(
    name: str, kana: str, birth: dt.date, district: str, language: str, handle: str
) -> tuple[int, bool]:
    existing = await Account.select(Account.id).where(Account.webauthn_user_id == handle).first()
    if existing:
        return existing["id"], False
    district_row = await District.select(District.id).where(District.code == district).first()
    assert district_row is not None
    rows = await Account.insert(
        Account(
            name=name,
            name_kana=kana,
            birth_date=birth,
            district=district_row["id"],
            language=language,
            webauthn_user_id=handle,
        )
    ).returning(Account.id)
    return rows[0]["id"], True


@demo_step
async def city(settings: Settings) -> list[str]:
    for position, (code, name, kana) in enumerate(DISTRICTS):
        if not await District.exists().where(District.code == code):
            await District.insert(District(code=code, name=name, name_kana=kana, position=position))
    return []


@demo_step
async def people(settings: Settings) -> list[str]:
    lines = []
    for index, (name, kana, birth, district, language) in enumerate(RESIDENTS):
        await _account(name, kana, birth, district, language, f"demo-resident-{index}")
    for role, (name, kana) in STAFF.items():
        account_id, created = await _account(
            name, kana, dt.date(1980, 1, 1), "takeo", "ja", f"demo-staff-{role}"
        )
        await grant_role(account_id, role, by=None)
        if created:
            code = await issue_recovery_code(
                settings.resolved_secret(),
                account_id,
                issued_by=None,
                hours=24 * 30,
                ip="demo",
            )
            lines.append(f"{role:17} {name}: {settings.public_url}/recover  code {code}")
    return lines


# wallet (issue 5): its demo step registers itself with demo_step on import.
# disaster mode (issue 6): demo shelters for Takeo.
from shell.disaster import demo as _disaster_demo  # noqa: E402, F401

# digital resident ID (issue 4): one demo resident verified at the counter.
from shell.resident_id import demo as _resident_id_demo  # noqa: E402, F401
from shell.wallet import demo as _wallet_demo  # noqa: E402, F401


async def run_demo(settings: Settings) -> list[str]:
    lines: list[str] = []
    for step in _steps:
        lines.extend(await step(settings))
    lines.extend(await _miniapp_demos(settings))
    if lines:
        path = settings.data_dir / "demo-codes.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as out:
            out.write("\n".join(lines) + "\n")
    return lines


async def _miniapp_demos(settings: Settings) -> list[str]:
    """Demo data of the hosted first-party mini-apps (``MiniApp(demo=...)``), each idempotent."""
    from shell.miniapp_host.firstparty import miniapps

    lines: list[str] = []
    for miniapp in miniapps(settings):
        if miniapp.demo is not None:
            lines.extend(await miniapp.demo())
    return lines
