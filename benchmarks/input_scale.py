"""How long `forcegen validate` takes, and how much memory, on a very large input workbook.

Generates (seeded, byte for byte the same each time) a valid workbook of 1,000 nations,
200 capabilities, 500 tasks and 20,000 pledges (with locations, basing, requirements and
caveats to match), and a copy of it with thousands of errors; then runs
``forcegen validate`` on each in a child process, several times, and reports the wall
seconds and the child's peak resident memory (``ru_maxrss`` from ``os.wait4``).

    python benchmarks/input_scale.py                      # both workbooks, 3 runs each
    python benchmarks/input_scale.py --runs 5 --errors 5000
    python benchmarks/input_scale.py --keep /tmp/scale    # keep the workbooks there

Targets (issue 11): the valid workbook validates in <= 5 s with <= 1 GB peak memory;
the invalid one lists its problems capped (the first 200, then a count).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import xlsxwriter

from forcegen.schema import DOMAINS, LOCATION_KINDS, PILLARS, SHEETS

TARGET_SECONDS = 5.0
TARGET_MB = 1024.0

SIZES = {"nations": 1_000, "capabilities": 200, "locations": 100, "tasks": 500, "pledges": 20_000,
         "caveats": 1_000, "horizon": 24}
COUNTRIES = ("UKR", "POL", "ROU", "MDA", "SVK", "LTU", "BGR", "HUN", "DEU", "GBR", "---")


def rows(seed: int = 1) -> dict[str, list[dict]]:
    """The valid large workbook's rows, sheet -> list of row dicts."""
    rng = random.Random(f"input-scale:{seed}")
    n = SIZES
    H = n["horizon"]
    nations = [f"N{i:04d}" for i in range(n["nations"])]
    caps = [f"C{i:03d}" for i in range(n["capabilities"])]
    locs = [f"L{i:03d}" for i in range(n["locations"])]
    tasks = [f"T{i:03d}" for i in range(n["tasks"])]
    out: dict[str, list[dict]] = {
        "Scenario": [
            {"parameter": "name", "value": "input scale benchmark (synthetic)"},
            {"parameter": "horizon", "value": H},
            {"parameter": "ceasefire", "value": "yes"},
            {"parameter": "include_conditional", "value": "yes"},
            {"parameter": "lead_min_share", "value": 0.25},
            {"parameter": "currency", "value": "EUR"},
        ],
        "Nations": [{"nation": x, "name": f"Nation {i}", "european": rng.choice(("yes", "no")),
                     "fair_share": round(1 / n["nations"], 6)} for i, x in enumerate(nations)],
        "Capabilities": [{"capability": x, "name": f"Capability {i}", "domain": rng.choice(DOMAINS),
                          "unit": "company", "personnel_per_unit": rng.randint(0, 250)}
                         for i, x in enumerate(caps)],
        "Locations": [{"location": x, "name": f"Location {i}", "country": rng.choice(COUNTRIES),
                       "kind": rng.choice(LOCATION_KINDS),
                       "personnel_capacity": rng.choice((None, rng.randint(500, 20_000))),
                       "latitude": round(rng.uniform(40, 55), 4), "longitude": round(rng.uniform(15, 40), 4)}
                      for i, x in enumerate(locs)],
        "Tasks": [], "Basing": [], "Requirements": [], "Pledges": [], "Caveats": [],
    }
    for i, t in enumerate(tasks):
        start = rng.randint(1, H // 2)
        out["Tasks"].append({"task": t, "name": f"Task {i}", "pillar": rng.choice(PILLARS),
                             "priority": rng.randint(1, 5), "start_period": start,
                             "end_period": rng.randint(start, H), "requires_ceasefire": rng.choice(("yes", "no")),
                             "lead": rng.choice(("european", "any", "none")), "min_nations": rng.randint(1, 3),
                             "max_nation_share": rng.choice((1, 0.5, 0.6, 0.75, 0.142857)), "active": "yes"})
        for loc in rng.sample(locs, rng.randint(1, 3)):
            out["Basing"].append({"task": t, "location": loc})
        for cap in rng.sample(caps, rng.randint(1, 4)):
            out["Requirements"].append({"task": t, "capability": cap, "units": rng.randint(1, 12),
                                        "weight": rng.choice((1, 1, 0.5, 2, 1.25))})
    for i in range(n["pledges"]):
        first = rng.randint(1, H)
        out["Pledges"].append({
            "pledge": f"P{i:05d}", "nation": rng.choice(nations), "capability": rng.choice(caps),
            "units": rng.randint(0, 8), "from_period": first, "to_period": rng.randint(first, H),
            "cost_per_unit": round(rng.uniform(0, 5000), 2), "status": rng.choice(("firm", "firm", "conditional")),
            "probability": rng.choice((None, 0.5, 0.8, 0.95))})
    for _ in range(n["caveats"]):
        rule = rng.choice(("forbid", "only", "max_personnel"))
        row = {"nation": rng.choice(nations), "rule": rule, "country": None, "domain": None, "capability": None,
               "pillar": None, "task": None, "limit": rng.randint(0, 5000) if rule == "max_personnel" else None,
               "note": "synthetic"}
        key = rng.choice(("country", "domain", "capability", "pillar", "task"))
        row[key] = {"country": lambda: rng.choice(COUNTRIES[:-1]), "domain": lambda: rng.choice(DOMAINS),
                    "capability": lambda: rng.choice(caps), "pillar": lambda: rng.choice(PILLARS),
                    "task": lambda: rng.choice(tasks)}[key]()
        out["Caveats"].append(row)
    return out


def with_errors(data: dict[str, list[dict]], count: int, seed: int = 1) -> dict[str, list[dict]]:
    """A copy with ``count`` bad cells in the Pledges sheet (units, costs, nations, periods)."""
    rng = random.Random(f"input-scale-errors:{seed}")
    bad = {k: [dict(r) for r in v] for k, v in data.items()}
    kinds = (("units", "many"), ("cost_per_unit", -1), ("nation", "ZZZ"), ("from_period", 0), ("status", "maybe"))
    for i in rng.sample(range(len(bad["Pledges"])), count):
        column, value = kinds[i % len(kinds)]
        bad["Pledges"][i][column] = value
    return bad


def write(data: dict[str, list[dict]], path: Path) -> Path:
    """Write the rows with XlsxWriter (streamed, a fixed creation time so the bytes repeat)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": datetime(2026, 1, 1)})
    for sheet in SHEETS:
        ws = wb.add_worksheet(sheet.name)
        cols = ["parameter", "value"] if sheet.key_value else [c.name for c in sheet.columns]
        ws.write_row(0, 0, cols)
        for r, row in enumerate(data[sheet.name], start=1):
            for c, col in enumerate(cols):
                value = row.get(col)
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return path


def measure(path: Path) -> tuple[float, float, float, int, list[str]]:
    """One ``forcegen validate`` in a child process: (wall s, CPU s, peak RSS MB, exit status, stderr lines).

    The CPU seconds (user + system) hardly depend on what else the machine is doing; the
    wall seconds do, so both are reported.
    """
    err = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "from forcegen.cli import cli; cli()", "validate", str(path)],
                            stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    lines = err.read().decode("utf-8", "replace").splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, proc.returncode, lines  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of validate per workbook (default 3)")
    ap.add_argument("--errors", type=int, default=5000, help="bad cells in the invalid workbook (default 5000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the generated workbooks in")
    args = ap.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="forcegen-scale-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        data = rows(args.seed)
        valid = write(data, folder / "scale-valid.xlsx")
        invalid = write(with_errors(data, args.errors, args.seed), folder / "scale-errors.xlsx")
        print(f"generated in {time.perf_counter() - t0:.1f} s: " + ", ".join(
            f"{len(v):,} {k.lower()}" for k, v in data.items() if k != "Scenario")
            + f"; {valid.stat().st_size / 2**20:.1f} MB", flush=True)
        ok = True
        for label, path, want in (("valid", valid, 0), (f"{args.errors:,} errors", invalid, 2)):
            walls, cpus, peaks = [], [], []
            for _ in range(args.runs):
                wall, cpu, peak, code, lines = measure(path)
                walls.append(wall)
                cpus.append(cpu)
                peaks.append(peak)
                if code != want:
                    print(f"  !! {label}: exit status {code}, expected {want}: {lines[-3:]}")
                    ok = False
            last = lines[-1] if lines else ""
            print(f"{label:>14}: wall {statistics.median(walls):.2f} s median (min {min(walls):.2f}, "
                  f"max {max(walls):.2f}) over {args.runs} runs; CPU {statistics.median(cpus):.2f} s median; "
                  f"peak RSS {max(peaks):.0f} MB; "
                  f"{len(lines)} stderr lines; last: {last}", flush=True)
            if label == "valid":
                met = statistics.median(walls) <= TARGET_SECONDS and max(peaks) <= TARGET_MB
                print(f"{'':>14}  target <= {TARGET_SECONDS:.0f} s and <= {TARGET_MB:.0f} MB: "
                      f"{'met' if met else 'NOT met'}")
                ok = ok and met
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
