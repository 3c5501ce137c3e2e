"""A finished sweep's tables: the variants, each kind's ranking, reliability, and the headline's data.

Rankings (``SweepResult.ranking()``; each kind's is registered in ``kinds.py``),
Δ = variant − baseline:

* leave-one-out: nations by (Δshortfall_p1, …, Δshortfall_p5, Δtotal_cost), largest first;
* caveats: by units recovered (Δcovered_unit_periods) largest first, then by the
  weighted shortfall they remove, priority 1 first (Δshortfall_p1 … p5 most
  negative first), then Δtotal_cost;
* grid: combinations by (shortfall_p1, …, shortfall_p5, total_cost), best first;
* reliability (``SweepResult.reliability()``): per task, the share of samples in
  which it is fully covered (no unit missing in any active period), with a Wilson
  95 % score interval, and the mean / P5 / P50 / P95 of its missing unit-periods
  (numpy's linear-interpolation percentiles); the same per priority and overall.

``SweepResult.headline_data()`` is what the terminal's headline shows, as data; the
command line words it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..domain import PRIORITIES, Problem
from ..figures import NAMES as figure_names
from .variants import BASELINE, Variant, VariantResult, uncertain_pledges

#: Summary figures of every variant, in order: the registry's (``figures.py``), but the host split
FIGURES = tuple(f for f in figure_names if f not in ("personnel_in_host", "personnel_outside_host"))
#: the lexicographic objective's figures (levels 1 and 2)
OBJECTIVE = (*(f"shortfall_p{k}" for k in PRIORITIES), "total_cost")
Z95 = 1.959963984540054

LOO_DELTAS = (*(f"delta_shortfall_p{k}" for k in PRIORITIES), "delta_total_cost", "delta_covered_unit_periods",
              "delta_coverage_pct", "delta_contributions")
LOO_KEY = (*(f"delta_shortfall_p{k}" for k in PRIORITIES), "delta_total_cost")
CAVEAT_DELTAS = (*(f"delta_shortfall_p{k}" for k in PRIORITIES), "delta_total_cost", "delta_coverage_pct",
                 "delta_contributions")
GRID_FIGURES = ("coverage_pct", "covered_unit_periods", *(f"shortfall_p{k}" for k in PRIORITIES), "total_cost",
                "contributions")
RELIABILITY_COLUMNS = ("scope", "name", "priority", "samples", "fully_covered", "p_full", "ci_low", "ci_high",
                       "shortfall_mean", "shortfall_p5", "shortfall_p50", "shortfall_p95", "shortfall_max",
                       "baseline_shortfall")


def variant_columns(param_cols=()) -> tuple[str, ...]:
    return ("variant", "name", "subject", *param_cols, "changes", "status", "error", "solve_status", *FIGURES,
            *(f"delta_{f}" for f in FIGURES if f != "required_unit_periods"), "runtime_s", "reused", "worker",
            "applied")


@dataclass(frozen=True)
class SweepHeadline:
    """What the terminal shows after a sweep, as data: the counts and the top of the ranking.

    ``top``: the first entries of the kind's ranking (reliability: the least reliable tasks),
    each a ranking row as a dict; ``overall``: reliability's row over all tasks (else None);
    ``axes``: grid's columns that name a combination (else empty).
    """

    kind: str
    done: int
    total: int
    failed: int
    reused: int
    partial: bool
    top: list[dict]
    overall: dict | None = None
    axes: tuple[str, ...] = ()


@dataclass
class SweepResult:
    kind: str
    problem: Problem
    variants: list[Variant]
    baseline: VariantResult
    results: list[VariantResult | None]  # aligned with variants; None = not run (interrupted)
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
        return sum(1 for r in self.results if r is not None and r.failed)

    @property
    def reused(self) -> int:
        return sum(1 for r in self.results if r is not None and r.reused)

    def ok(self) -> list[tuple[Variant, VariantResult]]:
        return [(v, r) for v, r in zip(self.variants, self.results) if r is not None and r.ok]

    def delta(self, result: VariantResult, figure: str):
        a, b = result.figures.get(figure), self.baseline.figures.get(figure)
        if a is None or b is None:
            return None
        return _clean(a - b)

    def deltas(self, result: VariantResult) -> dict:
        return {f"delta_{f}": self.delta(result, f) for f in FIGURES if f != "required_unit_periods"}

    def param_columns(self) -> list[str]:
        """The variants' parameter names (grid: the axes), in first-seen order."""
        cols: list[str] = []
        for v in self.variants:
            for k, _ in v.params:
                if k not in cols:
                    cols.append(k)
        return cols

    @property
    def spec(self):
        """The registered ``SweepKind`` of this sweep."""
        from .kinds import kind_of

        return kind_of(self.kind)

    # -- tables -------------------------------------------------------------
    def rows(self):
        """The Variants table: the baseline, then one row per variant (not run ones included)."""
        import pandas as pd

        param_cols = self.param_columns()
        records = [self._row(0, "baseline", BASELINE, self.baseline, param_cols)]
        for i, (v, r) in enumerate(zip(self.variants, self.results), start=1):
            records.append(self._row(i, v.name, v, r, param_cols))
        return pd.DataFrame(records, columns=list(variant_columns(param_cols)))

    def _row(self, i: int, name: str, v: Variant, r: VariantResult | None, param_cols) -> dict:
        row = {"variant": i, "name": name, "subject": v.subject, "changes": v.text if i else "(none)"}
        params = dict(v.params)
        for k in param_cols:
            row[k] = params.get(k)
        if r is None:
            row["status"] = "not run"
            return row
        row["status"] = r.status
        row["error"] = r.error
        row["solve_status"] = r.solve_status
        if r.ok:
            for f in FIGURES:
                row[f] = r.figures.get(f)
                if i and f != "required_unit_periods":
                    row[f"delta_{f}"] = self.delta(r, f)
        row["runtime_s"] = r.solve_s
        row["reused"] = r.reused or ""
        row["worker"] = r.worker
        row["applied"] = "; ".join(r.applied or ())
        return row

    def ranking(self):
        """The kind's ranking (see the module docstring); reliability ranks tasks by P(full coverage)."""
        return self.spec.rank(self)

    def reliability(self):
        """Per task (least reliable first), then per priority and overall: P(full coverage) and shortfall."""
        return rank_reliability(self)

    def pledge_draws(self):
        """Reliability: per uncertain pledge, how often it was kept in the samples run."""
        import pandas as pd

        ran = [v for v, r in zip(self.variants, self.results) if r is not None]
        dropped_in = {}
        for v in ran:
            for pid in dict(v.params).get("dropped", "").split():
                dropped_in[pid] = dropped_in.get(pid, 0) + 1
        used = set(self.baseline.pledges_used or ())
        rows = []
        for p in uncertain_pledges(self.problem):
            kept = len(ran) - dropped_in.get(p.id, 0)
            rows.append({"pledge": p.id, "nation": p.nation, "capability": p.capability, "units": p.units,
                         "status": p.status, "probability": p.probability, "samples": len(ran), "kept": kept,
                         "kept_share": _clean(kept / len(ran)) if ran else None,
                         "used_in_baseline": "yes" if p.id in used else "no"})
        return pd.DataFrame(rows, columns=["pledge", "nation", "capability", "units", "status", "probability",
                                           "samples", "kept", "kept_share", "used_in_baseline"])

    # -- summaries ----------------------------------------------------------
    def headline_data(self, top: int = 3) -> SweepHeadline:
        """The counts and the top ``top`` entries of the ranking (the kind's ``headline`` hook picks them)."""
        rank = self.ranking()
        entries, overall = self.spec.headline(rank, top)
        axes = tuple(c for c in self.param_columns() if c in rank.columns)
        return SweepHeadline(self.kind, self.done, self.total, self.failed, self.reused, self.partial,
                             entries, overall, axes)

    def json(self, top: int = 3) -> dict:
        """A JSON-able summary for ``--json``."""
        from ..workbook.write import json_value

        rank = self.ranking()
        shown = rank if self.spec.whole_ranking_in_json else rank.head(top)
        return {
            "kind": self.kind, "total": self.total, "done": self.done, "failed": self.failed,
            "reused": self.reused, "partial": self.partial,
            "baseline": {f: self.baseline.figures.get(f) for f in FIGURES},
            "top": [{k: json_value(v) for k, v in row.items()} for row in shown.to_dict(orient="records")],
            **{k: v if isinstance(v, dict) else json_value(v) for k, v in self.info.items()},
        }


