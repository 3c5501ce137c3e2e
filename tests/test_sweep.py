"""Sweeps: hand-derived small sweeps on any Executor, reliability with a seed, failures, Ctrl-C, the CLI."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from click.testing import CliRunner

from builders import tables_from_rows, three_nations, tiny, write_workbook
from forcegen.cli import SWEEP_HEADLINES, cli, sweep_headline
from forcegen.errors import UsageError
from forcegen.model.solve import PlanOptions
from forcegen.sweep import (
    Variant, caveat_lifts, grid, leave_one_out, make_executor, reliability_samples, run_sweep, solve_variant,
    uncertain_pledges, wilson,
)
from forcegen.validate import build_problem
from forcegen.workbook.sweep_write import write_sweep

OPTIONS = PlanOptions()


def with_caveats() -> dict:
    """tiny(): T1 needs 2 INF in each of 2 periods; AAA and BBB pledge 1 each (costs 10 and 20).

    Caveat row 2 forbids AAA from UKR (T1's only base is in UKR): binding, the baseline covers
    only BBB's unit → 2 of 4 unit-periods, shortfall_p1 = 2. Lifting it recovers exactly 2
    unit-periods (Δshortfall_p1 = −2) at Δcost = 2·10 = +20. Row 3 forbids BBB from POL: not
    binding, lifting it recovers nothing.
    """
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "forbid", "country": "UKR"},
                       {"nation": "BBB", "rule": "forbid", "country": "POL"}]
    return rows


def sweep(rows, variants_of, executor=None, **kw):
    tables = tables_from_rows(rows)
    problem = build_problem(tables)
    variants = variants_of(problem)
    if executor is None:
        with ThreadPoolExecutor(max_workers=2) as ex:
            return run_sweep(tables, variants, ex, OPTIONS, **kw)
    return run_sweep(tables, variants, executor, OPTIONS, **kw)


def comparable(result) -> list:
    """What must not depend on the executor: per variant its status and figures."""
    out = [result.baseline["figures"]]
    for v, r in zip(result.variants, result.results):
        out.append((v.name, r["status"], r.get("solve_status"), r.get("figures"), r.get("tasks")))
    return out


# --------------------------------------------------------------------------- hand-derived sweeps


def test_the_only_contributor_s_absence_ranks_first():
    result = sweep(three_nations(), leave_one_out, kind="leave-one-out")
    assert not result.partial and result.failed == 0
    assert result.baseline["figures"]["shortfall_p1"] == 0 and result.baseline["figures"]["total_cost"] == 30
    rank = result.ranking()
    assert list(rank["nation"]) == ["AAA", "BBB", "CCC"]
    top = rank.iloc[0]
    assert (top["delta_shortfall_p1"], top["delta_total_cost"], top["delta_covered_unit_periods"]) == (2, -20, -2)
    assert rank.iloc[1]["delta_shortfall_p1"] == 0 and rank.iloc[1]["delta_total_cost"] == 6
    assert rank.iloc[2]["delta_total_cost"] == 0 and rank.iloc[2]["reused"]  # CCC unused: no solve
    assert result.reused == 1
    assert sweep_headline(result)[1].startswith("  1. AAA (Alpha): Δshortfall_p1 +2")


def test_lifting_a_binding_caveat_recovers_exactly_the_expected_units():
    result = sweep(with_caveats(), caveat_lifts, kind="caveats")
    assert result.baseline["figures"]["covered_unit_periods"] == 2
    assert result.baseline["figures"]["shortfall_p1"] == 2
    rank = result.ranking()
    assert list(rank["caveat"]) == ["#2", "#3"]
    first, second = rank.iloc[0], rank.iloc[1]
    assert (first["units_recovered"], first["delta_shortfall_p1"], first["delta_total_cost"]) == (2, -2, 20)
    assert (second["units_recovered"], second["delta_shortfall_p1"]) == (0, 0)


def test_a_nation_s_only_rows_are_lifted_together():
    rows = tiny()
    rows["Caveats"] = [{"nation": "AAA", "rule": "only", "country": "UKR"},
                       {"nation": "BBB", "rule": "max_personnel", "limit": 100},
                       {"nation": "AAA", "rule": "only", "country": "POL"}]
    variants = caveat_lifts(build_problem(tables_from_rows(rows)))
    assert [(v.subject, v.lift_caveat_rows) for v in variants] == [("#2+#4", (2, 4)), ("#3", (3,))]


# --------------------------------------------------------------------------- executors


def test_process_pool_and_a_dask_local_cluster_give_the_same_results():
    distributed = pytest.importorskip("dask.distributed")
    rows = three_nations()
    with make_executor(workers=2) as handle:
        local = sweep(rows, leave_one_out, handle.executor, kind="leave-one-out", reuse=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        with make_executor(scheduler=cl.scheduler_address) as handle:
            assert handle.description.startswith("dask ")
            dask = sweep(rows, leave_one_out, handle.executor, kind="leave-one-out", reuse=False)
    assert local.reused == dask.reused == 0
    assert comparable(local) == comparable(dask)
    assert list(local.ranking()["nation"]) == list(dask.ranking()["nation"]) == ["AAA", "BBB", "CCC"]


def test_workers_and_scheduler_together_is_a_usage_error():
    with pytest.raises(UsageError, match="--workers"):
        make_executor(workers=2, scheduler="tcp://127.0.0.1:1")


# --------------------------------------------------------------------------- reliability


def reliability_rows() -> dict:
    rows = tiny()
    rows["Pledges"][1]["status"] = "conditional"  # P-B: probability 0.5 by default
    return rows


def test_reliability_is_reproducible_with_a_seed_and_differs_with_another():
    rows = reliability_rows()

    def run(seed):
        return sweep(rows, lambda pb: reliability_samples(pb, 20, seed), kind="reliability")

    a, b, c = run(7), run(7), run(8)
    assert [v.changes for v in a.variants] == [v.changes for v in b.variants]
    assert comparable(a) == comparable(b)
    assert a.reliability().equals(b.reliability())
    assert [v.changes for v in a.variants] != [v.changes for v in c.variants]
    # T1 needs 2 units in 2 periods; P-A (firm) always gives 1, P-B (conditional) the other.
    # Fully covered exactly in the samples that keep P-B; otherwise 2 unit-periods are missing.
    kept = sum(1 for v in a.variants if not v.changes)
    rel = a.reliability().set_index("scope")
    assert rel.loc["T1", "samples"] == 20 and rel.loc["T1", "fully_covered"] == kept
    assert rel.loc["T1", "p_full"] == pytest.approx(kept / 20)
    assert rel.loc["T1", "shortfall_mean"] == pytest.approx(2 * (20 - kept) / 20)
    assert rel.loc["T1", "ci_low"] <= kept / 20 <= rel.loc["T1", "ci_high"]
    assert rel.loc["all", "fully_covered"] == kept
    assert a.pledge_draws().set_index("pledge").loc["P-B", "kept"] == kept


def test_uncertain_pledges_include_firm_ones_below_one_and_skip_excluded_conditionals():
    rows = reliability_rows()
    rows["Pledges"][0]["probability"] = 0.9
    pb = build_problem(tables_from_rows(rows))
    assert [p.id for p in uncertain_pledges(pb)] == ["P-A", "P-B"]
    rows["Scenario"].append({"parameter": "include_conditional", "value": "no"})
    pb = build_problem(tables_from_rows(rows))
    assert [p.id for p in uncertain_pledges(pb)] == ["P-A"]


def test_wilson_interval():
    lo, hi = wilson(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == 1
    assert wilson(0, 0) == (None, None)


# --------------------------------------------------------------------------- failures and Ctrl-C


def fails_without_bbb(payload):
    if payload["variant"].name == "without BBB":
        raise RuntimeError("solver exploded")
    return solve_variant(payload)


def test_a_failed_variant_is_recorded_and_the_sweep_goes_on():
    result = sweep(three_nations(), leave_one_out, kind="leave-one-out", worker=fails_without_bbb, reuse=False)
    status = {v.name: r["status"] for v, r in zip(result.variants, result.results)}
    assert status == {"without AAA": "ok", "without BBB": "failed", "without CCC": "ok"}
    assert result.failed == 1 and not result.partial
    rows = result.rows().set_index("name")
    assert rows.loc["without BBB", "error"] == "RuntimeError: solver exploded"
    assert list(result.ranking()["nation"]) == ["AAA", "CCC"]


def test_an_invalid_grid_value_fails_only_its_variants():
    rows = tiny()
    result = sweep(rows, lambda pb: grid(["Pledges:P-A:units=-1,2"]), kind="grid")
    by_name = {v.name: r for v, r in zip(result.variants, result.results)}
    assert by_name["Pledges:P-A:units=-1"]["status"] == "failed"
    assert "units" in by_name["Pledges:P-A:units=-1"]["error"]
    assert by_name["Pledges:P-A:units=2"]["status"] == "ok"
    assert by_name["Pledges:P-A:units=2"]["figures"]["shortfall_p1"] == 0  # 2 + 1 units cover 2


def test_ctrl_c_returns_what_has_finished_marked_partial(tmp_path):
    def interrupt_after_first(kind, data):
        if kind == "variant_done":
            raise KeyboardInterrupt

    tables = tables_from_rows(three_nations())
    variants = leave_one_out(build_problem(tables))
    with ThreadPoolExecutor(max_workers=1) as ex:
        result = run_sweep(tables, variants, ex, OPTIONS, on_event=interrupt_after_first, kind="leave-one-out",
                           reuse=False)
    assert result.partial and result.done == 1 and result.total == 3
    assert list(result.rows()["status"]).count("not run") == 2
    out = write_sweep(result, tmp_path / "partial.xlsx")
    ws = openpyxl.load_workbook(out, read_only=True)["Summary"]
    summary = {row[0]: row[1] for row in ws.iter_rows(min_row=2, max_row=8, values_only=True)}
    assert summary["partial"].startswith("yes") and summary["variants_done"] == 1


# --------------------------------------------------------------------------- grid


def test_grid_is_the_product_of_the_values():
    variants = grid(["Pledges:P-A:units=0,1,2", "Scenario:include_conditional:value=yes,no"])
    assert len(variants) == 6
    assert variants[0].params == (("Pledges:P-A:units", "0"), ("Scenario:include_conditional:value", "yes"))
    assert [c.text for c in variants[-1].changes] == ["Pledges:P-A:units=2", "Scenario:include_conditional:value=no"]
    assert len({v.signature for v in variants}) == 6


@pytest.mark.parametrize("specs, message", [
    ([], "at least one --set"),
    (["Pledges:P-A:units=1,,2"], "no empty value"),
    (["Pledges:P-A:units=1,1"], "listed twice"),
    (["Pledges:P-A:units=1,2", "pledges:P-A:units=3"], "the same cell"),
    (["Pledges:units=1"], "expected SHEET:KEY:COLUMN=VALUE"),
])
def test_grid_usage_errors(specs, message):
    with pytest.raises(UsageError, match=message):
        grid(specs)


def test_the_variant_signature_ignores_order():
    a = Variant("a", drop_nations=("X", "Y"))
    b = Variant("b", drop_nations=("Y", "X"))
    assert a.signature == b.signature


# --------------------------------------------------------------------------- the CLI


def test_cli_sweep_writes_the_workbook_and_exits_0(tmp_path):
    src = write_workbook(three_nations(), tmp_path / "three.xlsx")
    out = tmp_path / "sweep.xlsx"
    result = CliRunner().invoke(cli, ["sweep", str(src), "--kind", "leave-one-out", "-o", str(out),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1. AAA (Alpha): Δshortfall_p1 +2" in result.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Variants", "Rankings"]
    assert wb["Rankings"]._charts  # the ranking chart
    variants = list(wb["Variants"].iter_rows(values_only=True))
    assert len(variants) == 1 + 1 + 3  # header, baseline, three nations


def test_cli_sweep_grid_json(tmp_path):
    src = write_workbook(tiny(), tmp_path / "tiny.xlsx")
    out = tmp_path / "grid.xlsx"
    result = CliRunner().invoke(cli, ["sweep", str(src), "--kind", "grid", "--set", "Pledges:P-A:units=0,1",
                                      "--set", "Pledges:P-B:units=0,1", "-o", str(out), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["total"], data["done"], data["failed"]) == ("grid", 4, 4, 0)
    # best combination: both pledges at 1 unit (shortfall_p1 0); then either alone (2), then none (4)
    assert data["top"][0]["shortfall_p1"] == 0 and data["top"][0]["name"] == "Pledges:P-A:units=1, Pledges:P-B:units=1"


def test_cli_sweep_usage_errors_exit_2(tmp_path):
    src = write_workbook(tiny(), tmp_path / "tiny.xlsx")
    runner = CliRunner()
    result = runner.invoke(cli, ["sweep", str(src), "--kind", "caveats", "--set", "Pledges:P-A:units=0,1",
                                 "-o", str(tmp_path / "x.xlsx"), "--workers", "1"])
    assert result.exit_code == 2 and "--set is for --kind grid" in result.stderr
    result = runner.invoke(cli, ["sweep", str(src), "--kind", "grid", "--set", "Pledges:P-Z:units=0,1",
                                 "-o", str(tmp_path / "x.xlsx"), "--workers", "1"])
    assert result.exit_code == 2 and "no pledge 'P-Z'" in result.stderr


def test_cli_sweep_reliability(tmp_path):
    src = write_workbook(reliability_rows(), tmp_path / "rel.xlsx")
    out = tmp_path / "rel-sweep.xlsx"
    args = ["sweep", str(src), "--kind", "reliability", "--samples", "10", "--seed", "3", "-o", str(out),
            "--workers", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "all tasks fully covered in" in result.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Variants", "Reliability", "Pledges"]
    assert wb["Reliability"]._charts
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert (summary["samples"], summary["seed"], summary["partial"]) == (10, 3, "no")


def test_only_known_pledge_removals_may_reuse_the_baseline():
    pb = build_problem(tables_from_rows(tiny()))
    drop = Variant("x", changes=grid(["Pledges:P-A:units=0"])[0].changes)
    assert drop.removed_pledges(pb) == {"P-A"}
    assert Variant("x", changes=grid(["Pledges:P-Z:units=0"])[0].changes).removed_pledges(pb) is None
    assert Variant("x", changes=grid(["Pledges:P-A:units=1"])[0].changes).removed_pledges(pb) is None
    assert Variant("x", drop_nations=("ZZZ",)).removed_pledges(pb) is None
    assert Variant("x", drop_nations=("BBB",)).removed_pledges(pb) == {"P-B"}


# --------------------------------------------------------------------------- the registry of kinds


def test_every_registered_kind_has_its_words_and_the_cli_offers_exactly_them():
    from forcegen.cli import SWEEP_KINDS
    from forcegen.sweep import KINDS

    assert set(SWEEP_HEADLINES) == set(KINDS) and SWEEP_KINDS == tuple(KINDS)
    for kind in KINDS.values():
        assert kind.description and kind.ranking_note
        assert set(kind.sheets) <= {"Rankings", "Reliability", "Pledges"}
        assert kind.chart is None or "Rankings" in kind.sheets


def test_an_option_of_another_kind_names_the_kind_that_takes_it():
    from forcegen.sweep import variants_for

    tables = tables_from_rows(tiny())
    pb = build_problem(tables)
    with pytest.raises(UsageError, match="--set is for --kind grid"):
        variants_for("leave-one-out", pb, tables, specs=["Pledges:P-A:units=0,1"])
    with pytest.raises(UsageError, match="--samples is for --kind reliability"):
        variants_for("grid", pb, tables, samples=3, specs=["Pledges:P-A:units=0,1"])
    with pytest.raises(UsageError, match="unknown sweep kind 'bogus'"):
        variants_for("bogus", pb, tables)
    assert len(variants_for("reliability", pb, tables, samples=4, seed=1)) == 4


def test_a_variant_result_is_typed_and_reads_like_a_record():
    from forcegen.sweep import VariantResult

    failed = VariantResult.failure("boom", seconds=0.5)
    assert failed.failed and not failed.ok and failed["error"] == "boom"
    assert failed.get("figures") is None and not failed.get("reused") and failed.get("cache", "off") == "off"
    with pytest.raises(KeyError):
        failed["nope"]
