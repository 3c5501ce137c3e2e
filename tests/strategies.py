"""Hypothesis strategies: small *valid* planning problems as raw sheet rows.

``problem_rows()`` draws the dict-of-lists format of ``builders.tiny()`` (one
list of row dicts per sheet), so a test can edit the rows (add a pledge, scale
costs, rename ids) before building the ``Problem`` with
``builders.problem_from_rows``. ``problems()`` draws the built ``Problem``.

Every instance is valid input (SPEC section 1) and tiny, so a solve takes
milliseconds:

    horizon 1..3; 2-4 nations (European or not); 1-3 capabilities (personnel per
    unit 0..150, 0 drawn often); 1-3 locations in UKR/POL/ROU (capacity blank or
    100..600); 1-3 tasks (priority 1..3, periods within the horizon, lead
    none/any/european, min_nations 1..3, max_nation_share 1 or an arbitrary
    decimal, ceasefire yes/no, active mostly yes) with ≥ 1 basing and ≥ 1
    requirement row each (units 1..4, weight an arbitrary decimal > 0); 0-6 pledges
    (units 0..3, window blank or within the horizon, cost 0..50 with up to three
    decimals, firm or conditional, a third with a tour 1..2 and dwell 0..2); 0-3
    caveats of every rule with any mix of filters; Scenario ceasefire,
    include_conditional and lead_min_share (0 or an arbitrary decimal) drawn; and
    half the time straits montreux or closed (aggregate 1,000-4,500 t) with Black Sea
    states, locations and tonnage drawn; a quarter of the time the sustainment rule
    (supply rate, resupply range, coordinates, host and depot throughput) and a quarter
    the lift rule (lift capacity, lift units, in_area).

Shares, weights and costs are as odd as real ones: decimals of one to seven
digits (0.142857, 0.3333333, 0.37), values a formula computed (1/7, 2/3), and the
round ones (0.25, 0.5); not only numbers that are exact in binary.

Ids are N1.., C1.., L1.., T1.., P1.. so that the renaming test can map them.
"""

from __future__ import annotations

import copy

from builders import problem_from_rows
from hypothesis import strategies as st

from forcegen.schema import DOMAINS, PILLARS

COUNTRIES = ("UKR", "POL", "ROU")
LOCATION_KINDS = ("land_base", "air_base", "naval_base", "depot_site")
#: shares people write or compute: near the simple fractions on either side of them, and round ones
ODD_SHARES = (0.142857, 0.1428572, 1 / 7, 1 / 3, 0.333, 0.3333333, 0.3333334, 2 / 3, 0.6666667, 0.25, 0.5,
              0.6, 0.75, 0.37, 0.2, 0.4)


def decimals(low: float, high: float, places: int = 7):
    """A decimal in [low, high] with 0..places digits after the point (0.37, 0.142857, 12.5)."""
    return st.integers(0, places).flatmap(
        lambda d: st.integers(round(low * 10**d), round(high * 10**d)).map(lambda i: i / 10**d))


def shares(low: float = 0.0):
    """A share in (low, 1]: often 1, else an odd value or an arbitrary decimal."""
    return st.one_of(st.just(1), st.sampled_from(ODD_SHARES), decimals(0, 1)).filter(lambda x: low < x <= 1)


WEIGHTS = st.one_of(st.sampled_from((1, 0.5, 2)), decimals(0.001, 10, 4).filter(lambda w: w > 0))
COSTS = st.one_of(st.integers(0, 50), decimals(0, 50, 3))
LEAD_MIN_SHARES = st.one_of(st.just(0), st.sampled_from((0.25, 0.5)), shares())
YESNO = ("yes", "no")
MOSTLY_YES = ("yes", "yes", "yes", "no")


def _window(draw, horizon: int) -> tuple[int, int]:
    first = draw(st.integers(1, horizon))
    last = draw(st.integers(first, horizon))
    return first, last


def _pledge(draw, pid: str, horizon: int, nations: list[str], capabilities: list[str]) -> dict:
    row = {
        "pledge": pid,
        "nation": draw(st.sampled_from(nations)),
        "capability": draw(st.sampled_from(capabilities)),
        "units": draw(st.integers(0, 3)),
        "cost_per_unit": draw(COSTS),
        "status": draw(st.sampled_from(("firm", "conditional"))),
    }
    if draw(st.booleans()):  # a window; otherwise the default 1..horizon
        row["from_period"], row["to_period"] = _window(draw, horizon)
    return row


