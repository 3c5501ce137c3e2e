"""Period by period first: each block of identical periods solved alone, a relaxation of the whole.

Every level of SPEC section 2 is a sum over periods, and most rules hold period by period. What
links the periods is the lead (the same nation in every staffed period, rule 5) and, of SPEC
section 5, lift (each period's arrivals against the one before) and rotation (runs of tour + dwell
periods). Dropping those links leaves one independent problem per period, and periods whose data
are the same (``build.period_blocks`` of the problem without lift and rotation) give the same one.

Solving that handful of small problems (``period_problem``) one after another costs their sum;
solving the whole model costs, in the worst case, their product: its branch and bound must close
each period's gap (say a knapsack of host-nation support at Kyiv) inside the others'. So:

1. each block's problem is solved alone, lexicographically; its proven level values are lower
   bounds ``LB[i][k]`` on level i's part in each period k of the whole problem, valid while the
   whole problem reaches ``Σ_k LB[j][k]`` on every level j before i. (Induction: each period's part
   of level j is at least ``LB[j][k]``; the held sum equals the sum of the bounds, so each part
   equals its bound; so period k's plan is a plan of its block's problem that reaches its levels
   before i, and level i's part is at least ``LB[i][k]``.) The first period keeps its lift rule:
   nothing is deployed before it, so the rule holds there alone (``blocks_of``).
2. the whole solve then knows each level's bound before it starts: a plan reaching it needs no
   proof. (Each period's bound as a row of the whole model was tried and measured slower where the
   links bind: family 2's small-sparse priority 5, 1.4 s without, 5.9 s with; on baseline-wave2's
   cost level HiGHS then stays at its root, cutting, for minutes.)
3. the plans of the blocks of ``scheduled(problem)`` (each rotating pledge on a fixed schedule that
   keeps its limit), each task under one lead, repaired to keep every rule, start the whole: where
   no link costs a level they reach its bound, and that level needs no solve.

None of this changes an optimum, only the way there. It is on by default
(``PlanOptions(periods=True)``) where lift or rotation splits blocks so that the whole model has at
least twice as many model periods as there are blocks (``worth_it``), and nowhere else: elsewhere the
blocks' seconds were measured not to be won back. Under a time limit the blocks solve the shortfall
levels only, and may use half of it (``tuning.PERIODS_SHARE``). Measured on baseline-wave2 (``models/FORMULATION.md``, "Period by
period first"): its five shortfall levels proven in about 35 s (70 s with every level, without a
limit), where the whole model alone took 216 s for priority 2 and 231 s for priority 3.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ..domain import Allocation, Plan, Problem
from .build import Built, build, period_blocks
from .tuning import FEASIBILITY, MIN_REPEAT


def relaxed(problem: Problem) -> Problem:
    """The problem without the rules that link periods: lift (SPEC 5.2) and rotation (5.3) off."""
    scenario = replace(problem.scenario, lift_capacity=None)
    pledges = tuple(replace(p, tour=None, dwell=0) if p.tour is not None else p for p in problem.pledges)
    return replace(problem, scenario=scenario, pledges=pledges)


def blocks_of(problem: Problem) -> dict[int, tuple[int, ...]]:
    """The blocks of identical periods of ``relaxed(problem)``, the first period a block of its own where
    lift is on: nothing is deployed before it, so its lift rule (every arrival is a person there) holds
    in that period alone and ``period_problem`` keeps it."""
    blocks = period_blocks(relaxed(problem))
    first = min(problem.scenario.periods, default=None)
    if not problem.scenario.lift or first is None:
        return blocks
    out: dict[int, tuple[int, ...]] = {}
    for k, ks in blocks.items():
        if first in ks and len(ks) > 1:
            rest = tuple(p for p in ks if p != first)
            out[first], out[rest[0]] = (first,), rest
        else:
            out[k] = ks
    return dict(sorted(out.items()))


def period_problem(problem: Problem, k: int) -> Problem:
    """Period k of ``relaxed(problem)`` alone: the tasks active and the pledges available in k, in k only,
    and in the first period the lift rule (``blocks_of``).

    Every plan of the whole problem, cut to period k, is a plan of it with period k's part of every level.
    """
    base = relaxed(problem)
    if problem.scenario.lift and k == min(problem.scenario.periods):
        base = replace(base, scenario=problem.scenario)
    tasks = []
    for t in base.tasks:
        if k in base.active_periods(t):
            tasks.append(replace(t, start_period=k, end_period=k))
        else:
            tasks.append(replace(t, active=False))
    pledges = []
    for p in base.pledges:
        if k in base.pledge_periods(p):
            pledges.append(replace(p, from_period=k, to_period=k))
        else:
            pledges.append(replace(p, from_period=0, to_period=0))
    return replace(base, tasks=tuple(tasks), pledges=tuple(pledges))


def scheduled(problem: Problem) -> Problem:
    """The problem with each pledge whose rotation limit can bind (SPEC 5.3) put on a fixed schedule
    that keeps the limit, and its tour dropped: a restriction, so its plans are plans of the problem.

    A pledge of u units, tour T and dwell D either keeps ⌊u·T/(T+D)⌋ units in each of its periods (every
    run of T + D periods then holds at most u·T unit-periods) or all u units for the first T of its
    periods and none after (a run holds at most T of them): whichever gives more unit-periods, the
    steady one among equals. Blocks of periods solved alone (``period_problem``) know nothing of
    rotation; solved on this problem instead, their plans put together keep it.
    """
    pledges = []
    for p in problem.pledges:
        if not problem.rotation_windows(p):
            pledges.append(p)
            continue
        avail = problem.pledge_periods(p)
        steady = p.units * p.tour // (p.tour + p.dwell)
        burst = min(p.tour, len(avail))
        if steady * len(avail) >= p.units * burst:
            pledges.append(replace(p, units=steady, tour=None, dwell=0))
        else:
            pledges.append(replace(p, from_period=avail.start, to_period=avail.start + burst - 1,
                                   tour=None, dwell=0))
    return replace(problem, pledges=tuple(pledges))


@dataclass
class PeriodBounds:
    """What the blocks solved alone give the whole problem.

    ``per_period[i][p]``: the bound on level i's part in real period p, without that part's constant,
    in the units of one period (the whole model's coefficients are those times the block's weight);
    levels are given from the first up to the first that some block did not prove. ``plan``: the plans
    of the blocks of ``scheduled(problem)`` put together, each task under its one lead where they agree.
    """

    names: list[str]
    per_period: list[dict[int, float]]
    plan: Plan

    def floor(self, i: int, built: Built) -> float | None:
        """Level i's (1-based) lower bound in ``built``, without its constant: each model period's
        block bound times the periods it stands for; None past the proven levels."""
        if i > len(self.per_period) or built.objectives[i - 1].name != self.names[i - 1]:
            return None
        period_of = column_periods(built)
        periods = {period_of[c] for c in built.objectives[i - 1].cols}
        return sum(built.weight(k) * self.per_period[i - 1][k] for k in periods)


def column_periods(built: Built) -> dict[int, int]:
    """The model period of every allocation (x) and contribution (y) column: the levels' columns."""
    out = {col: k for (_p, _t, _l, k), col in built.x.items()}
    out.update({col: k for (_n, _t, k), col in built.y.items()})
    return out


