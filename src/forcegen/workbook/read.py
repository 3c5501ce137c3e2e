"""Input workbook (.xlsx) -> raw sheet tables -> validated ``Problem``.

The file is opened read-only and never written. Before any XML is parsed the
zip archive is checked: it must be an xlsx, with a bounded number of entries
and bounded decompressed sizes (each entry is decompressed in a stream and
the stream stops at the limit, so a lying zip directory cannot blow memory).

The XML is then read by a small streaming reader of our own rather than by
``openpyxl.load_workbook``: every parse goes through ``defusedxml`` with DTDs
forbidden (no entity bomb can expand), only the SPEC sheets are parsed, one
row at a time, and only cells under a known column are kept. Memory and time
are therefore bounded by the data rows, not by what a sheet claims: a cell at
XFD1048576, a million formatted empty rows or a lying ``<dimension>`` cost
nothing beyond reading their bytes (``openpyxl`` would materialize every cell
of the claimed range). openpyxl is used only for its number-format helpers
(which styles are dates) and Excel date conversion.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..domain import Problem
from ..errors import InputError, Issue
from ..schema import SHEETS
from ..validate import Table, build_problem, is_blank

#: limits far beyond any real planning workbook
MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_SHEET_BYTES = 16 * 1024 * 1024  # any XML part (sheet, shared strings, styles …), decompressed
MAX_RATIO = 200  # decompressed / compressed size of a large entry
MAX_DATA_ROWS = 100_000
MAX_MERGE_LINES = 20  # merged ranges reported one by one per sheet; the rest are counted

_REL_TYPE_STRINGS = "/sharedStrings"
_REL_TYPE_STYLES = "/styles"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape of a character in text: _x000D_, _x005F_ for "_"


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_problem(path: str | Path, strict: bool = False) -> Problem:
    """Read and validate an input workbook; raise ``InputError`` listing every problem.

    Unknown columns are ignored and listed in ``Problem.warnings``; with ``strict`` they are errors.
    """
    tables = read_tables(path, strict=strict)
    return build_problem(tables, file=str(path), strict=strict)


def read_tables(path: str | Path, strict: bool = False) -> dict[str, Table]:
    """Read the SPEC sheets of a workbook as raw tables, refusing hostile files.

    Raises ``InputError`` for file-level problems (not an xlsx, a bomb, merged
    cells or hidden sheets in the data, formulas without a computed value),
    with every cell problem that could still be checked (``strict``: unknown
    columns too). Each table lists its unknown columns (``Table.unknown``).
    """
    name = str(path)
    path = Path(path)
    issues = check_archive(path)
    if issues:
        raise InputError(issues)
    try:
        with zipfile.ZipFile(path) as zf:
            book = _Book(zf)
            issues = []
            tables: dict[str, Table] = {}
            for sheet in SHEETS:
                found = book.sheets.get(sheet.name.lower())
                if not found:
                    continue
                if len(found) > 1:
                    issues.append(Issue(name, sheet.name, None, None,
                                        "the workbook has more than one sheet named "
                                        + " and ".join(repr(s.name) for s in found)
                                        + "; keep one"))
                table, sheet_issues = _read_sheet(name, sheet, book, found[0])
                issues += sheet_issues
                tables[sheet.name] = table
    except _Refused as exc:
        raise InputError([Issue(name, None, None, None, str(exc))]) from None
    if issues:
        # file-level problems first, then the cell checks that could still be run
        # (a cell already reported, e.g. a formula without a value, is not reported twice)
        flagged = {(i.sheet, i.row, i.column) for i in issues}
        try:
            build_problem(tables, file=name, strict=strict)
        except InputError as more:
            issues += [i for i in more.issues if (i.sheet, i.row, i.column) not in flagged]
        raise InputError(issues)
    return tables


def check_archive(path: Path) -> list[Issue]:
    """Refuse files that are not xlsx, or whose zip would decompress beyond limits."""
    name = str(path)

    def refuse(msg: str) -> list[Issue]:
        return [Issue(name, None, None, None, msg)]

    if not path.exists():
        return refuse("file not found")
    if not path.is_file():
        return refuse("not a file")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        return refuse("not an .xlsx workbook: the file is empty")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return refuse("not an .xlsx workbook: this is an old .xls file or a password-protected workbook; "
                      "save it as Excel Workbook (.xlsx) without a password")
    if not head.startswith(b"PK"):
        kind = "a text or CSV file" if _looks_like_text(path) else "an unknown binary file"
        return refuse(f"not an .xlsx workbook: it looks like {kind}; save it as Excel Workbook (.xlsx)")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
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
            # every XML part may be parsed (shared strings, styles, sheets): each is bounded on its own
            is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
            limit = MAX_SHEET_BYTES if is_xml else MAX_TOTAL_BYTES
            if info.file_size > limit:
                return refuse(_too_large(info.filename, info.file_size, limit))
            if info.file_size > 1 << 20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                hint = ("possibly a sheet of a million empty formatted rows: delete the unused rows"
                        if info.filename.startswith("xl/worksheets/") else "possibly a zip bomb")
                return refuse(f"refused: {info.filename} compresses {info.file_size / info.compress_size:.0f}:1 "
                              f"(limit {MAX_RATIO}:1); {hint}")
            # the directory may lie: count what really comes out, stopping at the limit
            size = 0
            try:
                with zf.open(info) as stream:
                    while chunk := stream.read(1 << 20):
                        size += len(chunk)
                        if size > limit or total + size > MAX_TOTAL_BYTES:
                            return refuse(_too_large(info.filename, size, limit) + " (the zip directory understates it)")
            except zipfile.BadZipFile as exc:
                if "CRC" in str(exc):  # zipfile stops at the declared size, so a lie shows as a bad checksum
                    return refuse(f"not a readable .xlsx workbook: {info.filename} does not match the zip directory "
                                  "(a damaged or tampered archive)")
                return refuse(f"not a readable .xlsx workbook: {info.filename}: {exc}")
            except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
                return refuse(f"not a readable .xlsx workbook: {info.filename}: {exc}")
            total += size
    return []


def _too_large(entry: str, size: int, limit: int) -> str:
    what = "sheet" if entry.startswith("xl/worksheets/") else "entry"
    hint = (" A sheet this large usually has formatting on a million empty rows: delete the unused rows."
            if what == "sheet" else " Possibly a zip bomb.")
    unit = " of XML" if entry.lower().endswith((".xml", ".rels", ".vml")) else ""
    return f"refused: {what} {entry} holds over {size / 2**20:.0f} MB{unit} (limit {limit // 2**20} MB).{hint}"


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as f:
        sample = f.read(4096)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sample is still text
        try:
            sample[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in sample


# --- streaming xlsx reader ---------------------------------------------------------------


class _Refused(Exception):
    """The workbook cannot be read at all; the message is the one line the user sees."""


_LOCAL: dict[str, str] = {}  # tag -> local name: a workbook holds few distinct tags, met millions of times


def _local(tag: object) -> str:
    """Tag name without its namespace (transitional and strict OOXML alike)."""
    if not isinstance(tag, str):
        return ""
    try:
        return _LOCAL[tag]
    except KeyError:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL) < 10_000:  # a hostile file cannot grow it without bound
            _LOCAL[tag] = name
        return name


def _attr(el, local_name: str) -> str | None:
    """Attribute by local name, whatever its namespace (r:id in either OOXML flavour)."""
    for key, value in el.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _iterparse(zf: zipfile.ZipFile, entry: str, events=("end",)):
    """Iterate over the XML of one archive entry through defusedxml, DTDs forbidden."""
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        stream = zf.open(entry)
    except KeyError:
        raise _Refused(f"not a readable .xlsx workbook: the archive has no {entry}") from None
    with stream:
        try:
            yield from iterparse(stream, events=events, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
        except DefusedXmlException:
            raise _Refused(f"refused: {entry} declares a DTD or entities (a possible XML entity bomb); "
                           "re-save the workbook from a spreadsheet application") from None
        except ET.ParseError as exc:
            raise _Refused(f"not a readable .xlsx workbook: {entry} is not well-formed XML ({exc})") from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            raise _Refused(f"not a readable .xlsx workbook: {entry}: {exc}") from None


@dataclass
class _SheetRef:
    name: str
    state: str
    entry: str


@dataclass
class _Book:
    """Workbook-level parts: the sheet list, shared strings and date styles."""

    zf: zipfile.ZipFile
    sheets: dict[str, list[_SheetRef]] = field(default_factory=dict)  # lower-case trimmed name -> sheets
    strings: list[str] = field(default_factory=list)
    date_styles: dict[int, bool] = field(default_factory=dict)  # style index -> is a timedelta format
    date1904: bool = False
    names: set[str] = field(default_factory=set)  # entries of the archive

    def __post_init__(self) -> None:
        rels = self._rels("xl/_rels/workbook.xml.rels", base="xl")
        for _, el in _iterparse(self.zf, "xl/workbook.xml"):
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = (el.get("date1904") or "").strip().lower() in ("1", "true")
            elif tag == "sheet":
                name = el.get("name") or ""
                target = rels.get(_attr(el, "id") or "", ("", ""))[0]  # checked when the sheet is read
                ref = _SheetRef(name, el.get("state") or "visible", target)
                self.sheets.setdefault(name.strip().lower(), []).append(ref)
        names = self.names = set(self.zf.namelist())
        strings = [t for t, kind in rels.values() if kind.endswith(_REL_TYPE_STRINGS)] or ["xl/sharedStrings.xml"]
        if strings[0] in names:
            self._read_strings(strings[0])
        styles = [t for t, kind in rels.values() if kind.endswith(_REL_TYPE_STYLES)] or ["xl/styles.xml"]
        if styles[0] in names:
            self._read_styles(styles[0])

    def _rels(self, entry: str, base: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (archive entry of the target, relationship type)."""
        out: dict[str, tuple[str, str]] = {}
        if entry not in self.zf.namelist():
            return out
        for _, el in _iterparse(self.zf, entry):
            if _local(el.tag) == "Relationship" and el.get("TargetMode", "") != "External":
                target = (el.get("Target") or "").replace("\\", "/")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{base}/{target}")
                out[el.get("Id") or ""] = (target, el.get("Type") or "")
        return out

    def _read_strings(self, entry: str) -> None:
        root = None
        for event, el in _iterparse(self.zf, entry, events=("start", "end")):
            if root is None:
                root = el
            elif event == "end" and _local(el.tag) == "si":
                self.strings.append(_rich_text(el))
                root.clear()  # drop the parsed <si> elements: only their text is kept

    def _read_styles(self, entry: str) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        custom: dict[int, str] = {}
        xfs: list[int] = []
        in_cell_xfs = False
        for event, el in _iterparse(self.zf, entry, events=("start", "end")):
            tag = _local(el.tag)
            if tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                try:
                    custom[int(el.get("numFmtId") or "")] = el.get("formatCode") or ""
                except ValueError:
                    pass
            elif event == "end" and tag == "xf" and in_cell_xfs:
                try:
                    xfs.append(int(el.get("numFmtId") or 0))
                except ValueError:
                    xfs.append(0)
        for index, fmt_id in enumerate(xfs):
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
            if is_date_format(code):
                self.date_styles[index] = is_timedelta_format(code)


