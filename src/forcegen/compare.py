"""Two Reports -> a Comparison: the figures, per-task, per-nation and per-requirement rows side by side.

Nothing here imports a spreadsheet or solver library: ``build_comparison``
reads two ``Report`` objects (built from solved plans, or read back from plan
workbooks by ``workbook/plan_read.py``) and derives every table of the
comparison workbook; ``workbook/compare_write.py`` only formats them.

Definitions (the first report is the *baseline*, the second the *variant*):

* ``delta = variant − baseline``; ``delta_pct = 100 · delta / |baseline|``
  (0 when nothing changed, blank when the baseline is 0 or a side is blank);
  for ``coverage_pct`` the delta is in percentage points;
* ``better`` says whether the change is an improvement: higher coverage is
  better, lower shortfall and cost are better; personnel, the requirement,
  contributions and the allocation counts are neutral (blank);
* ``personnel_in_host`` / ``personnel_outside_host``: the peak over periods of
  the personnel at locations whose country is the run's Scenario
  ``host_country`` / any other country (the two peaks may fall in different
  periods); with ``---`` (no host) everyone is outside (``domain.in_host``);
* ``changed_allocations``: the Allocations of each run summed by
  (nation, task, location, period); the keys whose units differ.
  ``units_moved`` = Σ |delta| over them. In the Summary these two figures have
  no baseline or variant: the count is the delta.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .domain import NO_HOST, host_label
from .figures import PLAN_FIGURES
from .report import Report, host_peaks, plain

#: Summary figures, in order: (figure, direction, note). direction +1 = higher is
#: better, -1 = lower is better, 0 = neutral. A plan's figures come from the registry
#: (``figures.py``); the last two are the comparison's own.
FIGURES: tuple[tuple[str, int, str], ...] = (
    *((f.name, f.direction, f.note) for f in PLAN_FIGURES),
    ("changed_allocations", 0, "(nation, task, location, period) whose units differ between the runs (delta column)"),
    ("units_moved", 0, "Σ |units variant − units baseline| over the changed allocations (delta column)"),
)
DIRECTION = {name: d for name, d, _ in FIGURES}

SUMMARY_COLUMNS = ("figure", "baseline", "variant", "delta", "delta_pct", "better", "note")
RUNS_COLUMNS = ("run", "label", "source", "scenario", "status", "solver", "cache", "input_file", "input_sha256",
                "created_at", "straits", "sustainment", "lift")
TASK_COLUMNS = (
    "task", "name", "priority", "coverage_pct_baseline", "coverage_pct_variant", "coverage_delta",
    "lead_baseline", "lead_variant", "nations_baseline", "nations_variant", "shortfall_baseline",
    "shortfall_variant", "shortfall_delta", "better",
)
NATION_COLUMNS = (
    "nation", "name", "personnel_peak_baseline", "personnel_peak_variant", "personnel_peak_delta",
    "cost_baseline", "cost_variant", "cost_delta", "cost_share_baseline", "cost_share_variant", "fair_share",
    "share_vs_fair_baseline", "share_vs_fair_variant",
)
REQUIREMENT_COLUMNS = (
    "task", "capability", "priority", "required", "covered_baseline", "covered_variant", "delta",
    "required_variant", "better",
)
CHANGE_COLUMNS = ("sheet", "key", "column", "old", "new", "note")
CHANGED_ALLOCATION_COLUMNS = ("nation", "task", "location", "period", "units_baseline", "units_variant", "delta")

_KEY = ["nation", "task", "location", "period"]


@dataclass(frozen=True)
class Comparison:
    """Every table of a comparison workbook, ready to format (see the module docstring)."""

    summary: pd.DataFrame  # SUMMARY_COLUMNS
    runs: pd.DataFrame  # RUNS_COLUMNS: one row per run, where it came from
    tasks: pd.DataFrame  # TASK_COLUMNS
    nations: pd.DataFrame  # NATION_COLUMNS
    requirements: pd.DataFrame  # REQUIREMENT_COLUMNS
    changes: pd.DataFrame  # CHANGE_COLUMNS
    changed_allocations: pd.DataFrame  # CHANGED_ALLOCATION_COLUMNS
    headline: list[str] = field(default_factory=list)
    labels: tuple[str, str] = ("baseline", "variant")
    base_source: str = ""
    variant_source: str = ""
    currency: str = "EUR"

    def row(self, figure: str) -> dict:
        """One Summary row as a dict (KeyError if absent)."""
        hit = self.summary[self.summary["figure"] == figure]
        if hit.empty:
            raise KeyError(figure)
        return {k: plain(v) for k, v in hit.iloc[0].items()}

    def delta(self, figure: str):
        return self.row(figure)["delta"]

    @property
    def changed_allocation_count(self) -> int:
        return int(len(self.changed_allocations))

    @property
    def units_moved(self) -> int:
        d = self.changed_allocations["delta"]
        return int(d.abs().sum()) if len(d) else 0


# --------------------------------------------------------------------------- helpers


def _num(x):
    """A number rounded to 9 decimals; whole floats become ints; blanks become None."""
    x = plain(x)
    if x is None or isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        x = round(float(x), 9)
        return int(round(x)) if abs(x - round(x)) < 1e-9 else x
    return x


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _sub(a, b):
    """b − a for numbers; None when either side is blank."""
    a, b = plain(a), plain(b)
    if not (_is_number(a) and _is_number(b)):
        return None
    return _num(float(b) - float(a))


def _delta_pct(base, delta):
    base = plain(base)
    if delta is None or not _is_number(base):
        return None
    if delta == 0:
        return 0
    if base == 0:
        return None
    return _num(round(100.0 * delta / abs(float(base)), 6))


def _better(direction: int, delta) -> str:
    if direction == 0 or delta is None:
        return ""
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (direction > 0) else "worse"


def _value(report: Report, parameter: str):
    try:
        return plain(report.value(parameter))
    except KeyError:
        return None


def _text(v) -> str:
    v = plain(v)
    return "" if v is None else str(v)


def _host_peaks(report: Report) -> tuple[int, int]:
    """The run's personnel_in_host and personnel_outside_host: its Summary's, or (a plan workbook written
    before they were Summary rows) the same figures from its Allocations (``report.host_peaks``)."""
    inside, outside = _value(report, "personnel_in_host"), _value(report, "personnel_outside_host")
    if inside is None or outside is None:
        inside, outside = host_peaks(report.allocations, report.host_country)
    return _num(inside), _num(outside)


def _host_notes(base: str, variant: str) -> dict[str, str]:
    """The notes of the host figures, naming each run's host country."""
    if base != variant:
        where = f"the host country ({host_label(base)} in the baseline, {host_label(variant)} in the variant)"
    elif base == NO_HOST:
        where = f"the host country (none: Scenario host_country is {NO_HOST}, so every location counts as outside)"
    else:
        where = base
    return {"personnel_in_host": f"peak over periods of personnel at locations in {where} (Scenario host_country)",
            "personnel_outside_host": f"peak over periods of personnel at locations outside {where}"}


