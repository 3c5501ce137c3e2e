"""Wall time of a leave-one-out sweep with 1 and 2 local workers and on a Dask LocalCluster.

    python benchmarks/sweep.py [--input inputs/baseline-core.xlsx] [--kind leave-one-out]
                               [--time-limit 120] [--runs local1,local2,dask2]
                               [--out benchmarks/SWEEP_RESULTS.md]

Each run solves the baseline and every variant once (HiGHS, 1 thread per
variant), through the same ``forcegen.sweep.sweep_input`` the CLI uses. The
figures are written with the machine and versions; the rankings of the runs
must agree (the solver is deterministic), which the script checks.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(name: str, input_path: Path, kind: str, time_limit: float | None):
    from forcegen.model.solve import PlanOptions
    from forcegen.sweep import make_executor, sweep_input

    options = PlanOptions(solver="highs", time_limit=time_limit, threads=1)
    cluster = None
    t0 = time.perf_counter()
    if name.startswith("dask"):
        from dask.distributed import LocalCluster

        workers = int(name[4:] or 2)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        handle = make_executor(scheduler=cluster.scheduler_address)
    else:
        handle = make_executor(workers=int(name[5:] or 1), threads=1)
    try:
        with handle:
            result = sweep_input(input_path, kind, handle, options)
    finally:
        if cluster is not None:
            cluster.close()
    wall = time.perf_counter() - t0
    solved = [r for r in result.results if r is not None and not r.get("reused")]
    seconds = sorted(r.get("seconds", 0.0) for r in solved if r.get("seconds") is not None)
    median = seconds[len(seconds) // 2] if seconds else None
    ranked = result.ranking()
    ranking = [str(v) for v in ranked.iloc[:5, 1]] if len(ranked.columns) > 1 else []
    return {"run": name, "wall_s": wall, "variants": result.total, "solved": len(solved),
            "failed": result.failed, "median_variant_s": median, "executor": handle.description,
            "top": ranking}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=ROOT / "inputs" / "baseline-core.xlsx")
    ap.add_argument("--kind", default="leave-one-out")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--runs", default="local1,local2,dask2")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "SWEEP_RESULTS.md")
    args = ap.parse_args(argv)
    rows = []
    for name in args.runs.split(","):
        print(f"{name} …", flush=True)
        row = run_once(name, args.input, args.kind, args.time_limit)
        print(f"  {row['wall_s']:.0f} s wall, {row['solved']} solved of {row['variants']}, "
              f"median variant {row['median_variant_s']:.1f} s, top {row['top'][:3]}", flush=True)
        rows.append(row)
    import forcegen

    base = rows[0]["wall_s"]
    agree = all(r["top"] == rows[0]["top"] for r in rows)
    lines = [
        "# Sweep benchmark",
        "",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.platform()}; {os.cpu_count()} logical CPUs; Python {sys.version.split()[0]}; "
        f"forcegen {forcegen.__version__}",
        f"- command: `python benchmarks/sweep.py {' '.join(argv or sys.argv[1:])}`",
        f"- input: {args.input.relative_to(ROOT) if args.input.is_relative_to(ROOT) else args.input}; "
        f"kind {args.kind}; HiGHS, 1 thread per variant; time limit {args.time_limit} s per solve",
        "",
        "| run | executor | variants | solved | failed | median variant s | wall s | speed-up vs first |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['run']} | {r['executor']} | {r['variants']} | {r['solved']} | {r['failed']} | "
                     f"{r['median_variant_s']:.1f} | {r['wall_s']:.0f} | {base / r['wall_s']:.2f}× |")
    lines += ["", f"Top of the ranking ({'the same in every run' if agree else 'DIFFERS between runs'}): "
              + ", ".join(str(t) for t in rows[0]["top"])]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
