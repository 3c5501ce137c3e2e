"""The rules of SPEC section 5 for the generated benchmark instances.

``add_rules(rows, rules, key, ...)`` takes the rows a generator drew (sheet name ->
list of row dicts, SPEC section 1 columns) and adds, in place, the data of the
chosen rules, each drawn from its own ``random.Random("<key>:rules:<rule>")`` so
that one rule's data do not depend on which other rules are on, and the rows of
an instance without rules are untouched (same seed -> same workbook as before):

* ``sustainment`` (5.1): Scenario ``supply_rate`` 40 t/day per 1,000 personnel and
  ``resupply_km`` 250-350; ``throughput`` on depot capabilities (a forward depot a
  few hundred t/day, a fuel company 100-200); ``host_throughput`` on every
  location: low in the host country (10-60 t/day), large at the hubs and bases of
  the neighbouring states, large at home bases far away; coordinates on every
  location with a country (family 2 gets real places in and around Ukraine, the
  host country's mostly in its west and centre, a few far east); the depot
  task gets basing in the host country where host-nation support in range falls
  short, and enough depot units to close it (depot requirement rows capped at 3
  units, the depot task's set by the deficit; pledges topped up).
* ``lift`` (5.2): ``lift_per_period`` on strategic airlift detachments (1,200-1,800 a month; tactical
  airlift moves people within the theatre); airlift requirement rows of a few detachments (at most 2 a
  row, about half the lift in all; a logistics task asks for airlift when none does; pledges topped up);
  Scenario ``lift_capacity`` so that surface lift plus airlift move the peak in-area demand in about 2
  (horizon ≤ 6), 3 (≤ 12) or 4 periods, so lift binds in the first periods; ``in_area`` no at home bases
  far from the theatre (Germany, the United Kingdom, France, Greece, Lithuania).
* ``rotation`` (5.3): ``tour``/``dwell`` on about a fifth of the pledges of units
  with personnel: the rule of thirds (tour 1, dwell 2) and 6/12 with three times
  the units held, 4/4 with twice the units, and 6/12 on the units as pledged (a
  nation that cannot sustain its offer); shorter tours (2/4, 1/1) on horizons
  under 12 periods, where a tour of 6 could not bind.
* ``montreux`` (5.4): Scenario ``straits`` montreux (two thirds of the draws) or
  closed, ``montreux_aggregate_t`` 30,000 or 45,000; ``sea_area`` black_sea at
  the naval bases of Ukraine, Romania and Bulgaria (mediterranean elsewhere);
  ``black_sea_state`` on Bulgaria, Georgia, Romania, Turkiye and Ukraine;
  ``tonnage`` on sea capabilities (frigate 3,000-6,000 t, MCM 500-700 t …).

With sustainment or lift on, a remote location (country ``---``) gets capacity 0, as
in the shared baseline-wave2 data: personnel "in space" would need neither supply
nor lift. A task based only there gets an air base as a ground station.

``RULE_FIELDS`` names the parameters and columns of each rule (used by the runner
to take rules out of the baseline-wave2 data).
"""

from __future__ import annotations

import math
import random

RULES = ("sustainment", "lift", "rotation", "montreux")

#: parameters (Scenario) and columns (sheet, column) of each rule
RULE_FIELDS: dict[str, dict[str, tuple]] = {
    "sustainment": {"parameters": ("supply_rate", "resupply_km"),
                    "columns": (("Capabilities", "throughput"), ("Locations", "host_throughput"))},
    "lift": {"parameters": ("lift_capacity",),
             "columns": (("Capabilities", "lift_per_period"), ("Locations", "in_area"))},
    "rotation": {"parameters": (), "columns": (("Pledges", "tour"), ("Pledges", "dwell"))},
    "montreux": {"parameters": ("straits", "montreux_aggregate_t"),
                 "columns": (("Locations", "sea_area"), ("Nations", "black_sea_state"),
                             ("Capabilities", "tonnage"))},
}
#: rule columns per sheet, in schema order (writers add those present in the rows)
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Nations": ("black_sea_state",),
    "Capabilities": ("throughput", "lift_per_period", "tonnage"),
    "Locations": ("host_throughput", "in_area", "sea_area"),
    "Pledges": ("tour", "dwell"),
}


