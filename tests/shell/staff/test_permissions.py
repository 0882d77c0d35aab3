"""The staff permission table, checked as a table."""

import pytest

from shell.staff.permissions import ABILITIES, ROLES, can

TABLE = [
    # roles,                         action,              allowed
    ({"admin"}, "roles.manage", True),
    ({"counter"}, "roles.manage", False),
    ({"notifier"}, "roles.manage", False),
    ({"admin"}, "audit.read", True),
    ({"reviewer"}, "audit.read", False),
    ({"counter"}, "recovery.issue", True),
    ({"admin"}, "recovery.issue", True),
    ({"school_staff"}, "recovery.issue", False),
    ({"facility_manager"}, "residents.lookup", False),
    ({"merchant_admin"}, "console.open", True),
    (set(), "console.open", False),
    ({"reviewer"}, "apps.review", True),
    ({"admin"}, "apps.review", True),
    ({"counter"}, "apps.review", False),
    ({"notifier"}, "apps.review", False),
    (set(), "apps.review", False),
    ({"admin"}, "no.such.action", False),
]


@pytest.mark.parametrize(("roles", "action", "allowed"), TABLE)
def test_permission_table(roles, action, allowed):
    assert can(roles, action) is allowed


def test_every_role_the_issue_names_exists():
    assert {
        "admin",
        "notifier",
        "reviewer",
        "facility_manager",
        "school_staff",
        "merchant_admin",
    } <= set(ROLES)


def test_every_ability_names_only_known_roles():
    for roles in ABILITIES.values():
        assert roles <= set(ROLES)
