"""The ``forcegen`` command line: thin click commands over library functions.

Exit status: 0 success (shortfalls included), 2 invalid input or usage,
1 anything else, 130 after Ctrl-C. Errors go to stderr one line each, never as
a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import functools
import sys
import weakref
from pathlib import Path

import click

from . import __version__
from .errors import ForcegenError, InputError
from .domain import PRIORITIES
from .sweep.kinds import KINDS

BUNDLED_BASELINE = "inputs/baseline.xlsx"
#: seconds for a solve of the bundled baseline (plan, whatif, compare, sweep) when no --time-limit is given:
#: its five shortfall levels are proven in about 40 s, its cost and contributions not in minutes (README, "Speed")
BUNDLED_TIME_LIMIT = 120.0
#: exit status after Ctrl-C (128 + SIGINT, as shells report it)
INTERRUPTED = 130


def _bundled_baseline() -> Path:
    """The baseline in the current folder's inputs/, else the copy inside the package."""
    local = Path(BUNDLED_BASELINE)
    if local.is_file():
        return local
    from importlib.resources import files

    return Path(str(files("forcegen") / "data" / "baseline.xlsx"))


def _time_limit_for(inputs, time_limit: float | None, progress) -> float | None:
    """``time_limit``, or ``BUNDLED_TIME_LIMIT`` when none is given and one of ``inputs`` is the bundled
    baseline (the same bytes as the copy inside the package, wherever it lies), with a note saying so."""
    if time_limit is not None:
        return time_limit
    bundled = _bundled_baseline()
    try:
        same = any(Path(p).is_file() and Path(p).read_bytes() == bundled.read_bytes() for p in inputs)
    except OSError:  # unreadable here: the reader reports it by name
        same = False
    if not same:
        return None
    progress("note", {"text": f"the bundled baseline is solved with --time-limit {BUNDLED_TIME_LIMIT:g} unless "
                              "another is given: its cost and contributions are not proven in minutes"})
    return BUNDLED_TIME_LIMIT


#: problem lines shown at most; the rest are counted
MAX_PROBLEM_LINES = 200


def _fail(exc: ForcegenError) -> None:
    if isinstance(exc, InputError):
        for issue in exc.issues[:MAX_PROBLEM_LINES]:
            click.secho(str(issue), fg="red", err=True)
        n = len(exc.issues)
        if n > MAX_PROBLEM_LINES:
            more = n - MAX_PROBLEM_LINES
            click.secho(f"… and {more:,} more problem{'s' if more != 1 else ''} ({n:,} in all)", fg="red", err=True)
        else:
            click.secho(f"{n} problem{'s' if n != 1 else ''} found", fg="red", err=True)
    else:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            click.secho(f"error: {line}", fg="red", err=True)
    sys.exit(exc.exit_code)


