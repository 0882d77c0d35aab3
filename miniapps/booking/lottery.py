"""The lottery draw: fair, reproducible from its seed, and checkable by anyone.

Commit and reveal: when a lottery opens, a random seed is made and only its SHA-256 is shown.
After the deadline the draw orders the entries by ``SHA-256(seed | entry id)`` (a uniformly random
order no one could choose, since the seed was fixed before the entries) and, in that order, gives
each entry its best-ranked choice still free. The seed is then published with the results, so
:func:`draw` run again on the same entries gives the same winners.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def new_seed() -> tuple[str, str]:
    """A fresh seed and its published hash."""
    seed = secrets.token_hex(32)
    return seed, seed_hash(seed)


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def order_key(seed: str, entry_id: int) -> str:
    return hashlib.sha256(f"{seed}|{entry_id}".encode()).hexdigest()


def draw(
    seed: str, entries: Iterable[Mapping[str, Any]], taken: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Each entry (``{"id", "choices": [slot, ...]}``, choices ranked) with its ``key`` and the
    slot it ``won`` (``""`` for none), in draw order. ``taken`` slots are given to no one."""
    used = set(taken)
    ordered = sorted(entries, key=lambda e: order_key(seed, int(e["id"])))
    results = []
    for entry in ordered:
        won = ""
        choices: Sequence[str] = entry["choices"]
        for choice in choices:
            if choice not in used:
                won = choice
                used.add(choice)
                break
        results.append(
            {"entry": int(entry["id"]), "key": order_key(seed, int(entry["id"])), "won": won}
        )
    return results