def _rich_text(el) -> str:
    """Text of a shared or inline string: its <t> runs, without phonetic (rPh) hints."""
    parts: list[str] = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return _unescape("".join(parts))


def _unescape(text: str) -> str:
    """Text as the spreadsheet shows it: ``_x000D_`` is a carriage return, ``_x005F_x0041_`` the text _x0041_.

    Control characters (which XML cannot hold) come back as themselves; an escape of a
    character no XML text may hold (a lone surrogate, U+FFFE) stays as written.
    """
    if "_x" not in text:
        return text

    def char(m: re.Match) -> str:
        code = int(m.group(1), 16)
        return chr(code) if code < 0xD800 or 0xE000 <= code <= 0xFFFD else m.group(0)

    return _ESCAPE.sub(char, text)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class _Cell:
    value: object  # None, str, int, float, bool, datetime
    formula: str | None = None  # formula text when the cell holds one without a computed value
    error: str | None = None  # Excel error value (#N/A, #REF! …)


def _cell(el, book: _Book) -> _Cell:
    """One <c> element -> its value as Excel last computed it."""
    kind = el.get("t") or "n"
    v = f = inline = None
    for child in el:
        tag = _local(child.tag)
        if tag == "v":
            v = child
        elif tag == "f":
            f = child
        elif tag == "is":
            inline = child
    raw = v.text if v is not None else None
    if kind == "inlineStr":
        value = _rich_text(inline) if inline is not None else None
        return _Cell(value)
    if f is not None and not raw and kind != "str":
        text = "=" + (f.text or "") if f.text else "(a shared formula)"
        return _Cell(None, formula=text)
    if raw is None or raw == "":
        return _Cell(None)
    if kind == "s":
        try:
            return _Cell(book.strings[int(raw)])
        except (ValueError, IndexError):
            raise _Refused(f"not a readable .xlsx workbook: a cell refers to shared string {raw!r}, "
                           "which does not exist") from None
    if kind == "str":
        return _Cell(_unescape(raw))
    if kind == "d":
        return _Cell(raw)
    if kind == "b":
        return _Cell(raw.strip().lower() in ("1", "true"))
    if kind == "e":
        return _Cell(None, error=raw)
    # a number
    if not _NUMBER.match(raw):
        return _Cell(raw)
    number: int | float = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    style = el.get("s")
    if style and style.isdigit() and int(style) in book.date_styles:
        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

        try:
            return _Cell(from_excel(number, MAC_EPOCH if book.date1904 else WINDOWS_EPOCH,
                                    timedelta=book.date_styles[int(style)]))
        except (OverflowError, ValueError):
            return _Cell(number)
    return _Cell(number)