def worth_it(problem: Problem, built: Built) -> bool:
    """Whether solving period by period first is expected to pay: when lift or rotation keeps periods
    apart that would otherwise share a model period, so that the whole model repeats each block's
    hard part once per period, at least ``MIN_REPEAT`` times over on average (baseline-wave2: 12 model
    periods for 4 blocks).

    Where the whole model already has one model period per block, the device was measured to pay
    little or nothing: the core baseline 8.7 s against 10.0 s, family 2's small-sparse 19.5 s
    against 10.7 s (the lead, the same in every period, binds at priority 5, and the blocks' work
    is lost), f2-many-small-tasks 120 s unproven against 90 s, S 120 s unproven either way. Where
    the links split one block of two periods only, it costs more than it saves: family 2's
    small-sparse with every rule (6 model periods, 5 blocks), median of three solver seeds 92.0 s
    with it against 86.2 s without (the naive formulation: 86.5 s)."""
    model_periods = {k for (_p, _t, _l, k) in built.x}
    blocks = [block for block in blocks_of(problem).values() if any(k in block for k in model_periods)]
    split = any(len([k for k in model_periods if k in block]) > 1 for block in blocks)
    return split and len(model_periods) >= MIN_REPEAT * len(blocks)


def solve_by_periods(problem: Problem, solve, time_limit: float | None) -> PeriodBounds | None:
    """Solve each block of ``blocks_of(problem)`` alone with ``solve(problem, built, time_limit, lower, start)``
    (a lexicographic solve returning a Plan; ``lower`` a plan whose proven levels bound the problem's,
    ``start`` a plan to start from, optional); None when some block has no proven first level.

    Without a time limit each block is solved at every level. Under one (``time_limit``, for all the
    blocks) each is first solved at its shortfall levels only, which bound the whole; then, with the
    time left, each block's plan under the leads chosen is taken on to cost and contributions from
    itself (its shortfall levels settle at once), for a better start of the whole's later levels.

    The bounds come from the blocks of the relaxation. The plan put together comes from the blocks of
    ``scheduled(problem)``, whose rotating pledges keep a schedule: a block whose periods have the same
    data in both reuses the relaxation's plan; any other is solved with the relaxation's plan of its
    first period as ``lower``, so that each level stops as soon as it reaches the relaxation's value.

    The blocks choose their leads each on its own, and among equally good plans they often differ
    (the baseline: 13 of 17 tasks). So each task then takes the lead of the most periods among the
    nations that may lead it in every block that staffs it, and a block
    with another one is solved again with those leads fixed, its own plan as ``lower``: where the fixed
    leads reach the block's levels (each level stops as soon as it reaches them) that plan replaces the
    block's, and the blocks' plans fit together.
    """
    t0 = time.perf_counter()
    blocks = blocks_of(problem)
    todo = [k for k in sorted(blocks) if _has_work(problem, k)]
    plan_problem = scheduled(problem)
    plan_blocks = blocks_of(plan_problem) if plan_problem != problem else blocks
    block_of = {p: k for k, ks in blocks.items() for p in ks}
    plan_subs = {k: period_problem(plan_problem, k) for k in sorted(plan_blocks) if _has_work(plan_problem, k)}
    changed = {k: sub for k, sub in plan_subs.items() if sub != period_problem(problem, k)}

    def left() -> float | None:  # each block may use all that is left: what it does not use passes on
        return None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))

    levels = _every_level if time_limit is None else _shortfall_levels
    bounded: dict[int, tuple[Built, Plan]] = {}
    for k in todo:
        sub = period_problem(problem, k)
        built = levels(build(sub))
        bounded[k] = (built, solve(sub, built, left(), None))
    if not bounded:
        return None
    proven = min(len(plan.info.proven) for _b, plan in bounded.values())
    if not proven:
        return None
    names = [lv.name for lv in bounded[todo[0]][1].info.levels][:proven]
    per_period: list[dict[int, float]] = [{} for _ in names]
    for k, (built, plan) in bounded.items():
        for i, (lv, obj) in enumerate(zip(plan.info.levels[:proven], built.objectives)):
            for p in blocks[k]:
                per_period[i][p] = lv.value - obj.constant
    solved: dict[int, tuple[Built, Plan]] = {}
    for k in sorted(plan_blocks):
        if k in changed:
            sub = changed[k]
            built = levels(build(sub))
            lower = bounded.get(block_of[k], (None, None))[1]
            solved[k] = (built, solve(sub, built, left(), lower))
        elif block_of[k] in bounded:
            solved[k] = bounded[block_of[k]]
    chosen = _one_lead(solved, plan_blocks, solve, left, levels)
    if time_limit is not None:  # the blocks' other levels, with the time left, each from its plan: a better start
        for k, (built, plan) in list(solved.items()):
            if left() <= 0:
                break
            fixed = _with_leads(build(built.problem), chosen)
            more = solve(built.problem, fixed, left(), plan, plan)
            if _same_shortfall(more, plan):
                solved[k] = (fixed, more)
    allocations: list[Allocation] = []
    for k, (_built, plan) in solved.items():
        for a in plan.allocations:
            allocations.extend(replace(a, period=p) for p in plan_blocks[k])
    joined = Plan(tuple(sorted(allocations, key=lambda a: (a.period, a.task, a.location, a.pledge))), chosen, None)
    return PeriodBounds(names, per_period, joined)


