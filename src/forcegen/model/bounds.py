"""When one problem only takes options away from another: its levels are bounded by the other's.

A what-if that withdraws a nation, cuts a pledge or a capacity, or adds a caveat leaves
every plan of the variant a plan of the baseline, with the same objective levels. Then
the variant's optimum is lexicographically no better than the baseline's, level by level:
level 1 of the variant ≥ level 1 of the baseline; and while the variant reaches the
baseline's value on levels 1..j-1, its level j ≥ the baseline's level j (its plans that hold
those values are among the baseline's plans that hold them). ``solve_problem(lower=…)``
uses those bounds: a level whose start already reaches the bound is optimal without a
solve, and a solve stops as soon as it reaches it.

``restricts(base, variant)`` is a sufficient test on the two validated problems: the same
scenario, capabilities, tasks (periods, priorities) and requirements, so that every level
is the same function of a plan; and every rule of the variant at least as tight as the
baseline's. For the rules of SPEC 5.3-5.4 that means: each pledge's tour and dwell as in the
baseline, or a tour where the baseline had none (a rotation limit only takes plans away);
the straits open → montreux → closed, each tighter than the one before, with the same or
a smaller aggregate under montreux; no nation becoming a Black Sea state, and the same
sea areas (capabilities, tonnage included, are the same anyway). Any other change to these
is classified conservatively as not a restriction.
"""

from __future__ import annotations

from ..domain import Caveat, Problem, exact_share

LEAD_RANK = {"none": 0, "any": 1, "european": 2}  # each adds rules to the one before


def restricts(base: Problem, variant: Problem) -> bool:
    """Whether every plan of ``variant`` is a plan of ``base`` with the same level values (sufficient test)."""
    bs, vs = base.scenario, variant.scenario
    if (bs.horizon, bs.ceasefire) != (vs.horizon, vs.ceasefire):
        return False
    if vs.include_conditional and not bs.include_conditional:
        return False
    if exact_share(vs.lead_min_share) < exact_share(bs.lead_min_share):
        return False
    if not _logistics_restrict(bs, vs) or not _straits_restrict(base, variant):
        return False
    if variant.capabilities != base.capabilities or variant.requirements != base.requirements:
        return False
    if not set(variant.basing) <= set(base.basing):
        return False
    for n in variant.nations:
        b = base.nation.get(n.id)
        if b is None or (n.european and not b.european) or (n.black_sea_state and not b.black_sea_state):
            return False
    for loc in variant.locations:
        b = base.location.get(loc.id)
        if b is None or (b.country, b.kind, b.black_sea) != (loc.country, loc.kind, loc.black_sea):
            return False
        if b.personnel_capacity is not None and (loc.personnel_capacity is None
                                                 or loc.personnel_capacity > b.personnel_capacity):
            return False
        if bs.sustainment and ((b.latitude, b.longitude) != (loc.latitude, loc.longitude)
                               or loc.host_throughput > b.host_throughput):
            return False
        if bs.lift and b.needs_lift and not loc.needs_lift:
            return False
    if {t.id for t in variant.tasks} != {t.id for t in base.tasks}:
        return False
    for t in variant.tasks:
        b = base.task[t.id]
        if (b.priority, b.start_period, b.end_period, b.requires_ceasefire, b.active) != (
                t.priority, t.start_period, t.end_period, t.requires_ceasefire, t.active):
            return False
        if t.min_nations < b.min_nations or exact_share(t.max_nation_share) > exact_share(b.max_nation_share):
            return False
        if LEAD_RANK[t.lead] < LEAD_RANK[b.lead]:
            return False
    for p in variant.pledges:
        b = base.pledge.get(p.id)
        if b is None or (b.nation, b.capability, b.cost_per_unit) != (p.nation, p.capability, p.cost_per_unit):
            return False
        if p.units > b.units or p.from_period < b.from_period or p.to_period > b.to_period:
            return False
        if p.status == "firm" and b.status == "conditional":
            return False
        if b.tour is not None and (b.tour, b.dwell) != (p.tour, p.dwell):
            return False  # a shorter tour with a longer dwell is not always tighter: conservative
    return _caveats_restrict(base, variant)


def _logistics_restrict(bs, vs) -> bool:
    """SPEC section 5.1-5.2: a rule on in the baseline is on in the variant, at least as tight."""
    if bs.sustainment:
        if not vs.sustainment or vs.supply_rate < bs.supply_rate:
            return False
        if vs.resupply_km is None or bs.resupply_km is None or vs.resupply_km > bs.resupply_km:
            return False
    if bs.lift and (not vs.lift or vs.lift_capacity > bs.lift_capacity):
        return False
    return True


STRAITS_RANK = {"open": 0, "montreux": 1, "closed": 2}  # each allows fewer plans than the one before


def _straits_restrict(base: Problem, variant: Problem) -> bool:
    """Whether the variant's straits rule (SPEC 5.4) allows no plan the baseline's forbids."""
    bs, vs = base.scenario, variant.scenario
    if STRAITS_RANK[vs.straits] < STRAITS_RANK[bs.straits]:
        return False
    if vs.straits == "montreux" and bs.straits == "montreux":
        return vs.montreux_aggregate_t <= bs.montreux_aggregate_t
    return True


def _caveats_restrict(base: Problem, variant: Problem) -> bool:
    """Every caveat of the baseline holds in the variant at least as tightly, for every nation
    that still has pledges; ``only`` rows (which widen each other) must be the same."""
    pledging = {p.nation for p in variant.pledges if p.units > 0}

    def key(c: Caveat) -> tuple:
        return (c.rule,) + tuple(getattr(c, f) or "" for f in ("country", "domain", "capability", "pillar", "task"))

    for nation in sorted(pledging):
        mine = base.caveats_of.get(nation, ())
        theirs = variant.caveats_of.get(nation, ())
        if sorted(key(c) for c in mine if c.rule == "only") != sorted(key(c) for c in theirs if c.rule == "only"):
            return False
        forbid = {key(c) for c in theirs if c.rule == "forbid"}
        if any(key(c) not in forbid for c in mine if c.rule == "forbid"):
            return False
        limits: dict[tuple, int] = {}
        for c in theirs:
            if c.rule == "max_personnel":
                limits[key(c)] = min(limits.get(key(c), c.limit), c.limit)
        if any(key(c) not in limits or limits[key(c)] > c.limit for c in mine if c.rule == "max_personnel"):
            return False
    return True
