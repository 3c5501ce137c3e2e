"""The solve log a planner follows: time shared between the levels, live progress, honest seconds."""

from __future__ import annotations

import time

import pytest

from forcegen.model import backends
from forcegen.model.backends import get_backend
from forcegen.model.solve import PlanOptions, level_budget, solve_problem
from forcegen.workbook.read import read_problem


def test_level_budget_is_front_loaded_passes_on_and_never_overspends():
    assert level_budget(300.0, 7) == pytest.approx(75.0)
    assert level_budget(42.0, 1) == pytest.approx(42.0)  # the last level gets all that is left
    remaining, spent = 300.0, []
    for left in range(7, 0, -1):  # every level uses its whole share
        share = level_budget(remaining, left)
        spent.append(share)
        remaining -= share
    assert sum(spent) == pytest.approx(300.0)
    assert spent == sorted(spent, reverse=True)
    assert min(spent) > 0.03 * 300  # even the last of seven gets 2/56 of the whole


LIMIT = 3.0  # seconds for the whole solve: the baseline needs tens


@pytest.fixture(scope="module")
def short_run():
    """The baseline under a short time limit; the events, with every solver call in their order.

    Each call to the HiGHS sessions' ``solve`` and ``relaxation`` is logged as a
    ("solver_call", {"time_limit", "seconds"}) event between the level's own events.
    """
    from solving import CORE_BASELINE

    problem = read_problem(CORE_BASELINE)
    events: list[tuple[str, dict]] = []
    backend_class = type(get_backend("highs"))
    real_open = backend_class.open

    def timed(call):
        def run(objective, options, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return call(objective, options, *args, **kwargs)
            finally:
                events.append(("solver_call", {"time_limit": options.time_limit,
                                               "seconds": time.perf_counter() - t0}))
        return run

    def open_logged(self, model):
        session = real_open(self, model)
        for name in ("solve", "relaxation"):
            if hasattr(session, name):
                setattr(session, name, timed(getattr(session, name)))
        return session

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backends, "PROGRESS_EVERY", 0.0)
        mp.setattr(backend_class, "open", open_logged)
        plan = solve_problem(problem, PlanOptions(time_limit=LIMIT), on_event=lambda k, d: events.append((k, d)))
    return plan, events


def calls_by_level(events) -> tuple[dict[int, list[dict]], list[dict]]:
    """The solver calls made while each level was solved (level index -> calls), and those made outside a level."""
    inside: dict[int, list[dict]] = {}
    outside, level = [], None
    for kind, data in events:
        if kind == "level_start":
            level = data["index"]
            inside[level] = []
        elif kind == "level_done":
            level = None
        elif kind == "solver_call":
            (outside if level is None else inside[level]).append(data)
    return inside, outside


def test_a_short_time_limit_is_shared_between_the_levels(short_run):
    """In 3 s the first level must not take what the others need: every solver call has a time
    limit, and none more than its level's share of the whole limit (2/(k+1) of it with k levels
    still to solve). How far each level then gets, and so its status, depends on the machine."""
    plan, events = short_run
    n = len(plan.info.levels)
    inside, outside = calls_by_level(events)
    assert not outside
    assert sorted(inside) == list(range(1, n + 1))
    assert inside[1], "the first level was not solved at all"
    for index, lv in enumerate(plan.info.levels, start=1):
        # levels with a solver call have an objective; others may too, so k is at least this many
        to_go = sum(1 for j in range(index, n + 1) if inside[j])
        share = level_budget(LIMIT, max(1, to_go))
        for call in inside[index]:
            assert call["time_limit"] is not None, f"{lv.name}: a solver call without a time limit"
            assert 0 < call["time_limit"] <= max(share, 0.01) + 1e-9, (lv.name, call["time_limit"], share)
        if not inside[index]:
            assert lv.status in ("optimal", "not_solved"), lv  # nothing to solve, or no time left
    # a run the clock stopped is never reported optimal
    assert (plan.info.status == "optimal") == all(lv.status == "optimal" for lv in plan.info.levels)


def test_level_seconds_account_for_every_solver_call(short_run):
    plan, events = short_run
    inside, outside = calls_by_level(events)
    assert not outside, "solver time spent outside the levels is in no level's seconds"
    for index, lv in enumerate(plan.info.levels, start=1):
        assert lv.seconds >= sum(c["seconds"] for c in inside[index]), lv
    assert sum(lv.seconds for lv in plan.info.levels) <= plan.info.runtime_s


def test_progress_events_carry_incumbent_bound_and_gap(short_run):
    _, events = short_run
    progress = [d for k, d in events if k == "level_progress"]
    assert progress, "no progress reported during the solve"
    for d in progress:
        assert d["name"].startswith(("shortfall", "cost", "contributions"))
        assert d["seconds"] >= 0
        if d["incumbent"] is not None and d["bound"] is not None:
            assert d["bound"] <= d["incumbent"] + 1e-6 * max(1.0, abs(d["incumbent"]))
            assert d["gap"] is not None and d["gap"] >= 0