def handle_errors(fn):
    """Turn forcegen errors into one-line messages and exit statuses."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except ForcegenError as exc:
            if debug:
                raise
            _fail(exc)
        except KeyboardInterrupt:  # Ctrl-C: outputs are written whole or not at all, so nothing partial is left
            Progress.stop_all()
            click.secho("interrupted (Ctrl-C)", fg="red", err=True)
            sys.exit(INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:  # a bug: still one line unless --debug
            if debug:
                raise
            click.secho(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
                        fg="red", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="forcegen")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def cli(debug: bool) -> None:
    """Force-generation and logistics planning optimizer."""


#: ``--strict`` of the commands that read an input workbook (validate, plan, whatif, compare, sweep)
strict_option = click.option(
    "--strict", is_flag=True,
    help="Unknown columns in the input workbook are errors (exit status 2), not warnings.")


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@strict_option
@handle_errors
def validate(input: Path, strict: bool) -> None:
    """Check an input workbook and list every problem found."""
    from .workbook.read import read_problem

    problem = read_problem(input, strict=strict)
    for line in problem.warnings:
        click.secho(f"warning: {line}", fg="yellow", err=True)
    click.echo(
        f"{input}: valid — {len(problem.nations)} nations, {len(problem.capabilities)} capabilities, "
        f"{len(problem.locations)} locations, {len(problem.tasks)} tasks, {len(problem.pledges)} pledges, "
        f"{len(problem.caveats)} caveats, horizon {problem.scenario.horizon}"
    )


@cli.command()
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("forcegen-template.xlsx"), show_default=True, help="Where to write the template.")
@handle_errors
def template(out: Path) -> None:
    """Write a blank input workbook with every sheet, header and drop-down."""
    from .workbook.template import write_template

    write_template(out)
    click.echo(f"wrote {out}")


@cli.command()
@handle_errors
def doctor() -> None:
    """Solve a tiny built-in problem with every solver and say what works on this machine."""
    import time

    from .model.backends import BACKENDS, SolveOptions
    from .model.linear import LinearModel, Objective

    # maximize x + 2y subject to x + y ≤ 3, y ≤ 2 (integers): optimum x = 1, y = 2, value 5
    model = LinearModel()
    x, y = model.add_var("x", 0, 10), model.add_var("y", 0, 2)
    model.add_row("cap", [(x, 1), (y, 1)], hi=3)
    objective = Objective("value", [x, y], [-1.0, -2.0])
    ok = True
    for name, backend in BACKENDS.items():
        if not backend.available():
            click.echo(f"{name:<6} not installed")
            ok = False
            continue
        t0 = time.perf_counter()
        try:
            for attempt in (1, 2):  # CBC runs as a subprocess and has been seen, rarely, to stall under load
                result = backend.open(model).solve(objective, SolveOptions(time_limit=10))
                good = result.status == "optimal" and result.values[:2] == [1.0, 2.0]
                if good or result.values[:2] != [1.0, 2.0]:
                    break
        except Exception as exc:  # report, do not crash: this command diagnoses
            click.echo(f"{name:<6} FAILED: {type(exc).__name__}: {exc}")
            ok = False
            continue
        verdict = "ok" if good else f"WRONG ({result.status}, {result.values})"
        if good and attempt == 2:
            verdict += " (on the second try: the first stopped at its time limit)"
        click.echo(f"{name:<6} {verdict}  {backend.version()}  ({time.perf_counter() - t0:.2f} s)")
        ok = ok and good
    if not ok:
        sys.exit(1)


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def verify(input: Path, plan: Path) -> None:
    """Re-check a plan workbook, possibly edited by hand: every hard rule, and the Summary's figures."""
    from .verify import verify_plan
    from .workbook.read import read_problem

    problem = read_problem(input)
    result = verify_plan(problem, plan)
    if result.ok:
        click.echo(f"{plan}: OK — every hard rule holds; figures match the Summary")
        return
    for violation in result.violations:
        click.echo(str(violation))
    n = len(result.violations)
    click.echo(f"{n} violation{'s' if n != 1 else ''} found")
    sys.exit(1)


def make_solver_options(*, time_limit_help: str = "Seconds for the whole solve (all levels); the best plan "
                                                 "found so far is kept.",
                        threads_help: str = "Solver threads (default: 1 for highs and cbc, 2 for cpsat).",
                        seed_flag: str = "--seed") -> list:
    """The solver options shared by the commands that solve (one definition, several commands)."""
    return [
        click.option("--solver", default="highs", show_default=True,
                     help="MIP solver: highs (HiGHS via highspy), cbc (CBC via PuLP) or cpsat (OR-Tools CP-SAT)."),
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None, help=time_limit_help),
        click.option("--gap", type=click.FloatRange(min=0, max=1), default=0.0, show_default=True,
                     help="Relative optimality gap accepted at each level."),
        click.option("--threads", type=click.IntRange(min=1), default=None, help=threads_help),
        click.option(seed_flag, type=int, default=0, show_default=True,
                     help="Solver random seed (fixed for determinism)."),
        click.option("--formulation", type=click.Choice(["default", "naive"]), default="default", show_default=True,
                     help="Model profile (models/FORMULATION.md); naive is the big-M reference, for comparison only."),
    ]


