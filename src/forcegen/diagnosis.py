"""Why a requirement row is short: structured reasons, and the sentence the Shortfalls sheet shows.

``Diagnosis(problem, plan).reasons(task, capability, periods)`` returns the reasons of one shortfall
line as ``Reason`` values: a ``kind`` from ``KINDS``, the periods it holds in, and what it names
(pledges, caveats, tasks, nations, locations, and figures such as limits and shares). ``render``
turns them into the ``reason`` text; ``kinds`` lists the kinds a planner can filter by.

The diagnosis is a set of simple, deterministic heuristics. For task t, capability c and the
periods P where the row is short, in order:

1. no pledge of c at all (``no_pledge``);
2. pledges of c barred for t at every basing location by forbid/only caveats
   (``barred_by_caveat``; ``all_barred_by_caveat`` when every pledge is), and pledges of
   non-Black-Sea states' ships that closed straits bar at the task's Black Sea locations
   (``straits_closed``, SPEC 5.4);
3. of the rest: conditional pledges excluded by the Scenario (``conditional_excluded``); pledges
   outside their window in some period of P (``outside_window``);
4. per period p of P with some allowed, available pledge:

   a. no free units left (all allocated): named tasks consumed them (``consumed``, with a part per
      group ``consumed_by_higher_priority`` / ``_same_`` / ``_lower_``), or the supply is simply all
      on t (``too_few_pledged``); units at home whose pledge's rotation runs through p are full
      (``rotation``, SPEC 5.3);
   b. free units, but no basing location where one more unit fits: the location's capacity
      (``capacity``), a max_personnel caveat of the nation (``caveat_max_personnel``), a Montreux
      tonnage limit (``montreux_nation``, ``montreux_aggregate``; SPEC 5.4), supply (``sustainment``,
      SPEC 5.1: the period's transportation problem with the unit's need added has no flow that
      delivers it all) or lift (``lift``, SPEC 5.2: its arrival passes the lift available);
   c. a free unit fits somewhere: the staffing rules are checked for adding one unit (``staffing``,
      with a part per rule: ``staffing_lead_share``, ``staffing_lead_absent``, ``staffing_no_lead``,
      ``staffing_min_nations``, ``staffing_max_share``); if none explains it, ``unexplained`` (a
      time-limited solve may have stopped early).

Reasons whose text is the same are merged (their periods joined); in the sentence, a reason that
does not hold in all of P is prefixed with its periods ("period 2: …"), except ``sustainment`` and
``lift``, whose text names its periods itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from . import logistics
from .domain import Caveat, Plan, Pledge, Problem, Task, share_at_least, share_at_most, share_text
from .wording import amount, figure, periods_phrase, plural, units_phrase

if TYPE_CHECKING:  # the report's index of a plan; built on demand when not given
    from .report import _Index


@dataclass(frozen=True)
class Kind:
    """One kind of reason: the input rule or setting it is about, and what it says."""

    rule: str
    says: str


#: Every kind of reason, once. ``consumed`` and ``staffing`` gather parts of the kinds below them.
KINDS: dict[str, Kind] = {
    "no_pledge": Kind("Pledges", "no nation pledges the capability"),
    "straits_closed": Kind("Scenario straits", "closed straits bar non-Black-Sea states' ships at the task's "
                                               "Black Sea locations (SPEC 5.4)"),
    "barred_by_caveat": Kind("Caveats forbid/only", "some pledges are barred for the task at every basing "
                                                    "location by caveats"),
    "all_barred_by_caveat": Kind("Caveats forbid/only", "every pledge is barred for the task at every basing "
                                                        "location by caveats"),
    "conditional_excluded": Kind("Scenario include_conditional", "conditional pledges are left out"),
    "outside_window": Kind("Pledges from_period/to_period", "a pledge is not available in these periods"),
    "rotation": Kind("Pledges tour/dwell", "the pledge's units at home are resting: its rotation runs are full "
                                           "(SPEC 5.3)"),
    "consumed": Kind("Tasks priority", "the allowed and available pledges are all allocated to other tasks"),
    "consumed_by_higher_priority": Kind("Tasks priority", "part of consumed: tasks of a higher priority"),
    "consumed_by_same_priority": Kind("Tasks priority", "part of consumed: tasks of the same priority"),
    "consumed_by_lower_priority": Kind("Tasks priority", "part of consumed: tasks of a lower priority"),
    "too_few_pledged": Kind("Pledges units", "every allowed and available unit is already on the task"),
    "capacity": Kind("Locations personnel_capacity", "the basing location holds no more personnel"),
    "caveat_max_personnel": Kind("Caveats max_personnel", "a nation's personnel limit leaves no room for a unit"),
    "montreux_nation": Kind("Scenario montreux_aggregate_t", "one more warship would pass a nation's two thirds "
                                                             "of the Montreux aggregate (SPEC 5.4)"),
    "montreux_aggregate": Kind("Scenario montreux_aggregate_t", "one more warship would pass the Montreux "
                                                                "aggregate (SPEC 5.4)"),
    "sustainment": Kind("Scenario supply_rate/resupply_km", "no source within range can supply one more unit "
                                                            "(SPEC 5.1)"),
    "lift": Kind("Scenario lift_capacity", "the lift into the area of operations is used up (SPEC 5.2)"),
    "staffing": Kind("Tasks lead/min_nations/max_nation_share", "a unit fits, but a staffing rule stops it"),
    "staffing_lead_share": Kind("Scenario lead_min_share", "part of staffing: more units from other nations "
                                                           "would leave the lead below its share"),
    "staffing_lead_absent": Kind("Tasks lead", "part of staffing: the lead has no unit to add in a staffed period"),
    "staffing_no_lead": Kind("Tasks lead", "part of staffing: no (European) nation can lead the task"),
    "staffing_min_nations": Kind("Tasks min_nations", "part of staffing: too few nations can contribute"),
    "staffing_max_share": Kind("Tasks max_nation_share", "part of staffing: every nation with a free unit is at "
                                                         "its share"),
    "unexplained": Kind("", "units were free but left unused; no rule found that prevents them"),
}

#: kinds whose text names its own periods (never prefixed with them)
DATED = frozenset({"sustainment", "lift"})
#: how the reasons of the SPEC 5 rules open: the rule's name, as written (the sentence keeps it lower case)
RULE_TAGS = ("rotation:", "straits closed:", "sustainment:", "lift into the area")
#: the sentence when no reason is found
NO_CAUSE = "No cause found."


@dataclass(frozen=True)
class CaveatRef:
    """A caveat a reason names: its label as the Caveats sheet shows it, its row, and the pledges of the
    reason it bars (forbid/only)."""

    label: str
    row: int | None = None
    pledges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason a requirement row is short.

    ``task`` / ``capability`` are those of the shortfall line (``capability_name`` as the input names it);
    ``tasks`` other tasks named (consumers); ``figures`` the numbers and settings the text quotes, as
    (name, value) pairs; ``parts`` the reasons a ``consumed`` or ``staffing`` reason gathers."""

    kind: str
    periods: tuple[int, ...]
    task: str = ""
    capability: str = ""
    capability_name: str = ""
    pledges: tuple[str, ...] = ()
    caveats: tuple[CaveatRef, ...] = ()
    tasks: tuple[str, ...] = ()
    nations: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    figures: tuple[tuple[str, object], ...] = ()
    parts: tuple[Reason, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown reason kind {self.kind!r}")

    @property
    def rule(self) -> str:
        """The input rule or setting the reason is about (``KINDS``)."""
        return KINDS[self.kind].rule

    def value(self, name: str, default=None):
        """One of the figures by name."""
        return dict(self.figures).get(name, default)

    def leaf_kinds(self) -> tuple[str, ...]:
        """The kind, or the kinds of the parts when it gathers some."""
        return tuple(p.kind for p in self.parts) if self.parts else (self.kind,)


# --------------------------------------------------------------------------- rendering


def _cname(r: Reason) -> str:
    return f"{r.capability_name} ({r.capability})"


def _caveat_names(r: Reason) -> str:
    return ", ".join(f"{c.label} [{', '.join(c.pledges)}]" for c in r.caveats)


def _is_are(n: int) -> str:
    return plural(n, "is", "are")


def _part_text(r: Reason) -> str:
    k, v = r.kind, r.value
    if k.startswith("consumed_by_"):
        group = k[len("consumed_by_"):].replace("_", "-")
        return (f"{group} {plural(len(r.tasks), 'task')} "
                f"{', '.join(f'{t} (p{q})' for t, q in zip(r.tasks, v('priorities')))}")
    if k == "staffing_lead_share":
        return (f"lead {r.nations[0]} has no more units to add, and more units from other nations would leave it "
                f"below the {share_text(v('lead_min_share'))} lead share of {r.task}'s personnel")
    if k == "staffing_lead_absent":
        return f"lead {r.nations[0]} has no unit it could add, and the lead must contribute in every staffed period"
    if k == "staffing_no_lead":
        who = "European nation" if v("lead") == "european" else "nation"
        return f"no {who} can lead {r.task}: none has a unit it could contribute"
    if k == "staffing_min_nations":
        n = len(r.nations)
        return (f"only {n} {plural(n, 'nation')} ({', '.join(r.nations) or 'none'}) can contribute to {r.task}, "
                f"{v('min_nations')} needed (min_nations)")
    if k == "staffing_max_share":
        return (f"every nation with a free unit is at the {share_text(v('max_nation_share'))} max_nation_share of "
                f"{r.task}'s personnel")
    raise ValueError(f"{k} is not a part")


def clause(r: Reason) -> str:
    """The reason's text as the sentence holds it, without its periods prefix."""
    k, v = r.kind, r.value
    n_pl = len(r.pledges)
    ids = ", ".join(r.pledges)
    if k == "no_pledge":
        return f"no nation pledges {_cname(r)} — seek a pledge of it"
    if k == "straits_closed":
        return (f"straits closed: only Black Sea states' ships may serve {r.task} at {', '.join(r.locations)}; "
                f"{ids} {_is_are(n_pl)} barred (Scenario straits closed; montreux would admit them within the "
                f"tonnage limits)")
    if k == "barred_by_caveat":
        return (f"{plural(n_pl, 'pledge')} {ids} of {r.capability} {_is_are(n_pl)} barred for {r.task} by caveats "
                f"{_caveat_names(r)}")
    if k == "all_barred_by_caveat":
        return (f"every pledge of {_cname(r)}, {ids}, is barred for {r.task} at all its basing locations by "
                f"caveats {_caveat_names(r)} — negotiate a caveat or add a basing location they allow")
    if k == "conditional_excluded":
        return (f"conditional {plural(n_pl, 'pledge')} {ids} {_is_are(n_pl)} excluded (Scenario "
                f"include_conditional = no)")
    if k == "outside_window":
        window = v("window")
        when = f"only in {periods_phrase(window)}" if window else "in no period"
        return f"pledge {ids} is available {when}"
    if k == "rotation":
        return (f"rotation: {ids} holds {units_phrase(v('units'), v('unit'))}, tour {v('tour')}, dwell "
                f"{v('dwell')}: at most {figure(v('sustainable'))} deployed on average")
    if k == "consumed":
        return (f"the allowed and available {plural(n_pl, 'pledge')} {ids} of {_cname(r)} {_is_are(n_pl)} "
                f"consumed by {' and '.join(_part_text(p) for p in r.parts)}")
    if k == "too_few_pledged":
        n = v("units")
        return (f"too few units pledged: the {n} allowed and available {plural(n, 'unit')} of {_cname(r)}, from "
                f"{ids}, {_is_are(n)} already on {r.task} — more pledges would close the gap")
    if k == "capacity":
        return (f"basing location capacity exhausted at {r.locations[0]} ({v('location_name')}): "
                f"{v('personnel')}/{v('personnel_capacity')} personnel")
    if k == "caveat_max_personnel":
        return (f"caveat {r.caveats[0].label} binds: {v('personnel')} of {v('limit')} personnel used and one more "
                f"unit of {r.capability_name} needs {v('unit_personnel')}")
    if k == "montreux_nation":
        return (f"Montreux: {r.nations[0]}'s warships in the Black Sea total {figure(v('tonnage_t'))} t, and one "
                f"more {r.capability} ({figure(v('unit_tonnage_t'))} t) would pass two thirds of the "
                f"{figure(v('aggregate_t'))} t aggregate")
    if k == "montreux_aggregate":
        return (f"Montreux: non-Black-Sea warships in the Black Sea total {figure(v('tonnage_t'))} t, and one "
                f"more {r.capability} ({figure(v('unit_tonnage_t'))} t) would pass the {figure(v('aggregate_t'))} "
                f"t aggregate (Scenario montreux_aggregate_t)")
    if k == "sustainment":
        km, need, sources = amount(v("resupply_km")), amount(v("need_t_day")), v("sources")
        if sources:
            return (f"sustainment: no depot within {km} km of {r.locations[0]} has spare throughput in "
                    f"{periods_phrase(r.periods)}: one more {r.capability} needs {need} t/day, more than the "
                    f"sources in range ({', '.join(sources)}) have to spare")
        return (f"sustainment: nothing within {km} km of {r.locations[0]} can supply it in "
                f"{periods_phrase(r.periods)} (no host support and no depot unit in range): one more "
                f"{r.capability} needs {need} t/day")
    if k == "lift":
        ps, arrivals, available = r.periods, v("arrivals"), v("available")
        parts = [f"period {p}: {amount(a)} of {amount(b)} personnel" for p, a, b in
                 list(zip(ps, arrivals, available))[:4]]
        more = f", and in {periods_phrase(ps[4:])}" if len(ps) > 4 else ""
        text = "lift into the area of operations is used up in " + ", in ".join(parts) + more
        if v("unit_personnel") is not None:
            text += f" (one more {r.capability} brings {amount(v('unit_personnel'))})"
        return text
    if k == "staffing":
        return "staffing rules cannot be met: " + "; ".join(_part_text(p) for p in r.parts)
    if k == "unexplained":
        free = r.pledges
        what = ", ".join(free[:4]) + (f" and {len(free) - 4} more" if len(free) > 4 else "")
        return (f"units were free but left unused ({what}); no rule found that prevents them "
                f"(solve status {v('status')}: a longer run may close the gap)")
    return _part_text(r)


def render(reasons: list[Reason] | tuple[Reason, ...], periods) -> str:
    """The Shortfalls ``reason`` of a line short in ``periods``: the reasons' texts joined by "; ", each
    that holds in only some of the periods prefixed with them, as one sentence."""
    full = set(periods)
    parts = []
    for r in reasons:
        text = clause(r)
        parts.append(text if set(r.periods) >= full or r.kind in DATED else f"{periods_phrase(r.periods)}: {text}")
    s = "; ".join(parts)
    if s.startswith(RULE_TAGS):  # a reason that opens with the rule's name keeps it as written
        return s + "."
    return (s[:1].upper() + s[1:] + ".") if s else NO_CAUSE


def kinds(reasons) -> str:
    """The kinds of the reasons, in order, each once (the parts of consumed and staffing reasons)."""
    out: list[str] = []
    for r in reasons:
        for k in r.leaf_kinds():
            if k not in out:
                out.append(k)
    return ", ".join(out)


def rotation_reason(problem: Problem, pl: Pledge, periods=()) -> Reason:
    """The rotation limit of a pledge (SPEC 5.3) as a reason."""
    return Reason("rotation", tuple(periods), capability=pl.capability, pledges=(pl.id,), nations=(pl.nation,),
                  figures=(("units", pl.units), ("unit", problem.capability[pl.capability].unit),
                           ("tour", pl.tour), ("dwell", pl.dwell), ("sustainable", problem.sustainable_units(pl))))


# --------------------------------------------------------------------------- diagnosis


class _Reasons:
    """Reasons gathered in diagnosis order, those with the same text merged (their periods joined)."""

    def __init__(self):
        self._by_text: dict[str, tuple[Reason, set[int]]] = {}

    def add(self, r: Reason, periods) -> None:
        text = clause(r)
        if text in self._by_text:
            self._by_text[text][1].update(periods)
        else:
            self._by_text[text] = (r, set(periods))

    def result(self) -> list[Reason]:
        out = []
        for r, ps in self._by_text.values():
            out.append(r if r.kind in DATED else _with_periods(r, ps))
        return out


def _with_periods(r: Reason, ps) -> Reason:
    ps = tuple(sorted(ps))
    parts = tuple(_with_periods(p, ps) for p in r.parts)
    return Reason(r.kind, ps, r.task, r.capability, r.capability_name, r.pledges, r.caveats, r.tasks, r.nations,
                  r.locations, r.figures, parts)


class Diagnosis:
    """The shortfall diagnosis of one plan (its caches shared by every line)."""

    def __init__(self, problem: Problem, plan: Plan, ix: _Index | None = None):
        if ix is None:
            from .report import _Index
            ix = _Index(problem, plan)
        self.problem = problem
        self.plan = plan
        self.ix = ix
        self.cav_index = {id(c): i for i, c in enumerate(problem.caveats)}
        self.by_capability: dict[str, list[Pledge]] = defaultdict(list)
        for pl in problem.pledges:
            self.by_capability[pl.capability].append(pl)
        self._allowed: dict[tuple[str, str], list[str]] = {}
        self._open: dict[tuple[str, str, int], list[tuple[Pledge, str]]] = {}
        self._sustain: dict[tuple, bool] = {}  # (location, period, personnel, throughput) -> one more unit short

    # -- small facts --------------------------------------------------------
    def caveat_locations(self, pl: Pledge, t: str) -> list[str]:
        """The task's basing locations no forbid/only caveat bars for the pledge."""
        return [loc for loc in self.problem.task_locations.get(t, ()) if not self.problem.barring_caveats(pl, t, loc)]

    def allowed_locations(self, pl: Pledge, t: str) -> list[str]:
        """The task's basing locations neither a caveat nor closed straits (SPEC 5.4) bar for the pledge."""
        key = (pl.id, t)
        if key not in self._allowed:
            self._allowed[key] = [loc for loc in self.caveat_locations(pl, t)
                                  if not self.problem.straits_bar(pl, loc)]
        return self._allowed[key]

    def supply_free(self, pl: Pledge, p: int) -> int:
        """Units of the pledge not allocated in p (rule 1), 0 outside its window."""
        if p not in self.problem.pledge_periods(pl):
            return 0
        return max(0, pl.units - self.ix.pledge_units[(pl.id, p)])

    def rotation_free(self, pl: Pledge, p: int) -> int | None:
        """Unit-periods left in the fullest rotation run through p (SPEC 5.3); None: no limit there."""
        left = [pl.units * pl.tour - self.ix.run_units(pl, run) for run in self.problem.rotation_windows(pl)
                if p in run]
        return max(0, min(left)) if left else None

    def free_units(self, pl: Pledge, p: int) -> int:
        free = self.supply_free(pl, p)
        rot = self.rotation_free(pl, p)
        return free if rot is None else min(free, rot)

    def blockers(self, pl: Pledge, t: str, loc: str, p: int) -> list[tuple]:
        """Why one more unit of ``pl`` does not fit on t at loc in p: capacity / caveat limits."""
        ppu = self.problem.personnel_per_unit(pl)
        if ppu == 0:  # needs no supply and no lift
            return self.montreux_blockers(pl, loc, p)
        out = []
        L = self.problem.location[loc]
        used = self.ix.loc_pers[(loc, p)]
        if L.personnel_capacity is not None and used + ppu > L.personnel_capacity:
            out.append(("capacity", loc))
        for c in self.problem.caveats_of.get(pl.nation, ()):
            if c.rule == "max_personnel" and self.problem.caveat_matches(c, pl, t, loc):
                if self.ix.caveat_pers[(self.cav_index[id(c)], p)] + ppu > (c.limit or 0):
                    out.append(("max_personnel", self.cav_index[id(c)]))
        return out + self.montreux_blockers(pl, loc, p) + self.logistics_blockers(pl, loc, p)

    def logistics_blockers(self, pl: Pledge, loc: str, p: int) -> list[tuple]:
        """Whether one more unit of ``pl`` at ``loc`` in p could not be supplied (SPEC 5.1) or brought in
        (SPEC 5.2): the period's transportation problem with its need added (and its throughput, for a
        depot) has no flow that delivers everything; its arrivals pass the lift available then."""
        pr, ix = self.problem, self.ix
        cap = pr.capability[pl.capability]
        ppu = cap.personnel_per_unit
        out = []
        if pr.scenario.sustainment and (pr.scenario.supply_rate or 0) > 0 and loc in pr.supply_sources:
            key = (loc, p, ppu, cap.throughput)
            if key not in self._sustain:
                personnel = ix.personnel_in(p)
                personnel[loc] = personnel.get(loc, 0) + ppu
                depot = ix.depot_in(p)
                depot[loc] = depot.get(loc, Fraction(0)) + logistics.exact(cap.throughput)
                self._sustain[key] = not logistics.supply_period(pr, personnel, depot).feasible()
            if self._sustain[key]:
                out.append(("sustainment", loc))
        if pr.scenario.lift and pr.location[loc].needs_lift:
            now, before = ix.loc_pers.get((loc, p), 0), ix.loc_pers.get((loc, p - 1), 0)
            extra = max(0, now + ppu - before) - max(0, now - before)
            arrivals = sum(ix.arrivals(p).values()) + extra
            available = ix.lift_available(p) + logistics.exact(cap.lift_per_period)
            if extra > 0 and arrivals - available > logistics.REL_TOL * max(1, available):
                out.append(("lift", None))
        return out

    def montreux_blockers(self, pl: Pledge, loc: str, p: int) -> list[tuple]:
        """Whether one more unit of ``pl`` at ``loc`` in p breaks a Montreux limit (SPEC 5.4)."""
        pr = self.problem
        if pr.scenario.straits != "montreux" or not pr.straits_limited(pl, loc):
            return []
        tons = pr.capability[pl.capability].tonnage
        agg = pr.scenario.montreux_aggregate_t
        out = []
        if 3 * (self.ix.straits_nation_tonnage[(pl.nation, p)] + tons) > 2 * agg:
            out.append(("montreux_nation", pl.nation))
        if self.ix.straits_tonnage[p] + tons > agg:
            out.append(("montreux_aggregate", None))
        return out

    def open_options(self, t: Task, cap: str, p: int) -> list[tuple[Pledge, str]]:
        """(pledge, location) where one more unit of ``cap`` could go on t in p under supply, caveats, capacity."""
        key = (t.id, cap, p)
        if key not in self._open:
            self._open[key] = [
                (pl, loc) for pl in self.by_capability.get(cap, ()) if self.free_units(pl, p) > 0
                for loc in self.allowed_locations(pl, t.id) if not self.blockers(pl, t.id, loc, p)
            ]
        return self._open[key]

    # -- the reasons --------------------------------------------------------
    def reasons(self, task: Task | str, cap: str, periods) -> list[Reason]:
        """The reasons the row (task, capability) is short in ``periods``, in diagnosis order."""
        pr = self.problem
        task = pr.task[task] if isinstance(task, str) else task
        t = task.id
        base = {"task": t, "capability": cap, "capability_name": pr.capability[cap].name}
        P = sorted(periods)
        found = _Reasons()
        unsupplied: dict[tuple[str, str], set[int]] = {}  # (location, capability) -> periods (SPEC 5.1)
        no_lift: dict[int, tuple[int, Fraction, Pledge]] = {}  # period -> arrivals with one more, lift (SPEC 5.2)

        pledges = list(self.by_capability.get(cap, ()))
        if not pledges:
            found.add(Reason("no_pledge", (), **base), P)
            return found.result()

        allowed = {pl.id: self.allowed_locations(pl, t) for pl in pledges}
        barred = [pl for pl in pledges if not self.caveat_locations(pl, t)]
        shut = [pl for pl in pledges if not allowed[pl.id] and pl not in barred]  # by closed straits
        if shut:
            found.add(Reason("straits_closed", (), **base, pledges=tuple(pl.id for pl in shut),
                             nations=tuple(dict.fromkeys(pl.nation for pl in shut)),
                             locations=tuple(loc for loc in pr.task_locations.get(t, ())
                                             if pr.location[loc].black_sea)), P)
            if len(shut) == len(pledges):
                return found.result()
        if barred:
            cavs: list[Caveat] = []
            for pl in barred:
                for loc in pr.task_locations.get(t, ()):
                    for c in pr.barring_caveats(pl, t, loc):
                        if c not in cavs:
                            cavs.append(c)
            refs = tuple(
                CaveatRef(c.label(), c.row, tuple(pl.id for pl in barred
                                                  if any(c in pr.barring_caveats(pl, t, loc)
                                                         for loc in pr.task_locations.get(t, ()))))
                for c in cavs
            )
            every = len(barred) == len(pledges)
            found.add(Reason("all_barred_by_caveat" if every else "barred_by_caveat", (), **base,
                             pledges=tuple(pl.id for pl in barred), caveats=refs,
                             nations=tuple(dict.fromkeys(pl.nation for pl in barred))), P)
            if every or (len(barred) + len(shut) == len(pledges) and shut):
                return found.result()

        candidates = [pl for pl in pledges if allowed[pl.id]]
        excluded = [pl for pl in candidates if pl.status == "conditional" and not pr.scenario.include_conditional]
        if excluded:
            found.add(Reason("conditional_excluded", (), **base, pledges=tuple(pl.id for pl in excluded)), P)
        for pl in candidates:
            if pl in excluded:
                continue
            window = tuple(pr.pledge_periods(pl))
            outside = [p for p in P if p not in window]
            if outside:
                found.add(Reason("outside_window", (), **base, pledges=(pl.id,), nations=(pl.nation,),
                                 figures=(("window", window),)), outside)

        for p in P:
            avail = [pl for pl in candidates if p in pr.pledge_periods(pl)]
            if not avail:
                continue
            free = [pl for pl in avail if self.free_units(pl, p) > 0]
            resting = [pl for pl in avail if self.supply_free(pl, p) > 0 and self.free_units(pl, p) == 0]
            for pl in resting:  # units at home, but the pledge's rotation runs through p are full (SPEC 5.3)
                found.add(_with_base(rotation_reason(pr, pl), base), [p])
            if not free:
                if len(resting) < len(avail):
                    self._consumed(task, base, [pl for pl in avail if pl not in resting], p, found)
                continue
            options = [(pl, loc) for pl in free for loc in allowed[pl.id]]
            blocked = {o: self.blockers(o[0], t, o[1], p) for o in options}
            if all(blocked.values()):
                for (pl, loc), bl in blocked.items():
                    for kind, key in bl:
                        self._blocked(kind, key, pl, p, base, found, unsupplied, no_lift)
                continue
            open_opts = [o for o, bl in blocked.items() if not bl]
            self._staffing(task, cap, base, open_opts, p, found)
        for r in self._logistics_reasons(base, unsupplied, no_lift):
            found.add(r, P)
        return found.result()

    def _blocked(self, kind, key, pl: Pledge, p: int, base: dict, found: _Reasons, unsupplied, no_lift) -> None:
        """A reason one more unit of ``pl`` fits at none of the task's locations in p (step 4b)."""
        pr, ix = self.problem, self.ix
        if kind == "capacity":
            L = pr.location[key]
            found.add(Reason("capacity", (), **base, locations=(key,), nations=(pl.nation,), figures=(
                ("location_name", L.name), ("personnel", ix.loc_pers[(key, p)]),
                ("personnel_capacity", L.personnel_capacity))), [p])
        elif kind == "sustainment":
            unsupplied.setdefault((key, pl.capability), set()).add(p)
        elif kind == "lift":
            no_lift.setdefault(p, (sum(ix.arrivals(p).values()), ix.lift_available(p), pl))
        elif kind in ("montreux_nation", "montreux_aggregate"):
            tonnage = ix.straits_nation_tonnage[(key, p)] if kind == "montreux_nation" else ix.straits_tonnage[p]
            found.add(Reason(kind, (), **base, nations=(key,) if key else (), figures=(
                ("tonnage_t", tonnage), ("unit_tonnage_t", pr.capability[pl.capability].tonnage),
                ("aggregate_t", pr.scenario.montreux_aggregate_t))), [p])
        else:
            c = pr.caveats[key]
            found.add(Reason("caveat_max_personnel", (), **base, caveats=(CaveatRef(c.label(), c.row),),
                             nations=(c.nation,), figures=(
                                 ("personnel", ix.caveat_pers[(key, p)]), ("limit", c.limit),
                                 ("unit_personnel", pr.personnel_per_unit(pl)))), [p])

    def _logistics_reasons(self, base: dict, unsupplied: dict[tuple[str, str], set[int]],
                           no_lift: dict[int, tuple[int, Fraction, Pledge]]) -> list[Reason]:
        """The sustainment (SPEC 5.1) and lift (SPEC 5.2) reasons, each naming its periods."""
        pr, ix = self.problem, self.ix
        out = []
        for (loc, cap), ps in unsupplied.items():
            need = logistics.exact(pr.scenario.supply_rate or 0) * pr.capability[cap].personnel_per_unit / 1000
            reach = [s for s in pr.supply_sources.get(loc, ()) if any(ix.supply(q).capacity(s) > 0 for q in ps)]
            out.append(Reason("sustainment", tuple(sorted(ps)), **dict(base, capability=cap),
                              locations=(loc,), figures=(
                                  ("resupply_km", pr.scenario.resupply_km or 0), ("need_t_day", need),
                                  ("sources", tuple(reach)))))
        if no_lift:
            ps = tuple(sorted(no_lift))
            first = no_lift[ps[0]][2]
            short_by_one = any(a < lift for a, lift, _ in no_lift.values())
            out.append(Reason("lift", ps, **dict(base, capability=first.capability), figures=(
                ("arrivals", tuple(no_lift[p][0] for p in ps)), ("available", tuple(no_lift[p][1] for p in ps)),
                ("unit_personnel", pr.personnel_per_unit(first) if short_by_one else None))))
        return out

    def _consumed(self, task: Task, base: dict, avail: list[Pledge], p: int, found: _Reasons) -> None:
        pr = self.problem
        users: dict[str, int] = defaultdict(int)
        for pl in avail:
            for other, u in self.ix.pledge_task[(pl.id, p)].items():
                if other != task.id:
                    users[other] += u
        ids = tuple(pl.id for pl in avail)
        if not users:
            found.add(Reason("too_few_pledged", (), **base, pledges=ids,
                             figures=(("units", sum(pl.units for pl in avail)),)), [p])
            return
        groups: dict[str, list[str]] = {"higher": [], "same": [], "lower": []}
        for other in sorted(users, key=lambda x: (pr.task[x].priority, x)):
            q = pr.task[other].priority
            groups["higher" if q < task.priority else "same" if q == task.priority else "lower"].append(other)
        parts = tuple(
            Reason(f"consumed_by_{g}_priority", (), **base, tasks=tuple(ts),
                   figures=(("priorities", tuple(pr.task[x].priority for x in ts)),))
            for g, ts in groups.items() if ts
        )
        found.add(Reason("consumed", (), **base, pledges=ids, tasks=tuple(x for part in parts for x in part.tasks),
                         figures=(("priority", task.priority),), parts=parts), [p])

    def _staffing(self, task: Task, cap: str, base: dict, open_opts: list[tuple[Pledge, str]], p: int,
                  found: _Reasons) -> None:
        """A unit of ``cap`` fits on the task in p: which staffing rule stops adding it (SPEC rule 5)."""
        pr, ix, t = self.problem, self.ix, task.id
        T = ix.task_pers[(t, p)]
        by_nation = ix.task_nation_pers[(t, p)]
        staffed = p in ix.staffed.get(t, set())
        # nations that could contribute in p: those on it already, and those with a fitting unit of
        # any capability the task is short of in p
        short_caps = [r.capability for r in pr.task_requirements.get(t, ())
                      if ix.task_cap[(t, r.capability, p)] < r.units]
        fitting = {pl.nation for c in short_caps for pl, _ in self.open_options(task, c, p)}
        able = sorted(ix.contributors[(t, p)] | fitting)
        lead = self.plan.leads.get(t) if task.lead != "none" else None
        eligible = sorted(n for n in fitting | ix.contributors[(t, p)]
                          if task.lead == "any" or pr.nation[n].european)
        share_min = pr.scenario.lead_min_share

        rules: list[Reason] = []
        unexplained: list[tuple[Pledge, str]] = []
        for pl, loc in open_opts:
            n, ppu = pl.nation, pr.personnel_per_unit(pl)
            why: list[Reason] = []
            if task.lead != "none":
                if staffed:
                    if lead and n != lead and T + ppu > 0 and not share_at_least(by_nation.get(lead, 0), T + ppu,
                                                                                 share_min):
                        why.append(Reason("staffing_lead_share", (), **base, nations=(lead,),
                                          figures=(("lead_min_share", share_min),)))
                elif lead:
                    if lead not in fitting:
                        why.append(Reason("staffing_lead_absent", (), **base, nations=(lead,)))
                elif not eligible:
                    why.append(Reason("staffing_no_lead", (), **base, figures=(("lead", task.lead),)))
            if len(able) < task.min_nations:
                why.append(Reason("staffing_min_nations", (), **base, nations=tuple(able),
                                  figures=(("min_nations", task.min_nations),)))
            if task.max_nation_share < 1 and T + ppu > 0:
                if not share_at_most(by_nation.get(n, 0) + ppu, T + ppu, task.max_nation_share):
                    why.append(Reason("staffing_max_share", (), **base,
                                      figures=(("max_nation_share", task.max_nation_share),)))
            if why:
                for w in why:
                    if all(_part_text(w) != _part_text(x) for x in rules):
                        rules.append(w)
            else:
                unexplained.append((pl, loc))
        if unexplained:
            status = self.plan.info.status if self.plan.info else "unknown"
            found.add(Reason("unexplained", (), **base, pledges=tuple(sorted({pl.id for pl, _ in unexplained})),
                             figures=(("status", status),)), [p])
        else:
            found.add(Reason("staffing", (), **base, nations=tuple(dict.fromkeys(n for r in rules for n in r.nations)),
                             parts=tuple(rules)), [p])


def _with_base(r: Reason, base: dict) -> Reason:
    """A reason made outside a shortfall line, as one of it (its task and capability set)."""
    return Reason(r.kind, r.periods, base["task"], r.capability or base["capability"], base["capability_name"],
                  r.pledges, r.caveats, r.tasks, r.nations, r.locations, r.figures, r.parts)


def diagnose(problem: Problem, plan: Plan, task: Task | str, capability: str, periods) -> list[Reason]:
    """The reasons one requirement row (task, capability) is short in ``periods`` under the plan."""
    return Diagnosis(problem, plan).reasons(task, capability, periods)