def parse_rules(spec) -> tuple[str, ...]:
    """``sustainment,lift`` / ``sustainment+lift`` / ``all`` / ``rules`` (or a list of names) -> the rules in
    canonical order."""
    if not spec:
        return ()
    if not isinstance(spec, str):
        spec = ",".join(spec)
    items = {x.strip().lower() for x in spec.replace("+", ",").split(",") if x.strip()}
    if items & {"all", "rules"}:
        return RULES
    unknown = sorted(items - set(RULES))
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}: expected {', '.join(RULES)} or all")
    return tuple(r for r in RULES if r in items)


def rules_tag(rules) -> str:
    """File and instance name suffix: ``+rules`` for all four, else ``+lift+rotation`` …; '' for none."""
    rules = parse_rules(rules)
    if not rules:
        return ""
    return "+rules" if set(rules) == set(RULES) else "".join(f"+{r}" for r in rules)


# ============================================================================ reference data
HOST = "UKR"
NEIGHBOURS = ("POL", "ROU", "SVK", "HUN", "MDA", "BGR")
FAR = ("DEU", "GBR", "FRA", "GRC", "LTU")  # home and staging bases outside the theatre: no lift in
BLACK_SEA_STATES = ("BGR", "GEO", "ROU", "TUR", "UKR")
BLACK_SEA_COUNTRIES = ("UKR", "ROU", "BGR", "GEO")

#: tonnes per day one unit delivers
THROUGHPUT = {"DEPOT": (250, 400), "FUEL_COY": (100, 200), "POL": (100, 200)}
#: personnel one unit moves into the area in a period (a month)
LIFT = {"ALIFT_DET": (1200, 1800)}  # strategic airlift only: tactical airlift moves people within the theatre
#: standard displacement of one unit (t); sea capabilities not listed (aircraft, dive teams) have none
TONNAGE = {"FFG": (3000, 6000), "DDG": (6000, 8000), "CORVETTE": (1500, 2500), "OPV": (1500, 2000),
           "MCM": (500, 700), "SSK": (1500, 2500), "AOR": (10000, 20000), "USV_DET": (20, 60)}
#: a capability to add when the instance has none of the kind: (row, cost per unit-period)
DEPOT_CAP = ({"capability": "DEPOT", "name": "Forward logistics depot", "domain": "logistics", "unit": "depot",
              "personnel_per_unit": 80}, 700)
AIRLIFT_CAP = ({"capability": "ALIFT_DET", "name": "Strategic airlift detachment", "domain": "logistics",
                "unit": "detachment", "personnel_per_unit": 60}, 1500)

#: host-nation support (t/day) in a neighbouring state, by kind of location
NEIGHBOUR_HOST = {"depot_site": (1000, 2000), "air_base": (400, 1200), "naval_base": (300, 800),
                  "land_base": (300, 800), "training_area": (200, 500), "headquarters": (100, 400)}

