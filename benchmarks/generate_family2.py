#!/usr/bin/env python
"""Instance family 2: named, seeded input workbooks with mixes unlike a typical coalition.

    python benchmarks/generate_family2.py --out benchmarks/instances [--only NAME] [--list]

Each named instance (``INSTANCES``) sets the sizes and the mix: many small tasks or a
few large ones, loose or tight location capacities, sparse or dense pledges, long
horizons, conditional pledges, caveats of every rule and filter, min_nations 1..4,
share limits and weights as arbitrary decimals, european / any / none leads, task
windows, locations with and without a capacity, requirements of 1..12 units and
capabilities with no personnel (remote monitoring).

The workbooks follow SPEC section 1 (one sheet per input table, the column names in
row 1, each sheet an Excel Table) and are written with XlsxWriter. The same name and
seed always give the same rows and the same bytes.

Library use (the benchmark runner)::

    from generate_family2 import INSTANCES, generate, write_instance
    rows = generate("f2-small-sparse")            # sheet -> list of row dicts
    path = write_instance("f2-small-sparse", "benchmarks/instances")
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "instances"


# ============================================================================ instance definitions
@dataclass(frozen=True)
class Mix:
    """Sizes and mix of one named instance."""

    name: str
    seed: int
    about: str
    nations: int
    capabilities: int
    tasks: int
    locations: int
    horizon: int
    non_european: float = 0.2  # share of nations that may not lead a european task
    pledge_caps: tuple[float, float] = (0.1, 0.25)  # share of the capabilities each nation pledges
    supply: tuple[float, float] = (0.7, 1.3)  # pledged units / peak demand, per capability
    unpledged: float = 0.05  # chance that a required capability gets no pledge at all
    req_rows: tuple[int, int] = (1, 4)  # requirement rows per task
    units: tuple[int, int] = (1, 6)  # units per requirement row
    basing: tuple[int, int] = (1, 3)  # basing locations per task
    capacity: tuple[float, float] = (1.2, 2.5)  # capacity / estimated personnel based there
    unlimited: float = 0.3  # share of (non-remote) locations without a capacity
    zero_capacity: int = 0  # locations with capacity 0 (only personnel-free units fit)
    windows: float = 0.3  # share of tasks that start late or end early
    pledge_windows: float = 0.25  # share of pledges with a window
    follow_on: float = 0.08  # share of pledges split into two successive pledges
    conditional: float = 0.2  # share of pledges that are conditional
    caveats_per_nation: float = 0.8
    min_nations: tuple[float, float, float, float] = (0.45, 0.3, 0.15, 0.1)  # weights of 1, 2, 3, 4
    shares: tuple[float, ...] = (0.37, 0.6, 0.45, 0.75, 0.142857, 0.8125, 0.55, 0.9)
    share_blank: float = 0.45  # tasks without max_nation_share (default 1)
    leads: tuple[float, float, float] = (0.4, 0.3, 0.3)  # european, any, none
    lead_min_share: float = 0.37
    include_conditional: bool = True
    inactive: float = 0.05  # share of tasks with active = no
    pillars: tuple[str, ...] = ()  # restrict the tasks to these pillars (empty: all)


INSTANCES: dict[str, Mix] = {m.name: m for m in (
    Mix("f2-small-sparse", 201, "few nations, each pledging one to three capabilities; loose capacities",
        nations=15, capabilities=8, tasks=10, locations=6, horizon=6,
        pledge_caps=(0.12, 0.35), supply=(0.7, 1.2), req_rows=(1, 3), units=(1, 6), basing=(1, 2),
        capacity=(1.8, 3.5), unlimited=0.35, caveats_per_nation=0.7, lead_min_share=0.37),
    Mix("f2-many-small-tasks", 202, "forty tasks of one or two requirement rows of one to three units",
        nations=24, capabilities=12, tasks=40, locations=10, horizon=12,
        pledge_caps=(0.15, 0.4), supply=(0.6, 1.1), req_rows=(1, 2), units=(1, 3), basing=(1, 3),
        capacity=(0.9, 2.0), unlimited=0.25, windows=0.45, min_nations=(0.55, 0.35, 0.1, 0.0),
        shares=(0.6, 0.75, 0.5625, 0.9, 0.666667), lead_min_share=0.142857),
    Mix("f2-few-large-tasks", 203, "eight tasks of five to nine rows of four to twelve units; many nations each",
        nations=30, capabilities=20, tasks=8, locations=8, horizon=12,
        pledge_caps=(0.1, 0.3), supply=(0.8, 1.3), req_rows=(5, 9), units=(4, 12), basing=(2, 4),
        capacity=(1.3, 2.5), unlimited=0.5, min_nations=(0.0, 0.3, 0.4, 0.3), share_blank=0.2,
        shares=(0.37, 0.45, 0.3125, 0.6, 0.5, 0.41), leads=(0.5, 0.4, 0.1), lead_min_share=0.3125,
        non_european=0.3),
    Mix("f2-tight-capacity", 204, "ample pledges, location capacities at a third to two thirds of the demand",
        nations=25, capabilities=16, tasks=20, locations=12, horizon=8,
        pledge_caps=(0.15, 0.35), supply=(1.2, 1.8), unpledged=0.0, req_rows=(2, 4), units=(1, 8), basing=(1, 3),
        capacity=(0.3, 0.7), unlimited=0.0, zero_capacity=1, lead_min_share=0.6,
        shares=(0.6, 0.7, 0.85, 0.95, 1.0, 0.65), include_conditional=False, conditional=0.3),
    Mix("f2-caveat-heavy", 205, "half the pledges conditional, two or three caveats per nation, "
        "mostly non-European nations", nations=20, capabilities=14, tasks=18, locations=9, horizon=10,
        non_european=0.45, pledge_caps=(0.2, 0.45), supply=(0.9, 1.5), req_rows=(1, 5), units=(1, 10),
        basing=(1, 4), capacity=(1.0, 2.2), unlimited=0.4, conditional=0.5, caveats_per_nation=2.4,
        min_nations=(0.3, 0.3, 0.25, 0.15), lead_min_share=0.2718),
    Mix("f2-dense-long", 206, "dense pledges over a 24-period horizon, arrivals and departures in waves",
        nations=40, capabilities=30, tasks=40, locations=20, horizon=24,
        pledge_caps=(0.15, 0.35), supply=(0.7, 1.3), req_rows=(2, 5), units=(1, 12), basing=(1, 3),
        capacity=(0.8, 2.0), unlimited=0.3, zero_capacity=1, windows=0.4, pledge_windows=0.35, follow_on=0.12,
        conditional=0.25, caveats_per_nation=0.9, lead_min_share=0.41),
)}


# ============================================================================ catalogues
# (code, name, european)
NATIONS = [
    ("DEU", "Germany", True), ("FRA", "France", True), ("GBR", "United Kingdom", True), ("ITA", "Italy", True),
    ("ESP", "Spain", True), ("POL", "Poland", True), ("NLD", "Netherlands", True), ("BEL", "Belgium", True),
    ("SWE", "Sweden", True), ("FIN", "Finland", True), ("NOR", "Norway", True), ("DNK", "Denmark", True),
    ("EST", "Estonia", True), ("LVA", "Latvia", True), ("LTU", "Lithuania", True), ("CZE", "Czechia", True),
    ("SVK", "Slovakia", True), ("ROU", "Romania", True), ("BGR", "Bulgaria", True), ("PRT", "Portugal", True),
    ("GRC", "Greece", True), ("AUT", "Austria", True), ("IRL", "Ireland", True), ("HRV", "Croatia", True),
    ("SVN", "Slovenia", True), ("LUX", "Luxembourg", True), ("ISL", "Iceland", True), ("ALB", "Albania", True),
    ("MNE", "Montenegro", True), ("MKD", "North Macedonia", True), ("HUN", "Hungary", True),
    ("TUR", "Turkey", True),
]
NON_EUROPEAN = [
    ("USA", "United States", False), ("CAN", "Canada", False), ("AUS", "Australia", False),
    ("JPN", "Japan", False), ("KOR", "Republic of Korea", False), ("NZL", "New Zealand", False),
    ("CHL", "Chile", False), ("SGP", "Singapore", False), ("BRA", "Brazil", False), ("MEX", "Mexico", False),
    ("IND", "India", False), ("ZAF", "South Africa", False), ("ARG", "Argentina", False),
    ("MYS", "Malaysia", False), ("IDN", "Indonesia", False), ("PHL", "Philippines", False),
    ("URY", "Uruguay", False), ("COL", "Colombia", False),
]

DOMAINS = ("land", "air", "sea", "logistics", "training", "monitoring", "enabler")
PILLARS = ("monitoring", "air", "sea", "land", "training", "logistics", "regeneration", "c2")

# domain -> (code, name, unit, personnel low, high); personnel 0..0 = a remote capability
CAPABILITIES = {
    "land": [("MECH", "Mechanised infantry company", "company", 120, 180),
             ("ARMR", "Armoured squadron", "squadron", 80, 110),
             ("ARTY", "Artillery battery", "battery", 90, 130),
             ("ENGR", "Combat engineer company", "company", 100, 160),
             ("RECCE", "Reconnaissance troop", "troop", 30, 60),
             ("GBAD", "Ground-based air defence battery", "battery", 70, 120)],
    "air": [("FGTR", "Fighter squadron", "squadron", 150, 280),
            ("AAR", "Air-to-air refuelling detachment", "detachment", 40, 90),
            ("AEW", "Airborne early warning aircraft", "aircraft", 25, 40),
            ("TAL", "Tactical airlift flight", "flight", 50, 80),
            ("HELO", "Utility helicopter flight", "flight", 40, 70)],
    "sea": [("FFG", "Frigate", "ship", 160, 230),
            ("MCM", "Mine countermeasures vessel", "ship", 35, 50),
            ("OPV", "Offshore patrol vessel", "ship", 20, 60),
            ("MPA", "Maritime patrol aircraft", "aircraft", 30, 50)],
    "logistics": [("DEPOT", "Forward supply depot", "depot", 60, 150),
                  ("POL", "Fuel supply company", "company", 80, 120),
                  ("MED", "Role 2 medical team", "team", 20, 45),
                  ("TPT", "Road transport company", "company", 90, 140)],
    "training": [("TRT", "Mobile training team", "team", 8, 30),
                 ("INST", "Instructor cell", "cell", 4, 15),
                 ("RANGE", "Range support unit", "unit", 25, 50)],
    "monitoring": [("SAT", "Satellite imagery package", "package", 0, 0),
                   ("RSC", "Remote sensing cell", "cell", 0, 0),
                   ("UAV", "UAV orbit", "orbit", 12, 30),
                   ("OBS", "Observer team", "team", 6, 12),
                   ("CYB", "Cyber monitoring cell", "cell", 0, 0)],
    "enabler": [("CIS", "Communications and information company", "company", 70, 110),
                ("HQE", "Headquarters staff element", "element", 30, 80),
                ("EOD", "Explosive ordnance disposal team", "team", 6, 14),
                ("CBRN", "CBRN defence company", "company", 80, 130),
                ("MP", "Military police platoon", "platoon", 25, 40),
                ("SOF", "Special operations task group", "group", 40, 90)],
}

PILLAR_DOMAINS = {
    "monitoring": ("monitoring", "monitoring", "air", "enabler"),
    "air": ("air", "air", "enabler", "logistics"),
    "sea": ("sea", "sea", "air", "enabler"),
    "land": ("land", "land", "enabler", "logistics"),
    "training": ("training", "training", "land"),
    "logistics": ("logistics", "logistics", "enabler"),
    "regeneration": ("training", "logistics", "land"),
    "c2": ("enabler", "enabler", "monitoring"),
}
PILLAR_KINDS = {
    "monitoring": ("remote", "air_base", "headquarters"),
    "air": ("air_base",),
    "sea": ("naval_base",),
    "land": ("land_base",),
    "training": ("training_area",),
    "logistics": ("depot_site", "land_base"),
    "regeneration": ("training_area", "depot_site"),
    "c2": ("headquarters",),
}
PILLAR_NAMES = {
    "monitoring": ("ceasefire line monitoring", "border surveillance", "airspace picture"),
    "air": ("air policing", "air defence umbrella", "airlift hub"),
    "sea": ("sea lane escort", "mine clearance", "port protection"),
    "land": ("reassurance battlegroup", "rear area security", "critical infrastructure guard"),
    "training": ("recruit training", "instructor training", "combined arms training"),
    "logistics": ("supply hub", "medical support", "fuel distribution"),
    "regeneration": ("brigade regeneration", "equipment repair", "reserve build-up"),
    "c2": ("force headquarters", "liaison cell", "coordination centre"),
}
# kind -> (weight in the location mix, countries it is drawn from)
KINDS = {
    "land_base": (4, ("UKR", "UKR", "UKR", "POL", "ROU", "MDA")),
    "air_base": (3, ("UKR", "UKR", "POL", "ROU", "SVK", "LTU")),
    "naval_base": (2, ("UKR", "UKR", "ROU", "BGR")),
    "depot_site": (2, ("UKR", "POL", "ROU", "SVK", "HUN")),
    "training_area": (2, ("POL", "DEU", "GBR", "UKR", "LTU")),
    "headquarters": (1, ("UKR", "POL", "DEU")),
    "remote": (1, ("---",)),
}
# country -> (latitude range, longitude range), roughly
BOXES = {
    "UKR": ((46.5, 51.5), (24.0, 38.0)), "POL": ((50.0, 54.5), (15.0, 23.5)), "ROU": ((44.0, 48.0), (21.5, 29.5)),
    "MDA": ((45.5, 48.4), (26.7, 30.0)), "SVK": ((47.8, 49.5), (17.0, 22.5)), "LTU": ((54.0, 56.4), (21.0, 26.5)),
    "BGR": ((41.3, 44.2), (22.4, 28.5)), "HUN": ((45.8, 48.5), (16.2, 22.8)), "DEU": ((47.5, 54.8), (6.0, 15.0)),
    "GBR": ((50.1, 58.5), (-5.5, 1.7)),
}
SEA_COUNTRIES = ("UKR", "ROU", "BGR")


# ============================================================================ generation
@dataclass
class _Draw:
    """Working state while one instance is drawn (plain lists of row dicts at the end)."""

    mix: Mix
    rng: random.Random
    nations: list[dict] = field(default_factory=list)
    size: dict[str, float] = field(default_factory=dict)  # nation -> relative military size
    caps: list[dict] = field(default_factory=list)
    locations: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    basing: list[dict] = field(default_factory=list)
    reqs: list[dict] = field(default_factory=list)
    pledges: list[dict] = field(default_factory=list)
    caveats: list[dict] = field(default_factory=list)


def _decimal(rng: random.Random, lo: float, hi: float) -> float:
    """A decimal in lo..hi with 1 to 4 places, or now and then a repeating fraction (1/3, 2/7 …)."""
    if rng.random() < 0.15:
        for _ in range(20):
            q = rng.randint(3, 9)
            x = rng.randint(1, max(1, int(hi * q))) / q
            if lo <= x <= hi and abs(x * 100 - round(x * 100)) > 1e-9:
                return round(x, 6)
    return round(rng.uniform(lo, hi), rng.randint(1, 4))


def _pick_weighted(rng: random.Random, items, weights):
    return rng.choices(list(items), weights=list(weights), k=1)[0]


def _draw_nations(d: _Draw) -> None:
    m, rng = d.mix, d.rng
    n_non = max(1, round(m.nations * m.non_european))
    n_eur = m.nations - n_non
    eur = rng.sample(NATIONS, n_eur)
    non = rng.sample(NON_EUROPEAN, n_non)
    chosen = sorted(eur + non, key=lambda x: x[0])
    # military size: lognormal, so a few nations hold much of the force
    for code, _, _ in chosen:
        d.size[code] = math.exp(rng.gauss(0.0, 0.9))
    total = sum(d.size.values())
    keyed = [c for c, _, _ in chosen if rng.random() < 0.85]  # the rest stay outside the burden key
    key_total = sum(d.size[c] for c in keyed) or 1.0
    for code, name, european in chosen:
        row = {"nation": code, "name": name, "european": "yes" if european else "no"}
        if code in keyed:
            row["fair_share"] = round(d.size[code] / key_total, 4)
        d.nations.append(row)
    for c in d.size:
        d.size[c] /= total


def _draw_capabilities(d: _Draw) -> None:
    m, rng = d.mix, d.rng
    pillars = m.pillars or PILLARS
    wanted = [dom for p in pillars for dom in PILLAR_DOMAINS[p]]
    pool = {dom: list(CAPABILITIES[dom]) for dom in DOMAINS}
    for dom in pool:
        rng.shuffle(pool[dom])
    chosen: list[tuple[str, tuple]] = []
    # one personnel-free capability first (remote monitoring), then the domains by the pillars' needs
    free = [c for c in pool["monitoring"] if c[3] == 0]
    first = free[0]
    pool["monitoring"].remove(first)
    chosen.append(("monitoring", first))
    while len(chosen) < m.capabilities:
        dom = rng.choice(wanted) if rng.random() < 0.8 else rng.choice(DOMAINS)
        if not pool[dom]:
            left = [x for x in DOMAINS if pool[x]]
            if not left:
                raise ValueError(f"{m.name}: the catalogue has fewer than {m.capabilities} capabilities")
            dom = rng.choice(left)
        chosen.append((dom, pool[dom].pop()))
    for dom, (code, name, unit, lo, hi) in sorted(chosen, key=lambda x: (DOMAINS.index(x[0]), x[1][0])):
        d.caps.append({"capability": code, "name": name, "domain": dom, "unit": unit,
                       "personnel_per_unit": rng.randint(lo, hi)})


def _draw_locations(d: _Draw) -> None:
    m, rng = d.mix, d.rng
    pillars = m.pillars or PILLARS
    kinds: list[str] = []
    # every kind the tasks' pillars need, then more by weight
    for p in pillars:
        k = PILLAR_KINDS[p][0] if p != "monitoring" else "air_base"
        if k not in kinds:
            kinds.append(k)
    if "remote" not in kinds and len(kinds) < m.locations and "monitoring" in pillars:
        kinds.append("remote")
    kinds = kinds[:m.locations]
    names = list(KINDS)
    while len(kinds) < m.locations:
        k = _pick_weighted(rng, names, [KINDS[x][0] for x in names])
        if k == "remote" and kinds.count("remote") >= 1:
            continue
        kinds.append(k)
    rng.shuffle(kinds)
    for i, kind in enumerate(kinds, start=1):
        country = rng.choice(KINDS[kind][1])
        if kind == "naval_base":
            country = rng.choice(SEA_COUNTRIES)
        row = {"location": f"L{i:02d}", "name": f"{kind.replace('_', ' ').title()} {i}", "country": country,
               "kind": kind}
        if country != "---" and rng.random() < 0.75:
            (la0, la1), (lo0, lo1) = BOXES[country]
            row["latitude"] = round(rng.uniform(la0, la1), 4)
            row["longitude"] = round(rng.uniform(lo0, lo1), 4)
        d.locations.append(row)


def _draw_tasks(d: _Draw) -> None:
    m, rng = d.mix, d.rng
    H = m.horizon
    pillars = list(m.pillars or PILLARS)
    by_domain: dict[str, list[dict]] = {}
    for c in d.caps:
        by_domain.setdefault(c["domain"], []).append(c)
    by_kind: dict[str, list[dict]] = {}
    for loc in d.locations:
        by_kind.setdefault(loc["kind"], []).append(loc)
    seen_pillars: list[str] = []
    # every priority at least once when there are five tasks or more, the rest drawn
    first = [1, 2, 3, 4, 5] if m.tasks >= 5 else []
    rng.shuffle(first)
    priorities = first + rng.choices((1, 2, 3, 4, 5), weights=(0.15, 0.25, 0.25, 0.2, 0.15), k=m.tasks - len(first))
    for i in range(1, m.tasks + 1):
        # cover the pillars first, then draw them freely
        left = [p for p in pillars if p not in seen_pillars]
        pillar = left[0] if left and rng.random() < 0.7 else rng.choice(pillars)
        seen_pillars.append(pillar)
        tid = f"T{i:02d}"
        start, end = 1, H
        if H > 2 and rng.random() < m.windows:  # starts late, ends early, or both
            shape = rng.random()
            if shape < 0.7:
                start = rng.randint(2, H // 2 + 1)
            if shape >= 0.4:
                end = rng.randint(max(start, H // 2), H - 1)
        lead = _pick_weighted(rng, ("european", "any", "none"), m.leads)
        row = {"task": tid, "name": rng.choice(PILLAR_NAMES[pillar]).capitalize() + f" {i}", "pillar": pillar,
               "priority": priorities[i - 1],
               "start_period": start, "end_period": end,
               "requires_ceasefire": "yes" if rng.random() < 0.75 else "no", "lead": lead}
        # requirements
        n_rows = rng.randint(*m.req_rows)
        domains = PILLAR_DOMAINS[pillar]
        picked: list[dict] = []
        tries = 0
        while len(picked) < min(n_rows, len(d.caps)) and tries < 200:
            tries += 1
            dom = rng.choice(domains) if rng.random() < 0.85 else rng.choice(DOMAINS)
            options = [c for c in by_domain.get(dom, []) if c not in picked]
            if options:
                picked.append(rng.choice(options))
        if not picked:
            picked.append(rng.choice(d.caps))
        total_units = 0
        for c in picked:
            units = rng.randint(*m.units)
            total_units += units
            req = {"task": tid, "capability": c["capability"], "units": units}
            if rng.random() < 0.6:
                req["weight"] = _decimal(rng, 0.1, 5.0)
            d.reqs.append(req)
        # staffing rules
        mn = _pick_weighted(rng, (1, 2, 3, 4), m.min_nations)
        if mn > 1 or rng.random() < 0.3:
            row["min_nations"] = min(mn, max(1, total_units)) if rng.random() < 0.9 else mn
        if rng.random() >= m.share_blank:
            share = rng.choice(m.shares) if rng.random() < 0.6 else _decimal(rng, 0.3, 1.0)
            if lead != "none" and share < m.lead_min_share and rng.random() < 0.85:
                share = round(min(1.0, m.lead_min_share + rng.uniform(0.05, 0.4)), 4)
            row["max_nation_share"] = share
        if rng.random() < m.inactive:
            row["active"] = "no"
        elif rng.random() < 0.3:
            row["active"] = "yes"
        d.tasks.append(row)
        # basing: kinds that fit the pillar, else any location
        fit = [loc for k in PILLAR_KINDS[pillar] for loc in by_kind.get(k, [])]
        nb = rng.randint(*m.basing)
        if len(fit) < nb:
            others = [loc for loc in d.locations if loc not in fit and loc["kind"] != "remote"]
            rng.shuffle(others)
            fit = fit + others
        for loc in sorted(rng.sample(fit, min(nb, len(fit))), key=lambda x: x["location"]):
            d.basing.append({"task": tid, "location": loc["location"]})


def _active_periods(task: dict, H: int) -> range:
    if task.get("active") == "no":
        return range(0)
    return range(task["start_period"], task["end_period"] + 1)


def _draw_capacities(d: _Draw) -> None:
    """Capacity = factor × the personnel the location would hold if each task spread evenly over its bases."""
    m, rng = d.mix, d.rng
    ppu = {c["capability"]: c["personnel_per_unit"] for c in d.caps}
    bases: dict[str, list[str]] = {}
    for b in d.basing:
        bases.setdefault(b["task"], []).append(b["location"])
    task_pers = {}
    for r in d.reqs:
        task_pers[r["task"]] = task_pers.get(r["task"], 0) + r["units"] * ppu[r["capability"]]
    load = {loc["location"]: 0.0 for loc in d.locations}
    for t, locs in bases.items():
        for loc in locs:
            load[loc] += task_pers.get(t, 0) / len(locs)
    zero_left = m.zero_capacity
    for loc in d.locations:
        if loc["country"] == "---":
            continue
        if zero_left and load[loc["location"]] > 0:
            loc["personnel_capacity"] = 0
            zero_left -= 1
            continue
        if rng.random() < m.unlimited:
            continue
        est = load[loc["location"]]
        loc["personnel_capacity"] = int(round(rng.uniform(*m.capacity) * est / 10.0) * 10) if est else \
            rng.choice((200, 500, 1000))


def _draw_pledges(d: _Draw) -> None:
    m, rng = d.mix, d.rng
    H = m.horizon
    tasks = {t["task"]: t for t in d.tasks}
    demand = {c["capability"]: [0] * (H + 1) for c in d.caps}
    for r in d.reqs:
        for p in _active_periods(tasks[r["task"]], H):
            demand[r["capability"]][p] += r["units"]
    nations = [n["nation"] for n in d.nations]
    caps = [c["capability"] for c in d.caps]
    # which nation pledges which capability: a share of the catalogue, larger nations more
    holders: dict[str, list[str]] = {c: [] for c in caps}
    smax = max(d.size.values())
    for n in nations:
        lo, hi = m.pledge_caps
        share = lo + (hi - lo) * min(1.0, (d.size[n] / smax) ** 0.5 * 1.3)
        k = max(1, min(len(caps), round(share * len(caps) + rng.uniform(-0.5, 0.5))))
        for c in rng.sample(caps, k):
            holders[c].append(n)
    base_cost = {c["capability"]: max(5.0, c["personnel_per_unit"] * rng.uniform(0.6, 1.4)) for c in d.caps}
    nation_cost = {n: rng.uniform(0.6, 1.6) for n in nations}
    counter: dict[str, int] = {}
    conditional_nations = {n for n in nations if rng.random() < m.conditional / 2}
    for c in caps:
        peak = max(demand[c])
        if peak and not holders[c] and rng.random() >= m.unpledged:
            holders[c].append(rng.choice(nations))
        if not holders[c]:
            continue
        if peak and rng.random() < m.unpledged:
            continue  # nobody offers it after all: a shortfall no plan can close
        target = max(len(holders[c]), round(rng.uniform(*m.supply) * peak)) if peak else len(holders[c])
        weights = [d.size[n] * rng.uniform(0.5, 1.5) for n in holders[c]]
        wsum = sum(weights)
        for n, w in sorted(zip(holders[c], weights)):
            units = max(0, round(target * w / wsum))
            if units == 0 and rng.random() < 0.7:
                units = 1
            cost = round(base_cost[c] * nation_cost[n], rng.choice((0, 1, 2, 3)))
            parts = [(1, H, units)]
            if H > 2 and rng.random() < m.follow_on:  # a second pledge takes over from the first
                cut = rng.randint(2, H - 1)
                parts = [(1, cut - 1, units), (cut, H, max(0, units + rng.choice((-1, 1, 2))))]
            elif rng.random() < m.pledge_windows:
                a = rng.randint(1, max(1, H // 2)) if rng.random() < 0.6 else 1
                b = rng.randint(max(a, H // 2), H) if rng.random() < 0.6 else H
                parts = [(a, b, units)]
            for a, b, u in parts:
                counter[f"{n}-{c}"] = counter.get(f"{n}-{c}", 0) + 1
                row = {"pledge": f"{n}-{c}-{counter[f'{n}-{c}']}", "nation": n, "capability": c, "units": u}
                if (a, b) != (1, H) or rng.random() < 0.2:
                    row["from_period"], row["to_period"] = a, b
                if rng.random() < 0.93:
                    row["cost_per_unit"] = 0 if rng.random() < 0.03 else cost
                conditional = n in conditional_nations or rng.random() < m.conditional / 2
                if conditional:
                    row["status"] = "conditional"
                    if rng.random() < 0.6:
                        row["probability"] = round(rng.uniform(0.15, 0.9), rng.randint(1, 3))
                else:
                    if rng.random() < 0.5:
                        row["status"] = "firm"
                    if rng.random() < 0.15:
                        row["probability"] = round(rng.uniform(0.8, 1.0), 2)
                d.pledges.append(row)


def _draw_caveats(d: _Draw) -> None:
    """Every rule and every filter at least once, then more drawn at the mix's rate."""
    m, rng = d.mix, d.rng
    cap_of = {c["capability"]: c for c in d.caps}
    pledged: dict[str, list[str]] = {}
    pers: dict[str, int] = {}
    for p in d.pledges:
        pledged.setdefault(p["nation"], []).append(p["capability"])
        pers[p["nation"]] = pers.get(p["nation"], 0) + p["units"] * cap_of[p["capability"]]["personnel_per_unit"]
    nations = sorted(pledged) or [n["nation"] for n in d.nations]
    countries = sorted({loc["country"] for loc in d.locations if loc["country"] != "---"})
    task_ids = [t["task"] for t in d.tasks]
    pillars = sorted({t["pillar"] for t in d.tasks})
    only_nations: set[str] = set()
    largest = set(sorted(nations, key=lambda x: -d.size[x])[:3])

    def limit_for(n: str, frac: tuple[float, float]) -> int:
        return int(round(pers.get(n, 0) * rng.uniform(*frac) / 5.0) * 5)

    def make(kind: str, n: str) -> list[dict]:
        caps_n = pledged.get(n) or [rng.choice(d.caps)["capability"]]
        cap = rng.choice(caps_n)
        dom = cap_of[cap]["domain"]
        if kind == "forbid-country":
            return [{"nation": n, "rule": "forbid", "country": "UKR" if "UKR" in countries else rng.choice(countries),
                     "note": "no deployment in the country by parliamentary mandate"}]
        if kind == "forbid-domain":
            return [{"nation": n, "rule": "forbid", "domain": dom, "note": f"no {dom} units abroad"}]
        if kind == "forbid-capability":
            return [{"nation": n, "rule": "forbid", "capability": cap, "note": "national reserve"}]
        if kind == "forbid-pillar":
            return [{"nation": n, "rule": "forbid", "pillar": rng.choice(pillars), "note": "outside the mandate"}]
        if kind == "forbid-task":
            return [{"nation": n, "rule": "forbid", "task": rng.choice(task_ids), "note": "declined by the nation"}]
        if kind == "forbid-combined":
            return [{"nation": n, "rule": "forbid", "country": rng.choice(countries), "domain": dom,
                     "note": "combined restriction"}]
        if kind == "only-pillars":
            ps = rng.sample(pillars, min(len(pillars), rng.randint(1, 3)))
            return [{"nation": n, "rule": "only", "pillar": p, "note": "contributes to these pillars only"}
                    for p in sorted(ps)]
        if kind == "only-country":
            cs = rng.sample(countries, min(len(countries), rng.randint(1, 2)))
            return [{"nation": n, "rule": "only", "country": c, "note": "outside the host nation only"} for c in cs]
        if kind == "only-mixed":
            rows = [{"nation": n, "rule": "only", "domain": dom, "country": rng.choice(countries),
                     "note": "one domain in one country"}]
            rows.append({"nation": n, "rule": "only", "task": rng.choice(task_ids), "note": "or this task"})
            if rng.random() < 0.5:
                rows.append({"nation": n, "rule": "only", "capability": cap, "pillar": rng.choice(pillars),
                             "note": "or this capability in one pillar"})
            return rows
        if kind == "max-total":
            return [{"nation": n, "rule": "max_personnel", "limit": limit_for(n, (0.3, 0.9)),
                     "note": "overall ceiling"}]
        if kind == "max-country":
            return [{"nation": n, "rule": "max_personnel", "country": rng.choice(countries),
                     "limit": limit_for(n, (0.1, 0.6)), "note": "ceiling in one country"}]
        if kind == "max-domain":
            return [{"nation": n, "rule": "max_personnel", "domain": dom, "limit": limit_for(n, (0.1, 0.5)),
                     "note": f"{dom} ceiling"}]
        if kind == "max-capability":
            return [{"nation": n, "rule": "max_personnel", "capability": cap,
                     "limit": int(cap_of[cap]["personnel_per_unit"] * rng.randint(0, 3)),
                     "note": "few of these units"}]
        if kind == "max-pillar":
            return [{"nation": n, "rule": "max_personnel", "pillar": rng.choice(pillars),
                     "limit": limit_for(n, (0.05, 0.4)), "note": "pillar ceiling"}]
        if kind == "max-task":
            return [{"nation": n, "rule": "max_personnel", "task": rng.choice(task_ids),
                     "limit": limit_for(n, (0.02, 0.3)), "note": "task ceiling"}]
        if kind == "max-combined":
            return [{"nation": n, "rule": "max_personnel", "country": rng.choice(countries), "pillar":
                     rng.choice(pillars), "limit": limit_for(n, (0.05, 0.3)), "note": "ceiling in one country"
                                                                              " and pillar"}]
        raise ValueError(kind)

    kinds = ["forbid-country", "forbid-domain", "forbid-capability", "forbid-pillar", "forbid-task",
             "forbid-combined", "only-pillars", "only-country", "only-mixed", "max-total", "max-country",
             "max-domain", "max-capability", "max-pillar", "max-task", "max-combined"]
    weights = [3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1]
    wanted = list(kinds)
    extra = max(0, round(m.caveats_per_nation * len(nations)) - len(kinds))
    wanted += rng.choices(kinds, weights=weights, k=extra)
    for kind in wanted:
        n = rng.choice(nations)
        if kind.startswith("only"):  # one set of only-rows per nation, never the largest contributors
            free = [x for x in nations if x not in only_nations and x not in largest]
            if not free:
                continue
            n = rng.choice(free)
            only_nations.add(n)
        d.caveats.extend(make(kind, n))