# --------------------------------------------------------------------------- the kinds' rankings


def rank_leave_one_out(result: SweepResult):
    """Nations by what their absence costs: Δshortfall_p1 … p5, then Δtotal_cost, largest first."""
    import pandas as pd

    pb = result.problem
    used = set(result.baseline.pledges_used or ())
    rows = []
    for v, r in result.ok():
        n = v.subject
        mine = [p for p in pb.pledges if p.nation == n]
        d = result.deltas(r)
        rows.append({"nation": n, "name": pb.nation[n].name if n in pb.nation else "",
                     "pledges": len(mine), "pledged_units": sum(p.units for p in mine),
                     "used_in_baseline": sum(1 for p in mine if p.id in used),
                     **{k: d[k] for k in LOO_DELTAS}, "solve_status": r.solve_status,
                     "reused": r.reused or ""})
    rows.sort(key=lambda x: tuple(-(x[k] or 0) for k in LOO_KEY))
    df = pd.DataFrame(rows, columns=["nation", "name", "pledges", "pledged_units", "used_in_baseline",
                                     *LOO_DELTAS, "solve_status", "reused"])
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def rank_caveats(result: SweepResult):
    """Caveats by unit-periods recovered when lifted, then the weighted shortfall removed, then Δtotal_cost."""
    import pandas as pd

    pb = result.problem
    by_row = {c.row: c for c in pb.caveats}
    rows = []
    for v, r in result.ok():
        cs = [by_row[x] for x in v.lift_caveat_rows if x in by_row]
        c = cs[0] if cs else None
        filters = " or ".join(", ".join(f"{k}={val}" for k, val in x.filters().items()) or "any" for x in cs)
        d = result.deltas(r)
        rows.append({"caveat": v.subject, "label": f"{v.subject} {c.nation} {c.rule}" if c else v.subject,
                     "nation": c.nation if c else "", "rule": c.rule if c else "",
                     "filters": filters, "limit": c.limit if c else None,
                     "note": "; ".join(x.note for x in cs if x.note),
                     "units_recovered": d["delta_covered_unit_periods"],
                     **{k: d[k] for k in CAVEAT_DELTAS}, "solve_status": r.solve_status})
    rows.sort(key=lambda x: (-(x["units_recovered"] or 0), *((x[k] or 0) for k in CAVEAT_DELTAS[:6])))
    df = pd.DataFrame(rows, columns=["caveat", "label", "nation", "rule", "filters", "limit", "note",
                                     "units_recovered", *CAVEAT_DELTAS, "solve_status"])
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def rank_grid(result: SweepResult):
    """Combinations by the lexicographic objective: shortfall_p1 … p5, then total_cost, best first."""
    import pandas as pd

    heads = result.param_columns()
    rows = []
    for v, r in result.ok():
        rows.append({"variant": v.subject, "name": v.name, **dict(v.params),
                     **{f: r.figures.get(f) for f in GRID_FIGURES},
                     "delta_coverage_pct": result.delta(r, "coverage_pct"),
                     "delta_total_cost": result.delta(r, "total_cost"), "solve_status": r.solve_status})
    rows.sort(key=lambda x: tuple(x[f] if x[f] is not None else math.inf for f in OBJECTIVE))
    df = pd.DataFrame(rows, columns=["variant", "name", *heads, *GRID_FIGURES, "delta_coverage_pct",
                                     "delta_total_cost", "solve_status"])
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def rank_reliability(result: SweepResult):
    """Per task (least reliable first), then per priority and overall: P(full coverage) and shortfall."""
    import numpy as np
    import pandas as pd

    pb = result.problem
    ok = [r for _, r in result.ok()]
    n = len(ok)
    base_tasks = result.baseline.tasks or {}
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
        short = [r.tasks[t.id]["shortfall"] for r in ok]
        task_rows.append(stats(t.id, t.name, t.priority, [s == 0 for s in short], short,
                               base_tasks[t.id]["shortfall"]))
    task_rows.sort(key=lambda x: (x["p_full"] if x["p_full"] is not None else 2, x["priority"]))
    rows += task_rows
    active = [t for t in pb.tasks if t.id in base_tasks and base_tasks[t.id]["required"]]
    for k in sorted({t.priority for t in active}):
        ids = [t.id for t in active if t.priority == k]
        short = [sum(r.tasks[i]["shortfall"] for i in ids) for r in ok]
        rows.append(stats(f"priority {k}", f"all priority-{k} tasks", k, [s == 0 for s in short], short,
                          sum(base_tasks[i]["shortfall"] for i in ids)))
    ids = [t.id for t in active]
    short = [sum(r.tasks[i]["shortfall"] for i in ids) for r in ok]
    rows.append(stats("all", "all tasks", None, [s == 0 for s in short], short,
                      sum(base_tasks[i]["shortfall"] for i in ids)))
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


# --------------------------------------------------------------------------- the kinds' headlines


def top_of_ranking(rank, top: int) -> tuple[list[dict], None]:
    """The first ``top`` rows of a ranking."""
    return rank.head(top).to_dict(orient="records"), None


def top_of_reliability(rank, top: int) -> tuple[list[dict], dict | None]:
    """The ``top`` least reliable tasks, and the row over all tasks."""
    overall = rank[rank["scope"] == "all"].to_dict(orient="records")
    tasks = rank[~rank["scope"].str.startswith(("priority ", "all"))]
    return tasks.head(top).to_dict(orient="records"), (overall[0] if overall else None)


# --------------------------------------------------------------------------- numbers


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
