"""resident.py: the household id a partner reads, from the token's ``resident.household`` claim."""

from __future__ import annotations

import pytest
from machi_sdk.auth import TokenError, TokenVerifier
from machi_sdk.dev import PretendResident
from machi_sdk.scopes import PROFILE_CLAIMS, SCOPES, scope_label
from machi_sdk.testing import FakeShell, make_resident

ISSUER = "http://localhost:8000"


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell(ISSUER)


def test_the_household_comes_from_the_granted_claim(shell):
    verifier = TokenVerifier(ISSUER, "booking", shell.keys())
    scopes = ["resident.household"]
    member = verifier.verify(
        shell.token("booking", scopes=scopes, claims={"resident.household": "h-1"})
    )
    assert member.household == "h-1"
    unverified = verifier.verify(
        shell.token("booking", scopes=scopes, claims={"resident.household": None})
    )
    assert unverified.household is None
    assert verifier.verify(shell.token("booking", scopes=[], claims={})).household is None
    # A claim the resident did not grant is refused, as every profile claim is.
    sneaked = shell.token("booking", scopes=[], claims={"resident.household": "h-1"})
    with pytest.raises(TokenError):
        verifier.verify(sneaked)


def test_the_scope_is_known_labelled_and_in_the_testing_helpers():
    assert "resident.household" in SCOPES
    assert "resident.household" in PROFILE_CLAIMS
    assert scope_label("resident.household", "en") == "Household (a number for this app only)"
    resident = make_resident("r-1", scopes=["resident.household"])
    assert resident.household == "household-of-r-1"
    assert make_resident("r-1").household is None
    pretend = PretendResident(scopes=("resident.household",))
    assert pretend.claims() == {"resident.household": None}  # not verified: no household
    verified = PretendResident(scopes=("resident.household",), verified=True)
    assert verified.claims() == {"resident.household": "dev-household-1"}
