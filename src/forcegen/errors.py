"""Errors that reach the user as one clear line each, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in an input workbook, located as precisely as possible.

    ``row`` is the spreadsheet row number (1 = header row) and ``column`` the
    column's name as the schema spells it; either may be ``None`` when the issue
    concerns a whole sheet or the whole file.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        place = ""
        if self.sheet is not None:
            place = self.sheet
            if self.row is not None:
                place += f" row {self.row}"
        if self.column is not None:
            place += f", {self.column}" if place else self.column
        if place:
            where.append(place)
        return ": ".join(where + [self.message])


class ForcegenError(Exception):
    """Base class: an error the CLI reports in one line (exit status 1)."""

    exit_code = 1


class UsageError(ForcegenError):
    """Bad command-line usage or option value (exit status 2)."""

    exit_code = 2


class InputError(ForcegenError):
    """The input workbook is invalid; carries every issue found (exit status 2)."""

    exit_code = 2

    def __init__(self, issues: list[Issue] | tuple[Issue, ...]):
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class SolverError(ForcegenError):
    """A solver backend failed or is unavailable (exit status 1)."""
