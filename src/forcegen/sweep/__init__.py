"""Sweeps: many variants of one input, each an independent solve, run on any Executor.

* ``variants.py`` — what a variant is (``Variant``), how each kind makes them, and what
  solving one returns (``VariantResult``);
* ``kinds.py`` — the registry of sweep kinds (``KINDS``: name, options, variant
  generator, ranking and headline hooks, workbook sheets and chart);
* ``execution.py`` — the worker, the executors (local process pool or Dask) and
  ``run_sweep``: the baseline first, then the variants, with reuse and the plan cache;
* ``analysis.py`` — ``SweepResult``: the Variants table, the kinds' rankings,
  reliability, and the headline's data (the command line words it).

Reading an input workbook and writing the sweep workbook are ``pipeline.sweep_input``
and ``pipeline.run_sweep``; ``sweep_input`` is also importable from here (on first use).
"""

from .analysis import (
    FIGURES, GRID_FIGURES, OBJECTIVE, RELIABILITY_COLUMNS, SweepHeadline, SweepResult, variant_columns, wilson,
)
from .execution import (
    ExecutorHandle, default_workers, error_text, figures_of, make_executor, run_sweep, solve_variant,
)
from .kinds import KINDS, KindArgs, RankingChart, SweepKind, kind_of, variants_for
from .variants import (
    MAX_GRID, GridAxis, Variant, VariantResult, apply_variant, caveat_lifts, grid, leave_one_out,
    parse_grid_spec, reliability_samples, uncertain_pledges,
)


def __getattr__(name: str):
    """``sweep_input`` lives in pipeline (it reads the input); imported on first use, so that
    importing the sweep kinds (the command line does) does not load the pipeline's libraries."""
    if name == "sweep_input":
        from ..pipeline import sweep_input

        return sweep_input
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FIGURES", "GRID_FIGURES", "KINDS", "MAX_GRID", "OBJECTIVE", "RELIABILITY_COLUMNS", "ExecutorHandle", "GridAxis",
    "KindArgs", "RankingChart", "SweepHeadline", "SweepKind", "SweepResult", "Variant", "VariantResult",
    "apply_variant", "caveat_lifts", "default_workers", "error_text", "figures_of", "grid", "kind_of",
    "leave_one_out", "make_executor", "parse_grid_spec", "reliability_samples", "run_sweep", "solve_variant",
    "sweep_input", "uncertain_pledges", "variant_columns", "variants_for", "wilson",
]