@st.composite
def pledge_row(draw, rows: dict, pid: str) -> dict:
    """One more valid pledge row for an existing problem (used by the metamorphic tests)."""
    horizon = next(r["value"] for r in rows["Scenario"] if r["parameter"] == "horizon")
    nations = [r["nation"] for r in rows["Nations"]]
    capabilities = [r["capability"] for r in rows["Capabilities"]]
    return _pledge(draw, pid, horizon, nations, capabilities)


@st.composite
def problem_rows(draw) -> dict[str, list[dict]]:
    """A small valid problem as raw rows per sheet (the format of ``builders.tiny()``)."""
    horizon = draw(st.integers(1, 3))
    scenario = [
        {"parameter": "name", "value": "generated"},
        {"parameter": "horizon", "value": horizon},
        {"parameter": "ceasefire", "value": draw(st.sampled_from(MOSTLY_YES))},
        {"parameter": "include_conditional", "value": draw(st.sampled_from(MOSTLY_YES))},
        {"parameter": "lead_min_share", "value": draw(LEAD_MIN_SHARES)},
    ]

    nation_ids = [f"N{i}" for i in range(1, draw(st.integers(2, 4)) + 1)]
    nations = [{"nation": n, "name": f"Nation {n}", "european": draw(st.sampled_from(YESNO))} for n in nation_ids]

    cap_ids = [f"C{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    capabilities = [
        {"capability": c, "name": f"Capability {c}", "domain": draw(st.sampled_from(DOMAINS)), "unit": "unit",
         "personnel_per_unit": draw(st.one_of(st.sampled_from((0, 50, 100)), st.integers(0, 150)))}
        for c in cap_ids
    ]

    loc_ids = [f"L{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    locations = [
        {"location": loc, "name": f"Base {loc}", "country": draw(st.sampled_from(COUNTRIES)),
         "kind": draw(st.sampled_from(LOCATION_KINDS)),
         "personnel_capacity": draw(st.one_of(st.none(), st.integers(100, 600)))}
        for loc in loc_ids
    ]

    task_ids = [f"T{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    tasks, basing, requirements = [], [], []
    for t in task_ids:
        start, end = _window(draw, horizon)
        active = draw(st.sampled_from(MOSTLY_YES))
        tasks.append({
            "task": t, "name": f"Task {t}", "pillar": draw(st.sampled_from(PILLARS)),
            "priority": draw(st.integers(1, 3)), "start_period": start, "end_period": end,
            "requires_ceasefire": draw(st.sampled_from(YESNO)),
            "lead": draw(st.sampled_from(("none", "any", "european"))),
            "min_nations": draw(st.sampled_from((1, 1, 2, 3))), "max_nation_share": draw(shares()),
            "active": active,
        })
        least = 1 if active == "yes" else 0
        for loc in draw(st.lists(st.sampled_from(loc_ids), min_size=least, unique=True)):
            basing.append({"task": t, "location": loc})
        for c in draw(st.lists(st.sampled_from(cap_ids), min_size=least, unique=True)):
            requirements.append({"task": t, "capability": c, "units": draw(st.integers(1, 4)),
                                 "weight": draw(WEIGHTS)})

    # pledges mostly of a required capability, so that most instances allocate something
    needed = [c for c in cap_ids if any(r["capability"] == c for r in requirements)]
    n_pledges = draw(st.one_of(st.integers(0, 6), st.integers(2, 6)))
    pledges = [_pledge(draw, f"P{i}", horizon, nation_ids, needed + cap_ids) for i in range(1, n_pledges + 1)]

    caveats = []
    for _ in range(draw(st.integers(0, 3))):
        rule = draw(st.sampled_from(("forbid", "only", "max_personnel")))
        row = {"nation": draw(st.sampled_from(nation_ids)), "rule": rule}
        filters = {
            "country": st.sampled_from(COUNTRIES),
            "domain": st.sampled_from(DOMAINS),
            "capability": st.sampled_from(cap_ids),
            "pillar": st.sampled_from(PILLARS),
            "task": st.sampled_from(task_ids),
        }
        for key, values in filters.items():
            if draw(st.integers(0, 3)) == 3:  # each filter set with probability 1/4
                row[key] = draw(values)
        if rule == "max_personnel":
            row["limit"] = draw(st.one_of(st.sampled_from((0, 100)), st.integers(0, 400)))
        caveats.append(row)

    # SPEC 5.3-5.4, drawn last so that the draws above are as they were: rotation on some pledges,
    # and the straits with Black Sea locations, states and tonnage
    for row in pledges:
        if draw(st.integers(0, 2)) == 2:
            row["tour"] = draw(st.integers(1, 2))
            row["dwell"] = draw(st.integers(0, 2))
    straits = draw(st.sampled_from(("open", "open", "montreux", "closed")))
    if straits != "open":
        scenario += [{"parameter": "straits", "value": straits},
                     {"parameter": "montreux_aggregate_t", "value": draw(st.sampled_from((1000, 3000, 4500)))}]
        for row in nations:
            row["black_sea_state"] = draw(st.sampled_from(("no", "no", "yes")))
        for row in capabilities:
            row["tonnage"] = draw(st.sampled_from((0, 600, 1500, 2000)))
        for row in locations:
            row["sea_area"] = draw(st.sampled_from(("black_sea", "black_sea", "", "baltic")))

    # SPEC 5.1-5.2, drawn after all the rest for the same reason: a quarter of the instances with the
    # sustainment rule (every location on the 50th parallel, 0-430 km apart, some host support, depot
    # capabilities), a quarter with the lift rule (surface lift, lift capabilities, in_area drawn)
    if draw(st.sampled_from((False, False, False, True))):
        scenario += [{"parameter": "supply_rate", "value": draw(st.sampled_from((10, 40, 0.5)))},
                     {"parameter": "resupply_km", "value": draw(st.sampled_from((100, 300, 1000)))}]
        for row in locations:
            row["latitude"] = 50.0
            row["longitude"] = draw(st.sampled_from((30, 31, 32.5, 36)))
            row["host_throughput"] = draw(st.sampled_from((5, 0, 20, 2, 0)))
        for row in capabilities:
            row["throughput"] = draw(st.sampled_from((5, 0, 10, 0.5, 0)))
    if draw(st.sampled_from((False, False, False, True))):
        scenario.append({"parameter": "lift_capacity", "value": draw(st.sampled_from((300, 100, 0)))})
        for row in capabilities:
            row["lift_per_period"] = draw(st.sampled_from((200, 0, 50, 0)))
        for row in locations:
            row["in_area"] = draw(st.sampled_from((None, "no", None, "yes")))

    return {
        "Scenario": scenario,
        "Nations": nations,
        "Capabilities": capabilities,
        "Locations": locations,
        "Tasks": tasks,
        "Basing": basing,
        "Requirements": requirements,
        "Pledges": pledges,
        "Caveats": caveats,
    }


def problems():
    """A small valid ``Problem`` (built from ``problem_rows()``)."""
    return problem_rows().map(lambda rows: problem_from_rows(copy.deepcopy(rows)))


def whatif_change(data, rows: dict, plan) -> dict:
    """rows with one change a what-if makes, aimed at what the plan uses where it can: a nation's
    pledges dropped, a pledge's units cut, a location's capacity cut, a task's max_nation_share
    lowered or its min_nations raised."""
    new = copy.deepcopy(rows)
    pledge_nation = {p["pledge"]: p["nation"] for p in new["Pledges"]}
    used = plan.allocations
    how = data.draw(st.sampled_from(("drop", "units", "capacity", "share", "min_nations")))
    if how == "drop":
        nations = sorted({pledge_nation[a.pledge] for a in used}) or [n["nation"] for n in new["Nations"]]
        nation = data.draw(st.sampled_from(nations))
        new["Pledges"] = [p for p in new["Pledges"] if p["nation"] != nation]
    elif how == "units" and new["Pledges"]:
        ids = sorted({a.pledge for a in used}) or [p["pledge"] for p in new["Pledges"]]
        pid = data.draw(st.sampled_from(ids))
        p = next(p for p in new["Pledges"] if p["pledge"] == pid)
        p["units"] = data.draw(st.integers(0, max(0, p["units"] - 1)))
    elif how == "capacity":
        ids = sorted({a.location for a in used}) or [loc["location"] for loc in new["Locations"]]
        lid = data.draw(st.sampled_from(ids))
        loc = next(loc for loc in new["Locations"] if loc["location"] == lid)
        loc["personnel_capacity"] = data.draw(st.integers(0, 300))
    else:
        ids = sorted({a.task for a in used}) or [t["task"] for t in new["Tasks"]]
        tid = data.draw(st.sampled_from(ids))
        t = next(t for t in new["Tasks"] if t["task"] == tid)
        if how == "share":
            t["max_nation_share"] = data.draw(st.sampled_from((0.34, 0.5, 0.142857)))
        else:
            t["min_nations"] = data.draw(st.integers(1, 4))
    return new
