"""Render pages to HTML strings from analysis results. Used by the live server and by the static export alike,
so both serve the same pages; ``root`` is the relative path to the site root ("/" live, "../../" in an export)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import escape

from sanctuarywatch.analysis import agreements, catalog
from sanctuarywatch.analysis.ddor_report import SMALL_CELL

STATIC_DIR = Path(__file__).resolve().parent / "static"


def json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def to_json(data: Any, indent: int | None = None) -> str:
    return json.dumps(data, default=json_default, indent=indent, ensure_ascii=False)


def _money(value: Any) -> str:
    return f"${value:,.0f}" if value is not None else ""


def _small(value: int) -> str:
    return f"<{SMALL_CELL}" if 0 < value < SMALL_CELL else f"{value:,}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("sanctuarywatch.web", "templates"), autoescape=select_autoescape())
    env.globals.update(money=_money, small=_small)
    return env


def render(template: str, root: str, **context: Any) -> str:
    return environment().get_template(template).render(root=root, **context)


def home_page(con: duckdb.DuckDBPyConnection, root: str) -> str:
    states, _ = catalog.list_jurisdictions(con, level="state", limit=100)
    series = agreements.national_series(con)
    latest = series["items"][-1]["sheet_date"] if series["items"] else None
    return render("home.html", root, counts=catalog.counts(con), top=catalog.top_listed(con),
                  states=[s for s in states if s["geoid"] <= "56"], series=series,
                  series_spec=script_json(agreements_chart_spec(series["items"])),
                  top_287g=top_287g_counties(con, latest) if latest else [], latest_287g=latest)  # fmt: skip


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    return to_json(data).replace("</", "<\\/")


def top_287g_counties(con: duckdb.DuckDBPyConnection, on: date, limit: int = 15) -> list[dict[str, Any]]:
    """The counties with the most agreements in force on a date (the no-script view of the 287(g) map)."""
    counties = agreements.in_force(con, on)["counties"]
    ranked = sorted((c for c in counties if c["agreements"]), key=lambda c: (-c["agreements"], c["geoid"]))
    return ranked[:limit]


def agreements_chart_spec(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite: agreements listed on each participating sheet, stacked by support type, total on top."""
    labels = {v: k for k, v in agreements.SUPPORT_TYPES.items()}
    values = [{"sheet_date": r["sheet_date"], "support_type": labels[k], "agreements": r[k], "total": r["agreements"]}
              for r in items for k in labels]  # fmt: skip
    totals = [{"sheet_date": r["sheet_date"], "total": r["agreements"], "agencies": r["agencies"]} for r in items]
    x = {"field": "sheet_date", "type": "ordinal", "timeUnit": "yearmonthdate", "title": "ICE sheet of",
         "axis": {"format": "%b %-d, %Y", "labelAngle": -45}}  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container", "height": 280,
        "layer": [
            {"data": {"values": values}, "mark": {"type": "bar"},
             "encoding": {"x": x, "y": {"field": "agreements", "type": "quantitative", "stack": True,
                                        "title": "Agreements listed (agency × support type)"},
                          "color": {"field": "support_type", "type": "nominal", "title": "Support type",
                                    "scale": {"range": ["#08519c", "#6baed6", "#d94801"]}},
                          "tooltip": [{"field": "sheet_date", "type": "temporal", "title": "Sheet"},
                                      {"field": "support_type", "title": "Support type"},
                                      {"field": "agreements", "format": ","},
                                      {"field": "total", "title": "All agreements", "format": ","}]}},
            {"data": {"values": totals}, "mark": {"type": "text", "dy": -6, "fontSize": 11},
             "encoding": {"x": x, "y": {"field": "total", "type": "quantitative"},
                          "text": {"field": "total", "format": ","}}},
        ],
    }  # fmt: skip


def _timeline(p: dict[str, Any]) -> list[dict[str, Any]]:
    events = [
        {"date": x["edition_date"] or x["edition"], "kind": "list", "kind_label": "listed",
         "text": f"{x['title'] or x['list_id']} (as “{x['as_printed']}”)"
                 + (" — later withdrawn" if x["withdrawn"] else ""),
         "release_id": x["release_id"], "file_name": x["file_name"], "row_number": x["row_number"]}
        for x in p["lists"]
    ] + [
        {"date": a["first_listed"], "kind": "agreement", "kind_label": "287(g)",
         "text": f"{a['agency_name']}: {a['support_model']} first listed" + (f"; last listed {a['last_listed']}"
                                                                              if a["status"] == "ended" else ""),
         "release_id": a["release_id"], "file_name": a["file_name"], "row_number": a["row_number"]}
        for a in p["agreements_287g"]
    ]  # fmt: skip
    return sorted(events, key=lambda e: str(e["date"]))


