"""A small solver-neutral mixed-integer linear model.

``build.py`` fills one of these; each backend in ``backends.py`` translates it
into its own solver's form. Keeping the model as plain arrays makes the three
backends small, lets the lexicographic driver add "hold" rows between levels
the same way for all of them, and lets tests inspect constraint names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .tuning import EXACT, FEASIBILITY

INF = float("inf")


@dataclass
class Row:
    """lo ≤ Σ coefs·x[cols] ≤ hi, named after its rule family and keys."""

    name: str
    cols: list[int]
    coefs: list[float]
    lo: float
    hi: float

    def activity(self, values) -> float:
        """Σ coefs·values[cols] for a plan."""
        return sum(values[c] * a for c, a in zip(self.cols, self.coefs))


@dataclass
class Objective:
    """minimize constant + Σ coefs·x[cols]."""

    name: str
    cols: list[int]
    coefs: list[float]
    constant: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.cols

    def value(self, values) -> float:
        """Σ coefs·values[cols]: the objective of a plan, without the constant."""
        return sum(values[c] * v for c, v in zip(self.cols, self.coefs))


@dataclass
class LinearModel:
    names: list[str] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def add_var(self, name: str, lb: float, ub: float, integer: bool = True) -> int:
        self.names.append(name)
        self.lb.append(float(lb))
        self.ub.append(float(ub))
        self.integer.append(integer)
        return len(self.names) - 1

    def add_row(self, name: str, terms: dict[int, float] | list[tuple[int, float]], lo: float = -INF,
                hi: float = INF) -> Row | None:
        """Add a row; terms with zero coefficient are dropped; an empty row is skipped."""
        items = terms.items() if isinstance(terms, dict) else terms
        cols, coefs = [], []
        for c, v in items:
            if v != 0:
                cols.append(c)
                coefs.append(float(v))
        if not cols:
            return None
        row = Row(name, cols, coefs, float(lo), float(hi))
        self.rows.append(row)
        return row

    @property
    def num_vars(self) -> int:
        return len(self.names)

    def row_families(self) -> dict[str, int]:
        """Number of rows per rule family (the part of the name before '[')."""
        out: dict[str, int] = {}
        for r in self.rows:
            fam = r.name.split("[", 1)[0]
            out[fam] = out.get(fam, 0) + 1
        return out


def integer_scale(values, limit: int = 10**6) -> int:
    """Smallest power of ten m ≤ limit with every value·m integral (within ``EXACT``), else ``limit``."""
    m = 1
    while m <= limit:
        if all(abs(v * m - round(v * m)) <= EXACT * max(1.0, abs(v * m)) for v in values):
            return m
        m *= 10
    return limit


def violations(model: LinearModel, rows: list[Row], values, tol: float = FEASIBILITY) -> int:
    """How many column bounds of ``model`` and ``rows`` a plan breaks (relative tolerance ``tol``)."""
    bad = 0
    for c, v in enumerate(values):
        if v < model.lb[c] - tol or v > model.ub[c] + tol:
            bad += 1
    for row in rows:
        act = row.activity(values)
        scale = tol * max(1.0, abs(act))
        if act < row.lo - scale or act > row.hi + scale:
            bad += 1
    return bad
