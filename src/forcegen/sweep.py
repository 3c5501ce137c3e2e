"""Sweeps: many variants of one input, each an independent solve, run on any Executor.

A *variant* is plain data (``Variant``): what-if changes, nations to drop, caveat
rows to lift. Generators make the variants of each kind:

* ``leave_one_out(problem)`` — for each nation with pledges, the plan without it
  (its pledges and caveats removed, as ``whatif --drop-nation``);
* ``caveat_lifts(problem)`` — for each caveat, the plan with it lifted: a
  ``forbid`` or ``max_personnel`` row is removed; a nation's ``only`` rows act
  together (an allocation must match one of them), so removing one of several
  would *narrow* what the nation may do — they are lifted together, as one
  variant keyed ``#r1+#r2``;
* ``reliability_samples(problem, k, seed)`` — k draws from a seeded numpy
  Generator: each pledge with ``probability`` q < 1 is kept with probability q,
  else set to 0 units (``Pledges:<id>:units=0``). Conditional pledges are not
  drawn while Scenario ``include_conditional`` is no (they are out of every plan);
* ``grid(specs)`` — every combination of ``SHEET:KEY:COLUMN=V1,V2,…`` values.

``solve_variant(payload)`` is the worker: a module-level function (picklable under
any start method, and by reference for Dask) that applies a variant to a copy of
the raw tables, validates, solves every lexicographic level and returns the
figures as a plain dict; any error is caught and returned as ``status: failed``.

``run_sweep`` solves the baseline first (through the executor, like every other
solve), then submits the variants with ``executor.submit`` and collects them with
``concurrent.futures.as_completed``. It works with any
``concurrent.futures.Executor``: the local ``ProcessPoolExecutor`` or a Dask
cluster's ``Client(addr).get_executor()`` (``make_executor``). Reuse:

* identical variants (same changes) are solved once;
* a variant that only removes pledges the baseline plan does not use has the
  baseline's optimum: the baseline plan is feasible for it (removing unused
  pledges removes only columns that are 0 in that plan) and its feasible set is
  a subset of the baseline's, so each lexicographic level's optimum is unchanged.
  Such a variant reuses the baseline's figures without a solve (only when the
  baseline was solved to optimality);
* building the model takes well under a second even for the bundled baseline,
  so it is rebuilt per variant rather than shipped between processes;
* with a cache folder (``run_sweep(cache=…)``, passed to each worker in its payload)
  every solve goes through ``pipeline.solve_cached``: the baseline of a sweep run
  after a ``plan`` of the same input and options is read from the cache, and so is
  every variant of a sweep run again. Each variant is given the baseline plan as its
  start (used when ``solve_problem`` takes one).

Ctrl-C (``KeyboardInterrupt``) while collecting cancels what has not started and
returns what has finished, with ``partial=True``.

Rankings (``SweepResult.ranking``), Δ = variant − baseline:

* leave-one-out: nations by (Δshortfall_p1, …, Δshortfall_p5, Δtotal_cost), largest first;
* caveats: by units recovered (Δcovered_unit_periods) largest first, then by the
  weighted shortfall they remove, priority 1 first (Δshortfall_p1 … p5 most
  negative first), then Δtotal_cost;
* grid: combinations by (shortfall_p1, …, shortfall_p5, total_cost), best first;
* reliability (``SweepResult.reliability``): per task, the share of samples in
  which it is fully covered (no unit missing in any active period), with a Wilson
  95 % score interval, and the mean / P5 / P50 / P95 of its missing unit-periods
  (numpy's linear-interpolation percentiles); the same per priority and overall.

Library code: no printing; progress goes to ``on_event(kind, data)``.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .domain import Problem
from .figures import NAMES as figure_names
from .errors import ForcegenError, InputError, UsageError
from .whatif import Change, parse_change

KINDS = ("leave-one-out", "caveats", "reliability", "grid")

#: Summary figures of every variant, in order: the registry's (``figures.py``), but the host split
FIGURES = tuple(f for f in figure_names if f not in ("personnel_in_host", "personnel_outside_host"))
#: the lexicographic objective's figures (levels 1 and 2)
OBJECTIVE = (*(f"shortfall_p{k}" for k in range(1, 6)), "total_cost")
MAX_GRID = 10_000
Z95 = 1.959963984540054

Event = Callable[[str, dict], None]


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    """One variant of the input: changes to a copy of the raw tables, as plain (picklable) data."""

    name: str
    subject: str = ""  # what it is about: a nation, a caveat (#row), a sample number, a combination
    changes: tuple[Change, ...] = ()
    drop_nations: tuple[str, ...] = ()
    lift_caveat_rows: tuple[int, ...] = ()  # Caveats rows (spreadsheet row numbers) removed
    params: tuple[tuple[str, str], ...] = ()  # grid: (SHEET:KEY:COLUMN, value) per axis

    @property
    def signature(self) -> tuple:
        """Variants with equal signatures are the same problem."""
        return (tuple(sorted(c.text for c in self.changes)), tuple(sorted(set(self.drop_nations))),
                tuple(sorted(set(self.lift_caveat_rows))))

    @property
    def text(self) -> str:
        """The variant's changes in one line."""
        parts = [f"drop nation {n}" for n in self.drop_nations]
        parts += [f"lift Caveats #{r}" for r in self.lift_caveat_rows]
        parts += [c.text for c in self.changes]
        return "; ".join(parts) or "(none)"

    def removed_pledges(self, problem: Problem) -> frozenset[str] | None:
        """The pledges this variant removes, if removing pledges is all it does (else None)."""
        if self.lift_caveat_rows or any(n not in problem.nation for n in self.drop_nations):
            return None
        removed = {p.id for p in problem.pledges if p.nation in set(self.drop_nations)}
        for c in self.changes:
            if (c.sheet.strip().lower() != "pledges" or c.column.strip().lower() != "units"
                    or c.key.strip() not in problem.pledge):
                return None
            try:
                if float(c.value) != 0:
                    return None
            except ValueError:
                return None
            removed.add(c.key.strip())
        return frozenset(removed)


