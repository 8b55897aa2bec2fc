"""The corrections format: how a user sends a correction with evidence, and how it is checked.

A correction file is CSV (UTF-8, header row) with the columns in ``SUBMISSION_COLUMNS`` (see
docs/corrections.md). ``check_file`` returns one :class:`FieldError` per bad field, naming the row and the
field, so the sender can fix every problem in one go. Accepted corrections live in
``sources/data/corrections_accepted.csv`` with two more columns (``correction_id``, ``accepted_date``) and are
loaded by the policy_register connector.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sanctuarywatch.sources.curated import is_search_url, iso_date

SUBMISSION_COLUMNS = (
    "target_table",
    "target_key",
    "field",
    "geoid",
    "published_value",
    "corrected_value",
    "reason",
    "source_url",
    "submitted_date",
)
ACCEPTED_COLUMNS = ("correction_id", *SUBMISSION_COLUMNS, "accepted_date")
REQUIRED = ("target_table", "target_key", "field", "corrected_value", "reason", "source_url", "submitted_date")
CORRECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class FieldError:
    """One problem in a correction file: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    value: str | None
    problem: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        where += f", field '{self.field}'" if self.field else ""
        shown = f" (got {self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.problem}{shown}"


def check_file(
    path: Path, schema: dict[str, set[str]] | None = None, accepted: bool = False
) -> tuple[int, list[FieldError]]:
    """(rows read, errors) for a correction file; ``schema`` (table -> columns) checks target_table/field."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return 0, [FieldError(str(path), None, None, None, "no such file")]
    except UnicodeDecodeError as exc:
        return 0, [FieldError(path.name, None, None, None, f"not UTF-8 (byte {exc.start}); save the file as UTF-8")]
    if not text.strip():
        return 0, [FieldError(path.name, None, None, None, "the file is empty; it needs a header row and one row")]
    reader = csv.DictReader(io.StringIO(text))
    columns = ACCEPTED_COLUMNS if accepted else SUBMISSION_COLUMNS
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns]
    errors = [FieldError(path.name, 1, c, None, "missing column") for c in missing]
    errors += [FieldError(path.name, 1, c, None, f"unknown column; use only {', '.join(columns)}") for c in unknown]
    if errors:
        return 0, errors
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            errors.append(FieldError(path.name, n, None, None, "more cells than header columns (an unquoted comma?)"))
            continue
        rows.append((n, {k: (v or "").strip() for k, v in row.items()}))
    if not rows and not errors:
        errors.append(FieldError(path.name, None, None, None, "no correction rows under the header"))
    return len(rows), errors + check_rows(rows, path.name, accepted=accepted, schema=schema)


def check_rows(
    rows: list[tuple[int, dict[str, str]]],
    file: str,
    accepted: bool = False,
    schema: dict[str, set[str]] | None = None,
) -> list[FieldError]:
    """Every field-level problem in already-read rows (row numbers as a spreadsheet counts them)."""
    errors: list[FieldError] = []
    ids: set[str] = set()
    for n, r in rows:

        def bad(field: str, problem: str, r=r, n=n) -> None:
            errors.append(FieldError(file, n, field, r.get(field), problem))

        for field in REQUIRED + (("correction_id", "accepted_date") if accepted else ()):
            if not r.get(field):
                bad(field, "required")
        if schema is not None and r.get("target_table"):
            if r["target_table"] not in schema:
                bad("target_table", "not a table of the store (see docs/corrections.md for the usual ones)")
            elif r.get("field") and r["field"] not in schema[r["target_table"]]:
                bad("field", f"not a column of {r['target_table']}")
        geoid = r.get("geoid", "")
        if geoid and (not geoid.isdigit() or len(geoid) not in (2, 5, 7)):
            bad("geoid", "a Census GEOID has 2 (state), 5 (county) or 7 (place) digits")
        if r.get("corrected_value") and r["corrected_value"] == r.get("published_value"):
            bad("corrected_value", "is the same as published_value")
        if r.get("reason") and len(r["reason"]) < MIN_REASON_CHARS:
            bad("reason", f"say why the value is wrong (at least {MIN_REASON_CHARS} characters)")
        url = r.get("source_url", "")
        if url and not url.startswith(("https://", "http://")):
            bad("source_url", "must be a web address (https://...) of the record that shows the right value")
        elif url and is_search_url(url):
            bad("source_url", "a search-result address is not evidence; link the record itself")
        for field in ("submitted_date", "accepted_date"):
            value = r.get(field, "")
            if value and iso_date(value) is None:
                bad(field, "not an ISO date (YYYY-MM-DD)")
            elif value and iso_date(value) > date.today():
                bad(field, "is in the future")
        if accepted:
            cid = r.get("correction_id", "")
            if cid and not CORRECTION_ID.match(cid):
                bad("correction_id", "use lowercase letters, digits and '-' only")
            elif cid in ids:
                bad("correction_id", "repeated")
            ids.add(cid)
    return errors