solver_options = make_solver_options()

#: ``--no-cache`` of the commands that solve (plan, whatif, compare, sweep)
cache_option = click.option(
    "--no-cache", "no_cache", is_flag=True,
    help="Solve everything again: do not read or write the solved-plan cache (outputs/.cache).")


def _cache_folder(no_cache: bool) -> Path | None:
    """The solved-plan cache folder (outputs/.cache under the current folder), or None with --no-cache."""
    from . import cache

    return None if no_cache else cache.DEFAULT_FOLDER


def add_options(options):
    def decorator(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorator


def plan_options(solver: str, time_limit, gap, threads, seed, formulation="default"):
    from .model.backends import get_backend
    from .model.solve import PlanOptions

    backend = get_backend(solver)
    if threads is None:
        threads = 2 if backend.name == "cpsat" else 1
    return PlanOptions(solver=backend.name, time_limit=time_limit, gap=gap, threads=threads, seed=seed,
                       formulation=formulation)


class Progress:
    """Shows the pipeline's phases and each solved level on stderr."""

    _instances: weakref.WeakSet = weakref.WeakSet()  # for stop_all

    def __init__(self, quiet: bool = False):
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self.status = None
        Progress._instances.add(self)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every live status line (after Ctrl-C), so the terminal is left as it was."""
        for progress in list(cls._instances):
            progress._stop()

    def __call__(self, kind: str, data: dict) -> None:
        if self.quiet:
            return
        c = self.console
        if kind == "change":
            c.print(f"  change: {data['text']}")
        elif kind == "phase":
            detail = f" {data['detail']}" if data.get("detail") else ""
            c.print(f"[bold]{data['name']}[/]{detail}")
        elif kind == "note":
            from rich.markup import escape

            c.print(escape(data["text"]), soft_wrap=True, emoji=False)
        elif kind == "warning":
            from rich.markup import escape

            c.print(f"[yellow]warning[/]: {escape(data['text'])}", soft_wrap=True, emoji=False)
        elif kind == "build_done":
            c.print(f"  model: {data['variables']:,} variables, {data['rows']:,} rows "
                    f"({data['seconds']:.2f} s)")
        elif kind == "cache_hit":
            c.print(f"  {data['what']} from cache: {data['status']} at all {data['levels']} levels "
                    f"(solved in {data['runtime_s']:.1f} s when stored)")
        elif kind == "periods_done":
            self._stop()
            c.print(f"  each block of periods alone: {data['levels']} levels bounded ({data['seconds']:.1f} s)")
        elif kind == "level_start":
            self._stop()
            if c.is_terminal:
                self.status = c.status(f"solve level {data['index']} of {data['of']}: {data['name']} …")
                self.status.start()
        elif kind == "level_progress":
            if self.status is not None:
                self.status.update(f"solve level {data['index']} of {data['of']}: {data['name']} … "
                                   f"{_progress_text(data)}")
        elif kind == "level_done":
            self._stop()
            lv = data["level"]
            bound = "" if lv.bound is None else f", bound {lv.bound:,.6g}"
            gap = "" if lv.gap is None else f", gap {lv.gap:.2%}"
            colour = "green" if lv.status == "optimal" else "yellow"
            c.print(f"  solve level {data['index']} of {data['of']}: {lv.name:<14} [{colour}]{lv.status}[/] "
                    f"{lv.value:,.6g}{bound}{gap} ({lv.seconds:.1f} s)")

    def _stop(self):
        if self.status is not None:
            self.status.stop()
            self.status = None


def _progress_text(data: dict) -> str:
    """'plan 1,040, bound 878, gap 15.58%, 120 s' for a level still being solved."""
    parts = []
    if data.get("incumbent") is not None:
        parts.append(f"plan {data['incumbent']:,.6g}")
    if data.get("bound") is not None:
        parts.append(f"bound {data['bound']:,.6g}")
    if data.get("gap") is not None:
        parts.append(f"gap {data['gap']:.2%}")
    parts.append(f"{data['seconds']:.0f} s")
    return ", ".join(parts)


def _print_summary(run) -> None:
    from rich.console import Console
    from rich.table import Table

    rep, pb = run.report, run.problem
    console = Console(highlight=False)
    table = Table(title="Coverage by priority")
    for col in ("priority", "required", "covered", "coverage", "shortfall (weighted)"):
        table.add_column(col, justify="right")
    for row in rep.by_priority.itertuples(index=False):
        table.add_row(str(row.priority), f"{row.required:,}", f"{row.covered:,}",
                      "-" if row.coverage_pct is None else f"{row.coverage_pct:.1f}%",
                      f"{rep.value(f'shortfall_p{row.priority}'):,.6g}")
    console.print(table)
    info = run.plan.info
    console.print(f"status [bold]{info.status}[/] (solver {info.solver}, {info.runtime_s:.1f} s"
                  + (f", gap {info.gap:.2%}" if info.gap else "") + ")")
    coverage = rep.value("coverage_pct")
    coverage_text = "nothing required" if coverage is None or coverage != coverage else f"coverage {coverage:.1f}%"
    console.print(f"total cost {rep.value('total_cost'):,.0f} thousand {pb.scenario.currency}; "
                  f"{coverage_text}; {len(rep.shortfalls)} shortfall line(s)")
    for _, row in rep.shortfalls.head(10).iterrows():
        console.print(f"  - {row['task']} / {row['capability']} periods {row['periods']}: "
                      f"{row['units_missing']} unit-periods missing — {row['reason']}")
    if len(rep.shortfalls) > 10:
        console.print(f"  … {len(rep.shortfalls) - 10} more on the Shortfalls sheet")
    if run.output is not None:
        console.print(f"wrote {run.output}")


@cli.command()
@click.argument("input", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Plan workbook to write [default: outputs/plan-<input stem>.xlsx].")
@add_options(solver_options)
@cache_option
@strict_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@handle_errors
def plan(input: Path | None, out: Path | None, solver, time_limit, gap, threads, seed, formulation, no_cache,
         as_json: bool, strict: bool = False) -> None:
    """Solve INPUT (default: the bundled baseline) and write the plan workbook."""
    import json

    from .model.backends import stdout_to_stderr
    from .pipeline import default_output, run_plan
    from .workbook.write import write_json_summary

    progress = Progress()
    input = input or _bundled_baseline()
    out = out or default_output(input)
    time_limit = _time_limit_for([input], time_limit, progress)
    options = plan_options(solver, time_limit, gap, threads, seed, formulation)
    if as_json:
        with stdout_to_stderr():  # solver banners and logs never reach stdout
            run = run_plan(input, out, options, on_event=progress, cache=_cache_folder(no_cache), strict=strict)
        click.echo(json.dumps(write_json_summary(run.report), ensure_ascii=False, default=str))
        return
    run = run_plan(input, out, options, on_event=progress, cache=_cache_folder(no_cache), strict=strict)
    _print_summary(run)


def _print_headline(comparison, output) -> None:
    for line in comparison.headline:
        click.echo(line)
    if output is not None:
        click.echo(f"wrote {output}")


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="SHEET:KEY:COLUMN=VALUE",
              help="Change one cell (repeatable). KEY is the row's id; for Scenario the parameter, COLUMN value; "
                   "Basing/Requirements use TASK/LOCATION or TASK/CAPABILITY; Caveats #ROW.")
@click.option("--drop-nation", "drop", multiple=True, metavar="ID",
              help="Remove a nation's pledges and caveats, so it neither contributes nor leads (repeatable).")
@click.option("--changes", "changes_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Workbook with a Changes sheet (sheet, key, column, value, note).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Comparison workbook [default: outputs/whatif-<input stem>.xlsx].")
@click.option("--stable/--no-stable", default=True, show_default=True,
              help="Solve the variant with the fewest units moved from the baseline plan, holding every level.")
@add_options(solver_options)
@cache_option
@strict_option
@click.option("--json", "as_json", is_flag=True, help="Print the comparison summary as one JSON object on stdout.")
@handle_errors
def whatif(input: Path, sets, drop, changes_file, out, stable, solver, time_limit, gap, threads, seed, formulation,
           no_cache, as_json, strict: bool = False) -> None:
    """Solve INPUT and a changed copy of it, and write the comparison (INPUT is never modified)."""
    import json

    from .model.backends import stdout_to_stderr
    from .pipeline import run_whatif, whatif_output
    from .whatif import parse_change
    from .workbook.compare_write import comparison_json

    changes = [parse_change(text) for text in sets]
    out = out or whatif_output(input)
    progress = Progress()
    time_limit = _time_limit_for([input], time_limit, progress)
    options = plan_options(solver, time_limit, gap, threads, seed, formulation)
    if as_json:
        with stdout_to_stderr():
            run = run_whatif(input, changes, list(drop), out, options, stable=stable, on_event=progress,
                             cache=_cache_folder(no_cache), strict=strict, changes_file=changes_file)
        click.echo(json.dumps(comparison_json(run.comparison), ensure_ascii=False, default=str))
        return
    run = run_whatif(input, changes, list(drop), out, options, stable=stable, on_event=progress,
                     cache=_cache_folder(no_cache), strict=strict, changes_file=changes_file)
    _print_headline(run.comparison, run.output)


@cli.command()
@click.argument("a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Comparison workbook [default: outputs/compare-<A stem>-<B stem>.xlsx].")
@add_options(solver_options)
@cache_option
@strict_option
@click.option("--json", "as_json", is_flag=True, help="Print the comparison summary as one JSON object on stdout.")
@handle_errors
def compare(a: Path, b: Path, out, solver, time_limit, gap, threads, seed, formulation, no_cache, as_json,
            strict: bool = False) -> None:
    """Compare two input workbooks (solving each) or two plan workbooks, and write the comparison."""
    import json

    from .model.backends import stdout_to_stderr
    from .pipeline import compare_output, run_compare
    from .workbook.compare_write import comparison_json

    out = out or compare_output(a, b)
    progress = Progress()
    time_limit = _time_limit_for([a, b], time_limit, progress)
    options = plan_options(solver, time_limit, gap, threads, seed, formulation)
    if as_json:
        with stdout_to_stderr():
            comparison = run_compare(a, b, out, options, on_event=progress, cache=_cache_folder(no_cache),
                                     strict=strict)
        click.echo(json.dumps(comparison_json(comparison), ensure_ascii=False, default=str))
        return
    comparison = run_compare(a, b, out, options, on_event=progress, cache=_cache_folder(no_cache), strict=strict)
    _print_headline(comparison, out)


# --------------------------------------------------------------------------- sweep

#: the sweep kinds, from their registry (``sweep.kinds``)
SWEEP_KINDS = tuple(KINDS)

#: the solver options of ``sweep``: the time limit is per variant, and the solver's seed is
#: ``--solver-seed`` (``--seed`` seeds the reliability samples)
sweep_solver_options = make_solver_options(
    time_limit_help="Seconds for EACH variant's solve (all its levels), and for the baseline's; "
                    "the best plan found so far is kept.",
    threads_help="Solver threads per variant (default: 1 for highs and cbc, 2 for cpsat).",
    seed_flag="--solver-seed",
)


class SweepProgress(Progress):
    """Shows a sweep's phases, then completed / total with an ETA, on stderr."""

    def __call__(self, kind: str, data: dict) -> None:
        if self.quiet:
            return
        c = self.console
        if kind in ("warning", "note"):
            super().__call__(kind, data)
        elif kind == "phase":
            super().__call__(kind, data)
            if data["name"] == "solve baseline" and c.is_terminal:
                self.status = c.status("solving the baseline …")
                self.status.start()
        elif kind == "baseline_done":
            self._stop()
            f = data["figures"]
            how = (f"from cache ({data['status']}, solved in {data['solve_s']:.1f} s when stored)"
                   if data.get("cache") == "hit" else f"{data['status']} in {data['seconds']:.1f} s")
            c.print(f"  baseline {how}: coverage {f['coverage_pct']}%, "
                    + ", ".join(f"shortfall_p{k} {f[f'shortfall_p{k}']}" for k in PRIORITIES)
                    + f", cost {f['total_cost']:,}")
        elif kind == "sweep_start":
            reused = f", {data['reused']} reuse the baseline" if data["reused"] else ""
            c.print(f"[bold]sweep[/] {data['total']} variants: {data['to_solve']} to solve{reused}")
            if c.is_terminal:
                self.status = c.status(f"0 of {data['total']} done")
                self.status.start()
        elif kind == "variant_done":
            eta = "" if data["eta_s"] is None else f", ETA {_duration(data['eta_s'])}"
            failed = f", {data['failed']} failed" if data["failed"] else ""
            line = f"{data['done']} of {data['total']} done{failed}{eta}"
            if data["status"] == "failed":
                c.print(f"  [red]failed[/] {data['name']}: {data['error']}")
            if self.status is not None:
                self.status.update(f"{line} — last: {data['name']}")
            elif not data["reused"]:
                c.print(f"  {line} — {data['name']} ({data['seconds']:.1f} s)")
        elif kind == "interrupted":
            self._stop()
            c.print(f"[yellow]interrupted[/]: {data['done']} of {data['total']} variants finished; "
                    "writing what has finished, marked partial")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(SWEEP_KINDS),
              help="; ".join(f"{k.name}: {k.description}" for k in KINDS.values()) + ".")
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="reliability: number of samples [default: 100].")
@click.option("--seed", "sample_seed", type=int, default=0, show_default=True,
              help="reliability: seed of the samples (the same seed gives the same samples).")
