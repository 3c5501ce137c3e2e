"""Another problem's plan, made to keep every rule of this model: the start of a what-if variant.

A what-if variant differs from its baseline in a few cells, so the baseline's plan is
mostly still good. ``repaired_start`` carries it over to the variant's model column by
column and then takes away what no longer fits, never adding anything:

1. each allocation of a model period (the first period of its block) goes to its column,
   if the variant still has one, capped at the column's bound;
2. rows that only limit units, personnel or tonnage (supply, demand, capacity, max_personnel
   caveats, rotation windows, Montreux limits: non-negative coefficients, an upper bound) are
   brought within their bound by taking units away, last columns first (an allocation the
   variant's closed straits bar has no column and is dropped in step 1);
3. a task's period whose staffing rules no longer hold (min_nations, max_nation_share, the
   lead present with its share) is emptied: an unstaffed task keeps every rule;
4. the indicator columns (y, z, lead, v, and a stability level's moved units) are set
   from the allocations, and so are the columns of the logistics rules (SPEC 5.1-5.2: each
   period's supply flows, a max-flow from the allocated sources, and the arrivals, the growth
   of personnel at each location in the area); every row is checked, and a plan that still
   breaks one is dropped (None), and the solve starts from the empty plan as usual. Taking
   units away can break those two rules (a depot or airlift unit gone, or units leaving a
   location so that more arrive in the next period): such a plan is dropped too.

The result keeps every rule of the variant, so it is a valid start for the first level.
"""

from __future__ import annotations

import math

from fractions import Fraction

from ..domain import Plan, decimal
from ..logistics import max_flow
from .build import Built, personnel_at, set_lead_columns, supply_scale, task_scale, task_share
from .linear import Row, violations
from .tuning import EXACT, LIFT_ROUNDS

#: rule families whose rows only cap sums of allocations with non-negative coefficients
CAPPING_FAMILIES = ("supply", "demand", "capacity", "caveat_max_personnel", "rotation", "montreux_aggregate",
                    "montreux_nation")


def repaired_start(built: Built, plan: Plan) -> list[float] | None:
    """The plan's allocations as values of ``built``'s columns, repaired to keep every rule; None if it cannot be."""
    m = built.model
    values = [0.0] * m.num_vars
    for a in plan.allocations:
        if a.period not in built.blocks:  # not a model period: its block's first period stands for it
            continue
        col = built.x.get((a.pledge, a.task, a.location, a.period))
        if col is not None:
            values[col] += a.units
    for col in built.x.values():
        values[col] = float(min(max(0.0, values[col]), m.ub[col]))
    _cap(m.rows, values)
    _staff(built, values, plan.leads)
    for _ in range(LIFT_ROUNDS):  # trimming for lift can break staffing, emptying a task can add arrivals
        if not _trim_for_lift(built, values):
            break
        _staff(built, values, plan.leads)
    _indicators(built, values, plan.leads)
    if violations(built.model, built.model.rows, values):
        return None
    return values


def _cap(rows: list[Row], values: list[float]) -> None:
    """Take units away, last columns first, until every capping row is within its bound."""
    for row in rows:
        if row.name.split("[", 1)[0] not in CAPPING_FAMILIES:
            continue
        excess = row.activity(values) - row.hi
        for c, a in reversed(list(zip(row.cols, row.coefs))):
            if excess <= EXACT:
                break
            if a <= 0 or values[c] <= 0:
                continue
            take = min(values[c], math.ceil(excess / a - EXACT))
            values[c] -= take
            excess -= take * a


def _trim_for_lift(built: Built, values: list[float]) -> bool:
    """Take units away, period by period from the first, until each period's arrivals into the area
    (SPEC 5.2) fit its lift: the lowest priority's units first, the largest first, never a unit that
    adds lift or throughput (``Built.enabling``). Whether anything was taken."""
    if not built.arrive:
        return False
    pb = built.problem
    in_area = {loc.id for loc in pb.locations if loc.needs_lift}
    cols_at = {key: [c for c, _e in terms] for key, terms in personnel_at(built).items() if key[0] in in_area}
    x_key = {col: key for key, col in built.x.items()}
    lifters: dict[int, list[tuple[int, float]]] = {}  # model period -> (column, lift per unit) of lift units
    for (_p, _t, _l, k), col in built.x.items():
        per_unit = pb.capability[built.cap_of[col]].lift_per_period
        if per_unit > 0:
            lifters.setdefault(k, []).append((col, per_unit))

    def personnel(loc: str, k: int) -> float:
        return sum(values[c] * built.ppu[c] for c in cols_at.get((loc, k), ()))

    taken = False
    for k in sorted(built.blocks):
        lift = pb.scenario.lift_capacity + sum(values[c] * a for c, a in lifters.get(k, ()))
        arrivals = {loc: max(0.0, personnel(loc, k) - personnel(loc, k - 1)) for loc in in_area}
        excess = sum(arrivals.values()) - lift
        if excess <= EXACT:
            continue
        movable = [c for loc in sorted(in_area) if arrivals[loc] > 0 for c in cols_at.get((loc, k), ())
                   if values[c] > 0 and c not in built.enabling]
        movable.sort(key=lambda c: (-pb.task[x_key[c][1]].priority, -built.ppu[c], c))
        for c in movable:
            if excess <= EXACT:
                break
            loc = x_key[c][2]
            while values[c] > 0 and excess > EXACT and arrivals[loc] > 0:
                values[c] -= 1
                taken = True
                drop = min(arrivals[loc], built.ppu[c])
                arrivals[loc] -= drop
                excess -= drop
    return taken


