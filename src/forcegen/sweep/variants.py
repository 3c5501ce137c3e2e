"""A sweep's variants: what each one changes, how each kind makes them, and what a solve returns.

A *variant* is plain data (``Variant``): what-if changes, nations to drop, caveat
rows to lift. Generators make the variants of each kind (``kinds.py`` registers them):

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

``apply_variant`` turns a variant into its Problem (a copy of the raw tables, changed
and validated again). ``VariantResult`` is what solving one returns: the figures of
its plan, or the error that stopped it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields

from ..domain import Problem
from ..errors import InputError, UsageError
from ..whatif import Change, parse_change

MAX_GRID = 10_000


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


BASELINE = Variant("baseline", "baseline")


@dataclass(frozen=True)
class VariantResult:
    """What solving one variant (or the baseline) gave: its figures, or the error that stopped it.

    ``status`` is ``ok`` or ``failed`` (then only ``error``, and where known ``seconds`` and
    ``worker``, are set). ``figures`` are the Summary figures (``FIGURES``); ``tasks`` per task
    its required and missing unit-periods and coverage; ``reused`` says why a variant took
    the baseline's figures without a solve (empty when it was solved). ``plan`` is kept for
    the baseline only (the variants start from it).

    Read access by key (``result["figures"]``, ``result.get("reused")``) is kept for callers
    that treat a result as a record; a field that is None reads as absent.
    """

    status: str
    error: str | None = None
    figures: dict | None = None
    tasks: dict | None = None
    solve_status: str | None = None
    solver: str | None = None
    solver_version: str | None = None
    gap: float | None = None
    solve_s: float | None = None
    pledges_used: list[str] | None = None
    applied: list[str] | None = None
    cache: str | None = None  # hit, miss or off
    seconds: float | None = None  # wall time of the worker call
    worker: str | None = None  # host:pid that solved it
    reused: str = ""
    plan: object | None = None

    @classmethod
    def failure(cls, error: str, **more) -> "VariantResult":
        return cls("failed", error=error, **more)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def __getitem__(self, key: str):
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        value = getattr(self, key, None) if key in _FIELDS else None
        return default if value is None else value


_FIELDS = frozenset(f.name for f in fields(VariantResult))


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


def grid_of_input(specs, tables: dict, file: str = "") -> list[Variant]:
    """``grid(specs)``, after checking each axis against the input's tables.

    Unknown sheets, columns and keys are usage errors, found before any solve; a value
    the column refuses is not (it is recorded with the variants that use it).
    """
    from ..whatif import apply_changes

    axes = [parse_grid_spec(s) for s in specs]
    out = grid(axes)
    for a in axes:
        try:
            apply_changes(tables, [Change(a.sheet, a.key, a.column, a.values[0], source=f"--set {a.head}")],
                          file=file)
        except InputError:
            pass
    return out


def apply_variant(tables: dict, variant: Variant, file: str = "") -> tuple[Problem, list[str]]:
    """The variant's Problem, built from a copy of the raw tables, and the log of what changed."""
    from ..validate import Table
    from ..whatif import apply_changes

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