def _rules_module():
    """benchmarks/rules.py (the SPEC section 5 rule data), imported from this file's folder."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import rules

    return rules


def generate(name: str, seed: int | None = None, rules=()) -> dict[str, list[dict]]:
    """The rows of the named instance: sheet name -> list of row dicts (SPEC section 1 columns).

    ``rules`` (names of ``rules.RULES``, or ``all``) adds the data of those SPEC section 5 rules, drawn
    after everything else from their own seeds: without rules the rows are those of before."""
    if name not in INSTANCES:
        raise KeyError(f"unknown instance {name!r}; known: {', '.join(INSTANCES)}")
    m = INSTANCES[name]
    d = _Draw(m, random.Random(f"family2:{name}:{m.seed if seed is None else seed}"))
    _draw_nations(d)
    _draw_capabilities(d)
    _draw_locations(d)
    _draw_tasks(d)
    _draw_capacities(d)
    _draw_pledges(d)
    _draw_caveats(d)
    scenario = [
        {"parameter": "name", "value": f"{name}: {m.about}"},
        {"parameter": "horizon", "value": m.horizon},
        {"parameter": "ceasefire", "value": "yes"},
        {"parameter": "include_conditional", "value": "yes" if m.include_conditional else "no"},
        {"parameter": "lead_min_share", "value": m.lead_min_share},
        {"parameter": "currency", "value": "EUR"},
    ]
    rows = {"Scenario": scenario, "Nations": d.nations, "Capabilities": d.caps, "Locations": d.locations,
            "Tasks": d.tasks, "Basing": d.basing, "Requirements": d.reqs, "Pledges": d.pledges,
            "Caveats": d.caveats}
    if rules:
        size_order = sorted(d.size, key=lambda n: (-d.size[n], n))
        _rules_module().add_rules(rows, rules, f"family2:{name}:{m.seed if seed is None else seed}",
                                  size_order=size_order, family="f2")
    return rows


COLUMNS = {
    "Scenario": ["parameter", "value"],
    "Nations": ["nation", "name", "european", "fair_share"],
    "Capabilities": ["capability", "name", "domain", "unit", "personnel_per_unit"],
    "Locations": ["location", "name", "country", "kind", "personnel_capacity", "latitude", "longitude"],
    "Tasks": ["task", "name", "pillar", "priority", "start_period", "end_period", "requires_ceasefire", "lead",
              "min_nations", "max_nation_share", "active"],
    "Basing": ["task", "location"],
    "Requirements": ["task", "capability", "units", "weight"],
    "Pledges": ["pledge", "nation", "capability", "units", "from_period", "to_period", "cost_per_unit", "status",
                "probability"],
    "Caveats": ["nation", "rule", "country", "domain", "capability", "pillar", "task", "limit", "note"],
}


def workbook_bytes(rows: dict[str, list[dict]]) -> bytes:
    """The input workbook of these rows: one sheet per table, headers in row 1, each sheet an Excel Table."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": rows["Scenario"][0]["value"], "created": datetime(2026, 1, 1)})
    for sheet, cols in COLUMNS.items():
        ws = wb.add_worksheet(sheet)
        data = rows.get(sheet, [])
        # the columns of SPEC section 5 rules, only when some row has them (so a workbook without rules is as before)
        cols = cols + [c for c in _rules_module().RULE_COLUMNS.get(sheet, ()) if any(c in r for r in data)]
        for j, col in enumerate(cols):
            ws.set_column(j, j, max(10, min(40, len(col) + 4)))
        if data:
            table = [[r.get(c) for c in cols] for r in data]
            ws.add_table(0, 0, len(table), len(cols) - 1,
                         {"name": f"t{sheet}", "columns": [{"header": c} for c in cols], "data": table,
                          "style": "Table Style Light 9"})
        else:
            for j, col in enumerate(cols):
                ws.write_string(0, j, col)
    wb.close()
    return buf.getvalue()