def leave_one_out(problem: Problem) -> list[Variant]:
    """For each nation with at least one pledge (in Nations order), the variant without it."""
    pledged = {p.nation for p in problem.pledges}
    return [Variant(f"without {n.id}", subject=n.id, drop_nations=(n.id,))
            for n in problem.nations if n.id in pledged]


def caveat_lifts(problem: Problem) -> list[Variant]:
    """For each caveat, the variant with it lifted; a nation's ``only`` rows are lifted together."""
    out: list[Variant] = []
    only_done: set[str] = set()
    for c in problem.caveats:
        if c.rule == "only":
            if c.nation in only_done:
                continue
            only_done.add(c.nation)
            rows = tuple(x.row for x in problem.caveats if x.nation == c.nation and x.rule == "only")
            key = "+".join(f"#{r}" for r in rows)
            label = " or ".join(f"({', '.join(f'{k}={v}' for k, v in x.filters().items()) or 'any'})"
                                for x in problem.caveats if x.nation == c.nation and x.rule == "only")
            out.append(Variant(f"lift {c.nation} only {label}", subject=key, lift_caveat_rows=rows))
        else:
            out.append(Variant(f"lift {c.label()}", subject=f"#{c.row}", lift_caveat_rows=(c.row,)))
    return out


def uncertain_pledges(problem: Problem) -> list:
    """The pledges a reliability sample draws: probability < 1, units > 0, and in the plan at all."""
    return [p for p in problem.pledges
            if p.probability < 1 and p.units > 0
            and (p.status != "conditional" or problem.scenario.include_conditional)]


def reliability_samples(problem: Problem, k: int, seed: int) -> list[Variant]:
    """k samples: each uncertain pledge kept with its probability, else set to 0 units.

    The draws come from ``numpy.random.default_rng(seed)``, one uniform number per
    uncertain pledge (in Pledges order) per sample, so a seed fixes every sample.
    """
    import numpy as np

    if k < 1:
        raise UsageError("--samples must be at least 1")
    rng = np.random.default_rng(seed)
    pledges = uncertain_pledges(problem)
    out = []
    for i in range(1, k + 1):
        draws = rng.random(len(pledges))
        dropped = [p.id for p, u in zip(pledges, draws) if not u < p.probability]
        changes = tuple(Change("Pledges", pid, "units", "0", note=f"sample {i}: pledge does not materialize",
                               source=f"sample {i}") for pid in dropped)
        out.append(Variant(f"sample {i}", subject=str(i), changes=changes,
                           params=(("dropped", " ".join(dropped)),)))
    return out


@dataclass(frozen=True)
class GridAxis:
    sheet: str
    key: str
    column: str
    values: tuple[str, ...]

    @property
    def head(self) -> str:
        return f"{self.sheet}:{self.key}:{self.column}"


def parse_grid_spec(text: str) -> GridAxis:
    """``SHEET:KEY:COLUMN=V1,V2,…`` -> GridAxis (UsageError naming the text when malformed)."""
    ch = parse_change(text, source="--set")
    values = tuple(v.strip() for v in ch.value.split(","))
    if not ch.value.strip() or any(not v for v in values):
        raise UsageError(f"--set {text!r}: expected SHEET:KEY:COLUMN=V1,V2,… with no empty value")
    if len(set(values)) != len(values):
        raise UsageError(f"--set {text!r}: a value is listed twice")
    return GridAxis(ch.sheet, ch.key, ch.column, values)


def grid(specs) -> list[Variant]:
    """Every combination of the axes' values (the first axis varies slowest)."""
    axes = [s if isinstance(s, GridAxis) else parse_grid_spec(s) for s in specs]
    if not axes:
        raise UsageError("--kind grid needs at least one --set SHEET:KEY:COLUMN=V1,V2,…")
    heads = [a.head.lower() for a in axes]
    for i, h in enumerate(heads):
        if h in heads[:i]:
            raise UsageError(f"--set {axes[i].head}: the same cell is given twice")
    size = math.prod(len(a.values) for a in axes)
    if size > MAX_GRID:
        raise UsageError(f"the grid has {size:,} combinations (more than {MAX_GRID:,}); give fewer values")
    out = []
    for i, combo in enumerate(itertools.product(*(a.values for a in axes)), start=1):
        changes = tuple(Change(a.sheet, a.key, a.column, v, source=f"--set {a.head}") for a, v in zip(axes, combo))
        name = ", ".join(f"{a.head}={v}" for a, v in zip(axes, combo))
        out.append(Variant(name, subject=str(i), changes=changes,
                           params=tuple((a.head, v) for a, v in zip(axes, combo))))
    return out


