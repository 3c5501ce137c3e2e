"""The sweep kinds, described once: a registry of ``SweepKind`` (``KINDS``).

Each kind has its name (``--kind``), the words the help and the workbook say about it,
the options it takes (``--samples``, ``--seed``, ``--set``), its variant generator
(``variants.py``), its ranking and headline hooks (``analysis.py``), the sheets its
workbook adds after Summary and Variants, and the chart of its ranking. Everything that
differs between kinds is read from here — the command line's choices and help, the
variants, the rankings, the headline, ``--json`` and the sweep workbook — so a new
kind is one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..domain import PRIORITIES, Problem
from ..errors import UsageError
from . import analysis
from .variants import Variant, caveat_lifts, grid_of_input, leave_one_out, reliability_samples

#: the options a kind may take, as the command line spells them
OPTION_FLAGS = {"samples": "--samples", "seed": "--seed", "specs": "--set"}
DEFAULT_SAMPLES = 100


@dataclass(frozen=True)
class KindArgs:
    """The kind-specific options of one sweep (None / empty when not given)."""

    samples: int | None = None
    seed: int = 0
    specs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartSeries:
    name: str
    column: str


@dataclass(frozen=True)
class RankingChart:
    """The bar chart of a ranking's top entries: which column names a bar, which columns give its values."""

    title: str  # with {n}, the number of entries shown
    category: str
    series: tuple[ChartSeries, ...]
    subtype: str | None = None  # "stacked"
    data_labels: str | None = None  # number format of the labels on the bars, if any
    value_range: tuple[float, float] | None = None
    legend: bool = True


@dataclass(frozen=True)
class SweepKind:
    name: str
    description: str  # one phrase, for --kind's help
    ranking_note: str  # how the ranking is ordered (the workbook states it above the ranking)
    make: Callable[[Problem, dict, KindArgs, str], list[Variant]]  # (problem, raw tables, args, file)
    rank: Callable  # SweepResult -> DataFrame
    headline: Callable = analysis.top_of_ranking  # (ranking, top) -> (entries, overall)
    takes: frozenset[str] = frozenset()  # of OPTION_FLAGS
    nothing: str = "variants"  # what an input without variants lacks
    sheets: tuple[str, ...] = ("Rankings",)  # the workbook's sheets after Summary and Variants
    chart: RankingChart | None = None  # the Rankings sheet's chart
    whole_ranking_in_json: bool = False  # --json's "top" is the whole ranking, not its first entries

    def variants(self, problem: Problem, tables: dict, args: KindArgs = KindArgs(), file: str = "") -> list[Variant]:
        """The kind's variants; UsageError for an option this kind does not take."""
        given = {"specs": bool(args.specs), "samples": args.samples is not None}
        for option, present in given.items():
            if present and option not in self.takes:
                owner = next(k.name for k in KINDS.values() if option in k.takes)
                raise UsageError(f"{OPTION_FLAGS[option]} is for --kind {owner}")
        return self.make(problem, tables, args, file)

    def info(self, variants: list[Variant], args: KindArgs) -> dict:
        """The kind's options as the sweep workbook's Summary records them (None when not the kind's)."""
        return {"samples": len(variants) if "samples" in self.takes else None,
                "seed": args.seed if "seed" in self.takes else None,
                "grid": " | ".join(args.specs) if "specs" in self.takes else None}


KINDS: dict[str, SweepKind] = {k.name: k for k in (
    SweepKind(
        "leave-one-out", "each nation with pledges removed in turn",
        "Nations ranked by what their absence costs: Δshortfall_p1, then p2 … p5, then Δtotal_cost "
        "(largest first); Δ = plan without the nation − baseline plan.",
        make=lambda problem, tables, args, file: leave_one_out(problem),
        rank=analysis.rank_leave_one_out, nothing="pledges",
        chart=RankingChart("Top {n} nations: weighted shortfall their absence causes", "nation",
                           tuple(ChartSeries(f"Δ shortfall p{k}", f"delta_shortfall_p{k}") for k in PRIORITIES),
                           subtype="stacked"),
    ),
    SweepKind(
        "caveats", "each caveat lifted in turn",
        "Caveats ranked by the unit-periods covered when lifted (Δcovered_unit_periods, largest first), "
        "then by the weighted shortfall they remove, priority 1 first, then by Δtotal_cost. "
        "A nation's 'only' rows are lifted together (one of them alone would narrow what it may do).",
        make=lambda problem, tables, args, file: caveat_lifts(problem),
        rank=analysis.rank_caveats, nothing="caveats",
        chart=RankingChart("Top {n} caveats: unit-periods covered when lifted", "label",
                           (ChartSeries("unit-periods recovered", "units_recovered"),), data_labels="0",
                           legend=False),
    ),
    SweepKind(
        "reliability", "pledges drawn by their probability",
        "Tasks ranked by P(full coverage), least reliable first; a task is fully covered in a sample "
        "when no unit is missing in any of its active periods. Interval: Wilson score, 95 %. "
        "Percentiles: linear interpolation.",
        make=lambda problem, tables, args, file: reliability_samples(
            problem, DEFAULT_SAMPLES if args.samples is None else args.samples, args.seed),
        rank=analysis.rank_reliability, headline=analysis.top_of_reliability,
        takes=frozenset({"samples", "seed"}), sheets=("Reliability", "Pledges"), whole_ranking_in_json=True,
    ),
    SweepKind(
        "grid", "every combination of --set values",
        "Combinations ranked by the lexicographic objective: shortfall_p1 … shortfall_p5, then total_cost "
        "(best first).",
        make=lambda problem, tables, args, file: grid_of_input(args.specs, tables, file),
        rank=analysis.rank_grid, takes=frozenset({"specs"}),
        chart=RankingChart("Top {n} combinations: coverage (%)", "name", (ChartSeries("coverage %", "coverage_pct"),),
                           data_labels="0.0", value_range=(0, 100), legend=False),
    ),
)}


def kind_of(name: str) -> SweepKind:
    """The registered kind of this name; UsageError listing the kinds otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"unknown sweep kind {name!r} (expected one of {', '.join(KINDS)})") from None


def variants_for(kind: str, problem: Problem, tables: dict, *, samples: int | None = None, seed: int = 0,
                 specs=(), file: str = "") -> list[Variant]:
    """The variants of a sweep kind; UsageError for a kind's missing or misplaced options."""
    return kind_of(kind).variants(problem, tables, KindArgs(samples, seed, tuple(specs)), file)
