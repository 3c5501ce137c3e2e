"""HiGHS handing back an unimproved MIP start with a better objective than the start's (HiGHS 1.16).

The back end then solves again without the start, in the time left. The first run's bound still
holds: HiGHS pruned only what could not beat the value it believed it had, which is at or above
that bound. Hand-derived on the knapsack of test_lp_settles: optimum −1, the empty start 0.
"""

from __future__ import annotations

import pytest
from test_lp_settles import knapsack

from forcegen.model.backends import SolveOptions, _HighsSession, get_backend


def mismatched(monkeypatch, second_run: bool) -> list[int]:
    """Every run's plan reported as not the one HiGHS describes; the second run done or skipped."""
    runs: list[int] = []
    real_run = _HighsSession._run

    def run(self, progress):
        runs.append(1)
        if len(runs) == 1 or second_run:
            real_run(self, progress)

    monkeypatch.setattr(_HighsSession, "_run", run)
    monkeypatch.setattr(_HighsSession, "_consistent", lambda self, objective, info: False)
    return runs


def test_a_second_run_that_finds_nothing_keeps_the_start_and_the_first_bound(monkeypatch):
    runs = mismatched(monkeypatch, second_run=False)
    model, obj = knapsack()
    res = get_backend("highs").open(model).solve(obj, SolveOptions(time_limit=10), start=[0.0, 0.0])
    assert len(runs) == 2
    assert res.status == "feasible" and res.values == [0.0, 0.0] and res.objective == 0.0
    assert res.bound == pytest.approx(-1.0)  # the first run proved −1; nothing lower exists


def test_a_second_run_that_solves_keeps_its_plan(monkeypatch):
    runs = mismatched(monkeypatch, second_run=True)
    model, obj = knapsack()
    res = get_backend("highs").open(model).solve(obj, SolveOptions(time_limit=10), start=[0.0, 0.0])
    assert len(runs) == 2
    assert res.status == "optimal" and res.objective == pytest.approx(-1.0) and res.bound == pytest.approx(-1.0)