def detainer_chart_spec(by_month: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite: detainers per month, total and declined, as two lines (small cells are not hidden in trends
    of a single jurisdiction's own published counts; the table beside it suppresses them)."""
    values = [{"month": r["month"], "series": s, "count": r[k]} for r in by_month
              for s, k in (("all detainers", "total"), ("declined", "declined"))]  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container", "height": 240,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "month", "type": "temporal", "title": "Month"},
            "y": {"field": "count", "type": "quantitative", "title": "Detainers"},
            "color": {"field": "series", "type": "nominal", "title": None,
                      "scale": {"range": ["#08519c", "#d94801"]}},
            "tooltip": [{"field": "month", "type": "temporal"}, {"field": "series"}, {"field": "count"}],
        },
    }  # fmt: skip


def profile_page(profile: dict[str, Any], root: str, with_page: Collection[str] | None = None) -> str:
    """``with_page``: the GEOIDs that have a page (the static export); the places a county contains, the counties
    a place lies in and a city-county's other half are named without a link when theirs is missing. None (the live
    server): all do."""
    spec = to_json(detainer_chart_spec(profile["detainers"]["by_month"])).replace("</", "<\\/")
    linked = (lambda geoid: True) if with_page is None else with_page.__contains__
    return render("profile.html", root, p=profile, timeline=_timeline(profile), chart_spec=spec, linked=linked)


def search_page(root: str, query: str, result: Any = None, error: str | None = None, static: bool = False) -> str:
    return render("search.html", root, query=query, result=result, error=error, static=static)


def lists_page(comparison: Any, root: str) -> str:
    from sanctuarywatch.analysis.reconcile import FLAG_REASONS

    return render("lists.html", root, c=comparison, reasons=FLAG_REASONS)


def report_page(report: dict[str, Any], root: str) -> str:
    return render("report.html", root, r=report)


def sources_page(con: duckdb.DuckDBPyConnection, root: str) -> str:
    return render("sources.html", root, sources=catalog.sources_and_releases(con),
                  validation=catalog.validation_results(con))  # fmt: skip


def methodology_page(root: str) -> str:
    """docs/methodology.md as simple HTML (headings, lists, paragraphs): no extra dependency for one page."""
    path = Path(__file__).resolve().parents[3] / "docs" / "methodology.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Methodology\n\nSee docs/methodology.md."
    html, in_list = [], False
    for line in text.splitlines():
        if line.startswith("- ") or (in_list and line.startswith("  ")):
            if not in_list:
                html.append("<ul>")
                in_list = True
            html.append(("<li>" if line.startswith("- ") else " ") + str(escape(line.strip().removeprefix("- "))))
            continue
        if in_list:
            html.append("</ul>")
            in_list = False
        if line.startswith("## "):
            slug = re.sub(r"[^a-z0-9]+", "-", line[3:].split(" (")[0].lower()).strip("-")  # methodology/#audit-flags
            html.append(f'<h2 id="{slug}">{escape(line[3:])}</h2>')
        elif line.startswith("# "):
            continue
        elif line.strip():
            html.append(f"<p>{escape(line)}</p>")
    if in_list:
        html.append("</ul>")
    return render("text.html", root, title="Methodology", body="\n".join(html))


def policies_page(con: duckdb.DuckDBPyConnection, root: str, on: date, **filters: str | None) -> str:
    """Instruments in force on a date, filtered by state, direction or vocabulary term (policy register)."""
    from sanctuarywatch.analysis.policies import policies_in_force, vocabulary

    rows = policies_in_force(con, on, **{k: v for k, v in filters.items() if v})
    return render("policies.html", root, rows=rows, on=on, terms=vocabulary(con), **filters)


def corrections_page(root: str) -> str:
    """How to report an error: the corrections format and the check command."""
    from sanctuarywatch.sources.corrections import SUBMISSION_COLUMNS

    return render("corrections.html", root, columns=SUBMISSION_COLUMNS)
