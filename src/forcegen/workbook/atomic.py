"""Workbooks put in place whole or not at all, with one clear line when the system refuses.

``xlsx_atomically(path, fill, options)`` builds an XlsxWriter workbook in memory
(``fill(wb)`` writes it), then writes the bytes to a temporary file in the
target's folder, forces them to disk and renames the file onto the target
(``os.replace``). Nothing is on disk while the workbook is filled, so Ctrl-C
then leaves nothing; on any later failure, Ctrl-C included, the temporary file
is removed and an existing target is left as it was. A write the system refuses
(no permission, a full disk, a file where a folder should be) raises
``ForcegenError("cannot write PATH: reason")``.

Light on imports (no pandas): the template writer uses it too.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path
from typing import Callable

from ..errors import ForcegenError


def xlsx_atomically(path: str | os.PathLike, fill: Callable, options: dict) -> Path:
    """Fill an XlsxWriter workbook (made with ``options``) and put it at ``path`` whole or not at all."""
    import xlsxwriter
    from xlsxwriter.exceptions import XlsxWriterException

    target = Path(path)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {**options, "in_memory": True})
    try:
        fill(wb)
        wb.close()
    except BaseException as exc:
        wb.fileclosed = True  # nothing to write out after a failure; keeps XlsxWriter's destructor quiet
        if isinstance(exc, (OSError, XlsxWriterException)):
            raise ForcegenError(f"cannot write {target}: {os_reason(exc)}") from exc
        raise
    bytes_atomically(target, buffer.getvalue())
    return target


def bytes_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in its folder (created when missing)."""
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(target)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)  # a full disk may only say so here
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            _remove(tmp)
        if isinstance(exc, OSError):
            raise ForcegenError(f"cannot write {target}: {os_reason(exc)}") from exc
        raise


def os_reason(exc: BaseException) -> str:
    """The system's reason for a failed write, in words: "Permission denied", "No space left on device"."""
    inner = exc if isinstance(exc, OSError) else exc.__context__
    if isinstance(inner, FileExistsError) and inner.filename:  # a file where a folder should be
        return f"{inner.filename} is a file, not a folder"
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(exc) or type(exc).__name__


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new file next to ``target``, open for writing, with the usual mode (0666 less the umask).

    As ``tempfile.mkstemp`` does, but mkstemp makes 0600 files, and reading the umask
    means setting it, for the whole process.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 48 random bits taken already
            continue


def _remove(p: Path) -> None:
    try:
        p.unlink()
    except OSError:  # already gone, or cannot be: the original error is the one to report
        pass


__all__ = ["bytes_atomically", "os_reason", "xlsx_atomically"]
