"""Input workbook (.xlsx) -> raw sheet tables -> validated ``Problem``.

The file is opened read-only and never written. Before any XML is parsed the
zip archive is checked: it must be an xlsx, with a bounded number of entries
and bounded decompressed sizes (each entry is decompressed in a stream and
the stream stops at the limit, so a lying zip directory cannot blow memory).
XML is parsed by openpyxl through defusedxml, which refuses entity bombs.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from ..domain import Problem
from ..errors import InputError, Issue
from ..schema import SHEETS
from ..validate import Table, build_problem, is_blank

#: limits far beyond any real planning workbook
MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_SHEET_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200  # decompressed / compressed size of a large entry
MAX_DATA_ROWS = 100_000


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_problem(path: str | Path) -> Problem:
    """Read and validate an input workbook; raise ``InputError`` listing every problem."""
    tables = read_tables(path)
    return build_problem(tables, file=str(path))


def read_tables(path: str | Path) -> dict[str, Table]:
    """Read the SPEC sheets of a workbook as raw tables, refusing hostile files.

    Raises ``InputError`` for file-level problems (not an xlsx, a bomb, merged
    cells or hidden sheets in the data, formulas without a computed value).
    """
    name = str(path)
    path = Path(path)
    issues = check_archive(path)
    if issues:
        raise InputError(issues)
    import openpyxl  # deferred: keeps `forcegen --help` fast
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a hard dependency
        raise InputError([Issue(name, None, None, "defusedxml is not installed; refusing to parse XML unsafely")])
    try:
        wb_values = openpyxl.load_workbook(path, read_only=False, data_only=True, keep_links=False)
        wb_formulas = openpyxl.load_workbook(path, read_only=False, data_only=False, keep_links=False)
    except Exception as exc:  # any parse failure is a refusal, never a traceback
        raise InputError([Issue(name, None, None, _describe_load_error(exc))]) from None

    issues = []
    tables: dict[str, Table] = {}
    by_lower = {ws.title.strip().lower(): ws.title for ws in wb_values.worksheets}
    for sheet in SHEETS:
        title = by_lower.get(sheet.name.lower())
        if title is None:
            continue
        table, sheet_issues = _read_sheet(name, sheet, wb_values[title], wb_formulas[title])
        issues += sheet_issues
        tables[sheet.name] = table
    if issues:
        # file-level problems first, then the cell checks that could still be run
        # (a cell already reported, e.g. a formula without a value, is not reported twice)
        flagged = {(i.sheet, i.row, i.column) for i in issues}
        try:
            build_problem(tables, file=name)
        except InputError as more:
            issues += [i for i in more.issues if (i.sheet, i.row, i.column) not in flagged]
        raise InputError(issues)
    return tables


def check_archive(path: Path) -> list[Issue]:
    """Refuse files that are not xlsx, or whose zip would decompress beyond limits."""
    name = str(path)

    def refuse(msg: str) -> list[Issue]:
        return [Issue(name, None, None, msg)]

    if not path.exists():
        return refuse("file not found")
    if not path.is_file():
        return refuse("not a file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return refuse("not an .xlsx workbook: this is an old .xls file or a password-protected workbook; "
                      "save it as Excel Workbook (.xlsx) without a password")
    if not head.startswith(b"PK"):
        kind = "a text or CSV file" if _looks_like_text(path) else "an unknown binary file"
        return refuse(f"not an .xlsx workbook: it looks like {kind}; save it as Excel Workbook (.xlsx)")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return refuse(f"not an .xlsx workbook: damaged zip archive ({exc})")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            return refuse(f"refused: the archive has {len(infos)} entries (limit {MAX_ENTRIES}); "
                          "this is not a planning workbook")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            return refuse("not an .xlsx workbook: the zip archive holds no Excel workbook")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_BYTES:
            return refuse(f"refused: the archive would decompress to {declared / 2**20:.0f} MB "
                          f"(limit {MAX_TOTAL_BYTES // 2**20} MB); possibly a zip bomb")
        total = 0
        for info in infos:
            limit = MAX_SHEET_BYTES if info.filename.startswith("xl/worksheets/") else MAX_TOTAL_BYTES
            if info.file_size > limit:
                return refuse(_too_large(info.filename, info.file_size, limit))
            if info.file_size > 1 << 20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                return refuse(f"refused: {info.filename} compresses {info.file_size / info.compress_size:.0f}:1 "
                              f"(limit {MAX_RATIO}:1); possibly a zip bomb or a sheet of a million empty "
                              "formatted rows: delete the unused rows")
            # the directory may lie: count what really comes out, stopping at the limit
            size = 0
            try:
                with zf.open(info) as stream:
                    while chunk := stream.read(1 << 20):
                        size += len(chunk)
                        if size > limit or total + size > MAX_TOTAL_BYTES:
                            return refuse(_too_large(info.filename, size, limit) + " (the zip directory understates it)")
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                return refuse(f"not a readable .xlsx workbook: {info.filename}: {exc}")
            total += size
    return []


def _too_large(entry: str, size: int, limit: int) -> str:
    what = "sheet" if entry.startswith("xl/worksheets/") else "entry"
    hint = (" A sheet this large usually has formatting on a million empty rows: delete the unused rows."
            if what == "sheet" else " Possibly a zip bomb.")
    return f"refused: {what} {entry} holds over {size / 2**20:.0f} MB of XML (limit {limit // 2**20} MB).{hint}"


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as f:
        sample = f.read(4096)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample


def _describe_load_error(exc: Exception) -> str:
    mod = type(exc).__module__ or ""
    if mod.startswith("defusedxml") or "Forbidden" in type(exc).__name__:
        return ("refused: the workbook's XML declares entities or a DTD (a possible XML bomb); "
                "re-save it from a spreadsheet application")
    return f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})"


def _read_sheet(file: str, sheet, ws_values, ws_formulas) -> tuple[Table, list[Issue]]:
    issues: list[Issue] = []
    known = {c.name for c in sheet.columns}
    if ws_values.sheet_state != "visible":
        issues.append(Issue(file, sheet.name, None, None,
                            "sheet is hidden; unhide it so that the data planned with is the data staff see"))
    # header
    columns: dict[int, str] = {}
    header_cells = next(ws_values.iter_rows(min_row=1, max_row=1), ())
    for cell in header_cells:
        if is_blank(cell.value):
            continue
        key = str(cell.value).strip().lower()
        if key in known:
            if key in columns.values():
                issues.append(Issue(file, sheet.name, 1, key, f"column {key} appears twice in the header row"))
                continue
            columns[cell.column] = key
    table = Table(sheet.name, columns=tuple(columns.values()))
    # merged cells inside the data
    for rng in ws_values.merged_cells.ranges:
        if any(c in columns for c in range(rng.min_col, rng.max_col + 1)):
            col = columns.get(rng.min_col)
            issues.append(Issue(file, sheet.name, rng.min_row, col,
                                f"merged cells {rng.coord} inside the data: unmerge them and fill in each row"))
    rows_seen = 0
    for row in ws_values.iter_rows(min_row=2):
        values: dict[str, object] = {}
        row_no = None
        for cell in row:
            key = columns.get(cell.column)
            if key is None:
                continue
            row_no = cell.row
            value = cell.value
            if value is None:
                f = ws_formulas.cell(row=cell.row, column=cell.column).value
                if isinstance(f, str) and f.startswith("=") or type(f).__name__ in ("ArrayFormula", "DataTableFormula"):
                    text = f if isinstance(f, str) else getattr(f, "text", "formula")
                    issues.append(Issue(file, sheet.name, cell.row, key,
                                        f"formula {text} has no computed value: open and save the file in a "
                                        "spreadsheet application, or type the value"))
                    value = None
            elif cell.data_type == "e":
                issues.append(Issue(file, sheet.name, cell.row, key, f"cell holds the error {value}"))
                value = None
            values[key] = value
        if row_no is None or all(is_blank(v) for v in values.values()):
            continue
        rows_seen += 1
        if rows_seen > MAX_DATA_ROWS:
            issues.append(Issue(file, sheet.name, None, None,
                                f"more than {MAX_DATA_ROWS} data rows; this is not a planning workbook"))
            break
        table.rows.append((row_no, values))
    return table, issues