@click.option("--set", "sets", multiple=True, metavar="SHEET:KEY:COLUMN=V1,V2,…",
              help="grid: the values of one cell to combine (repeatable); KEY as for whatif --set.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sweep workbook [default: outputs/sweep-<kind>-<input stem>.xlsx].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: cores // solver threads].")
@click.option("--scheduler", metavar="ADDR", default=None,
              help="Run on the Dask cluster at ADDR (tcp://host:8786) instead; needs pip install "
                   "forcegen[distributed] here and forcegen installed on the workers.")
@add_options(sweep_solver_options)
@cache_option
@strict_option
@click.option("--json", "as_json", is_flag=True, help="Print the sweep summary as one JSON object on stdout.")
@handle_errors
def sweep(input: Path, kind, samples, sample_seed, sets, out, workers, scheduler, solver, time_limit, gap, threads,
          solver_seed, formulation, no_cache, as_json, strict: bool = False) -> None:
    """Solve many variants of INPUT in parallel and rank them; write the sweep workbook.

    Every variant is an independent solve (each under --time-limit). Ctrl-C stops
    the sweep and writes what has finished, marked partial (exit status 130).
    """
    import json

    from .model.backends import stdout_to_stderr
    from .pipeline import run_sweep, sweep_output

    out = out or sweep_output(input, kind)
    progress = SweepProgress()
    time_limit = _time_limit_for([input], time_limit, progress)
    options = plan_options(solver, time_limit, gap, threads, solver_seed, formulation)
    kw = dict(workers=workers, scheduler=scheduler, samples=samples, seed=sample_seed, specs=list(sets),
              on_event=progress, cache=_cache_folder(no_cache), strict=strict)
    if as_json:
        with stdout_to_stderr():  # solver banners never reach stdout
            run = run_sweep(input, kind, out, options, **kw)
        click.echo(json.dumps({**run.result.json(), "output": str(out)}, ensure_ascii=False, default=str))
    else:
        run = run_sweep(input, kind, out, options, **kw)
        for line in sweep_headline(run.result):
            click.echo(line)
        click.echo(f"wrote {out}")
    result = run.result
    if result.partial:
        click.secho(f"interrupted: {out} holds the {result.done} of {result.total} variants that finished",
                    fg="yellow", err=True)
        sys.exit(INTERRUPTED)


