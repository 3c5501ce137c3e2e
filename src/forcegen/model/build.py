"""Problem -> mixed-integer model of SPEC sections 2 and 5.

The formulation, numbered as in ``models/FORMULATION.md``:

Sets: pledges p (nation n(p), capability c(p), units u_p, window W_p), tasks t
(active periods A_t, basing locations B_t, requirements r_tc, weights w_tc),
periods k, locations l (capacity cap_l), personnel per unit e_c.

Variables (only those the data allow are created):
  x[p,t,l,k] ∈ Z+  units of pledge p on task t at location l in period k;
                   created only if k ∈ W_p ∩ A_t, c(p) required by t, l ∈ B_t,
                   and no forbid/only caveat of n(p) bars (p, t, l).
  y[n,t,k]  ∈ {0,1} nation n contributes to task t in period k
  z[t,k]    ∈ {0,1} task t is staffed in period k (tasks with staffing rules)
  L[n,t]    ∈ {0,1} nation n leads task t (tasks whose lead is not none)
  v[n,t,k]  ≥ 0     the lead's required personnel, scaled (disaggregated lead share)
  f[s,l,k]  ≥ 0     supply from source s to location l in k, in 1/m kg a day (sustainment)
  a[l,k]    ≥ 0     personnel arriving at location l in k (lift)

Hard rules (one ``add_<family>`` function each; every row is named
``family[key=value,…]``):
  (1) supply        Σ_{t,l} x[p,t,l,k] ≤ u_p
  (2) demand        Σ_{p,l} x[p,t,l,k] ≤ r_tc
  (3) caveat_max_personnel  Σ_{matching} e_c·x ≤ limit
  (4) capacity      Σ e_c·x[·,·,l,k] ≤ cap_l
  (5a) contributes  Σ_{p∈n,c,l} x ≤ M_ntck·y[n,t,k] (per capability c), y ≤ Σ x
  (5b) staffed      y[n,t,k] ≤ z[t,k] ≤ Σ_n y[n,t,k]
  (5c) min_nations  Σ_n y[n,t,k] ≥ m_t·z[t,k]
  (5d) max_share    b·P[n,t,k] ≤ a·P[t,k]            (s_t = a/b)
  (5e) lead         Σ_n L[n,t] ≤ 1,  z[t,k] ≤ Σ_n L[n,t],  y[n,t,k] ≥ L[n,t] + z[t,k] − 1
  (5f) lead_share   Σ_n v[n,t,k] = a·P[t,k],  v ≤ b·P[n,t,k],  v ≤ min(b·P̄[n,t,k], a·P̄[t,k])·L[n,t]
                    (lead_min_share = a/b; only the lead's v can be positive, so the
                    lead carries a·P[t,k]/b of the personnel — no big-M row; P̄ the most
                    personnel the nation, or the task, can have in k)
  (6) sustainment   Σ_{s near l} f[s,l,k] ≥ m·ρ·Σ e_c·x[·,·,l,k];  Σ_l f[s,l,k] ≤ 1000·m·(h_s + Σ θ_c·x at s)
                    (SPEC 5.1: ρ supply_rate, h host throughput, θ depot throughput)
  (7) lift          a[l,k] ≥ P[l,k] − P[l,k−1] for l in the area;  Σ_l a[l,k] ≤ Λ + Σ λ_c·x[·,·,·,k]
                    (SPEC 5.2: Λ lift_capacity, λ lift_per_period)
  (R) rotation      Σ_{t,l} Σ_{k∈R} x[p,t,l,k] ≤ u_p·tour_p for every run R of tour_p + dwell_p
                    consecutive periods (cut at the horizon) of a pledge with a tour (SPEC 5.3)
  (M) montreux      straits montreux: Σ_{x∈S_k} τ_c·x ≤ A and 3·Σ_{x∈S_nk} τ_c·x ≤ 2·A, with S_k the
                    allocations in k of sea units of non-Black-Sea states at black_sea locations,
                    S_nk those of nation n, τ_c the tonnage; straits closed: no x in S_k (SPEC 5.4)
Objective levels: shortfall of priority 1..5, cost, contributions (see
``objectives``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

from ..domain import PRIORITIES, Problem, decimal, exact_share
from .linear import LinearModel, Objective, integer_scale

LEVEL_NAMES = tuple(f"shortfall_p{k}" for k in PRIORITIES) + ("cost", "contributions")


def share_ratio(share: float, most: int, cap: bool) -> tuple[int, int]:
    """A share s as a/b, b ≤ most, exact on whole numbers: every row keeps integer coefficients.

    For whole numbers 0 ≤ part and 0 ≤ whole ≤ most:
      cap (max_nation_share):  part ≤ s·whole  ⟺  b·part ≤ a·whole, with a/b the largest
                               fraction ≤ s whose denominator is at most ``most``;
      floor (lead_min_share):  part ≥ s·whole  ⟺  b·part ≥ a·whole, with a/b the smallest
                               fraction ≥ s whose denominator is at most ``most``.
    (part/whole is itself a fraction with denominator ≤ most, so nothing lies between it and
    s without lying beyond a/b.) s is the decimal as the user wrote it (``exact_share``):
    0.142857 with seven companies of 100 gives a/b = 0/1, as one company in seven is 1/7 > s.
    """
    s = exact_share(share)
    most = max(1, int(most))
    f = _floor_fraction(s, most) if cap else -_floor_fraction(-s, most)
    return f.numerator, f.denominator


def _floor_fraction(x: Fraction, n: int) -> Fraction:
    """The largest fraction ≤ x with denominator ≤ n (a Stern–Brocot descent, in batched steps)."""
    if x.denominator <= n:
        return x
    fl = x.numerator // x.denominator
    a, b, c, d = fl, 1, fl + 1, 1  # a/b ≤ x < c/d, neighbours
    while b + d <= n:
        if Fraction(a + c, b + d) <= x:  # move the lower end up as far as it stays ≤ x
            k = (x * b - a) // (c - x * d)
            k = max(1, min(int(k), (n - b) // d))
            a, b = a + k * c, b + k * d
        else:  # move the upper end down as far as it stays > x
            k = -((c - x * d) // -(x * b - a)) - 1  # largest k with (c+ka)/(d+kb) > x
            k = max(1, min(int(k), (n - d) // b))
            c, d = c + k * a, d + k * b
    return Fraction(a, b)


@dataclass
class Built:
    """The model with maps from problem keys to its columns."""

    problem: Problem
    model: LinearModel
    x: dict[tuple[str, str, str, int], int] = field(default_factory=dict)  # (pledge, task, loc, period)
    y: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (nation, task, period)
    z: dict[tuple[str, int], int] = field(default_factory=dict)  # (task, period)
    lead: dict[tuple[str, str], int] = field(default_factory=dict)  # (nation, task)
    v: dict[tuple[str, str, int], int] = field(default_factory=dict)
    objectives: list[Objective] = field(default_factory=list)
    lead_share_rows: list[int] = field(default_factory=list)  # the rows Σ v = a·P of rule (5f)
    # per task: (g, most) — the gcd of its capabilities' personnel per unit, and the most personnel/g
    # it can have in a period — and its share rules as exact fractions a/b (see ``share_ratio``)
    scale: dict[str, tuple[int, int]] = field(default_factory=dict)
    max_share: dict[str, tuple[int, int]] = field(default_factory=dict)
    lead_share: dict[str, tuple[int, int]] = field(default_factory=dict)
    task_cols: dict[str, list[int]] | None = None  # every column of each task, filled when first needed
    # periods of the model: a representative k for each block of identical periods
    blocks: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # derived groupings of x, filled by add_allocation_vars
    x_by_pledge_period: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    x_by_task_cap_period: dict[tuple[str, str, int], list[int]] = field(default_factory=dict)
    x_by_ntk: dict[tuple[str, str, int], list[int]] = field(default_factory=dict)
    nations_by_tk: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (task, period)
    ppu: dict[int, int] = field(default_factory=dict)  # column of x -> personnel per unit
    cap_of: dict[int, str] = field(default_factory=dict)  # column of x -> capability
    x_pledge: dict[int, str] = field(default_factory=dict)  # column of x -> pledge
    # SPEC section 5: flows (source, location, period) of the sustainment rule, arrivals (location, period) of lift
    flow: dict[tuple[str, str, int], int] = field(default_factory=dict)
    arrive: dict[tuple[str, int], int] = field(default_factory=dict)
    #: columns whose units add capacity to a rule (depot units' throughput, lift units' lift): allocating
    #: them can let other tasks be covered, so they are not "free to empty" like the other columns
    enabling: set[int] = field(default_factory=set)

    def weight(self, k: int) -> int:
        """How many periods the model period k stands for."""
        return len(self.blocks[k])

    def task_periods(self, task) -> list[int]:
        """The model periods in which a task is active."""
        return [k for k in self.problem.active_periods(task) if k in self.blocks]


def period_blocks(problem: Problem, aggregate: bool = True, reference=None) -> dict[int, tuple[int, ...]]:
    """Group periods whose data are identical (same active tasks, same available pledges).

    Within such a block, any plan can be replaced by copies of its lexicographically
    best period without breaking a rule (the periods are linked only through the
    constant lead, which is the same in each copy) and without worsening any level,
    since the levels add up over periods. So one representative period per block,
    weighted by the block's size, gives the same optimum as all periods. Sustainment
    (SPEC 5.1) holds period by period, so it keeps this true; lift (5.2) links each period to
    the one before, so with lift on every period is its own block.

    A rotation limit (SPEC 5.3) couples the periods of its pledge, and copies of one period
    could break it: every period in which a pledge with a binding rotation limit is available
    is a block of its own (``Problem.rotation_windows``), so the argument holds for the rest.
    """
    periods = problem.scenario.periods
    if not aggregate or problem.scenario.lift:  # lift links each period to the one before
        return {k: (k,) for k in periods}
    rotating = set()
    for p in problem.pledges:
        for run in problem.rotation_windows(p):
            rotating.update(run)
    active = {k: [] for k in periods}
    for t in problem.tasks:
        for k in problem.active_periods(t):
            active[k].append(t.id)
    avail = {k: [] for k in periods}
    for p in problem.pledges:
        for k in problem.pledge_periods(p):
            avail[k].append(p.id)
    ref: dict[int, list] = {k: [] for k in periods}
    if reference is not None:  # with a stability level, periods must also agree in the reference plan
        for a in sorted(reference.allocations, key=lambda a: (a.task, a.location, a.pledge)):
            if a.period in ref:
                ref[a.period].append((a.task, a.location, a.pledge, a.units))
    groups: dict[tuple, list[int]] = {}
    for k in periods:
        alone = k if k in rotating else 0
        groups.setdefault((tuple(active[k]), tuple(avail[k]), tuple(ref[k]), alone), []).append(k)
    return {ks[0]: tuple(ks) for ks in groups.values()}


# --------------------------------------------------------------------------
# variables
# --------------------------------------------------------------------------
def add_allocation_vars(b: Built) -> None:
    """x[p,t,l,k] for every allocation the windows, tasks, basing, caveats and straits allow.

    Closed straits (SPEC 5.4) bar a non-Black-Sea state's sea units at black_sea locations as a
    forbid caveat does: their columns are not created.

    Upper bound min(u_p, r_tc, ⌊cap_l/e_c⌋, ⌊limit/e_c⌋ of matching max_personnel caveats, and under
    straits montreux ⌊2A/(3τ_c)⌋ for a sea unit of a non-Black-Sea state at a black_sea location).
    """
    pb = b.problem
    m = b.model
    caps_needed: dict[str, dict[str, int]] = {t.id: {} for t in pb.tasks}
    for r in pb.requirements:
        caps_needed[r.task][r.capability] = r.units
    tasks_by_cap: dict[str, list[str]] = {}
    for t in pb.tasks:
        for c in caps_needed[t.id]:
            tasks_by_cap.setdefault(c, []).append(t.id)
    montreux = pb.scenario.straits == "montreux"
    for p in pb.pledges:
        if p.units <= 0:
            continue
        ppu = pb.personnel_per_unit(p)
        window = set(pb.pledge_periods(p))
        limits = [c for c in pb.caveats_of.get(p.nation, ()) if c.rule == "max_personnel"]
        for tid in tasks_by_cap.get(p.capability, ()):
            task = pb.task[tid]
            periods = [k for k in b.task_periods(task) if k in window]
            if not periods:
                continue
            for loc in pb.task_locations[tid]:
                if pb.barring_caveats(p, tid, loc) or pb.straits_bar(p, loc):
                    continue
                ub = min(p.units, caps_needed[tid][p.capability])
                cap = pb.location[loc].personnel_capacity
                if ppu > 0:
                    if cap is not None:
                        ub = min(ub, cap // ppu)
                    for c in limits:
                        if pb.caveat_matches(c, p, tid, loc):
                            ub = min(ub, c.limit // ppu)
                if montreux and pb.straits_limited(p, loc):
                    most = montreux_units(pb, pb.capability[p.capability].tonnage)
                    if most is not None:
                        ub = min(ub, most)
                if ub <= 0:
                    continue
                for k in periods:
                    col = m.add_var(f"x[pledge={p.id},task={tid},location={loc},period={k}]", 0, ub)
                    b.x[(p.id, tid, loc, k)] = col
                    b.ppu[col] = ppu
                    b.cap_of[col] = p.capability
                    b.x_pledge[col] = p.id
                    b.x_by_pledge_period.setdefault((p.id, k), []).append(col)
                    b.x_by_task_cap_period.setdefault((tid, p.capability, k), []).append(col)
                    b.x_by_ntk.setdefault((p.nation, tid, k), []).append(col)
    for (n, tid, k) in sorted(b.x_by_ntk):
        b.nations_by_tk.setdefault((tid, k), []).append(n)


# --------------------------------------------------------------------------
# hard rules
# --------------------------------------------------------------------------
def add_supply(b: Built) -> None:
    """(1) Σ_{t,l} x[p,t,l,k] ≤ u_p for every pledge p and period k."""
    units = {p.id: p.units for p in b.problem.pledges}
    for (pid, k), cols in b.x_by_pledge_period.items():
        if sum(b.model.ub[c] for c in cols) > units[pid]:
            b.model.add_row(f"supply[pledge={pid},period={k}]", [(c, 1) for c in cols], hi=units[pid])


def add_demand(b: Built) -> None:
    """(2) Σ_{p,l} x[p,t,l,k] ≤ r_tc: a task never gets more units than it asks for."""
    req = {(r.task, r.capability): r.units for r in b.problem.requirements}
    for (tid, cap, k), cols in b.x_by_task_cap_period.items():
        if sum(b.model.ub[c] for c in cols) > req[(tid, cap)]:
            b.model.add_row(f"demand[task={tid},capability={cap},period={k}]", [(c, 1) for c in cols],
                            hi=req[(tid, cap)])


def add_caveats(b: Built) -> None:
    """(3) max_personnel: Σ e_c·x over the nation's matching allocations ≤ limit, per period.

    forbid and only are enforced by not creating the barred variables.
    """
    pb = b.problem
    for cav in pb.caveats:
        if cav.rule != "max_personnel":
            continue
        by_period: dict[int, list[tuple[int, float]]] = {}
        for (pid, tid, loc, k), col in b.x.items():
            p = pb.pledge[pid]
            if p.nation == cav.nation and b.ppu[col] > 0 and pb.caveat_matches(cav, p, tid, loc):
                by_period.setdefault(k, []).append((col, b.ppu[col]))
        for k, terms in sorted(by_period.items()):
            if sum(b.model.ub[c] * e for c, e in terms) > cav.limit:
                b.model.add_row(f"caveat_max_personnel[nation={cav.nation},row={cav.row},period={k}]", terms,
                                hi=cav.limit)


def add_capacity(b: Built) -> None:
    """(4) Σ e_c·x[·,·,l,k] ≤ cap_l for every location with a capacity and period."""
    pb = b.problem
    by_lk: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for (pid, tid, loc, k), col in b.x.items():
        if b.ppu[col] > 0 and pb.location[loc].personnel_capacity is not None:
            by_lk.setdefault((loc, k), []).append((col, b.ppu[col]))
    for (loc, k), terms in sorted(by_lk.items()):
        cap = pb.location[loc].personnel_capacity
        if sum(b.model.ub[c] * e for c, e in terms) > cap:
            b.model.add_row(f"capacity[location={loc},period={k}]", terms, hi=cap)


def _needs_staffed(task) -> bool:
    return task.min_nations > 1 or task.lead != "none"


def add_contributions(b: Built) -> None:
    """(5a) y[n,t,k] = 1 exactly when nation n has units on task t in period k.

    Per capability c: Σ_{p∈n,c,l} x ≤ M·y with M the most units these columns can hold together
    (``_most_units``); and y ≤ Σ_{p∈n,l} x.
    """
    m = b.model
    for (n, tid, k), cols in sorted(b.x_by_ntk.items()):
        y = m.add_var(f"y[nation={n},task={tid},period={k}]", 0, 1)
        b.y[(n, tid, k)] = y
        by_cap: dict[str, list[int]] = {}
        for col in cols:
            by_cap.setdefault(b.cap_of[col], []).append(col)
        for cap, ccols in sorted(by_cap.items()):
            big = _most_units(b, tid, cap, ccols)
            m.add_row(f"contributes_link[nation={n},task={tid},capability={cap},period={k}]",
                      [(c, 1) for c in ccols] + [(y, -big)], hi=0)
        m.add_row(f"contributes_only_if[nation={n},task={tid},period={k}]",
                  [(y, 1)] + [(c, -1) for c in cols], hi=0)


def _most_units(b: Built, tid: str, cap: str, cols: list[int]) -> float:
    """The most units these columns (one nation, task, capability and period) can hold together:
    no more than their bounds, than each pledge's units (rule 1), or than the task asks for (rule 2)."""
    m = b.model
    by_pledge: dict[str, float] = {}
    for c in cols:
        by_pledge[b.x_pledge[c]] = by_pledge.get(b.x_pledge[c], 0.0) + m.ub[c]
    pledged = sum(min(total, b.problem.pledge[pid].units) for pid, total in by_pledge.items())
    asked = next(r.units for r in b.problem.task_requirements[tid] if r.capability == cap)
    return min(pledged, asked)


