"""Plan -> report tables (pandas DataFrames), one per sheet of the plan workbook.

Nothing here imports a spreadsheet or solver library: ``build_report`` reads a
``Problem`` and a ``Plan`` and derives every figure the plan workbook (SPEC
section 4) shows; ``workbook/write.py`` only formats them.

Definitions used throughout (SPEC section 2):

* a requirement row (task t, capability c, units r, weight w) counts in each
  active period of t; ``allocated`` is the units of pledges of c on t in that
  period; ``shortfall = max(0, r - allocated)``;
* ``required_unit_periods`` = Σ r over rows × active periods (unweighted);
  ``covered_unit_periods`` = Σ min(r, allocated); ``coverage_pct`` =
  100 · covered / required (blank when nothing is required);
* ``shortfall_pk`` = Σ w × shortfall over rows of tasks of priority k
  (objective level 1);
* ``total_cost`` = Σ cost_per_unit × units (thousands of the currency);
* ``contributions`` = number of distinct (nation, task, period) with an
  allocation (objective level 3);
* personnel = units × personnel_per_unit; ``personnel_peak`` = the largest
  total personnel of any one period;
* the host split: personnel at a location whose country is the Scenario
  ``host_country`` are inside, all others outside; with ``---`` (no host)
  everyone is outside (``domain.in_host``, ``in_host_mask``).

The Shortfalls ``reason`` is a deterministic diagnosis (``diagnosis.py``): structured reasons rendered
as text, their kinds in ``reason_kinds``.
The Sustainment and Deployment figures (SPEC 5.1, 5.2) come from ``logistics.py``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from . import __version__
from . import diagnosis, logistics
from .diagnosis import RULE_TAGS  # noqa: F401  (how the reasons of the SPEC 5 rules open, as before)
from .domain import DEFAULT_HOST, PRIORITIES, Caveat, Plan, Pledge, Problem, in_host
from .figures import PLAN_FIGURES
from .wording import amount as _amount
from .wording import compact_periods, units_phrase  # noqa: F401  (part of this module's interface)
from .wording import figure as _figure
from .wording import periods_phrase as _periods_phrase
from .wording import plural as _plural

#: Sheets of the plan workbook and their columns, SPEC section 4 first, extras after.
COLUMNS: dict[str, tuple[str, ...]] = {
    "Summary": ("parameter", "value"),
    "Allocations": (
        "period", "task", "location", "country", "nation", "capability", "pledge", "units", "personnel", "cost",
    ),
    "Coverage": ("task", "capability", "period", "required", "allocated", "shortfall", "priority", "weight"),
    "Shortfalls": (
        "task", "capability", "periods", "units_missing", "reason", "priority", "weighted", "reason_kinds",
    ),
    "Tasks": (
        "task", "name", "priority", "lead", "nations", "staffed_periods", "coverage_pct", "staffed_period_count",
        "pillar", "active_periods", "required_unit_periods", "covered_unit_periods", "shortfall_weighted",
        "personnel_peak", "cost",
    ),
    "Nations": (
        "nation", "name", "personnel_peak", "personnel_by_country", "cost", "cost_share", "fair_share",
        "tasks_led", "tasks_led_count", "european", "tasks", "contributions", "burden_gap", "held", "deployed", "sustainable",
    ),
    "Caveats": ("nation", "rule", "filters", "note", "status", "limit", "row"),
    # SPEC 5.3, one row per pledge with a tour (the sheet is written when there is one)
    "Rotation": (
        "pledge", "nation", "capability", "unit", "held", "tour", "dwell", "sustainable", "deployed_peak",
        "deployed_average", "deployed_by_period", "run_limit", "run_most", "status",
    ),
    # SPEC 5.4, per period: each non-Black-Sea nation with warships at Black Sea locations, then all of them
    "Montreux": ("period", "nation", "ships", "tonnage_t", "limit_t", "aggregate_t", "share_of_aggregate", "status"),
    # the ships the 21-day stay (not modelled) obliges to rotate, per nation (second table of the Montreux sheet)
    "MontreuxStay": ("nation", "pledge", "capability", "location", "ships", "tonnage_t", "periods", "note"),
    # SPEC 5.1, one row per (location, period) with personnel, depot units or supply sent (the rule on)
    "Sustainment": (
        "location", "period", "personnel", "need", "delivered", "sources", "spare_depot_throughput", "country",
        "host_throughput", "depot_units", "depot_throughput", "sent",
    ),
    # SPEC 5.2, one row per period (the rule on); a lift_<pledge> column per lift pledge follows surface_lift
    "Deployment": (
        "period", "arrivals", "surface_lift", "lift_available", "lift_used", "lift_spare", "personnel_in_area",
        "personnel_deployed", "arriving_at",
    ),
}

#: Columns SPEC section 4 requires ("at least"), per sheet.
SPEC_COLUMNS: dict[str, tuple[str, ...]] = {
    "Summary": ("parameter", "value"),
    "Allocations": COLUMNS["Allocations"],
    "Coverage": COLUMNS["Coverage"][:6],
    "Shortfalls": COLUMNS["Shortfalls"][:5],
    "Tasks": COLUMNS["Tasks"][:7],
    "Nations": COLUMNS["Nations"][:8],
    "Caveats": COLUMNS["Caveats"][:5],
}

#: Summary rows SPEC section 4 requires.
SPEC_SUMMARY_ROWS: tuple[str, ...] = (
    "scenario", "status", "solver", "gap", "runtime_s", "required_unit_periods", "covered_unit_periods",
    "coverage_pct", *(f"shortfall_p{k}" for k in range(1, 6)), "total_cost", "personnel_peak",
    "input_file", "input_sha256", "forcegen_version", "created_at",
)

SOLVE_LOG_COLUMNS = ("level", "name", "status", "value", "bound", "gap", "seconds")
NOTES_COLUMNS = ("sheet", "column", "note")



@dataclass(frozen=True)
class Report:
    """Every table of a plan workbook, ready to format.

    ``summary`` has columns parameter, value (one row per figure, numbers as
    numbers, blanks as None); the other tables have the columns of ``COLUMNS``.
    """

    summary: pd.DataFrame
    solve_log: pd.DataFrame
    allocations: pd.DataFrame
    coverage: pd.DataFrame
    shortfalls: pd.DataFrame
    tasks: pd.DataFrame
    nations: pd.DataFrame
    caveats: pd.DataFrame
    notes: pd.DataFrame  # sheet, column, note: what a column means where it needs saying
    currency: str = "EUR"
    #: SPEC 5.3 per pledge with a tour, 5.4 per period and nation under straits montreux/closed; empty when off
    rotation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMNS["Rotation"])))
    montreux: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMNS["Montreux"])))
    montreux_stay: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMNS["MontreuxStay"])))
    straits: str = "open"
    #: SPEC 5.1 per (location, period) and 5.2 per period, with a lift_<pledge> column per lift pledge;
    #: None when the rule is off
    sustainment: pd.DataFrame | None = None
    deployment: pd.DataFrame | None = None
    options: dict = field(default_factory=dict)  # the solve options as given (JSON summary)
    #: Scenario host_country ("---" for none): the personnel split in and outside it (``domain.in_host``)
    host_country: str = DEFAULT_HOST
    #: per priority with requirements: required, covered, coverage_pct, shortfall_weighted (PRIORITY_COLUMNS)
    by_priority: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PRIORITY_COLUMNS)))

    def value(self, parameter: str):
        """One Summary value by its parameter name (KeyError if absent)."""
        hit = self.summary.loc[self.summary["parameter"] == parameter, "value"]
        if hit.empty:
            raise KeyError(parameter)
        return hit.iloc[0]

    def summary_dict(self) -> dict:
        """The Summary as plain Python values (numbers as numbers, blanks as None)."""
        return {str(p): plain(v) for p, v in zip(self.summary["parameter"], self.summary["value"])}


# --------------------------------------------------------------------------- helpers


def _num(x: float):
    """A float that is whole becomes an int (clean display, exact JSON)."""
    if isinstance(x, float) and math.isfinite(x) and abs(x - round(x)) < 1e-9:
        return int(round(x))
    if isinstance(x, float):
        return round(x, 9)
    return x


def plain(v):
    """numpy / pandas scalars -> Python; NaN / NA -> None."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and not math.isfinite(v):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def host_peaks(allocations: pd.DataFrame, host: str) -> tuple[int, int]:
    """The largest personnel in any one period at locations in ``host`` and at all others (the two peaks
    may fall in different periods; with ``---`` nothing is inside). Figures personnel_in_host and
    personnel_outside_host."""
    if allocations is None or allocations.empty:
        return 0, 0
    inside = in_host_mask(allocations["country"], host)
    per_in = allocations[inside].groupby("period")["personnel"].sum()
    per_out = allocations[~inside].groupby("period")["personnel"].sum()
    return (int(per_in.max()) if len(per_in) else 0), (int(per_out.max()) if len(per_out) else 0)