# --------------------------------------------------------------------------- the sweep's headline


def sweep_headline(result, top: int = 3) -> list[str]:
    """A few lines for the terminal: the counts, then the top of the ranking or the reliability figures."""
    h = result.headline_data(top)
    lines = [f"{h.kind} sweep: {h.done} of {h.total} variants done, {h.failed} failed"
             + (f", {h.reused} reused the baseline plan" if h.reused else "")
             + (" — PARTIAL (interrupted)" if h.partial else "")]
    return lines + SWEEP_HEADLINES[h.kind](h)


def _leave_one_out_lines(h) -> list[str]:
    lines = []
    for row in h.top:
        parts = [f"Δshortfall_p{k} {_signed(row[f'delta_shortfall_p{k}'])}"
                 for k in PRIORITIES if row[f"delta_shortfall_p{k}"]]
        parts.append(f"Δcost {_signed(row['delta_total_cost'])}")
        lines.append(f"  {row['rank']}. {row['nation']} ({row['name']}): " + ", ".join(parts))
    return lines


def _caveat_lines(h) -> list[str]:
    return [f"  {row['rank']}. {row['caveat']} {row['nation']} {row['rule']} ({row['filters']}): "
            f"{_signed(row['units_recovered'])} unit-periods covered when lifted, "
            f"Δshortfall_p1 {_signed(row['delta_shortfall_p1'])}" for row in h.top]


