"""Published figures register: numbers the publishers and the press put out about our sources (the 2017 DDOR
weekly totals, the size of DOJ's and DHS's 2025 lists, the grant amount at stake in 2017), each with who said
it, when, where, what it counts and a second source that states it. A curated CSV in the package; a mirror
file of the same name overrides it. ``analysis/published.py`` sets each beside the store's own recomputation.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyarrow as pa

from sanctuarywatch.sources.base import (
    Finder,
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)
from sanctuarywatch.sources.curated import iso_date, read_rows

FILE = "published_figures.csv"
SPEC = SourceSpec(
    source_id="published_figures",
    title="Published figures register (curated)",
    publisher="Sanctuary Watch, from the publishers' releases and the press",
    url="https://github.com/",
    licence="The curated table is CC0; each row cites its public sources.",
    description="Figures ICE, DHS, DOJ and the press published (who, when, where, what it counts), two sources each.",
    files=(SourceFile(FILE),),
    mirror_patterns=(FILE,),
)
DIFF_KEYS = {"published_figure": ("figure_id",)}
REQUIRED = ("figure_id", "subject", "counts", "comparator", "value", "value_as_published", "unit", "published_by",
            "published_on", "where_url", "second_source_url", "recompute")  # fmt: skip
COMPARATORS = {"=", ">", ""}
RECOMPUTE = {"ddor_declined", "ddor_issued", "ddor_policy", "ddor_declined_geoid", "ddor_correction", "list_entries",
             "list_category:state", "list_category:county", "list_category:city", "list_withdrawn", "none"}  # fmt: skip


def discover(finder: Finder) -> list[ReleaseFiles]:
    mirrored = finder.in_mirror([FILE])
    if mirrored:
        located, origin = locate_file(mirrored[0]), "mirror"
    else:
        located, origin = locate_file(Path(str(resources.files("sanctuarywatch.sources") / "data" / FILE))), "package"
    dates = [d for r in _read(located.path) if (d := iso_date(r.get("published_on")))]
    return [ReleaseFiles(max(dates).isoformat() if dates else "undated", (located,), origin)]


def _read(path: Path) -> list[dict[str, str]]:
    return [row for _, row in read_rows(path, REQUIRED)]


def _problem(r: dict[str, str], seen: set[str]) -> tuple[str, str] | None:
    """The first reason a row cannot be kept (field, reason), or None."""
    if not r["figure_id"].strip():
        return "figure_id", "empty figure_id"
    if r["figure_id"] in seen:
        return "figure_id", "figure_id repeated"
    for url_field in ("where_url", "second_source_url"):
        if not r[url_field].startswith(("http://", "https://")):
            return url_field, "two sources are required: not an http(s) address"
    if r["where_url"] == r["second_source_url"]:
        return "second_source_url", "the second source must differ from the first"
    if r["comparator"] not in COMPARATORS:
        return "comparator", f"comparator must be one of {sorted(COMPARATORS)}"
    if r["recompute"] not in RECOMPUTE:
        return "recompute", f"unknown recompute rule (known: {', '.join(sorted(RECOMPUTE))})"
    if r["value"].strip():
        try:
            float(r["value"])
        except ValueError:
            return "value", "not a number"
    elif r["comparator"]:
        return "value", "a comparator needs a value"
    for field in ("published_on", "period_start", "period_end"):
        if (r.get(field) or "").strip() and iso_date(r[field]) is None:
            return field, "not an ISO date (YYYY-MM-DD)"
    return None


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    path = release.files[0].path
    kept, bad, seen = [], [], set()
    for n, r in enumerate(_read(path), start=2):
        problem = _problem(r, seen)
        if problem:
            bad.append(QuarantineRow(FILE, n, problem[0], r.get(problem[0]), problem[1]))
            continue
        seen.add(r["figure_id"])
        kept.append(
            {
                "figure_id": r["figure_id"],
                "subject": r["subject"],
                "period_start": iso_date(r.get("period_start")),
                "period_end": iso_date(r.get("period_end")),
                "counts": r["counts"],
                "comparator": r["comparator"] or None,
                "value": float(r["value"]) if r["value"].strip() else None,
                "value_as_published": r["value_as_published"],
                "unit": r["unit"],
                "published_by": r["published_by"],
                "published_on": iso_date(r["published_on"]),
                "where_url": r["where_url"],
                "second_source_url": r["second_source_url"],
                "recompute": r["recompute"],
                "note": r.get("note") or None,
                "file_name": FILE,
                "row_number": n,
            }
        )
    schema = pa.schema([("figure_id", pa.string()), ("subject", pa.string()), ("period_start", pa.date32()),
                        ("period_end", pa.date32()), ("counts", pa.string()), ("comparator", pa.string()),
                        ("value", pa.float64()), ("value_as_published", pa.string()), ("unit", pa.string()),
                        ("published_by", pa.string()), ("published_on", pa.date32()), ("where_url", pa.string()),
                        ("second_source_url", pa.string()), ("recompute", pa.string()), ("note", pa.string()),
                        ("file_name", pa.string()), ("row_number", pa.int64())])  # fmt: skip
    return Parsed(
        tables={"published_figure": pa.Table.from_pylist(kept, schema=schema)},
        quarantine=bad,
        replace=frozenset({"published_figure"}),
    )