def host_split(report: "Report", host: str | None = None) -> list[tuple[str, int, int]]:
    """Per nation (in Nations order): personnel in ``host`` and outside it, at the nation's peak period.

    ``host`` defaults to the report's Scenario host_country; with ``---`` (no host) nothing
    is inside (``domain.in_host``). The peak period is the period of the nation's largest
    total personnel (the earliest if tied), so the two parts add up to the nation's personnel_peak.
    """
    host = report.host_country if host is None else host
    a = report.allocations
    out = []
    for nation in report.nations["nation"]:
        sub = a[a["nation"] == nation]
        if sub.empty:
            out.append((str(nation), 0, 0))
            continue
        per = sub.groupby("period")["personnel"].sum()
        peak_p = int(per[per == per.max()].index.min())
        at = sub[sub["period"] == peak_p]
        inside = int(at.loc[in_host_mask(at["country"], host), "personnel"].sum())
        out.append((str(nation), inside, int(at["personnel"].sum()) - inside))
    return out


def in_host_mask(countries: pd.Series, host: str) -> pd.Series:
    """Per row of a country column, whether the location counts as inside the host country (``domain.in_host``)."""
    return countries.astype(str).map(lambda c: in_host(c, host)).astype(bool)


def _pct(part: float, whole: float):
    return None if whole <= 0 else _num(round(100.0 * part / whole, 6))


def _share(part: float, whole: float):
    return None if whole <= 0 else round(part / whole, 9)


def _filters_text(c: Caveat) -> str:
    return ", ".join(f"{k}={v}" for k, v in c.filters().items()) or "any"


def _options_text(options: dict) -> str:
    return ", ".join(f"{k}={options[k]}" for k in sorted(options, key=str))


def _warnings_text(problem: Problem) -> str | None:
    """The input's warnings one per line, without the file name the Summary states as input_file; None if none."""
    if not problem.warnings:
        return None
    prefix = f"{problem.source}: "
    return "\n".join(w[len(prefix):] if problem.source and w.startswith(prefix) else w for w in problem.warnings)


def black_sea_warship(problem: Problem, pledge: Pledge, location: str) -> bool:
    """A warship (sea unit) of a nation that is not a Black Sea state at a Black Sea location (SPEC 5.4)."""
    return (problem.capability[pledge.capability].domain == "sea"
            and not problem.nation[pledge.nation].black_sea_state and problem.location[location].black_sea)


def _tonnes(x) -> float:
    """t/day to show: exact figures rounded to the gram."""
    return _num(round(float(x), 6))


def rotation_text(problem: Problem, pl: Pledge) -> str:
    """The rotation limit of a pledge in words, as the Shortfalls reasons name it (SPEC 5.3)."""
    return diagnosis.clause(diagnosis.rotation_reason(problem, pl))


# --------------------------------------------------------------------------- indices


