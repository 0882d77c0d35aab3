"""Who may verify residents and revoke their IDs at the counter, as a table."""

import pytest

from shell.staff.permissions import can

TABLE = [
    ({"counter"}, "resident_id.verify", True),
    ({"admin"}, "resident_id.verify", True),
    ({"notifier"}, "resident_id.verify", False),
    ({"reviewer"}, "resident_id.verify", False),
    ({"merchant_admin"}, "resident_id.verify", False),
    (set(), "resident_id.verify", False),
    ({"counter"}, "resident_id.revoke", True),
    ({"admin"}, "resident_id.revoke", True),
    ({"facility_manager"}, "resident_id.revoke", False),
    ({"school_staff"}, "resident_id.revoke", False),
]


@pytest.mark.parametrize(("roles", "action", "allowed"), TABLE)
def test_resident_id_permissions(roles, action, allowed):
    assert can(roles, action) is allowed
