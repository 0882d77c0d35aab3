"""Large-neighbourhood search for the Cordeau dial-a-ride instances (Ropke, Cordeau & Laporte
2007; Parragh et al. 2010): remove some requests (related ones, the costliest, or at random),
put them back by greedy or regret insertion, and keep the result by simulated annealing.

Times are integers (hundredths of a minute), travel times rounded *up* as in the OR-Tools
model of :mod:`.darp`, so every schedule found here holds in exact arithmetic and either
search can continue from the other's routes. A route's feasibility is Cordeau & Laporte's
eight-step schedule (as :func:`.schedule.schedule`, on plain integer lists for speed); it may
say no to a feasible route, never yes to an infeasible one. A route from which requests are
only removed keeps its old times (waiting instead of serving stays feasible: travel times obey
the triangle inequality), so no route ever needs a schedule this check cannot find.

Pure Python, seeded: the same seed and the same number of iterations give the same routes.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .darp import Instance

SCALE = 100

Routes = list[list[int]]  # per vehicle its nodes, depot left out
Times = list[list[int]]  # per vehicle the start of service at [depot, *nodes, depot]


class Search:
    """One instance's data as integer lists, the route check, insertion and the LNS loop."""

    def __init__(self, instance: Instance, seed: int = 1) -> None:
        nodes = instance.nodes
        self.n = n = instance.requests
        self.k = instance.vehicles
        size = len(nodes)
        self.dist = [[instance.distance(a, b) for b in range(size)] for a in range(size)]
        # travel plus the service at the node left, rounded up: what the OR-Tools model uses
        self.step = [
            [math.ceil((nodes[a].service + self.dist[a][b]) * SCALE - 1e-9) for b in range(size)]
            for a in range(size)
        ]
        self.service = [round(node.service * SCALE) for node in nodes]
        self.early = [round(node.earliest * SCALE) for node in nodes]
        self.late = [int(node.latest * SCALE) for node in nodes]
        self.load = [node.load for node in nodes]
        self.capacity = instance.capacity
        self.max_ride = int(instance.max_ride * SCALE)
        self.max_duration = int(instance.max_duration * SCALE)
        self.end_early = round(instance.end_earliest * SCALE)
        self.end_late = int(min(instance.end_latest, 1e9) * SCALE)
        self.rng = random.Random(seed)
        self.iterations = self.failed = 0
        self.start_temperature: float | None = None
        #: the annealing: a plan ``warmth`` longer is accepted half the time at first; the
        #: temperature falls geometrically to ``cooling`` of that by the end
        self.warmth, self.cooling = 0.01, 0.002
        #: requests removed per iteration: from ``fewest`` to ``share`` of all
        self.fewest, self.share = 4, 0.2
        # relatedness for Shaw removal: places and times of pickup and drop-off, each scaled
        span = max(1, max(self.late[1:]) - min(self.early[1:]))
        far = max(1e-9, max(max(row) for row in self.dist))
        self.related = [[0.0] * (n + 1) for _ in range(n + 1)]
        for i in range(1, n + 1):
            for j in range(i + 1, n + 1):
                r = (self.dist[i][j] + self.dist[n + i][n + j]) / far + (
                    abs(self.early[i] - self.early[j]) + abs(self.late[n + i] - self.late[n + j])
                ) / span
                self.related[i][j] = self.related[j][i] = r

    # -- a route ----------------------------------------------------------------------------

    def cost(self, route: list[int]) -> float:
        dist, here, total = self.dist, 0, 0.0
        for v in route:
            total += dist[here][v]
            here = v
        return total + dist[here][0]

    def times(self, route: list[int]) -> list[int] | None:
        """Start-of-service times of ``[depot, *route, depot]``, or None (the eight-step
        schedule of Cordeau & Laporte 2003 cannot keep every constraint)."""
        n, step, load, cap = self.n, self.step, self.load, self.capacity
        on = 0
        for v in route:
            on += load[v]
            if on > cap:
                return None
        path = [0, *route, 0]
        q = len(path) - 1
        early = [self.early[v] for v in path]
        late = [self.late[v] for v in path]
        early[q], late[q] = self.end_early, self.end_late
        begin = [0] * (q + 1)
        wait = [0] * (q + 1)
        begin[0] = early[0]
        for i in range(1, q + 1):
            a = begin[i - 1] + step[path[i - 1]][path[i]]
            b = early[i] if early[i] > a else a
            if b > late[i]:
                return None
            begin[i], wait[i] = b, b - a
        pick_of = [-1] * (q + 1)  # at a drop-off's position: its pickup's position
        drops: list[int] = []
        seen: dict[int, int] = {}
        for pos in range(1, q):
            v = path[pos]
            if v <= n:
                seen[v] = pos
            else:
                p = seen.get(v - n)
                if p is None:
                    return None  # a drop-off before its pickup
                pick_of[pos] = p
                drops.append(pos)
        if len(drops) != len(seen):
            return None  # a pickup without its drop-off
        service = [self.service[v] for v in path]
        ride, dur = self.max_ride, self.max_duration

        def forward(frm: int) -> None:
            # begin times only grow: once one stays, all later ones stay
            for i in range(frm, q + 1):
                a = begin[i - 1] + step[path[i - 1]][path[i]]
                b = early[i] if early[i] > a else a
                wait[i] = b - a
                if b == begin[i]:
                    return
                begin[i] = b

        def slack(i: int) -> int:
            best, waited = 1 << 60, 0
            for j in range(i, q + 1):
                if j > i:
                    waited += wait[j]
                    if waited >= best:
                        break  # every later term is at least what was waited so far
                room = late[j] - begin[j]
                p = pick_of[j]
                if 0 <= p < i:
                    used = ride - (begin[j] - begin[p] - service[p])
                    if used < room:
                        room = used
                if j == q and i > 0:
                    room = min(room, dur - (begin[q] - begin[0]))
                value = waited + (room if room > 0 else 0)
                if value < best:
                    best = value
            return best

        def ok() -> bool:
            if begin[q] - begin[0] > dur:
                return False
            for i in range(1, q + 1):
                if begin[i] > late[i]:
                    return False
            for j in drops:
                p = pick_of[j]
                if begin[j] - begin[p] - service[p] > ride:
                    return False
            return True

        total_wait = sum(wait[1:q])
        if total_wait:
            begin[0] = early[0] + min(slack(0), total_wait)
            forward(1)
        if ok():
            return begin
        for j in range(1, q):
            if path[j] > n:
                continue
            rest = sum(wait[j + 1 : q])
            if rest <= 0:
                continue
            delay = min(slack(j), rest)
            if delay <= 0:
                continue
            begin[j] += delay
            wait[j] += delay
            forward(j + 1)
        return begin if ok() else None

    def best_insertion(self, route: list[int], i: int) -> tuple[float, list[int], list[int]] | None:
        """The cheapest feasible way to put request ``i`` into ``route``: (added distance, the
        new route, its times), or None."""
        for added, a, b in self.candidates(route, i):
            new = [*route[:a], i, *route[a:b], self.n + i, *route[b:]]
            found = self.times(new)
            if found is not None:
                return added, new, found
        return None

    def prepare(self, route: list[int]) -> tuple[list[int], ...]:
        """What :meth:`candidates` reads of a route, the same for every request: its places
        (depot at both ends), the latest each may begin so that every later window can still
        be met, the riders on board after each, the earliest each can begin, each window's
        opening."""
        step, early = self.step, self.early
        path = [0, *route, 0]
        m = len(route)
        late = [0] * (m + 2)
        late[m + 1] = self.end_late
        for k in range(m, -1, -1):
            own = self.late[path[k]]
            later = late[k + 1] - step[path[k]][path[k + 1]]
            late[k] = own if own < later else later
        seats = [0] * (m + 1)
        load = self.load
        for k in range(1, m + 1):
            seats[k] = seats[k - 1] + load[path[k]]
        opens = [early[v] for v in path]
        earliest = [opens[0]] * (m + 1)
        for k in range(1, m + 1):
            t = earliest[k - 1] + step[path[k - 1]][path[k]]
            earliest[k] = opens[k] if opens[k] > t else t
        return path, late, seats, earliest, opens

    def candidates(
        self, route: list[int], i: int, prepared: tuple[list[int], ...] | None = None
    ) -> list[tuple[float, int, int]]:
        """Places for request ``i`` in ``route`` that pass a quick necessary test, cheapest
        first: (added distance, pickup index, drop-off index in the route without the pickup);
        the schedule check decides."""
        path, late, seats, earliest, opens = prepared or self.prepare(route)
        step, dist = self.step, self.dist
        d = self.n + i
        m = len(route)
        late_p, early_p, early_d = self.late[i], self.early[i], self.early[d]
        ride, serve_p, q = self.max_ride, self.service[i], self.load[i]
        room = self.capacity - q
        drop_latest = min(self.late[d], late_p + serve_p + ride)
        to_i, dist_i, dist_d = step, dist[i], dist[d]  # distances are symmetric
        step_i, step_d = step[i], step[d]
        ride_d = ride + serve_p
        dpd = dist_i[d]
        found: list[tuple[float, int, int]] = []
        for a in range(m + 1):
            u, w = path[a], path[a + 1]
            bp = earliest[a] + to_i[u][i]
            if bp < early_p:
                bp = early_p
            if bp > late_p:
                break
            if seats[a] > room:
                continue
            base = dist_i[u] - dist[u][w]
            # the drop-off right after the pickup
            bd = bp + step_i[d]
            if bd < early_d:
                bd = early_d
            if bd <= drop_latest and bd + step_d[w] <= late[a + 1]:
                found.append((base + dpd + dist_d[w], a, a))
            into = base + dist_i[w]
            clock, here, onboard = bp, i, 0  # onboard: driving and serving, no waiting
            for b in range(a + 1, m + 1):
                v = path[b]
                leg = step[here][v]
                clock += leg
                onboard += leg
                if clock < opens[b]:
                    clock = opens[b]
                if clock > late[b] or seats[b] > room:
                    break
                here = v
                to_d = step[v][d]
                bd = clock + to_d
                if bd < early_d:
                    bd = early_d
                if bd > drop_latest or onboard + to_d > ride_d:
                    break
                x = path[b + 1]
                if bd + step_d[x] > late[b + 1]:
                    continue
                found.append((into + dist_d[v] + dist_d[x] - dist[v][x], a, b))
        found.sort()
        return found

    # -- the search -------------------------------------------------------------------------

    def run(
        self,
        routes: Routes,
        times: Times,
        seconds: float,
        *,
        deadline: float | None = None,
        target: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        iterations: int | None = None,
        cooling_span: tuple[float, float] | None = None,
    ) -> tuple[Routes, Times, float]:
        """Improve feasible ``routes`` (with their ``times``) for ``seconds`` (or until
        ``deadline``, or until they are no longer than ``target``, or for ``iterations``:
        then the same seed gives the same routes); the best found. Runs one after another
        share one annealing: it starts at the first run's length and cools from the first to
        the second time of ``cooling_span`` (by default over this run)."""
        rng = self.rng
        n = self.n
        began = clock()
        stop = deadline if deadline is not None else began + seconds
        cur_r = [list(r) for r in routes] + [[] for _ in range(self.k - len(routes))]
        idle = [self.early[0], max(self.early[0], self.end_early)]
        cur_t = [list(t) for t in times] + [list(idle) for _ in range(self.k - len(times))]
        cur_c = [self.cost(r) for r in cur_r]
        cur = sum(cur_c)
        best_r, best_t, best = [list(r) for r in cur_r], [list(t) for t in cur_t], cur
        if self.start_temperature is None:
            self.start_temperature = self.warmth * cur / math.log(2)
        t0 = self.start_temperature
        cool_from, cool_to = cooling_span or (began, stop)
        small = min(n, self.fewest)
        large = max(min(n, small + 1), int(self.share * n))
        done, previous, last = 0, None, 0.0
        while True:
            now = clock()
            if previous is not None:
                last = now - previous
            previous = now
            if now + last >= stop or (target is not None and best <= target):
                break  # another iteration as long as the last would end after the deadline
            if iterations is not None and done >= iterations:
                break
            done += 1
            if iterations:
                progress = done / iterations
            else:
                progress = (now - cool_from) / max(1e-3, cool_to - cool_from)
            temperature = t0 * self.cooling ** min(1.0, progress)
            new_r = [list(r) for r in cur_r]
            new_t = [list(t) for t in cur_t]
            new_c = list(cur_c)
            count = rng.randint(small, large)
            how = rng.random()
            if how < 0.5:
                removed = self._shaw(new_r, count)
            elif how < 0.75:
                removed = self._worst(new_r, new_c, count)
            else:
                removed = rng.sample(range(1, n + 1), count)
            self._remove(new_r, new_t, new_c, removed)
            if not self._repair(new_r, new_t, new_c, removed, rng.choice((1, 2, 3))):
                self.failed += 1
                continue
            value = sum(new_c)
            if value < cur - 1e-9 or rng.random() < math.exp((cur - value) / temperature):
                cur_r, cur_t, cur_c, cur = new_r, new_t, new_c, value
                if value < best - 1e-9:
                    best_r, best_t, best = [list(r) for r in cur_r], [list(t) for t in cur_t], value
        self.iterations += done
        return best_r, best_t, best

    def _where(self, routes: Routes) -> dict[int, int]:
        return {v: r for r, route in enumerate(routes) for v in route if v <= self.n}

    def _shaw(self, routes: Routes, count: int) -> list[int]:
        rng, n = self.rng, self.n
        first = rng.randint(1, n)
        chosen, left = [first], set(range(1, n + 1)) - {first}
        while len(chosen) < count:
            pivot = rng.choice(chosen)
            row = self.related[pivot]
            ranked = sorted(left, key=row.__getitem__)
            pick = ranked[int(len(ranked) * rng.random() ** 6)]
            chosen.append(pick)
            left.discard(pick)
        return chosen

    def _worst(self, routes: Routes, costs: list[float], count: int) -> list[int]:
        n, dist = self.n, self.dist
        saving: list[tuple[float, int]] = []
        for route in routes:
            path = [0, *route, 0]
            pos = {v: k for k, v in enumerate(path) if k}
            for v in route:
                if v > n:
                    continue
                a, b = pos[v], pos[v + n]
                if b == a + 1:
                    s = (dist[path[a - 1]][v] + dist[v][v + n] + dist[v + n][path[b + 1]]
                         - dist[path[a - 1]][path[b + 1]])  # fmt: skip
                else:
                    s = (dist[path[a - 1]][v] + dist[v][path[a + 1]]
                         - dist[path[a - 1]][path[a + 1]]
                         + dist[path[b - 1]][v + n] + dist[v + n][path[b + 1]]
                         - dist[path[b - 1]][path[b + 1]])  # fmt: skip
                saving.append((-s, v))
        saving.sort()
        chosen: list[int] = []
        while len(chosen) < count and saving:
            k = int(len(saving) * self.rng.random() ** 4)
            chosen.append(saving.pop(k)[1])
        return chosen

    def _remove(self, routes: Routes, times: Times, costs: list[float], removed: list[int]) -> None:
        gone = set(removed) | {i + self.n for i in removed}
        for r, route in enumerate(routes):
            if any(v in gone for v in route):
                keep = [k for k, v in enumerate(route, 1) if v not in gone]
                times[r] = [times[r][0], *(times[r][k] for k in keep), times[r][-1]]
                routes[r] = [route[k - 1] for k in keep]
                costs[r] = self.cost(routes[r])

    def _repair(
        self, routes: Routes, times: Times, costs: list[float], pending: list[int], regret: int
    ) -> bool:
        """Put every pending request back, greedily (``regret`` 1) or by regret-``regret``
        insertion; False when one fits nowhere.

        The schedule check is the costly part, so it runs lazily: per request and route the
        candidate places wait, cheapest first, and only the routes that can be among the
        request's ``regret`` best get their candidates checked."""
        pending = list(pending)
        need = max(1, regret)
        # per request, per route: [candidates, next to check, (cost, route, times) or None]
        options: dict[int, list[list]] = {}
        skip = [False] * len(routes)
        empty_seen = False
        for r, route in enumerate(routes):
            if not route:
                skip[r] = empty_seen  # empty vehicles are alike: try one of them
                empty_seen = True
        prepared = [self.prepare(route) for route in routes]
        for i in pending:
            options[i] = [
                [[] if skip[r] else self.candidates(routes[r], i, prepared[r]), 0, None]
                for r in range(len(routes))
            ]
        n, check = self.n, self.times
        while pending:
            choice, choice_key = None, None
            for i in pending:
                records = options[i]
                heap = [
                    (rec[2][0] if rec[2] else rec[0][rec[1]][0], r)
                    for r, rec in enumerate(records)
                    if rec[2] or rec[1] < len(rec[0])
                ]
                heapq.heapify(heap)
                found: list[tuple[float, int]] = []
                while heap and len(found) < need:
                    cost, r = heapq.heappop(heap)
                    rec = records[r]
                    if rec[2]:
                        found.append((cost, r))
                        continue
                    added, a, b = rec[0][rec[1]]
                    route = routes[r]
                    new = [*route[:a], i, *route[a:b], n + i, *route[b:]]
                    at = check(new)
                    if at is not None:
                        rec[2] = (added, new, at)
                        found.append((added, r))
                        continue
                    rec[1] += 1
                    if rec[1] < len(rec[0]):
                        heapq.heappush(heap, (rec[0][rec[1]][0], r))
                if not found:
                    return False
                if need == 1:
                    key = (0.0, -found[0][0])
                else:
                    key = (
                        sum(c for c, _ in found[1:]) - (len(found) - 1) * found[0][0]
                        + (need - len(found)) * 1e6,
                        -found[0][0],
                    )  # fmt: skip
                if choice_key is None or key > choice_key:
                    choice, choice_key = (i, found[0][1]), key
            assert choice is not None
            i, r = choice
            _, routes[r], times[r] = options[i][r][2]
            costs[r] = self.cost(routes[r])
            pending.remove(i)
            del options[i]
            if len(routes[r]) == 2:
                # an empty vehicle was used: the next empty one becomes the one to try
                for s, route in enumerate(routes):
                    if not route and skip[s]:
                        skip[s] = False
                        for j in pending:
                            options[j][s] = [self.candidates(route, j, prepared[s]), 0, None]
                        break
            prepared[r] = self.prepare(routes[r])
            for j in pending:
                options[j][r] = [self.candidates(routes[r], j, prepared[r]), 0, None]
        return True
