"""Hostile input files: refused with one clear line and exit status 2, after bounded work, in bounded memory.

Each file is crafted once per module (the big ones are streamed into their zip,
so that building them stays light too). Reading must leave the file unchanged,
never show a traceback, and do bounded work whatever the machine's speed: the
work is measured, not timed (``metered``): lines of Python run, bytes
decompressed out of the archive, and peak memory allocated.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import tiny, write_workbook
from forcegen.cli import cli
from forcegen.errors import InputError
from forcegen.workbook.read import MAX_SHEET_BYTES, read_problem

#: lines of Python a refusal may run: a few times what reading a small valid workbook takes, far
#: below what one line per row or per cell of these files would take (millions)
WORK_LINES = 1_000_000
#: bytes a refusal may decompress: up to the XML limit and one more chunk, never the whole bomb
WORK_BYTES = MAX_SHEET_BYTES + 2**20
#: memory a refusal may allocate (the files here decompress to 20 MB .. 300 MB)
WORK_PEAK = 32 * 2**20
NATIONS_XML = "xl/worksheets/sheet2.xml"  # builders.write_workbook writes Scenario first, Nations second

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- measuring work ---------------------------------------------------------------------------


class WorkExceeded(BaseException):
    """Raised inside the measured code once it runs more lines than allowed (a BaseException,
    so that no ``except Exception`` in the code under test can take it for a refusal)."""


@dataclass
class Work:
    lines: int = 0  # lines of Python run (0 when not counted)
    decompressed: int = 0  # bytes read out of zip entries
    peak: int = 0  # peak bytes allocated (tracemalloc)
    exceeded: bool = False


@contextmanager
def metered(max_lines: int | None = WORK_LINES):
    """Measure the work done in the block; ``max_lines`` None: do not count lines (much faster)."""
    work = Work()

    def count(frame, event, arg):
        if event == "line":
            work.lines += 1
            if work.lines > max_lines:
                work.exceeded = True
                raise WorkExceeded(f"more than {max_lines:,} lines of Python")
        return count

    def counting(read):
        def wrapper(self, *args, **kwargs):
            data = read(self, *args, **kwargs)
            work.decompressed += len(data)
            return data
        return wrapper

    tracing = tracemalloc.is_tracing()
    previous = sys.gettrace()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipfile.ZipExtFile, "read", counting(zipfile.ZipExtFile.read))
        mp.setattr(zipfile.ZipExtFile, "read1", counting(zipfile.ZipExtFile.read1))
        if tracing:
            tracemalloc.reset_peak()
        else:
            tracemalloc.start()
        if max_lines is not None:
            sys.settrace(lambda frame, event, arg: count)
        try:
            yield work
        finally:
            sys.settrace(previous)
            work.peak = tracemalloc.get_traced_memory()[1]
            if not tracing:
                tracemalloc.stop()


# --- crafting -------------------------------------------------------------------------------------


def _tiny_xlsx(path: Path) -> Path:
    return write_workbook(tiny(), path)


def _rewrite(src: Path, dst: Path, replace: dict[str, object], extra=()) -> Path:
    """Copy an xlsx entry by entry; ``replace[name]`` is bytes or a callable(old bytes) -> iterable of bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            new = replace.get(info.filename)
            if new is None:
                zout.writestr(info.filename, data)
            elif isinstance(new, bytes):
                zout.writestr(info.filename, new)
            else:
                with zout.open(info.filename, "w", force_zip64=True) as out:
                    for chunk in new(data):
                        out.write(chunk)
        for name, data in extra:
            zout.writestr(name, data)
    return dst


def _with_doctype(xml: bytes, doctype: str, use: str) -> bytes:
    """Put a DOCTYPE before the root element and ``use`` (an entity reference) inside the first <t>/<v>."""
    text = xml.decode()
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    text = doctype + text
    for tag in ("<t>", "<v>", "<t xml:space=\"preserve\">"):
        if tag in text:
            return text.replace(tag, tag + use, 1).encode()
    return text.encode()


