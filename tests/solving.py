"""Solve a problem, write its plan workbook and re-check it with the independent verifier.

Every solve in the tests goes through ``solve_and_verify`` so that no plan the
model returns escapes the verifier.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from forcegen.domain import Plan, Problem
from forcegen.model.solve import PlanOptions, solve_problem
from forcegen.report import build_report
from forcegen.verify import verify_plan
from forcegen.workbook.write import write_plan

SOLVERS = ("highs", "cbc", "cpsat")
#: the baseline scenario without SPEC section 5 (the bundled baseline has every rule of it on): proven
#: optimal in seconds, for the tests that solve a realistic instance
CORE_BASELINE = Path(__file__).resolve().parents[1] / "inputs" / "baseline-core.xlsx"
#: multiply every property test's example count, e.g. FORCEGEN_PROPERTY_SCALE=50 for a long bug hunt
SCALE = max(1, int(os.environ.get("FORCEGEN_PROPERTY_SCALE", "1")))


def level_values(plan: Plan) -> dict[str, float]:
    return {lv.name: lv.value for lv in plan.info.levels}


def solve_and_verify(problem: Problem, solver: str = "highs", *, folder: Path | None = None,
                     **options) -> Plan:
    """Solve, write the plan workbook, verify it; fail the test on any violation."""
    plan = solve_problem(problem, PlanOptions(solver=solver, **options))
    assert plan.info.status == "optimal", plan.info
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(folder or tmp) / f"plan-{solver}.xlsx"
        report = build_report(problem, plan, input_file="<test>", input_sha256="0" * 64,
                              created_at="2026-01-01T00:00:00Z")
        write_plan(report, out)
        result = verify_plan(problem, out)
        assert result.ok, "\n".join(str(v) for v in result.violations)
    return plan
