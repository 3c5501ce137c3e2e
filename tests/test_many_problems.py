"""A workbook with thousands of problems: the first 200 lines, then a count of the rest."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from builders import tiny, write_workbook
from forcegen.cli import MAX_PROBLEM_LINES, cli
from forcegen.errors import InputError
from forcegen.workbook.read import read_problem


def with_bad_pledges(tmp_path, n: int):
    """tiny() with ``n`` more pledges, each with a fractional number of units (one problem each)."""
    rows = tiny()
    rows["Pledges"] += [{"pledge": f"X{i}", "nation": "AAA", "capability": "INF", "units": 1.5}
                        for i in range(n)]
    return write_workbook(rows, tmp_path / f"bad-{n}.xlsx")


def test_thousands_of_problems_are_capped_with_a_count(tmp_path):
    path = with_bad_pledges(tmp_path, 2000)
    with pytest.raises(InputError) as err:
        read_problem(path)
    issues = err.value.issues
    assert len(issues) == 2000  # the reader keeps them all; only the listing is capped
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert MAX_PROBLEM_LINES == 200
    assert lines == [str(i) for i in issues[:200]] + ["… and 1,800 more problems (2,000 in all)"]
    assert lines[0] == f"{path}: Pledges row 4, units: expected a whole number in 0..100,000, got 1.5"


def test_plan_caps_the_list_too_and_writes_nothing(tmp_path):
    path = with_bad_pledges(tmp_path, 1000)
    out = tmp_path / "out" / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(path), "-o", str(out), "--no-cache"])
    assert result.exit_code == 2
    problems = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{path}: ")]
    assert len(problems) == 200
    assert result.stderr.splitlines()[-1] == "… and 800 more problems (1,000 in all)"
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


@pytest.mark.parametrize("n,last", [(200, "200 problems found"), (201, "… and 1 more problem (201 in all)")])
def test_the_cap_at_its_edge(tmp_path, n, last):
    result = CliRunner().invoke(cli, ["validate", str(with_bad_pledges(tmp_path, n))])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and lines[-1] == last and len(lines) == 201
