#!/usr/bin/env python
"""Build the bundled baseline workbook from the CSV files of the shared data.

Reads one CSV per input sheet (file name = sheet name in lower case) from
``../shared/data/baseline-wave2`` (relative to the repository root; ``--data`` to
change it): the baseline scenario with the facts of every rule of SPEC section 5.
Converts every cell according to its schema column (whole numbers as ints,
decimals as floats, blanks as empty cells, the rest as text), writes
``inputs/baseline.xlsx`` through ``forcegen.workbook.template.write_input_workbook``
with a ``Notes`` sheet on the scenario and its sources, copies it byte for byte
to ``src/forcegen/data/baseline.xlsx`` (shipped inside the package), and checks
that it validates. The same scenario without section 5 (``../shared/data/baseline``)
is written beside it as ``inputs/baseline-core.xlsx``.

The output is deterministic: the same CSV files give the same bytes.

    python scripts/build_baseline.py            # rebuild the files (and inputs/baseline-core.xlsx)
    python scripts/build_baseline.py --check    # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from forcegen.errors import InputError
from forcegen.schema import SHEETS, Column
from forcegen.validate import convert, is_blank
from forcegen.workbook.read import read_problem
from forcegen.workbook.template import write_input_workbook

REPO = Path(__file__).resolve().parents[1]
#: the bundled baseline: the scenario with the facts of SPEC section 5 (every rule on)
WAVE2_DATA = REPO.parent / "shared" / "data" / "baseline-wave2"
DEFAULT_DATA = WAVE2_DATA
OUTPUTS = (REPO / "inputs" / "baseline.xlsx", REPO / "src" / "forcegen" / "data" / "baseline.xlsx")
#: the same scenario without SPEC section 5 (sections 1-4 only), written beside the bundled baseline
CORE_DATA = REPO.parent / "shared" / "data" / "baseline"
CORE_OUTPUTS = (REPO / "inputs" / "baseline-core.xlsx",)
#: fixed document creation time, so that the workbook's bytes are reproducible
CREATED = datetime(2026, 1, 6, 12, 0, 0)

NOTES = [
    "Baseline scenario: the illustrative Paris-declaration coalition force",
    "This workbook is the illustrative baseline of the coalition force under the Paris declaration "
    "(a European-led Multinational Force for Ukraine, MFU, with US-led ceasefire monitoring).",
    "ILLUSTRATIVE, NOT OFFICIAL. No official list of members or contributions exists: membership and every "
    "figure here (which nation offers which units and how many, personnel per unit, cost per unit-month in "
    "thousands of EUR, location capacities, task requirements and priorities, fair_share keys) are planning "
    "assumptions built from public reporting in 2025-2026.",
    "In short: about 35 countries signed the Paris declaration; the MFU deploys only at Ukraine's request after a "
    "credible cessation of hostilities; France and the United Kingdom would provide the core of a 15,000-30,000 "
    "force, subject to parliamentary votes; several nations offer bases, logistics, training or ships but no troops "
    "in Ukraine; the United States leads monitoring without troops on the ground.",
    "How the figures are encoded: a period is one month after the ceasefire (horizon 12); pledges awaiting a "
    "parliament are conditional (probability 0.5 in reliability sweeps); national restrictions are Caveats rows; "
    "a pledged unit is one sustained deployed slot (about three units in the national inventory by the rule of thirds).",
    "",
    "Public facts the scenario rests on (one per line):",
    "Paris declaration \"Robust Security Guarantees for a Solid and Lasting Peace in Ukraine\": about 35 countries.",
    "Pillar 1: US-led ceasefire monitoring and verification with a Special Commission (drones, sensors, satellites; "
    "no US troops on the ground).",
    "Pillar 2: long-term support to Ukraine's forces (defence packages, depots for rapid resupply, help with "
    "fortifications).",
    "Pillar 3: a European-led Multinational Force for Ukraine on land, in the air and at sea, launched only at "
    "Ukraine's request once a credible cessation of hostilities is in place.",
    "Pillar 4: national pledges for the case of a future attack.",
    "Pillar 5: deeper defence cooperation and a coordination cell at the coalition's headquarters in Paris.",
    "France, the United Kingdom and Ukraine signed a declaration of intent to deploy forces; reported force size "
    "15,000-30,000.",
    "The United Kingdom reportedly provides about half of a 15,000 force, France \"several thousand\"; both need "
    "parliamentary votes.",
    "Germany would contribute to monitoring with a contingent based in a neighbouring NATO state, not in Ukraine, "
    "subject to a Bundestag mandate.",
    "Italy: finance and training, no troops.",
    "Poland: no troops; logistics hub.",
    "Romania: bases, a logistics hub and training; no troops.",
    "Bulgaria: minesweepers and airfields.",
    "Turkiye: leads the Black Sea mine-countermeasures group and reportedly the maritime component.",
    "Estonia: a company-sized unit plus instructors and staff.",
    "Croatia and Spain: no troops.",
    "Finland keeps its forces at home.",
    "Canada, Australia, Belgium, the Netherlands, Sweden, Ireland: contributions possible, subject to national "
    "approval.",
    "Outside the coalition: Hungary, Slovakia; neutral Austria, Malta, Switzerland.",
    "NATO force generation: a Combined Joint Statement of Requirements (CJSOR), force generation conferences, "
    "shortfalls, national caveats (geographic, functional, temporal), framework / lead nation.",
    "Rotation: about three units per sustained deployed slot (the \"rule of thirds\"); NATO Force Model readiness "
    "tiers of 10, 30 and 180 days.",
    "Montreux Convention, peacetime limits for non-Black-Sea states' warships: at most 30,000 t per state and "
    "45,000 t in all in the Black Sea, at most 21 days' stay, light surface ships only.",
    "Since February 2022 Turkiye applies Article 19 of the Montreux Convention (straits closed to warships of "
    "states at war).",
]


class DataError(Exception):
    """A CSV file that does not fit the schema."""


def read_rows(data: Path) -> dict[str, list[dict[str, object]]]:
    """The CSV files as typed rows per sheet, in schema order."""
    rows: dict[str, list[dict[str, object]]] = {}
    for sheet in SHEETS:
        path = data / f"{sheet.name.lower()}.csv"
        if not path.is_file():
            raise DataError(f"{path}: missing (one CSV per sheet: {', '.join(s.name.lower() + '.csv' for s in SHEETS)})")
        params = {p.name: p for p in sheet.parameters}
        known = {c.name: c for c in sheet.columns}
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            for h in header:
                if h not in known:  # a column of a rule not built yet (SPEC section 5): left out
                    warn(f"{path.name}: column {h} skipped (not in this version's schema)")
            reader.fieldnames = header
            records = []
            for line in reader:
                if None in line:
                    raise DataError(f"{path} line {reader.line_num}: more cells than header columns")
                if all(is_blank(v) for v in line.values()):
                    continue
                line = {k: v for k, v in line.items() if k in known}
                if sheet.key_value:
                    name = str(line.get("parameter") or "").strip().lower()
                    if name not in params:
                        warn(f"{path.name}: parameter {name} skipped (not in this version's schema)")
                        continue
                record: dict[str, object] = {}
                for name, raw in line.items():
                    col = known[name]
                    if sheet.key_value and name == "value":
                        col = params.get(str(line.get("parameter") or "").strip().lower(), col)
                    record[name] = typed(col, raw, f"{path} line {reader.line_num}, {name}")
                records.append(record)
        rows[sheet.name] = records
    return rows


def warn(message: str) -> None:
    """One line on stderr for what the build leaves out."""
    print(f"warning: {message}", file=sys.stderr)


def typed(col: Column, raw: str | None, where: str) -> object:
    """One CSV cell as the value to write: int, float, text or None (blank)."""
    if raw is None or is_blank(raw):
        return None
    text = raw.strip()
    if col.kind in ("int", "number"):
        value, error = convert(col, text)
        if error:
            raise DataError(f"{where}: {error}")
        return value
    if col.kind == "yesno":
        value, error = convert(col, text)
        if error:
            raise DataError(f"{where}: {error}")
        return "yes" if value else "no"
    return text


WAVE2_NOTES = [
    "Section 5 rules (this workbook, built from baseline-wave2): every rule of SPEC section 5 is on. Sustainment: 40 t of "
    "supply a day per 1,000 personnel from sources within 300 km (host-nation support, large at the Polish and "
    "Romanian hubs and low inside Ukraine, and depot units of 300 t a day); lift: 4,000 personnel a month by "
    "surface and charter plus 1,500 per airlift detachment; rotation: tour and dwell on a few held pledges; "
    "Montreux: the straits closed to non-Black-Sea states' warships, as today.",
    "",
]


def build(data: Path, out: Path) -> None:
    """Write the baseline workbook built from ``data`` to ``out``."""
    notes = NOTES[:2] + WAVE2_NOTES + NOTES[2:] if data.name == WAVE2_DATA.name else NOTES
    write_input_workbook(out, read_rows(data), notes, created=CREATED)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help=f"folder of the baseline CSV files (default: {DEFAULT_DATA})")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the committed workbooks differ from a fresh build")
    args = ap.parse_args(argv)
    builds = [(args.data, OUTPUTS)]
    if args.data == DEFAULT_DATA and CORE_DATA.is_dir():
        builds.append((CORE_DATA, CORE_OUTPUTS))
    stale = []
    for data, outputs in builds:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp) / "baseline.xlsx"
                build(data, fresh)
                problem = read_problem(fresh)
                if args.check:
                    stale += [p for p in outputs if not p.is_file() or p.read_bytes() != fresh.read_bytes()]
                    continue
                for p in outputs:
                    p.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(fresh, p)
                    print(f"wrote {p.relative_to(REPO)}")
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except InputError as exc:
            for issue in exc.issues:
                print(f"invalid baseline: {issue}", file=sys.stderr)
            return 2
        print(f"valid ({data.name}): {len(problem.nations)} nations, {len(problem.capabilities)} capabilities, "
              f"{len(problem.locations)} locations, {len(problem.tasks)} tasks, {len(problem.pledges)} pledges, "
              f"{len(problem.caveats)} caveats, horizon {problem.scenario.horizon}")
    for p in stale:
        print(f"out of date: {p.relative_to(REPO)} (run scripts/build_baseline.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