def _allocation_units(allocations: pd.DataFrame) -> pd.Series:
    if allocations is None or allocations.empty:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_tuples([], names=_KEY))
    a = allocations[_KEY + ["units"]].copy()
    for col in ("nation", "task", "location"):
        a[col] = a[col].astype(str)
    a["period"] = a["period"].astype(int)
    return a.groupby(_KEY)["units"].sum()


def _changed_allocations(base: Report, variant: Report) -> pd.DataFrame:
    b = _allocation_units(base.allocations).rename("units_baseline")
    v = _allocation_units(variant.allocations).rename("units_variant")
    both = pd.concat([b, v], axis=1).fillna(0)
    both["delta"] = both["units_variant"] - both["units_baseline"]
    both = both[both["delta"] != 0].reset_index()
    if both.empty:
        return pd.DataFrame(columns=list(CHANGED_ALLOCATION_COLUMNS))
    both = both.sort_values(_KEY, kind="stable")
    rows = [
        (str(r.nation), str(r.task), str(r.location), int(r.period), _num(r.units_baseline),
         _num(r.units_variant), _num(r.delta))
        for r in both.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=list(CHANGED_ALLOCATION_COLUMNS))


def _ordered_union(first, second) -> list:
    out = list(dict.fromkeys(first))
    out += [x for x in dict.fromkeys(second) if x not in set(out)]
    return out


