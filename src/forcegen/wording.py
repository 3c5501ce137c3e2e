"""How the outputs write periods, counts and amounts in words: "periods 1-3, 6", "2 batteries",
"0.33", "4,000". The report's tables and the shortfall reasons (``diagnosis.py``) both use them."""

from __future__ import annotations


def compact_periods(periods) -> str:
    """Sorted whole numbers as ranges: [1, 2, 3, 6] -> "1-3, 6"; empty -> ""."""
    ps = sorted(set(int(p) for p in periods))
    parts: list[str] = []
    i = 0
    while i < len(ps):
        j = i
        while j + 1 < len(ps) and ps[j + 1] == ps[j] + 1:
            j += 1
        parts.append(str(ps[i]) if i == j else f"{ps[i]}-{ps[j]}")
        i = j + 1
    return ", ".join(parts)


def periods_phrase(periods) -> str:
    """"period 2", "periods 1-3, 6"."""
    ps = sorted(set(periods))
    return ("period " if len(ps) == 1 else "periods ") + compact_periods(ps)


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    return word if n == 1 else (plural_form or word + "s")


def units_phrase(n: int, unit: str) -> str:
    """3 companies, 1 ship, 2 batteries."""
    if n == 1 or not unit:
        return f"{n} {unit}".strip()
    if unit.endswith("y") and unit[-2:-1] not in "aeiou":
        return f"{n} {unit[:-1]}ies"
    if unit.endswith(("s", "x", "ch", "sh")):
        return f"{n} {unit}es"
    return f"{n} {unit}s"


def figure(x: float) -> str:
    """0.333… -> 0.33, 1.0 -> 1, 2.5 -> 2.5."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def amount(n) -> str:
    """4000 -> "4,000"; 33.5 -> "33.5"; 8.4 -> "8.4"."""
    x = float(n)
    return f"{int(round(x)):,}" if abs(x - round(x)) < 1e-9 else f"{x:,.6g}"