# --------------------------------------------------------------------------- the worker


def apply_variant(tables: dict, variant: Variant, file: str = "") -> tuple[Problem, list[str]]:
    """The variant's Problem, built from a copy of the raw tables, and the log of what changed."""
    from .validate import Table
    from .whatif import apply_changes

    log: list[str] = []
    if variant.lift_caveat_rows:
        caveats = tables.get("Caveats")
        present = {r for r, _ in caveats.rows} if caveats is not None else set()
        missing = [r for r in variant.lift_caveat_rows if r not in present]
        if missing:
            raise UsageError(f"{variant.name}: no row {', '.join(f'#{r}' for r in missing)} on sheet Caveats")
        lifted = set(variant.lift_caveat_rows)
        tables = dict(tables)
        tables["Caveats"] = Table(caveats.sheet, [(r, v) for r, v in caveats.rows if r not in lifted],
                                  caveats.columns)
        log += [f"Caveats #{r} (row): caveat -> lifted" for r in variant.lift_caveat_rows]
    problem, applied = apply_changes(tables, list(variant.changes), list(variant.drop_nations), file=file)
    return problem, log + [str(a) for a in applied]


def figures_of(problem: Problem, plan) -> dict:
    """A solved variant's figures: the Summary figures, per-task coverage and the pledges used."""
    from .report import build_report

    rep = build_report(problem, plan, input_file="", input_sha256="", created_at="")
    summary = rep.summary_dict()
    tasks = {}
    cov = rep.coverage
    missing = cov.groupby("task")["shortfall"].sum().to_dict() if len(cov) else {}
    for row in rep.tasks.itertuples(index=False):
        tasks[str(row.task)] = {
            "required": int(row.required_unit_periods),
            "shortfall": int(missing.get(row.task, 0)),
            "coverage_pct": _plain(row.coverage_pct),
        }
    info = plan.info
    return {
        "figures": {f: _plain(summary.get(f)) for f in FIGURES},
        "tasks": tasks,
        "solve_status": info.status if info else "unknown",
        "solver": info.solver if info else "",
        "solver_version": info.solver_version if info else "",
        "gap": info.gap if info else None,
        "solve_s": round(info.runtime_s, 3) if info else None,
        "pledges_used": sorted({a.pledge for a in plan.allocations}),
    }


def solve_variant(payload: dict) -> dict:
    """Worker: apply ``payload['variant']`` to ``payload['tables']``, solve, return the figures.

    Never raises for a bad variant: the error is returned as ``{"status": "failed", "error": …}``.
    ``payload['cache']`` is the cache folder (a path, or None for no cache); ``payload['start']``
    a plan to start from, the plan of ``payload['start_problem']``; with ``payload['keep_plan']`` the plan is returned too (``plan``).
    """
    import socket

    t0 = time.perf_counter()
    try:
        from .pipeline import solve_cached

        problem, applied = apply_variant(payload["tables"], payload["variant"], payload.get("file", ""))
        cache = payload.get("cache")
        plan = solve_cached(problem, payload["options"], None if cache is None else Path(cache),
                            start=payload.get("start"), start_problem=payload.get("start_problem"),
                            label=payload["variant"].name)
        out = figures_of(problem, plan)
        out.update(status="ok", error=None, applied=applied, cache=plan.info.cache if plan.info else "off")
        if payload.get("keep_plan"):
            out["plan"] = plan
    except Exception as exc:  # recorded with the variant; the sweep goes on
        out = {"status": "failed", "error": error_text(exc)}
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return out


def error_text(exc: BaseException) -> str:
    """An exception as one line."""
    if isinstance(exc, ForcegenError):
        text = "; ".join(line for line in str(exc).splitlines() if line.strip())
    else:
        text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and "forcegen" in str(exc):
        text += " (is forcegen installed on the Dask workers?)"
    return text


def _plain(v):
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# --------------------------------------------------------------------------- executors


