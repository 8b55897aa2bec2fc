"""What the curated, hand-cited CSV sources share (litigation, policy register, published figures, corrections):
one reader, one date rule and one rule for what is not a citation."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sanctuarywatch.errors import SourceFormatError

# A results page: a /search path, or a non-empty q= / query= parameter (a record page such as Legistar's
# LegislationDetail.aspx?...&Search= is not one). A search result is never a citation.
SEARCH_URL = re.compile(r"(/search(\.\w+)?([/?#]|$))|([?&](q|query)=[^&#]+)", re.IGNORECASE)


def is_search_url(url: str) -> bool:
    return bool(SEARCH_URL.search(url))


def iso_date(value: str | None) -> date | None:
    """A YYYY-MM-DD cell as a date; None when blank or not a date."""
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def read_rows(path: Path, required: Iterable[str] = ()) -> list[tuple[int, dict[str, str]]]:
    """(row number, row) pairs with trimmed cells, header = row 1. A file that is empty, not UTF-8, missing a
    required column or with more cells than header columns in a row is refused, naming the file (and row)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path.name, f"not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise SourceFormatError(path.name, "the file is empty (not even a header row)")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceFormatError(path.name, f"missing column(s): {', '.join(missing)}")
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise SourceFormatError(path.name, "more cells than header columns (an unquoted comma?)", row=n)
        rows.append((n, {k: (v or "").strip() for k, v in row.items()}))
    return rows
