"""The solved-plan cache: hits where the same problem was solved before, misses everywhere else,
and never a different result (cached against uncached, on plan, whatif, compare and sweep)."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import openpyxl
import pytest
from click.testing import CliRunner

import forcegen
from builders import tables_from_rows, three_nations, tiny, write_workbook
from forcegen import cache
from forcegen.cli import cli
from forcegen.domain import Caveat, Plan, Problem
from forcegen.model import solve
from forcegen.model.solve import PlanOptions
from forcegen.pipeline import run_plan, run_whatif
from forcegen.sweep import leave_one_out, run_sweep
from forcegen.validate import build_problem
from forcegen.whatif import parse_change
from forcegen.workbook.read import read_tables

#: the CLI's cache folder as shipped (tests/conftest.py gives every test its own)
SHIPPED_FOLDER = cache.DEFAULT_FOLDER
OPTIONS = PlanOptions()


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Work in tmp_path with the cache where the CLI keeps it: outputs/.cache under the current folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache, "DEFAULT_FOLDER", SHIPPED_FOLDER)
    return tmp_path


@pytest.fixture
def solves(monkeypatch):
    """The problems solve_problem is called on, in order (it still solves them)."""
    calls: list[Problem] = []
    real = solve.solve_problem

    @functools.wraps(real)
    def counting(problem, *args, **kwargs):
        calls.append(problem)
        return real(problem, *args, **kwargs)

    monkeypatch.setattr(solve, "solve_problem", counting)
    return calls


def invoke(*args) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def entries(folder: Path = SHIPPED_FOLDER) -> list[Path]:
    return sorted(Path(folder).glob("*.json"))


def summary(path: Path) -> dict:
    ws = openpyxl.load_workbook(path, read_only=True)["Summary"]
    out = {}
    for p, v in ws.iter_rows(min_row=2, max_col=2, values_only=True):
        if p is None:
            break
        out[p] = v
    return out


def table(path: Path, sheet: str, name: str) -> list[tuple]:
    """The rows of an Excel Table (header first)."""
    ws = openpyxl.load_workbook(path)[sheet]
    return [tuple(c.value for c in row) for row in ws[ws.tables[name].ref]]


def solve_log(path: Path, with_seconds: bool = False) -> list[tuple]:
    rows = table(path, "Summary", "tblSolveLog")
    return rows if with_seconds else [r[:6] for r in rows]  # level, name, status, value, bound, gap


def sheet_xml(path: Path, sheet: str) -> bytes:
    """A sheet's XML exactly as written, its shared-string references replaced by the strings."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rid = next(s.get(f"{{{ns['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", ns) if s.get("name") == sheet)
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels.iterfind("p:Relationship", ns) if r.get("Id") == rid)
        strings = []
        if "xl/sharedStrings.xml" in z.namelist():
            sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            strings = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in sst.iterfind("m:si", ns)]
        xml = z.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode("utf-8")
    return re.sub(r'(<c [^>]*t="s"[^>]*>)<v>(\d+)</v>',
                  lambda m: f"{m.group(1)}<s>{escape(strings[int(m.group(2))])}</s>", xml).encode("utf-8")


def levels(plan: Plan) -> list[tuple]:
    return [(lv.name, lv.status, lv.value, lv.bound, lv.gap) for lv in plan.info.levels]


# --------------------------------------------------------------------------- the key


def problem_with_every_record() -> Problem:
    """tiny() with a capacity and a caveat, so that every record kind has a row."""
    rows = tiny()
    rows["Locations"][0]["personnel_capacity"] = 1000
    rows["Caveats"] = [{"nation": "BBB", "rule": "max_personnel", "country": "UKR", "limit": 500, "note": "n"}]
    return build_problem(tables_from_rows(rows))


