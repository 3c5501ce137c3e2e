"""Faults: Ctrl-C, unwritable or full disks, solvers that crash or are killed, the time limit, and
no process-wide side effects of the solver backends (issue 11, points 4 and 5).

Ctrl-C is sent to a real ``forcegen plan`` process; full disks are a file-size limit
(RLIMIT_FSIZE) on a real process, and in-process a zip writer that fails part-way
as a full disk does. The time-limit test is the one wall-clock bound of the suite:
a promise (within 10 % + 2 s) measured with a generous margin.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from builders import tables_from_rows, tiny, write_workbook
from click.testing import CliRunner
from solving import SOLVERS

from forcegen.cli import cli
from forcegen.errors import ForcegenError, InputError, SolverError
from forcegen.model.backends import SolveOptions, get_backend, stdout_to_stderr
from forcegen.model.build import build
from forcegen.model.linear import LinearModel, Objective
from forcegen.model.solve import PlanOptions, solve_problem
from forcegen.report import build_report
from forcegen.sweep import run_sweep
from forcegen.validate import build_problem
from forcegen.verify import verify_plan
from forcegen.workbook import plan_read
from forcegen.workbook import write as W
from forcegen.workbook.compare_write import write_comparison
from forcegen.workbook.plan_read import read_plan_report
from forcegen.workbook.sweep_write import write_sweep
from forcegen.workbook.template import write_template
from forcegen.workbook.write import same_file, write_plan

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
LINUX = sys.platform.startswith("linux")
FORCEGEN = [sys.executable, "-c", "from forcegen.cli import main; main()"]


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Each test in its own folder: the solved-plan cache (outputs/.cache) starts empty and stays there."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def tiny_input(tmp_path):
    return write_workbook(tiny(), tmp_path / "tiny.xlsx")


def generated(size: str, folder: Path) -> Path:
    """The benchmark generator's instance of ``size``, seed 1 (benchmarks/generate.py)."""
    spec = importlib.util.spec_from_file_location("forcegen_benchmark_generate", BENCHMARKS / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.write_instance(size, 1, folder / f"{size}-1.xlsx")


@pytest.fixture(scope="module")
def hard_input(tmp_path_factory):
    """M: 35 nations, 40 capabilities, 30 tasks, 12 periods; every level takes all the time it is given."""
    return generated("M", tmp_path_factory.mktemp("hard"))


@pytest.fixture(scope="module")
def hard_small_input(tmp_path_factory):
    """S: 35 nations, 25 capabilities, 20 tasks, 4 periods; no backend proves its levels in seconds, and
    reading, reporting and writing it take well under a second."""
    return generated("S", tmp_path_factory.mktemp("hard-small"))


def leftovers(folder: Path) -> list[str]:
    """What is in ``folder`` (nothing when it does not exist)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def error_lines(stderr: str) -> list[str]:
    """The error lines among the progress lines on stderr; checks that no traceback is there."""
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith(("error:", "internal error:"))]


# --------------------------------------------------------------------------- Ctrl-C


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(entry))
    return out


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("solver", SOLVERS)
def test_ctrl_c_during_a_solve_exits_130_with_one_line_and_leaves_no_file(hard_input, tmp_path, solver):
    out_dir = tmp_path / "out"
    scratch = tmp_path / "scratch"  # the solvers' temporary files (TMPDIR): nothing may stay behind
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "TMP": str(scratch), "TEMP": str(scratch)}
    # 12 s shared by the levels: the first gets 3 s, the second ~2.5 s; Ctrl-C comes as the second starts
    proc = subprocess.Popen([*FORCEGEN, "plan", str(hard_input), "--solver", solver, "--time-limit", "12",
                             "-o", str(out_dir / "plan.xlsx")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "solve level 1 of" in line:
            break
    time.sleep(1.0)  # into the second level's solve (it has ~2.5 s), past the Python between two solves
    assert proc.poll() is None, "".join(seen)
    solver_processes = children(proc.pid)  # CBC runs as a child process
    proc.send_signal(signal.SIGINT)
    try:
        stdout, rest = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("forcegen plan did not stop after Ctrl-C")
    after = rest.splitlines()
    assert proc.returncode == 130, "".join(seen) + rest
    assert after == ["interrupted (Ctrl-C)"], rest
    assert "Traceback" not in rest and "wrote" not in stdout
    assert leftovers(out_dir) == []
    assert leftovers(scratch) == []
    assert not [pid for pid in solver_processes if running(pid)], "a solver process outlived forcegen"


def test_ctrl_c_while_writing_the_plan_leaves_no_file(tiny_input, tmp_path, monkeypatch):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(W._Writer, "charts", interrupted)  # after every data sheet is written
    out_dir = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out_dir / "plan.xlsx")])
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "interrupted (Ctrl-C)"
    assert "Traceback" not in result.output
    assert leftovers(out_dir) == []


def test_ctrl_c_during_a_sweep_writes_what_finished_marked_partial_and_exits_130(tmp_path, monkeypatch):
    from forcegen.cli import SweepProgress

    rows = tiny()
    rows["Nations"].append({"nation": "CCC", "name": "Charlie", "european": "yes", "fair_share": 0.2})
    rows["Pledges"].append({"pledge": "P-C", "nation": "CCC", "capability": "INF", "units": 1, "cost_per_unit": 30})
    src = write_workbook(rows, tmp_path / "three.xlsx")
    shown = SweepProgress.__call__

    def ctrl_c_after_the_first_variant(self, kind, data):
        shown(self, kind, data)
        if kind == "variant_done":
            raise KeyboardInterrupt

    monkeypatch.setattr(SweepProgress, "__call__", ctrl_c_after_the_first_variant)
    out = tmp_path / "sweep.xlsx"
    result = CliRunner().invoke(cli, ["sweep", str(src), "--kind", "leave-one-out", "-o", str(out), "--workers", "1",
                                      "--no-cache"])
    assert result.exit_code == 130, result.output
    assert result.stderr.splitlines()[-1].startswith(f"interrupted: {out} holds the 1 of 3 variants")
    assert zipfile.is_zipfile(out)
    assert leftovers(tmp_path) == ["sweep.xlsx", "three.xlsx"]


class FailingZip(zipfile.ZipFile):
    """The zip file XlsxWriter writes, failing after its first few parts as a full disk (or Ctrl-C) would."""

    error: BaseException = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    after = 3

    def writestr(self, *args, **kwargs):
        self._parts = getattr(self, "_parts", 0) + 1
        if self._parts > self.after:
            raise self.error
        return super().writestr(*args, **kwargs)


@pytest.fixture
def failing_zip(monkeypatch):
    import xlsxwriter.workbook

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FailingZip)
    return FailingZip


def test_ctrl_c_inside_the_zip_writer_leaves_no_file_for_every_writer(tmp_path, failing_zip, monkeypatch):
    monkeypatch.setattr(FailingZip, "error", KeyboardInterrupt())
    for name, write in writers(tmp_path):
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(KeyboardInterrupt):
            write(folder / f"{name}.xlsx")
        assert leftovers(folder) == [], name


# --------------------------------------------------------------------------- unwritable folders, full disks


def figures():
    from builders import FIGURES_PLAN, META, figures_rows, problem_from_rows

    from forcegen.compare import build_comparison
    from forcegen.domain import Plan, SolveInfo

    problem = problem_from_rows(figures_rows())
    plan = Plan(FIGURES_PLAN, leads={"T1": "AAA"}, info=SolveInfo("highs", "1.16.0", "optimal", 0.0, 1.0, {}, ()))
    report = build_report(problem, plan, **META)
    return report, build_comparison(report, report, applied=[], labels=("a", "b"), base_source="a",
                                    variant_source="b")


def writers(tmp_path):
    """(name, write(path)) for every workbook writer."""
    report, comparison = figures()
    with ThreadPoolExecutor(1) as pool:
        sweep = run_sweep(tables_from_rows(tiny()), [], pool, PlanOptions())
    return [
        ("plan", lambda p: write_plan(report, p)),
        ("comparison", lambda p: write_comparison(comparison, p)),
        ("sweep", lambda p: write_sweep(sweep, p)),
        ("template", lambda p: write_template(p)),
    ]


def test_a_full_disk_is_one_clear_error_and_no_file_for_every_writer(tmp_path, failing_zip):
    for name, write in writers(tmp_path):
        folder = tmp_path / name
        folder.mkdir()
        target = folder / f"{name}.xlsx"
        with pytest.raises(ForcegenError) as caught:
            write(target)
        assert str(caught.value) == f"cannot write {target}: No space left on device", name
        assert leftovers(folder) == [], name


def test_a_full_disk_through_the_cli(tiny_input, tmp_path, failing_zip):
    out = tmp_path / "out" / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: cannot write {out}: No space left on device"]
    assert leftovers(out.parent) == []
    result = CliRunner().invoke(cli, ["template", "-o", str(out)])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: cannot write {out}: No space left on device"]
    assert leftovers(out.parent) == []


@pytest.mark.skipif(not LINUX, reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_file_size_limit_on_a_real_process_is_one_clear_error(tiny_input, tmp_path):
    import resource

    def limit_files():  # runs in the child: files beyond 4 kB cannot be written, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "out" / "plan.xlsx"
    proc = subprocess.run([*FORCEGEN, "plan", str(tiny_input), "-o", str(out), "--no-cache"], capture_output=True,
                          text=True, preexec_fn=limit_files, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 1, proc.stderr
    assert error_lines(proc.stderr) == [f"error: cannot write {out}: File too large"]
    assert leftovers(out.parent) == []


def test_an_output_under_a_file_is_one_clear_error(tiny_input, tmp_path):
    blocker = tmp_path / "somefile.txt"
    blocker.write_text("not a folder")
    for args in (["plan", str(tiny_input)], ["template"]):
        out = blocker / "plan.xlsx"
        result = CliRunner().invoke(cli, [*args, "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert error_lines(result.stderr) == [f"error: cannot write {out}: {blocker} is a file, not a folder"]
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(not LINUX, reason="/sys refuses new files, even to root")
def test_a_folder_that_cannot_be_written_is_one_clear_error(tiny_input):
    out = Path("/sys/forcegen-test/plan.xlsx")
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)])
    assert result.exit_code == 1, result.output
    (line,) = error_lines(result.stderr)
    assert line in (f"error: cannot write {out}: {os.strerror(errno.EACCES)}",  # Permission denied
                    f"error: cannot write {out}: {os.strerror(errno.EPERM)}")  # Operation not permitted (root)


@pytest.mark.skipif(ROOT or not hasattr(os, "geteuid"), reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_clear_error(tiny_input, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        out = folder / "plan.xlsx"
        result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert error_lines(result.stderr) == [f"error: cannot write {out}: Permission denied"]
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_same_file_never_raises_on_a_symlink_loop(tmp_path, tiny_input):
    loop = tmp_path / "loop.xlsx"
    loop.symlink_to(loop)
    assert not same_file(loop, tiny_input) and not same_file(tiny_input, loop)
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(loop)])
    assert result.exit_code == 0, result.output  # the plan replaces the looping link
    assert zipfile.is_zipfile(loop) and not loop.is_symlink()


# --------------------------------------------------------------------------- solvers that fail


def baseline_model():
    """The model of a problem whose first level CBC does not finish at once (the core baseline)."""
    from solving import CORE_BASELINE

    from forcegen.workbook.read import read_problem

    built = build(read_problem(CORE_BASELINE))
    return built.model, built.objectives[0]


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_killed_cbc_process_is_a_solver_error_naming_cbc():
    model, objective = baseline_model()
    session = get_backend("cbc").open(model)
    me = os.getpid()
    killed = []

    def kill_cbc():
        for _ in range(600):
            for pid in children(me):
                try:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                except OSError:
                    continue
                if name == "cbc" and running(pid):
                    time.sleep(0.3)
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_cbc)
    killer.start()
    try:
        with pytest.raises(SolverError, match=r"^solver cbc failed: the CBC process ended by SIGKILL"):
            session.solve(objective, SolveOptions())  # no time limit: only the kill ends it
    finally:
        killer.join()
    assert killed


def fake_cbc(folder: Path, body: str, name: str = "cbc") -> Path:
    """An executable named like CBC that runs ``body`` (Python) instead of solving."""
    path = folder / name
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def tiny_model():
    model = LinearModel()
    x, y = model.add_var("x", 0, 10), model.add_var("y", 0, 2)
    model.add_row("cap", [(x, 1), (y, 1)], hi=3)
    return model, Objective("value", [x, y], [-1.0, -2.0])


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_the_cbc_watchdog_ends_only_the_process_it_started(tmp_path, monkeypatch):
    import pulp

    # a CBC that ignores its time limit, and an unrelated child of this process named like CBC
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", str(fake_cbc(tmp_path, "import time\ntime.sleep(60)\n")))
    sleep = tmp_path / "fake-cbc"
    sleep.symlink_to("/bin/sleep")
    bystander = subprocess.Popen([str(sleep), "60"])
    before = set(children(os.getpid()))  # the bystander, and whatever earlier tests left (a resource tracker)
    try:
        model, objective = tiny_model()
        result = get_backend("cbc").open(model).solve(objective, SolveOptions(time_limit=0.5))
        time.sleep(0.2)
        assert bystander.poll() is None, "the watchdog killed a process it did not start"
        assert result.status == "no_solution" and "watchdog" in result.message
        assert not [pid for pid in set(children(os.getpid())) - before if running(pid)], "the fake CBC still runs"
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.parametrize("body, outcome", [
    # ends by a signal before its time limit: a crash, reported by name
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "solver cbc failed: the CBC process ended by SIGSEGV"),
    # a non-zero exit status
    ("import sys\nprint('Cbc0000E something broke')\nsys.exit(3)\n",
     "solver cbc failed: CBC exited with status 3: Cbc0000E something broke"),
    # crashes as it stops at its time limit (CBC 2.10.3 with a MIP start): no plan from that solve
    ("import os, signal, time\ntime.sleep(0.7)\nos.kill(os.getpid(), signal.SIGSEGV)\n", None),
])
def test_a_failing_cbc_is_reported_by_name(tmp_path, monkeypatch, body, outcome):
    import pulp

    monkeypatch.setattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", str(fake_cbc(tmp_path, body)))
    model, objective = tiny_model()
    session = get_backend("cbc").open(model)
    if outcome is None:
        result = session.solve(objective, SolveOptions(time_limit=0.5))
        assert result.status == "no_solution" and "SIGSEGV after its time limit" in result.message
    else:
        with pytest.raises(SolverError) as caught:
            session.solve(objective, SolveOptions(time_limit=30))
        assert str(caught.value).startswith(outcome)
    assert leftovers(tmp_path) == ["cbc"]


@pytest.mark.parametrize("solver, target", [("highs", "highspy.Highs.run"),
                                            ("cpsat", "ortools.sat.python.cp_model.CpSolver.Solve")])
def test_a_solver_exception_is_a_solver_error_naming_the_solver(tiny_input, tmp_path, monkeypatch, solver, target):
    def broken(*args, **kwargs):
        raise RuntimeError("the solver library broke")

    monkeypatch.setattr(target, broken)
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "--solver", solver, "-o", str(tmp_path / "p.xlsx")])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: solver {solver} failed: RuntimeError: the solver library broke"]
    assert leftovers(tmp_path) == ["tiny.xlsx"]


# --------------------------------------------------------------------------- the time limit


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_time_limit_is_honoured_within_ten_percent_and_two_seconds(hard_small_input, tiny_input, tmp_path,
                                                                        solver):
    # start-up first: the solvers' and the pipeline's imports, the solver's first use
    warm = CliRunner().invoke(cli, ["plan", str(tiny_input), "--solver", solver, "-o", str(tmp_path / "warm.xlsx")])
    assert warm.exit_code == 0, warm.output
    limit = 3.0
    t0 = time.perf_counter()
    result = CliRunner().invoke(cli, ["plan", str(hard_small_input), "--solver", solver, "--time-limit", str(limit),
                                      "-o", str(tmp_path / "plan.xlsx"), "--json"])
    seconds = time.perf_counter() - t0
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert any(level["status"] != "optimal" for level in summary["levels"])  # the limit did stop it
    assert seconds <= 1.1 * limit + 2.0, f"{solver}: {seconds:.2f} s for --time-limit {limit}"


# --------------------------------------------------------------------------- process-wide side effects


def test_stdout_redirection_is_safe_when_threads_overlap(tmp_path, monkeypatch):
    """A enters, B enters, A leaves, B leaves: fd 1 stays redirected until B leaves, then is as before."""
    out = open(tmp_path / "stdout.txt", "w")
    err = open(tmp_path / "stderr.txt", "w")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    fd = out.fileno()
    original = os.fstat(fd).st_ino
    redirected = os.fstat(err.fileno()).st_ino
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with stdout_to_stderr():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def b():
        a_in.wait(10)
        with stdout_to_stderr():
            b_in.set()
            a_out.wait(10)
            seen["while B is inside"] = os.fstat(fd).st_ino

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen["after both"] = os.fstat(fd).st_ino
    os.write(fd, b"to stdout\n")
    out.close()
    err.close()
    assert seen == {"while B is inside": redirected, "after both": original}
    assert (tmp_path / "stdout.txt").read_bytes() == b"to stdout\n"


def test_highs_threads_are_set_per_solve():
    problem = build_problem(tables_from_rows(tiny()))
    plans = [solve_problem(problem, PlanOptions(solver="highs", threads=n)) for n in (1, 2, 1)]
    assert [p.info.status for p in plans] == ["optimal"] * 3, [p.info.levels for p in plans]
    assert plans[0].allocations == plans[1].allocations == plans[2].allocations
    assert [p.info.options["threads"] for p in plans] == [1, 2, 1]


@pytest.mark.skipif(not LINUX, reason="counts threads in /proc")
def test_highs_runs_with_the_threads_of_each_solve(monkeypatch):
    """Threads of this process while HiGHS solves (sampled in its progress callback): one more per thread asked."""
    from solving import CORE_BASELINE

    from forcegen.workbook.read import read_problem

    monkeypatch.setattr("forcegen.model.backends.PROGRESS_EVERY", 0.0)
    built = build(read_problem(CORE_BASELINE))
    session = get_backend("highs").open(built.model)
    counts = {}
    for threads in (1, 2, 1, 3):
        seen = []
        options = SolveOptions(time_limit=0.5, threads=threads,
                               progress=lambda incumbent, bound: seen.append(len(os.listdir("/proc/self/task"))))
        session.solve(built.objectives[0], options)
        assert seen, f"no progress from a solve with {threads} threads"
        counts.setdefault(threads, set()).add(max(seen))
    assert counts[2] == {min(counts[1]) + 1} and counts[3] == {min(counts[1]) + 2}, counts


# --------------------------------------------------------------------------- no broad except in the plan readers


@pytest.fixture
def written_plan(tiny_input, tmp_path):
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(tiny_input), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def damaged(plan: Path, out: Path, part: str = "xl/worksheets/sheet2.xml") -> Path:
    """``plan`` with one part cut in half (not well-formed XML)."""
    with zipfile.ZipFile(plan) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename == part else data)
    return out


def test_a_damaged_sheet_is_a_refusal_naming_it(written_plan, tiny_input, tmp_path):
    bad = damaged(written_plan, tmp_path / "bad.xlsx")  # sheet2: Allocations
    problem = build_problem(tables_from_rows(tiny()))
    for read in (lambda: verify_plan(problem, bad), lambda: read_plan_report(bad)):
        with pytest.raises(InputError) as caught:
            read()
        (issue,) = caught.value.issues
        assert issue.sheet == "Allocations" and "not a readable" in issue.message
    result = CliRunner().invoke(cli, ["verify", str(tiny_input), str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_bug_in_reading_a_plan_is_not_a_refusal(written_plan, monkeypatch):
    problem = build_problem(tables_from_rows(tiny()))

    def bug(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(plan_read, "_read_summary", bug)
    with pytest.raises(KeyError, match="a bug"):
        read_plan_report(written_plan)
    monkeypatch.undo()
    import openpyxl

    def attribute_bug(*args, **kwargs):
        raise AttributeError("a bug")

    monkeypatch.setattr(openpyxl, "load_workbook", attribute_bug)
    for read in (lambda: verify_plan(problem, written_plan), lambda: read_plan_report(written_plan)):
        with pytest.raises(AttributeError, match="a bug"):
            read()
    monkeypatch.undo()
    monkeypatch.setattr("forcegen.workbook.read.check_archive", attribute_bug)
    with pytest.raises(AttributeError, match="a bug"):
        verify_plan(problem, written_plan)


def test_the_cli_says_internal_error_for_a_bug_in_verify(written_plan, tiny_input, monkeypatch):
    import openpyxl  # the input reader does not use load_workbook; verify's plan reader does

    def bug(*args, **kwargs):
        raise AttributeError("a bug")

    monkeypatch.setattr(openpyxl, "load_workbook", bug)
    result = CliRunner().invoke(cli, ["verify", str(tiny_input), str(written_plan)])
    assert result.exit_code == 1
    (line,) = error_lines(result.stderr)
    assert line.startswith("internal error: AttributeError: a bug")