class _Index:
    """The plan's allocations summed along the axes the tables and diagnosis need."""

    def __init__(self, problem: Problem, plan: Plan):
        self.problem = problem
        self.plan = plan
        merged: dict[tuple[int, str, str, str], int] = defaultdict(int)
        for a in plan.allocations:
            if a.task not in problem.task:
                raise ValueError(f"plan allocates to unknown task {a.task!r}")
            if a.pledge not in problem.pledge:
                raise ValueError(f"plan allocates unknown pledge {a.pledge!r}")
            if a.location not in problem.location:
                raise ValueError(f"plan allocates at unknown location {a.location!r}")
            merged[(a.period, a.task, a.location, a.pledge)] += int(a.units)
        # (period, task, location, pledge) -> units, zero rows dropped
        self.units = {k: u for k, u in merged.items() if u != 0}

        self.pledge_units = defaultdict(int)  # (pledge, p) -> units
        self.pledge_task = defaultdict(lambda: defaultdict(int))  # (pledge, p) -> task -> units
        self.task_cap = defaultdict(int)  # (task, capability, p) -> units
        self.task_pers = defaultdict(int)  # (task, p) -> personnel
        self.task_nation_pers = defaultdict(lambda: defaultdict(int))  # (task, p) -> nation -> personnel
        self.loc_pers = defaultdict(int)  # (location, p) -> personnel
        self.staffed: dict[str, set[int]] = defaultdict(set)  # task -> periods with any unit
        self.contributors = defaultdict(set)  # (task, p) -> nations
        self.nation_pers = defaultdict(int)  # (nation, p) -> personnel
        self.nation_country_pers = defaultdict(int)  # (nation, country, p) -> personnel
        self.caveat_pers = defaultdict(int)  # (caveat index, p) -> personnel matching a max_personnel caveat
        # SPEC 5.4: tonnage of non-Black-Sea warships at Black Sea locations, per period and per (nation, period),
        # whatever the straits (the figure says what reopening them would need)
        self.straits_tonnage: dict[int, float] = defaultdict(float)
        self.straits_nation_tonnage: dict[tuple[str, int], float] = defaultdict(float)
        # SPEC 5.1-5.2: depot units and their throughput per (location, period), lift of the units per period
        self.depot_units: dict[tuple[str, int], int] = defaultdict(int)
        self.depot: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
        self.lift: dict[int, Fraction] = defaultdict(Fraction)
        self._supply: dict[int, logistics.SupplyPeriod] = {}
        self._arrivals: dict[int, dict[str, int]] | None = None
        max_cav = [(i, c) for i, c in enumerate(problem.caveats) if c.rule == "max_personnel"]
        for (p, t, loc, pid), u in self.units.items():
            pl = problem.pledge[pid]
            cap = problem.capability[pl.capability]
            if cap.throughput > 0:
                self.depot_units[(loc, p)] += u
                self.depot[(loc, p)] += u * logistics.exact(cap.throughput)
            if cap.lift_per_period > 0:
                self.lift[p] += u * logistics.exact(cap.lift_per_period)
            pers = u * problem.personnel_per_unit(pl)
            self.pledge_units[(pid, p)] += u
            self.pledge_task[(pid, p)][t] += u
            self.task_cap[(t, pl.capability, p)] += u
            self.task_pers[(t, p)] += pers
            self.task_nation_pers[(t, p)][pl.nation] += pers
            self.loc_pers[(loc, p)] += pers
            self.staffed[t].add(p)
            self.contributors[(t, p)].add(pl.nation)
            self.nation_pers[(pl.nation, p)] += pers
            self.nation_country_pers[(pl.nation, problem.location[loc].country, p)] += pers
            for i, c in max_cav:
                if c.nation == pl.nation and problem.caveat_matches(c, pl, t, loc):
                    self.caveat_pers[(i, p)] += pers
            if black_sea_warship(problem, pl, loc):
                tons = u * problem.capability[pl.capability].tonnage
                self.straits_tonnage[p] += tons
                self.straits_nation_tonnage[(pl.nation, p)] += tons

    def run_units(self, pl: Pledge, run: tuple[int, ...]) -> int:
        """Unit-periods of a pledge over a run of periods (SPEC 5.3)."""
        return sum(self.pledge_units[(pl.id, k)] for k in run)

    def personnel_in(self, p: int) -> dict[str, int]:
        """location -> personnel there in period p."""
        return {loc: v for (loc, q), v in self.loc_pers.items() if q == p and v}

    def depot_in(self, p: int) -> dict[str, Fraction]:
        """location -> throughput of the depot units allocated there in period p (SPEC 5.1)."""
        return {loc: v for (loc, q), v in self.depot.items() if q == p and v}

    def supply(self, p: int) -> logistics.SupplyPeriod:
        """Period p's transportation problem and its flow (SPEC 5.1; the rule on)."""
        if p not in self._supply:
            self._supply[p] = logistics.supply_period(self.problem, self.personnel_in(p), self.depot_in(p))
        return self._supply[p]

    def arrivals(self, p: int) -> dict[str, int]:
        """in_area location -> personnel arriving there in period p (SPEC 5.2)."""
        if self._arrivals is None:
            self._arrivals = logistics.arrivals(self.problem, self.loc_pers)
        return self._arrivals.get(p, {})

    def lift_available(self, p: int) -> Fraction:
        """lift_capacity + the lift of the units allocated in p (SPEC 5.2)."""
        return Fraction(self.problem.scenario.lift_capacity or 0) + self.lift.get(p, Fraction(0))


# --------------------------------------------------------------------------- report


