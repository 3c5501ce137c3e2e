#!/usr/bin/env python
"""Run-to-run variability: forcegen against the naive formulation over several solver seeds.

    python benchmarks/seeds.py [--instances baseline,f2-small-sparse,...] [--seeds 0,1,2]
                               [--time-limit 300] [--skip 'baseline/naive']
                               [--out benchmarks/RESULTS-seeds.md]

HiGHS's branch and bound takes other paths with another ``random_seed``; on a level whose
proof is long (contributions, above all) one seed can take twice as long as another, for
either formulation. One run per formulation, as ``run.py`` makes, can then put the ratio on
either side of 1. This script solves every instance with both formulations once per seed,
each solve a child process of ``run.py`` (the same options, the same hard timeout, the
plan checked by the verifier), one at a time, and reports the median, least and most
seconds of each formulation, the ratio of the medians and the median of each level.
A seed is a solver option (``PlanOptions.seed``); the instance is the same file every time.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the runner: its child, instances and facts)

DEFAULT_INSTANCES = "baseline,f2-small-sparse,f2-many-small-tasks,f2-small-sparse+rules"


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}" if v < 10 else f"{v:.1f}"


def summary(records: list[dict]) -> dict:
    """Median, least and most total seconds over the seeds; None where a run did not end optimal."""
    times = [r.get("total_s") for r in records]
    optimal = [r.get("status") == "optimal" and t is not None for r, t in zip(records, times)]
    done = [t for t, ok in zip(times, optimal) if ok]
    levels = {}
    for name in run.LEVELS:
        secs = [r["levels"][name]["seconds"] for r in records if name in r.get("levels", {})]
        levels[name] = statistics.median(secs) if secs else None
    return {"runs": len(records), "optimal": sum(optimal),
            "median": statistics.median(done) if len(done) == len(records) and done else None,
            "least": min(done) if done else None, "most": max(done) if len(done) == len(records) and done else None,
            "times": times, "levels": levels,
            "verified": all(r.get("verify", {}).get("ok", False) for r in records)}


def write(out: Path, meta: dict, facts: dict, table: dict) -> None:
    lines = ["# Run-to-run variability: forcegen against the naive formulation over solver seeds", "",
             f"- date: {meta['date']}",
             f"- machine: {meta['machine']['platform']}; CPU {meta['machine']['cpu']}; "
             f"{meta['machine']['cpus']} logical CPUs; RAM {meta['machine']['ram_gb']} GB",
             "- " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()),
             f"- command: `{meta['command']}`",
             f"- time limit per solve (all levels): {meta['time_limit']:.0f} s; seeds {meta['seeds']}; one solve at a "
             "time, each a child process of `run.py` (options as `forcegen plan`, threads 1)",
             f"- total wall time: {meta.get('elapsed_s', 0):.0f} s"]
    if meta.get("skipped"):
        lines.append(f"- skipped: {', '.join(meta['skipped'])}")
    lines += ["",
             "Seconds are build + all levels (`total_s` of `run.py`). median / least–most over the seeds, "
             "given only when every seed ended optimal (else the count of optimal runs). "
             "naive/forcegen is the ratio of the medians.", "",
             "| instance | forcegen median s (least–most) | naive median s (least–most) | naive/forcegen | "
             "per seed: forcegen | per seed: naive | verified |",
             "|---|---|---|---|---|---|---|"]
    for inst, by_form in table.items():
        d, n = by_form.get("default"), by_form.get("naive")

        def cell(s):
            if s is None:
                return "—"
            if s["median"] is None:
                return f"{s['optimal']} of {s['runs']} optimal"
            return f"{_fmt(s['median'])} ({_fmt(s['least'])}–{_fmt(s['most'])})"

        ratio = "—"
        if d and n and d["median"] and n["median"]:
            ratio = f"{n['median'] / d['median']:.2f}×"
        seeds = lambda s: "—" if s is None else ", ".join(_fmt(t) for t in s["times"])  # noqa: E731
        ok = all(s["verified"] for s in (d, n) if s)
        lines.append(f"| {inst} | {cell(d)} | {cell(n)} | {ratio} | {seeds(d)} | {seeds(n)} | "
                     f"{'all' if ok else 'NOT ALL'} |")
    lines += ["", "Median seconds of each level over the seeds:", "",
              "| instance | formulation | " + " | ".join(run.LEVEL_LABEL[lv] for lv in run.LEVELS) + " |",
              "|---|---|" + "---|" * len(run.LEVELS)]
    for inst, by_form in table.items():
        for form, s in by_form.items():
            lines.append(f"| {inst} | {form} | " + " | ".join(_fmt(s["levels"][lv]) for lv in run.LEVELS) + " |")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "facts": facts, "table": table}, indent=1),
                                        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", default=DEFAULT_INSTANCES)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--formulations", default="default,naive")
    ap.add_argument("--skip", action="append", default=[], metavar="PATTERN",
                    help="skip INSTANCE/FORMULATION matching this glob (repeatable), e.g. 'baseline/naive'")
    ap.add_argument("--wave2-data", default=str(run.WAVE2_DATA))
    ap.add_argument("--out", default=str(HERE / "RESULTS-seeds.md"))
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    forms = [f.strip() for f in args.formulations.split(",") if f.strip()]
    run.become_subreaper()
    started = time.perf_counter()
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": run.machine(),
            "versions": run.versions(), "time_limit": args.time_limit, "seeds": seeds,
            "command": "python " + " ".join(shlex.quote(a) for a in ["benchmarks/seeds.py"] + argv),
            "skipped": args.skip}
    facts, table = {}, {}
    for inst in run.select_instances(args.instances):
        path = run.instance_path(inst, 1, False, Path(args.wave2_data))
        facts[inst] = run.instance_facts(path) | {"file": os.path.relpath(path, run.REPO)}
        table[inst] = {}
        for form in forms:
            if any(fnmatch.fnmatchcase(f"{inst}/{form}", p) for p in args.skip):
                continue
            records = []
            for seed in seeds:
                spec = {"input": str(path), "solver": "highs", "formulation": form, "time_limit": args.time_limit,
                        "seed": seed, "gap": 0.0, "verify": True}
                rec = run.run_one(spec, args.time_limit * 1.5 + 30, f"{inst}/{form}/seed {seed}")
                print(f"{inst}/{form}/seed {seed}: {rec.get('status')} {_fmt(rec.get('total_s'))} s", flush=True)
                records.append(rec)
            table[inst][form] = summary(records)
            meta["elapsed_s"] = time.perf_counter() - started
            write(Path(args.out), meta, facts, table)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
