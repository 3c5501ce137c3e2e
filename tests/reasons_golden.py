"""Writes tests/golden/reasons.json, the regression record of the Shortfalls reasons that
``test_reasons_golden.py`` compares against (a regression check, not truth: the texts are what the
code said when the file was written, each one checked by hand only where another test says so).

Each case holds an input as raw sheet rows, a plan (allocations, leads, solve status) and the
Shortfalls rows (task, capability, periods, units_missing, reason) ``build_report`` made of them.
The cases come from

* every problem and plan the report, logistics, rotation/Montreux, model-rule, writer and
  host-country tests hand to ``build_report`` (their rows captured where ``build_problem`` reads
  them);
* tiny problems drawn by ``strategies.problem_rows`` (derandomized), each with its solved plan,
  that plan with every other allocation dropped, and no plan at all;
* the bundled baseline with its solved plan (about 10 s) and no plan at all.

Run from the repository: ``python tests/reasons_golden.py`` (about a minute and a half).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLDEN = HERE / "golden" / "reasons.json"
CAPTURE_FROM = ("test_report.py", "test_logistics.py", "test_rotation_montreux.py", "test_model_rules.py",
                "test_write.py", "test_host_country.py")
DRAWN = 150
SHORTFALL_FIELDS = ("task", "capability", "periods", "units_missing", "reason")


def plan_record(plan) -> dict:
    return {
        "allocations": [[a.period, a.task, a.location, a.pledge, a.units] for a in plan.allocations],
        "leads": dict(sorted(plan.leads.items())),
        "status": plan.info.status if plan.info else None,
    }


def plan_from_record(rec: dict):
    from forcegen.domain import Allocation, Plan, SolveInfo

    info = None if rec["status"] is None else SolveInfo("highs", "", rec["status"], 0.0, 0.0)
    return Plan(tuple(Allocation(*a) for a in rec["allocations"]), leads=dict(rec["leads"]), info=info)


def shortfall_rows(rows: dict, plan_rec: dict) -> list[list]:
    """The Shortfalls rows of a case's report, as JSON-ready lists."""
    from builders import problem_from_rows

    from forcegen.report import build_report, plain

    problem = problem_from_rows(rows)
    rep = build_report(problem, plan_from_record(plan_rec), input_file="", input_sha256="", created_at="")
    return [[plain(v) for v in r] for r in rep.shortfalls[list(SHORTFALL_FIELDS)].itertuples(index=False)]


def tables_to_rows(tables) -> dict:
    return {name: [dict(r) for _, r in t.rows] for name, t in tables.items()}


def capture_from_tests() -> list[tuple[str, dict, dict]]:
    """(source, rows, plan) of every build_report call the listed tests make on a problem read from rows."""
    import pytest

    import forcegen.report as report
    import forcegen.validate as validate
    import forcegen.workbook.read as read

    read_rows: dict[int, tuple[object, dict]] = {}
    seen: list[tuple[str, dict, dict]] = []
    real_build_problem, real_build_report = validate.build_problem, report.build_report

    def build_problem(tables, *a, **kw):
        problem = real_build_problem(tables, *a, **kw)
        read_rows[id(problem)] = (problem, tables_to_rows(tables))
        return problem

    def build_report(problem, plan, **kw):
        hit = read_rows.get(id(problem))
        if hit is not None and hit[0] is problem:
            test = (__import__("os").environ.get("PYTEST_CURRENT_TEST") or "?").split(" ")[0]
            seen.append((test, hit[1], plan_record(plan)))
        return real_build_report(problem, plan, **kw)

    validate.build_problem = build_problem
    read.build_problem = build_problem
    report.build_report = build_report
    try:
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-x",
                            *(str(HERE / f) for f in CAPTURE_FROM)])
        assert code == 0, f"the tests failed ({code})"
    finally:
        validate.build_problem, read.build_problem = real_build_problem, real_build_problem
        report.build_report = real_build_report
    return seen


def drawn_cases() -> list[tuple[str, dict, dict]]:
    from builders import problem_from_rows
    from hypothesis import HealthCheck, given, settings
    from strategies import problem_rows

    from forcegen.domain import Plan
    from forcegen.model.solve import PlanOptions, solve_problem

    drawn: list[dict] = []

    @settings(derandomize=True, max_examples=DRAWN, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(problem_rows())
    def draw(rows):
        drawn.append(json.loads(json.dumps(rows)))

    draw()
    out = []
    for i, rows in enumerate(drawn):
        problem = problem_from_rows(rows)
        plan = solve_problem(problem, PlanOptions(solver="highs", time_limit=20))
        half = Plan(plan.allocations[::2], leads=plan.leads, info=plan.info)
        out += [(f"drawn {i} solved", rows, plan_record(plan)), (f"drawn {i} half", rows, plan_record(half)),
                (f"drawn {i} empty", rows, {"allocations": [], "leads": {}, "status": "feasible"})]
    return out


def baseline_cases() -> list[tuple[str, dict, dict]]:
    import forcegen.validate as validate
    import forcegen.workbook.read as read
    from forcegen.model.solve import PlanOptions, solve_problem

    got = {}
    real = validate.build_problem

    def build_problem(tables, *a, **kw):
        got["rows"] = tables_to_rows(tables)
        return real(tables, *a, **kw)

    read.build_problem = build_problem
    try:
        problem = read.read_problem(ROOT / "inputs" / "baseline-core.xlsx")
    finally:
        read.build_problem = real
    plan = solve_problem(problem, PlanOptions(solver="highs", time_limit=120))
    rows = json.loads(json.dumps(got["rows"], default=str))
    return [("baseline solved", rows, plan_record(plan)),
            ("baseline empty", rows, {"allocations": [], "leads": {}, "status": "feasible"})]


def main() -> None:
    sys.path.insert(0, str(HERE))
    cases = []
    keys = set()
    dropped = 0
    for source, rows, plan in capture_from_tests() + drawn_cases() + baseline_cases():
        rows = json.loads(json.dumps(rows, default=str))
        key = hashlib.sha256(json.dumps([rows, plan], sort_keys=True).encode()).hexdigest()
        if key in keys:
            continue
        keys.add(key)
        try:
            shortfalls = shortfall_rows(rows, plan)
        except Exception as e:  # rows that do not survive JSON (none expected), or a plan of another problem
            print(f"dropped {source}: {type(e).__name__}: {e}", file=sys.stderr)
            dropped += 1
            continue
        cases.append({"source": source, "rows": rows, "plan": plan, "shortfalls": shortfalls})
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps({
        "note": "regression record of the Shortfalls reasons, written by tests/reasons_golden.py; not truth",
        "cases": cases,
    }, indent=None, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    reasons = sum(len(c["shortfalls"]) for c in cases)
    print(f"{len(cases)} cases, {reasons} shortfall rows, {dropped} dropped -> {GOLDEN}")


if __name__ == "__main__":
    main()
