"""SPEC 5.1 and 5.2 figures of a plan: the supply flow of each period and the arrivals against lift.

Nothing here imports a spreadsheet or solver library. ``report.py`` builds the Sustainment and
Deployment sheets and the shortfall reasons from these functions; ``verify.py`` keeps a check of
its own and does not use them.

Sustainment (SPEC 5.1), per period: each location that needs supply (its country is not ``---``)
needs ``supply_rate`` × personnel / 1000 t/day; each location is a source of its host throughput
plus ``throughput`` × the depot units allocated there; a source may serve the locations within
``resupply_km`` of it, itself included (``Problem.supply_sources``). ``supply_flow`` finds one
flow that delivers as much as possible (a max-flow in exact fractions): every location first draws
on its own sources, then augmenting paths are searched breadth first with sources in order of
distance, so the same plan always gives the same flow.

Lift (SPEC 5.2), per period p: arrivals = Σ over in_area locations of max(0, personnel in p −
personnel in p−1), nothing before period 1; lift available = ``lift_capacity`` + Σ units ×
``lift_per_period`` over the units allocated in p.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from .domain import Problem
from .domain import decimal as exact  # a number as the decimal it was written as (0.1 -> 1/10)

#: relative tolerance on the totals (needs against deliveries, arrivals against lift)
REL_TOL = Fraction(1, 10**9)


@dataclass
class SupplyPeriod:
    """One period's transportation problem and the flow found for it (t/day, exact)."""

    need: dict[str, Fraction]  # location -> t/day needed (locations with personnel that need supply)
    host: dict[str, Fraction]  # source -> host throughput (where > 0)
    depot: dict[str, Fraction]  # source -> throughput of the depot units allocated there (where > 0)
    flow: dict[tuple[str, str], Fraction] = field(default_factory=dict)  # (source, location) -> t/day

    def capacity(self, source: str) -> Fraction:
        return self.host.get(source, Fraction(0)) + self.depot.get(source, Fraction(0))

    def delivered(self, location: str) -> Fraction:
        return sum((f for (s, loc), f in self.flow.items() if loc == location), Fraction(0))

    def sent(self, source: str) -> Fraction:
        return sum((f for (s, loc), f in self.flow.items() if s == source), Fraction(0))

    def spare_depot(self, source: str) -> Fraction:
        """Throughput of the depot units at ``source`` that the flow leaves unused (host support is used first)."""
        return max(Fraction(0), min(self.depot.get(source, Fraction(0)), self.capacity(source) - self.sent(source)))

    @property
    def short(self) -> Fraction:
        """t/day the flow leaves undelivered (0 when the plan keeps the rule)."""
        return sum(self.need.values(), Fraction(0)) - sum(self.flow.values(), Fraction(0))

    def feasible(self) -> bool:
        total = sum(self.need.values(), Fraction(0))
        return self.short <= REL_TOL * max(1, total)


def max_flow(supply: dict[str, Fraction], need: dict[str, Fraction],
             sources_of: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], Fraction]:
    """A maximum flow from sources (at most ``supply[s]`` each) to locations (at most ``need[l]`` each),
    where ``sources_of[l]`` lists, in order of preference, the sources that may serve l.

    Each location first takes what its own sources (``l`` itself when listed) have; then Edmonds–Karp
    augments along shortest paths, visiting sources in the order of ``sources_of``. Exact fractions,
    deterministic. Returns (source, location) -> flow, positive entries only.
    """
    top, bottom = ("top",), ("bottom",)
    res: dict[tuple, dict[tuple, Fraction | None]] = defaultdict(dict)  # residual; None = unbounded
    order: dict[tuple, list[tuple]] = defaultdict(list)  # adjacency in visiting order

    def arc(u, v, cap) -> None:
        if v not in res[u]:
            order[u].append(v)
            order[v].append(u)
        res[u][v] = cap
        res[v].setdefault(u, Fraction(0))

    locations = [loc for loc in need if need[loc] > 0]
    for loc in locations:
        for s in sources_of.get(loc, ()):
            if supply.get(s, 0) > 0:
                arc(top, ("s", s), supply[s])
    for loc in locations:
        for s in sources_of.get(loc, ()):
            if supply.get(s, 0) > 0:
                arc(("s", s), ("l", loc), None)
        arc(("l", loc), bottom, need[loc])

    def push(path: list[tuple], amount: Fraction) -> None:
        for u, v in zip(path, path[1:]):
            if res[u][v] is not None:
                res[u][v] -= amount
            if res[v][u] is not None:  # the reverse of an unbounded arc stays unbounded
                res[v][u] += amount

    # a location draws on its own sources first
    for loc in locations:
        s = ("s", loc)
        if res[top].get(s) is not None and ("l", loc) in res[s]:
            amount = min(res[top][s], res[("l", loc)][bottom])
            if amount > 0:
                push([top, s, ("l", loc), bottom], amount)
    while True:
        parent = {top: None}
        queue = [top]
        for u in queue:
            for v in order[u]:
                cap = res[u][v]
                if v not in parent and (cap is None or cap > 0):
                    parent[v] = u
                    queue.append(v)
        if bottom not in parent:
            break
        path = [bottom]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        path.reverse()
        amount = min(res[u][v] for u, v in zip(path, path[1:]) if res[u][v] is not None)
        push(path, amount)
    out = {}
    for loc in locations:
        for s in sources_of.get(loc, ()):
            f = res.get(("l", loc), {}).get(("s", s))
            if f:
                out[(s, loc)] = f
    return out


def supply_period(problem: Problem, personnel: dict[str, int], depot: dict[str, Fraction]) -> SupplyPeriod:
    """The transportation problem of one period from the personnel and the depot throughput at each
    location, with a flow that delivers as much as it can (``max_flow``)."""
    rate = exact(problem.scenario.supply_rate or 0)
    sources = problem.supply_sources
    need = {loc: rate * pers / 1000 for loc, pers in personnel.items() if pers > 0 and loc in sources and rate > 0}
    host = {loc.id: exact(loc.host_throughput) for loc in problem.locations if loc.host_throughput > 0}
    depot = {s: t for s, t in depot.items() if t > 0}
    period = SupplyPeriod(need=need, host=host, depot=depot)
    supply = {s: period.capacity(s) for s in set(host) | set(depot)}
    period.flow = max_flow(supply, need, {loc: _by_distance(problem, loc) for loc in need})
    return period


def _by_distance(problem: Problem, loc: str) -> tuple[str, ...]:
    """The sources in range of ``loc``: itself first, then the others nearest first (ties by id)."""
    near = problem.supply_sources.get(loc, ())
    return tuple(sorted(near, key=lambda s: (s != loc, problem.distance_km(s, loc) or 0.0, s)))


def in_area(problem: Problem) -> list[str]:
    """The locations whose personnel arrive by lift (SPEC 5.2), in input order."""
    return [loc.id for loc in problem.locations if loc.needs_lift]


def arrivals(problem: Problem, personnel: dict[tuple[str, int], int]) -> dict[int, dict[str, int]]:
    """Per period, the in_area locations whose personnel grow, and by how much (SPEC 5.2)."""
    area = in_area(problem)
    out: dict[int, dict[str, int]] = {}
    for p in problem.scenario.periods:
        moves = {loc: personnel.get((loc, p), 0) - personnel.get((loc, p - 1), 0) for loc in area}
        out[p] = {loc: m for loc, m in moves.items() if m > 0}
    return out