def _records(df: pd.DataFrame, key: str) -> dict:
    if df is None or df.empty:
        return {}
    return {str(r[key]): {k: plain(v) for k, v in r.items()} for r in df.to_dict(orient="records")}


# --------------------------------------------------------------------------- tables


def _summary(base: Report, variant: Report, changed: pd.DataFrame) -> pd.DataFrame:
    in_b, out_b = _host_peaks(base)
    in_v, out_v = _host_peaks(variant)
    host = {"personnel_in_host": (in_b, in_v), "personnel_outside_host": (out_b, out_v)}
    host_notes = _host_notes(base.host_country, variant.host_country)
    rows = []
    for name, direction, note in FIGURES:
        if name == "changed_allocations":
            rows.append((name, None, None, len(changed), None, "", note))
            continue
        if name == "units_moved":
            moved = int(changed["delta"].abs().sum()) if len(changed) else 0
            rows.append((name, None, None, moved, None, "", note))
            continue
        if name in host:
            b, v = host[name]
            note = host_notes[name]
        else:
            b, v = _num(_value(base, name)), _num(_value(variant, name))
        d = _sub(b, v)
        rows.append((name, b, v, d, _delta_pct(b, d), _better(direction, d), note))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS), dtype=object)


def _runs(base: Report, variant: Report, labels, sources) -> pd.DataFrame:
    rows = []
    for run, rep, label, source in zip(("baseline", "variant"), (base, variant), labels, sources):
        rows.append((run, str(label), str(source or _value(rep, "input_file") or ""),
                     *(_text(_value(rep, k)) for k in ("scenario", "status", "solver", "cache", "input_file",
                                                      "input_sha256", "created_at", "straits", "sustainment",
                                                      "lift"))))
    return pd.DataFrame(rows, columns=list(RUNS_COLUMNS))


def _tasks(base: Report, variant: Report) -> pd.DataFrame:
    b, v = _records(base.tasks, "task"), _records(variant.tasks, "task")
    rows = []
    for t in _ordered_union(b, v):
        rb, rv = b.get(t, {}), v.get(t, {})
        src = rv or rb
        cb, cv = _num(rb.get("coverage_pct")), _num(rv.get("coverage_pct"))
        sb, sv = _num(rb.get("shortfall_weighted")), _num(rv.get("shortfall_weighted"))
        cd, sd = _sub(cb, cv), _sub(sb, sv)
        # by coverage; where coverage is level, by the weighted shortfall
        better = _better(+1, cd) if cd not in (None, 0) or sd is None else _better(-1, sd)
        rows.append((
            t, _text(src.get("name")), _num(src.get("priority")), cb, cv, cd,
            _text(rb.get("lead")), _text(rv.get("lead")), _text(rb.get("nations")), _text(rv.get("nations")),
            sb, sv, sd, better,
        ))
    return pd.DataFrame(rows, columns=list(TASK_COLUMNS))


def _share_vs_fair(r: dict):
    share, fair = plain(r.get("cost_share")), plain(r.get("fair_share"))
    if not (_is_number(share) and _is_number(fair)):
        return None
    return round(float(share) - float(fair), 9)


