"""Split a model into the independent parts its lead variables tie together.

Once every task's lead is chosen the model falls apart: the periods share no
pledge units (except a pledge's rotation runs, SPEC 5.3, whose rows join its
periods into one part), and tasks in one period that share no pledge, location,
caveat or Montreux row share no row either. Only the lead ``L[n,t]`` — one
constant nation for all periods — ties the parts together. ``split`` finds the parts (connected
components of the rows once the lead columns are taken out) and gives each its
own submodel in which the lead columns are *copied*: each part may choose its
own lead. That is a relaxation of the model, with these uses in ``solve.py``
(``PlanOptions(by_parts=True)``; off by default):

- its optimum, the sum of the parts' optima, bounds a level from below;
- the parts are small and independent, so they solve far faster than the whole
  (a B&B tree over independent parts multiplies their sizes; solving them one
  by one adds them);
- when the parts agree on a lead for each task — or can be made to — their
  plans put together keep every rule and reach the bound: the level is solved;
- when a task's lead costs something whichever nation leads, forcing each
  candidate in turn bounds that cost, which can prove the plan optimal.

After a level is settled with value V, each part's share f_k of it satisfies
f_k ≥ m_k (its relaxed minimum) in every plan, so f_k ≤ m_k + (V − Σ m) is implied
by the hold row: the parts keep their own hold rows and stay independent for
the next level. After a level that was not proven optimal, the parts hold the
last plan's shares and leads instead (a restriction: plans, no more bounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .build import set_lead_columns, task_share
from .linear import LinearModel, Objective, Row, violations
from .tuning import FEASIBILITY, LEAD_TRIES, SAME_VALUE


@dataclass
class Part:
    """One independent part: its columns in the whole model, and its own submodel."""

    cols: list[int]  # columns of the whole model, in the submodel's order
    model: LinearModel
    index: dict[int, int] = field(default_factory=dict)  # whole-model column -> submodel column

    def restrict(self, obj: Objective) -> Objective:
        """The part of an objective that falls in this part (constant left out)."""
        cols, coefs = [], []
        for c, v in zip(obj.cols, obj.coefs):
            j = self.index.get(c)
            if j is not None:
                cols.append(j)
                coefs.append(v)
        return Objective(obj.name, cols, coefs)

    def row(self, row: Row) -> Row:
        return Row(row.name, [self.index[c] for c in row.cols], list(row.coefs), row.lo, row.hi)


def components(model: LinearModel, linking: set[int]) -> list[list[int]]:
    """Connected components of the non-linking columns, two columns joined when a row has both."""
    parent = list(range(model.num_vars))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in model.rows:
        inner = [c for c in row.cols if c not in linking]
        if len(inner) > 1:
            root = find(inner[0])
            for c in inner[1:]:
                other = find(c)
                if other != root:
                    parent[other] = root
    groups: dict[int, list[int]] = {}
    for c in range(model.num_vars):
        if c not in linking:
            groups.setdefault(find(c), []).append(c)
    return sorted(groups.values(), key=lambda cols: cols[0])


def split(model: LinearModel, linking: set[int]) -> list[Part]:
    """The independent parts of ``model`` with the ``linking`` columns copied into each part that uses them.

    Rows made only of linking columns (Σ_n L[n,t] ≤ 1) go to every part that uses one of their columns.
    """
    comps = components(model, linking)
    part_of: dict[int, int] = {}
    for i, cols in enumerate(comps):
        for c in cols:
            part_of[c] = i
    rows_of: list[list[Row]] = [[] for _ in comps]
    links_of: list[set[int]] = [set() for _ in comps]
    linking_rows: list[Row] = []
    for row in model.rows:
        owner = next((part_of[c] for c in row.cols if c not in linking), None)
        if owner is None:
            linking_rows.append(row)
            continue
        rows_of[owner].append(row)
        links_of[owner].update(c for c in row.cols if c in linking)
    for row in linking_rows:
        used = set(row.cols)
        for i in range(len(comps)):
            if links_of[i] & used:
                rows_of[i].append(row)
                links_of[i].update(used)
    parts = []
    for i, cols in enumerate(comps):
        order = cols + sorted(links_of[i])
        sub = LinearModel()
        index = {}
        for c in order:
            index[c] = sub.add_var(model.names[c], model.lb[c], model.ub[c], model.integer[c])
        part = Part(order, sub, index)
        for row in rows_of[i]:
            sub.rows.append(part.row(row))
        parts.append(part)
    return parts


class PartSolver:
    """Solve a level part by part (see the module's docstring); exact, or says it could not.

    ``solve_level`` returns the level's relaxed bound (Σ of the parts' optima) and, when the
    parts can agree on one lead per task, a plan that keeps every rule, put together from
    the parts' plans and checked row by row against the whole model and its hold rows.
    """

    def __init__(self, built, backend, parts: list[Part]):
        self.built = built
        self.parts = parts
        self.sessions = [backend.open(p.model) for p in parts]
        self.lead_cols = {col: key for key, col in built.lead.items()}  # column -> (nation, task)
        self.minima: list[float] = []
        self.plan_values: dict[int, float] = {}  # each part's plan value at the current level
        self.settled_lead = None  # (task, lead, {part: minimum}, plan value) when a dispute proved the level
        self.exact = True  # the parts' holds are implied by the whole's: their minima bound the level (see hold)
        self.rows_in = [len(p.model.rows) for p in parts]  # rows in each part's session
        self.held: list[list[tuple[int, Objective]]] = [[] for _ in parts]  # (session row, the part's share)
        self.eligible: dict[str, list[str]] = {}
        for (n, tid) in sorted(built.lead):
            self.eligible.setdefault(tid, []).append(n)
        self.has_lead_share = built.problem.scenario.lead_min_share > 0
        self.z_of: dict[str, list[tuple[int, int]]] = {}
        for (tid, k), z in built.z.items():
            self.z_of.setdefault(tid, []).append((k, z))

    @classmethod
    def create(cls, built, backend) -> "PartSolver | None":
        """A part solver for a model with at least two parts once the leads are copied; else None."""
        linking = set(built.lead.values())
        parts = split(built.model, linking)
        if len(parts) < 2:
            return None
        return cls(built, backend, parts)

    def _staffed(self, part: Part, values: list[float]) -> dict[str, list[int]]:
        """Tasks with a lead staffed in this part's plan, with their periods."""
        out: dict[str, list[int]] = {}
        for tid, zs in self.z_of.items():
            if tid not in self.eligible:
                continue
            for k, z in zs:
                j = part.index.get(z)
                if j is not None and values[j] > 0.5:
                    out.setdefault(tid, []).append(k)
        return out

    def _personnel(self, values: list[float], part: Part | None, tid: str, k: int, nation: str | None = None) -> float:
        """Personnel of ``nation`` (all nations: None) on task tid in period k in a plan (a part's or the whole's)."""
        b = self.built
        nations = [nation] if nation is not None else b.nations_by_tk.get((tid, k), ())
        total = 0.0
        for n in nations:
            for c in b.x_by_ntk.get((n, tid, k), ()):
                j = c if part is None else part.index[c]
                total += values[j] * b.ppu[c]
        return total

    def _qualifies(self, part: Part, values: list[float], n: str, tid: str, periods: list[int]) -> bool:
        """Could n lead tid in this part's plan as it is: contributing, with the lead's share, in every staffed period?"""
        a, bb = task_share(self.built, tid, lead=True) if self.has_lead_share else (0, 1)
        for k in periods:
            y = self.built.y.get((n, tid, k))
            if y is None or values[part.index[y]] < 0.5:
                return False
            if bb * self._personnel(values, part, tid, k, n) < a * self._personnel(values, part, tid, k) - FEASIBILITY:
                return False
        return True

    def solve_level(self, obj: Objective, opts, current: list[float], rows: list[Row], holds: list[Row],
                    step: float, deadline):
        """(bound, plan or None); (None, None) when a part has no bound or no plan; the bound is
        -inf (none known) once the parts hold the last plan's shares (see ``hold``).

        ``rows`` are the whole model's rows and holds, for the guard, ``holds`` the hold rows
        alone; ``deadline(stage)`` a callable giving the seconds left (None: no limit) for
        solving the parts (stage 1) and for re-solving parts under one lead (stage 2).
        """
        subs = [p.restrict(obj) for p in self.parts]
        self.minima = [0.0] * len(self.parts)
        final: dict[int, list[float]] = {}  # each part's plan
        live = [i for i, s in enumerate(subs) if s.cols]
        for n_done, i in enumerate(live):
            left = deadline(1)
            limit = None if left is None else max(0.01, left / (len(live) - n_done))
            part, sub = self.parts[i], subs[i]
            start = [current[c] for c in part.cols]
            res = self.sessions[i].solve(sub, replace(opts, time_limit=limit, progress=None), start=start)
            if res.bound is None or not res.has_solution:
                return None, None
            self.minima[i] = res.bound if res.status != "optimal" else res.objective
            self.plan_values[i] = res.objective
            final[i] = res.values
        bound = sum(self.minima) if self.exact else float("-inf")
        # One lead per task that every part accepts: a nation that already qualifies as lead in
        # every part's plan needs no solve; otherwise each of the likeliest candidates is forced in
        # the parts it does not qualify in, and kept if none of them gets worse. If none can, the
        # likeliest is forced at the least cost found in time (the plan is then above the bound).
        # This is done even when a part ran out of time: the whole model then starts from the
        # plan put together.
        lead: dict[str, str] = {}
        staffed = {i: self._staffed(self.parts[i], plan) for i, plan in final.items()}
        first, first_staffed = dict(final), dict(staffed)  # the parts' own plans, before any lead is forced
        disputed: list[str] = []  # tasks that no lead suits at no cost
        for tid in sorted({t for st in staffed.values() for t in st}):
            where = [i for i in final if tid in staffed[i]]
            ok = {n: {i for i in where if self._qualifies(self.parts[i], final[i], n, tid, staffed[i][tid])}
                  for n in self.eligible.get(tid, ())}
            ranked = sorted(sorted(ok), key=lambda n: len(ok[n]), reverse=True)[:LEAD_TRIES]
            for n in ranked:
                trial = {**lead, tid: n}
                redone = self._force(trial, [i for i in where if i not in ok[n]], subs, opts, step, deadline)
                if redone is not None:
                    break
            else:  # no candidate costs nothing: the likeliest one, at the least cost the parts can find in time
                disputed.append(tid)
                if not ranked:
                    continue
                trial = {**lead, tid: ranked[0]}
                redone = self._force(trial, [i for i in where if i not in ok[ranked[0]]], subs, opts, step, deadline,
                                     at_no_cost=False)
                if redone is None:
                    continue  # the task gets a lead in _mix, and goes unstaffed in the parts that do not accept it
            lead = trial
            final.update(redone)
            staffed.update({i: self._staffed(self.parts[i], plan) for i, plan in redone.items()})
        values = self._mix(current, final, rows, holds, lead, obj)
        self.settled_lead = None
        if self.exact and values is not None and all(subs[i].value([values[c] for c in self.parts[i].cols])
                                      <= self.plan_values[i] + SAME_VALUE * step for i in final):
            above = obj.value(values) - bound - SAME_VALUE * step  # what a dispute must cost for the plan to be optimal
            for tid in disputed if above > 0 else ():
                extra, left = self._dispute_cost(tid, first, first_staffed, subs, opts, above, step, deadline)
                if above <= extra < float("inf"):
                    bound += extra
                    if len(left) == 1:  # one lead left: see hold()
                        self.settled_lead = (tid, *next(iter(left.items())), obj.value(values))
                    break
        return bound, values

    def _dispute_cost(self, tid: str, plans: dict[int, list[float]], staffed: dict[int, dict[str, list[int]]],
                      subs, opts, above: float, step: float, deadline) -> tuple[float, dict]:
        """What any lead of ``tid`` must cost above the parts' minima: a bound to add to Σ m (0 when unknown);
        and the leads that may still be in a plan as good as this level's, with their parts' minima.

        Whoever leads tid — nation n, or nobody (tid unstaffed) — each part k does no better than
        m_k(n), its optimum with only tid's lead restricted to n (the other leads stay free); and
        m_k(n) ≥ m_k. So the level is ≥ Σ m + min over n of Σ_k (m_k(n) − m_k). Parts whose own
        plan already has n qualifying add nothing; the others are solved (their bound counts),
        briefly first and longer for the candidates not yet settled. A candidate is settled once
        it costs more than the plan's excess over Σ m (``above`` + half a step): no plan as good
        as this one has that lead. (0, {}) if a lead costs less than ``above``, or time runs out.
        """
        where = [i for i in plans if tid in staffed[i]]
        candidates: list[str | None] = [*self.eligible.get(tid, ()), None]
        todo = {n: [i for i in where if n is None or not self._qualifies(self.parts[i], plans[i], n, tid,
                                                                           staffed[i][tid])]
                for n in candidates}
        low = {(n, i): self.minima[i] for n in candidates for i in todo[n]}  # m_k(n) ≥ this
        exact: set = set()
        settle = above + step

        def extra(n) -> float:
            return sum(low[(n, i)] - self.minima[i] for i in todo[n])

        limit = 0.5  # short solves settle most candidates; the rest get four times longer each round
        while True:
            short = [n for n in candidates if extra(n) < settle]
            if all((n, i) in exact for n in short for i in todo[n]):
                break
            for n in short:
                for i in todo[n]:
                    if extra(n) >= settle:
                        break
                    if (n, i) in exact:
                        continue
                    left = deadline(2)
                    if left is not None and left <= 0.05:
                        return 0.0, {}
                    b, done = self._restricted_bound(i, tid, n, subs[i], opts, None if left is None else min(limit, left))
                    low[(n, i)] = max(low[(n, i)], b)
                    if done:
                        exact.add((n, i))
            limit *= 4
        least = min(extra(n) for n in candidates)
        if least < above:
            return 0.0, {}
        return least, {n: {i: low[(n, i)] for i in todo[n]} for n in short}

    def _restricted_bound(self, i: int, tid: str, n: str | None, sub: Objective, opts, limit) -> tuple[float, bool]:
        """A lower bound on part i's optimum when tid's lead can only be n (None: nobody), other leads
        free; and whether it is the optimum itself."""
        part, session = self.parts[i], self.sessions[i]
        cols, hi = self._only(part, {tid: n})
        session.set_col_bounds(cols, [0.0] * len(cols), hi)
        try:
            res = session.solve(sub, replace(opts, time_limit=limit, progress=None, good_enough=None), start=None)
        finally:
            session.set_col_bounds(cols, [part.model.lb[c] for c in cols], [part.model.ub[c] for c in cols])
        if res.status == "infeasible":
            return float("inf"), True
        if res.status == "optimal":
            return res.objective, True
        return (float("-inf") if res.bound is None else res.bound), False

    def _only(self, part: Part, lead: dict) -> tuple[list[int], list[float]]:
        """The part's lead columns of the tasks in ``lead`` and upper bounds that leave each only its lead
        (None: nobody)."""
        cols, hi = [], []
        for (n, tid), col in self.built.lead.items():
            if tid in lead and col in part.index:
                cols.append(part.index[col])
                hi.append(1.0 if n == lead[tid] else 0.0)
        return cols, hi

    def _put(self, values: list[float], part: Part, plan: list[float]) -> None:
        """Write a part's plan into a whole-model plan (the lead columns are set by ``_finish``)."""
        for j, c in enumerate(part.cols):
            if c not in self.lead_cols:
                values[c] = plan[j]

    def _mix(self, current: list[float], final: dict[int, list[float]], rows: list[Row], holds: list[Row],
             agreed: dict[str, str], obj: Objective) -> list[float] | None:
        """A plan put together from the parts' plans under one lead per task; None if none keeps every rule.

        Two sets of leads are tried: those agreed (``agreed``), and the last plan's; a staffed
        task without one gets the nation most parts accept. In each part, the new plan or the
        last plan is taken, less the tasks whose lead it does not accept (they go unstaffed in
        that part); see ``_combine``. No solve; checked row by row; the better of the two.
        """
        last = {tid: n for (n, tid), col in self.built.lead.items() if current[col] > 0.5}
        best, best_value = None, None
        for base in (agreed, last):
            lead = self._voted(final, dict(base))
            choices = {}
            for i, part in enumerate(self.parts):
                options = [self._accepting(part, [current[c] for c in part.cols], lead)]
                if i in final:
                    options.append(self._accepting(part, list(final[i]), lead))
                choices[i] = options
            values = self._combine(current, choices, rows, holds, lead, obj)
            if values is None:
                continue
            value = obj.value(values)
            if best_value is None or value < best_value:
                best, best_value = values, value
        return best

    def _voted(self, final: dict[int, list[float]], lead: dict[str, str]) -> dict[str, str]:
        """``lead``, completed for the tasks staffed in the parts' plans with the nation most parts accept."""
        votes: dict[str, dict[str, int]] = {}
        for i, plan in final.items():
            part = self.parts[i]
            for tid, ks in self._staffed(part, plan).items():
                if tid not in lead:
                    for n in self.eligible.get(tid, ()):
                        if self._qualifies(part, plan, n, tid, ks):
                            votes.setdefault(tid, {}).setdefault(n, 0)
                            votes[tid][n] += 1
        for tid, count in votes.items():
            lead[tid] = max(sorted(count), key=lambda n: count[n])
        return lead

    def _accepting(self, part: Part, plan: list[float], lead: dict[str, str]) -> list[float]:
        """A part's plan less the tasks whose lead (in ``lead``) it does not accept."""
        for tid, ks in self._staffed(part, plan).items():
            if not (tid in lead and self._qualifies(part, plan, lead[tid], tid, ks)):
                self._drop(part, plan, tid, ks)  # the task goes unstaffed in this part
        return plan

    def _combine(self, current: list[float], choices: dict[int, list[list[float]]], rows: list[Row],
                 holds: list[Row], lead: dict[str, str], obj: Objective) -> list[float] | None:
        """One plan per part, chosen so that the settled levels stay settled; the whole, checked, or None.

        Each part's plan is first the one that does best on the settled levels, in their order
        (taking a task out of a part may lose cover of a settled priority). Then parts switch to
        a plan that does better on this level, largest gain first, while every hold row keeps:
        the parts' holds are looser than the whole's hold when a level was not proven optimal.
        """
        values = list(current)
        on_level = {i: self.parts[i].restrict(obj) for i in choices}
        on_holds = {i: [self.parts[i].restrict(Objective(h.name, h.cols, h.coefs)) for h in holds] for i in choices}

        def settled(i: int, plan: list[float]) -> tuple:
            return tuple(h.value(plan) for h in on_holds[i]) + (on_level[i].value(plan),)

        chosen = {i: min(options, key=lambda plan: settled(i, plan)) for i, options in choices.items()}
        for i, plan in chosen.items():
            self._put(values, self.parts[i], plan)
        used = [h.activity(values) for h in holds]
        gains = sorted(((on_level[i].value(chosen[i]) - on_level[i].value(plan), i, j)
                        for i, options in choices.items() for j, plan in enumerate(options)), reverse=True)
        for gain, i, j in gains:
            if gain <= 0:
                break
            plan = choices[i][j]
            delta = [h.value(plan) - h.value(chosen[i]) for h in on_holds[i]]
            if on_level[i].value(plan) < on_level[i].value(chosen[i]) and all(
                    u + d <= h.hi - FEASIBILITY * max(1.0, abs(h.hi)) for u, d, h in zip(used, delta, holds)):
                chosen[i] = plan
                used = [u + d for u, d in zip(used, delta)]
                self._put(values, self.parts[i], plan)
        return self._finish(values, lead, rows)

    def _drop(self, part: Part, plan: list[float], tid: str, periods: list[int]) -> None:
        """Take a task out of a part's plan: no units, no contributors, not staffed. Every row of
        supply, demand, capacity and caveats only gets looser; the row-by-row check catches a hold
        it breaks (a task of a priority already settled)."""
        b = self.built
        for k in periods:
            for n in b.nations_by_tk.get((tid, k), ()):
                for c in b.x_by_ntk.get((n, tid, k), ()):
                    plan[part.index[c]] = 0.0
                y = b.y.get((n, tid, k))
                if y is not None:
                    plan[part.index[y]] = 0.0
            plan[part.index[b.z[(tid, k)]]] = 0.0

    def _finish(self, values: list[float], lead: dict[str, str], rows: list[Row]) -> list[float] | None:
        """Set the lead and lead-share columns for ``lead`` and check every row; the plan, or None."""
        set_lead_columns(self.built, values, lead)
        if violations(self.built.model, rows, values):
            return None
        return values

    def _force(self, lead: dict[str, str], where: list[int], subs, opts, step: float, deadline, at_no_cost=True):
        """Re-solve the parts ``where`` with the leads fixed; their new plans, or None if one gets worse
        (``at_no_cost``; otherwise: if one has no plan in time)."""
        out = {}
        for i in where:
            part, session = self.parts[i], self.sessions[i]
            cols, hi = self._only(part, lead)
            session.set_col_bounds(cols, [0.0] * len(cols), hi)
            try:
                left = deadline(2)
                good = self.plan_values[i] + SAME_VALUE * step if at_no_cost else None
                if left is not None and not at_no_cost:
                    left /= 2  # leave time for the tasks after this one
                res = session.solve(subs[i], replace(opts, time_limit=None if left is None else max(0.01, left),
                                                     progress=None, good_enough=good, cutoff=True), start=None)
            finally:
                session.set_col_bounds(cols, [part.model.lb[c] for c in cols], [part.model.ub[c] for c in cols])
            if not res.has_solution or (at_no_cost and res.objective > self.plan_values[i] + SAME_VALUE * step):
                return None
            out[i] = res.values
        for i in out:
            self.plan_values[i] = subs[i].value(out[i])
        return out

    def hold(self, obj: Objective, value: float, step: float, current: list[float]) -> None:
        """After the level settles at ``value`` (no constant): each part's share ≤ its minimum + the slack.

        When the level was proven by the cost of one task's lead and one lead was left
        (``_dispute_cost``), every plan that keeps the hold has that lead: it is fixed in every
        part, and each part's minimum is its minimum under that lead, so the slack is what is
        left of the dispute, usually nothing, and the parts stay exact for the next level.

        When slack is left (the level was not proven optimal), the parts' holds would be looser
        than the whole's, and each part would spend the slack: their plans could not be put
        together. From then on each part holds instead its share of every settled level in the
        last plan (``current``): a restriction, so the parts give plans that can always be put
        together, but no more bounds.
        """
        if self.settled_lead is not None:
            tid, n, lows, at = self.settled_lead
            if abs(value - at) <= SAME_VALUE * step:
                for i, m in lows.items():
                    self.minima[i] = max(self.minima[i], m)
                self.eligible[tid] = [] if n is None else [n]
                for part, session in zip(self.parts, self.sessions):
                    self._fix(part, session, *self._only(part, {tid: n}))
            self.settled_lead = None
        slack = max(0.0, value - sum(self.minima))
        if self.exact and slack > SAME_VALUE * step:
            self.exact = False
        for i, (part, session, m) in enumerate(zip(self.parts, self.sessions, self.minima)):
            sub = part.restrict(obj)
            if sub.cols:
                session.add_row(Row(f"hold[level={obj.name}]", sub.cols, sub.coefs, float("-inf"),
                                    m + slack + SAME_VALUE * step))
                self.held[i].append((self.rows_in[i], sub))
                self.rows_in[i] += 1
            if not self.exact and self.held[i]:
                mine = [current[c] for c in part.cols]
                rows = [r for r, _ in self.held[i]]
                his = [share.value(mine) + SAME_VALUE * step for _, share in self.held[i]]
                session.set_row_bounds(rows, [float("-inf")] * len(rows), his)
        if not self.exact:
            self._keep_leads(current)

    def _keep_leads(self, current: list[float]) -> None:
        """Once the parts hold the last plan's shares: each task staffed in it keeps its lead in every part
        (also a restriction; without it the parts pick other leads that cost cover to agree on)."""
        b = self.built
        staffed = {tid for (tid, k), z in b.z.items() if current[z] > 0.5}
        for part, session in zip(self.parts, self.sessions):
            cols, hi = [], []
            for (n, tid), col in b.lead.items():
                j = part.index.get(col)
                if j is None or b.model.ub[col] < 0.5:
                    continue
                cols.append(j)
                hi.append((1.0 if current[col] > 0.5 else 0.0) if tid in staffed else b.model.ub[col])
            self._fix(part, session, cols, hi)

    @staticmethod
    def _fix(part: Part, session, cols: list[int], hi: list[float]) -> None:
        """Upper bounds on a part's columns for good: in its session, and in its model, which is what
        the forced solves restore after theirs."""
        session.set_col_bounds(cols, [0.0] * len(cols), hi)
        for j, h in zip(cols, hi):
            part.model.ub[j] = h
