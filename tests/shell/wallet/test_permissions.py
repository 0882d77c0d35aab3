"""Who may do what with the wallet on the staff side, checked as a table."""

import pytest

from shell.staff.permissions import can

TABLE = [
    ({"finance"}, "wallet.campaigns", True),
    ({"finance"}, "wallet.merchants", True),
    ({"finance"}, "wallet.figures", True),
    ({"merchant_admin"}, "wallet.merchants", True),
    ({"merchant_admin"}, "wallet.campaigns", False),
    ({"merchant_admin"}, "wallet.figures", True),
    ({"admin"}, "wallet.campaigns", True),
    ({"counter"}, "wallet.merchants", False),
    ({"notifier"}, "wallet.figures", False),
    (set(), "wallet.figures", False),
]


@pytest.mark.parametrize(("roles", "action", "allowed"), TABLE)
def test_wallet_permission_table(roles: set[str], action: str, allowed: bool) -> None:
    assert can(roles, action) is allowed
