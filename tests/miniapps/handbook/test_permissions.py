"""The staff permission table, as a table: health-centre staff and administrators, nobody else."""

from __future__ import annotations

import pytest
from machi_sdk.testing import make_resident

from .conftest import module

permissions = module("permissions")
ACTIONS = sorted(permissions.ABILITIES)


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ((), False),
        (("health_centre",), True),
        (("admin",), True),
        (("librarian",), False),  # another app's role means nothing here
    ],
)
@pytest.mark.parametrize("action", ACTIONS)
def test_staff_actions(roles, allowed, action):
    assert permissions.can(make_resident(roles=roles), action) is allowed


def test_unknown_action_is_nobodys():
    assert not permissions.can(make_resident(roles=["admin"]), "records.read_any")
