"""Page objects for accounts: sign-up, sign-in, the account page, recovery, the staff counter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, expect


@dataclass
class Resident:
    name: str = "武雄 花子"
    kana: str = "たけお はなこ"
    birth_date: str = "1950-04-01"
    district: str = "takeo"


async def sign_up(page: Page, who: Resident | None = None) -> None:
    """From the welcome page, create an account with a passkey (a virtual authenticator)."""
    who = who or Resident()
    await page.goto("/signup")
    await page.get_by_test_id("signup-name").fill(who.name)
    await page.get_by_test_id("signup-name_kana").fill(who.kana)
    await page.get_by_test_id("signup-birth_date").fill(who.birth_date)
    await page.get_by_test_id("signup-district").select_option(who.district)
    await page.get_by_test_id("signup-submit").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(who.name)


async def sign_out(page: Page) -> None:
    await page.goto("/account")
    await page.get_by_test_id("signout").click()
    await page.wait_for_url(re.compile(r"/signin"))


async def sign_in(page: Page) -> None:
    await page.goto("/signin")
    await page.get_by_test_id("signin-button").click()
    await page.wait_for_url(re.compile(r"/$"))


def demo_code(data_dir: Path, role: str) -> str:
    """The one-time code ``machi demo`` issued for the demo staff member holding ``role``."""
    for line in (data_dir / "demo-codes.txt").read_text().splitlines():
        if line.split()[0] == role:
            return line.rsplit("code ", 1)[1].strip()
    raise AssertionError(f"no demo code for {role}")


async def recover(page: Page, code: str) -> None:
    """Use a recovery code to put a new passkey on this browser's authenticator."""
    await page.goto("/recover")
    await page.get_by_test_id("recover-code").fill(code)
    await page.get_by_test_id("recover-submit").click()
    await page.get_by_test_id("recover-passkey").click()
    await page.wait_for_url(re.compile(r"/account\?recovered=1"))


async def issue_recovery_code(page: Page, search: str) -> str:
    """As counter staff: find the resident, confirm identity was checked, issue a code."""
    await page.goto("/staff/residents")
    await page.get_by_test_id("resident-search").fill(search)
    await page.get_by_test_id("resident-search-submit").click()
    await page.get_by_test_id("resident-result").first.click()
    await page.get_by_test_id("identity-checked").check()
    await page.get_by_test_id("issue-recovery-code").click()
    return (await page.get_by_test_id("recovery-code").inner_text()).strip()
