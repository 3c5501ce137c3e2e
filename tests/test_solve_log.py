"""The solve log a planner follows: time shared between the levels, live progress, honest seconds."""

from __future__ import annotations

import pytest

from forcegen.model import backends
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


@pytest.fixture(scope="module")
def short_run():
    from forcegen.cli import _bundled_baseline

    problem = read_problem(_bundled_baseline())
    events: list[tuple[str, dict]] = []
    old = backends.PROGRESS_EVERY
    backends.PROGRESS_EVERY = 0.0
    try:
        plan = solve_problem(problem, PlanOptions(time_limit=3.0), on_event=lambda k, d: events.append((k, d)))
    finally:
        backends.PROGRESS_EVERY = old
    return plan, events


def test_a_short_time_limit_is_shared_so_every_level_is_attempted(short_run):
    # the baseline needs tens of seconds; in 3 s the first level must not starve the others
    plan, _ = short_run
    statuses = {lv.name: lv.status for lv in plan.info.levels}
    assert set(statuses.values()) <= {"optimal", "feasible"}, statuses
    assert plan.info.runtime_s < 3.0 + 2.0


def test_level_seconds_account_for_every_solver_call(short_run):
    plan, _ = short_run
    spent = sum(lv.seconds for lv in plan.info.levels)
    build = plan.info.options["build_s"]
    assert spent <= plan.info.runtime_s
    assert spent >= 0.8 * (plan.info.runtime_s - build)


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