def write_instance(name: str, out_dir: str | Path = DEFAULT_OUT, seed: int | None = None,
                   validate: bool = True, rules=()) -> Path:
    """Write ``<out_dir>/<name>.xlsx`` (``<name>-s<seed>.xlsx`` with another seed) and return its path;
    with ``rules`` (SPEC section 5) ``<name>+rules.xlsx`` (all four), ``<name>+lift+rotation.xlsx`` ….

    The file is replaced (atomically) only when its bytes differ, so that runs reading it are never
    disturbed. With ``validate`` the rows are read back through forcegen's validator first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rules = _rules_module().parse_rules(rules)
    tag = _rules_module().rules_tag(rules)
    path = out_dir / (f"{name}{tag}.xlsx" if seed is None else f"{name}-s{seed}{tag}.xlsx")
    data = workbook_bytes(generate(name, seed, rules))
    if path.exists() and path.read_bytes() == data:
        return path
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if validate:
            from forcegen.workbook.read import read_problem

            read_problem(tmp)  # raises InputError listing every problem
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def summary(rows: dict[str, list[dict]]) -> str:
    H = next(r["value"] for r in rows["Scenario"] if r["parameter"] == "horizon")
    caps = {c["capability"]: c for c in rows["Capabilities"]}
    tasks = {t["task"]: t for t in rows["Tasks"]}
    demand: dict[str, int] = {}
    for r in rows["Requirements"]:
        t = tasks[r["task"]]
        if t.get("active") == "no":
            continue
        demand[r["capability"]] = max(demand.get(r["capability"], 0), r["units"])
    supply: dict[str, int] = {}
    for p in rows["Pledges"]:
        supply[p["capability"]] = supply.get(p["capability"], 0) + p["units"]
    rules: dict[str, int] = {}
    for c in rows["Caveats"]:
        rules[c["rule"]] = rules.get(c["rule"], 0) + 1
    return (f"{len(rows['Nations'])} nations, {len(caps)} capabilities, {len(rows['Tasks'])} tasks, "
            f"{len(rows['Locations'])} locations, {H} periods; {len(rows['Pledges'])} pledges "
            f"({sum(1 for p in rows['Pledges'] if p.get('status') == 'conditional')} conditional), "
            f"{len(rows['Requirements'])} requirement rows, {len(rows['Basing'])} basing rows, "
            f"{len(rows['Caveats'])} caveats ({', '.join(f'{k} {v}' for k, v in sorted(rules.items()))}); "
            f"capacities on {sum(1 for x in rows['Locations'] if x.get('personnel_capacity') is not None)} "
            f"of {len(rows['Locations'])} locations")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="write the instance family 2 workbooks (see benchmarks/README.md)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="folder for the workbooks (default benchmarks/instances)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="write only this instance (repeatable); default all")
    ap.add_argument("--seed", type=int, default=None, help="another seed than the instance's own (file <name>-s<seed>)")
    ap.add_argument("--no-validate", action="store_true", help="do not read the workbooks back through forcegen")
    ap.add_argument("--rules", default="", metavar="RULES",
                    help="switch on SPEC section 5 rules: comma list of sustainment, lift, rotation, montreux, or all "
                         "(default none: the workbooks of before); files <name>+rules.xlsx, <name>+lift.xlsx …")
    ap.add_argument("--list", action="store_true", help="list the instances and exit")
    args = ap.parse_args(argv)
    try:
        rules = _rules_module().parse_rules(args.rules)
    except ValueError as exc:
        ap.error(str(exc))
    if args.list:
        for name, m in INSTANCES.items():
            print(f"{name:22} {m.nations}/{m.capabilities}/{m.tasks}/{m.locations}/{m.horizon}  {m.about}")
        return 0
    names = args.only or list(INSTANCES)
    unknown = [n for n in names if n not in INSTANCES]
    if unknown:
        ap.error(f"unknown instance(s) {', '.join(unknown)}; known: {', '.join(INSTANCES)}")
    for name in names:
        path = write_instance(name, args.out, args.seed, validate=not args.no_validate, rules=rules)
        rows = generate(name, args.seed, rules)
        print(f"{path}: {summary(rows)}")
        if rules:
            print(f"  rules: {_rules_module().describe(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