def _nations(base: Report, variant: Report) -> pd.DataFrame:
    b, v = _records(base.nations, "nation"), _records(variant.nations, "nation")
    rows = []
    for n in _ordered_union(b, v):
        rb, rv = b.get(n, {}), v.get(n, {})
        src = rv or rb
        pb, pv = _num(rb.get("personnel_peak")), _num(rv.get("personnel_peak"))
        cb, cv = _num(rb.get("cost")), _num(rv.get("cost"))
        fair = plain(rv.get("fair_share")) if rv else plain(rb.get("fair_share"))
        rows.append((
            n, _text(src.get("name")), pb, pv, _sub(pb, pv), cb, cv, _sub(cb, cv),
            plain(rb.get("cost_share")), plain(rv.get("cost_share")), fair,
            _share_vs_fair(rb) if rb else None, _share_vs_fair(rv) if rv else None,
        ))
    return pd.DataFrame(rows, columns=list(NATION_COLUMNS))


def _requirement_sums(report: Report) -> dict:
    """(task, capability) -> [priority, required, covered], summed over periods, in Coverage order."""
    out: dict[tuple[str, str], list] = {}
    cov = report.coverage
    if cov is None or cov.empty:
        return out
    pri = {}
    if report.tasks is not None and not report.tasks.empty:
        pri = {str(t): _num(p) for t, p in zip(report.tasks["task"], report.tasks["priority"])}
    has_priority = "priority" in cov.columns
    for r in cov.itertuples(index=False):
        key = (str(r.task), str(r.capability))
        acc = out.setdefault(key, [None, 0, 0])
        p = _num(r.priority) if has_priority else None
        acc[0] = p if p is not None else pri.get(key[0])
        req = float(plain(r.required) or 0)
        short = float(plain(r.shortfall) or 0)
        acc[1] += req
        acc[2] += req - short
    return {k: [p, _num(req), _num(cov_)] for k, (p, req, cov_) in out.items()}


def _requirements(base: Report, variant: Report) -> pd.DataFrame:
    b, v = _requirement_sums(base), _requirement_sums(variant)
    rows = []
    for key in _ordered_union(b, v):
        rb, rv = b.get(key), v.get(key)
        priority = rb[0] if rb and rb[0] is not None else (rv[0] if rv else None)
        cb = rb[2] if rb else 0
        cv = rv[2] if rv else 0
        d = _sub(cb, cv)
        rows.append((key[0], key[1], priority, rb[1] if rb else 0, cb, cv, d, rv[1] if rv else 0, _better(+1, d)))
    return pd.DataFrame(rows, columns=list(REQUIREMENT_COLUMNS))


def _change_value(v):
    v = plain(v)
    if v is None or (isinstance(v, str) and not v.strip()):
        return "(blank)"
    if _is_number(v):
        return _num(v)
    return str(v)


def _changes(applied) -> pd.DataFrame:
    rows = []
    for a in applied or ():
        if isinstance(a, dict):
            get = a.get
        else:
            def get(k, default=None, _a=a):
                return getattr(_a, k, default)
        rows.append((_text(get("sheet")), _text(get("key")), _text(get("column")),
                     _change_value(get("old")), _change_value(get("new")), _text(get("note", ""))))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


# --------------------------------------------------------------------------- headline


def _fmt(x, decimals: int = 1) -> str:
    if x is None:
        return "n/a"
    x = float(x)
    if abs(x - round(x)) < 1e-9:
        return f"{int(round(x)):,}"
    return f"{x:,.{decimals}f}"


def _signed(x, decimals: int = 1) -> str:
    s = _fmt(x, decimals)
    return s if s.startswith("-") or s == "n/a" else "+" + s


def _pp(x) -> str:
    return "n/a" if x is None else f"{float(x):.1f}"


def _signed_pp(x) -> str:
    if x is None:
        return "n/a"
    return ("+" if x > 0 else "-" if x < 0 else "") + _pp(abs(x))


def _pct_text(x) -> str:
    return "n/a" if x is None else f"{float(x):.1f}%"


