"""Solver backends behind one small interface.

A backend has a ``name``, says whether it is ``available()``, reports its
``version()`` and opens a ``Session`` on a ``LinearModel``. A session solves
the model for one objective at a time under ``SolveOptions``, accepts extra
rows (the lexicographic "hold" rows) and a warm start. Solvers are imported
lazily so that ``validate`` and ``template`` start fast.

  highs  HiGHS through highspy, from arrays (default)
  cbc    COIN-OR CBC through PuLP
  cpsat  OR-Tools CP-SAT (integer coefficients: rows are scaled to integers)
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Literal

from ..errors import SolverError, UsageError
from .linear import INF, LinearModel, Objective, Row, integer_scale
from .tuning import (ABS_GAP, CBC_GRACE, CBC_LEAST_RUN, CP_ROUNDING, EXACT, FEASIBILITY, INTEGRALITY,
                     PROGRESS_EVERY)


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None  # seconds for this solve
    gap: float = 0.0  # relative MIP gap
    abs_gap: float = ABS_GAP  # absolute gap that proves optimality (below the objective's granularity)
    threads: int = 1
    seed: int = 0
    # called now and then during a solve with (incumbent, bound), either None when unknown,
    # without the objective's constant; backends that cannot report progress ignore it
    progress: Callable[[float | None, float | None], None] | None = field(default=None, compare=False, repr=False)
    # stop at the first plan whose objective is at most this (HiGHS; others solve on to the end);
    # with cutoff, plans worse than it are not wanted at all (the solve may then find none)
    good_enough: float | None = None
    cutoff: bool = False


#: how a solve ended: "optimal" proven (within the gap); "feasible" a plan, not proven; "infeasible" no plan
#: exists; "no_solution" none found in the time; "bound" a proven bound, with at most a start that keeps
#: every rule (solving by parts: the level's plan is not settled). A solver that fails raises SolverError.
Status = Literal["optimal", "feasible", "infeasible", "no_solution", "bound"]


@dataclass
class Result:
    """What one solve, or one strategy for a level, established."""

    status: Status
    values: list[float] | None
    objective: float | None  # without the objective's constant
    bound: float | None
    seconds: float
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.values is not None and self.status in ("optimal", "feasible")


class Session:
    """A model open in one solver. ``can`` says what more than solve and add_row it offers:
    "bounds" (set_col_bounds, set_row_bounds) and "relaxation" (the LP relaxation's values)."""

    can: frozenset[str] = frozenset()

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        raise NotImplementedError

    def add_row(self, row: Row) -> None:
        raise NotImplementedError


class Backend:
    name = ""
    description = ""

    def available(self) -> bool:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def open(self, model: LinearModel) -> Session:
        raise NotImplementedError


_redirect_lock = threading.Lock()
_redirect = {"users": 0, "fd": None, "saved": None}


@contextmanager
def stdout_to_stderr():
    """Send file descriptor 1 to stderr meanwhile: solver banners never reach stdout (``--json``).

    Safe on threads and when nested: the first user redirects, the last one to
    leave restores file descriptor 1 (a process-wide lock and a count of users).
    """
    with _redirect_lock:
        if _redirect["users"] == 0:
            _redirect["fd"], _redirect["saved"] = _start_redirect()
        _redirect["users"] += 1
    try:
        yield
    finally:
        with _redirect_lock:
            _redirect["users"] -= 1
            if _redirect["users"] == 0:
                fd, saved = _redirect["fd"], _redirect["saved"]
                _redirect["fd"] = _redirect["saved"] = None
                if fd is not None:
                    _flush(sys.stdout)
                    os.dup2(saved, fd)
                    os.close(saved)


def _start_redirect() -> tuple[int | None, int | None]:
    """Point stdout's file descriptor at stderr's (or /dev/null); return it and a copy of what it was."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # no real stdout (e.g. a test runner): nothing to protect
        return None, None
    _flush(sys.stdout)
    saved = os.dup(fd)
    if _has_fd(sys.stderr):
        _flush(sys.stderr)
        os.dup2(sys.stderr.fileno(), fd)
    else:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    return fd, saved


def _flush(stream) -> None:
    try:
        stream.flush()
    except (AttributeError, ValueError, OSError):
        pass


def _has_fd(stream) -> bool:
    try:
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    return True


_banner_lock = threading.Lock()
_banner_done = False


def _new_highs():
    """A silent ``highspy.Highs``.

    HiGHS prints its banner on stdout once per process, when the first instance
    is made (before any option can be set): only that construction is wrapped in
    ``stdout_to_stderr``; with ``output_flag`` off, nothing else is printed.
    """
    global _banner_done
    import highspy

    with _banner_lock:
        if _banner_done:
            h = highspy.Highs()
        else:
            with stdout_to_stderr():
                h = highspy.Highs()
            _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def _on_helper_thread(work, stop):
    """Run ``work()`` on a thread of its own and return its result (or raise its exception).

    Ctrl-C reaches the main thread only between Python instructions, never inside a
    solver's C++ code; so the solver runs on a helper thread while this thread waits.
    On Ctrl-C ``stop()`` asks the solver to stop, this thread waits for it to return
    (a second Ctrl-C stops waiting) and the KeyboardInterrupt is raised again.

    The wait is on an Event the helper sets when it ends, not on ``Thread.join``: in
    Python 3.11 a join interrupted by Ctrl-C can mark a running thread as stopped.
    """
    box: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="forcegen-solve", daemon=True).start()
    interrupted = False
    while not done.is_set():
        try:
            done.wait(0.2)
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
        if interrupted:
            stop()  # again on every turn: a stop asked before the solve started may be lost
    if interrupted:
        raise KeyboardInterrupt
    if "error" in box:
        raise box["error"]
    return box["value"]


def _loosen(value: float) -> float:
    """A target a hair above ``value``, so that a plan of exactly that value reaches it."""
    return float(value) + FEASIBILITY * max(1.0, abs(value))


def _round_values(model: LinearModel, values) -> list[float]:
    return [float(round(v)) if model.integer[i] else float(v) for i, v in enumerate(values)]


# ---------------------------------------------------------------- HiGHS
class HighsBackend(Backend):
    name = "highs"
    description = "HiGHS through highspy (default)"

    def available(self) -> bool:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return True

    def version(self) -> str:
        h = _new_highs()
        try:
            return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
        except AttributeError:  # pragma: no cover - older highspy
            import highspy

            return getattr(highspy, "__version__", "unknown")

    def open(self, model: LinearModel) -> Session:
        return _HighsSession(model)


class _HighsSession(Session):
    can = frozenset({"bounds", "relaxation"})

    def __init__(self, model: LinearModel):
        import highspy
        import numpy as np

        self.model = model
        self.np = np
        h = _new_highs()
        n = model.num_vars
        inf = highspy.kHighsInf
        lb = np.array(model.lb, dtype=float)
        ub = np.array([min(u, inf) for u in model.ub], dtype=float)
        h.addVars(n, lb, ub)
        integ = [i for i in range(n) if model.integer[i]]
        if integ:
            h.changeColsIntegrality(len(integ), np.array(integ, dtype=np.int32),
                                    np.array([highspy.HighsVarType.kInteger] * len(integ)))
        self.h = h
        self.inf = inf
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        np = self.np
        lo = -self.inf if row.lo == -INF else row.lo
        hi = self.inf if row.hi == INF else row.hi
        self.h.addRow(lo, hi, len(row.cols), np.array(row.cols, dtype=np.int32), np.array(row.coefs, dtype=float))

    def _set_objective(self, objective: Objective) -> None:
        import highspy

        np = self.np
        n = self.model.num_vars
        cost = np.zeros(n)
        for c, v in zip(objective.cols, objective.coefs):
            cost[c] += v
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.h.changeObjectiveSense(highspy.ObjSense.kMinimize)

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        import highspy

        h = self.h
        self._set_objective(objective)
        h.setOptionValue("time_limit", float(options.time_limit) if options.time_limit else self.inf)
        h.setOptionValue("mip_rel_gap", float(options.gap))
        h.setOptionValue("mip_abs_gap", float(options.abs_gap))
        h.setOptionValue("random_seed", int(options.seed))
        h.setOptionValue("threads", max(1, int(options.threads)))  # each run has a scheduler of its own (_run)
        # stop at the first plan at least as good as good_enough (objective_target); with cutoff, look
        # only for such plans (objective_bound prunes every node that cannot reach it)
        target = -self.inf if options.good_enough is None else _loosen(options.good_enough)
        h.setOptionValue("objective_target", target)
        h.setOptionValue("objective_bound", target if options.cutoff and options.good_enough is not None else self.inf)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        self._run(options.progress)
        status, info = h.getModelStatus(), h.getInfo()
        first_bound = None  # the first run's bound, when its plan is not the one it reports
        if start is not None and info.primal_solution_status == 2 and not self._consistent(objective, info):
            # HiGHS 1.16 can report a better objective than the solution it hands back (it returns the
            # unimproved MIP start): solve again without the start, in the time left. The first run's bound
            # still holds: it pruned only what could not beat the value it believed, which is above that bound
            first_bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
            if options.time_limit:
                h.setOptionValue("time_limit", max(0.01, float(options.time_limit) - (time.perf_counter() - t0)))
            h.clearSolver()
            self._run(options.progress)
            status, info = h.getModelStatus(), h.getInfo()
        seconds = time.perf_counter() - t0
        has = info.primal_solution_status == 2  # kSolutionStatusFeasible
        MS = highspy.HighsModelStatus
        if status == MS.kOptimal:
            st = "optimal"
        elif status == MS.kInfeasible:
            st = "infeasible"
        elif has:
            st = "feasible"
        else:
            st = "no_solution"
        values = _round_values(self.model, h.getSolution().col_value) if has else None
        objective_value = objective.value(values) if values else None
        ran = status != MS.kNotset  # else the info is what clearSolver left (a run stopped before it began)
        bound = (info.mip_dual_bound if ran else None) if any(self.model.integer) else objective_value
        if bound is not None and not math.isfinite(bound):
            bound = None
        if st == "optimal" and bound is None:
            bound = objective_value
        if first_bound is not None:
            if values is None:  # the second run found no plan in time: the start stands, with the first bound
                values, st = list(start), "feasible"
                objective_value = objective.value(values)
            first_bound = min(first_bound, objective_value)
            bound = first_bound if bound is None else max(bound, first_bound)
        return Result(st, values, objective_value, bound, seconds, h.modelStatusToString(status))

    def _run(self, progress) -> None:
        """``h.run()`` on a helper thread (``_on_helper_thread``), stoppable by Ctrl-C.

        The HiGHS task scheduler belongs to the thread that runs (and its thread
        count is fixed when it starts): a fresh thread per run, whose scheduler is
        released when the run ends, makes ``threads`` take effect on every solve.
        """
        import highspy

        h = self.h
        stop = threading.Event()
        watcher = self._watch(progress, stop)
        events = [h.cbMipInterrupt] if any(self.model.integer) else [h.cbSimplexInterrupt, h.cbIpmInterrupt]
        for event in events:
            event.subscribe(watcher)

        def work():
            try:
                return h.run()
            finally:
                highspy.Highs.resetThreadScheduler(False)

        try:
            _on_helper_thread(work, stop.set)
        except (KeyboardInterrupt, SolverError):
            raise
        except Exception as exc:  # highspy raised: report the solver by name
            raise SolverError(f"solver highs failed: {type(exc).__name__}: {exc}") from exc
        finally:
            for event in events:
                event.unsubscribe(watcher)

    def _watch(self, progress, stop: threading.Event):
        """The callback of a run: stops it once ``stop`` is set, and reports (incumbent, bound) to
        ``progress`` at most every PROGRESS_EVERY seconds of a MIP solve."""
        last = [time.perf_counter()]
        report = progress is not None and any(self.model.integer)

        def watcher(event) -> None:
            if stop.is_set():
                event.interrupt()
                return
            if not report:
                return
            now = time.perf_counter()
            if now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            out = event.data_out
            incumbent = out.objective_function_value
            bound = out.mip_dual_bound
            progress(incumbent if math.isfinite(incumbent) else None, bound if math.isfinite(bound) else None)

        return watcher

    def _consistent(self, objective: Objective, info) -> bool:
        values = self.h.getSolution().col_value
        mine = objective.value(values)
        return abs(mine - info.objective_function_value) <= FEASIBILITY * max(1.0, abs(mine))

    def relaxation(self, objective: Objective, options: SolveOptions) -> list[float] | None:
        """The values of an optimal plan of the LP relaxation (integrality dropped), or None."""
        import highspy

        h = self.h
        self._set_objective(objective)
        h.setOptionValue("solve_relaxation", True)
        h.setOptionValue("time_limit", float(options.time_limit) if options.time_limit else self.inf)
        h.setOptionValue("objective_target", -self.inf)
        h.setOptionValue("objective_bound", self.inf)
        try:
            self._run(None)
        finally:
            h.setOptionValue("solve_relaxation", False)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return list(h.getSolution().col_value)

    def set_col_bounds(self, cols: list[int], lo: list[float], hi: list[float]) -> None:
        np = self.np
        self.h.changeColsBounds(len(cols), np.array(cols, dtype=np.int32), np.array(lo, dtype=float),
                                np.array([min(v, self.inf) for v in hi], dtype=float))

    def set_row_bounds(self, rows: list[int], lo: list[float], hi: list[float]) -> None:
        np = self.np
        self.h.changeRowsBounds(len(rows), np.array(rows, dtype=np.int32),
                                np.array([-self.inf if v == -INF else v for v in lo], dtype=float),
                                np.array([self.inf if v == INF else v for v in hi], dtype=float))


# ---------------------------------------------------------------- CBC (PuLP)
class CbcBackend(Backend):
    name = "cbc"
    description = "COIN-OR CBC through PuLP"

    def available(self) -> bool:
        try:
            import pulp
        except ImportError:
            return False
        return bool(pulp.PULP_CBC_CMD(msg=False).available())

    def version(self) -> str:
        import pulp

        return f"PuLP {pulp.__version__} / CBC"

    def open(self, model: LinearModel) -> Session:
        return _CbcSession(model)


class _CbcSession(Session):
    def __init__(self, model: LinearModel):
        import pulp

        self.pulp = pulp
        self.model = model
        self.prob = pulp.LpProblem("forcegen", pulp.LpMinimize)
        # PuLP ≥ 3.3 attaches variables to the problem; older releases construct them directly
        make = getattr(self.prob, "add_variable", None) or pulp.LpVariable
        self.vars = [
            make(f"v{i}", lowBound=model.lb[i], upBound=None if model.ub[i] == INF else model.ub[i],
                 cat=pulp.LpInteger if model.integer[i] else pulp.LpContinuous)
            for i in range(model.num_vars)
        ]
        self._nrows = 0
        self._prepare_s = 0.0  # seconds the last solve took to write the model files for CBC
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        pulp = self.pulp
        expr = pulp.LpAffineExpression([(self.vars[c], v) for c, v in zip(row.cols, row.coefs)])
        self._nrows += 1
        name = f"r{self._nrows}"
        if row.lo == row.hi:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, name + "e", row.hi)
            return
        if row.hi != INF:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, name + "u", row.hi)
        if row.lo != -INF:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, name + "l", row.lo)

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        pulp = self.pulp
        self.prob.setObjective(pulp.LpAffineExpression([(self.vars[c], v) for c, v in zip(objective.cols,
                                                                                           objective.coefs)]))
        t0 = time.perf_counter()
        if options.time_limit is not None and options.time_limit < self._prepare_s + CBC_LEAST_RUN:
            # writing the model files would use up the time before CBC could do anything
            return Result("no_solution", None, None, None, 0.0,
                          f"{options.time_limit:.2f} s left: too little to write the model ({self._prepare_s:.2f} s) "
                          "and run CBC")
        if start is not None:
            for var, val in zip(self.vars, start):
                var.setInitialValue(val)
        solver = _cbc_command()(
            started=t0,
            timeLimit=options.time_limit,
            gapRel=options.gap,
            threads=options.threads,
            warmStart=start is not None,
            options=[f"randomCbcSeed {options.seed + 1}", "randomSeed 1"],
        )
        try:
            self.prob.solve(solver)
        except _CbcStopped as stopped:
            return Result("no_solution", None, None, None, time.perf_counter() - t0, str(stopped))
        except pulp.PulpSolverError as exc:
            raise SolverError(f"solver cbc failed: {exc}") from None
        finally:
            if solver.prepared is not None:
                self._prepare_s = solver.prepared - t0
        seconds = time.perf_counter() - t0
        # PuLP says "Optimal" after a time-limited stop; only sol_status tells (SOLVERS.md)
        sol = self.prob.sol_status
        if sol == pulp.LpSolutionOptimal:
            st = "optimal"
        elif sol == pulp.LpSolutionIntegerFeasible:
            st = "feasible"
        elif sol == pulp.LpSolutionInfeasible:
            st = "infeasible"
        else:
            st = "no_solution"
        values = None
        if st in ("optimal", "feasible"):
            raw = [v.varValue if v.varValue is not None else 0.0 for v in self.vars]
            if any(self.model.integer[i] and abs(x - round(x)) > INTEGRALITY for i, x in enumerate(raw)):
                return Result("no_solution", None, None, None, seconds, "CBC returned a fractional solution")
            values = _round_values(self.model, raw)
        obj = objective.value(values) if values else None
        return Result(st, values, obj, obj if st == "optimal" else None, seconds, pulp.LpStatus[self.prob.status])


class _CbcStopped(Exception):
    """CBC ended without a plan at or after its time limit (killed by the watchdog, or crashed as it stopped)."""


_CBC_COMMAND = None


def _cbc_command():
    """PuLP's CBC command with the run of the CBC process in forcegen's hands (built once, when first needed).

    PuLP starts CBC with ``subprocess.Popen`` and waits without a limit. Here the
    process is started the same way (PuLP's MPS and solution files) and then:

    * waited for at most the time limit plus ``CBC_GRACE``, then killed through its
      own Popen (by its process id; no other process is ever touched): the solve
      then has no plan (``_CbcStopped``);
    * killed as well when the wait is interrupted (Ctrl-C), which is raised again;
    * when it ends by a signal (crash, killed from outside) or with a non-zero status
      before its time limit, the solve fails with a ``SolverError`` naming CBC. CBC
      2.10.3 is known to crash (SIGSEGV) as it stops at its time limit with a MIP
      start; an end by a signal after the time limit is a stop without a plan.
    """
    global _CBC_COMMAND
    if _CBC_COMMAND is not None:
        return _CBC_COMMAND
    import pulp

    class CbcCommand(pulp.COIN_CMD):
        name = "forcegen CBC"

        def __init__(self, started: float | None = None, **kwargs):
            super().__init__(path=pulp.PULP_CBC_CMD.pulp_cbc_path, msg=False, **kwargs)
            self.started = time.perf_counter() if started is None else started  # the time limit counts from here
            self.prepared = None  # when the model files were written

        def _left(self) -> float | None:
            """Seconds left of the time limit (writing the model files takes from it too)."""
            if self.timeLimit is None:
                return None
            return self.timeLimit - (time.perf_counter() - self.started)

        def solve_CBC(self, lp, use_mps=True):
            if not self.executable(self.path):
                raise SolverError(f"solver cbc failed: cannot run {self.path}")
            mps, sol, mst, log = self.create_tmp_files(lp.name, "mps", "sol", "mst", "log")
            try:
                return self._solve(lp, mps, sol, mst, log)
            finally:
                self.delete_tmp_files(mps, sol, mst, log)

        def _solve(self, lp, mps, sol, mst, log):
            vs, variable_names, constraint_names, _ = lp.writeMPS(mps, rename=1)
            args = [self.path, mps]
            if lp.sense == pulp.LpMaximize:
                args.append("-max")
            if self.optionsDict.get("warmStart", False):
                self.writesol(mst, lp, vs, variable_names, constraint_names)
                args += ["-mips", mst]
            if self.timeLimit is not None:
                args += ["-sec", f"{max(0.05, self._left()):.3f}"]
            for option in self.options + self.getOptions():
                args += ("-" + option).split()
            args += ["-solve" if self.mip else "-initialSolve", "-printingOptions", "all", "-solution", sol]
            self.prepared = time.perf_counter()
            if self.timeLimit is not None and self._left() < CBC_LEAST_RUN:
                raise _CbcStopped(f"no time left to run CBC after writing its model files "
                                  f"({self.prepared - self.started:.2f} s)")
            seconds, code = self._run(args, log)
            if code < 0:
                name = _signal_name(-code)
                if self.timeLimit is not None and self._left() <= 0:
                    raise _CbcStopped(f"CBC ended by {name} after its time limit ({seconds:.1f} s)")
                raise SolverError(f"solver cbc failed: the CBC process ended by {name} after {seconds:.1f} s")
            if code != 0:
                raise SolverError(f"solver cbc failed: CBC exited with status {code}{_last_line(log)}")
            if not os.path.exists(sol):
                raise SolverError(f"solver cbc failed: CBC wrote no solution file{_last_line(log)}")
            status, values, reduced, prices, slacks, sol_status = self.readsol_MPS(
                sol, lp, vs, variable_names, constraint_names)
            lp.assignVarsVals(values)
            lp.assignVarsDj(reduced)
            lp.assignConsPi(prices)
            lp.assignConsSlack(slacks, activity=True)
            lp.assignStatus(status, sol_status)
            return status

        def _run(self, args, log) -> tuple[float, int]:
            """Run CBC; (seconds, return code). Kill it (and only it) at the deadline or on any exception."""
            limit = None
            if self.timeLimit is not None:
                limit = max(0.0, self._left()) + CBC_GRACE[0] + CBC_GRACE[1] * self.timeLimit
            t0 = time.perf_counter()
            with open(log, "w") as out, open(os.devnull, "rb") as devnull:
                try:
                    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=devnull)
                except OSError as exc:
                    raise SolverError(f"solver cbc failed: cannot run {self.path}: "
                                      f"{exc.strerror or exc}") from None
            try:
                code = process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                _end(process)
                raise _CbcStopped(f"CBC stopped by the time-limit watchdog after "
                                  f"{time.perf_counter() - t0:.1f} s") from None
            except BaseException:  # Ctrl-C while waiting: the process must not outlive the solve
                _end(process)
                raise
            return time.perf_counter() - t0, code

    _CBC_COMMAND = CbcCommand
    return CbcCommand


def _end(process: subprocess.Popen) -> None:
    """Kill a process this module started, through its Popen (which never signals a reaped id), and reap it."""
    try:
        process.kill()
    except OSError:  # already gone
        pass
    process.wait()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_line(log: str) -> str:
    """': <the last line CBC printed>', or '' when there is none."""
    try:
        with open(log, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return ""
    return f": {lines[-1][:200]}" if lines else ""


# ---------------------------------------------------------------- CP-SAT
class CpSatBackend(Backend):
    name = "cpsat"
    description = "OR-Tools CP-SAT (2 workers by default)"

    def available(self) -> bool:
        try:
            from ortools.sat.python import cp_model  # noqa: F401
        except ImportError:
            return False
        return True

    def version(self) -> str:
        import ortools

        return f"OR-Tools {ortools.__version__} CP-SAT"

    def open(self, model: LinearModel) -> Session:
        return _CpSatSession(model)


class _CpSatSession(Session):
    def __init__(self, model: LinearModel):
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.model = model
        self.cp = cp_model.CpModel()
        self.vars = []
        for i in range(model.num_vars):
            lb, ub = model.lb[i], model.ub[i]
            if ub == INF:
                ub = 2**40
            self.vars.append(self.cp.NewIntVar(math.ceil(lb - EXACT), math.floor(ub + EXACT), f"v{i}"))
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        m = integer_scale(row.coefs)
        coefs = [round(v * m) for v in row.coefs]
        expr = sum(c * self.vars[i] for i, c in zip(row.cols, coefs))
        # the left side is integral, so bounds can be rounded inwards
        if row.lo != -INF:
            self.cp.Add(expr >= math.ceil(row.lo * m - CP_ROUNDING))
        if row.hi != INF:
            self.cp.Add(expr <= math.floor(row.hi * m + CP_ROUNDING))

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        cp_model = self.cp_model
        m = integer_scale(objective.coefs)
        coefs = [round(v * m) for v in objective.coefs]
        self.cp.Minimize(sum(c * self.vars[i] for i, c in zip(objective.cols, coefs)))
        self.cp.ClearHints()
        if start is not None:
            for var, val in zip(self.vars, start):
                self.cp.AddHint(var, int(round(val)))
        solver = cp_model.CpSolver()
        if options.time_limit:
            solver.parameters.max_time_in_seconds = float(options.time_limit)
        solver.parameters.relative_gap_limit = float(options.gap)
        solver.parameters.num_workers = max(1, int(options.threads))
        solver.parameters.random_seed = int(options.seed)
        solver.parameters.absolute_gap_limit = max(0.0, options.abs_gap * m)
        if solver.parameters.num_workers > 1:
            solver.parameters.interleave_search = True  # deterministic with several workers
        solver.parameters.catch_sigint_signal = False  # Ctrl-C is Python's (see _on_helper_thread)
        t0 = time.perf_counter()
        try:
            code = _on_helper_thread(lambda: solver.Solve(self.cp), solver.stop_search)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # OR-Tools raised: report the solver by name
            raise SolverError(f"solver cpsat failed: {type(exc).__name__}: {exc}") from exc
        seconds = time.perf_counter() - t0
        if code == cp_model.OPTIMAL:
            st = "optimal"
        elif code == cp_model.FEASIBLE:
            st = "feasible"
        elif code == cp_model.INFEASIBLE:
            st = "infeasible"
        else:
            st = "no_solution"
        values = None
        obj = bound = None
        if st in ("optimal", "feasible"):
            values = [float(solver.Value(v)) for v in self.vars]
            obj = objective.value(values)
            bound = obj if st == "optimal" else solver.BestObjectiveBound() / m
        return Result(st, values, obj, bound, seconds, solver.StatusName(code))


BACKENDS: dict[str, Backend] = {b.name: b for b in (HighsBackend(), CbcBackend(), CpSatBackend())}


def get_backend(name: str) -> Backend:
    key = (name or "").strip().lower()
    if key not in BACKENDS:
        raise UsageError(f"unknown solver {name!r}; available: {', '.join(available_backends())}")
    backend = BACKENDS[key]
    if not backend.available():
        raise SolverError(f"solver {key} is not installed; available: {', '.join(available_backends())}")
    return backend


def available_backends() -> list[str]:
    return [n for n, b in BACKENDS.items() if b.available()]


__all__ = ["Backend", "Result", "SolveOptions", "Session", "BACKENDS", "get_backend", "available_backends"]
