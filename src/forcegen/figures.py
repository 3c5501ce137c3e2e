"""Every headline figure of a plan, described once: name, objective level, direction, number format, note.

The way ``schema.py`` describes the input columns, this registry describes the figures the
outputs show for a plan: the plan workbook's Summary (``report.py`` computes each one, once,
from the Problem and the Plan), the comparison's Summary (baseline, variant, delta, better or
worse), the sweep's per-variant figures, the terminal summaries and ``--json``. A figure added
here reaches every one of them; its note and formats are written nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import PRIORITIES
from .workbook import formats as fmt


@dataclass(frozen=True)
class Figure:
    """One figure of a plan."""

    name: str
    note: str
    direction: int = 0  # +1 higher is better, -1 lower is better, 0 neither (a what-if reports it, no verdict)
    number_format: str = fmt.INT
    delta_format: str = fmt.SINT  # the signed twin, for differences
    level: str | None = None  # the objective level it is (model.build.LEVEL_NAMES), if any

    def __post_init__(self) -> None:
        assert self.direction in (-1, 0, 1), self.name


def _shortfall(k: int) -> Figure:
    return Figure(f"shortfall_p{k}", f"Σ weight × units missing over the active periods of priority {k}'s "
                  "requirement rows (objective level 1)", -1, fmt.WEIGHTED, fmt.SWEIGHTED, f"shortfall_p{k}")


#: the figures of a plan, in the order the comparison and the sweep show them
PLAN_FIGURES: tuple[Figure, ...] = (
    Figure("coverage_pct", "100 × covered / required unit-periods (unweighted); blank when nothing is required; "
           "a delta is in percentage points", +1, fmt.PCT100, fmt.SPCT100),
    Figure("covered_unit_periods", "Σ min(required, allocated) over requirement rows and active periods", +1),
    Figure("required_unit_periods", "Σ required units over requirement rows and active periods"),
    *(_shortfall(k) for k in PRIORITIES),
    Figure("total_cost", "Σ cost_per_unit × units over all periods (thousands of the Scenario currency; "
           "objective level 2)", -1, fmt.COST, fmt.SCOST, "cost"),
    Figure("contributions", "distinct (nation, task, period) with an allocation (objective level 3)",
           level="contributions"),
    Figure("personnel_peak", "largest total personnel deployed in any one period"),
    Figure("personnel_in_host", "largest personnel, in any one period, at locations in the host country "
           "(Scenario host_country; none when it is ---)"),
    Figure("personnel_outside_host", "largest personnel, in any one period, at locations outside the host country"),
    Figure("black_sea_tonnage_peak", "largest tonnage, in any one period, of warships (sea units) of nations that "
           "are not Black Sea states at Black Sea locations (what the Montreux limits count; SPEC 5.4)"),
    Figure("supply_need_peak", "largest total supply need in any one period, t/day (supply_rate × personnel / "
           "1,000 at locations with a country; SPEC 5.1); 0 when the sustainment rule is off",
           number_format=fmt.TONNES, delta_format=fmt.STONNES),
    Figure("arrivals_peak", "largest arrivals into the area in any one period: Σ over in_area locations of the "
           "growth of their personnel since the period before (SPEC 5.2)"),
    Figure("build_up_periods", "the first period from which the personnel at in_area locations stay at 90 % of "
           "their peak or more: how long the force takes to be in place; 0 when nobody is deployed in the area"),
)

BY_NAME: dict[str, Figure] = {f.name: f for f in PLAN_FIGURES}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def figure(name: str) -> Figure:
    """The registered figure of this name (KeyError if none)."""
    return BY_NAME[name]


def number_formats() -> dict[str, str]:
    """name -> number format, for the writers' format maps."""
    return {f.name: f.number_format for f in PLAN_FIGURES}


def delta_formats(prefix: str = "delta_") -> dict[str, str]:
    """prefix + name -> signed number format, for columns of differences."""
    return {prefix + f.name: f.delta_format for f in PLAN_FIGURES}
