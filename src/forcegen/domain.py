"""The planning problem and its plan as frozen dataclasses.

Nothing here imports a spreadsheet or solver library: the reader builds a
``Problem``, the model turns a ``Problem`` into a ``Plan``, the writers and the
verifier read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from .schema import BLACK_SEA, DEFAULT_HOST, NO_COUNTRY

PRIORITIES = (1, 2, 3, 4, 5)


def decimal(value: float) -> Fraction:
    """A number as the decimal it was written as (0.1 -> 1/10), so sums and comparisons of it are exact."""
    return Fraction(repr(float(value)))


def exact_share(value: float) -> Fraction:
    """A share as the user wrote it, exactly: the shortest decimal that reads back as this float.

    0.142857 -> 142857/1000000 (not 1/7, and not the float's binary expansion). A value that a
    formula computed (=1/7 reads back as 0.14285714285714285) is the fraction it stands for when
    one with a denominator ≤ 10⁶ lies within 10⁻¹² of it: no share of a task of fewer than 10⁵
    personnel lies in between, so this changes no verdict and keeps the formula's meaning.
    The share rules (max_nation_share, lead_min_share) compare whole personnel numbers
    against it exactly, in the model, the verifier and the reports alike.
    """
    written = decimal(value)
    simple = written.limit_denominator(10**6)
    return simple if abs(simple - written) <= Fraction(1, 10**12) else written


def share_at_most(part: int, whole: int, share: float) -> bool:
    """part ≤ share × whole, exactly (SPEC rule 5, max_nation_share)."""
    s = exact_share(share)
    return part * s.denominator <= s.numerator * whole


def share_at_least(part: int, whole: int, share: float) -> bool:
    """part ≥ share × whole, exactly (SPEC rule 5, lead_min_share)."""
    s = exact_share(share)
    return part * s.denominator >= s.numerator * whole


def share_text(share: float) -> str:
    """A share rule's value as a percentage with every digit the input gave (0.142857 -> 14.2857%)."""
    return f"{float(exact_share(share) * 100):.10g}%"


def share_pair(actual: Fraction | float, limit: float) -> tuple[str, str]:
    """Two shares as percentages with just enough digits to tell them apart.

    (1/7, 0.142857) -> ("14.28571%", "14.2857%"): the limit as the user wrote it, the
    actual share with at least as many digits and as many more as it takes to differ from it.
    """
    lim = exact_share(limit) * 100
    lim_text = share_text(limit)
    act = Fraction(actual) * 100 if not isinstance(actual, float) else Fraction(repr(actual)) * 100
    digits = max(3, sum(ch.isdigit() for ch in lim_text.lstrip("0.")))
    while digits < 15:
        text = f"{float(act):.{digits}g}%"
        if act == lim or text != lim_text:
            return text, lim_text
        digits += 1
    return f"{float(act):.15g}%", lim_text


#: ``Scenario.host_country`` when there is no host country: the schema's "no country" code, ---.
#: When the input does not say, it is ``DEFAULT_HOST`` (UKR), the schema's default.
NO_HOST = NO_COUNTRY


def in_host(country: str, host: str) -> bool:
    """Whether a location in ``country`` counts as inside the host country ``host`` (SPEC section 1).

    The reports' personnel split: a location whose country is the host is inside, every other is
    outside. With no host (``NO_HOST``) nothing is inside, a location whose country is ``---`` included.
    """
    return host != NO_HOST and country == host


def is_black_sea(sea_area: str | None) -> bool:
    """Whether a Locations ``sea_area`` marks the Black Sea: black_sea, in any case, with a space or hyphen for _."""
    text = (sea_area or "").strip().lower().replace(" ", "_").replace("-", "_")
    return text == BLACK_SEA


def host_label(host: str) -> str:
    """The host country as reports name it: its code, or "host country (none)"."""
    return "host country (none)" if host == NO_HOST else host


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in decimal degrees (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Scenario:
    horizon: int
    name: str = ""
    ceasefire: bool = True
    include_conditional: bool = True
    lead_min_share: float = 0.25
    currency: str = "EUR"
    #: ISO alpha-3 code of the host country, or ``NO_HOST`` ("---") for none; see ``in_host``
    host_country: str = DEFAULT_HOST
    #: SPEC 5.1 sustainment: tonnes per day per 1,000 personnel, and the resupply radius (km); None = rule off
    supply_rate: float | None = None
    resupply_km: float | None = None
    #: SPEC 5.2 lift: personnel surface and charter lift move into the area per period; None = rule off
    lift_capacity: int | None = None

    @property
    def sustainment(self) -> bool:
        """Whether the sustainment rule (SPEC 5.1) is on."""
        return self.supply_rate is not None

    @property
    def lift(self) -> bool:
        """Whether the lift rule (SPEC 5.2) is on."""
        return self.lift_capacity is not None
    #: the Turkish straits for warships of non-Black-Sea states (SPEC 5.4): open (no rule), montreux, closed
    straits: str = "open"
    #: the Montreux Convention's aggregate tonnage limit, used when straits is montreux
    montreux_aggregate_t: float = 30000.0

    @property
    def periods(self) -> range:
        return range(1, self.horizon + 1)


@dataclass(frozen=True)
class Nation:
    id: str
    name: str
    european: bool
    fair_share: float | None = None
    black_sea_state: bool = False  # SPEC 5.4: its ships are not limited by the straits


@dataclass(frozen=True)
class Capability:
    id: str
    name: str
    domain: str
    unit: str
    personnel_per_unit: int
    throughput: float = 0.0  # SPEC 5.1: tonnes per day one allocated unit delivers (a depot)
    lift_per_period: float = 0.0  # SPEC 5.2: personnel one allocated unit moves into the area per period
    tonnage: float = 0.0  # tonnes of one unit (SPEC 5.4)


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    country: str
    kind: str
    personnel_capacity: int | None = None  # None = unlimited
    latitude: float | None = None
    longitude: float | None = None
    host_throughput: float = 0.0  # SPEC 5.1: tonnes per day of host-nation support here
    in_area: bool | None = None  # SPEC 5.2: needs lift; None = the default (yes unless the country is ---)

    @property
    def needs_lift(self) -> bool:
        """Whether personnel based here count as arrivals against lift (SPEC 5.2)."""
        return self.in_area if self.in_area is not None else self.country != NO_COUNTRY

    @property
    def needs_supply(self) -> bool:
        """Whether personnel here need sustainment (SPEC 5.1): everywhere but locations without a country."""
        return self.country != NO_COUNTRY
    sea_area: str = ""  # SPEC 5.4: "black_sea" marks a Black Sea location

    @property
    def black_sea(self) -> bool:
        """Whether the location is in the Black Sea (``sea_area`` black_sea, case and spaces aside)."""
        return is_black_sea(self.sea_area)


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    pillar: str
    priority: int
    start_period: int
    end_period: int
    requires_ceasefire: bool
    lead: str  # european | any | none
    min_nations: int = 1
    max_nation_share: float = 1.0
    active: bool = True


@dataclass(frozen=True)
class Basing:
    task: str
    location: str


@dataclass(frozen=True)
class Requirement:
    task: str
    capability: str
    units: int
    weight: float = 1.0


@dataclass(frozen=True)
class Pledge:
    id: str
    nation: str
    capability: str
    units: int
    from_period: int
    to_period: int
    cost_per_unit: float = 0.0
    status: str = "firm"  # firm | conditional
    probability: float = 1.0
    #: SPEC 5.3: periods one unit stays deployed (None = no rotation limit) and then stays home
    tour: int | None = None
    dwell: int = 0


@dataclass(frozen=True)
class Caveat:
    nation: str
    rule: str  # forbid | only | max_personnel
    country: str | None = None
    domain: str | None = None
    capability: str | None = None
    pillar: str | None = None
    task: str | None = None
    limit: int | None = None
    note: str = ""
    row: int | None = None  # spreadsheet row, to name the caveat in reports

    def filters(self) -> dict[str, str]:
        """The filters that are set, in schema order."""
        out = {}
        for key in ("country", "domain", "capability", "pillar", "task"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def label(self) -> str:
        f = ", ".join(f"{k}={v}" for k, v in self.filters().items()) or "any"
        lim = f" ≤ {self.limit}" if self.rule == "max_personnel" else ""
        return f"{self.nation} {self.rule}{lim} ({f})"


@dataclass(frozen=True)
class Problem:
    """A validated planning problem: the whole input workbook."""

    scenario: Scenario
    nations: tuple[Nation, ...]
    capabilities: tuple[Capability, ...]
    locations: tuple[Location, ...]
    tasks: tuple[Task, ...]
    basing: tuple[Basing, ...]
    requirements: tuple[Requirement, ...]
    pledges: tuple[Pledge, ...]
    caveats: tuple[Caveat, ...] = ()
    source: str = ""  # file the problem was read from, for reports
    #: what the reader noticed but did not refuse (unknown columns), one line each: reported, never planned on
    warnings: tuple[str, ...] = field(default=(), compare=False)

    # lookups, derived once ------------------------------------------------
    @cached_property
    def nation(self) -> dict[str, Nation]:
        return {n.id: n for n in self.nations}

    @cached_property
    def capability(self) -> dict[str, Capability]:
        return {c.id: c for c in self.capabilities}

    @cached_property
    def location(self) -> dict[str, Location]:
        return {loc.id: loc for loc in self.locations}

    @cached_property
    def task(self) -> dict[str, Task]:
        return {t.id: t for t in self.tasks}

    @cached_property
    def pledge(self) -> dict[str, Pledge]:
        return {p.id: p for p in self.pledges}

    @cached_property
    def task_locations(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {t.id: [] for t in self.tasks}
        for b in self.basing:
            out[b.task].append(b.location)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def task_requirements(self) -> dict[str, tuple[Requirement, ...]]:
        out: dict[str, list[Requirement]] = {t.id: [] for t in self.tasks}
        for r in self.requirements:
            out[r.task].append(r)
        return {k: tuple(v) for k, v in out.items()}

    def active_periods(self, task: Task) -> range:
        """Periods in which a task is active (SPEC rule 2)."""
        if not task.active or (task.requires_ceasefire and not self.scenario.ceasefire):
            return range(0)
        return range(max(1, task.start_period), min(self.scenario.horizon, task.end_period) + 1)

    @cached_property
    def caveats_of(self) -> dict[str, tuple[Caveat, ...]]:
        out: dict[str, list[Caveat]] = {}
        for c in self.caveats:
            out.setdefault(c.nation, []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    def caveat_matches(self, caveat: Caveat, pledge: Pledge, task: str, location: str) -> bool:
        """Whether an allocation of ``pledge`` to ``task`` at ``location`` matches every filter."""
        cap = self.capability[pledge.capability]
        t = self.task[task]
        return (
            (caveat.country is None or caveat.country == self.location[location].country)
            and (caveat.domain is None or caveat.domain == cap.domain)
            and (caveat.capability is None or caveat.capability == cap.id)
            and (caveat.pillar is None or caveat.pillar == t.pillar)
            and (caveat.task is None or caveat.task == t.id)
        )

    def barring_caveats(self, pledge: Pledge, task: str, location: str) -> tuple[Caveat, ...]:
        """The caveats that forbid this allocation (SPEC rule 3, forbid and only); empty if allowed.

        A matching ``forbid`` row bars it; if the nation has ``only`` rows and none
        matches, all of them bar it.
        """
        mine = self.caveats_of.get(pledge.nation, ())
        barred = [c for c in mine if c.rule == "forbid" and self.caveat_matches(c, pledge, task, location)]
        only = [c for c in mine if c.rule == "only"]
        if only and not any(self.caveat_matches(c, pledge, task, location) for c in only):
            barred += only
        return tuple(barred)

    def distance_km(self, a: str, b: str) -> float | None:
        """Great-circle distance between two locations; 0 from a location to itself; None without coordinates."""
        if a == b:
            return 0.0
        la, lb = self.location[a], self.location[b]
        if None in (la.latitude, la.longitude, lb.latitude, lb.longitude):
            return None
        return great_circle_km(la.latitude, la.longitude, lb.latitude, lb.longitude)

    @cached_property
    def supply_sources(self) -> dict[str, tuple[str, ...]]:
        """SPEC 5.1: for each location that needs supply, the locations within resupply range of it (itself first).

        Empty when the sustainment rule is off.
        """
        km = self.scenario.resupply_km
        if not self.scenario.sustainment or km is None:
            return {}
        out = {}
        for loc in self.locations:
            if not loc.needs_supply:
                continue
            near = [s.id for s in self.locations
                    if s.id != loc.id and (d := self.distance_km(s.id, loc.id)) is not None and d <= km]
            out[loc.id] = (loc.id, *near)
        return out
    def straits_limited(self, pledge: Pledge, location: str) -> bool:
        """Whether an allocation of ``pledge`` at ``location`` falls under Scenario straits (SPEC 5.4).

        A warship (a unit of a ``sea`` capability) of a nation that is not a Black Sea state, at a
        Black Sea location, while the straits are not open. Closed bars it; montreux counts its tonnage.
        """
        if self.scenario.straits == "open":
            return False
        return (self.capability[pledge.capability].domain == "sea"
                and not self.nation[pledge.nation].black_sea_state
                and self.location[location].black_sea)

    def straits_bar(self, pledge: Pledge, location: str) -> bool:
        """Whether the closed straits forbid an allocation of ``pledge`` at ``location`` (SPEC 5.4)."""
        return self.scenario.straits == "closed" and self.straits_limited(pledge, location)

    def rotation_windows(self, pledge: Pledge) -> list[tuple[int, ...]]:
        """SPEC 5.3: the runs of tour + dwell consecutive periods (cut at the horizon) in which the
        pledge's rotation limit, units × tour unit-periods, can bind: as the pledge's available periods
        in each run, those with more than ``tour`` of them, each run not inside another.

        Empty when the pledge has no tour or the limit cannot bind (dwell 0, or a tour at least as
        long as the pledge's window): at most ``units`` a period is then all the rule asks.
        """
        if pledge.tour is None or pledge.units <= 0:
            return []
        avail = set(self.pledge_periods(pledge))
        span = pledge.tour + pledge.dwell
        horizon = self.scenario.horizon
        runs = []
        for start in range(1, max(1, horizon - span + 1) + 1):  # later runs are cut inside the last full one
            run = tuple(k for k in range(start, min(horizon, start + span - 1) + 1) if k in avail)
            if len(run) > pledge.tour and run not in runs:
                runs.append(run)
        # the runs are intervals of the available periods: one inside another is implied by it
        return [r for r in runs if not any(o != r and o[0] <= r[0] and r[-1] <= o[-1] for o in runs)]

    def sustainable_units(self, pledge: Pledge) -> float:
        """SPEC 5.3: units × tour / (tour + dwell), what the pledge keeps deployed for good; units without a tour."""
        if pledge.tour is None:
            return float(pledge.units)
        return pledge.units * pledge.tour / (pledge.tour + pledge.dwell)

    def personnel_per_unit(self, pledge: Pledge) -> int:
        return self.capability[pledge.capability].personnel_per_unit

    def pledge_periods(self, pledge: Pledge) -> range:
        """Periods in which a pledge may be allocated (SPEC rule 1)."""
        if pledge.status == "conditional" and not self.scenario.include_conditional:
            return range(0)
        return range(max(1, pledge.from_period), min(self.scenario.horizon, pledge.to_period) + 1)


@dataclass(frozen=True, order=True)
class Allocation:
    """Whole units of one pledge on one task at one location in one period."""

    period: int
    task: str
    location: str
    pledge: str
    units: int


@dataclass(frozen=True)
class LevelResult:
    """How one lexicographic level was solved."""

    name: str  # shortfall_p1 … shortfall_p5, cost, contributions
    status: str  # optimal | feasible | not_solved (no time left, or no plan found) | infeasible | error
    value: float  # incumbent objective value of the level
    bound: float | None  # best proven bound
    gap: float | None  # relative gap, 0 when optimal
    seconds: float


@dataclass(frozen=True)
class SolveInfo:
    solver: str
    solver_version: str
    status: str  # optimal | feasible | …
    gap: float | None
    runtime_s: float
    options: dict = field(default_factory=dict)
    levels: tuple[LevelResult, ...] = ()
    cache: str = "off"  # off | miss | hit: whether the plan came from the solved-plan cache (cache.py)

    @property
    def proven(self) -> tuple[LevelResult, ...]:
        """The levels proven optimal, from the first up to the first that is not."""
        n = 0
        while n < len(self.levels) and self.levels[n].status == "optimal":
            n += 1
        return self.levels[:n]


@dataclass(frozen=True)
class Plan:
    """A set of allocations with how it was found."""

    allocations: tuple[Allocation, ...]
    leads: dict[str, str] = field(default_factory=dict)  # task -> lead nation
    info: SolveInfo | None = None