def _grid_lines(h) -> list[str]:
    return [f"  {row['rank']}. {', '.join(f'{k}={row[k]}' for k in h.axes)}: "
            f"coverage {_fmt(row['coverage_pct'])}%, shortfall_p1 {_fmt(row['shortfall_p1'])}, "
            f"cost {_fmt(row['total_cost'])}" for row in h.top]


def _reliability_lines(h) -> list[str]:
    o = h.overall
    if not o or not o["samples"]:
        return []
    lines = [f"  all tasks fully covered in {o['fully_covered']} of {o['samples']} samples: "
             f"P = {_fmt(o['p_full'], 3)} (95% CI {_fmt(o['ci_low'], 3)}–{_fmt(o['ci_high'], 3)}); "
             f"missing unit-periods mean {_fmt(o['shortfall_mean'])}, "
             f"P5 {_fmt(o['shortfall_p5'])}, P50 {_fmt(o['shortfall_p50'])}, P95 {_fmt(o['shortfall_p95'])}"]
    for row in h.top:
        lines.append(f"  {row['scope']} (priority {row['priority']}): P(full) {_fmt(row['p_full'], 3)} "
                     f"({_fmt(row['ci_low'], 3)}–{_fmt(row['ci_high'], 3)}), "
                     f"mean missing {_fmt(row['shortfall_mean'])}")
    return lines


#: the words of each sweep kind's headline (one per registered kind: ``sweep.kinds.KINDS``)
SWEEP_HEADLINES = {
    "leave-one-out": _leave_one_out_lines,
    "caveats": _caveat_lines,
    "reliability": _reliability_lines,
    "grid": _grid_lines,
}


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


def main() -> None:  # pragma: no cover
    cli()