def default_workers(threads: int = 1) -> int:
    """Workers for the local pool: workers × solver threads ≤ the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, threads))


def _ignore_sigint() -> None:  # pragma: no cover - runs in the pool's worker processes
    """Pool workers leave Ctrl-C to the parent, which cancels and stops them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ExecutorHandle:
    """An executor with what it takes to close it: a local process pool or a Dask client's executor.

    Use as a context manager; ``abort()`` stops what still runs (after Ctrl-C).
    """

    def __init__(self, executor: Executor, description: str, workers: int | None, client=None):
        self.executor = executor
        self.description = description
        self.workers = workers
        self.client = client
        self._aborted = False

    def abort(self) -> None:
        """Cancel what has not started and stop running workers (local pool) or release them (Dask)."""
        self._aborted = True
        if self.client is not None:
            self.executor.shutdown(wait=False)
            return
        terminate = getattr(self.executor, "terminate_workers", None)  # Python ≥ 3.14
        if terminate is not None:
            terminate()
            return
        # before 3.14: the pool's processes (a private attribute, which shutdown() clears: read it first)
        procs = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.executor.shutdown(wait=not self._aborted)
            finally:
                self.client.close()
        elif not self._aborted:
            self.executor.shutdown(wait=True)

    def __enter__(self) -> "ExecutorHandle":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self._aborted:
            self.abort()
        self.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, threads: int = 1) -> ExecutorHandle:
    """The sweep's executor: a local process pool (default) or a Dask cluster at ``scheduler``.

    Local: ``ProcessPoolExecutor`` with ``workers`` processes (default: cores // solver
    threads), started with "spawn" so no solver state is forked. Dask: ``Client(scheduler)
    .get_executor()`` — the cluster decides the number of workers.
    """
    if scheduler:
        if workers is not None:
            raise UsageError("--workers sizes the local pool; with --scheduler the Dask cluster's workers run "
                             "the sweep (drop --workers)")
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install forcegen[distributed]") from None
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ForcegenError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        n = len(client.scheduler_info().get("workers", {}))
        return ExecutorHandle(client.get_executor(), f"dask {scheduler} ({n} workers)", n, client=client)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = workers if workers is not None else default_workers(threads)
    if n < 1:
        raise UsageError("--workers must be at least 1")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_sigint)
    per = f"{threads} solver thread" + ("s" if threads != 1 else "")
    return ExecutorHandle(pool, f"local process pool ({n} worker{'s' if n != 1 else ''} × {per})", n)


# --------------------------------------------------------------------------- running