# real places for locations drawn without one (family 2): country -> [(place, lat, lon, weight)]
PLACES = {
    "UKR": [("Lviv", 49.84, 24.03, 3), ("Yavoriv", 49.95, 23.50, 3), ("Rivne", 50.62, 26.25, 3),
            ("Lutsk", 50.75, 25.33, 3), ("Ternopil", 49.55, 25.59, 3), ("Khmelnytskyi", 49.42, 26.99, 3),
            ("Starokostiantyniv", 49.73, 27.27, 3), ("Zhytomyr", 50.25, 28.66, 3), ("Vinnytsia", 49.23, 28.47, 3),
            ("Kyiv", 50.45, 30.52, 3), ("Bila Tserkva", 49.80, 30.11, 3), ("Uman", 48.75, 30.22, 2),
            ("Ivano-Frankivsk", 48.92, 24.71, 3), ("Uzhhorod", 48.62, 22.29, 2), ("Chernivtsi", 48.29, 25.94, 2),
            ("Kovel", 51.21, 24.71, 2), ("Mukachevo", 48.44, 22.72, 2), ("Cherkasy", 49.44, 32.06, 1),
            ("Kropyvnytskyi", 48.51, 32.26, 1), ("Poltava", 49.59, 34.55, 1), ("Dnipro", 48.46, 35.05, 1),
            ("Kharkiv", 49.99, 36.23, 1), ("Zaporizhzhia", 47.84, 35.14, 1), ("Chernihiv", 51.49, 31.29, 1)],
    "POL": [("Rzeszow", 50.11, 22.02, 3), ("Przemysl", 49.78, 22.77, 3), ("Lublin", 51.25, 22.57, 3),
            ("Zamosc", 50.72, 23.25, 2), ("Deblin", 51.56, 21.85, 2), ("Krakow", 50.06, 19.94, 2),
            ("Lask", 51.55, 19.18, 1), ("Powidz", 52.38, 17.85, 1), ("Drawsko Pomorskie", 53.53, 15.81, 1)],
    "ROU": [("Mihail Kogalniceanu", 44.36, 28.49, 2), ("Iasi", 47.16, 27.59, 3), ("Galati", 45.43, 28.05, 3),
            ("Suceava", 47.65, 26.26, 3), ("Campia Turzii", 46.50, 23.89, 1), ("Cincu", 45.88, 24.78, 1),
            ("Bucharest", 44.43, 26.10, 1)],
    "MDA": [("Chisinau", 47.01, 28.86, 1), ("Balti", 47.76, 27.93, 1), ("Bulboaca", 46.89, 29.32, 1)],
    "SVK": [("Kosice", 48.72, 21.26, 3), ("Presov", 49.00, 21.24, 2), ("Lest", 48.37, 19.31, 1),
            ("Sliac", 48.64, 19.14, 1)],
    "HUN": [("Nyiregyhaza", 47.95, 21.72, 3), ("Debrecen", 47.53, 21.64, 2), ("Szolnok", 47.18, 20.19, 1),
            ("Papa", 47.36, 17.50, 1)],
    "BGR": [("Graf Ignatievo", 42.29, 24.71, 1), ("Novo Selo", 42.12, 26.13, 1), ("Bezmer", 42.45, 26.35, 1),
            ("Sofia", 42.70, 23.32, 1)],
    "LTU": [("Siauliai", 55.89, 23.40, 1), ("Pabrade", 54.98, 25.76, 1), ("Rukla", 55.04, 24.38, 1),
            ("Vilnius", 54.69, 25.28, 1)],
    "DEU": [("Grafenwoehr", 49.70, 11.94, 1), ("Ramstein", 49.44, 7.60, 1), ("Wiesbaden", 50.05, 8.33, 1),
            ("Munster", 52.99, 10.09, 1), ("Ulm", 48.40, 9.99, 1)],
    "GBR": [("Salisbury Plain", 51.20, -1.85, 1), ("Brize Norton", 51.75, -1.58, 1), ("Northwood", 51.63, -0.42, 1),
            ("Catterick", 54.37, -1.70, 1)],
}
PORTS = {
    "UKR": [("Odesa", 46.48, 30.72, 3), ("Mykolaiv", 46.97, 31.99, 2), ("Pivdennyi", 46.62, 31.01, 2),
            ("Chornomorsk", 46.30, 30.65, 2), ("Izmail", 45.35, 28.84, 1)],
    "ROU": [("Constanta", 44.17, 28.65, 2), ("Mangalia", 43.81, 28.58, 1)],
    "BGR": [("Varna", 43.20, 27.91, 2), ("Burgas", 42.50, 27.47, 2), ("Atiya", 42.44, 27.56, 1)],
}