def _other(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return 7  # None


def test_key_changes_with_every_field_of_every_record_and_only_those():
    problem = problem_with_every_record()
    base = cache.key(problem, OPTIONS)
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert cache.key(problem_with_every_record(), OPTIONS) == base  # built again: the same key
    assert cache.key(dataclasses.replace(problem, source="elsewhere.xlsx"), OPTIONS) == base
    keys = {base}
    changed = 0
    for f in dataclasses.fields(Problem):
        if f.name in cache.NOT_KEYED:
            continue
        value = getattr(problem, f.name)
        records = [value] if dataclasses.is_dataclass(value) else list(value)
        assert records, f"no {f.name} record to change"
        first = records[0]
        for rf in dataclasses.fields(first):
            new = dataclasses.replace(first, **{rf.name: _other(getattr(first, rf.name))})
            variant = dataclasses.replace(problem, **{f.name: new if dataclasses.is_dataclass(value)
                                                      else (new, *value[1:])})
            k = cache.key(variant, OPTIONS)
            assert k not in keys, f"{f.name}.{rf.name} does not change the key"
            keys.add(k)
            changed += 1
    # a record more, or the records in another order, are other problems too
    more = dataclasses.replace(problem, caveats=problem.caveats + (Caveat("AAA", "forbid"),))
    swapped = dataclasses.replace(problem, nations=problem.nations[::-1])
    for p in (more, swapped):
        assert cache.key(p, OPTIONS) not in keys
    assert changed >= 40


def test_key_changes_with_every_option_the_version_and_a_given_plan(monkeypatch):
    problem = problem_with_every_record()
    base = cache.key(problem, OPTIONS)
    for f in dataclasses.fields(PlanOptions):
        other = dataclasses.replace(OPTIONS, **{f.name: _other(getattr(OPTIONS, f.name))
                                               if f.name != "time_limit" else 60.0})
        assert cache.key(problem, other) != base, f.name
    plan = solve.solve_problem(problem, OPTIONS)
    assert cache.key(problem, OPTIONS, reference=plan) != base
    assert cache.key(problem, OPTIONS, start=plan) not in (base, cache.key(problem, OPTIONS, reference=plan))
    monkeypatch.setattr(forcegen, "__version__", forcegen.__version__ + ".post1")
    assert cache.key(problem, OPTIONS) != base


def test_key_changes_with_the_code_under_one_version(tmp_path, monkeypatch):
    # an install from the repository keeps its version between commits: a plan stored by other code
    # (say, before a fix) is a miss, not a hit
    problem = problem_with_every_record()
    plan = solve.solve_problem(problem, OPTIONS)
    before = cache.key(problem, OPTIONS)
    assert cache.store(tmp_path, before, plan)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "0" * 64)
    after = cache.key(problem, OPTIONS)
    assert after != before
    assert cache.load(tmp_path, after, problem) is None
    # the fingerprint covers the package's sources: the same files give the same one
    monkeypatch.undo()
    assert cache.code_fingerprint() == cache.code_fingerprint.__wrapped__() and len(cache.code_fingerprint()) == 64


# --------------------------------------------------------------------------- store and load


def test_store_and_load_round_trip_only_fully_optimal_plans(tmp_path):
    problem = problem_with_every_record()
    plan = solve.solve_problem(problem, OPTIONS)
    assert plan.info.status == "optimal"
    k = cache.key(problem, OPTIONS)
    assert cache.store(tmp_path, k, plan)
    back = cache.load(tmp_path, k, problem)
    assert back.info.cache == "hit"
    assert dataclasses.replace(back, info=dataclasses.replace(back.info, cache=plan.info.cache)) == plan
    assert cache.load(tmp_path, "0" * 64, problem) is None  # nothing stored there
    # a plan with a level that is not proven optimal is never stored
    lv = plan.info.levels
    unproven = dataclasses.replace(plan, info=dataclasses.replace(
        plan.info, status="feasible", levels=(*lv[:-1], dataclasses.replace(lv[-1], status="feasible", gap=0.1))))
    k2 = "1" * 64
    assert not cache.store(tmp_path, k2, unproven)
    assert not (tmp_path / f"{k2}.json").exists()
    # an entry that names what the problem does not have is a miss
    renamed = dataclasses.replace(problem, pledges=tuple(dataclasses.replace(p, id=p.id + "-2")
                                                         for p in problem.pledges))
    assert cache.load(tmp_path, k, renamed) is None
    assert not list(tmp_path.glob("*.tmp"))