@dataclass
class SweepResult:
    kind: str
    problem: Problem
    variants: list[Variant]
    baseline: dict
    results: list[dict | None]  # aligned with variants; None = not run (interrupted)
    partial: bool = False
    info: dict = field(default_factory=dict)

    # -- counts -------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self.variants)

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r is not None)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r is not None and r.get("status") == "failed")

    @property
    def reused(self) -> int:
        return sum(1 for r in self.results if r is not None and r.get("reused"))

    def ok(self) -> list[tuple[Variant, dict]]:
        return [(v, r) for v, r in zip(self.variants, self.results) if r is not None and r.get("status") == "ok"]

    def delta(self, result: dict, figure: str):
        a, b = result["figures"].get(figure), self.baseline["figures"].get(figure)
        if a is None or b is None:
            return None
        return _clean(a - b)

    # -- tables -------------------------------------------------------------
    def rows(self):
        """The Variants table: the baseline, then one row per variant (not run ones included)."""
        import pandas as pd

        param_cols = []
        for v in self.variants:
            for k, _ in v.params:
                if k not in param_cols:
                    param_cols.append(k)
        records = [self._row(0, "baseline", Variant("baseline", "baseline"), self.baseline, param_cols)]
        for i, (v, r) in enumerate(zip(self.variants, self.results), start=1):
            records.append(self._row(i, v.name, v, r, param_cols))
        return pd.DataFrame(records, columns=list(variant_columns(param_cols)))

    def _row(self, i: int, name: str, v: Variant, r: dict | None, param_cols) -> dict:
        row = {"variant": i, "name": name, "subject": v.subject, "changes": v.text if i else "(none)"}
        params = dict(v.params)
        for k in param_cols:
            row[k] = params.get(k)
        if r is None:
            row["status"] = "not run"
            return row
        row["status"] = r["status"]
        row["error"] = r.get("error")
        row["solve_status"] = r.get("solve_status")
        if r["status"] == "ok":
            for f in FIGURES:
                row[f] = r["figures"].get(f)
                if i and f != "required_unit_periods":
                    row[f"delta_{f}"] = self.delta(r, f)
        row["runtime_s"] = r.get("solve_s")
        row["reused"] = r.get("reused") or ""
        row["worker"] = r.get("worker")
        row["applied"] = "; ".join(r.get("applied") or ())
        return row

    def ranking(self):
        """The kind's ranking (see the module docstring); reliability ranks tasks by P(full coverage)."""
        if self.kind == "leave-one-out":
            return self._rank_leave_one_out()
        if self.kind == "caveats":
            return self._rank_caveats()
        if self.kind == "grid":
            return self._rank_grid()
        return self.reliability()

    def _deltas(self, r: dict) -> dict:
        return {f"delta_{f}": self.delta(r, f) for f in FIGURES if f != "required_unit_periods"}

    def _rank_leave_one_out(self):
        import pandas as pd

        pb = self.problem
        rows = []
        for v, r in self.ok():
            n = v.subject
            mine = [p for p in pb.pledges if p.nation == n]
            d = self._deltas(r)
            rows.append({"nation": n, "name": pb.nation[n].name if n in pb.nation else "",
                         "pledges": len(mine), "pledged_units": sum(p.units for p in mine),
                         "used_in_baseline": sum(1 for p in mine if p.id in set(self.baseline["pledges_used"])),
                         **{k: d[k] for k in LOO_DELTAS}, "solve_status": r.get("solve_status"),
                         "reused": r.get("reused") or ""})
        rows.sort(key=lambda x: tuple(-(x[k] or 0) for k in LOO_KEY))
        df = pd.DataFrame(rows, columns=["nation", "name", "pledges", "pledged_units", "used_in_baseline",
                                         *LOO_DELTAS, "solve_status", "reused"])
        df.insert(0, "rank", range(1, len(df) + 1))
        return df

    def _rank_caveats(self):
        import pandas as pd

        pb = self.problem
        by_row = {c.row: c for c in pb.caveats}
        rows = []
        for v, r in self.ok():
            cs = [by_row[x] for x in v.lift_caveat_rows if x in by_row]
            c = cs[0] if cs else None
            filters = " or ".join(", ".join(f"{k}={val}" for k, val in x.filters().items()) or "any" for x in cs)
            d = self._deltas(r)
            rows.append({"caveat": v.subject, "label": f"{v.subject} {c.nation} {c.rule}" if c else v.subject,
                         "nation": c.nation if c else "", "rule": c.rule if c else "",
                         "filters": filters, "limit": c.limit if c else None,
                         "note": "; ".join(x.note for x in cs if x.note),
                         "units_recovered": d["delta_covered_unit_periods"],
                         **{k: d[k] for k in CAVEAT_DELTAS}, "solve_status": r.get("solve_status")})
        rows.sort(key=lambda x: (-(x["units_recovered"] or 0), *((x[k] or 0) for k in CAVEAT_DELTAS[:6])))
        df = pd.DataFrame(rows, columns=["caveat", "label", "nation", "rule", "filters", "limit", "note", "units_recovered",
                                         *CAVEAT_DELTAS, "solve_status"])
        df.insert(0, "rank", range(1, len(df) + 1))
        return df

    def _rank_grid(self):
        import pandas as pd

        heads = []
        for v in self.variants:
            for k, _ in v.params:
                if k not in heads:
                    heads.append(k)
        rows = []
        for v, r in self.ok():
            rows.append({"variant": v.subject, "name": v.name, **dict(v.params), **{f: r["figures"].get(f) for f in GRID_FIGURES},
                         "delta_coverage_pct": self.delta(r, "coverage_pct"),
                         "delta_total_cost": self.delta(r, "total_cost"), "solve_status": r.get("solve_status")})
        rows.sort(key=lambda x: tuple(x[f] if x[f] is not None else math.inf for f in OBJECTIVE))
        df = pd.DataFrame(rows, columns=["variant", "name", *heads, *GRID_FIGURES, "delta_coverage_pct", "delta_total_cost",
                                         "solve_status"])
        df.insert(0, "rank", range(1, len(df) + 1))
        return df

    def reliability(self):
        """Per task (least reliable first), then per priority and overall: P(full coverage) and shortfall."""
        import numpy as np
        import pandas as pd

        pb = self.problem
        ok = [r for _, r in self.ok()]
        n = len(ok)
        base_tasks = self.baseline.get("tasks", {})
        rows = []

        def stats(scope: str, name: str, priority, full: list[bool], short: list[int], base_short) -> dict:
            k = sum(full)
            lo, hi = wilson(k, n)
            q = np.percentile(short, [5, 50, 95]) if short else [None] * 3
            return {"scope": scope, "name": name, "priority": priority, "samples": n,
                    "fully_covered": k, "p_full": _clean(k / n) if n else None, "ci_low": lo, "ci_high": hi,
                    "shortfall_mean": _clean(float(np.mean(short))) if short else None,
                    "shortfall_p5": _clean(float(q[0])) if short else None,
                    "shortfall_p50": _clean(float(q[1])) if short else None,
                    "shortfall_p95": _clean(float(q[2])) if short else None,
                    "shortfall_max": max(short) if short else None,
                    "baseline_shortfall": base_short}

        task_rows = []
        for t in pb.tasks:
            if t.id not in base_tasks or not base_tasks[t.id]["required"]:
                continue  # inactive: nothing to cover
            short = [r["tasks"][t.id]["shortfall"] for r in ok]
            task_rows.append(stats(t.id, t.name, t.priority, [s == 0 for s in short], short,
                                   base_tasks[t.id]["shortfall"]))
        task_rows.sort(key=lambda x: (x["p_full"] if x["p_full"] is not None else 2, x["priority"]))
        rows += task_rows
        active = [t for t in pb.tasks if t.id in base_tasks and base_tasks[t.id]["required"]]
        for k in sorted({t.priority for t in active}):
            ids = [t.id for t in active if t.priority == k]
            short = [sum(r["tasks"][i]["shortfall"] for i in ids) for r in ok]
            rows.append(stats(f"priority {k}", f"all priority-{k} tasks", k, [s == 0 for s in short], short,
                              sum(base_tasks[i]["shortfall"] for i in ids)))
        ids = [t.id for t in active]
        short = [sum(r["tasks"][i]["shortfall"] for i in ids) for r in ok]
        rows.append(stats("all", "all tasks", None, [s == 0 for s in short], short,
                          sum(base_tasks[i]["shortfall"] for i in ids)))
        return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))

    def pledge_draws(self):
        """Reliability: per uncertain pledge, how often it was kept in the samples run."""
        import pandas as pd

        ran = [v for v, r in zip(self.variants, self.results) if r is not None]
        dropped_in = {}
        for v in ran:
            for pid in dict(v.params).get("dropped", "").split():
                dropped_in[pid] = dropped_in.get(pid, 0) + 1
        rows = []
        for p in uncertain_pledges(self.problem):
            kept = len(ran) - dropped_in.get(p.id, 0)
            rows.append({"pledge": p.id, "nation": p.nation, "capability": p.capability, "units": p.units,
                         "status": p.status, "probability": p.probability, "samples": len(ran), "kept": kept,
                         "kept_share": _clean(kept / len(ran)) if ran else None,
                         "used_in_baseline": "yes" if p.id in set(self.baseline["pledges_used"]) else "no"})
        return pd.DataFrame(rows, columns=["pledge", "nation", "capability", "units", "status", "probability",
                                           "samples", "kept", "kept_share", "used_in_baseline"])

    def headline(self, top: int = 3) -> list[str]:
        """A few lines for the terminal: the top of the ranking, or the reliability figures."""
        lines = [f"{self.kind} sweep: {self.done} of {self.total} variants done, {self.failed} failed"
                 + (f", {self.reused} reused the baseline plan" if self.reused else "")
                 + (" — PARTIAL (interrupted)" if self.partial else "")]
        rank = self.ranking()
        if self.kind == "leave-one-out":
            for row in rank.head(top).to_dict(orient="records"):
                parts = [f"Δshortfall_p{k} {_signed(row[f'delta_shortfall_p{k}'])}"
                         for k in range(1, 6) if row[f"delta_shortfall_p{k}"]]
                parts.append(f"Δcost {_signed(row['delta_total_cost'])}")
                lines.append(f"  {row['rank']}. {row['nation']} ({row['name']}): " + ", ".join(parts))
        elif self.kind == "caveats":
            for row in rank.head(top).to_dict(orient="records"):
                lines.append(f"  {row['rank']}. {row['caveat']} {row['nation']} {row['rule']} ({row['filters']}): "
                             f"{_signed(row['units_recovered'])} unit-periods covered when lifted, "
                             f"Δshortfall_p1 {_signed(row['delta_shortfall_p1'])}")
        elif self.kind == "grid":
            for row in rank.head(top).to_dict(orient="records"):
                combo = ", ".join(f"{k}={v}" for k, v in row.items()
                                  if k not in ("rank", "variant", "name", *GRID_FIGURES, "delta_coverage_pct",
                                               "delta_total_cost", "solve_status"))
                lines.append(f"  {row['rank']}. {combo}: coverage {_fmt(row['coverage_pct'])}%, "
                             f"shortfall_p1 {_fmt(row['shortfall_p1'])}, cost {_fmt(row['total_cost'])}")
        else:
            overall = rank[rank["scope"] == "all"].to_dict(orient="records")
            if overall and overall[0]["samples"]:
                o = overall[0]
                lines.append(f"  all tasks fully covered in {o['fully_covered']} of {o['samples']} samples: "
                             f"P = {_fmt(o['p_full'], 3)} (95% CI {_fmt(o['ci_low'], 3)}–{_fmt(o['ci_high'], 3)}); "
                             f"missing unit-periods mean {_fmt(o['shortfall_mean'])}, "
                             f"P5 {_fmt(o['shortfall_p5'])}, P50 {_fmt(o['shortfall_p50'])}, "
                             f"P95 {_fmt(o['shortfall_p95'])}")
                tasks = rank[~rank["scope"].str.startswith(("priority ", "all"))]
                for row in tasks.head(top).to_dict(orient="records"):
                    lines.append(f"  {row['scope']} (priority {row['priority']}): P(full) {_fmt(row['p_full'], 3)} "
                                 f"({_fmt(row['ci_low'], 3)}–{_fmt(row['ci_high'], 3)}), "
                                 f"mean missing {_fmt(row['shortfall_mean'])}")
        return lines

    def json(self, top: int = 3) -> dict:
        """A JSON-able summary for ``--json``."""
        from .workbook.write import json_value

        rank = self.ranking()
        return {
            "kind": self.kind, "total": self.total, "done": self.done, "failed": self.failed,
            "reused": self.reused, "partial": self.partial,
            "baseline": {f: self.baseline["figures"].get(f) for f in FIGURES},
            "top": [{k: json_value(v) for k, v in row.items()}
                    for row in (rank if self.kind == "reliability" else rank.head(top)).to_dict(orient="records")],
            **{k: v if isinstance(v, dict) else json_value(v) for k, v in self.info.items()},
        }