def _read_sheet(file: str, sheet, book: _Book, ref: _SheetRef) -> tuple[Table, list[Issue]]:
    """Stream one SPEC sheet: header row 1, data rows after it, merged ranges at the end."""
    issues: list[Issue] = []
    known = {c.name for c in sheet.columns}
    if ref.state != "visible":
        issues.append(Issue(file, sheet.name, None, None,
                            "sheet is hidden; unhide it so that the data planned with is the data staff see"))
    if not ref.entry or ref.entry not in book.names:
        raise _Refused(f"not a readable .xlsx workbook: sheet {ref.name!r} has no part in the archive")
    columns: dict[int, str] = {}  # column index -> schema column name
    unknown: list[tuple[str, str]] = []  # (cell of the header row, its text) of columns not in the schema
    table = Table(sheet.name)
    merges: list[str] = []
    row_counter = 0
    sheet_data = merge_cells = None
    for event, el in _iterparse(book.zf, ref.entry, events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "sheetData":
                sheet_data = el
            elif tag == "mergeCells":
                merge_cells = el
            continue
        if tag == "row":
            r = el.get("r")
            row_counter = int(r) if r and r.isdigit() else row_counter + 1
            if row_counter == 1:
                _header(file, sheet, el, book, known, columns, issues, unknown)
            elif columns:
                values = _data_row(file, sheet, el, book, row_counter, columns, issues)
                if values is not None:
                    if len(table.rows) >= MAX_DATA_ROWS:  # refuse at once: no flood of per-row lines
                        raise InputError([Issue(file, sheet.name, None, None,
                                                f"refused: more than {MAX_DATA_ROWS:,} data rows; "
                                                "this is not a planning workbook")])
                    table.rows.append((row_counter, values))
            el.clear()
            if sheet_data is not None:
                sheet_data.clear()  # drop the emptied rows too: memory stays flat
        elif tag == "mergeCell":
            if el.get("ref"):
                merges.append(el.get("ref"))
            if merge_cells is not None:
                merge_cells.clear()
    table.columns = tuple(columns.values())
    table.unknown = tuple(unknown)
    merged = 0
    for rng in merges:
        bounds = _range_bounds(rng)
        if bounds is None:
            continue
        min_col, min_row, max_col, max_row = bounds
        touched = [columns[c] for c in sorted(columns) if min_col <= c <= max_col]
        if touched:
            merged += 1
            if merged <= MAX_MERGE_LINES:
                issues.append(Issue(file, sheet.name, min_row, touched[0],
                                    f"merged cells {rng} inside the data: unmerge them and fill in each row"))
    if merged > MAX_MERGE_LINES:
        issues.append(Issue(file, sheet.name, None, None,
                            f"{merged - MAX_MERGE_LINES} more merged ranges inside the data: unmerge them all"))
    return table, issues


def _range_bounds(rng: str) -> tuple[int, int, int, int] | None:
    parts = rng.strip().split(":")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        return None
    ends = [_CELL_REF.match(p) for p in parts]
    if not all(ends):
        return None
    (c1, r1), (c2, r2) = ((_column_index(m.group(1)), int(m.group(2))) for m in ends)
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


_COLUMNS: dict[str, int] = {}  # column letters of a cell reference -> column index (A -> 1), as met


def _cells(el):
    """(column index, <c> element) of a <row>, numbering cells without a reference in order."""
    col = 0
    for c in el:
        if _local(c.tag) != "c":
            continue
        ref = c.get("r") or ""
        index = _COLUMNS.get(ref.rstrip("0123456789"))  # the common case: letters then the row number
        if index is not None and ref[-1:].isdigit():
            col = index
            yield col, c
            continue
        m = _CELL_REF.match(ref)
        if m:
            col = _column_index(m.group(1))
            if ref == m.group(0) and ref[0] != "$" and len(_COLUMNS) < 20_000:
                _COLUMNS[m.group(1)] = col
        else:
            col += 1
        yield col, c


def _header(file, sheet, el, book, known, columns, issues, unknown) -> None:
    for col, c in _cells(el):
        cell = _cell(c, book)
        if is_blank(cell.value):
            if cell.error is not None or cell.formula is not None:
                unknown.append((f"{_column_letters(col)}1", cell.error or cell.formula))
            continue
        key = str(cell.value).strip().lower()
        if key in known:
            if key in columns.values():
                issues.append(Issue(file, sheet.name, 1, key, f"column {key} appears twice in the header row"))
                continue
            columns[col] = key
        else:
            unknown.append((f"{_column_letters(col)}1", str(cell.value).strip()))


def _data_row(file, sheet, el, book, row_no, columns, issues) -> dict[str, object] | None:
    """The known columns' values of one row, or None for a blank row."""
    values: dict[str, object] = dict.fromkeys(columns.values())
    for col, c in _cells(el):
        key = columns.get(col)
        if key is None:
            continue
        cell = _cell(c, book)
        if cell.formula is not None:
            issues.append(Issue(file, sheet.name, row_no, key,
                                f"formula {cell.formula} in cell {_column_letters(col)}{row_no} has no computed "
                                "value: open and save the file in a spreadsheet application, or type the value"))
        elif cell.error is not None:
            issues.append(Issue(file, sheet.name, row_no, key,
                                f"cell {_column_letters(col)}{row_no} holds the error {cell.error}"))
        values[key] = cell.value
    if all(is_blank(v) for v in values.values()):
        return None  # a blank row (a formula without a value in it is reported above)
    return values