# --------------------------------------------------------------------------- plan


def test_plan_again_reads_the_cache_and_gives_the_same_workbook(here, solves):
    src = write_workbook(tiny(), here / "tiny.xlsx")
    invoke("plan", src, "-o", "uncached.xlsx", "--no-cache")
    assert not Path("outputs/.cache").exists()
    first = invoke("plan", src, "-o", "first.xlsx")
    assert len(solves) == 2 and len(entries()) == 1
    assert "from cache" not in first.stderr
    second = invoke("plan", src, "-o", "second.xlsx")
    assert len(solves) == 2  # not solved again
    assert "plan from cache: optimal at all 7 levels" in second.stderr
    assert [summary(Path(f))["cache"] for f in ("uncached.xlsx", "first.xlsx", "second.xlsx")] == ["off", "miss", "hit"]
    a, b, c = (sheet_xml(Path(f), "Allocations") for f in ("uncached.xlsx", "first.xlsx", "second.xlsx"))
    assert a == b == c and b"P-A" in a
    assert solve_log(Path("uncached.xlsx")) == solve_log(Path("first.xlsx")) == solve_log(Path("second.xlsx"))
    # the stored solve's log and runtime, seconds included
    assert solve_log(Path("first.xlsx"), True) == solve_log(Path("second.xlsx"), True)
    assert summary(Path("first.xlsx"))["runtime_s"] == summary(Path("second.xlsx"))["runtime_s"]
    for sheet in ("Coverage", "Shortfalls", "Tasks", "Nations", "Caveats"):
        assert sheet_xml(Path("uncached.xlsx"), sheet) == sheet_xml(Path("second.xlsx"), sheet), sheet
    js = json.loads(invoke("plan", src, "-o", "third.xlsx", "--json").stdout)
    assert js["cache"] == "hit" and "cache" not in js["options"] and len(solves) == 2


def test_changed_input_option_or_version_misses(here, solves, monkeypatch):
    rows = tiny()
    src = write_workbook(rows, here / "in.xlsx")
    invoke("plan", src, "-o", "p.xlsx")
    assert len(entries()) == 1
    runs = [("option --seed", ["--seed", "1"]), ("option --gap", ["--gap", "0.5"]),
            ("option --time-limit", ["--time-limit", "100"])]
    for what, extra in runs:
        invoke("plan", src, "-o", "p.xlsx", *extra)
        assert summary(Path("p.xlsx"))["cache"] == "miss", what
    assert len(solves) == 4 and len(entries()) == 4
    # one changed value in the input (the file is rewritten under the same name)
    rows["Pledges"][0]["cost_per_unit"] = 11
    write_workbook(rows, src)
    invoke("plan", src, "-o", "p.xlsx")
    assert summary(Path("p.xlsx"))["cache"] == "miss" and len(solves) == 5 and len(entries()) == 5
    # another forcegen version
    version = forcegen.__version__
    monkeypatch.setattr(forcegen, "__version__", version + ".post1")
    invoke("plan", src, "-o", "p.xlsx")
    assert summary(Path("p.xlsx"))["cache"] == "miss" and len(solves) == 6 and len(entries()) == 6
    # the first version, input and options again: the first entry
    monkeypatch.setattr(forcegen, "__version__", version)
    write_workbook(tiny(), src)
    invoke("plan", src, "-o", "p.xlsx")
    assert summary(Path("p.xlsx"))["cache"] == "hit" and len(solves) == 6 and len(entries()) == 6