# ============================================================================ helpers
def _round_to(x: float, step: int) -> int:
    return int(step * round(x / step))


def _draw(rng: random.Random, lo: float, hi: float, step: int) -> int:
    return max(step, _round_to(rng.uniform(lo, hi), step))


def km(a: dict, b: dict) -> float:
    """Great-circle distance between two location rows (haversine, Earth radius 6,371 km)."""
    la1, lo1, la2, lo2 = map(math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _has_xy(loc: dict) -> bool:
    return loc.get("latitude") is not None and loc.get("longitude") is not None


class _Instance:
    """Look-ups over the rows (rebuilt after each rule, since rules add rows)."""

    def __init__(self, rows: dict[str, list[dict]]):
        self.rows = rows
        self.params = {r["parameter"]: r["value"] for r in rows["Scenario"]}
        self.horizon = int(self.params["horizon"])
        self.caps = {c["capability"]: c for c in rows["Capabilities"]}
        self.locs = {x["location"]: x for x in rows["Locations"]}
        self.tasks = {t["task"]: t for t in rows["Tasks"]}
        self.nations = [n["nation"] for n in rows["Nations"]]
        self.bases: dict[str, list[str]] = {}
        for b in rows["Basing"]:
            self.bases.setdefault(b["task"], []).append(b["location"])

    def active(self, t: dict) -> range:
        if t.get("active") == "no":
            return range(0)
        return range(t["start_period"], min(t["end_period"], self.horizon) + 1)

    def personnel(self, tid: str) -> float:
        return sum(r["units"] * self.caps[r["capability"]]["personnel_per_unit"]
                   for r in self.rows["Requirements"] if r["task"] == tid)

    def peak_demand(self, cap: str) -> int:
        per = [0] * (self.horizon + 1)
        for r in self.rows["Requirements"]:
            if r["capability"] == cap:
                for p in self.active(self.tasks[r["task"]]):
                    per[p] += r["units"]
        return max(per)

    def load(self) -> dict[str, float]:
        """Personnel each location would hold at the peak if every task spread evenly over its bases (capped)."""
        load = {lid: 0.0 for lid in self.locs}
        for tid, locs in self.bases.items():
            t = self.tasks[tid]
            if not self.active(t):
                continue
            usable = [x for x in locs if self.locs[x].get("personnel_capacity") != 0] or locs
            for x in usable:
                load[x] += self.personnel(tid) / len(usable)
        for lid, loc in self.locs.items():
            cap = loc.get("personnel_capacity")
            if cap is not None:
                load[lid] = min(load[lid], cap)
        return load

    def pick_task(self, pillar_first: str, exclude=()) -> str | None:
        """The active task of the pillar with the longest window (the first such), else any active task."""
        pool = [t for t in self.rows["Tasks"] if self.active(t) and t["task"] not in exclude]
        if not pool:
            return None
        same = [t for t in pool if t["pillar"] == pillar_first] or pool
        return max(same, key=lambda t: (len(self.active(t)), -same.index(t)))["task"]


def _ensure_pledged(inst: _Instance, rng: random.Random, cap: str, default_cost: float, factor: float = 1.0,
                    size_order=None) -> None:
    """Pledges of ``cap`` total at least ``factor`` × its peak demand: more units from large nations without
    caveats (the first of them that already pledge it, else new pledges)."""
    rows = inst.rows
    need = math.ceil(factor * inst.peak_demand(cap))
    have = sum(p["units"] for p in rows["Pledges"] if p["capability"] == cap)
    if have >= need:
        return
    caveated = {c["nation"] for c in rows["Caveats"]}
    order = list(size_order or inst.nations)
    free = [n for n in order if n not in caveated] or order
    costs = sorted(p["cost_per_unit"] for p in rows["Pledges"]
                   if p["capability"] == cap and p.get("cost_per_unit") not in (None, 0))
    cost = costs[len(costs) // 2] if costs else default_cost
    givers = free[:6]
    rng.shuffle(givers)
    givers = givers[:min(3, max(1, need - have))]
    short = need - have
    ids = {p["pledge"] for p in rows["Pledges"]}
    for i, n in enumerate(givers):
        units = short // len(givers) + (1 if i < short % len(givers) else 0)
        if units <= 0:
            continue
        pid = f"{n}-{cap}-R"
        k = 1
        while pid in ids:
            k += 1
            pid = f"{n}-{cap}-R{k}"
        ids.add(pid)
        rows["Pledges"].append({"pledge": pid, "nation": n, "capability": cap, "units": units, "from_period": 1,
                                "to_period": inst.horizon, "cost_per_unit": cost, "status": "firm"})


def _set_param(rows: dict[str, list[dict]], name: str, value) -> None:
    for r in rows["Scenario"]:
        if r["parameter"] == name:
            r["value"] = value
            return
    rows["Scenario"].append({"parameter": name, "value": value})


def _add_cap(rows: dict[str, list[dict]], template: tuple[dict, float]) -> str:
    row, _ = template
    rows["Capabilities"].append(dict(row))
    return row["capability"]


def _drawn_caps(rows: dict[str, list[dict]], inst: _Instance, rng: random.Random, ranges: dict[str, tuple],
                template: tuple[dict, float], column: str, step: int) -> tuple[_Instance, list[str]]:
    """The instance's capabilities of a kind (those in ``ranges``), or one added from ``template`` when it
    has none, each with ``column`` drawn from its range; the instance is re-read when one was added."""
    caps = [c for c in inst.caps if c in ranges]
    if not caps:
        caps = [_add_cap(rows, template)]
        inst = _Instance(rows)
    for c in caps:
        lo, hi = ranges[c]
        inst.caps[c][column] = _draw(rng, lo, hi, step)
    return inst, caps


def _require(inst: _Instance, cap: str, tid: str, units: int) -> None:
    for r in inst.rows["Requirements"]:
        if r["task"] == tid and r["capability"] == cap:
            r["units"] = max(r["units"], units)
            return
    inst.rows["Requirements"].append({"task": tid, "capability": cap, "units": units})


def _no_space(rows: dict[str, list[dict]]) -> None:
    """Remote locations hold no personnel; a task based only there gets an air base (ground station)."""
    inst = _Instance(rows)
    remote = {lid for lid, loc in inst.locs.items() if loc["country"] == "---"}
    if not remote:
        return
    for lid in remote:
        inst.locs[lid]["personnel_capacity"] = 0
    air = [lid for lid, loc in inst.locs.items() if loc["kind"] == "air_base" and loc["country"] != "---"]
    ground = sorted(air, key=lambda x: inst.locs[x]["country"] == HOST)[:1] or \
        [lid for lid in inst.locs if lid not in remote][:1]
    for tid, locs in inst.bases.items():
        if set(locs) <= remote and inst.personnel(tid) > 0 and ground:
            rows["Basing"].append({"task": tid, "location": ground[0]})


# ============================================================================ the rules
def _sustainment(rows: dict[str, list[dict]], rng: random.Random, size_order, family: str) -> None:
    # coordinates on every location with a country: family 2 draws them at random in a box per country (or
    # none); here each gets a real place, so that distances are those of the theatre
    if family == "f2" or any(not _has_xy(x) for x in rows["Locations"] if x["country"] != "---"):
        _place_all(rows, rng, only_missing=family != "f2")
    inst = _Instance(rows)
    _set_param(rows, "supply_rate", 40)
    resupply = rng.choice((250, 300, 300, 350))
    _set_param(rows, "resupply_km", resupply)
    # host-nation support: low inside the host country, large in the neighbours' hubs, large at home
    for loc in rows["Locations"]:
        c, kind = loc["country"], loc["kind"]
        if c == "---":
            continue
        if c == HOST:
            loc["host_throughput"] = _draw(rng, 10, 60, 10)
        elif c in NEIGHBOURS:
            lo, hi = NEIGHBOUR_HOST.get(kind, (200, 600))
            f = 0.25 if c == "MDA" else 1.0
            loc["host_throughput"] = _draw(rng, lo * f, hi * f, 50)
        else:
            loc["host_throughput"] = _draw(rng, 800, 2000, 50)
    # depot capabilities
    inst, depots = _drawn_caps(rows, inst, rng, THROUGHPUT, DEPOT_CAP, "throughput", 50)
    main = max(depots, key=lambda c: inst.caps[c]["throughput"])
    thr = inst.caps[main]["throughput"]
    # the depot task: the active task needing depot units with the longest window, else a logistics task
    need_depot = [r["task"] for r in rows["Requirements"] if r["capability"] in depots
                  and inst.active(inst.tasks[r["task"]])]
    if need_depot:
        tid = max(need_depot, key=lambda t: (inst.tasks[t]["pillar"] == "logistics",
                                             len(inst.active(inst.tasks[t])), -need_depot.index(t)))
    else:
        tid = inst.pick_task("logistics")
    if tid is None:
        return
    # where host-nation support in range falls short of the peak need: each source's host throughput shared
    # among the locations in its range in proportion to their need
    load = inst.load()
    rate = 40.0
    with_xy = [x for x in rows["Locations"] if _has_xy(x) and x["country"] != "---"]
    need = {x["location"]: rate * load[x["location"]] / 1000.0 for x in with_xy}
    got = {lid: 0.0 for lid in need}
    for src in with_xy:
        sinks = [x["location"] for x in with_xy if need[x["location"]] > 0 and km(src, x) <= resupply]
        total = sum(need[x] for x in sinks)
        for x in sinks:
            got[x] += src.get("host_throughput", 0) * need[x] / total
    deficit = {lid: need[lid] - got[lid] for lid in need if need[lid] - got[lid] > 1e-6}
    # greedy cover: up to three host-country locations for the depot task, each covering the most deficit left
    candidates = [x for x in with_xy if x["country"] == HOST]
    left = dict(deficit)
    added = 0
    while left and candidates and added < 3:
        def gain(c: dict) -> float:
            return sum(v for d, v in left.items() if km(c, inst.locs[d]) <= resupply)
        best = max(candidates, key=lambda c: (gain(c), -candidates.index(c)))
        if gain(best) <= 0:
            break
        if best["location"] not in inst.bases.get(tid, []):
            rows["Basing"].append({"task": tid, "location": best["location"]})
            inst.bases.setdefault(tid, []).append(best["location"])
        left = {d: v for d, v in left.items() if km(best, inst.locs[d]) > resupply}
        candidates.remove(best)
        added += 1
    # depot units: a few per task (a depot handles a few hundred t/day), the depot task enough for the deficit
    for r in rows["Requirements"]:
        if r["capability"] in depots:
            r["units"] = min(r["units"], 3)
    units = max(2, min(8, math.ceil(1.25 * sum(deficit.values()) / thr)))
    _require(inst, main, tid, units)
    inst = _Instance(rows)
    for c in depots:
        _ensure_pledged(inst, rng, c, DEPOT_CAP[1], 1.0, size_order)


def _place_all(rows: dict[str, list[dict]], rng: random.Random, only_missing: bool) -> None:
    """Real places (family 2): the ports for naval bases, the rest by weight; a jittered copy when a country
    runs out of places."""
    taken: set[tuple[str, str]] = set()
    for loc in rows["Locations"]:
        c = loc["country"]
        if c == "---" or only_missing and _has_xy(loc):
            continue
        table = PORTS.get(c) if loc["kind"] == "naval_base" and c in PORTS else PLACES.get(c)
        if not table:
            continue
        free = [p for p in table if (c, p[0]) not in taken]
        if free:
            name, lat, lon, _ = rng.choices(free, weights=[p[3] for p in free], k=1)[0]
            taken.add((c, name))
        else:
            name, lat, lon, _ = rng.choice(table)
            lat, lon = lat + rng.uniform(-0.3, 0.3), lon + rng.uniform(-0.3, 0.3)
        loc["latitude"], loc["longitude"] = round(lat, 4), round(lon, 4)
        loc["name"] = f"{loc['name']} ({name})"


def _lift(rows: dict[str, list[dict]], rng: random.Random, size_order) -> None:
    inst = _Instance(rows)
    for loc in rows["Locations"]:
        if loc["country"] in FAR:
            loc["in_area"] = "no"
    inst, lifters = _drawn_caps(rows, inst, rng, LIFT, AIRLIFT_CAP, "lift_per_period", 100)
    # peak personnel in the area (each task spread evenly over its bases) and the lift that would move it
    # in k periods
    in_area = {lid for lid, loc in inst.locs.items() if loc["country"] != "---" and loc.get("in_area") != "no"}
    per = [0.0] * (inst.horizon + 1)
    for tid, locs in inst.bases.items():
        share = sum(1 for x in locs if x in in_area) / len(locs)
        pers = inst.personnel(tid) * share
        for p in inst.active(inst.tasks[tid]):
            per[p] += pers
    peak = max(per)
    k = 2 if inst.horizon <= 6 else 3 if inst.horizon <= 12 else 4
    wanted = peak / k
    # airlift: about half of it, in detachments of lift_per_period each; a few detachments per task, not a fleet
    main = lifters[0]
    lpp = inst.caps[main]["lift_per_period"]
    target = max(1, round(0.5 * wanted / lpp))
    reqs = [r for r in rows["Requirements"] if r["capability"] in lifters]
    for r in reqs:
        r["units"] = min(r["units"], 2)
    if not any(inst.active(inst.tasks[r["task"]]) for r in reqs):
        tid = inst.pick_task("logistics")
        if tid is not None:
            _require(inst, main, tid, min(2, target))
            reqs = [r for r in rows["Requirements"] if r["capability"] in lifters]
    while sum(r["units"] for r in reqs) > target and any(r["units"] > 1 for r in reqs):
        max(reqs, key=lambda r: (r["units"], -reqs.index(r)))["units"] -= 1
    inst = _Instance(rows)
    for c in lifters:
        _ensure_pledged(inst, rng, c, AIRLIFT_CAP[1], 1.0, size_order)
    inst = _Instance(rows)
    air = sum(inst.peak_demand(c) * inst.caps[c]["lift_per_period"] for c in lifters)
    surface = max(0.3 * wanted, wanted - air) * rng.uniform(0.9, 1.1)
    _set_param(rows, "lift_capacity", max(500, _round_to(surface, 100)))


def _rotation(rows: dict[str, list[dict]], rng: random.Random) -> None:
    inst = _Instance(rows)
    if inst.horizon >= 12:
        patterns = [((1, 2), 3, 0.35), ((6, 12), 3, 0.35), ((4, 4), 2, 0.15), ((6, 12), 1, 0.15)]
    else:
        patterns = [((1, 2), 3, 0.35), ((2, 4), 3, 0.35), ((1, 1), 2, 0.15), ((2, 4), 1, 0.15)]
    for p in rows["Pledges"]:
        r = rng.random()
        if p["units"] < 1 or inst.caps[p["capability"]]["personnel_per_unit"] == 0 or r >= 0.2:
            continue
        (tour, dwell), mult, _ = rng.choices(patterns, weights=[w for *_, w in patterns], k=1)[0]
        p["units"] = p["units"] * mult
        p["tour"], p["dwell"] = tour, dwell


def _montreux(rows: dict[str, list[dict]], rng: random.Random) -> None:
    straits = "montreux" if rng.random() < 2 / 3 else "closed"
    _set_param(rows, "straits", straits)
    _set_param(rows, "montreux_aggregate_t", rng.choice((30000, 45000)))
    for n in rows["Nations"]:
        if n["nation"] in BLACK_SEA_STATES:
            n["black_sea_state"] = "yes"
    for loc in rows["Locations"]:
        if loc["kind"] == "naval_base":
            loc["sea_area"] = "black_sea" if loc["country"] in BLACK_SEA_COUNTRIES else "mediterranean"
    for c in rows["Capabilities"]:
        if c["domain"] == "sea" and c["capability"] in TONNAGE:
            lo, hi = TONNAGE[c["capability"]]
            c["tonnage"] = _draw(rng, lo, hi, 100 if hi >= 1000 else 10)


def add_rules(rows: dict[str, list[dict]], rules, key: str, size_order=None, family: str = "f1") -> None:
    """Add the data of ``rules`` (names of ``RULES``) to ``rows`` in place; ``key`` seeds each rule's draws
    (the generator's own seed string); ``size_order`` lists nations largest first (who pledges the extra
    depot or airlift units)."""
    rules = parse_rules(rules)
    if not rules:
        return
    if "sustainment" in rules or "lift" in rules:
        _no_space(rows)
    for rule in rules:
        rng = random.Random(f"{key}:rules:{rule}")
        if rule == "sustainment":
            _sustainment(rows, rng, size_order, family)
        elif rule == "lift":
            _lift(rows, rng, size_order)
        elif rule == "rotation":
            _rotation(rows, rng)
        elif rule == "montreux":
            _montreux(rows, rng)
    name = next(r for r in rows["Scenario"] if r["parameter"] == "name")
    name["value"] = f"{name['value']}; rules: {', '.join(rules)}"


def describe(rows: dict[str, list[dict]]) -> str:
    """One line on the SPEC section 5 data in the rows ('' when there are none)."""
    p = {r["parameter"]: r["value"] for r in rows["Scenario"]}
    caps, locs = rows["Capabilities"], rows["Locations"]
    out = []
    if p.get("supply_rate") is not None:
        host = [x["host_throughput"] for x in locs if x.get("host_throughput") is not None and x["country"] == HOST]
        away = [x["host_throughput"] for x in locs if x.get("host_throughput") is not None and x["country"] != HOST]
        out.append(f"sustainment {p['supply_rate']} t/day per 1,000 within {p['resupply_km']} km, depots "
                   + ", ".join(f"{c['capability']} {c['throughput']} t/day" for c in caps if c.get("throughput"))
                   + (f", host support {min(host)}-{max(host)} t/day in {HOST}" if host else "")
                   + (f", {min(away)}-{max(away)} elsewhere" if away else ""))
    if p.get("lift_capacity") is not None:
        out.append(f"lift {p['lift_capacity']:,} a period + "
                   + ", ".join(f"{c['capability']} {c['lift_per_period']:,}" for c in caps if c.get("lift_per_period"))
                   + f" a unit; {sum(1 for x in locs if x.get('in_area') == 'no')} locations out of the area")
    tours = [x for x in rows["Pledges"] if x.get("tour")]
    if tours:
        kinds: dict[str, int] = {}
        for x in tours:
            kinds[f"{x['tour']}/{x['dwell']}"] = kinds.get(f"{x['tour']}/{x['dwell']}", 0) + 1
        out.append(f"rotation on {len(tours)} of {len(rows['Pledges'])} pledges ("
                   + ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items())) + ")")
    if p.get("straits") is not None:
        out.append(f"straits {p['straits']} ({p.get('montreux_aggregate_t', 30000):,} t), "
                   f"{sum(1 for x in locs if x.get('sea_area') == 'black_sea')} Black Sea locations, states "
                   + ", ".join(n["nation"] for n in rows["Nations"] if n.get("black_sea_state") == "yes")
                   + "; tonnage " + (", ".join(f"{c['capability']} {c['tonnage']:,}" for c in caps if c.get("tonnage"))
                                     or "none (no ships)"))
    return "; ".join(out)