def _staff(built: Built, values: list[float], leads: dict[str, str]) -> None:
    """Empty every (task, period) whose staffing rules (rule 5) the allocations break."""
    pb = built.problem
    for (tid, k), nations in sorted(built.nations_by_tk.items()):
        task = pb.task[tid]
        g = task_scale(built, tid)[0]
        steps = {n: sum(values[c] * (built.ppu[c] // g) for c in built.x_by_ntk[(n, tid, k)]) for n in nations}
        units = {n: sum(values[c] for c in built.x_by_ntk[(n, tid, k)]) for n in nations}
        present = [n for n in nations if units[n] > 0]
        if not present:
            continue
        total = sum(steps.values())
        ok = len(present) >= task.min_nations
        if ok and task.max_nation_share < 1:
            a, b = task_share(built, tid, lead=False)
            ok = all(b * steps[n] <= a * total for n in present)
        if ok and task.lead != "none":
            lead = leads.get(tid)
            ok = lead in present and (lead, tid) in built.lead
            if ok and pb.scenario.lead_min_share > 0:
                a, b = task_share(built, tid, lead=True)
                ok = b * steps[lead] >= a * total
        if not ok:
            for n in nations:
                for c in built.x_by_ntk[(n, tid, k)]:
                    values[c] = 0.0


def _indicators(built: Built, values: list[float], leads: dict[str, str]) -> None:
    """Set y, z, lead, v and a stability level's moved units from the allocations."""
    for (n, tid, k), y in built.y.items():
        values[y] = 1.0 if any(values[c] > 0 for c in built.x_by_ntk[(n, tid, k)]) else 0.0
    for (tid, k), z in built.z.items():
        values[z] = 1.0 if any(values[built.y[(n, tid, k)]] for n in built.nations_by_tk[(tid, k)]) else 0.0
    set_lead_columns(built, values, leads)
    _logistics(built, values)
    for row in built.model.rows:  # d ≥ ±(X − base): the least d that keeps both rows
        if row.name.startswith(("moved_up[", "moved_down[")):
            d = row.cols[0]
            others = sum(values[c] * a for c, a in zip(row.cols[1:], row.coefs[1:]))
            values[d] = max(values[d], row.lo - others, 0.0)


def _logistics(built: Built, values: list[float]) -> None:
    """Set the flow (SPEC 5.1) and arrival (SPEC 5.2) columns from the allocations: in each model period
    a max-flow from the sources to the needs, in the model's 1/m kg per day; the arrivals as the growth
    of personnel at each location in the area since the period before."""
    if not built.flow and not built.arrive:
        return
    pb = built.problem
    personnel: dict[tuple[str, int], int] = {}
    for (pid, tid, loc, k), col in built.x.items():
        if values[col] > 0:
            personnel[(loc, k)] = personnel.get((loc, k), 0) + int(round(values[col])) * built.ppu[col]
    for (loc, k), a in built.arrive.items():
        values[a] = float(max(0, personnel.get((loc, k), 0) - personnel.get((loc, k - 1), 0)))
    if not built.flow:
        return
    m = supply_scale(pb)
    rate = decimal(pb.scenario.supply_rate or 0)
    depot: dict[tuple[str, int], Fraction] = {}
    for (pid, tid, loc, k), col in built.x.items():
        thr = pb.capability[built.cap_of[col]].throughput
        if thr > 0 and values[col] > 0:
            depot[(loc, k)] = depot.get((loc, k), Fraction(0)) + int(round(values[col])) * decimal(thr)
    sources_of: dict[int, dict[str, list[str]]] = {}
    for (s, loc, k) in built.flow:
        sources_of.setdefault(k, {}).setdefault(loc, []).append(s)
    for k, by_location in sources_of.items():
        need = {loc: m * rate * personnel.get((loc, k), 0) for loc in by_location}
        supply = {s: 1000 * m * (decimal(pb.location[s].host_throughput) + depot.get((s, k), 0))
                  for srcs in by_location.values() for s in srcs}
        flows = max_flow(supply, need, {loc: tuple(srcs) for loc, srcs in by_location.items()})
        for loc, srcs in by_location.items():
            for s in srcs:
                values[built.flow[(s, loc, k)]] = float(flows.get((s, loc), 0))
