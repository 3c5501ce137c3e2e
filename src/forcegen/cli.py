"""The ``forcegen`` command line: thin click commands over library functions.

Exit status: 0 success (shortfalls included), 2 invalid input or usage,
1 anything else. Errors go to stderr one line each, never as a traceback
(``--debug`` shows one).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ForcegenError, InputError

BUNDLED_BASELINE = "inputs/baseline.xlsx"


def _bundled_baseline() -> Path:
    """The baseline in the current folder's inputs/, else the copy inside the package."""
    local = Path(BUNDLED_BASELINE)
    if local.is_file():
        return local
    from importlib.resources import files

    return Path(str(files("forcegen") / "data" / "baseline.xlsx"))


def _fail(exc: ForcegenError) -> None:
    if isinstance(exc, InputError):
        for issue in exc.issues:
            click.secho(str(issue), fg="red", err=True)
        n = len(exc.issues)
        click.secho(f"{n} problem{'s' if n != 1 else ''} found", fg="red", err=True)
    else:
        click.secho(f"error: {exc}", fg="red", err=True)
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
        except KeyboardInterrupt:
            click.secho("interrupted", fg="red", err=True)
            sys.exit(1)
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


@cli.command()
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def validate(input: Path) -> None:
    """Check an input workbook and list every problem found."""
    from .workbook.read import read_problem

    problem = read_problem(input)
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


def main() -> None:  # pragma: no cover
    cli()