def build_report(problem: Problem, plan: Plan, *, input_file: str, input_sha256: str, created_at: str) -> Report:
    """Derive every table of the plan workbook from a problem and its plan."""
    ix = _Index(problem, plan)
    H = problem.scenario.periods

    allocations = _allocations(problem, ix)
    coverage = _coverage(problem, ix)
    shortfalls = _shortfalls(problem, plan, ix, coverage)
    tasks = _tasks(problem, plan, ix, coverage, allocations)
    rotation = _rotation(problem, ix)
    nations = _nations(problem, plan, ix, allocations, rotation)
    caveats = _caveats(problem, ix)
    montreux, montreux_stay = _montreux(problem, ix)
    sustainment = _sustainment(problem, ix) if problem.scenario.sustainment else None
    deployment = _deployment(problem, ix) if problem.scenario.lift else None

    info = plan.info
    required = int(coverage["required"].sum()) if len(coverage) else 0
    covered = int((coverage["required"] - coverage["shortfall"]).sum()) if len(coverage) else 0
    priorities = _by_priority(coverage)
    shortfall = dict(zip(priorities["priority"], priorities["shortfall_weighted"]))
    total_cost = float(allocations["cost"].sum()) if len(allocations) else 0.0
    contributions = len({(n, t, p) for (t, p), ns in ix.contributors.items() for n in ns})
    period_pers = [sum(v for (n, q), v in ix.nation_pers.items() if q == p) for p in H]
    country_peak: dict[str, int] = defaultdict(int)
    for p in H:
        per_country: dict[str, int] = defaultdict(int)
        for (n, ctry, q), v in ix.nation_country_pers.items():
            if q == p:
                per_country[ctry] += v
        for ctry, v in per_country.items():
            country_peak[ctry] = max(country_peak[ctry], v)

    in_host_peak, outside_host_peak = host_peaks(allocations, problem.scenario.host_country)
    # the headline block first (what a briefing opens with), then the figures behind it and the audit trail
    rows: list[tuple[str, object]] = [
        ("scenario", problem.scenario.name),
        ("marking", MARKING if is_illustrative(problem.scenario.name) else None),
        ("status", info.status if info else "unknown"),
        ("gap", _num(float(info.gap)) if info and info.gap is not None else None),
        ("coverage_pct", _pct(covered, required)),
        *((f"coverage_p{k}", _priority_coverage(priorities, k)) for k in PRIORITIES),
        *((f"shortfall_p{k}", shortfall.get(k, 0)) for k in PRIORITIES),
        ("total_cost", _num(round(total_cost, 9))),
        ("personnel_peak", max(period_pers, default=0)),
        ("personnel_in_host", in_host_peak),
        ("personnel_outside_host", outside_host_peak),
        *_largest_shortfalls(shortfalls),
        ("solver", info.solver if info else ""),
        ("solver_version", info.solver_version if info else ""),
        ("runtime_s", _num(round(float(info.runtime_s), 3)) if info else None),
        ("required_unit_periods", required),
        ("covered_unit_periods", covered),
        ("contributions", contributions),
        ("personnel_peak_by_country", "; ".join(f"{c} {v}" for c, v in sorted(country_peak.items()))),
        ("input_file", input_file),
        ("input_sha256", input_sha256),
        ("forcegen_version", __version__),
        ("created_at", created_at),
        ("options", _options_text(info.options) if info else ""),
        ("cache", info.cache if info else "off"),
        ("currency", problem.scenario.currency),
        ("host_country", problem.scenario.host_country),
        ("straits", problem.scenario.straits),
        ("black_sea_tonnage_peak", _num(float(max(ix.straits_tonnage.values(), default=0)))),
        ("rotation_pledges", len(rotation)),
        *_logistics_summary(problem, ix),
        ("warnings", _warnings_text(problem)),
    ]
    summary = pd.DataFrame(rows, columns=["parameter", "value"], dtype=object)

    solve_log = pd.DataFrame(
        [
            (i + 1, lv.name, lv.status, _num(float(lv.value)),
             None if lv.bound is None else _num(float(lv.bound)),
             None if lv.gap is None else _num(float(lv.gap)), _num(round(float(lv.seconds), 3)))
            for i, lv in enumerate(info.levels if info else ())
        ],
        columns=list(SOLVE_LOG_COLUMNS),
    )
    cur = problem.scenario.currency
    notes = pd.DataFrame(
        [
            *(("Summary", f.name, f.note) for f in PLAN_FIGURES),
            ("Summary", "marking", "ILLUSTRATIVE, NOT OFFICIAL when the scenario's name says it is illustrative "
             "(every printed page's header carries the scenario name)"),
            ("Summary", "coverage_p1 … coverage_p5", "100 × covered / required unit-periods of the priority's "
             "requirement rows (unweighted); blank when the priority requires nothing"),
            ("Summary", "largest_shortfall_1 …", "the largest shortfalls, highest priority first and then most "
             "weighted unit-periods missing, with the start of their reason (whole on the Shortfalls sheet)"),
            ("Summary", "cache", "hit: read from the solved-plan cache, with the solve log and runtime_s of the "
             "solve that stored it; miss: solved in this run; off: solved without the cache"),
            ("Summary", "personnel_peak_by_country", "per location country: its largest personnel in any one period"),
            ("Summary", "host_country", "Scenario host_country: personnel at locations in it count as inside in the "
             "personnel split (Charts, comparisons), all others as outside; --- = none, everyone outside"),
            ("Summary", "warnings", "what the input workbook holds that was not planned with (a column no sheet "
             "has, ignored; a dwell without a tour), one line each; blank when none"),
            ("Summary", "straits", "Scenario straits (SPEC 5.4): open = no rule; montreux = tonnage limits on "
             "non-Black-Sea warships at Black Sea locations (sheet Montreux); closed = none of them there"),
            ("Summary", "rotation_pledges", "pledges with a tour (SPEC 5.3), one row each on sheet Rotation"),
            ("Nations", "held / deployed / sustainable",
             "per pledge of the nation with a tour: the units it holds; units deployed at the peak and on average "
             "over the horizon; units × tour / (tour + dwell), what it keeps deployed for good (sheet Rotation)"),
            ("Summary", "sustainment", "Scenario supply_rate and resupply_km (SPEC 5.1): every location's supply "
             "need delivered from host support and depots within range (sheet Sustainment); off when supply_rate "
             "is blank"),
            ("Summary", "lift", "Scenario lift_capacity (SPEC 5.2): personnel arriving in the area per period "
             "within surface lift plus the allocated lift units (sheet Deployment); off when blank"),
            ("Sustainment", "need / delivered / sent", "t/day: supply_rate × personnel / 1,000 (none where the "
             "country is ---); what reaches the location from sources within resupply_km, itself included; what "
             "the location sends as a source. One flow of the many that may exist: each location draws on its "
             "own sources first, then on the nearest"),
            ("Sustainment", "sources", "the sources the location's need is drawn from, location: t/day"),
            ("Sustainment", "spare_depot_throughput", "throughput of the depot units allocated at the location that "
             "the flow leaves unused, t/day (host support is counted as used first)"),
            ("Deployment", "arrivals / lift_used", "personnel arriving at in_area locations: Σ max(0, personnel "
             "in the period − in the period before); all of them travel by lift, so lift_used is the same figure"),
            ("Deployment", "surface_lift / lift_<pledge> / lift_available", "Scenario lift_capacity (surface and "
             "charter); units × lift_per_period of each lift pledge allocated in the period; their sum"),
            ("Deployment", "personnel_in_area / personnel_deployed", "personnel at in_area locations; at all "
             "locations"),
            ("Rotation", "run_limit / run_most", "units × tour: the most unit-periods in any run of tour + dwell "
             "consecutive periods (cut at the horizon); and the most the plan puts in one such run"),
            ("Rotation", "deployed_by_period", "units deployed in periods 1, 2, … of the horizon, in order"),
            ("Montreux", "limit_t", "per nation: two thirds of the aggregate (one state's share); all: the "
             "aggregate (Scenario montreux_aggregate_t, shown as aggregate_t); 0 when the straits are closed"),
            ("Montreux", "note (ships)", "the Convention's 21-day stay is not modelled: each ship listed must leave "
             "the Black Sea within 21 days and be relieved, so its nation rotates it within every period it serves"),
            ("*", "cost", f"thousands of {cur}, cost_per_unit × units summed over periods"),
            ("Tasks", "staffed_periods", "periods in which any unit is allocated to the task"),
            ("Tasks", "staffed_period_count", "how many periods staffed_periods holds"),
            ("Nations", "tasks_led_count", "how many tasks tasks_led holds"),
            ("Tasks", "coverage_pct", "100 × covered / required unit-periods of the task"),
            ("Nations", "personnel_by_country",
             "per location country, the nation's peak personnel there in any one period "
             "(peaks may fall in different periods, so they can add up to more than personnel_peak)"),
            ("Nations", "cost_share", "the nation's cost / total cost"),
            ("Nations", "burden_gap", "cost_share − fair_share: positive = carries more than its agreed share"),
            ("Caveats", "status", "forbid/only: allocations of the nation's pledges to tasks that need the "
             "capability at their basing locations in shared periods (pledge × task × location) the caveat bars; "
             "max_personnel: peak matching personnel against the limit; binding = no further unit fits"),
            ("Shortfalls", "units_missing", "unit-periods missing over the listed periods"),
            ("Shortfalls", "weighted", "weight × units_missing (counts in shortfall_p<priority>)"),
            ("Shortfalls", "reason_kinds", "the kinds of the reasons, in their order (diagnosis.KINDS): "
             "no_pledge, barred_by_caveat, consumed_by_higher_priority, capacity, staffing_min_nations, …"),
        ],
        columns=list(NOTES_COLUMNS),
    )
    return Report(
        summary=summary, solve_log=solve_log, allocations=allocations, coverage=coverage,
        shortfalls=shortfalls, tasks=tasks, nations=nations, caveats=caveats, notes=notes,
        currency=cur, options=dict(info.options) if info else {}, host_country=problem.scenario.host_country,
        rotation=rotation, montreux=montreux, montreux_stay=montreux_stay, straits=problem.scenario.straits,
        sustainment=sustainment, deployment=deployment, by_priority=priorities,
    )


