"""What openpyxl raises on a damaged .xlsx file, for the readers of plan workbooks.

Only the calls into openpyxl (opening a workbook, reading a sheet's rows) are
guarded with these, so that a bug in forcegen's own code still surfaces as an
internal error rather than as "not a readable workbook". Found by damaging the
parts of plan workbooks: truncated or garbled XML (ParseError), bad numbers and
attribute values (ValueError, TypeError), missing parts (KeyError), unknown
encodings (LookupError), style indices out of range (IndexError), damaged zip
entries (BadZipFile, zlib.error, EOFError, NotImplementedError for an unknown
compression method).
"""

from __future__ import annotations

import zipfile
import zlib
from typing import Callable, Iterator
from xml.etree.ElementTree import ParseError


def unreadable() -> tuple[type[BaseException], ...]:
    """The exceptions openpyxl raises on a damaged workbook (openpyxl imported only when asked)."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (OSError, EOFError, zipfile.BadZipFile, zlib.error, ParseError, InvalidFileException, LookupError,
            ValueError, TypeError, NotImplementedError)


def sheet_rows(ws, refuse: Callable[[BaseException], Exception]) -> Iterator[tuple]:
    """``ws.iter_rows(values_only=True)``; what openpyxl raises on a damaged sheet becomes ``refuse(exc)``."""
    errors = unreadable()
    rows = ws.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except errors as exc:
            raise refuse(exc) from None
        yield values


__all__ = ["sheet_rows", "unreadable"]