LOO_DELTAS = (*(f"delta_shortfall_p{k}" for k in range(1, 6)), "delta_total_cost", "delta_covered_unit_periods",
              "delta_coverage_pct", "delta_contributions")
LOO_KEY = (*(f"delta_shortfall_p{k}" for k in range(1, 6)), "delta_total_cost")
CAVEAT_DELTAS = (*(f"delta_shortfall_p{k}" for k in range(1, 6)), "delta_total_cost", "delta_coverage_pct",
                 "delta_contributions")
GRID_FIGURES = ("coverage_pct", "covered_unit_periods", *(f"shortfall_p{k}" for k in range(1, 6)), "total_cost",
                "contributions")
RELIABILITY_COLUMNS = ("scope", "name", "priority", "samples", "fully_covered", "p_full", "ci_low", "ci_high",
                       "shortfall_mean", "shortfall_p5", "shortfall_p50", "shortfall_p95", "shortfall_max",
                       "baseline_shortfall")


def variant_columns(param_cols=()) -> tuple[str, ...]:
    return ("variant", "name", "subject", *param_cols, "changes", "status", "error", "solve_status", *FIGURES,
            *(f"delta_{f}" for f in FIGURES if f != "required_unit_periods"), "runtime_s", "reused", "worker",
            "applied")


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for k successes in n trials (None, None when n = 0)."""
    if n <= 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return _clean(max(0.0, centre - half)), _clean(min(1.0, centre + half))


def _clean(x):
    """Round away float noise (18.000000000000227 -> 18); whole floats become ints."""
    if x is None:
        return None
    x = round(float(x), 9)
    return int(x) if x.is_integer() else x


def _signed(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:+,.6g}"


def _fmt(x, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def run_sweep(tables: dict, variants: list[Variant], executor: Executor, options, on_event: Event | None = None,
              *, kind: str = "grid", file: str = "", worker: Callable[[dict], dict] = solve_variant,
              reuse: bool = True, info: dict | None = None, cache: Path | None = None) -> SweepResult:
    """Solve the baseline, then every variant on ``executor``; return the figures and rankings.

    ``options`` is a ``PlanOptions`` (its time limit applies to each solve); ``cache`` the
    solved-plan cache folder (None: none), passed to every worker. Failed
    variants are recorded with their error. On ``KeyboardInterrupt`` (Ctrl-C, or raised
    by ``on_event``) after the baseline, pending solves are cancelled and what has
    finished is returned with ``partial=True``; during the baseline it propagates.
    """
    from .validate import build_problem

    emit = on_event or (lambda kind_, data: None)
    t_start = time.perf_counter()
    problem = build_problem(tables, file=file)
    info = dict(info or {})
    info.setdefault("created_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    info.setdefault("options", options.as_dict() if hasattr(options, "as_dict") else {})
    info.setdefault("cache", "off" if cache is None else str(cache))
    start = None

    def payload(v: Variant, **extra) -> dict:
        return {"tables": tables, "variant": v, "options": options, "file": file,
                "cache": None if cache is None else str(Path(cache).absolute()), "start": start,
                "start_problem": problem if start is not None else None, **extra}

    emit("phase", {"name": "solve baseline"})
    base_future = executor.submit(worker, payload(Variant("baseline", "baseline"), keep_plan=True))
    try:
        baseline = base_future.result()
    except KeyboardInterrupt:
        base_future.cancel()
        raise
    except Exception as exc:
        baseline = {"status": "failed", "error": error_text(exc)}
    if baseline.get("status") != "ok":
        raise ForcegenError(f"the baseline could not be solved: {baseline.get('error')}")
    start = baseline.pop("plan", None)
    emit("baseline_done", {"seconds": baseline.get("seconds"), "figures": baseline["figures"],
                           "status": baseline.get("solve_status"), "cache": baseline.get("cache", "off"),
                           "solve_s": baseline.get("solve_s")})

    results: list[dict | None] = [None] * len(variants)
    groups: dict[tuple, list[int]] = {}
    for i, v in enumerate(variants):
        groups.setdefault(v.signature, []).append(i)
    empty_sig = Variant("").signature
    used = set(baseline.get("pledges_used", ()))
    instant: list[tuple[list[int], dict]] = []
    to_solve: list[tuple[tuple, list[int]]] = []
    for sig, idx in groups.items():
        v = variants[idx[0]]
        removed = v.removed_pledges(problem) if reuse else None
        if sig == empty_sig:
            instant.append((idx, {**baseline, "reused": "same as the baseline (no change)", "seconds": 0.0,
                                  "solve_s": 0.0, "worker": None}))
        elif (removed is not None and not (removed & used) and baseline.get("solve_status") == "optimal"):
            instant.append((idx, {**baseline, "reused": "baseline plan (the removed pledges are unused in it)",
                                  "applied": None, "seconds": 0.0, "solve_s": 0.0, "worker": None}))
        else:
            to_solve.append((sig, idx))
    total = len(variants)
    emit("sweep_start", {"total": total, "to_solve": len(to_solve), "reused": sum(len(i) for i, _ in instant)})

    done = 0
    failed = 0
    solved = 0
    partial = False
    futures = {}
    t_variants = time.perf_counter()

    def finish(idx: list[int], result: dict, solves: bool) -> None:
        nonlocal done, failed, solved
        if solves:
            solved += 1
        for j in idx:
            results[j] = result
            done += 1
            if result.get("status") == "failed":
                failed += 1
            elapsed = time.perf_counter() - t_variants
            remaining = len(to_solve) - solved
            eta = elapsed / solved * remaining if solved else None
            emit("variant_done", {"done": done, "total": total, "failed": failed, "name": variants[j].name,
                                  "status": result.get("status"), "error": result.get("error"),
                                  "seconds": result.get("seconds"), "reused": bool(result.get("reused")),
                                  "elapsed_s": elapsed, "eta_s": eta})

    try:
        for idx, result in instant:
            finish(idx, result, solves=False)
        for sig, idx in to_solve:
            futures[executor.submit(worker, payload(variants[idx[0]]))] = idx
        for fut in as_completed(futures):
            idx = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # the worker itself broke (crash, unpicklable result …)
                result = {"status": "failed", "error": error_text(exc)}
            finish(idx, result, solves=True)
    except KeyboardInterrupt:
        partial = True
        for fut in futures:
            fut.cancel()
        emit("interrupted", {"done": done, "total": total})
    info["runtime_s"] = round(time.perf_counter() - t_start, 3)
    return SweepResult(kind, problem, list(variants), baseline, results, partial, info)


# --------------------------------------------------------------------------- from an input file


def variants_for(kind: str, problem: Problem, tables: dict, *, samples: int | None = None, seed: int = 0,
                 specs=(), file: str = "") -> list[Variant]:
    """The variants of a sweep kind; UsageError for a kind's missing or misplaced options."""
    if kind not in KINDS:
        raise UsageError(f"unknown sweep kind {kind!r} (expected one of {', '.join(KINDS)})")
    if specs and kind != "grid":
        raise UsageError("--set is for --kind grid")
    if samples is not None and kind != "reliability":
        raise UsageError("--samples is for --kind reliability")
    if kind == "leave-one-out":
        return leave_one_out(problem)
    if kind == "caveats":
        return caveat_lifts(problem)
    if kind == "reliability":
        return reliability_samples(problem, 100 if samples is None else samples, seed)
    axes = [parse_grid_spec(s) for s in specs]
    out = grid(axes)
    _check_axes(tables, axes, file)
    return out


