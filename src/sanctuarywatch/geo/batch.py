"""Resolve a whole CSV column: keep every input column, add id, name, level, confidence, status, note.

An added column whose name the input already uses is written as ``resolved_<name>`` so no input value is lost.
Output rows correspond one to one to input records, or the file is refused. (The writer is the project's one CSV
writer, ``csv_out``, a dependency-free module, so that formula-like cells are neutralised here too.)
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from sanctuarywatch.csv_out import write_csv
from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.resolver import Resolution, Resolver

ADDED_COLUMNS = ["id", "name", "level", "confidence", "status", "note"]


@dataclass
class BatchSummary:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    review_rows: list[tuple[str, str | None, str | None, Resolution]] = field(default_factory=list)


def _open_checked(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: UTF-16 text. Re-save it as UTF-8 (CSV UTF-8) and try again.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}). Re-save it as UTF-8 and try again."
        ) from exc
    if not text.strip():
        raise InputError(f"{path}: the file is empty.")
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError(f"{path}: a NUL byte at line {line}; not a text CSV file.")
    return text


def _records(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields), split the way a CSV reader does: only CR/LF end a record (a
    U+2028 or U+0085 inside a name is text), quotes are strict, and a broken quote names its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path}, line {line}: {exc} (an unclosed or stray quote?); nothing was written.") from exc
        yield line, record
        line = reader.line_num + 1


def resolve_csv(
    resolver: Resolver, path: Path, column: str, out: Path, state_column: str | None = None, progress: bool = False
) -> BatchSummary:
    """Write ``out`` with the resolver's answer for each row of ``path``, one output row per input record, every
    input field kept; a file that cannot be mirrored that way (a duplicate header, a row with more fields than the
    header) is refused. Errors name the file, row and field."""
    text = _open_checked(path)
    # A user's own long fields are kept, not refused. (Process-wide, as before: ingest readers set their own
    # limit per read, and tests/test_cli_geo.py reads the 10 MB field back after this ran in-process.)
    csv.field_size_limit(sys.maxsize)
    return _resolve_records(resolver, path, text, column, out, state_column, progress)


def _resolve_records(resolver, path, text, column, out, state_column, progress) -> BatchSummary:
    records = _records(path, text)
    _, header = next(records)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}: the header names {', '.join(repr(d) for d in dupes)} more than once; rename "
                         "the duplicate column so no value is lost.")  # fmt: skip
    for wanted in filter(None, [column, state_column]):
        if wanted not in header:
            raise InputError(f"{path}: no column '{wanted}'. Columns are: {', '.join(header)}.")
    summary = BatchSummary()
    renamed = {c: (f"resolved_{c}" if c in header else c) for c in ADDED_COLUMNS}
    out_header = header + list(renamed.values())
    tmp = out.with_suffix(out.suffix + ".partial")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fh, Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task(f"Resolving {path.name}", total=text.count("\n") or None)
            write_csv((), out_header, fh, lineterminator="\r\n")
            for row_number, (line, fields) in enumerate(records, start=2):
                if len(fields) > len(header):
                    raise InputError(f"{path}, line {line}: {len(fields)} fields but the header has {len(header)} "
                                     "(an unquoted comma?); nothing was written.")  # fmt: skip
                row = dict(zip(header, fields + [""] * (len(header) - len(fields)), strict=True))
                answer = _resolve_row(resolver, row, column, state_column, row_number, summary)
                row.update({renamed[k]: v for k, v in answer.items()})
                write_csv([row], out_header, fh, header=False, lineterminator="\r\n")
                summary.rows += 1
                if row_number % 2000 == 0:
                    bar.update(task, completed=line)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)  # the output appears only when complete
    return summary


def _resolve_row(resolver, row, column, state_column, row_number, summary) -> dict[str, object]:
    text = row.get(column) or ""
    state = (row.get(state_column) or "").strip() or None if state_column else None
    try:
        result = resolver.resolve(text, state=state)
    except InputError as exc:
        summary.counts["unresolved"] += 1
        return {
            "id": "",
            "name": "",
            "level": "",
            "confidence": "",
            "status": "unresolved",
            "note": f"row {row_number}, field '{column}': {exc}",
        }
    summary.counts[result.status] += 1
    best = result.best
    if result.status == "needs_review":
        summary.review_rows.append((text, state, None, result))
    if result.status != "accepted" or best is None:
        alts = "; ".join(f"{c.geoid} {c.name} {c.state_abbr} ({c.confidence:.2f})" for c in result.candidates[:3])
        return {
            "id": "",
            "name": "",
            "level": "",
            "confidence": f"{best.confidence:.3f}" if best else "",
            "status": result.status,
            "note": (result.note + "; " if result.note else "") + (alts or "no candidate"),
        }
    return {
        "id": best.geoid,
        "name": best.name,
        "level": best.level,
        "confidence": f"{best.confidence:.3f}",
        "status": "accepted",
        "note": best.reason,
    }