def _headline(summary: pd.DataFrame, tasks: pd.DataFrame, changed: pd.DataFrame, currency: str) -> list[str]:
    row = {r["figure"]: r for r in summary.to_dict(orient="records")}
    lines: list[str] = []

    c = row["coverage_pct"]
    if c["delta"] not in (None, 0) or plain(c["baseline"]) != plain(c["variant"]):
        lines.append(f"coverage {_pct_text(c['baseline'])} -> {_pct_text(c['variant'])} "
                     f"({_signed_pp(c['delta'])} pp)")
    else:
        lines.append(f"coverage unchanged at {_pct_text(c['baseline'])}")

    lost, gained, other = [], [], []
    for t in tasks.to_dict(orient="records"):
        b, v, d = plain(t["coverage_pct_baseline"]), plain(t["coverage_pct_variant"]), plain(t["coverage_delta"])
        what = f"{t['name']}, " if t["name"] else ""
        label = f"{t['task']} ({what}p{_fmt(t['priority'])})"
        if d is None:
            if b != v:
                other.append((t, f"{label}: coverage {_pct_text(b)} -> {_pct_text(v)} "
                                 f"({'no requirement' if v is None else 'newly required'} in the variant)"))
            continue
        if d < 0:
            lost.append((t, f"{label} lost {_pp(-d)} pp of coverage: {_pct_text(b)} -> {_pct_text(v)}"))
        elif d > 0:
            gained.append((t, f"{label} gained {_pp(d)} pp of coverage: {_pct_text(b)} -> {_pct_text(v)}"))

    def order(item):
        t = item[0]
        p = plain(t["priority"])
        return (p if p is not None else 9, -abs(plain(t["coverage_delta"]) or 0))

    for _, text in sorted(lost, key=order) + sorted(gained, key=order) + other:
        lines.append(text)
    if not (lost or gained or other):
        lines.append("no task lost or gained coverage")

    for k in range(1, 6):
        s = row[f"shortfall_p{k}"]
        if s["delta"] not in (None, 0):
            lines.append(f"shortfall p{k} {_fmt(s['baseline'])} -> {_fmt(s['variant'])} ({_signed(s['delta'])}, "
                         f"{s['better']})")

    cost = row["total_cost"]
    if cost["delta"] not in (None, 0):
        pct = f", {_signed(cost['delta_pct'])}%" if cost["delta_pct"] is not None else ""
        lines.append(f"cost {_fmt(cost['baseline'])} -> {_fmt(cost['variant'])} thousand {currency} "
                     f"({_signed(cost['delta'])}{pct})")

    n = len(changed)
    moved = int(changed["delta"].abs().sum()) if n else 0
    if n:
        lines.append(f"{n} allocation{'s' if n != 1 else ''} changed (nation, task, location, period), "
                     f"{moved} unit{'s' if moved != 1 else ''} moved")
    else:
        lines.append("no allocation changed")
    return lines


# --------------------------------------------------------------------------- entry point


def build_comparison(base: Report, variant: Report, *, applied: list | None = None,
                     labels=("baseline", "variant"), base_source: str = "", variant_source: str = "") -> Comparison:
    """Compare two runs: ``base`` (the baseline) and ``variant``; ``applied`` is the what-if change log.

    ``applied`` holds ``whatif.Applied`` entries (or dicts / objects with the
    attributes sheet, key, column, old, new, note).
    """
    labels = (str(labels[0]), str(labels[1]))
    changed = _changed_allocations(base, variant)
    summary = _summary(base, variant, changed)
    tasks = _tasks(base, variant)
    currency = variant.currency or base.currency or "EUR"
    return Comparison(
        summary=summary,
        runs=_runs(base, variant, labels, (base_source, variant_source)),
        tasks=tasks,
        nations=_nations(base, variant),
        requirements=_requirements(base, variant),
        changes=_changes(applied),
        changed_allocations=changed,
        headline=_headline(summary, tasks, changed, currency),
        labels=labels,
        base_source=str(base_source),
        variant_source=str(variant_source),
        currency=currency,
    )


__all__ = ["Comparison", "FIGURES", "build_comparison"]