def _allocations(problem: Problem, ix: _Index) -> pd.DataFrame:
    rows = []
    for (p, t, loc, pid), u in ix.units.items():
        pl = problem.pledge[pid]
        rows.append((p, t, loc, problem.location[loc].country, pl.nation, pl.capability, pid, u,
                     u * problem.personnel_per_unit(pl), _num(u * float(pl.cost_per_unit))))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[4], r[5], r[6]))
    return pd.DataFrame(rows, columns=list(COLUMNS["Allocations"]))


def _coverage(problem: Problem, ix: _Index) -> pd.DataFrame:
    rows = []
    for task in problem.tasks:
        for r in problem.task_requirements.get(task.id, ()):
            for p in problem.active_periods(task):
                got = ix.task_cap[(task.id, r.capability, p)]
                rows.append((task.id, r.capability, p, r.units, got, max(0, r.units - got),
                             task.priority, _num(float(r.weight))))
    return pd.DataFrame(rows, columns=list(COLUMNS["Coverage"]))


def _shortfalls(problem: Problem, plan: Plan, ix: _Index, coverage: pd.DataFrame) -> pd.DataFrame:
    diag = diagnosis.Diagnosis(problem, plan, ix)
    rows = []
    order = {t.id: i for i, t in enumerate(problem.tasks)}
    short: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for row in coverage.itertuples(index=False):
        if row.shortfall > 0:
            short[(row.task, row.capability)].append((int(row.period), int(row.shortfall)))
    for task in problem.tasks:
        for r in problem.task_requirements.get(task.id, ()):
            if not short.get((task.id, r.capability)):
                continue
            periods = [p for p, _ in short[(task.id, r.capability)]]
            missing = sum(m for _, m in short[(task.id, r.capability)])
            reasons = diag.reasons(task, r.capability, periods)
            rows.append((task.id, r.capability, compact_periods(periods), missing,
                         diagnosis.render(reasons, periods), task.priority,
                         _num(float(r.weight) * missing), diagnosis.kinds(reasons)))
    rows.sort(key=lambda x: (x[5], order[x[0]]))
    return pd.DataFrame(rows, columns=list(COLUMNS["Shortfalls"]))