def _check_axes(tables: dict, axes: list[GridAxis], file: str) -> None:
    """Unknown sheets, columns and keys are usage errors, found before any solve."""
    from .whatif import apply_changes

    for a in axes:
        try:
            apply_changes(tables, [Change(a.sheet, a.key, a.column, a.values[0], source=f"--set {a.head}")],
                          file=file)
        except InputError:
            pass  # a value the column refuses: recorded with the variants that use it


def sweep_input(input_path, kind: str, executor_handle: ExecutorHandle, options, *, samples: int | None = None,
                seed: int = 0, specs=(), on_event: Event | None = None, cache: Path | None = None,
                strict: bool = False) -> SweepResult:
    """Read INPUT, make the kind's variants, run them on the executor; the input is only read.

    ``cache``: the solved-plan cache folder (None: solve without one). ``strict``: unknown
    columns are input errors; otherwise each is emitted as a ``warning``.
    """
    from . import __version__
    from .validate import build_problem
    from .workbook.read import file_sha256, read_tables

    emit = on_event or (lambda kind_, data: None)
    input_path = Path(input_path)
    emit("phase", {"name": "read", "detail": str(input_path)})
    sha = file_sha256(input_path) if input_path.is_file() else ""
    tables = read_tables(input_path, strict=strict)
    emit("phase", {"name": "validate"})
    problem = build_problem(tables, file=str(input_path), strict=strict)
    for line in problem.warnings:
        emit("warning", {"text": line})
    variants = variants_for(kind, problem, tables, samples=samples, seed=seed, specs=specs, file=str(input_path))
    if not variants:
        raise UsageError(f"nothing to sweep: {input_path} has no "
                         + {"leave-one-out": "pledges", "caveats": "caveats"}.get(kind, "variants"))
    info = {
        "input_file": str(input_path), "input_sha256": sha, "scenario": problem.scenario.name,
        "kind": kind, "samples": len(variants) if kind == "reliability" else None,
        "seed": seed if kind == "reliability" else None,
        "grid": " | ".join(specs) if kind == "grid" else None,
        "executor": executor_handle.description, "workers": executor_handle.workers,
        "forcegen_version": __version__,
    }
    if cache is not None and executor_handle.client is not None:  # its workers do not share this folder
        cache = None
        info["cache"] = "off (the Dask cluster's workers do not share the cache folder)"
    return run_sweep(tables, variants, executor_handle.executor, options, on_event=emit, kind=kind,
                     file=str(input_path), info=info, cache=cache)


def default_output(input_path, kind: str, folder: Path | None = None) -> Path:
    """outputs/sweep-<kind>-<input stem>.xlsx under the current folder."""
    return (folder or Path("outputs")) / f"sweep-{kind}-{Path(input_path).stem}.xlsx"
