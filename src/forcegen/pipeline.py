"""Every command's run: workbook -> Problem -> model -> solve -> Plan -> report -> workbook.

``run_plan``, ``run_whatif``, ``run_compare`` and ``run_sweep`` do the reading, the
solving, the building of reports and comparisons and the writing of each command, and
return typed results (``PlanRun``, ``WhatIfRun``, the ``Comparison``, ``SweepRun``);
the command line only parses its options, calls one of them and renders what it
returns. Each step is its own module; this one only strings them together and emits
progress events (``on_event(kind, data)``) that the CLI shows. Library code
does not print.

Every solve goes through ``solve_cached``: with a cache folder (the CLI's
``outputs/.cache`` unless ``--no-cache``) a plan already solved for the same
Problem, options and forcegen version is read back instead of solved again
(``cache.py``); without one it solves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .domain import Plan, Problem
from .errors import UsageError
from .model.solve import PlanOptions
from .report import Report
from .workbook.write import same_file

if TYPE_CHECKING:
    from .sweep import SweepResult

Event = Callable[[str, dict], None]


@dataclass(frozen=True)
class PlanRun:
    problem: Problem
    plan: Plan
    report: Report
    output: Path | None


def default_output(input_path: Path, folder: Path | None = None) -> Path:
    """outputs/plan-<input stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"plan-{input_path.stem}.xlsx"


def whatif_output(input_path: Path, folder: Path | None = None) -> Path:
    """outputs/whatif-<input stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"whatif-{Path(input_path).stem}.xlsx"


def compare_output(a: Path, b: Path, folder: Path | None = None) -> Path:
    """outputs/compare-<A stem>-<B stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"compare-{Path(a).stem}-{Path(b).stem}.xlsx"


