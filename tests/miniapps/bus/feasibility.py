"""An independent check of a dial-a-ride solution against a Cordeau instance file.

Written from the instance definition (Cordeau 2006; ../shared/data/README.md), sharing no code
with the app's solver: it reads the file itself and checks every constraint in floats.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

TOLERANCE = 1e-6


def read_instance(path: Path) -> dict[str, Any]:
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    k, _n_header, t_max, q, l_max = rows[0]
    nodes = [[float(v) for v in row] for row in rows[1:]]
    end = None
    if len(nodes) % 2 == 0:  # the depot repeated as the last node: the end of every route
        end = nodes.pop()
    n = (len(nodes) - 1) // 2
    return {"K": int(k), "T": float(t_max), "Q": int(q), "L": float(l_max), "n": n,
            "nodes": nodes, "end": end or nodes[0]}  # fmt: skip


def problems(path: Path, solution: dict[str, Any]) -> list[str]:
    """Every broken constraint of ``solution`` (the JSON of ``machi bus solve``); empty when
    it is feasible."""
    inst = read_instance(path)
    nodes, n, found = inst["nodes"], inst["n"], []

    def dist(a: int, b: int) -> float:
        return math.hypot(nodes[a][1] - nodes[b][1], nodes[a][2] - nodes[b][2])

    routes, times = solution["routes"], solution["times"]
    if len(routes) > inst["K"]:
        found.append(f"{len(routes)} routes for {inst['K']} vehicles")
    if len(times) != len(routes):
        found.append("not one list of times per route")
        return found
    seen: dict[int, tuple[int, int]] = {}
    length = 0.0
    for v, (route, at) in enumerate(zip(routes, times, strict=True)):
        if len(route) < 2 or route[0] != 0 or route[-1] != 0:
            found.append(f"route {v} does not start and end at the depot")
            continue
        if len(at) != len(route):
            found.append(f"route {v}: {len(at)} times for {len(route)} nodes")
            continue
        load = 0
        for pos, node in enumerate(route):
            if pos not in (0, len(route) - 1):
                if node in seen or not 1 <= node <= 2 * n:
                    found.append(f"node {node} visited twice or unknown")
                seen[node] = (v, pos)
                load += int(nodes[node][4])
                if load > inst["Q"]:
                    found.append(f"route {v}: {load} on board at node {node}")
                earliest, latest = nodes[node][5], nodes[node][6]
            elif pos == 0:
                earliest, latest = nodes[0][5], nodes[0][6]
            else:
                earliest, latest = inst["end"][5], inst["end"][6]
            if at[pos] < earliest - TOLERANCE or at[pos] > latest + TOLERANCE:
                found.append(
                    f"route {v}: node {node} served at {at[pos]} outside [{earliest}, {latest}]"
                )
            if pos:
                prev = route[pos - 1]
                service = nodes[prev][3] if pos - 1 else 0.0
                length += dist(prev, node)
                if at[pos] + TOLERANCE < at[pos - 1] + service + dist(prev, node):
                    found.append(f"route {v}: node {node} reached before it can be ({at[pos]})")
        if at[-1] - at[0] > inst["T"] + TOLERANCE:
            found.append(f"route {v} lasts {at[-1] - at[0]:.2f} > {inst['T']}")
    for i in range(1, n + 1):
        if i not in seen or n + i not in seen:
            found.append(f"request {i} not served")
            continue
        (vp, pp), (vd, pd) = seen[i], seen[n + i]
        if vp != vd or pp > pd:
            found.append(f"request {i}: drop-off not after its pickup on the same vehicle")
            continue
        ride = times[vd][pd] - (times[vp][pp] + nodes[i][3])
        if ride > inst["L"] + TOLERANCE:
            found.append(f"request {i} rides {ride:.2f} > {inst['L']}")
    if abs(length - solution["length"]) > 0.01:
        found.append(f"length {solution['length']} but the routes measure {length:.3f}")
    return found