def add_staffed(b: Built) -> None:
    """(5b) y[n,t,k] ≤ z[t,k] ≤ Σ_n y[n,t,k] for tasks with a staffing rule (min_nations > 1 or a lead)."""
    pb = b.problem
    m = b.model
    for (tid, k), nations in sorted(b.nations_by_tk.items()):
        if not _needs_staffed(pb.task[tid]):
            continue
        z = m.add_var(f"z[task={tid},period={k}]", 0, 1)
        b.z[(tid, k)] = z
        for n in nations:
            m.add_row(f"staffed_if[nation={n},task={tid},period={k}]", [(b.y[(n, tid, k)], 1), (z, -1)], hi=0)
        m.add_row(f"staffed_only_if[task={tid},period={k}]", [(z, 1)] + [(b.y[(n, tid, k)], -1) for n in nations],
                  hi=0)


def add_min_nations(b: Built) -> None:
    """(5c) Σ_n y[n,t,k] ≥ m_t·z[t,k] when min_nations m_t > 1."""
    pb = b.problem
    for (tid, k), z in sorted(b.z.items()):
        mt = pb.task[tid].min_nations
        if mt <= 1:
            continue
        ys = [b.y[(n, tid, k)] for n in b.nations_by_tk[(tid, k)]]
        b.model.add_row(f"min_nations[task={tid},period={k}]", [(c, 1) for c in ys] + [(z, -mt)], lo=0)