def test_a_cache_never_crosses_inputs(here, solves):
    rows = tiny()
    rows["Requirements"][0]["units"] = 3  # AAA and BBB both needed, and still short
    a = write_workbook(tiny(), here / "a.xlsx")
    b = write_workbook(rows, here / "b.xlsx")
    invoke("plan", a, "-o", "a1.xlsx")
    invoke("plan", b, "-o", "b1.xlsx")
    assert len(entries()) == 2 and len(solves) == 2
    assert summary(Path("b1.xlsx"))["cache"] == "miss"
    invoke("plan", b, "-o", "b2.xlsx")
    invoke("plan", a, "-o", "a2.xlsx")
    assert len(solves) == 2 and len(entries()) == 2
    assert sheet_xml(Path("a1.xlsx"), "Allocations") == sheet_xml(Path("a2.xlsx"), "Allocations")
    assert sheet_xml(Path("b1.xlsx"), "Allocations") == sheet_xml(Path("b2.xlsx"), "Allocations")
    assert sheet_xml(Path("a2.xlsx"), "Coverage") != sheet_xml(Path("b2.xlsx"), "Coverage")


def _corrupt_ways(path: Path, other_entry: Path):
    good = path.read_text(encoding="utf-8")
    entry = json.loads(good)
    tampered = json.loads(good)
    tampered["plan"]["allocations"][0][4] += 1  # one more unit: no longer what was stored
    yield "truncated", good[: len(good) // 2]
    yield "not text", "\udcff\x00garbage"
    yield "empty", ""
    yield "another shape", json.dumps([1, 2, 3])
    yield "tampered plan", json.dumps(tampered)
    yield "another key's entry", other_entry.read_text(encoding="utf-8")
    yield "another layout", json.dumps({**entry, "format": cache.FORMAT + 1})


def test_a_corrupt_or_unreadable_entry_is_a_miss(here, solves):
    src = write_workbook(tiny(), here / "tiny.xlsx")
    rows = tiny()
    rows["Pledges"][1]["cost_per_unit"] = 1
    other = write_workbook(rows, here / "other.xlsx")
    invoke("plan", other, "-o", "other-plan.xlsx")
    other_entry = entries()[0]
    invoke("plan", src, "-o", "good.xlsx")
    (path,) = [p for p in entries() if p != other_entry]
    expected = sheet_xml(Path("good.xlsx"), "Allocations")
    n = len(solves)
    for what, text in _corrupt_ways(path, other_entry):
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        result = invoke("plan", src, "-o", "p.xlsx")
        assert "Traceback" not in result.output and "error" not in result.stderr, what
        assert summary(Path("p.xlsx"))["cache"] == "miss", what
        assert sheet_xml(Path("p.xlsx"), "Allocations") == expected, what
        n += 1
        assert len(solves) == n, what
        assert cache.load(path.parent, path.stem) is not None, what  # written again, whole
    # unreadable: the entry's name is taken by a folder, so it can be neither read nor replaced
    path.unlink()
    path.mkdir()
    for _ in range(2):
        result = invoke("plan", src, "-o", "p.xlsx")
        assert summary(Path("p.xlsx"))["cache"] == "miss" and result.stderr.count("error") == 0
    assert path.is_dir() and not list(path.parent.glob("*.tmp"))


# --------------------------------------------------------------------------- whatif and compare


def test_whatif_after_plan_solves_only_the_variant_and_gives_the_same_comparison(here, solves):
    rows = tiny()
    rows["Requirements"][0]["units"] = 3
    src = write_workbook(rows, here / "tiny.xlsx")
    invoke("whatif", src, "--drop-nation", "BBB", "-o", "uncached.xlsx", "--no-cache")
    assert len(solves) == 2 and not Path("outputs/.cache").exists()
    invoke("plan", src, "-o", "plan.xlsx")
    assert len(solves) == 3
    first = invoke("whatif", src, "--drop-nation", "BBB", "-o", "first.xlsx")
    assert len(solves) == 4 and solves[-1].pledge.keys() == {"P-A"}  # only the variant was solved
    assert "baseline from cache" in first.stderr
    second = invoke("whatif", src, "--drop-nation", "BBB", "-o", "second.xlsx")
    assert len(solves) == 4  # baseline and variant both from the cache
    assert "baseline from cache" in second.stderr and "variant from cache" in second.stderr
    runs = {f: {r[0]: r[6] for r in table(Path(f), "Runs", "tblRuns")[1:]}
            for f in ("uncached.xlsx", "first.xlsx", "second.xlsx")}
    assert runs == {"uncached.xlsx": {"baseline": "off", "variant": "off"},
                    "first.xlsx": {"baseline": "hit", "variant": "miss"},
                    "second.xlsx": {"baseline": "hit", "variant": "hit"}}
    assert table(Path("first.xlsx"), "Runs", "tblRuns")[0][6] == "cache"
    for sheet in ("Tasks", "Nations", "Requirements", "Changes", "ChangedAllocations"):
        a, b, c = (sheet_xml(Path(f), sheet) for f in ("uncached.xlsx", "first.xlsx", "second.xlsx"))
        assert a == b == c, sheet
    a, b, c = (table(Path(f), "Summary", "tblSummary") for f in ("uncached.xlsx", "first.xlsx", "second.xlsx"))
    assert a == b == c


def test_whatif_plans_and_levels_are_the_same_from_the_cache(tmp_path):
    rows = tiny()
    rows["Requirements"][0]["units"] = 3
    src = write_workbook(rows, tmp_path / "tiny.xlsx")
    folder = tmp_path / "cache"
    changes = [parse_change("Pledges:P-A:units=2")]
    runs = [run_whatif(src, changes, [], None, OPTIONS, cache=c) for c in (None, folder, folder)]
    assert [(r.baseline.plan.info.cache, r.variant.plan.info.cache) for r in runs] == [
        ("off", "off"), ("miss", "miss"), ("hit", "hit")]
    for part in ("baseline", "variant"):
        plans = [getattr(r, part).plan for r in runs]
        assert plans[0].allocations == plans[1].allocations == plans[2].allocations, part
        assert plans[0].leads == plans[1].leads == plans[2].leads, part
        assert levels(plans[0]) == levels(plans[1]) == levels(plans[2]), part
        assert all(p.info.status == "optimal" for p in plans)
    # the stable variant (fewest units moved) and the plain one are different solves, cached apart
    plain = run_whatif(src, changes, [], None, OPTIONS, stable=False, cache=folder)
    assert plain.variant.plan.info.cache == "miss" and plain.baseline.plan.info.cache == "hit"
    assert len(entries(folder)) == 3


def test_compare_reads_a_planned_input_from_the_cache(here, solves):
    rows = tiny()
    rows["Pledges"][0]["units"] = 2
    a = write_workbook(tiny(), here / "a.xlsx")
    b = write_workbook(rows, here / "b.xlsx")
    invoke("plan", a, "-o", "a.plan.xlsx")
    result = invoke("compare", a, b, "-o", "cmp.xlsx")
    assert len(solves) == 2 and "plan from cache" in result.stderr
    runs = {r[0]: r[6] for r in table(Path("cmp.xlsx"), "Runs", "tblRuns")[1:]}
    assert runs == {"baseline": "hit", "variant": "miss"}
    invoke("compare", a, b, "-o", "cmp2.xlsx", "--no-cache")
    assert len(solves) == 4
    for sheet in ("Tasks", "Nations", "ChangedAllocations"):
        assert sheet_xml(Path("cmp.xlsx"), sheet) == sheet_xml(Path("cmp2.xlsx"), sheet), sheet


# --------------------------------------------------------------------------- sweep


def _sweep(src: Path, cache_folder):
    tables = read_tables(src)
    problem = build_problem(tables, file=str(src))
    with ThreadPoolExecutor(max_workers=2) as ex:
        return run_sweep(tables, leave_one_out(problem), ex, OPTIONS, kind="leave-one-out", file=str(src),
                         cache=cache_folder)


def _figures(result) -> list:
    return [result.baseline["figures"], result.baseline["pledges_used"]] + [
        (v.name, r["status"], r["solve_status"], r["figures"], r["tasks"], r["pledges_used"])
        for v, r in zip(result.variants, result.results)]


def test_sweep_after_plan_reuses_the_baseline_and_a_rerun_solves_nothing(tmp_path, solves):
    src = write_workbook(three_nations(), tmp_path / "three.xlsx")
    folder = tmp_path / "cache"
    uncached = _sweep(src, None)
    assert len(solves) == 3 and not folder.exists()  # the baseline, without AAA, without BBB (CCC unused)
    assert uncached.baseline["cache"] == "off"
    run_plan(src, None, OPTIONS, cache=folder)
    assert len(solves) == 4
    first = _sweep(src, folder)
    assert first.baseline["cache"] == "hit"
    assert len(solves) == 6 and len(entries(folder)) == 3
    again = _sweep(src, folder)
    assert len(solves) == 6  # nothing solved
    assert [r["cache"] for r in again.results if not r.get("reused")] == ["hit", "hit"]
    assert _figures(uncached) == _figures(first) == _figures(again)


def test_sweep_workers_in_other_processes_use_the_cache_folder(here):
    src = write_workbook(three_nations(), here / "three.xlsx")
    invoke("plan", src, "-o", "plan.xlsx")
    first = invoke("sweep", src, "--kind", "leave-one-out", "--workers", "1", "-o", "s1.xlsx")
    assert "baseline from cache" in first.stderr
    assert summary(Path("s1.xlsx"))["cache"] == "outputs/.cache: baseline hit; 0 of 2 variant solves from the cache"
    assert len(entries()) == 3
    invoke("sweep", src, "--kind", "leave-one-out", "--workers", "1", "-o", "s2.xlsx")
    assert summary(Path("s2.xlsx"))["cache"] == "outputs/.cache: baseline hit; 2 of 2 variant solves from the cache"
    rows1, rows2 = (table(Path(f), "Variants", "tblVariants") for f in ("s1.xlsx", "s2.xlsx"))
    keep = [i for i, c in enumerate(rows1[0]) if c not in ("runtime_s", "worker")]
    assert [[r[i] for i in keep] for r in rows1] == [[r[i] for i in keep] for r in rows2]


def test_no_cache_writes_nothing_to_the_cache_folder(here):
    src = write_workbook(three_nations(), here / "three.xlsx")
    invoke("plan", src, "-o", "p.xlsx", "--no-cache")
    invoke("whatif", src, "--drop-nation", "BBB", "-o", "w.xlsx", "--no-cache")
    invoke("compare", src, src, "-o", "c.xlsx", "--no-cache")
    invoke("sweep", src, "--kind", "leave-one-out", "--workers", "1", "-o", "s.xlsx", "--no-cache")
    assert not Path("outputs/.cache").exists()
    assert summary(Path("s.xlsx"))["cache"] == "off"
    assert {r[6] for r in table(Path("w.xlsx"), "Runs", "tblRuns")[1:]} == {"off"}


def test_a_dask_cluster_sweeps_without_the_cache(tmp_path):
    from forcegen.sweep import ExecutorHandle, sweep_input
    from forcegen.workbook.sweep_write import summary_rows

    src = write_workbook(three_nations(), tmp_path / "three.xlsx")
    folder = tmp_path / "cache"
    with ThreadPoolExecutor(max_workers=2) as ex:
        handle = ExecutorHandle(ex, "dask tcp://example:8786 (2 workers)", 2, client=object())
        result = sweep_input(src, "leave-one-out", handle, OPTIONS, cache=folder)
    assert not folder.exists() and result.baseline["cache"] == "off"
    assert dict(summary_rows(result))["cache"].startswith("off (the Dask cluster's workers")