def _tasks(problem, plan, ix, coverage, allocations) -> pd.DataFrame:
    rows = []
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])  # task -> required, covered, weighted
    for row in coverage.itertuples(index=False):
        acc = sums[row.task]
        acc[0] += int(row.required)
        acc[1] += int(row.required) - int(row.shortfall)
        acc[2] += float(row.weight) * float(row.shortfall)
    nations_of: dict[str, set[str]] = defaultdict(set)
    for (tt, _), ns in ix.contributors.items():
        nations_of[tt] |= ns
    cost_of = allocations.groupby("task")["cost"].sum().to_dict() if len(allocations) else {}
    for t in problem.tasks:
        req, cov, weighted = sums[t.id] if t.id in sums else (0, 0, 0.0)
        nations = sorted(nations_of.get(t.id, ()))
        peak = max((ix.task_pers[(t.id, p)] for p in ix.staffed.get(t.id, ())), default=0)
        rows.append((
            t.id, t.name, t.priority, plan.leads.get(t.id, "") if t.lead != "none" else "",
            ", ".join(nations), compact_periods(ix.staffed.get(t.id, ())), _pct(cov, req),
            len(ix.staffed.get(t.id, ())), t.pillar, compact_periods(problem.active_periods(t)), req, cov, _num(round(weighted, 9)), peak,
            _num(float(cost_of.get(t.id, 0))),
        ))
    return pd.DataFrame(rows, columns=list(COLUMNS["Tasks"]))


def _nations(problem, plan, ix, allocations, rotation: pd.DataFrame) -> pd.DataFrame:
    total = float(allocations["cost"].sum()) if len(allocations) else 0.0
    rows = []
    mine: dict[str, list] = defaultdict(list)
    for r in rotation.itertuples(index=False):
        mine[r.nation].append(r)
    for n in problem.nations:
        rot = mine.get(n.id, [])
        peak = max((ix.nation_pers[(n.id, p)] for p in problem.scenario.periods), default=0)
        by_country: dict[str, int] = defaultdict(int)
        for (nn, ctry, p), v in ix.nation_country_pers.items():
            if nn == n.id:
                by_country[ctry] = max(by_country[ctry], v)
        a = allocations[allocations["nation"] == n.id]
        cost = float(a["cost"].sum()) if len(a) else 0.0
        share = _share(cost, total)
        led = sorted(t for t, lead in plan.leads.items() if lead == n.id and t in problem.task
                     and problem.task[t].lead != "none")
        contrib = {(t, p) for (t, p), ns in ix.contributors.items() if n.id in ns}
        rows.append((
            n.id, n.name, peak, "; ".join(f"{c} {v}" for c, v in sorted(by_country.items())),
            _num(round(cost, 9)), share, n.fair_share, ", ".join(led), len(led),
            "yes" if n.european else "no", ", ".join(sorted({t for t, _ in contrib})), len(contrib),
            None if share is None or n.fair_share is None else round(share - n.fair_share, 9),
            "; ".join(f"{r.pledge} {r.held}" for r in rot),
            "; ".join(f"{r.pledge} peak {r.deployed_peak}, average {_figure(r.deployed_average)}" for r in rot),
            "; ".join(f"{r.pledge} {_figure(r.sustainable)}" for r in rot),
        ))
    return pd.DataFrame(rows, columns=list(COLUMNS["Nations"]))


def _rotation(problem: Problem, ix: _Index) -> pd.DataFrame:
    """SPEC 5.3: per pledge with a tour, held, sustainable and deployed units, and its runs against the limit."""
    rows = []
    H = problem.scenario.periods
    for pl in problem.pledges:
        if pl.tour is None:
            continue
        per = [ix.pledge_units[(pl.id, k)] for k in H]
        span = pl.tour + pl.dwell
        limit = pl.units * pl.tour
        most = max((sum(per[s - 1:min(len(per), s - 1 + span)]) for s in H), default=0)
        runs = problem.rotation_windows(pl)
        if not runs:
            status = "no limit in effect (every run of tour + dwell periods has at most tour periods of the window)"
        elif most > limit:
            status = f"VIOLATED: {most} unit-periods in one run, limit {limit}"
        elif any(ix.run_units(pl, run) >= limit for run in runs):
            full = [run for run in runs if ix.run_units(pl, run) >= limit]
            status = (f"binding: the run{'s' if len(full) > 1 else ''} of periods "
                      f"{', '.join(f'{r[0]}-{r[-1]}' for r in full[:3])}{' …' if len(full) > 3 else ''} "
                      f"{'are' if len(full) > 1 else 'is'} full")
        else:
            status = f"slack: at most {most} of {limit} unit-periods in a run"
        rows.append((
            pl.id, pl.nation, pl.capability, problem.capability[pl.capability].unit, pl.units, pl.tour, pl.dwell,
            round(problem.sustainable_units(pl), 6), max(per, default=0),
            round(sum(per) / len(per), 6) if per else 0.0, ", ".join(str(u) for u in per), limit, most, status,
        ))
    return pd.DataFrame(rows, columns=list(COLUMNS["Rotation"]))