def task_scale(b: Built, tid: str) -> tuple[int, int]:
    """(g, most) of a task: personnel is counted in steps of g, the gcd of the personnel per unit of
    the capabilities it requires, and it never has more than most such steps in a period (its
    requirement rows, rule 2). The share rules are exact fractions with denominators ≤ most."""
    if tid not in b.scale:
        pb = b.problem
        ppus = [(r.units, pb.capability[r.capability].personnel_per_unit) for r in pb.task_requirements[tid]]
        g = 0
        for _, e in ppus:
            g = gcd(g, e)
        g = g or 1
        b.scale[tid] = (g, sum(u * e for u, e in ppus) // g)
    return b.scale[tid]


def task_share(b: Built, tid: str, lead: bool) -> tuple[int, int]:
    """The task's max_nation_share (lead False) or the scenario's lead_min_share (lead True) as a/b."""
    table = b.lead_share if lead else b.max_share
    if tid not in table:
        pb = b.problem
        share = pb.scenario.lead_min_share if lead else pb.task[tid].max_nation_share
        table[tid] = share_ratio(share, task_scale(b, tid)[1], cap=not lead)
    return table[tid]


def set_lead_columns(b: Built, values: list[float], leads: dict[str, str]) -> None:
    """Set the lead and lead-share columns of a plan whose x, y and z are set: L[n,t] = 1 for the
    given lead of every staffed task, and v[n,t,k] = a·P[t,k] for the lead (rule 5f), 0 for the others."""
    staffed = {tid for (tid, _k), z in b.z.items() if values[z] > 0.5}
    for (n, tid), col in b.lead.items():
        values[col] = 1.0 if tid in staffed and leads.get(tid) == n else 0.0
    for (n, tid, k), col in b.v.items():
        if values[b.lead[(n, tid)]]:
            g = task_scale(b, tid)[0]
            a = task_share(b, tid, lead=True)[0]
            values[col] = a * sum(values[c] * (b.ppu[c] // g) for m in b.nations_by_tk[(tid, k)]
                                  for c in b.x_by_ntk[(m, tid, k)])
        else:
            values[col] = 0.0


def _share_terms(b: Built, own: list[int], all_cols: list[int], own_coef: int, all_coef: int,
                 g: int) -> dict[int, float]:
    """The terms of own_coef·P[n,t,k] − all_coef·P[t,k], personnel in steps of g (a nation against its task)."""
    terms: dict[int, float] = {}
    for c in all_cols:
        terms[c] = terms.get(c, 0) - all_coef * (b.ppu[c] // g)
    for c in own:
        terms[c] = terms.get(c, 0) + own_coef * (b.ppu[c] // g)
    return terms


def add_max_share(b: Built) -> None:
    """(5d) b·P[n,t,k] ≤ a·P[t,k] for max_nation_share s_t < 1, exact as a/b (``share_ratio``)."""
    pb = b.problem
    for t in pb.tasks:
        if t.max_nation_share >= 1:
            continue
        a, bb = task_share(b, t.id, lead=False)
        g = task_scale(b, t.id)[0]
        for k in b.task_periods(t):
            nations = [(n, b.x_by_ntk[(n, t.id, k)]) for n in b.nations_by_tk.get((t.id, k), ())]
            if not nations:
                continue
            all_cols = [c for _, cols in nations for c in cols]
            for n, cols in sorted(nations):
                if not any(b.ppu[c] for c in cols):
                    continue
                b.model.add_row(f"max_share[nation={n},task={t.id},period={k}]",
                                _share_terms(b, cols, all_cols, bb, a, g), hi=0)


def add_lead(b: Built) -> None:
    """(5e) one constant lead per staffed task, eligible, contributing in every staffed period.

    Σ_n L[n,t] ≤ 1;  z[t,k] ≤ Σ_n L[n,t];  L[n,t] + z[t,k] − y[n,t,k] ≤ 1.
    A task with no eligible nation can never be staffed (z fixed to 0).
    """
    pb = b.problem
    m = b.model
    for t in pb.tasks:
        if t.lead == "none":
            continue
        zs = {k: b.z[(t.id, k)] for k in b.task_periods(t) if (t.id, k) in b.z}
        if not zs:
            continue
        eligible = sorted({n for k in zs for n in b.nations_by_tk[(t.id, k)]
                           if t.lead == "any" or pb.nation[n].european})
        for n in eligible:
            b.lead[(n, t.id)] = m.add_var(f"lead[nation={n},task={t.id}]", 0, 1)
        if not eligible:
            for k, z in zs.items():
                m.ub[z] = 0.0
            continue
        m.add_row(f"lead_one[task={t.id}]", [(b.lead[(n, t.id)], 1) for n in eligible], hi=1)
        for k, z in sorted(zs.items()):
            m.add_row(f"lead_needed[task={t.id},period={k}]",
                      [(z, 1)] + [(b.lead[(n, t.id)], -1) for n in eligible], hi=0)
            for n in eligible:
                y = b.y.get((n, t.id, k))
                terms = [(b.lead[(n, t.id)], 1), (z, 1)] + ([(y, -1)] if y is not None else [])
                m.add_row(f"lead_contributes[nation={n},task={t.id},period={k}]", terms, hi=1)


def _led_task_periods(b: Built):
    """(task, model period, {nation: its x columns}) for every task with a lead that can be staffed in k."""
    for t in b.problem.tasks:
        if t.lead == "none":
            continue
        for k in b.task_periods(t):
            if (t.id, k) in b.z:
                yield t, k, {n: b.x_by_ntk[(n, t.id, k)] for n in b.nations_by_tk[(t.id, k)]}


def add_lead_share(b: Built) -> None:
    """(5f) the lead supplies ≥ lead_min_share of the task's personnel in each period, exact as a/b.

    Disaggregated: Σ_n v[n,t,k] = a·P[t,k];  v[n,t,k] ≤ b·P[n,t,k];
    v[n,t,k] ≤ min(b·P̄[n,t,k], a·P̄[t,k])·L[n,t], with P̄[n,t,k] the most personnel n can put
    on t in k and P̄[t,k] the most the task can have (the lead's v is a·P[t,k]); personnel in
    steps of the task's g (``task_scale``), a/b from ``share_ratio``.
    """
    pb = b.problem
    m = b.model
    if pb.scenario.lead_min_share <= 0:
        return
    for t, k, groups in _led_task_periods(b):
        g, most = task_scale(b, t.id)
        a, bb = task_share(b, t.id, lead=True)
        all_terms = [(c, b.ppu[c] // g) for cols in groups.values() for c in cols if b.ppu[c] > 0]
        if not all_terms:
            continue
        # the most personnel the task can have in k: what it asks for, and what can come
        task_max = min(most, sum(m.ub[c] * e for c, e in all_terms))
        vs = []
        for n, cols in sorted(groups.items()):
            if (n, t.id) not in b.lead:
                continue
            own = [(c, b.ppu[c] // g) for c in cols if b.ppu[c] > 0]
            if not own:
                continue
            # v = a·P[t,k] for the lead, so v ≤ a·P̄[t,k]·L as well as ≤ b·P̄[n,t,k]·L (McCormick)
            vmax = min(bb * sum(m.ub[c] * e for c, e in own), a * task_max)
            v = m.add_var(f"v[nation={n},task={t.id},period={k}]", 0, vmax, integer=False)
            b.v[(n, t.id, k)] = v
            vs.append(v)
            m.add_row(f"lead_share_own[nation={n},task={t.id},period={k}]",
                      [(v, 1)] + [(c, -bb * e) for c, e in own], hi=0)
            m.add_row(f"lead_share_if_lead[nation={n},task={t.id},period={k}]",
                      [(v, 1), (b.lead[(n, t.id)], -vmax)], hi=0)
        if m.add_row(f"lead_share[task={t.id},period={k}]",
                     [(v, 1) for v in vs] + [(c, -a * e) for c, e in all_terms], lo=0, hi=0):
            b.lead_share_rows.append(len(m.rows) - 1)


# --------------------------------------------------------------------------
# SPEC section 5: logistics
# --------------------------------------------------------------------------
def supply_scale(problem: Problem) -> int:
    """m: flows are counted in 1/m kg per day, so that every need and source is a whole number of them.

    With whole needs and capacities the transportation problem of a period has a whole optimal
    flow, so integer flow columns (CP-SAT) lose nothing. m is the least power of ten that makes
    supply_rate·m and 1000·m·(each throughput) whole, at most 10^6 (``integer_scale``).
    """
    rate = problem.scenario.supply_rate or 0.0
    values = [rate] + [1000 * c.throughput for c in problem.capabilities] + \
             [1000 * loc.host_throughput for loc in problem.locations]
    return integer_scale(values)


def personnel_at(b: Built) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """(location, model period) -> the (column, personnel per unit) of every x there with personnel."""
    out: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for (pid, tid, loc, k), col in b.x.items():
        if b.ppu[col] > 0:
            out.setdefault((loc, k), []).append((col, b.ppu[col]))
    return out


def add_sustainment(b: Built) -> None:
    """(6) SPEC 5.1: every location's need is delivered from sources within resupply range.

    A transportation problem per model period, flows f[s,l,k] ≥ 0 in 1/m kg per day:
      need[l,k]    Σ_{s within range of l} f[s,l,k] ≥ m·rate·Σ e_c·x[·,·,l,k]
      source[s,k]  Σ_l f[s,l,k] ≤ 1000·m·(h_s + Σ θ_c·x[depot units at s,k])
    (rate in t/day per 1,000 personnel is kg per person per day.) Locations without a country need
    nothing; a location is within range of itself.
    """
    pb = b.problem
    rate = pb.scenario.supply_rate
    if not pb.scenario.sustainment or not rate:
        return
    m = b.model
    scale = supply_scale(pb)
    personnel = personnel_at(b)
    depot_at: dict[tuple[str, int], list[tuple[int, float]]] = {}
    thr = {c.id: c.throughput for c in pb.capabilities}
    for (pid, tid, loc, k), col in b.x.items():
        if thr[b.cap_of[col]] > 0:
            depot_at.setdefault((loc, k), []).append((col, 1000 * scale * thr[b.cap_of[col]]))
            b.enabling.add(col)
    host = {loc.id: 1000 * scale * loc.host_throughput for loc in pb.locations}
    sources = pb.supply_sources
    for k in sorted(b.blocks):
        flows_from: dict[str, list[int]] = {}
        for loc in sorted({loc for (loc, kk) in personnel if kk == k}):
            if loc not in sources:
                continue  # no country: needs no supply
            terms = personnel[(loc, k)]
            need_ub = scale * rate * sum(m.ub[c] * e for c, e in terms)
            row: list[tuple[int, float]] = [(c, -scale * rate * e) for c, e in terms]
            for s in sources[loc]:
                cap = host[s] + sum(m.ub[c] * a for c, a in depot_at.get((s, k), ()))
                if cap <= 0:
                    continue
                f = m.add_var(f"flow[source={s},location={loc},period={k}]", 0, min(cap, need_ub), integer=False)
                b.flow[(s, loc, k)] = f
                flows_from.setdefault(s, []).append(f)
                row.append((f, 1))
            m.add_row(f"sustain_need[location={loc},period={k}]", row, lo=0)
        for s, fs in sorted(flows_from.items()):
            depots = depot_at.get((s, k), [])
            m.add_row(f"sustain_source[location={s},period={k}]",
                      [(f, 1) for f in fs] + [(c, -a) for c, a in depots], hi=host[s])


def add_lift(b: Built) -> None:
    """(7) SPEC 5.2: arrivals into the area in each period are at most the lift available then.

      arrive[l,k] ≥ P[l,k] − P[l,k−1]  (P[l,0] = 0),  P[l,k] = Σ e_c·x[·,·,l,k], l in the area
      lift[k]      Σ_l arrive[l,k] ≤ lift_capacity + Σ λ_c·x[lift units, k]
    Periods are not aggregated when this rule is on (``period_blocks``): it links each period
    to the one before.
    """
    pb = b.problem
    if not pb.scenario.lift:
        return
    m = b.model
    personnel = personnel_at(b)
    in_area = {loc.id for loc in pb.locations if loc.needs_lift}
    lpp = {c.id: c.lift_per_period for c in pb.capabilities}
    lifters: dict[int, list[tuple[int, float]]] = {}
    for (pid, tid, loc, k), col in b.x.items():
        if lpp[b.cap_of[col]] > 0:
            lifters.setdefault(k, []).append((col, lpp[b.cap_of[col]]))
            b.enabling.add(col)
    periods = sorted(b.blocks)
    for k in periods:
        arrivals = []
        for loc in sorted(in_area):
            now = personnel.get((loc, k), [])
            if not now:
                continue  # nobody can be here in k: no arrivals
            before = personnel.get((loc, k - 1), [])
            a = m.add_var(f"arrive[location={loc},period={k}]", 0, sum(m.ub[c] * e for c, e in now), integer=False)
            b.arrive[(loc, k)] = a
            m.add_row(f"arrivals[location={loc},period={k}]",
                      [(a, 1)] + [(c, -e) for c, e in now] + [(c, e) for c, e in before], lo=0)
            arrivals.append(a)
        if not arrivals:
            continue
        most = sum(m.ub[a] for a in arrivals)
        if most <= pb.scenario.lift_capacity:
            continue  # cannot bind
        m.add_row(f"lift[period={k}]", [(a, 1) for a in arrivals] + [(c, -v) for c, v in lifters.get(k, ())],
                  hi=pb.scenario.lift_capacity)
def add_rotation(b: Built) -> None:
    """(R) SPEC 5.3: Σ_{t,l} Σ_{k∈R} x[p,t,l,k] ≤ u_p·tour_p for every run R of tour_p + dwell_p
    consecutive periods of a pledge with a tour, cut at the horizon.

    Only the runs in which the limit can bind (``Problem.rotation_windows``: more than tour_p of
    the pledge's available periods; a run inside another is implied by it). Those periods are
    model periods of their own (``period_blocks``), so each x is one period's allocation.
    """
    pb = b.problem
    m = b.model
    for p in pb.pledges:
        runs = pb.rotation_windows(p)
        if not runs:
            continue
        limit = p.units * p.tour
        for run in runs:
            cols = [c for k in run for c in b.x_by_pledge_period.get((p.id, k), ())]
            if sum(m.ub[c] for c in cols) > limit:
                m.add_row(f"rotation[pledge={p.id},from_period={run[0]},to_period={run[-1]}]",
                          [(c, 1) for c in cols], hi=limit)


def montreux_units(problem: Problem, tonnage: float) -> int | None:
    """The most units of ``tonnage`` tonnes one nation may have at Black Sea locations in a period
    under straits montreux: the largest u with 3·tonnage·u ≤ 2·aggregate (exact); None if unlimited."""
    if tonnage <= 0:
        return None
    return int(2 * decimal(problem.scenario.montreux_aggregate_t) // (3 * decimal(tonnage)))


def add_montreux(b: Built) -> None:
    """(M) SPEC 5.4, straits montreux: per period k, for the sea units of nations that are not
    Black Sea states at black_sea locations (S_k; S_nk those of nation n), tonnage τ_c per unit,
    aggregate limit A:

        Σ_{x∈S_k} τ_c·x ≤ A,    3·Σ_{x∈S_nk} τ_c·x ≤ 2·A   (one nation at most two thirds, exactly).

    Straits closed is enforced by not creating those columns (``add_allocation_vars``).
    """
    pb = b.problem
    if pb.scenario.straits != "montreux":
        return
    m = b.model
    tons = {c.id: c.tonnage for c in pb.capabilities}
    agg = pb.scenario.montreux_aggregate_t
    by_k: dict[int, list[tuple[int, float]]] = {}
    by_nk: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for (pid, _tid, loc, k), col in b.x.items():
        p = pb.pledge[pid]
        tau = tons[p.capability]
        if tau > 0 and pb.straits_limited(p, loc):
            by_k.setdefault(k, []).append((col, tau))
            by_nk.setdefault((p.nation, k), []).append((col, tau))
    for k, terms in sorted(by_k.items()):
        if sum(m.ub[c] * t for c, t in terms) > agg:
            m.add_row(f"montreux_aggregate[period={k}]", terms, hi=agg)
    for (n, k), terms in sorted(by_nk.items()):
        if 3 * sum(m.ub[c] * t for c, t in terms) > 2 * agg:
            m.add_row(f"montreux_nation[nation={n},period={k}]", [(c, 3 * t) for c, t in terms], hi=2 * agg)


RULE_FAMILIES = (
    add_supply,
    add_demand,
    add_caveats,
    add_capacity,
    add_contributions,
    add_staffed,
    add_min_nations,
    add_max_share,
    add_lead,
    add_lead_share,
    add_sustainment,
    add_lift,
    add_rotation,
    add_montreux,
)


# --------------------------------------------------------------------------
# the straightforward formulation, kept as the reference point for benchmarks
# and differential tests (``build(problem, formulation="naive")``)
# --------------------------------------------------------------------------
def _pledged(b: Built, cols: list[int]) -> tuple[int, int]:
    """(units, personnel) pledged by the pledges behind these x columns, not capped by any requirement."""
    pids = {b.x_pledge[c] for c in cols}
    pledges = [b.problem.pledge[p] for p in pids]
    return (sum(p.units for p in pledges), sum(p.units * b.problem.personnel_per_unit(p) for p in pledges))


def add_contributions_naive(b: Built) -> None:
    """(5a, naive) Σ_{x∈X_ntk} x ≤ U·y with U the units the nation pledged; y ≤ Σ x."""
    m = b.model
    for (n, tid, k), cols in sorted(b.x_by_ntk.items()):
        y = m.add_var(f"y[nation={n},task={tid},period={k}]", 0, 1)
        b.y[(n, tid, k)] = y
        big, _ = _pledged(b, cols)
        m.add_row(f"contributes_link[nation={n},task={tid},period={k}]", [(c, 1) for c in cols] + [(y, -big)],
                  hi=0)
        m.add_row(f"contributes_only_if[nation={n},task={tid},period={k}]", [(y, 1)] + [(c, -1) for c in cols],
                  hi=0)


def add_lead_share_naive(b: Built) -> None:
    """(5f, naive) b·P[n,t,k] ≥ a·P[t,k] − b·M·(1 − L[n,t]), M = (a/b) × pledged personnel (one big-M
    row per nation; personnel in steps of the task's g, a/b as in the default formulation)."""
    m = b.model
    if b.problem.scenario.lead_min_share <= 0:
        return
    for t, k, groups in _led_task_periods(b):
        g = task_scale(b, t.id)[0]
        a, bb = task_share(b, t.id, lead=True)
        all_cols = [c for cols in groups.values() for c in cols]
        _, pledged = _pledged(b, all_cols)
        big_b = a * (pledged // g)  # b·M
        for n, cols in sorted(groups.items()):
            if (n, t.id) not in b.lead:
                continue
            terms = _share_terms(b, cols, all_cols, bb, a, g)
            terms[b.lead[(n, t.id)]] = -big_b
            m.add_row(f"lead_share[nation={n},task={t.id},period={k}]", terms, lo=-big_b)


FORMULATIONS = {
    "default": RULE_FAMILIES,
    "naive": tuple({add_contributions: add_contributions_naive, add_lead_share: add_lead_share_naive}.get(f, f)
                   for f in RULE_FAMILIES),
}


# --------------------------------------------------------------------------
# objective levels
# --------------------------------------------------------------------------
def objectives(b: Built) -> list[Objective]:
    """The seven lexicographic levels of SPEC section 2, each to be minimized.

    shortfall_pk = Σ_{t: prio k} Σ_c Σ_{k∈A_t} w_tc·(r_tc − Σ x) = const − Σ w_tc·x
    (rule 2 keeps Σ x ≤ r_tc, so the shortfall is exactly r − Σ x);
    cost = Σ cost_p·x;  contributions = Σ y.
    """
    pb = b.problem
    out = []
    for prio in PRIORITIES:
        const = 0.0
        terms: dict[int, float] = {}
        for t in pb.tasks:
            if t.priority != prio:
                continue
            periods = pb.active_periods(t)
            for r in pb.task_requirements[t.id]:
                const += r.weight * r.units * len(periods)
                for k in b.task_periods(t):
                    for c in b.x_by_task_cap_period.get((t.id, r.capability, k), ()):
                        terms[c] = terms.get(c, 0) - r.weight * b.weight(k)
        out.append(Objective(f"shortfall_p{prio}", list(terms), list(terms.values()), const))
    cost_terms = []
    for (pid, tid, loc, k), col in b.x.items():
        cpu = pb.pledge[pid].cost_per_unit
        if cpu:
            cost_terms.append((col, cpu * b.weight(k)))
    out.append(Objective("cost", [c for c, _ in cost_terms], [v for _, v in cost_terms]))
    ys = sorted(b.y.items(), key=lambda kv: kv[1])
    out.append(Objective("contributions", [c for _, c in ys], [float(b.weight(k)) for (_n, _t, k), _c in ys]))
    return out


def stability_objective(b: Built, reference) -> Objective:
    """The optional last level of a what-if: fewest units moved against a reference plan.

    changes = Σ_{n,t,l,p} |X[n,t,l,p] − base[n,t,l,p]|, X the units of nation n on task t
    at location l in period p, base the reference plan's; linearised with d ≥ ±(X − base).
    """
    pb = b.problem
    m = b.model
    base: dict[tuple[str, str, str, int], int] = {}
    for a in reference.allocations:
        nation = pb.pledge[a.pledge].nation if a.pledge in pb.pledge else _reference_nation(reference, a)
        key = (nation, a.task, a.location, a.period)
        base[key] = base.get(key, 0) + a.units
    groups: dict[tuple[str, str, str, int], list[int]] = {}
    for (pid, tid, loc, k), col in b.x.items():
        groups.setdefault((pb.pledge[pid].nation, tid, loc, k), []).append(col)
    cols, coefs = [], []
    constant = 0.0
    covered = set()
    for (n, tid, loc, k), xs in sorted(groups.items()):
        # the periods of a block agree in the reference (``period_blocks``), so one d stands for them all,
        # weighted by their number, wherever their targets are the same
        by_target: dict[int, list[int]] = {}
        for period in b.blocks[k]:
            covered.add((n, tid, loc, period))
            by_target.setdefault(base.get((n, tid, loc, period), 0), []).append(period)
        for target, periods in sorted(by_target.items()):
            period = periods[0]
            top = max(sum(m.ub[c] for c in xs), target)
            d = m.add_var(f"moved[nation={n},task={tid},location={loc},period={period}]", 0, top, integer=False)
            m.add_row(f"moved_up[nation={n},task={tid},location={loc},period={period}]",
                      [(d, 1)] + [(c, -1) for c in xs], lo=-target)
            m.add_row(f"moved_down[nation={n},task={tid},location={loc},period={period}]",
                      [(d, 1)] + [(c, 1) for c in xs], lo=target)
            cols.append(d)
            coefs.append(float(len(periods)))
    for key, units in base.items():
        if key not in covered:  # the variant cannot place these units at all: they move for sure
            constant += units
    return Objective("changes", cols, coefs, constant)


def _reference_nation(reference, allocation) -> str:
    return getattr(allocation, "nation", "") or ""


def build(problem: Problem, aggregate_periods: bool | None = None, formulation: str = "default",
          reference=None) -> Built:
    """Build the model: variables, then one ``add_<family>`` per hard rule, then the levels.

    ``formulation`` is ``default`` or ``naive`` (the straightforward big-M model, one
    block of variables per period: the reference the benchmarks compare against).
    With ``aggregate_periods`` (default: on for ``default``) identical periods share one
    model period.
    """
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {formulation!r}; available: {', '.join(FORMULATIONS)}")
    if aggregate_periods is None:
        aggregate_periods = formulation != "naive"
    b = Built(problem, LinearModel(), blocks=period_blocks(problem, aggregate_periods, reference))
    add_allocation_vars(b)
    for family in FORMULATIONS[formulation]:
        family(b)
    b.objectives = objectives(b)
    if reference is not None:
        b.objectives.append(stability_objective(b, reference))
    return b