def sweep_output(input_path: Path, kind: str, folder: Path | None = None) -> Path:
    """outputs/sweep-<kind>-<input stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"sweep-{kind}-{Path(input_path).stem}.xlsx"


def solve_cached(problem: Problem, options: PlanOptions, cache: Path | None, on_event: Event | None = None, *,
                 reference: Plan | None = None, start: Plan | None = None, start_problem: Problem | None = None,
                 label: str = "plan") -> Plan:
    """Solve ``problem``, or read its plan from the cache folder ``cache`` (None: no cache).

    ``reference`` is passed to ``solve_problem`` (a stable what-if's baseline); ``start`` is
    the plan a variant starts from (its baseline's, the plan of ``start_problem``): when the
    variant only takes options away from the baseline (``bounds.restricts``), the baseline's
    levels also bound the variant's (``lower``). Either plan is part of the cache key when used. The plan's ``SolveInfo.cache`` says
    ``hit``, ``miss`` (solved; stored when every level is optimal) or ``off``. A hit emits
    ``cache_hit`` with ``label`` (plan, baseline, variant) and the stored solve's runtime.
    """
    from . import cache as plan_cache
    from .model.solve import solve_problem

    from .model.bounds import restricts

    emit = on_event or (lambda kind, data: None)
    extra = {"start": start}
    if start is not None and start_problem is not None and restricts(start_problem, problem):
        extra["lower"] = start
    if cache is None:
        return solve_problem(problem, options, on_event=emit, reference=reference, **extra)  # cache "off"
    key = plan_cache.key(problem, options, reference=reference, start=start)
    hit = plan_cache.load(cache, key, problem)
    if hit is not None:
        emit("cache_hit", {"what": label, "runtime_s": hit.info.runtime_s, "status": hit.info.status,
                           "levels": len(hit.info.levels)})
        return hit
    plan = solve_problem(problem, options, on_event=emit, reference=reference, **extra)
    if plan.info is not None:
        plan = replace(plan, info=replace(plan.info, cache="miss"))
    plan_cache.store(cache, key, plan)
    return plan


def _read_input(input_path: Path, emit: Event, strict: bool = False):
    """read -> validate: the raw tables (for what-if copies), the Problem and the file's SHA-256.

    Each of the Problem's warnings (unknown columns) is emitted as a ``warning``; with
    ``strict`` they are input errors instead.
    """
    from .validate import build_problem
    from .workbook.read import file_sha256, read_tables

    emit("phase", {"name": "read", "detail": str(input_path)})
    sha = file_sha256(input_path) if input_path.is_file() else ""
    tables = read_tables(input_path, strict=strict)
    emit("phase", {"name": "validate"})
    problem = build_problem(tables, file=str(input_path), strict=strict)
    for line in problem.warnings:
        emit("warning", {"text": line})
    return tables, problem, sha


def run_plan(input_path: Path, output: Path | None, options: PlanOptions = PlanOptions(),
             on_event: Event | None = None, cache: Path | None = None, strict: bool = False) -> PlanRun:
    """Read and validate INPUT, solve every level, write the plan workbook to ``output`` (if given).

    ``cache``: the solved-plan cache folder (None: solve without one). ``strict``: unknown
    columns are input errors, not warnings.
    """
    from .workbook.write import write_plan

    emit = on_event or (lambda kind, data: None)
    if output is not None and same_file(input_path, output):
        raise UsageError(f"refusing to write the plan over its input {input_path}; choose another -o")
    _tables, problem, sha = _read_input(input_path, emit, strict)
    plan = solve_cached(problem, options, cache, emit)
    report = _report(problem, plan, input_path, sha)
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_plan(report, output, input_path=input_path)
    return PlanRun(problem, plan, report, output)


@dataclass(frozen=True)
class WhatIfRun:
    baseline: PlanRun
    variant: PlanRun
    applied: list
    comparison: object
    output: Path | None


def _report(problem: Problem, plan: Plan, source: Path, sha: str) -> Report:
    from .report import build_report

    return build_report(problem, plan, input_file=str(source), input_sha256=sha,
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def run_whatif(input_path: Path, changes: list, drop_nations: list[str], output: Path | None,
               options: PlanOptions = PlanOptions(), stable: bool = True,
               on_event: Event | None = None, cache: Path | None = None, strict: bool = False,
               changes_file: Path | None = None) -> WhatIfRun:
    """Solve the baseline and its changed copy; compare them. The input file is only read.

    ``changes_file``: a workbook whose Changes sheet adds to ``changes``; with no change
    and no nation to drop at all, a UsageError. With ``stable`` (the default) the variant
    is solved lexicographically as usual and then, holding every level, moves as few
    units as possible from the baseline plan. With a ``cache`` folder the baseline (and
    a variant solved before) is read from it when it is there; the variant starts from
    the baseline's plan.
    """
    from .compare import build_comparison
    from .whatif import apply_changes, read_changes
    from .workbook.compare_write import write_comparison

    emit = on_event or (lambda kind, data: None)
    changes = list(changes)
    if changes_file is not None:
        changes += read_changes(changes_file)
    if not changes and not drop_nations:
        raise UsageError("nothing to change: give --set, --drop-nation or --changes")
    if output is not None and same_file(input_path, output):
        raise UsageError(f"refusing to write the comparison over its input {input_path}; choose another -o")
    tables, problem, sha = _read_input(input_path, emit, strict)
    variant_problem, applied = apply_changes(tables, changes, drop_nations, file=str(input_path))
    for change in applied:
        emit("change", {"text": str(change)})
    emit("phase", {"name": "solve baseline"})
    base_plan = solve_cached(problem, options, cache, emit, label="baseline")
    emit("phase", {"name": "solve variant" + (" (stable: fewest units moved)" if stable else "")})
    var_plan = solve_cached(variant_problem, options, cache, emit, reference=base_plan if stable else None,
                            start=base_plan, start_problem=problem, label="variant")
    base_report = _report(problem, base_plan, input_path, sha)
    var_report = _report(variant_problem, var_plan, input_path, sha)
    comparison = build_comparison(base_report, var_report, applied=applied, labels=("baseline", "variant"),
                                  base_source=str(input_path), variant_source=f"{input_path} with changes")
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_comparison(comparison, output, input_paths=(input_path,))
    return WhatIfRun(PlanRun(problem, base_plan, base_report, None), PlanRun(variant_problem, var_plan, var_report, None),
                     applied, comparison, output)


def run_compare(a: Path, b: Path, output: Path | None, options: PlanOptions = PlanOptions(),
                on_event: Event | None = None, cache: Path | None = None, strict: bool = False):
    """Compare two runs: each path is an input workbook (solved here) or a plan workbook (read)."""
    from .compare import build_comparison
    from .workbook.compare_write import write_comparison
    from .workbook.plan_read import is_plan_workbook, read_plan_report

    emit = on_event or (lambda kind, data: None)
    for p in (a, b):
        if output is not None and same_file(p, output):
            raise UsageError(f"refusing to write the comparison over its input {p}; choose another -o")
    reports = []
    for p in (a, b):
        if is_plan_workbook(p):
            emit("phase", {"name": "read plan", "detail": str(p)})
            reports.append(read_plan_report(p))
        else:
            reports.append(run_plan(p, None, options, on_event=emit, cache=cache, strict=strict).report)
    comparison = build_comparison(reports[0], reports[1], applied=[], labels=(a.stem, b.stem),
                                  base_source=str(a), variant_source=str(b))
    if output is not None:
        emit("phase", {"name": "write", "detail": str(output)})
        write_comparison(comparison, output, input_paths=(a, b))
    return comparison


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepRun:
    result: "SweepResult"
    output: Path


def sweep_input(input_path, kind: str, executor_handle, options, *, samples: int | None = None,
                seed: int = 0, specs=(), on_event: Event | None = None, cache: Path | None = None,
                strict: bool = False):
    """Read INPUT, make the kind's variants, run them on the executor; the input is only read.

    ``executor_handle`` is a ``sweep.ExecutorHandle``; ``cache``: the solved-plan cache folder
    (None: solve without one; a Dask cluster's workers never use it). ``strict``: unknown
    columns are input errors; otherwise each is emitted as a ``warning``. Returns the
    ``SweepResult``.
    """
    from . import __version__
    from .sweep import KindArgs, kind_of, run_sweep as run_variants

    emit = on_event or (lambda kind_, data: None)
    input_path = Path(input_path)
    spec = kind_of(kind)
    tables, problem, sha = _read_input(input_path, emit, strict)
    args = KindArgs(samples, seed, tuple(specs))
    variants = spec.variants(problem, tables, args, file=str(input_path))
    if not variants:
        raise UsageError(f"nothing to sweep: {input_path} has no {spec.nothing}")
    info = {
        "input_file": str(input_path), "input_sha256": sha, "scenario": problem.scenario.name,
        "kind": kind, **spec.info(variants, args),
        "executor": executor_handle.description, "workers": executor_handle.workers,
        "forcegen_version": __version__,
    }
    if cache is not None and executor_handle.client is not None:  # its workers do not share this folder
        cache = None
        info["cache"] = "off (the Dask cluster's workers do not share the cache folder)"
    return run_variants(tables, variants, executor_handle.executor, options, on_event=emit, kind=kind,
                        file=str(input_path), info=info, cache=cache)


def run_sweep(input_path: Path, kind: str, output: Path, options: PlanOptions = PlanOptions(), *,
              workers: int | None = None, scheduler: str | None = None, samples: int | None = None,
              seed: int = 0, specs=(), on_event: Event | None = None, cache: Path | None = None,
              strict: bool = False) -> SweepRun:
    """Sweep INPUT on a local pool of ``workers`` (or the Dask cluster at ``scheduler``); write the workbook.

    After Ctrl-C (once the baseline is solved) what has finished is written, marked partial
    (``run.result.partial``); the workbook is written whole or not at all.
    """
    from .sweep import make_executor
    from .workbook.sweep_write import write_sweep

    if same_file(input_path, output):
        raise UsageError(f"refusing to write the sweep over its input {input_path}; choose another -o")
    with make_executor(workers, scheduler, options.threads) as handle:
        result = sweep_input(input_path, kind, handle, options, samples=samples, seed=seed, specs=specs,
                             on_event=on_event, cache=cache, strict=strict)
        if result.partial:
            handle.abort()
    write_sweep(result, output, input_paths=(input_path,))
    return SweepRun(result, output)