def _formatted_rows(first: int, count: int):
    """Empty rows that carry only formatting, as Excel writes them after a whole-sheet format."""
    batch = []
    for r in range(first, first + count):
        batch.append(f'<row r="{r}" s="1" customFormat="1" ht="15" customHeight="1"/>')
        if len(batch) == 20_000:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode()


def _insert_rows(count: int):
    def gen(old: bytes):
        head, tail = old.decode().split("</sheetData>")
        yield head.encode()
        yield from _formatted_rows(10, count)
        yield ("</sheetData>" + tail).encode()

    return gen


def make_csv(d: Path) -> Path:
    p = d / "pledges.xlsx"
    p.write_text("pledge,nation,capability,units\nP-A,AAA,INF,1\nP-B,BBB,INF,1\n")
    return p


def make_random(d: Path) -> Path:
    p = d / "random.xlsx"
    p.write_bytes(random.Random(7).randbytes(200_000))
    return p


def make_xls(d: Path) -> Path:
    p = d / "old.xls"
    p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4088))
    return p


def make_empty(d: Path) -> Path:
    p = d / "empty.xlsx"
    p.write_bytes(b"")
    return p


def make_truncated(d: Path) -> Path:
    src = _tiny_xlsx(d / "whole.xlsx")
    p = d / "truncated.xlsx"
    p.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return p


def make_plain_zip(d: Path) -> Path:
    p = d / "archive.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("data/pledges.csv", "pledge,nation\nP-A,AAA\n")
    return p


