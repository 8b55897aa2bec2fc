"""Errors a user sees. Each names the file, row and field involved where there is one."""

from __future__ import annotations


class SanctuaryWatchError(Exception):
    """Base for errors the CLI and API turn into a clear message instead of a traceback."""


class InputError(SanctuaryWatchError):
    """Bad user input: an empty name, an unknown state, a missing CSV column."""


class SourceUnavailableError(SanctuaryWatchError):
    """A source file can be found neither in the mirror folder nor on the network."""


class SourceFormatError(SanctuaryWatchError):
    """A source file has the wrong shape; the whole file is refused and the store is untouched."""

    def __init__(self, file: str, problem: str, row: int | None = None, field: str | None = None):
        self.file, self.problem, self.row, self.field = file, problem, row, field
        where = file
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


class NotFoundError(SanctuaryWatchError):
    """A jurisdiction, list, scenario or release that the store does not hold."""
