#!/usr/bin/env python
"""What-if and sweep against one plan: issue 12's reuse targets, measured as a planner runs them.

    python benchmarks/reuse.py [--instance baseline] [--drop-nation DEU] [--workers 2]
                               [--time-limit S] [--timeout 3600] [--no-whatif] [--no-sweep]
                               [--keep DIR] [--out benchmarks/RESULTS-reuse.md]
    python benchmarks/reuse.py --render benchmarks/RESULTS-reuse.json

In a fresh working folder (a temporary one, or ``--keep DIR``), with the instance copied
into it, three ``forcegen`` commands run one after another, each as a child process:

1. ``forcegen plan INPUT -o plan.xlsx``: the cache ``outputs/.cache`` is empty, so the
   baseline is solved and (when every level is optimal) stored;
2. ``forcegen whatif INPUT --drop-nation DEU -o whatif.xlsx``: the baseline should come
   from the cache, the variant is solved;
3. ``forcegen sweep INPUT --kind leave-one-out --workers 2 -o sweep.xlsx``, after the cache
   folder is put back as the plan left it (the what-if's entries removed), so that it too
   runs with the cache holding the baseline and nothing else.

Each command's wall time (start to exit, Python start-up included) and CPU time (user +
system of the command and of every process it waited for, such as the sweep's workers:
``os.wait4``) are recorded, with its peak resident memory. The report gives what-if/plan and
sweep/plan, wall and CPU, against the targets of issue 12 (≤ 0.5× and ≤ 3×, judged on wall
time), and whether each baseline came from the cache, read from the workbooks' Summary
(plan: the ``cache`` row; what-if: the ``cache`` column of its Runs sheet; sweep: the ``cache`` row).

The Markdown report (default ``benchmarks/RESULTS-reuse.md``) opens with the machine and
versions as ``RESULTS.md`` does (``run.machine``/``run.versions``); the raw figures go next to
it as ``.json`` (re-render with ``--render``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (the runner's helpers: instances, machine facts, process-group kill)

#: issue 12: a one-nation what-if, and a leave-one-out sweep, of the baseline run after a plan of it in the
#: same folder, as a multiple of that plan's time
TARGETS = {"whatif": 0.5, "sweep": 3.0}
CACHE = Path("outputs") / ".cache"


# ============================================================================ running
def forcegen_exe(given: str | None) -> str:
    if given:
        return given
    local = Path(sys.executable).parent / "forcegen"
    if local.exists():
        return str(local)
    found = shutil.which("forcegen")
    if not found:
        raise SystemExit("forcegen not found: install the project (pip install -e .) or pass --forcegen")
    return found


def run_command(name: str, argv: list[str], cwd: Path, timeout: float) -> dict:
    """Run one command in ``cwd`` as its own process group; wall time, CPU time and peak memory from
    ``os.wait4`` (which counts the descendants it waited for: a sweep's worker processes)."""
    log = cwd / f"{name}.log"
    print(f"-- {name}: {shlex.join(argv)}", flush=True)
    with open(log, "wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
        killed = False
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout and not killed:
                killed = True
                print(f"   {name}: timeout {timeout:.0f} s: killing process group {proc.pid}", flush=True)
                bench.kill_group(proc.pid)
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if killed:
        bench.reap_orphans()
    rec = {"step": name, "command": argv, "exit": proc.returncode, "killed": killed, "wall_s": wall,
           "cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
           "peak_mb": ru.ru_maxrss / 1024.0, "log": str(log)}
    tail = log.read_text(errors="replace").splitlines()
    rec["log_tail"] = tail[-15:]
    rec["cache_lines"] = [x.strip() for x in tail if "from cache" in x]
    print(f"   exit {rec['exit']}{' (killed)' if killed else ''}: wall {wall:.2f} s, CPU {rec['cpu_s']:.2f} s, "
          f"peak {rec['peak_mb']:.0f} MB", flush=True)
    for line in rec["cache_lines"]:
        print(f"   {line}", flush=True)
    if rec["exit"] != 0:
        print("   " + "\n   ".join(rec["log_tail"]), flush=True)
    return rec


def cache_entries(folder: Path) -> list[str]:
    d = folder / CACHE
    return sorted(p.name for p in d.glob("*.json")) if d.is_dir() else []


# ============================================================================ workbooks
def summary_rows(path: Path, sheet: str = "Summary") -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in wb[sheet].iter_rows(values_only=True)] if sheet in wb.sheetnames else []
    finally:
        wb.close()


def parameter(rows: list[tuple], name: str):
    """The value of a parameter row (``name``, value) of a Summary sheet (the first one: the notes come later)."""
    return next((r[1] for r in rows if r and r[0] == name), None)


def plan_facts(path: Path) -> dict:
    rows = summary_rows(path)
    levels = 0
    for i, r in enumerate(rows):
        if r and r[:3] == ("level", "name", "status"):
            levels = sum(1 for x in rows[i + 1:] if x and isinstance(x[0], (int, float)))
            break
    return {"status": parameter(rows, "status"), "cache": parameter(rows, "cache"),
            "runtime_s": parameter(rows, "runtime_s"), "levels": levels}


def whatif_facts(path: Path) -> dict:
    rows = summary_rows(path)
    out: dict = {}
    runs = summary_rows(path, "Runs") + rows  # the runs table has a sheet of its own (older workbooks: the Summary)
    for i, r in enumerate(runs):
        if r and r[0] == "run" and "cache" in r:
            col = {c: j for j, c in enumerate(r) if c}
            for x in runs[i + 1:]:
                if not x or x[0] not in ("baseline", "variant"):
                    break
                out[x[0]] = {"cache": x[col["cache"]], "status": x[col["status"]] if "status" in col else None}
            break
    moved = next((r for r in rows if r and r[0] == "changed_allocations"), None)  # figure, baseline, variant, delta
    out["changed_allocations"] = moved[3] if moved and len(moved) > 3 else None
    return out


def sweep_facts(path: Path) -> dict:
    rows = summary_rows(path)
    names = ("variants_total", "variants_done", "variants_failed", "variants_reused", "variants_not_run",
             "baseline_status", "baseline_runtime_s", "cache", "runtime_s", "executor")
    return {n: parameter(rows, n) for n in names}


def read_facts(step: str, path: Path) -> dict:
    if not path.exists():
        return {"error": f"{path.name} not written"}
    try:
        return {"plan": plan_facts, "whatif": whatif_facts, "sweep": sweep_facts}[step](path)
    except Exception as exc:  # a report that cannot be read is a finding, not a crash
        return {"error": f"{type(exc).__name__}: {exc}"}


# ============================================================================ instance
def resolve_instance(spec: str, seed: int) -> tuple[str, Path]:
    """A runner instance name (baseline, S, f2-small-sparse, baseline-wave2+rules …) or a path to a workbook."""
    p = Path(spec)
    if p.suffix.lower() == ".xlsx" or p.exists():
        if not p.exists():
            raise SystemExit(f"--instance {spec}: no such file")
        return p.stem, p.resolve()
    names = bench.select_instances(spec)
    if len(names) != 1:
        raise SystemExit(f"--instance {spec!r}: expected one instance, got {', '.join(names) or 'none'}")
    return names[0], bench.instance_path(names[0], seed, False)


def choose_nation(path: Path, wanted: str | None) -> tuple[str, str | None]:
    """The nation to drop: ``wanted`` (must be in the instance), else DEU, else the nation pledging the most
    personnel (units × personnel per unit); with a note when it is not what was asked for."""
    from forcegen.workbook.read import read_problem

    p = read_problem(path)
    ids = [n.id for n in p.nations]
    if wanted:
        if wanted not in ids:
            raise SystemExit(f"--drop-nation {wanted}: not a nation of {path.name} ({', '.join(ids)})")
        return wanted, None
    if "DEU" in ids:
        return "DEU", None
    ppu = {c.id: c.personnel_per_unit or 0 for c in p.capabilities}
    pledged: dict[str, float] = {}
    for pl in p.pledges:
        pledged[pl.nation] = pledged.get(pl.nation, 0) + (pl.units or 0) * ppu.get(pl.capability, 0)
    best = max(ids, key=lambda n: (pledged.get(n, 0), n))
    return best, f"no DEU in this instance: dropped {best}, the nation pledging the most personnel"


# ============================================================================ report
def _f(x, digits=2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def ratio(a: dict | None, b: dict | None, key: str) -> float | None:
    if not a or not b or a.get("exit") != 0 or b.get("exit") != 0 or not b.get(key):
        return None
    return a[key] / b[key]


def verdicts(data: dict) -> list[dict]:
    """One row per target: the ratios, whether they were measured under the target's conditions, met or not."""
    steps = {s["step"]: s for s in data["steps"]}
    plan = steps.get("plan")
    out = []
    for step in ("whatif", "sweep"):
        rec = steps.get(step)
        if rec is None:
            continue
        wall, cpu = ratio(rec, plan, "wall_s"), ratio(rec, plan, "cpu_s")
        problems = []
        pf = (plan or {}).get("facts", {})
        if plan is None or plan.get("exit") != 0:
            problems.append("the plan failed")
        else:
            if pf.get("cache") != "miss":
                problems.append(f"the plan's cache was {pf.get('cache')!r}, not a fresh solve")
            if pf.get("status") != "optimal":
                problems.append(f"the plan is {pf.get('status')} (only plans optimal at every level are cached)")
        if rec.get("exit") != 0:
            problems.append(f"exit {rec.get('exit')}" + (" (killed at the timeout)" if rec.get("killed") else ""))
        base = baseline_cache(rec)
        if base != "hit":
            problems.append(f"its baseline was not read from the cache ({base})")
        if wall is None:
            verdict = "not measured"
        else:
            met = wall <= TARGETS[step]
            verdict = ("**met**" if met else "**not met**") + ("" if not problems else " (conditions not held)")
        out.append({"step": step, "wall_ratio": wall, "cpu_ratio": cpu, "target": TARGETS[step], "verdict": verdict,
                    "problems": problems})
    return out


def baseline_cache(rec: dict) -> str:
    f = rec.get("facts", {})
    if rec["step"] == "plan":
        return str(f.get("cache"))
    if rec["step"] == "whatif":
        return str((f.get("baseline") or {}).get("cache"))
    text = str(f.get("cache") or "")
    if "baseline hit" in text:
        return "hit"
    if "baseline miss" in text:
        return "miss"
    return text or "unknown"


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def cache_cell(rec: dict) -> str:
    f = rec.get("facts", {})
    if f.get("error"):
        return f"? ({f['error']})"
    if rec["step"] == "plan":
        return f"{f.get('cache')}; {_entries(rec.get('cache_after', 0))} in the cache after"
    if rec["step"] == "whatif":
        b, v = f.get("baseline") or {}, f.get("variant") or {}
        return f"baseline {b.get('cache')}, variant {v.get('cache')}; {_entries(rec.get('cache_after', 0))} after"
    return str(f.get("cache"))


def result_cell(rec: dict) -> str:
    f = rec.get("facts", {})
    if f.get("error"):
        return "—"
    if rec["step"] == "plan":
        return f"{f.get('status')}, {f.get('levels')} levels, solve {_f(f.get('runtime_s'))} s"
    if rec["step"] == "whatif":
        b, v = f.get("baseline") or {}, f.get("variant") or {}
        return f"baseline {b.get('status')}, variant {v.get('status')}; {f.get('changed_allocations')} allocations changed"
    return (f"{f.get('variants_total')} variants: {f.get('variants_done')} done, {f.get('variants_reused')} reused, "
            f"{f.get('variants_failed')} failed; baseline {f.get('baseline_status')}; sweep {_f(f.get('runtime_s'), 1)} s")


def render(data: dict) -> str:
    meta, m, v = data["meta"], data["meta"]["machine"], data["meta"]["versions"]
    facts = data["facts"]
    lines = ["# What-if and sweep against one plan", ""]
    lines += [
        f"- date: {meta['date']}",
        f"- machine: {m['platform']}; CPU {m['cpu']}; {m['cpus']} logical CPUs; RAM {m['ram_gb']} GB",
        f"- Python {v['python']}; forcegen {v['forcegen']} (git {v['git']}); highspy {v['highspy']}; "
        f"pandas {v['pandas']}; numpy {v['numpy']}; openpyxl {v['openpyxl']}; XlsxWriter {v['xlsxwriter']}",
        f"- command: `{meta['command']}`",
        f"- instance: {data['instance']} (`{data['file']}`: {facts['nations']} nations, {facts['capabilities']} "
        f"capabilities, {facts['tasks']} tasks, {facts['locations']} locations, {facts['periods']} periods, "
        f"{facts['pledges']} pledges)",
        f"- what-if: `--drop-nation {data['nation']}`; sweep: leave-one-out, `--workers {data['workers']}`; "
        f"time limit: {'the commands’ default (none)' if data['time_limit'] is None else str(data['time_limit']) + ' s per solve'}"
        f"; timeout per command {data['timeout']:.0f} s",
        "- how: a fresh folder, the instance copied into it, the commands run one after another, each a child "
        "process; the sweep runs with the cache folder as the plan left it (the what-if's entries removed)",
    ]
    lines += [f"- note: {n}" for n in data.get("notes", [])]
    lines += ["", "| step | command | exit | wall s | CPU s | peak MB | cache | result |",
              "|---|---|---|---|---|---|---|---|"]
    for s in data["steps"]:
        shown = ["forcegen"] + [Path(a).name if a == data.get("copied") else a for a in s["command"][1:]]
        lines.append(f"| {s['step']} | `{shlex.join(shown)}` | {s['exit']}{' killed' if s.get('killed') else ''} | "
                     f"{_f(s['wall_s'])} | {_f(s['cpu_s'])} | {_f(s['peak_mb'], 0)} | {cache_cell(s)} | "
                     f"{result_cell(s)} |")
    lines += ["", "| target (issue 12) | wall ratio | CPU ratio | target | verdict |", "|---|---|---|---|---|"]
    label = {"whatif": "one-nation what-if / plan", "sweep": "leave-one-out sweep / plan"}
    for r in verdicts(data):
        lines.append(f"| {label[r['step']]} | {_f(r['wall_ratio'])}× | {_f(r['cpu_ratio'])}× | ≤ {r['target']:g}× | "
                     f"{r['verdict']} |")
    for r in verdicts(data):
        for p in r["problems"]:
            lines.append(f"\n**{label[r['step']]}: {p}.**")
    lines += ["", "Wall s: the command from start to exit (Python start-up, reading the workbook and writing the "
              "report included). CPU s: user + system of the command and of the processes it waited for (the "
              "sweep's workers), so on N workers it can approach N × wall. The verdict is judged on the wall "
              "ratio; the CPU ratio hardly depends on what else the machine is doing. Cache: the workbooks' "
              "Summary (`hit` read from `outputs/.cache`, `miss` solved in that command)."]
    return "\n".join(lines) + "\n"


# ============================================================================ main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description="what-if and sweep against one plan (see benchmarks/README.md)")
    ap.add_argument("--instance", default="baseline",
                    help="a runner instance name (baseline, S, f2-small-sparse, baseline-wave2+rules …) or a path "
                         "to an input workbook (default: baseline, inputs/baseline-core.xlsx)")
    ap.add_argument("--drop-nation", default=None, metavar="ID",
                    help="the nation the what-if drops (default DEU; when the instance has none, the nation "
                         "pledging the most personnel)")
    ap.add_argument("--workers", type=int, default=2, help="sweep worker processes (default 2)")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="--time-limit for every command (default: none, the commands' own default)")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="kill a command (its whole process group) after this many seconds (default 3600)")
    ap.add_argument("--no-whatif", action="store_true", help="leave out the what-if")
    ap.add_argument("--no-sweep", action="store_true", help="leave out the sweep")
    ap.add_argument("--seed", type=int, default=1, help="seed of the family 1 instances (S, M, L)")
    ap.add_argument("--forcegen", default=None, help="the forcegen executable (default: the one next to Python)")
    ap.add_argument("--keep", metavar="DIR", default=None,
                    help="work in DIR (new or empty) and keep it, with the workbooks and each command's log")
    ap.add_argument("--out", default=str(HERE / "RESULTS-reuse.md"))
    ap.add_argument("--render", metavar="JSON", help="only re-write --out from the figures a previous run saved")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.render:
        out.write_text(render(json.loads(Path(args.render).read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"wrote {out}")
        return 0
    if args.workers < 1:
        raise SystemExit("--workers: at least 1")

    name, source = resolve_instance(args.instance, args.seed)
    nation, note = choose_nation(source, args.drop_nation)
    exe = forcegen_exe(args.forcegen)
    if args.keep:
        work = Path(args.keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
        if any(work.iterdir()):
            raise SystemExit(f"--keep {work}: not empty (the measurement needs a fresh folder)")
    else:
        work = Path(tempfile.mkdtemp(prefix="fg-reuse-"))
    inp = work / source.name
    shutil.copy2(source, inp)
    bench.become_subreaper()
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": bench.machine(),
            "versions": bench.versions(),
            "command": "python " + shlex.join(["benchmarks/reuse.py"] + argv)}
    m = meta["machine"]
    print(f"{m['platform']}; {m['cpu']}; {m['cpus']} CPUs; {m['ram_gb']} GB", flush=True)
    print(f"instance {name}: {source}; working folder {work}", flush=True)
    if note:
        print(f"note: {note}", flush=True)
    limit = [] if args.time_limit is None else ["--time-limit", f"{args.time_limit:g}"]
    data = {"meta": meta, "instance": name, "file": os.path.relpath(source, REPO), "facts": bench.instance_facts(source),
            "nation": nation, "workers": args.workers, "time_limit": args.time_limit, "timeout": args.timeout,
            "copied": str(inp), "notes": [note] if note else [], "steps": []}

    def save() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
        out.write_text(render(data), encoding="utf-8")

    # 1. the plan, in a folder with no cache
    assert not cache_entries(work)
    rec = run_command("plan", [exe, "plan", str(inp), "-o", "plan.xlsx", *limit], work, args.timeout)
    rec["facts"] = read_facts("plan", work / "plan.xlsx")
    after_plan = cache_entries(work)
    rec["cache_after"] = len(after_plan)
    data["steps"].append(rec)
    snapshot = work / "cache-after-plan"
    if (work / CACHE).is_dir():
        shutil.copytree(work / CACHE, snapshot)
    save()

    # 2. the one-nation what-if, against the plan's cache
    if not args.no_whatif:
        rec = run_command("whatif", [exe, "whatif", str(inp), "--drop-nation", nation, "-o", "whatif.xlsx", *limit],
                          work, args.timeout)
        rec["facts"] = read_facts("whatif", work / "whatif.xlsx")
        rec["cache_after"] = len(cache_entries(work))
        data["steps"].append(rec)
        save()

    # 3. the leave-one-out sweep, with the cache as the plan left it
    if not args.no_sweep:
        shutil.rmtree(work / CACHE, ignore_errors=True)
        if snapshot.is_dir():
            shutil.copytree(snapshot, work / CACHE)
        if cache_entries(work) != after_plan:
            raise SystemExit("could not put the cache back as the plan left it")
        rec = run_command("sweep", [exe, "sweep", str(inp), "--kind", "leave-one-out", "--workers", str(args.workers),
                                    "-o", "sweep.xlsx", *limit], work, args.timeout)
        rec["facts"] = read_facts("sweep", work / "sweep.xlsx")
        data["steps"].append(rec)
        save()

    failed = [s["step"] for s in data["steps"] if s["exit"] != 0]
    print("")
    for r in verdicts(data):
        print(f"{r['step']}/plan: wall {_f(r['wall_ratio'])}×, CPU {_f(r['cpu_ratio'])}× (target ≤ {r['target']:g}×): "
              f"{r['verdict'].replace('**', '')}" + "".join(f"; {p}" for p in r["problems"]), flush=True)
    print(f"wrote {out} and {out.with_suffix('.json')}")
    if args.keep or failed:
        print(f"working folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