def make_many_entries(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_entries.xlsx")
    return _rewrite(src, d / "entries.xlsx", {}, extra=((f"xl/media/x{i}.bin", b"x") for i in range(5000)))


def make_bomb_size(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_size.xlsx")
    zeros = bytes(1 << 20)
    return _rewrite(src, d / "bomb_size.xlsx", {NATIONS_XML: lambda old: (zeros for _ in range(300))})


def make_bomb_ratio(d: Path) -> Path:
    """Under the total limit, but one entry inflates a thousandfold."""
    src = _tiny_xlsx(d / "base_ratio.xlsx")
    p = d / "bomb_ratio.xlsx"
    zeros = bytes(1 << 20)
    _rewrite(src, p, {})
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/image1.png", "w") as f:
        for _ in range(120):
            f.write(zeros)
    return p


def make_lying_directory(d: Path) -> Path:
    """A sheet of 40 MB of zeros whose zip headers claim 2,000 bytes."""
    src = _tiny_xlsx(d / "base_lying.xlsx")
    p = d / "lying.xlsx"
    zeros = bytes(1 << 20)
    _rewrite(src, p, {NATIONS_XML: lambda old: (zeros for _ in range(40))})
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo(NATIONS_XML)
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, info.header_offset + 22, 2000)  # local header: uncompressed size
    name = NATIONS_XML.encode()
    pos = data.find(b"PK\x01\x02" + bytes(0))
    patched = False
    while pos != -1:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == name:
            struct.pack_into("<I", data, pos + 24, 2000)  # central directory: uncompressed size
            patched = True
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert patched
    p.write_bytes(bytes(data))
    with zipfile.ZipFile(p) as z:
        assert z.getinfo(NATIONS_XML).file_size == 2000
    return p


def make_entity_bomb_sheet(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_bomb_sheet.xlsx")
    return _rewrite(src, d / "lol_sheet.xlsx",
                    {NATIONS_XML: lambda old: [_with_doctype(old, BILLION_LAUGHS, "&lol9;")]})


def make_entity_bomb_workbook(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_bomb_wb.xlsx")
    with zipfile.ZipFile(src) as z:
        old = z.read("xl/workbook.xml")
    new = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", old)
    return _rewrite(src, d / "lol_workbook.xlsx", {"xl/workbook.xml": BILLION_LAUGHS.encode() + new})


def _xlsxwriter_tiny(d: Path) -> Path:
    """tiny() written by XlsxWriter, which keeps text in xl/sharedStrings.xml."""
    import xlsxwriter

    src = d / "base_sst.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    for sheet, records in tiny().items():
        ws = wb.add_worksheet(sheet)
        cols = list(dict.fromkeys(k for r in records for k in r)) or ["nation", "rule"]
        ws.write_row(0, 0, cols)
        for i, r in enumerate(records):
            ws.write_row(i + 1, 0, [r.get(c) for c in cols])
    wb.close()
    with zipfile.ZipFile(src) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
    return src


def make_entity_bomb_shared_strings(d: Path) -> Path:
    src = _xlsxwriter_tiny(d)
    return _rewrite(src, d / "lol_sst.xlsx",
                    {"xl/sharedStrings.xml": lambda old: [_with_doctype(old, BILLION_LAUGHS, "&lol9;")]})


def make_external_entity(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_xxe.xlsx")
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _rewrite(src, d / "xxe.xlsx", {NATIONS_XML: lambda old: [_with_doctype(old, doctype, "&xxe;")]})


def make_million_rows(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_rows.xlsx")
    return _rewrite(src, d / "million_rows.xlsx", {NATIONS_XML: _insert_rows(1_000_000)})


def make_big_shared_strings(d: Path) -> Path:
    """20 MB of distinct shared strings: compresses too little to look like a bomb, still refused."""
    src = _xlsxwriter_tiny(d)

    def gen(old: bytes):
        head, tail = old.decode().split("</sst>")
        yield head.encode()
        for start in range(0, 1_000_000, 50_000):
            yield "".join(f"<si><t>note {i * 7919 % 1_000_003}</t></si>" for i in range(start, start + 50_000)).encode()
        yield b"</sst>" + tail.encode()

    return _rewrite(src, d / "big_sst.xlsx", {"xl/sharedStrings.xml": gen})


def make_missing_part(d: Path) -> Path:
    """The workbook lists a Nations sheet whose XML is not in the archive."""
    src = _tiny_xlsx(d / "base_part.xlsx")
    p = d / "missing_part.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w") as zout:
        for info in zin.infolist():
            if info.filename != NATIONS_XML:
                zout.writestr(info, zin.read(info))
    return p


def make_broken_xml(d: Path) -> Path:
    src = _tiny_xlsx(d / "base_broken.xlsx")
    return _rewrite(src, d / "broken_xml.xlsx", {NATIONS_XML: lambda old: [old[: len(old) // 2]]})


#: name -> (builder, words the single refusal line must contain)
REFUSED = {
    "csv_renamed": (make_csv, ["not an .xlsx workbook", "text or CSV"]),
    "random_bytes": (make_random, ["not an .xlsx workbook", "unknown binary"]),
    "ole2_xls": (make_xls, ["old .xls"]),
    "empty_file": (make_empty, ["empty"]),
    "truncated_zip": (make_truncated, ["not an .xlsx workbook"]),
    "zip_not_a_workbook": (make_plain_zip, ["holds no Excel workbook"]),
    "zip_bomb_entries": (make_many_entries, ["5", "entries", "limit 1000"]),
    "zip_bomb_size": (make_bomb_size, ["zip bomb", "300 MB"]),
    "zip_bomb_ratio": (make_bomb_ratio, ["xl/media/image1.png", "zip bomb"]),
    "zip_lying_directory": (make_lying_directory, [NATIONS_XML, "does not match the zip directory"]),
    "entity_bomb_sheet": (make_entity_bomb_sheet, [NATIONS_XML, "entit"]),
    "entity_bomb_workbook": (make_entity_bomb_workbook, ["xl/workbook.xml", "entit"]),
    "entity_bomb_shared_strings": (make_entity_bomb_shared_strings, ["xl/sharedStrings.xml", "entit"]),
    "external_entity": (make_external_entity, [NATIONS_XML, "entit"]),
    "million_formatted_rows": (make_million_rows, [NATIONS_XML, "empty rows", "delete the unused rows"]),
    "big_shared_strings": (make_big_shared_strings, ["xl/sharedStrings.xml", "limit 16 MB"]),
    "broken_xml": (make_broken_xml, [NATIONS_XML, "not well-formed"]),
    "sheet_without_part": (make_missing_part, ["sheet 'Nations' has no part"]),
}


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """Build each hostile file once, on first use."""
    cache: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("hostile")

    def get(name: str) -> Path:
        if name not in cache:
            d = root / name
            d.mkdir()
            cache[name] = REFUSED[name][0](d)
        return cache[name]

    return get


def refusal(path: Path, max_lines: int | None = WORK_LINES):
    with metered(max_lines) as work, pytest.raises(InputError) as err:
        read_problem(path)
    return err.value.issues, work


def assert_bounded(work: Work, what: str) -> None:
    assert not work.exceeded, f"{what}: {work}"
    assert work.decompressed <= WORK_BYTES, f"{what}: decompressed {work.decompressed:,} bytes"
    assert work.peak <= WORK_PEAK, f"{what}: allocated {work.peak:,} bytes at the peak"


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_after_bounded_work_with_one_clear_line(crafted, case):
    path = crafted(case)
    before = sha256(path)
    issues, work = refusal(path)
    assert_bounded(work, case)
    assert len(issues) == 1, [str(i) for i in issues]
    issue = issues[0]
    assert (issue.sheet, issue.row, issue.column) == (None, None, None)
    line = str(issue)
    assert line.startswith(f"{path}: ") and "\n" not in line
    for w in REFUSED[case][1]:
        assert w.lower() in line.lower(), line
    assert sha256(path) == before


@pytest.mark.parametrize("case", list(REFUSED))
def test_cli_exits_2_without_traceback(crafted, case):
    path = crafted(case)
    with metered(max_lines=None) as work:
        result = CliRunner().invoke(cli, ["validate", str(path)])
    assert work.decompressed <= WORK_BYTES, work
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{path}: ") and lines[-1] == "1 problem found"
    assert result.stdout == ""


def test_memory_stays_bounded(crafted):
    """Read every hostile file in a fresh interpreter; its peak memory stays modest."""
    paths = [str(crafted(c)) for c in REFUSED]
    script = (
        "import json, resource, sys\n"
        "from forcegen.workbook.read import read_problem\n"
        "from forcegen.errors import InputError\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        read_problem(p)\n"
        "    except InputError:\n"
        "        pass\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'base_mb': base / 1024, 'peak_mb': peak / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["peak_mb"] - report["base_mb"] < 150, report


# --- within the limits, but shaped to hurt a naive reader: accepted, with no more work -----------------


def _metered_read(path: Path, max_lines: int | None = WORK_LINES):
    if max_lines is not None:
        read_problem(path)  # once before, so that first-use costs (imports, caches) are not counted
    with metered(max_lines) as work:
        problem = read_problem(path)
    assert not work.exceeded, work
    return problem, work


def assert_no_more_work(work: Work, base: Work) -> None:
    """As much work as reading the same workbook without the trick, give or take a few cells."""
    assert work.lines <= base.lines * 1.1 + 1000, (work, base)
    assert work.decompressed <= base.decompressed + 4096, (work, base)
    assert work.peak <= base.peak * 1.5 + 2**20, (work, base)


def test_a_cell_at_xfd1048576_costs_nothing(tmp_path):
    """openpyxl's iter_rows would materialize 17 billion cells for this 5 kB file."""
    src = _tiny_xlsx(tmp_path / "base.xlsx")
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    p = _rewrite(src, tmp_path / "corner.xlsx",
                 {NATIONS_XML: lambda old: [old.replace(b"</sheetData>", far.encode())
                                            .replace(b'<dimension ref="A1:D3"', b'<dimension ref="A1:XFD1048576"')]})
    problem, work = _metered_read(p)
    assert len(problem.nations) == 2
    assert_no_more_work(work, _metered_read(src)[1])


def test_a_lying_dimension_costs_nothing(tmp_path):
    src = _tiny_xlsx(tmp_path / "base.xlsx")
    p = _rewrite(src, tmp_path / "dimension.xlsx",
                 {NATIONS_XML: lambda old: [re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', old)]})
    problem, work = _metered_read(p)
    assert len(problem.nations) == 2
    assert_no_more_work(work, _metered_read(src)[1])


def test_two_hundred_thousand_formatted_rows_under_the_size_limit_stream(tmp_path):
    src = _tiny_xlsx(tmp_path / "base.xlsx")
    p = _rewrite(src, tmp_path / "rows200k.xlsx", {NATIONS_XML: _insert_rows(200_000)})
    with zipfile.ZipFile(p) as z:
        assert z.getinfo(NATIONS_XML).file_size > 10 * 2**20
    problem, work = _metered_read(p, max_lines=None)  # the rows are read one by one: that work is due
    assert len(problem.nations) == 2
    sheet_xml = zipfile.ZipFile(p).getinfo(NATIONS_XML).file_size
    assert work.decompressed >= sheet_xml  # the whole sheet was read ...
    assert work.peak < sheet_xml / 2, work  # ... streamed: never held at once


def test_more_data_rows_than_any_plan_needs_are_refused_at_once(tmp_path):
    from forcegen.workbook.read import MAX_DATA_ROWS

    def gen(old: bytes):
        head, tail = old.decode().split("</sheetData>")
        yield head.encode()
        for start in range(10, MAX_DATA_ROWS + 20, 10_000):
            yield "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>N{r}</t></is></c></row>'
                          for r in range(start, start + 10_000)).encode()
        yield ("</sheetData>" + tail).encode()

    p = _rewrite(_tiny_xlsx(tmp_path / "base.xlsx"), tmp_path / "rows.xlsx", {NATIONS_XML: gen})
    with pytest.raises(InputError) as err:
        read_problem(p)
    (issue,) = err.value.issues  # one line, not one per row
    assert (issue.sheet, issue.row, issue.column) == ("Nations", None, None)
    assert "more than 100,000 data rows" in issue.message


# --- merged cells and hidden sheets inside the data -------------------------------------------


def test_merged_cells_in_the_data_are_reported_with_their_range(tmp_path):
    path = write_workbook(tiny(), tmp_path / "merged.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Nations"].merge_cells("B2:B3")
    wb["Pledges"].merge_cells("A2:D2")
    wb["Tasks"].merge_cells("P1:R9")  # right of the data: harmless, not reported
    wb.save(path)
    before = sha256(path)
    with pytest.raises(InputError) as err:
        read_problem(path)
    issues = err.value.issues
    merged = [i for i in issues if "merged cells" in i.message]
    assert [(i.sheet, i.row, i.column) for i in merged] == [("Nations", 2, "name"), ("Pledges", 2, "pledge")]
    assert "B2:B3" in merged[0].message and "A2:D2" in merged[1].message
    assert all(str(path) in str(i) for i in issues)
    assert sha256(path) == before
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and "B2:B3" in result.stderr and "Traceback" not in result.output


def test_a_sheet_of_merged_cells_gives_a_bounded_number_of_lines(tmp_path):
    from forcegen.workbook.read import MAX_MERGE_LINES

    def gen(old: bytes):
        merges = "".join(f'<mergeCell ref="B{r}:C{r}"/>' for r in range(2, 5002))
        yield old.replace(b"</sheetData>", f'</sheetData><mergeCells count="5000">{merges}</mergeCells>'.encode())

    p = _rewrite(_tiny_xlsx(tmp_path / "base.xlsx"), tmp_path / "merges.xlsx", {NATIONS_XML: gen})
    issues, work = refusal(p)
    assert not work.exceeded, work
    merged = [i for i in issues if "merged" in i.message]
    assert len(merged) == MAX_MERGE_LINES + 1
    assert merged[0].row == 2 and "B2:C2" in merged[0].message
    assert f"{5000 - MAX_MERGE_LINES} more merged ranges" in merged[-1].message


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_spec_sheet_is_reported(tmp_path, state):
    path = write_workbook(tiny(), tmp_path / "hidden.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Pledges"].sheet_state = state
    wb.active = 0
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_problem(path)
    (issue,) = err.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Pledges", None, None)
    assert "hidden" in issue.message and str(path) in str(issue)


def test_a_hidden_sheet_outside_the_spec_is_ignored(tmp_path):
    path = write_workbook(tiny(), tmp_path / "hidden_other.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Lookups")
    ws.append(["anything"])
    ws.sheet_state = "hidden"
    wb.save(path)
    assert len(read_problem(path).nations) == 2