def _same_shortfall(a: Plan, b: Plan) -> bool:
    """Whether plan a has plan b's value on every shortfall level."""
    return all(abs(x.value - y.value) <= FEASIBILITY * max(1.0, abs(y.value))
               for x, y in zip(a.info.levels, b.info.levels) if x.name.startswith("shortfall"))


def _one_lead(solved: dict[int, tuple[Built, Plan]], blocks: dict[int, tuple[int, ...]], solve, left,
              levels) -> dict[str, str]:
    """Each task's one lead, and the blocks' plans in ``solved`` made to keep it where they can at the
    same shortfall levels (see ``solve_by_periods``)."""
    votes: dict[str, dict[str, int]] = {}
    eligible: dict[str, set[str]] = {}  # the nations that may lead the task in every block that staffs it
    for k, (built, plan) in solved.items():
        for tid, n in plan.leads.items():
            votes.setdefault(tid, {})
            votes[tid][n] = votes[tid].get(n, 0) + len(blocks[k])
            here = {m for (m, t) in built.lead if t == tid}
            eligible[tid] = here if tid not in eligible else eligible[tid] & here
    chosen = {tid: max(sorted(eligible[tid] or counts), key=lambda n: counts.get(n, 0))
              for tid, counts in votes.items()}
    others = [k for k, (_b, plan) in solved.items() if any(chosen[t] != n for t, n in plan.leads.items())]
    for k in others:
        built, plan = solved[k]
        fixed = _with_leads(levels(build(built.problem)), chosen)
        led = solve(built.problem, fixed, left(), plan)
        if _same_shortfall(led, plan):
            solved[k] = (built, led)
    return chosen


def _every_level(built: Built) -> Built:
    return built


def _shortfall_levels(built: Built) -> Built:
    """``built`` with the shortfall levels only: under a time limit the blocks' cost and contributions
    levels cost as much again as the rest (baseline-wave2: 68 s against 30 s for every block), and bound
    the whole only where no link costs anything up to them."""
    built.objectives = [o for o in built.objectives if o.name.startswith("shortfall")]
    return built


def _with_leads(fixed: Built, leads: dict[str, str]) -> Built:
    """``fixed`` (a fresh build of a block), each task in ``leads`` with only that nation as a possible lead."""
    for (n, tid), col in fixed.lead.items():
        if tid in leads and leads[tid] != n:
            fixed.model.ub[col] = 0.0
    return fixed


def _has_work(problem: Problem, k: int) -> bool:
    """Whether some pledge can serve some task in period k (else the period's levels are their constants)."""
    caps = {p.capability for p in problem.pledges if k in problem.pledge_periods(p)}
    return any(r.capability in caps for t in problem.tasks if k in problem.active_periods(t)
               for r in problem.task_requirements[t.id])

