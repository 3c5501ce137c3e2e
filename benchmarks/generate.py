#!/usr/bin/env python
"""Seeded generator of realistic benchmark instances in the input schema.

``generate(size, seed)`` returns raw rows (sheet name -> list of dicts keyed by
column name) for the sheets of SPEC section 1, shaped like the bundled baseline
without SPEC section 5 (``inputs/baseline-core.xlsx``):

* nations: mostly European, a few non-European; ``fair_share`` by GDP, summing to 1;
* capabilities across all seven domains, personnel per unit 0..250 like the baseline;
* locations mostly in the host country UKR, the rest in neighbours (POL, ROU,
  BGR, DEU, SVK, HUN …) and one remote location (country ``---``), with
  capacities scaled to the demand based there, so some of them bind;
* tasks across all pillars, priorities 1..5, lead european/any/none,
  min_nations 1..4, max_nation_share 0.4..1, some starting after period 1 or
  ending early, a few not requiring a ceasefire; 1-4 basing locations each and
  2-6 requirement rows each;
* sparse pledges (2-8 capabilities per nation, big nations more), some with
  windows that start late (arrival waves: periods 2, 3, a quarter and half of the
  horizon) or end early (mandates ending at half or three quarters of the
  horizon), so periods differ in a few blocks, not all alike; ~30 % conditional
  (a fifth of the nations wholly, 8 % of the other pledges);
  per capability the pledged units are 0.8-1.2 x the peak per-period demand, so
  shortfalls are real;
* caveats of every kind: ``forbid`` UKR for ~25 % of nations, ``forbid`` with a
  domain, capability, pillar or task filter, ``only`` by pillar (and one by
  country), ``max_personnel`` in UKR for a few large nations and one without a
  country filter.

The output is deterministic for (size, seed): one ``random.Random`` seeded with
the string ``"<size>:<seed>"``; no set or dict iteration order depends on
hashing.

    python benchmarks/generate.py --size S --seed 1 -o benchmarks/instances/S-1.xlsx

writes the workbook with ``forcegen.workbook.template.write_input_workbook``
and checks that it validates (``read_problem``); it prints a one-line summary.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from datetime import datetime
from pathlib import Path

#: size -> (nations, capabilities, tasks, locations, periods)
SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "S": (35, 25, 20, 15, 4),
    "M": (35, 40, 30, 25, 12),
    "L": (60, 60, 80, 40, 24),
}

#: fixed creation time: same rows -> same workbook bytes
CREATED = datetime(2026, 1, 6, 12, 0, 0)

# ---------------------------------------------------------------------------- reference data
# (id, name, european, GDP in USD bn, approximate) — GDP drives fair_share and how much a nation pledges
EUROPEAN = [
    ("DEU", "Germany", 4500), ("GBR", "United Kingdom", 3300), ("FRA", "France", 3000),
    ("ITA", "Italy", 2200), ("ESP", "Spain", 1600), ("NLD", "Netherlands", 1100),
    ("TUR", "Turkiye", 1100), ("POL", "Poland", 850), ("CHE", "Switzerland", 880),
    ("BEL", "Belgium", 630), ("SWE", "Sweden", 590), ("IRL", "Ireland", 550),
    ("AUT", "Austria", 520), ("NOR", "Norway", 480), ("DNK", "Denmark", 400),
    ("ROU", "Romania", 350), ("CZE", "Czechia", 340), ("FIN", "Finland", 300),
    ("PRT", "Portugal", 290), ("GRC", "Greece", 240), ("HUN", "Hungary", 210),
    ("SVK", "Slovakia", 135), ("BGR", "Bulgaria", 100), ("LUX", "Luxembourg", 90),
    ("HRV", "Croatia", 85), ("LTU", "Lithuania", 80), ("SRB", "Serbia", 75),
    ("SVN", "Slovenia", 68), ("LVA", "Latvia", 43), ("EST", "Estonia", 41),
    ("CYP", "Cyprus", 34), ("ISL", "Iceland", 31), ("GEO", "Georgia", 30),
    ("BIH", "Bosnia and Herzegovina", 27), ("ALB", "Albania", 23), ("MLT", "Malta", 22),
    ("MDA", "Moldova", 17), ("MKD", "North Macedonia", 15), ("ARM", "Armenia", 24),
    ("MNE", "Montenegro", 7), ("AND", "Andorra", 4), ("LIE", "Liechtenstein", 7),
    ("MCO", "Monaco", 9), ("SMR", "San Marino", 2),
]
NON_EUROPEAN = [
    ("USA", "United States", 27000), ("CAN", "Canada", 2100), ("JPN", "Japan", 4200),
    ("AUS", "Australia", 1700), ("KOR", "Korea", 1700), ("NZL", "New Zealand", 250),
    ("SGP", "Singapore", 500), ("CHL", "Chile", 330), ("BRA", "Brazil", 2100),
    ("MEX", "Mexico", 1800), ("ZAF", "South Africa", 380), ("IDN", "Indonesia", 1400),
    ("MYS", "Malaysia", 400), ("PHL", "Philippines", 440), ("ARG", "Argentina", 640),
    ("URY", "Uruguay", 77),
]
#: always in the coalition when the size allows (the core of the baseline)
CORE_NATIONS = ("GBR", "FRA", "DEU", "ITA", "POL", "ROU", "TUR", "NLD", "ESP", "NOR", "DNK", "SWE", "FIN",
                "EST", "LVA", "LTU", "CAN", "USA", "AUS", "JPN")
#: cost multiplier of a nation's units (richer nations pay more per unit), baseline-like 0.7..1.5
HIGH_COST = {"GBR", "DEU", "NOR", "DNK", "NLD", "USA", "CHE", "LUX", "ISL", "AUS", "CAN", "IRL", "SWE"}
LOW_COST = {"POL", "ROU", "BGR", "TUR", "ALB", "SRB", "MKD", "MNE", "BIH", "MDA", "GEO", "ARM", "HUN", "GRC",
            "PRT", "HRV", "LVA", "LTU", "SVK", "BRA", "MEX", "IDN", "PHL", "ZAF", "ARG", "URY"}

# (id, name, domain, unit, personnel_per_unit, base cost per unit-period in thousands)
CAPABILITIES = [
    # land
    ("INF_COY", "Infantry company", "land", "company", 150, 1100),
    ("ARM_SQN", "Armoured squadron", "land", "squadron", 100, 1500),
    ("ENG_COY", "Engineer company", "land", "company", 140, 1100),
    ("EOD_TEAM", "Explosive ordnance disposal team", "land", "team", 12, 90),
    ("GBAD_BTY", "Ground-based air defence battery", "land", "battery", 110, 2500),
    ("MECH_COY", "Mechanised infantry company", "land", "company", 160, 1400),
    ("RECCE_SQN", "Reconnaissance squadron", "land", "squadron", 90, 1000),
    ("ARTY_BTY", "Artillery battery", "land", "battery", 110, 1300),
    ("CBRN_COY", "CBRN defence company", "land", "company", 100, 900),
    ("SOF_TG", "Special operations task group", "land", "task group", 80, 1600),
    ("MP_COY", "Military police company", "land", "company", 120, 800),
    ("SHORAD_PLT", "Short-range air defence platoon", "land", "platoon", 40, 900),
    ("BRIDGE_COY", "Bridging company", "land", "company", 130, 1000),
    ("CUAS_TEAM", "Counter-drone team", "land", "team", 20, 400),
    ("DEMINING_TEAM", "Humanitarian demining team", "land", "team", 10, 70),
    # air
    ("HEL_DET", "Helicopter detachment", "air", "detachment", 90, 1800),
    ("FTR_SQN", "Fighter squadron (12 aircraft)", "air", "squadron", 250, 6000),
    ("AEW_DET", "Airborne early warning detachment", "air", "detachment", 70, 2500),
    ("TNK_DET", "Air-to-air refuelling detachment", "air", "detachment", 60, 1800),
    ("MPA_DET", "Maritime patrol aircraft detachment", "air", "detachment", 80, 1500),
    ("ATK_HEL", "Attack helicopter detachment", "air", "detachment", 100, 2400),
    ("SAR_DET", "Search and rescue detachment", "air", "detachment", 50, 900),
    ("EW_DET", "Electronic warfare aircraft detachment", "air", "detachment", 45, 2000),
    ("TAC_ALIFT", "Tactical airlift detachment", "air", "detachment", 70, 1400),
    # sea
    ("FFG", "Frigate", "sea", "ship", 190, 3000),
    ("MCM", "Mine countermeasures vessel", "sea", "ship", 45, 600),
    ("OPV", "Offshore patrol vessel", "sea", "ship", 40, 250),
    ("DDG", "Air-defence destroyer", "sea", "ship", 240, 4000),
    ("SSK", "Submarine", "sea", "boat", 45, 2500),
    ("AOR", "Replenishment ship", "sea", "ship", 120, 1500),
    ("CORVETTE", "Corvette", "sea", "ship", 90, 1200),
    ("DIVE_TEAM", "Mine clearance dive team", "sea", "team", 15, 150),
    ("USV_DET", "Uncrewed surface vessel detachment", "sea", "detachment", 20, 500),
    # logistics
    ("ALIFT_DET", "Strategic airlift detachment", "logistics", "detachment", 60, 1500),
    ("DEPOT", "Forward logistics depot", "logistics", "depot", 80, 700),
    ("FUEL_COY", "Fuel supply company", "logistics", "company", 110, 800),
    ("TRANS_COY", "Transport company", "logistics", "company", 130, 750),
    ("MAINT_COY", "Maintenance company", "logistics", "company", 120, 900),
    ("PORT_TEAM", "Port opening team", "logistics", "team", 50, 400),
    ("RAIL_TEAM", "Rail transport team", "logistics", "team", 30, 250),
    ("MOVCON", "Movement control detachment", "logistics", "detachment", 20, 150),
    # training
    ("TRN_TEAM", "Training team", "training", "team", 15, 120),
    ("MTT_ARMOR", "Armour mobile training team", "training", "team", 25, 250),
    ("MTT_MED", "Combat medicine training team", "training", "team", 12, 110),
    ("INSTR_SQN", "Flight instructor squadron", "training", "squadron", 60, 1200),
    ("SIM_CENTRE", "Simulation training centre", "training", "centre", 30, 500),
    ("NCO_SCHOOL", "NCO school cadre", "training", "cadre", 40, 300),
    ("DEMINE_TRN", "Demining instructor team", "training", "team", 10, 90),
    # monitoring
    ("UAV_DET", "ISR drone detachment", "monitoring", "detachment", 40, 650),
    ("SAT_ISR", "Satellite ISR tasking package", "monitoring", "package", 0, 500),
    ("MONITOR_TEAM", "Ceasefire monitoring team", "monitoring", "team", 8, 85),
    ("SIGINT_DET", "Signals intelligence detachment", "monitoring", "detachment", 35, 700),
    ("RADAR_SITE", "Ground surveillance radar site", "monitoring", "site", 30, 600),
    ("MALE_UAV", "MALE drone squadron", "monitoring", "squadron", 70, 1600),
    ("SENSOR_NET", "Unattended sensor network", "monitoring", "network", 0, 300),
    # enabler
    ("MED_R2", "Role 2 medical facility", "enabler", "facility", 60, 850),
    ("SIG_COY", "Signals company", "enabler", "company", 90, 750),
    ("STAFF_CELL", "Headquarters staff cell", "enabler", "cell", 12, 105),
    ("MED_R1", "Role 1 medical team", "enabler", "team", 20, 200),
    ("CYBER_TEAM", "Cyber defence team", "enabler", "team", 15, 300),
    ("FIELD_HOSP", "Role 3 field hospital", "enabler", "hospital", 150, 2000),
    ("LIAISON", "Liaison officer team", "enabler", "team", 6, 60),
    ("CIS_DET", "Deployable CIS detachment", "enabler", "detachment", 40, 450),
    ("CIMIC_TEAM", "Civil-military cooperation team", "enabler", "team", 10, 80),
]
#: always chosen (one or more per domain): the baseline's capabilities first
CORE_CAPS = ("INF_COY", "FTR_SQN", "FFG", "DEPOT", "TRN_TEAM", "MONITOR_TEAM", "STAFF_CELL", "MCM", "UAV_DET",
             "AEW_DET", "GBAD_BTY", "ALIFT_DET", "SIG_COY", "MED_R2", "ARM_SQN", "ENG_COY", "HEL_DET", "SAT_ISR",
             "OPV", "MPA_DET", "EOD_TEAM", "TNK_DET")

# (id, name, kind, lat, lon) in the host country
UKR_LOCATIONS = [
    ("UKR-KYIV", "Kyiv", "headquarters", 50.45, 30.52),
    ("UKR-LVIV", "Lviv", "land_base", 49.84, 24.03),
    ("UKR-ODESA", "Odesa", "naval_base", 46.48, 30.72),
    ("UKR-YAV", "Yavoriv training area", "training_area", 49.95, 23.50),
    ("UKR-SKV", "Starokostiantyniv air base", "air_base", 49.73, 27.27),
    ("UKR-DNIPRO", "Dnipro", "land_base", 48.46, 35.05),
    ("UKR-KBP", "Kyiv-Boryspil", "air_base", 50.35, 30.89),
    ("UKR-VASYL", "Vasylkiv air base", "air_base", 50.23, 30.30),
    ("UKR-MYK", "Mykolaiv", "naval_base", 46.97, 31.99),
    ("UKR-IZM", "Izmail", "naval_base", 45.35, 28.84),
    ("UKR-PIVD", "Pivdennyi port", "naval_base", 46.62, 31.01),
    ("UKR-VIN", "Vinnytsia", "headquarters", 49.23, 28.47),
    ("UKR-ZHY", "Zhytomyr", "land_base", 50.25, 28.66),
    ("UKR-RIV", "Rivne", "land_base", 50.62, 26.25),
    ("UKR-LUTSK", "Lutsk air base", "air_base", 50.68, 25.33),
    ("UKR-TER", "Ternopil", "depot_site", 49.55, 25.59),
    ("UKR-KHM", "Khmelnytskyi", "depot_site", 49.42, 26.99),
    ("UKR-IVF", "Ivano-Frankivsk", "air_base", 48.92, 24.71),
    ("UKR-UZH", "Uzhhorod", "depot_site", 48.62, 22.29),
    ("UKR-CHV", "Chernivtsi", "land_base", 48.29, 25.94),
    ("UKR-POL", "Poltava", "air_base", 49.59, 34.55),
    ("UKR-CHK", "Cherkasy", "land_base", 49.44, 32.06),
    ("UKR-KRO", "Kropyvnytskyi", "training_area", 48.51, 32.26),
    ("UKR-BTS", "Bila Tserkva", "depot_site", 49.80, 30.11),
    ("UKR-KRE", "Kremenchuk", "depot_site", 49.07, 33.42),
    ("UKR-MUK", "Mukachevo", "training_area", 48.44, 22.72),
    ("UKR-KHA", "Kharkiv", "land_base", 49.99, 36.23),
    ("UKR-ZAP", "Zaporizhzhia", "land_base", 47.84, 35.14),
    ("UKR-CHN", "Chernihiv", "land_base", 51.49, 31.29),
    ("UKR-KOV", "Kovel", "depot_site", 51.21, 24.71),
    ("UKR-SHL", "Shyrokyi Lan training area", "training_area", 47.03, 32.17),
    ("UKR-DESNA", "Desna training area", "training_area", 50.93, 31.02),
]
FOREIGN_LOCATIONS = [
    ("POL-RZE", "Rzeszow-Jasionka", "POL", "air_base", 50.11, 22.02),
    ("ROU-MK", "Mihail Kogalniceanu air base", "ROU", "air_base", 44.36, 28.49),
    ("ROU-CON", "Constanta naval base", "ROU", "naval_base", 44.17, 28.65),
    ("ROU-CINCU", "Cincu training area", "ROU", "training_area", 45.88, 24.78),
    ("FRA-PARIS", "Paris coalition headquarters", "FRA", "headquarters", 48.87, 2.19),
    ("BGR-VARNA", "Varna naval base", "BGR", "naval_base", 43.20, 27.91),
    ("DEU-GRAF", "Grafenwoehr training area", "DEU", "training_area", 49.70, 11.94),
    ("POL-LASK", "Lask air base", "POL", "air_base", 51.55, 19.18),
    ("ROU-CT", "Campia Turzii air base", "ROU", "air_base", 46.50, 23.89),
    ("POL-PRZ", "Przemysl logistics hub", "POL", "depot_site", 49.78, 22.77),
    ("POL-LUB", "Lublin logistics hub", "POL", "depot_site", 51.25, 22.57),
    ("POL-DRAW", "Drawsko Pomorskie training area", "POL", "training_area", 53.53, 15.81),
    ("POL-KRK", "Krakow headquarters", "POL", "headquarters", 50.06, 19.94),
    ("POL-POW", "Powidz air base", "POL", "air_base", 52.38, 17.85),
    ("ROU-GAL", "Galati logistics hub", "ROU", "depot_site", 45.43, 28.05),
    ("ROU-IASI", "Iasi logistics hub", "ROU", "depot_site", 47.16, 27.59),
    ("BGR-BURGAS", "Burgas naval base", "BGR", "naval_base", 42.50, 27.47),
    ("BGR-NOVO", "Novo Selo training area", "BGR", "training_area", 42.12, 26.13),
    ("BGR-GRAF", "Graf Ignatievo air base", "BGR", "air_base", 42.29, 24.71),
    ("DEU-RAM", "Ramstein air base", "DEU", "air_base", 49.44, 7.60),
    ("DEU-WIES", "Wiesbaden headquarters", "DEU", "headquarters", 50.05, 8.33),
    ("SVK-KOS", "Kosice logistics hub", "SVK", "depot_site", 48.72, 21.26),
    ("SVK-LEST", "Lest training area", "SVK", "training_area", 48.37, 19.31),
    ("HUN-PAPA", "Papa air base", "HUN", "air_base", 47.36, 17.50),
    ("GBR-SAL", "Salisbury Plain training area", "GBR", "training_area", 51.20, -1.85),
    ("GRC-SOUDA", "Souda Bay naval base", "GRC", "naval_base", 35.49, 24.12),
    ("MDA-CHI", "Chisinau liaison headquarters", "MDA", "headquarters", 47.01, 28.86),
]
REMOTE = ("SPACE", "Space segment", "---", "remote", None, None)
#: per-kind personnel capacity range before scaling to the demand based there
KIND_CAPACITY = {
    "headquarters": (400, 4500), "land_base": (1500, 4000), "air_base": (1000, 5000), "naval_base": (1500, 3500),
    "depot_site": (800, 2500), "training_area": (1500, 3000),
}

PILLAR_INFO = {
    # pillar: (id prefix, label words, basing kinds, preferred capability domains, UKR basing share)
    "monitoring": ("MON", ("Ceasefire line monitoring", "Verification teams", "ISR coverage", "Border observation"),
                   ("headquarters", "land_base", "air_base", "remote"), ("monitoring", "air", "enabler"), 0.7),
    "air": ("AIR", ("Air policing", "Air defence", "Airspace control", "Air patrol"),
            ("air_base",), ("air", "land"), 0.5),
    "sea": ("SEA", ("Mine countermeasures", "Shipping corridor security", "Maritime patrol", "Port protection"),
            ("naval_base",), ("sea", "air"), 0.5),
    "land": ("LAND", ("Reassurance hub", "Over-the-horizon reserve", "Critical infrastructure protection",
                      "Route security"), ("land_base", "headquarters", "training_area"), ("land", "air", "enabler"),
             0.85),
    "training": ("TRN", ("Brigade training", "Specialist training", "Officer education", "Demining training"),
                 ("training_area",), ("training", "enabler"), 0.4),
    "logistics": ("LOG", ("Resupply depots", "Strategic airlift", "Medical support", "Fuel supply chain"),
                  ("depot_site", "air_base"), ("logistics", "enabler"), 0.6),
    "regeneration": ("REG", ("Equipment regeneration", "Defence industry support", "Fortification support"),
                     ("depot_site", "training_area", "land_base"), ("logistics", "land", "training"), 0.7),
    "c2": ("C2", ("Coalition headquarters", "Coordination cell", "Liaison network"),
           ("headquarters",), ("enabler", "monitoring"), 0.6),
}
PILLAR_WEIGHTS = {"monitoring": 2, "air": 2, "sea": 1.5, "land": 3, "training": 2, "logistics": 2,
                  "regeneration": 1, "c2": 1}


# ---------------------------------------------------------------------------- helpers
def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k distinct items, each draw proportional to weight (deterministic for the rng)."""
    items, weights = list(items), list(weights)
    out = []
    while items and len(out) < k:
        total = sum(weights)
        r = rng.random() * total
        acc = 0.0
        for i, w in enumerate(weights):
            acc += w
            if r <= acc or i == len(weights) - 1:
                out.append(items.pop(i))
                weights.pop(i)
                break
    return out


