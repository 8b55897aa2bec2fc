"""The one CSV writer: every CSV the project writes (CLI, API, static site) goes through here.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a leading tab or
carriage return can hide one), so a published list entry such as ``=cmd|' /C calc'!A0`` would run on the reader's
machine when a downloaded CSV is opened. Each text cell starting with one of those characters is written with a
single quote in front (``'=cmd|…``): spreadsheets show the text, and a reader of the raw file can see what was
done. Plain numbers written as text (``-12``, ``+3.5``, ``-1e3``) are left as they are, and so are real numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a CSV cell: text that a spreadsheet would run gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cells(row: Mapping[str, Any] | Sequence[Any], columns: Sequence[str]) -> list[Any]:
    values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
    return ["" if v is None else safe_cell(v) for v in values]


def write_csv(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    columns: Sequence[str],
    file: TextIO | Path,
    header: bool = True,
    lineterminator: str = "\n",
) -> int:
    """Write ``columns`` (a header row unless ``header=False``) and each row (a mapping read by column name,
    extra keys ignored, or a sequence in column order) to ``file``; returns the number of rows written."""
    if isinstance(file, Path):
        with file.open("w", encoding="utf-8", newline="") as fh:
            return write_csv(rows, columns, fh, header, lineterminator)
    writer = csv.writer(file, lineterminator=lineterminator)
    if header:
        writer.writerow([safe_cell(c) for c in columns])
    n = 0
    for row in rows:
        writer.writerow(_cells(row, columns))
        n += 1
    return n


def to_csv_text(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]], columns: Sequence[str] | None = None, header: bool = True
) -> str:
    """The CSV as text; ``columns`` defaults to the first mapping's keys ('' when there are no rows and none)."""
    rows = list(rows)
    if columns is None:
        if not rows:
            return ""
        columns = list(rows[0]) if isinstance(rows[0], Mapping) else []
    buffer = io.StringIO()
    write_csv(rows, columns, buffer, header)
    return buffer.getvalue()
