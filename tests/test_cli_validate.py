"""`forcegen validate INPUT`: exit 0 and one "valid" line, or exit 2 and one line per problem on stderr."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import tiny, write_workbook
from forcegen.cli import cli
from forcegen.errors import InputError
from forcegen.workbook.read import read_problem


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def broken_rows():
    rows = tiny()
    rows["Nations"][0]["european"] = "maybe"
    rows["Capabilities"][0]["personnel_per_unit"] = "ten"
    rows["Pledges"][1]["nation"] = "ZZZ"
    rows["Requirements"][0]["units"] = 2.5
    return rows


def test_valid_workbook_exits_0_with_a_valid_line(tmp_path):
    path = write_workbook(tiny(), tmp_path / "tiny.xlsx")
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith(f"{path}: valid")
    assert "2 nations" in line and "1 tasks" in line and "2 pledges" in line and "horizon 2" in line


def test_invalid_workbook_exits_2_with_one_line_per_problem(tmp_path):
    path = write_workbook(broken_rows(), tmp_path / "broken.xlsx")
    before = sha256(path)
    with pytest.raises(InputError) as err:
        read_problem(path)
    expected = [str(i) for i in err.value.issues]
    assert len(expected) == 4
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines == expected + ["4 problems found"]
    assert lines[0] == f"{path}: Nations row 2, european: expected yes or no (also true/false, y/n, 1/0), got 'maybe'"
    assert f"{path}: Capabilities row 2, personnel_per_unit:" in lines[1]
    assert f"{path}: Requirements row 2, units:" in lines[2]
    assert f"{path}: Pledges row 3, nation: unknown nation 'ZZZ'" in lines[3]
    assert sha256(path) == before


def test_a_single_problem_is_counted_in_the_singular(tmp_path):
    rows = tiny()
    rows["Tasks"][0]["lead"] = "nato"
    result = run("validate", str(write_workbook(rows, tmp_path / "one.xlsx")))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Tasks row 2, lead:" in lines[0] and lines[1] == "1 problem found"


def test_missing_file_exits_2_with_a_clear_message(tmp_path):
    path = tmp_path / "nowhere.xlsx"
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert str(path) in result.stderr and "not found" in result.stderr.lower()


def test_a_directory_exits_2(tmp_path):
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "directory" in result.stderr.lower()


def test_no_argument_is_a_usage_error():
    result = run("validate")
    assert result.exit_code == 2 and "Usage" in result.stderr


def test_debug_flag_exists_at_group_level_and_shows_the_exception(tmp_path):
    help_text = run("--help").stdout
    assert "--debug" in help_text
    path = write_workbook(broken_rows(), tmp_path / "broken.xlsx")
    result = run("--debug", "validate", str(path))
    assert isinstance(result.exception, InputError)  # not swallowed: a traceback for the developer
    assert len(result.exception.issues) == 4
    # and the flag only belongs to the group
    assert run("validate", "--debug", str(path)).exit_code == 2


def test_validate_help():
    result = run("validate", "--help")
    assert result.exit_code == 0 and "INPUT" in result.stdout


def test_installed_command_exits_2_without_traceback(tmp_path):
    """The real console script, in its own process: exit status and stderr as a user sees them."""
    exe = Path(sys.executable).with_name("forcegen")
    if not exe.exists():
        pytest.skip("forcegen console script not installed next to the interpreter")
    bad = write_workbook(broken_rows(), tmp_path / "broken.xlsx")
    csv = tmp_path / "renamed.xlsx"
    csv.write_text("nation,name\nAAA,Alpha\n")
    good = write_workbook(tiny(), tmp_path / "good.xlsx")
    for path, status in ((bad, 2), (csv, 2), (good, 0)):
        out = subprocess.run([str(exe), "validate", str(path)], capture_output=True, text=True, timeout=60)
        assert out.returncode == status, out.stderr
        assert "Traceback" not in out.stderr + out.stdout
        if status:
            assert out.stdout == "" and all(line.strip() for line in out.stderr.splitlines())
        else:
            assert "valid" in out.stdout