def _choice_w(rng: random.Random, pairs: list[tuple[object, float]]):
    return _weighted_sample(rng, [p for p, _ in pairs], [w for _, w in pairs], 1)[0]


def _pick(rng: random.Random, items: list):
    return items[rng.randrange(len(items))]


def _round_to(x: float, step: int) -> int:
    return int(step * round(x / step))


def _rules_module():
    """benchmarks/rules.py (the SPEC section 5 rule data), imported from this file's folder."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import rules

    return rules


# ---------------------------------------------------------------------------- the generator
def generate(size: str, seed: int, rules=()) -> dict[str, list[dict]]:
    """Raw rows of one instance: sheet name -> records in the input schema.

    ``rules`` (names of ``rules.RULES``, or ``all``) adds the data of those SPEC section 5 rules, drawn
    after everything else from their own seeds: without rules the rows are those of before."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    n_nations, n_caps, n_tasks, n_locs, horizon = SIZES[size]
    rng = random.Random(f"{size}:{seed}")

    # ---------------------------------------------------------------- nations
    n_non = max(3, round(0.12 * n_nations), n_nations - len(EUROPEAN))
    n_eu = n_nations - n_non
    core_eu = [r for r in EUROPEAN if r[0] in CORE_NATIONS]
    other_eu = [r for r in EUROPEAN if r[0] not in CORE_NATIONS]
    eu = core_eu[:n_eu] + _weighted_sample(rng, other_eu, [math.sqrt(r[2]) for r in other_eu],
                                           max(0, n_eu - len(core_eu)))
    core_non = [r for r in NON_EUROPEAN if r[0] in CORE_NATIONS]
    other_non = [r for r in NON_EUROPEAN if r[0] not in CORE_NATIONS]
    non = core_non[:n_non] + _weighted_sample(rng, other_non, [1.0] * len(other_non),
                                              max(0, n_non - len(core_non)))
    chosen = sorted(eu, key=lambda r: -r[2]) + sorted(non, key=lambda r: -r[2])
    european = {r[0]: True for r in eu} | {r[0]: False for r in non}
    # the US backs the coalition but outside the burden key (as in the baseline)
    gdp = {r[0]: (0.0 if r[0] == "USA" else float(r[2])) for r in chosen}
    total_gdp = sum(gdp.values())
    shares = {n: round(g / total_gdp, 3) for n, g in gdp.items()}
    biggest = max(shares, key=lambda n: shares[n])
    shares[biggest] = round(shares[biggest] + 1.0 - sum(shares.values()), 3)  # sums to 1 (to rounding)
    nations = [{"nation": n, "name": name, "european": "yes" if european[n] else "no", "fair_share": shares[n]}
               for n, name, _ in chosen]
    nation_ids = [r["nation"] for r in nations]
    # size of a nation's contribution: by GDP rank, 0 (smallest) .. 1 (largest); the US is large
    by_size = sorted(nation_ids, key=lambda n: -(27000.0 if n == "USA" else gdp[n]))
    heft = {n: 1.0 - i / max(1, len(by_size) - 1) for i, n in enumerate(by_size)}

    # ---------------------------------------------------------------- capabilities
    cat = {c[0]: c for c in CAPABILITIES}
    core = [c for c in CORE_CAPS if c in cat][:n_caps]
    rest = [c[0] for c in CAPABILITIES if c[0] not in core]
    extra = _weighted_sample(rng, rest, [1.0] * len(rest), max(0, n_caps - len(core)))
    cap_ids = [c[0] for c in CAPABILITIES if c[0] in core or c[0] in extra]  # catalogue order
    capabilities = [{"capability": c, "name": cat[c][1], "domain": cat[c][2], "unit": cat[c][3],
                     "personnel_per_unit": cat[c][4]} for c in cap_ids]
    caps_by_domain: dict[str, list[str]] = {}
    for c in cap_ids:
        caps_by_domain.setdefault(cat[c][2], []).append(c)

    # ---------------------------------------------------------------- locations
    n_remote = 1
    n_ukr = min(len(UKR_LOCATIONS), max(5, round(0.6 * (n_locs - n_remote))))
    n_for = n_locs - n_remote - n_ukr
    ukr = UKR_LOCATIONS[:6] + _weighted_sample(rng, UKR_LOCATIONS[6:], [1.0] * (len(UKR_LOCATIONS) - 6),
                                               n_ukr - 6)
    foreign = FOREIGN_LOCATIONS[:min(5, n_for)] + _weighted_sample(
        rng, FOREIGN_LOCATIONS[5:], [1.0] * (len(FOREIGN_LOCATIONS) - 5), max(0, n_for - 5))
    loc_rows = [(i, name, "UKR", kind, lat, lon) for i, name, kind, lat, lon in ukr] + list(foreign) + [REMOTE]
    loc_country = {r[0]: r[2] for r in loc_rows}
    loc_kind = {r[0]: r[3] for r in loc_rows}
    loc_ids = [r[0] for r in loc_rows]

    # ---------------------------------------------------------------- periods
    # arrivals come in waves (months 2 and 3, then at a quarter and half of the horizon) and
    # national mandates end at renewal dates (half and three quarters of the horizon), as
    # forces really deploy: periods differ, in a few blocks rather than every month
    waves = sorted({k for k in (1, 2, 3, horizon // 4 + 1, horizon // 2 + 1) if 1 <= k <= horizon})
    mandate_ends = sorted({k for k in (horizon // 2, (3 * horizon) // 4, horizon) if 1 <= k <= horizon})

    # ---------------------------------------------------------------- tasks, basing, requirements
    pillars = list(PILLAR_WEIGHTS)
    # every pillar at least once, the rest by weight
    task_pillars = pillars[:min(n_tasks, len(pillars))] + [
        _choice_w(rng, list(PILLAR_WEIGHTS.items())) for _ in range(max(0, n_tasks - len(pillars)))]
    task_pillars.sort(key=pillars.index)
    counters: dict[str, int] = {}
    tasks, basing, requirements = [], [], []
    task_personnel: dict[str, float] = {}
    for pillar in task_pillars:
        prefix, labels, kinds, domains, ukr_share = PILLAR_INFO[pillar]
        counters[pillar] = counters.get(pillar, 0) + 1
        tid = f"{prefix}-{counters[pillar]:02d}"
        label = labels[(counters[pillar] - 1) % len(labels)]
        # periods: most tasks run the whole horizon; some start late, a few end early
        start = 1 if rng.random() < 0.7 else _pick(rng, [k for k in waves if k > 1] or [1])
        end = horizon if rng.random() < 0.85 else _pick(rng, [k for k in mandate_ends if k >= start] or [horizon])
        requires_ceasefire = rng.random() < (0.6 if pillar in ("training", "logistics", "c2", "regeneration")
                                             else 0.92)
        lead = _choice_w(rng, [("european", 0.65), ("any", 0.25), ("none", 0.10)])
        min_nations = _choice_w(rng, [(1, 0.2), (2, 0.35), (3, 0.3), (4, 0.15)])
        if min_nations == 1:
            share = _choice_w(rng, [(1.0, 0.7), (0.7, 0.2), (0.6, 0.1)])
        else:
            share = _choice_w(rng, [(0.4, 0.2), (0.5, 0.35), (0.6, 0.25), (0.7, 0.1), (1.0, 0.1)])
        priority = _choice_w(rng, [(1, 0.2), (2, 0.3), (3, 0.25), (4, 0.15), (5, 0.1)])
        tasks.append({"task": tid, "name": f"{label} {counters[pillar]}", "pillar": pillar, "priority": priority,
                      "start_period": start, "end_period": end,
                      "requires_ceasefire": "yes" if requires_ceasefire else "no", "lead": lead,
                      "min_nations": min_nations, "max_nation_share": share, "active": "yes"})
        # basing: 1-4 locations of a suitable kind, mostly in UKR
        suitable = [loc for loc in loc_ids if loc_kind[loc] in kinds]
        if not suitable:
            suitable = [loc for loc in loc_ids if loc_kind[loc] != "remote"]
        n_base = min(len(suitable), _choice_w(rng, [(1, 0.3), (2, 0.35), (3, 0.2), (4, 0.15)]))
        weights = [(ukr_share if loc_country[loc] == "UKR" else 1 - ukr_share) / 1.0 + 0.05 for loc in suitable]
        for loc in sorted(_weighted_sample(rng, suitable, weights, n_base), key=loc_ids.index):
            basing.append({"task": tid, "location": loc})
        # requirements: 2-6 rows, mostly from the pillar's domains
        n_req = _choice_w(rng, [(2, 0.25), (3, 0.3), (4, 0.2), (5, 0.15), (6, 0.1)])
        pool = [c for d in domains for c in caps_by_domain.get(d, ())]
        others = [c for c in cap_ids if c not in pool]
        picked = _weighted_sample(rng, pool + others, [4.0] * len(pool) + [0.5] * len(others), n_req)
        personnel = 0.0
        for c in sorted(picked, key=cap_ids.index):
            ppu = cat[c][4]
            if ppu == 0:
                units = rng.randint(1, 3)
            else:
                units = max(1, min(40, round(rng.uniform(100, 1400) / ppu)))
            weight = _choice_w(rng, [(1, 0.7), (2, 0.1), (3, 0.06), (4, 0.04), (0.5, 0.05), (0.2, 0.05)])
            requirements.append({"task": tid, "capability": c, "units": units, "weight": weight})
            personnel += units * ppu
        task_personnel[tid] = personnel

    task_by_id = {t["task"]: t for t in tasks}
    # peak per-period demand of each capability (tasks active at once)
    demand_by_period: dict[str, list[int]] = {c: [0] * (horizon + 1) for c in cap_ids}
    for r in requirements:
        t = task_by_id[r["task"]]
        for k in range(t["start_period"], t["end_period"] + 1):
            demand_by_period[r["capability"]][k] += r["units"]
    peak = {c: max(v) for c, v in demand_by_period.items()}

    # capacities: scaled to the personnel the tasks based there need, so some bind
    base_load = {loc: 0.0 for loc in loc_ids}
    based_at: dict[str, list[str]] = {}
    for b in basing:
        based_at.setdefault(b["task"], []).append(b["location"])
    for tid, locs in based_at.items():
        for loc in locs:
            base_load[loc] += task_personnel[tid] / len(locs)
    locations = []
    for lid, name, country, kind, lat, lon in loc_rows:
        if kind == "remote":
            capacity = None
        else:
            lo, hi = KIND_CAPACITY[kind]
            nominal = rng.uniform(lo, hi)
            load = base_load[lid]
            capacity = _round_to(nominal if load == 0 else min(nominal * 1.5, max(300.0, load * rng.uniform(0.8, 1.6))),
                                 50)
            capacity = max(capacity, 200)
        locations.append({"location": lid, "name": name, "country": country, "kind": kind,
                          "personnel_capacity": capacity, "latitude": lat, "longitude": lon})

    # ---------------------------------------------------------------- pledges
    # which capabilities each nation pledges: 2-8, big nations more; in-demand capabilities likelier
    pledged_by: dict[str, list[str]] = {c: [] for c in cap_ids}
    nation_caps: dict[str, list[str]] = {}
    for n in nation_ids:
        k = max(2, min(8, round(2 + 6 * heft[n] ** 1.3 + rng.uniform(-1.0, 1.0))))
        weights = [1.0 + peak[c] ** 0.5 for c in cap_ids]
        nation_caps[n] = _weighted_sample(rng, cap_ids, weights, k)
        for c in nation_caps[n]:
            pledged_by[c].append(n)
    # every demanded capability has at least one pledging nation
    for c in cap_ids:
        if peak[c] > 0 and not pledged_by[c]:
            for n in _weighted_sample(rng, nation_ids, [0.2 + heft[n] for n in nation_ids], rng.randint(1, 3)):
                nation_caps[n].append(c)
                pledged_by[c].append(n)
    # units: pledged total per capability ≈ 0.8-1.2 × peak per-period demand
    units_of: dict[tuple[str, str], int] = {}
    for c in cap_ids:
        givers = pledged_by[c]
        if not givers:
            continue
        if peak[c] == 0:  # not asked for by any task: a token offer
            for n in givers:
                units_of[(n, c)] = rng.randint(1, 2)
            continue
        target = max(1, round(peak[c] * rng.uniform(0.8, 1.2)))
        w = {n: (0.15 + heft[n]) * rng.uniform(0.5, 1.5) for n in givers}
        if target < len(givers):  # too many givers for the units: keep the largest
            keep = sorted(givers, key=lambda n: -w[n])[:target]
            for n in givers:
                if n not in keep:
                    nation_caps[n].remove(c)
            givers = [n for n in givers if n in keep]
            pledged_by[c] = givers
        total_w = sum(w[n] for n in givers)
        raw = {n: target * w[n] / total_w for n in givers}
        alloc = {n: max(1, int(raw[n])) for n in givers}
        # largest remainders until the target is met
        for n in sorted(givers, key=lambda n: -(raw[n] - int(raw[n]))):
            if sum(alloc.values()) >= target:
                break
            alloc[n] += 1
        for n in givers:
            units_of[(n, c)] = alloc[n]
    cost_factor = {n: (rng.uniform(1.05, 1.5) if n in HIGH_COST else rng.uniform(0.7, 0.95) if n in LOW_COST
                       else rng.uniform(0.9, 1.15)) for n in nation_ids}
    # a fifth of the nations await a parliamentary vote on their whole offer; single pledges besides
    waiting = set(_weighted_sample(rng, nation_ids, [1.0] * len(nation_ids), round(0.2 * n_nations)))
    conditional_nation = {n: n in waiting for n in nation_ids}
    pledges = []
    for n in nation_ids:
        for c in sorted(nation_caps[n], key=cap_ids.index):
            if (n, c) not in units_of:
                continue
            r = rng.random()
            late = [k for k in waves if k > 1]
            early = [k for k in mandate_ends if k < horizon]
            if r < 0.75 or not late:
                window = (1, horizon)
            elif r < 0.9 or not early:
                window = (_pick(rng, late), horizon)
            else:
                window = (1, _pick(rng, early))
            conditional = conditional_nation[n] or rng.random() < 0.08
            rec = {"pledge": f"{n}-{c}", "nation": n, "capability": c, "units": units_of[(n, c)],
                   "from_period": window[0], "to_period": window[1],
                   "cost_per_unit": _round_to(cat[c][5] * cost_factor[n], 5) or 5,
                   "status": "conditional" if conditional else "firm"}
            if conditional and rng.random() < 0.4:
                rec["probability"] = round(rng.uniform(0.3, 0.8), 2)
            pledges.append(rec)

    # ---------------------------------------------------------------- caveats
    caveats = []
    task_ids = [t["task"] for t in tasks]
    leaders = set(by_size[:2])  # the two largest lead the force: they deploy to UKR
    candidates = [n for n in nation_ids if n not in leaders]
    n_forbid = round(0.25 * n_nations)
    forbid_ukr = _weighted_sample(rng, candidates, [1.0] * len(candidates), n_forbid)
    for n in sorted(forbid_ukr, key=nation_ids.index):
        caveats.append({"nation": n, "rule": "forbid", "country": "UKR",
                        "note": "No troops in Ukraine; contributes from neighbouring states"})
    # only-pillar caveats for a few (non-European nations first)
    pool = [n for n in nation_ids if n not in leaders]
    only_n = max(2, round(0.08 * n_nations))
    only_nations = _weighted_sample(rng, pool, [3.0 if not european[n] else 1.0 for n in pool], only_n)
    for n in sorted(only_nations, key=nation_ids.index):
        # allowed pillars: those that use what the nation pledges, plus c2
        mine = nation_caps[n]
        useful = [p for p in pillars if any(cat[c][2] in PILLAR_INFO[p][3] for c in mine)]
        allowed = _weighted_sample(rng, useful or pillars, [1.0] * len(useful or pillars), rng.randint(1, 2))
        if "c2" not in allowed and rng.random() < 0.5:
            allowed.append("c2")
        for p in sorted(allowed, key=pillars.index):
            caveats.append({"nation": n, "rule": "only", "pillar": p, "note": f"Contributes to {p} tasks only"})
    # one 'only' by country (e.g. a neighbour that deploys only on its own soil)
    hosts = [n for n in nation_ids if n in {loc_country[loc] for loc in loc_ids}
             and n not in only_nations and n not in leaders]
    if hosts:
        n = hosts[rng.randrange(len(hosts))]
        caveats.append({"nation": n, "rule": "only", "country": n, "note": "Deploys on its own territory only"})
    # forbid by domain / capability / pillar / task
    rest = [n for n in nation_ids if n not in leaders and n not in only_nations]
    if rest:
        n = rest[rng.randrange(len(rest))]
        caveats.append({"nation": n, "rule": "forbid", "country": "UKR", "domain": "land",
                        "note": "No ground troops in Ukraine"})
        n = rest[rng.randrange(len(rest))]
        c = cap_ids[rng.randrange(len(cap_ids))]
        caveats.append({"nation": n, "rule": "forbid", "capability": c, "country": "UKR",
                        "note": f"{cat[c][1]} stays outside Ukraine"})
        n = rest[rng.randrange(len(rest))]
        caveats.append({"nation": n, "rule": "forbid", "pillar": "land", "note": "No combat-adjacent land tasks"})
        n = rest[rng.randrange(len(rest))]
        t = task_ids[rng.randrange(len(task_ids))]
        caveats.append({"nation": n, "rule": "forbid", "task": t, "note": f"Parliament excluded task {t}"})
    # max_personnel in UKR for a few large nations
    personnel_of = {n: sum(units_of.get((n, c), 0) * cat[c][4] for c in nation_caps[n]) for n in nation_ids}
    forbidden = set(forbid_ukr)
    big = [n for n in by_size if n not in forbidden and n not in only_nations][:max(3, round(0.1 * n_nations))]
    for n in big:
        if personnel_of[n] <= 0:
            continue
        limit = _round_to(personnel_of[n] * rng.uniform(0.3, 0.7), 50)
        caveats.append({"nation": n, "rule": "max_personnel", "country": "UKR", "limit": limit,
                        "note": "Political ceiling on troops in Ukraine"})
    # and one ceiling on a domain anywhere
    if len(big) > 1 and personnel_of[big[-1]] > 0:
        n = big[-1]
        caveats.append({"nation": n, "rule": "max_personnel", "domain": "land",
                        "limit": _round_to(personnel_of[n] * 0.5, 50) or 50, "note": "Ceiling on land forces abroad"})

    scenario = [
        {"parameter": "name", "value": f"Generated benchmark {size} (seed {seed})"},
        {"parameter": "horizon", "value": horizon},
        {"parameter": "ceasefire", "value": "yes"},
        {"parameter": "include_conditional", "value": "yes"},
        {"parameter": "lead_min_share", "value": 0.25},
        {"parameter": "currency", "value": "EUR"},
    ]
    rows = {"Scenario": scenario, "Nations": nations, "Capabilities": capabilities, "Locations": locations,
            "Tasks": tasks, "Basing": basing, "Requirements": requirements, "Pledges": pledges,
            "Caveats": caveats}
    if rules:
        _rules_module().add_rules(rows, rules, f"{size}:{seed}", size_order=by_size, family="f1")
    return rows


def describe(rows: dict[str, list[dict]]) -> str:
    """One line: row counts per sheet."""
    return ", ".join(f"{name} {len(recs)}" for name, recs in rows.items())


def supply_ratios(rows: dict[str, list[dict]]) -> dict[str, float]:
    """Per demanded capability: pledged units / peak per-period demand (for checking realism)."""
    horizon = next(r["value"] for r in rows["Scenario"] if r["parameter"] == "horizon")
    tasks = {t["task"]: t for t in rows["Tasks"]}
    demand: dict[str, list[int]] = {}
    for r in rows["Requirements"]:
        t = tasks[r["task"]]
        d = demand.setdefault(r["capability"], [0] * (horizon + 1))
        for k in range(t["start_period"], t["end_period"] + 1):
            d[k] += r["units"]
    supply: dict[str, int] = {}
    for p in rows["Pledges"]:
        supply[p["capability"]] = supply.get(p["capability"], 0) + p["units"]
    return {c: supply.get(c, 0) / max(d) for c, d in demand.items() if max(d) > 0}


def write_instance(size: str, seed: int, out: str | Path, check: bool = True, rules=()) -> Path:
    """Generate, write the workbook, and (``check``) read it back through the validator."""
    from forcegen.workbook.template import write_input_workbook

    rows = generate(size, seed, rules)
    n, c, t, loc, h = SIZES[size]
    notes = [
        f"Generated benchmark instance: size {size} ({n} nations, {c} capabilities, {t} tasks, {loc} locations, "
        f"{h} periods), seed {seed}",
        "Written by benchmarks/generate.py. Synthetic, illustrative data shaped like the bundled baseline: "
        "not a plan of any real force.",
        describe(rows),
    ]
    if rules:
        notes.append("SPEC section 5 rules on: " + ", ".join(_rules_module().parse_rules(rules))
                     + " (data drawn by benchmarks/rules.py)")
    path = write_input_workbook(out, rows, notes=notes, created=CREATED)
    if check:
        from forcegen.workbook.read import read_problem

        read_problem(path)  # raises InputError listing every problem
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=list(SIZES), required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rules", default="", metavar="RULES",
                    help="switch on SPEC section 5 rules: comma list of sustainment, lift, rotation, montreux, or all "
                         "(default none: the workbook of before)")
    ap.add_argument("-o", "--out", help="workbook to write (default benchmarks/instances/<size>-<seed>.xlsx, "
                                        "<size>-<seed>+rules.xlsx with every rule, <size>-<seed>+lift.xlsx …)")
    args = ap.parse_args(argv)
    parse_rules, rules_tag = _rules_module().parse_rules, _rules_module().rules_tag
    try:
        rules = parse_rules(args.rules)
    except ValueError as exc:
        ap.error(str(exc))
    out = Path(args.out or Path(__file__).resolve().parent / "instances"
               / f"{args.size}-{args.seed}{rules_tag(rules)}.xlsx")
    from forcegen.errors import InputError

    try:
        path = write_instance(args.size, args.seed, out, rules=rules)
    except InputError as exc:  # a generator bug: say which rows
        print(f"generated instance does not validate:\n{exc}", file=sys.stderr)
        return 1
    rows = generate(args.size, args.seed, rules)
    ratios = sorted(supply_ratios(rows).values())
    med = ratios[len(ratios) // 2] if ratios else float("nan")
    print(f"{path}: valid; {describe(rows)}; supply/peak demand per capability median {med:.2f} "
          f"(min {ratios[0]:.2f}, max {ratios[-1]:.2f})")
    if rules:
        print(f"  rules: {_rules_module().describe(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
