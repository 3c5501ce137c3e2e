"""Running a sweep's variants: the worker, the executors (local pool or Dask), reuse and the cache.

``solve_variant(payload)`` is the worker: a module-level function (picklable under
any start method, and by reference for Dask) that applies a variant to a copy of
the raw tables, validates, solves every lexicographic level and returns the
figures as a ``VariantResult``; any error is caught and returned as ``status: failed``.

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

Library code: no printing; progress goes to ``on_event(kind, data)``.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..domain import Problem
from ..errors import ForcegenError, UsageError
from .analysis import FIGURES, SweepResult
from .variants import BASELINE, Variant, VariantResult, apply_variant

Event = Callable[[str, dict], None]


# --------------------------------------------------------------------------- the worker


def figures_of(problem: Problem, plan) -> VariantResult:
    """A solved variant's figures: the Summary figures, per-task coverage and the pledges used."""
    from ..report import build_report

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
    return VariantResult(
        "ok",
        figures={f: _plain(summary.get(f)) for f in FIGURES},
        tasks=tasks,
        solve_status=info.status if info else "unknown",
        solver=info.solver if info else "",
        solver_version=info.solver_version if info else "",
        gap=info.gap if info else None,
        solve_s=round(info.runtime_s, 3) if info else None,
        pledges_used=sorted({a.pledge for a in plan.allocations}),
    )


def solve_variant(payload: dict) -> VariantResult:
    """Worker: apply ``payload['variant']`` to ``payload['tables']``, solve, return the figures.

    Never raises for a bad variant: the error is returned as a ``failed`` result.
    ``payload['cache']`` is the cache folder (a path, or None for no cache); ``payload['start']``
    a plan to start from, the plan of ``payload['start_problem']``; with ``payload['keep_plan']``
    the plan is returned too (``plan``).
    """
    import socket

    t0 = time.perf_counter()
    try:
        from ..pipeline import solve_cached

        problem, applied = apply_variant(payload["tables"], payload["variant"], payload.get("file", ""))
        cache = payload.get("cache")
        plan = solve_cached(problem, payload["options"], None if cache is None else Path(cache),
                            start=payload.get("start"), start_problem=payload.get("start_problem"),
                            label=payload["variant"].name)
        out = replace(figures_of(problem, plan), applied=applied,
                      cache=plan.info.cache if plan.info else "off",
                      plan=plan if payload.get("keep_plan") else None)
    except Exception as exc:  # recorded with the variant; the sweep goes on
        out = VariantResult.failure(error_text(exc))
    return replace(out, seconds=round(time.perf_counter() - t0, 3), worker=f"{socket.gethostname()}:{os.getpid()}")


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


def run_sweep(tables: dict, variants: list[Variant], executor: Executor, options, on_event: Event | None = None,
              *, kind: str = "grid", file: str = "", worker: Callable[[dict], VariantResult] = solve_variant,
              reuse: bool = True, info: dict | None = None, cache: Path | None = None) -> SweepResult:
    """Solve the baseline, then every variant on ``executor``; return the figures and rankings.

    ``options`` is a ``PlanOptions`` (its time limit applies to each solve); ``cache`` the
    solved-plan cache folder (None: none), passed to every worker. Failed
    variants are recorded with their error. On ``KeyboardInterrupt`` (Ctrl-C, or raised
    by ``on_event``) after the baseline, pending solves are cancelled and what has
    finished is returned with ``partial=True``; during the baseline it propagates.
    """
    from ..validate import build_problem

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
    base_future = executor.submit(worker, payload(BASELINE, keep_plan=True))
    try:
        baseline = base_future.result()
    except KeyboardInterrupt:
        base_future.cancel()
        raise
    except Exception as exc:
        baseline = VariantResult.failure(error_text(exc))
    if not baseline.ok:
        raise ForcegenError(f"the baseline could not be solved: {baseline.error}")
    start = baseline.plan
    baseline = replace(baseline, plan=None)
    emit("baseline_done", {"seconds": baseline.seconds, "figures": baseline.figures,
                           "status": baseline.solve_status, "cache": baseline.cache or "off",
                           "solve_s": baseline.solve_s})

    results: list[VariantResult | None] = [None] * len(variants)
    groups: dict[tuple, list[int]] = {}
    for i, v in enumerate(variants):
        groups.setdefault(v.signature, []).append(i)
    empty_sig = Variant("").signature
    used = set(baseline.pledges_used or ())
    instant: list[tuple[list[int], VariantResult]] = []
    to_solve: list[tuple[tuple, list[int]]] = []
    for sig, idx in groups.items():
        v = variants[idx[0]]
        removed = v.removed_pledges(problem) if reuse else None
        if sig == empty_sig:
            instant.append((idx, replace(baseline, reused="same as the baseline (no change)", seconds=0.0,
                                         solve_s=0.0, worker=None)))
        elif removed is not None and not (removed & used) and baseline.solve_status == "optimal":
            instant.append((idx, replace(baseline, reused="baseline plan (the removed pledges are unused in it)",
                                         applied=None, seconds=0.0, solve_s=0.0, worker=None)))
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

    def finish(idx: list[int], result: VariantResult, solves: bool) -> None:
        nonlocal done, failed, solved
        if solves:
            solved += 1
        for j in idx:
            results[j] = result
            done += 1
            if result.failed:
                failed += 1
            elapsed = time.perf_counter() - t_variants
            remaining = len(to_solve) - solved
            eta = elapsed / solved * remaining if solved else None
            emit("variant_done", {"done": done, "total": total, "failed": failed, "name": variants[j].name,
                                  "status": result.status, "error": result.error,
                                  "seconds": result.seconds, "reused": bool(result.reused),
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
                result = VariantResult.failure(error_text(exc))
            finish(idx, result, solves=True)
    except KeyboardInterrupt:
        partial = True
        for fut in futures:
            fut.cancel()
        emit("interrupted", {"done": done, "total": total})
    info["runtime_s"] = round(time.perf_counter() - t_start, 3)
    return SweepResult(kind, problem, list(variants), baseline, results, partial, info)