def _montreux(problem: Problem, ix: _Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SPEC 5.4, when the straits are montreux or closed: per period the tonnage of each non-Black-Sea
    nation's warships at Black Sea locations and of all of them, against the limits; and the ships the
    21-day stay obliges to rotate. Empty tables when the straits are open."""
    straits = problem.scenario.straits
    if straits == "open":
        return (pd.DataFrame(columns=list(COLUMNS["Montreux"])), pd.DataFrame(columns=list(COLUMNS["MontreuxStay"])))
    agg = float(problem.scenario.montreux_aggregate_t)
    nation_limit = round(agg * 2 / 3, 3) if straits == "montreux" else 0.0
    all_limit = agg if straits == "montreux" else 0.0
    ships: dict[tuple[str, int], int] = defaultdict(int)
    stay: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for (p, t, loc, pid), u in ix.units.items():
        pl = problem.pledge[pid]
        if black_sea_warship(problem, pl, loc):
            ships[(pl.nation, p)] += u
            stay[(pl.nation, pid, loc)][p] = stay[(pl.nation, pid, loc)].get(p, 0) + u
    rows = []
    for p in problem.scenario.periods:
        nations = sorted(n for (n, q) in ships if q == p)
        for n in nations:
            tons = ix.straits_nation_tonnage[(n, p)]
            over = 3 * tons > 2 * agg if straits == "montreux" else ships[(n, p)] > 0
            rows.append((p, n, ships[(n, p)], _num(float(tons)), nation_limit, agg, _share(tons, agg),
                         "VIOLATED" if over else _slack_text(tons, nation_limit)))
        total = ix.straits_tonnage[p]
        over = total > agg if straits == "montreux" else sum(ships[(n, p)] for n in nations) > 0
        rows.append((p, "all", sum(ships[(n, p)] for n in nations), _num(float(total)), all_limit, agg,
                     _share(total, agg),
                     ("VIOLATED" if over else "closed: no non-Black-Sea warship" if straits == "closed"
                      else _slack_text(total, agg))))
    stay_rows = []
    note = ("the 21-day stay limit obliges it to leave the Black Sea within 21 days: relieve it within every "
            "period it serves")
    for (n, pid, loc), per in sorted(stay.items()):
        pl = problem.pledge[pid]
        stay_rows.append((n, pid, pl.capability, loc, max(per.values()),
                          _num(float(max(per.values()) * problem.capability[pl.capability].tonnage)),
                          compact_periods(per), note))
    return (pd.DataFrame(rows, columns=list(COLUMNS["Montreux"])),
            pd.DataFrame(stay_rows, columns=list(COLUMNS["MontreuxStay"])))


#: how many of the largest shortfalls the Summary's headline names
HEADLINE_SHORTFALLS = 5
#: the longest reason the headline quotes; the Shortfalls sheet has it whole
HEADLINE_REASON_CHARS = 240


#: what the Summary and every printed page say of an illustrative scenario
MARKING = "ILLUSTRATIVE, NOT OFFICIAL"


def is_illustrative(name: str) -> bool:
    """Whether the scenario says it is illustrative (its name does), so every output is marked so."""
    return "illustrative" in (name or "").lower()


PRIORITY_COLUMNS = ("priority", "required", "covered", "coverage_pct", "shortfall_weighted")


def _by_priority(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per priority with requirements: required and covered unit-periods, coverage (100 × covered /
    required) and the weighted shortfall (objective level 1): the Summary's coverage_p* and shortfall_p*
    rows and the terminal summary's table."""
    rows = []
    for k in PRIORITIES:
        part = coverage[coverage["priority"] == k] if len(coverage) else coverage
        if not len(part):
            continue
        required = int(part["required"].sum())
        covered = required - int(part["shortfall"].sum())
        weighted = float((part["weight"].astype(float) * part["shortfall"].astype(float)).sum())
        rows.append((k, required, covered, _pct(covered, required), _num(round(weighted, 9))))
    return pd.DataFrame(rows, columns=list(PRIORITY_COLUMNS))


def _priority_coverage(by_priority: pd.DataFrame, priority: int):
    """The Summary's coverage_p<priority>: blank when the priority requires nothing."""
    hit = by_priority[by_priority["priority"] == priority]
    return None if hit.empty else hit.iloc[0]["coverage_pct"]


def _largest_shortfalls(shortfalls: pd.DataFrame) -> list[tuple[str, object]]:
    """The headline's largest shortfalls: by priority, then most weighted unit-periods missing, one row each."""
    rows = []
    if len(shortfalls):
        ranked = shortfalls.sort_values(["priority", "weighted", "task", "capability"],
                                        ascending=[True, False, True, True], kind="stable")
        for i, r in enumerate(ranked.head(HEADLINE_SHORTFALLS).itertuples(index=False), start=1):
            reason = str(r.reason or "")
            if len(reason) > HEADLINE_REASON_CHARS:
                reason = reason[: HEADLINE_REASON_CHARS].rsplit(" ", 1)[0] + " … (Shortfalls sheet)"
            periods = str(r.periods)
            when = f"period {periods}" if periods.isdigit() else f"periods {periods}"
            n = _num(r.units_missing)
            rows.append((f"largest_shortfall_{i}", f"p{r.priority} {r.task} / {r.capability}, {when}: "
                         f"{n} unit-period{'' if n == 1 else 's'} missing — {reason}"))
    return rows


def _logistics_summary(problem: Problem, ix: _Index) -> list[tuple[str, object]]:
    """Summary rows of SPEC 5.1 and 5.2: whether each rule is on, the supply need peak, the arrivals
    peak and how many periods the force takes to be in place."""
    sc = problem.scenario
    H = sc.periods
    if sc.sustainment:
        rule = (f"on: {_amount(sc.supply_rate)} t/day per 1,000 personnel, resupply within "
                f"{_amount(sc.resupply_km or 0)} km")
        need_peak = _tonnes(max((sum(ix.supply(p).need.values(), Fraction(0)) for p in H), default=0))
    else:
        rule, need_peak = "off", 0
    lift = f"on: {_amount(sc.lift_capacity)} personnel a period by surface and charter" if sc.lift else "off"
    area = logistics.in_area(problem)
    in_area = [sum(ix.loc_pers.get((loc, p), 0) for loc in area) for p in H]
    peak = max(in_area, default=0)
    return [
        ("sustainment", rule),
        ("supply_need_peak", need_peak),
        ("lift", lift),
        ("arrivals_peak", max((sum(ix.arrivals(p).values()) for p in H), default=0)),
        ("build_up_periods", _build_up_periods(in_area)),
    ]


#: the force is "in place" once the personnel in the area stay at this share of their peak
IN_PLACE_SHARE = Fraction(9, 10)


def _build_up_periods(in_area: list[int]) -> int:
    """The first period from which the personnel in the area stay at ≥ 90 % of their peak; 0 when nobody is
    there. Small later changes (a task window, a rotation) do not count as build-up."""
    peak = max(in_area, default=0)
    if peak <= 0:
        return 0
    first = len(in_area)
    for p in range(len(in_area), 0, -1):
        if in_area[p - 1] < IN_PLACE_SHARE * peak:
            break
        first = p
    return first


def _sustainment(problem: Problem, ix: _Index) -> pd.DataFrame:
    """SPEC 5.1: per location and period, its personnel, need, what is delivered and from where, and the
    spare throughput of its depot units; locations with personnel, depot units or supply sent."""
    rows = []
    for loc in problem.locations:
        for p in problem.scenario.periods:
            sp = ix.supply(p)
            pers = ix.loc_pers.get((loc.id, p), 0)
            sent = sp.sent(loc.id)
            units = ix.depot_units.get((loc.id, p), 0)
            if not (pers or units or sent):
                continue
            drawn = [(s, f) for (s, lid), f in sp.flow.items() if lid == loc.id]
            rows.append((
                loc.id, p, pers, _tonnes(sp.need.get(loc.id, 0)), _tonnes(sp.delivered(loc.id)),
                "; ".join(f"{s}: {_amount(f)}" for s, f in drawn), _tonnes(sp.spare_depot(loc.id)), loc.country,
                _num(float(loc.host_throughput)), units, _tonnes(sp.depot.get(loc.id, 0)), _tonnes(sent),
            ))
    return pd.DataFrame(rows, columns=list(COLUMNS["Sustainment"]))


def lift_column(pledge: str) -> str:
    """The Deployment column of one lift pledge."""
    return f"lift_{pledge}"


def _deployment(problem: Problem, ix: _Index) -> pd.DataFrame:
    """SPEC 5.2: per period, the arrivals against the lift available (surface, each lift pledge), and the
    personnel deployed in the area and in all."""
    lifters = [pl for pl in problem.pledges if problem.capability[pl.capability].lift_per_period > 0]
    area = logistics.in_area(problem)
    cols = list(COLUMNS["Deployment"])
    cols[3:3] = [lift_column(pl.id) for pl in lifters]
    rows = []
    for p in problem.scenario.periods:
        moves = ix.arrivals(p)
        arrivals = sum(moves.values())
        available = ix.lift_available(p)
        by_pledge = [_num(float(ix.pledge_units[(pl.id, p)] * logistics.exact(
            problem.capability[pl.capability].lift_per_period))) for pl in lifters]
        rows.append((
            p, arrivals, problem.scenario.lift_capacity, *by_pledge, _num(float(available)), arrivals,
            _num(float(available - arrivals)), sum(ix.loc_pers.get((loc, p), 0) for loc in area),
            sum(v for (loc, q), v in ix.loc_pers.items() if q == p),
            "; ".join(f"{loc} +{m}" for loc, m in moves.items()),
        ))
    return pd.DataFrame(rows, columns=cols)


def _slack_text(used: float, limit: float) -> str:
    return f"slack {_figure(limit - used)} t"


def _caveats(problem: Problem, ix: _Index) -> pd.DataFrame:
    rows = []
    for i, c in enumerate(problem.caveats):
        if c.rule == "max_personnel":
            status = _max_personnel_status(problem, ix, i, c)
        else:
            status = _bar_status(problem, ix, c)
        rows.append((c.nation, c.rule, _filters_text(c), c.note, status, c.limit, c.row))
    return pd.DataFrame(rows, columns=list(COLUMNS["Caveats"]))


def _bar_status(problem: Problem, ix: _Index, c: Caveat) -> str:
    """forbid/only: violations in the plan, else how many possible allocations the caveat bars."""
    violations = sum(
        1 for (p, t, loc, pid) in ix.units
        if problem.pledge[pid].nation == c.nation and c in problem.barring_caveats(problem.pledge[pid], t, loc)
    )
    if violations:
        return f"VIOLATED by {violations} {_plural(violations, 'allocation')}"
    barred = possible = 0
    for pl in problem.pledges:
        if pl.nation != c.nation or pl.units <= 0:
            continue
        avail = set(problem.pledge_periods(pl))
        for t in problem.tasks:
            if not avail & set(problem.active_periods(t)):
                continue
            if pl.capability not in {r.capability for r in problem.task_requirements.get(t.id, ())}:
                continue
            for loc in problem.task_locations.get(t.id, ()):
                possible += 1
                if c in problem.barring_caveats(pl, t.id, loc):
                    barred += 1
    if barred == 0:
        return "respected; bars no possible allocation (not binding)"
    return f"respected; barred {barred} of {possible} possible {_plural(possible, 'allocation')} (pledge × task × location)"


def _max_personnel_status(problem: Problem, ix: _Index, i: int, c: Caveat) -> str:
    limit = int(c.limit or 0)
    per = {p: ix.caveat_pers[(i, p)] for p in problem.scenario.periods}
    peak = max(per.values(), default=0)
    peak_p = min((p for p, v in per.items() if v == peak), default=1)
    over = sorted(p for p, v in per.items() if v > limit)
    if over:
        return f"VIOLATED: peak {peak} of limit {limit} in {_periods_phrase(over)}"
    # smallest unit of the nation's pledges the caveat's capability/domain filters could match
    sizes = [
        problem.personnel_per_unit(pl) for pl in problem.pledges
        if pl.nation == c.nation and problem.personnel_per_unit(pl) > 0
        and (c.capability is None or c.capability == pl.capability)
        and (c.domain is None or c.domain == problem.capability[pl.capability].domain)
    ]
    where = f" in period {peak_p}" if peak > 0 else ""
    bind = sorted(p for p, v in per.items() if sizes and v + min(sizes) > limit)
    if bind:
        return f"peak {peak} of limit {limit}{where} (binding in {_periods_phrase(bind)}: no further unit fits)"
    return f"peak {peak} of limit {limit}{where} (slack {limit - peak})"
