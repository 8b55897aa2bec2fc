"""Resolve a whole CSV column: keep every input column, add id, name, level, confidence, status, note.

An added column whose name the input already uses is written as ``resolved_<name>`` so no input value is lost.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.resolver import Resolution, Resolver

ADDED_COLUMNS = ["id", "name", "level", "confidence", "status", "note"]


@dataclass
class BatchSummary:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    review_rows: list[tuple[str, str | None, str | None, Resolution]] = field(default_factory=list)


def _open_checked(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}). Re-save it as UTF-8 and try again."
        ) from exc
    if not text.strip():
        raise InputError(f"{path}: the file is empty.")
    return text.splitlines(keepends=True)


def resolve_csv(
    resolver: Resolver, path: Path, column: str, out: Path, state_column: str | None = None, progress: bool = False
) -> BatchSummary:
    """Write ``out`` with the resolver's answer for each row of ``path``; errors name the file, row and field."""
    lines = _open_checked(path)
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    for wanted in filter(None, [column, state_column]):
        if wanted not in header:
            raise InputError(f"{path}: no column '{wanted}'. Columns are: {', '.join(header)}.")
    summary = BatchSummary()
    renamed = {c: (f"resolved_{c}" if c in header else c) for c in ADDED_COLUMNS}
    out_header = header + list(renamed.values())
    tmp = out.with_suffix(out.suffix + ".partial")
    with tmp.open("w", newline="", encoding="utf-8") as fh, Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task(f"Resolving {path.name}", total=len(lines) - 1)
        writer = csv.DictWriter(fh, fieldnames=out_header)
        writer.writeheader()
        for row_number, row in enumerate(reader, start=2):
            answer = _resolve_row(resolver, row, column, state_column, row_number, summary)
            row.update({renamed[k]: v for k, v in answer.items()})
            writer.writerow({k: row.get(k, "") for k in out_header})
            summary.rows += 1
            if row_number % 2000 == 0:
                bar.update(task, completed=row_number - 1)
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
