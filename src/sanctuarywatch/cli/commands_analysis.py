"""Analysis commands: profile, report declined-detainers, lists compare, exposure, litigation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, settings
from sanctuarywatch.csv_out import to_csv_text
from sanctuarywatch.errors import InputError
from sanctuarywatch.store.db import connect

report_app = typer.Typer(help="Reports rebuilt from the store.", no_args_is_help=True)
lists_app = typer.Typer(help="Designation lists: compare and reconcile.", no_args_is_help=True)
litigation_app = typer.Typer(
    help="Cases over sanctuary funding conditions, and what they protect.", invoke_without_command=True
)
app.add_typer(report_app, name="report")
app.add_typer(lists_app, name="lists")
app.add_typer(litigation_app, name="litigation")

AsOf = Annotated[str | None, typer.Option("--as-of", help="Answer as of this date (YYYY-MM-DD).")]
Format = Annotated[str, typer.Option("--format", help="table, json, csv or html (where offered).")]


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: '{value}' is not a date; use YYYY-MM-DD, e.g. 2017-01-28.") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, default=_json_default, indent=2, ensure_ascii=False)


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise InputError(f"--format must be one of {', '.join(allowed)}, not '{fmt}'.")


def _open(db: Path | None, read_only: bool = True):
    return connect(settings(db).db_path, read_only=read_only)


def resolve_geoid(con, text: str) -> str:
    """A GEOID as given, or the resolver's accepted answer for a name; otherwise a clear error."""
    if text.isdigit() and len(text) in (2, 5, 7):
        return text
    from sanctuarywatch.store.registry import build_resolver

    result = build_resolver(con).resolve(text)
    if result.status == "accepted":
        return result.geoid
    options = "; ".join(f"{c.geoid} {c.name}, {c.state_abbr}" for c in result.candidates[:5])
    raise InputError(
        f"'{text}' is {result.status.replace('_', ' ')}. "
        + (f"Candidates: {options}. Give a GEOID or add the state." if options else "No candidate.")
    )


def _money(value: Any) -> str:
    return f"${value:,.0f}" if value is not None else ""


@app.command()
def profile(
    name_or_id: Annotated[str, typer.Argument(help="A GEOID (36119) or a name ('Westchester County, NY').")],
    as_of: AsOf = None,
    fmt: Format = "table",
    db: DbOption = None,
) -> None:
    """Everything known about one jurisdiction: lists, policies, 287(g), detainers, grants, litigation, sources."""
    from sanctuarywatch.analysis.profile import jurisdiction_profile

    _check_format(fmt, ("table", "json"))
    con = _open(db)
    p = jurisdiction_profile(con, resolve_geoid(con, name_or_id), parse_date(as_of, "--as-of"))
    if fmt == "json":
        console.print_json(to_json(p))
        return
    console.print(
        f"[bold]{escape(p['name'])}[/], {escape(p['state_name'] or p['state_abbr'] or '')}  GEOID "
        f"[cyan]{escape(p['geoid'])}[/]  "
        + escape(f"({p['level']}{', consolidated with ' + p['consolidated_with'] if p['consolidated_with'] else ''})")
        + f"  as of {p['as_of']}"
    )
    if p["parents"] or p["children"]:
        rel = ", ".join(f"{r['relation']} {r['name']} ({r['geoid']})" for r in p["parents"])
        kids = ", ".join(f"{r['name']} ({r['geoid']})" for r in p["children"][:10])
        console.print(escape(f"Parents: {rel or '-'}   Children: {kids or '-'}"))
    if p["aliases"]:
        console.print("Printed as: " + escape("; ".join(p["aliases"][:8])))
    _section(
        "Lists",
        ["list", "edition", "as printed", "withdrawn", "source row"],
        [
            [
                x["title"] or x["list_id"],
                str(x["edition_date"] or x["edition"]),
                x["as_printed"],
                "yes" if x["withdrawn"] else "",
                f"{x['file_name']}:{x['row_number']}",
            ]
            for x in p["lists"]
        ],
    )
    _section(
        "Policies",
        ["title", "what it does", "effective", "ended", "source row"],
        [
            [
                x["title"] or "",
                x["policy_text"] or "",
                str(x["effective_date"] or ""),
                str(x.get("ended_date") or ""),
                f"{x['file_name']}:{x['row_number']}",
            ]
            for x in p["policies"]
        ],
    )
    for x in p["policies"]:
        links = [str(x[k]) for k in ("official_url", "second_url") if x.get(k)] or [str(x["url"])] * bool(x.get("url"))
        if links:
            label = escape((x.get("citation") or x["title"] or "")[:70])
            console.print(f"  [dim]{label}: {escape(' | '.join(links))}[/]")
    for practice in p.get("policy_practice") or []:
        console.print(escape(_practice_text(practice)))
    if p["coverage"]["agreements_287g"]["status"] == "not_loaded":
        console.print("287(g) agreements: [yellow]not loaded[/] (ICE's sheets are not in the store; unknown, not 0)")
    elif not p["agreements_287g"]:
        console.print("287(g) agreements: none listed on any loaded ICE sheet")
    if p["agreements_287g"]:
        _section(
            "287(g) agreements",
            ["agency", "model", "signed", "first listed", "last listed", "status"],
            [
                [
                    x["agency_name"],
                    x["support_model"],
                    str(x["signed_date"] or ""),
                    str(x["first_listed"]),
                    str(x["last_listed"]),
                    x["status"],
                ]
                for x in p["agreements_287g"]
            ],
        )
    d = p["detainers"]
    if d["total"] is None:
        status = "not loaded" if d["coverage"]["status"] == "not_loaded" else "not covered"
        console.print(f"Detainers: [yellow]{status}[/] — {escape(d['coverage']['message'])}")
    else:
        _section(
            f"Detainers (total {d['total']:,}, declined {d['declined']:,})",
            ["year", "detainers", "declined"],
            [[y["year"], f"{y['total']:,}", f"{y['declined']:,}"] for y in d["by_year"]],
        )
    for text in d["coverage"].get("caveats", []):
        console.print(f"[yellow]Caveat:[/] {escape(text)}")
    if p["grants"]["total"] is None:
        console.print("DOJ grants: [yellow]not loaded[/] (DOJ award tables are not in this store; unknown, not zero)")
    else:
        _section(
            f"DOJ grants (total {_money(p['grants']['total'])})",
            ["fiscal year", "program", "awards", "amount"],
            [[str(g["fiscal_year"]), g["program"], str(g["awards"]), _money(g["amount"])]
             for g in p["grants"]["rows"]],
        )  # fmt: skip
    _section(
        "Litigation",
        ["case", "court", "filed", "plaintiff", "relief in force"],
        [
            [
                c["name"],
                c["court"],
                str(c["filed_date"]),
                "yes" if c["is_plaintiff"] else "",
                c["relief_in_force"] or "",
            ]
            for c in p["litigation"]
        ],
    )
    _section(
        "Sources",
        ["source", "release", "version", "kind", "address"],
        [
            [s["title"], s["release_id"], s["version"],
             " ".join(filter(None, [s.get("kind"), "partial" if s.get("coverage") == "partial" else None])),
             s["url"] or ""]
            for s in p["sources"]
        ],
    )  # fmt: skip


def _practice_text(practice: dict) -> str:
    """One line: declined detainers in the months before and after a policy took effect."""

    def side(x: dict) -> str:
        share = f"{x['share_declined']:.1%}" if x.get("share_declined") is not None else "n/a"
        span = f"{x['first_month']:%Y-%m} to {x['last_month']:%Y-%m}"
        return f"{x['declined']:,} of {x['detainers']:,} declined ({share}, {span})"

    return (f"Policy vs practice, {practice['citation']} ({practice['pivot']}): before {side(practice['before'])}; "
            f"after {side(practice['after'])}")  # fmt: skip


def _section(title: str, headers: list[str], rows: list[list[str]]) -> None:
    if not rows:
        console.print(f"[bold]{escape(title)}:[/] none in the store")
        return
    table = Table(title=escape(title), title_justify="left", title_style="bold")
    for h in headers:
        table.add_column(h)
    for r in rows:  # cells are data: a value such as '[/]' or '[link=…]' is shown as printed, never as markup
        table.add_row(*[escape(str(v)) for v in r])
    console.print(table)


REPORT_COLUMNS = (
    "jurisdiction",
    "state_abbr",
    "geoid",
    "facility",
    "citizenship_country",
    "criminality",
    "detainer_issued_date",
    "declined_date",
    "release_id",
    "file_name",
    "row_number",
    "flags",
    "flags_not_checked",
    "flag_details",
)
FLAG_COLUMNS = ("flag", "check_name", "status", "state_abbr", "geoid", "facility", "subject_date", "detail",
                "release_id", "file_name", "sheet", "row_number", "evidence")  # fmt: skip


@report_app.command("declined-detainers")
def declined_detainers(
    week: Annotated[str, typer.Option("--week", help="First day of the week (YYYY-MM-DD).")],
    to: Annotated[str | None, typer.Option("--to", help="Last day of a longer range (default: week + 6 days).")] = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    part: Annotated[
        str, typer.Option("--part", help="CSV only: rows (declined detainers) or flags (audit flags).")
    ] = "rows",
    db: DbOption = None,
) -> None:
    """The Declined Detainer Outcome Report for a week: from ICE's table when published, else from records.
    Every row carries audit flags (same-name county, transfer, batch-dated, wrong place, cooperating)."""
    from sanctuarywatch.analysis.ddor_report import declined_detainer_report

    _check_format(fmt, ("table", "csv", "json", "html"))
    if part not in ("rows", "flags"):
        raise InputError(f"--part must be rows or flags, not '{part}'.")
    con = _open(db)
    report = declined_detainer_report(
        con, parse_date(week, "--week"), parse_date(to, "--to"), parse_date(as_of, "--as-of")
    )
    if fmt == "table":
        _print_report(report)
        return
    if fmt == "json":
        text = to_json(report.to_dict())
    elif fmt == "csv":
        if not report.covered:  # a header with no rows would read as zero declined detainers
            raise InputError(f"No CSV for {report.week_start}..{report.week_end}: {report.coverage['message']}")
        columns, data = (REPORT_COLUMNS, report.rows) if part == "rows" else (FLAG_COLUMNS, _flag_csv_rows(report))
        text = to_csv_text(data, columns)
    else:
        from sanctuarywatch.cli.report_html import render_report_html

        text = render_report_html(report.to_dict())
    if out:
        out.write_text(text, encoding="utf-8")
        what = f"{len(report.rows)} declined detainers" if report.covered else report.coverage["status"]
        console.print(f"Wrote {out} ({what.replace('_', ' ')}).")
    else:
        typer.echo(text, nl=not text.endswith("\n"))


def _flag_csv_rows(report) -> list[dict[str, Any]]:
    audit = report.audit or {}
    if audit.get("status") != "computed":
        raise InputError(f"No flags CSV: {audit.get('message', 'the audit flags are not computed')}")
    return [{**f, "evidence": json.dumps(f["evidence"], default=_json_default)} for f in audit["flags"]]


def _print_audit(audit: dict[str, Any] | None) -> None:
    if not audit or audit.get("status") != "computed":
        console.print(f"[yellow]Audit flags not computed[/]: {escape((audit or {}).get('message', ''))}")
        return
    _section(
        "Declined, by reading (the definition's effect)",
        ["reading", "declined", "counts"],
        [[r["reading"], str(r["declined"]), r["label"]] for r in audit["readings"]],
    )
    _section(
        "Audit flags (not checked = a check could not run for lack of data; never clean)",
        ["flag", "flagged", "not checked", "clean", "rows"],
        [[c["flag"], str(c["flagged"]), str(c["not_checked"]), str(c["clean"]), str(c["subjects"])]
         for c in audit["counts"]],
    )  # fmt: skip
    _section(
        "Batch-dated days",
        ["day", "facility", "state", "declines", "source rows"],
        [[str(b["day"]), b["facility"], b["state_abbr"] or "", str(b["declines"]), ", ".join(b["source_rows"])]
         for b in audit["batch_days"]],
    )  # fmt: skip
    _section(
        "Most-flagged facilities",
        ["facility", "state", "flagged rows", "flags", "types"],
        [[m["facility"] or "", m["state_abbr"] or "", str(m["flagged_rows"]), str(m["flags"]),
          ", ".join(m["flag_types"] or [])] for m in audit["most_flagged_facilities"]],
    )  # fmt: skip
    for n in audit["not_checked"]:
        console.print(
            f"[dim]Not checked: {n['flag']}/{n['check_name']} on {n['rows']} rows — {escape(n['example'])}[/]"
        )


def _print_report(report) -> None:
    if not report.covered:
        console.print(
            f"[bold]Declined detainers {report.week_start} to {report.week_end}[/]: "
            f"[yellow]{'not loaded' if report.coverage['status'] == 'not_loaded' else 'not covered'}[/] — "
            f"{escape(report.coverage['message'])}"
        )
        return
    console.print(
        f"[bold]Declined detainers {report.week_start} to {report.week_end}[/]  basis: {escape(str(report.basis))}  "
        f"rows: {len(report.rows)}  jurisdictions: {report.jurisdiction_count}  "
        f"unresolved: {len(report.unresolved)}"
    )
    console.print(f"[dim]{escape(report.coverage['message'])}[/]")
    for text in report.coverage.get("caveats", []):
        console.print(f"[yellow]Caveat:[/] {escape(text)}")
    _section(
        "Top jurisdictions by declined detainers (counts under 5 suppressed)",
        ["jurisdiction", "state", "geoid", "declined"],
        [[t["jurisdiction"], t["state_abbr"], t["geoid"] or "", str(t["declined"])] for t in report.top_jurisdictions],
    )
    if "ddor_2017" in report.coverage.get("missing_sources", []):
        console.print("Jurisdictions with non-cooperation policies: [yellow]not loaded[/] (ICE's 2017 reports)")
    else:
        _section(
            f"Jurisdictions with non-cooperation policies ({len(report.policy_jurisdictions)})",
            ["jurisdiction", "state", "geoid"],
            [[p["jurisdiction"], p["state_abbr"], p["geoid"] or "unresolved"] for p in report.policy_jurisdictions],
        )
    _section(
        "Rows not resolved to a jurisdiction",
        ["as printed", "state", "source row"],
        [[u["jurisdiction"], u["state_abbr"], f"{u['file_name']}:{u['row_number']}"] for u in report.unresolved],
    )
    _print_audit(report.audit)
    if report.differences is not None:
        d = report.differences
        console.print(
            f"Rebuild vs ICE's table: {len(d['only_in_ice_table'])} rows only in ICE's table, "
            f"{len(d['only_in_records'])} only in the records."
        )
    for note in report.notes:
        console.print(f"[dim]{escape(note)}[/]")


@lists_app.command("compare")
def lists_compare(as_of: AsOf = None, fmt: Format = "table", db: DbOption = None) -> None:
    """Who is on which list: counts, pairwise overlap and Jaccard, and evidence-backed disagreement flags."""
    from sanctuarywatch.analysis.reconcile import FLAG_REASONS, list_comparison

    _check_format(fmt, ("table", "json"))
    result = list_comparison(_open(db), parse_date(as_of, "--as-of"))
    if fmt == "json":
        console.print_json(to_json(result.to_dict()))
        return
    _section(
        f"Lists in force on {result.as_of}",
        ["list", "title", "kind", "entries", "jurisdictions", "unresolved"],
        [
            [x["list_id"], x["title"], x["kind"], str(x["entries"]), str(x["jurisdictions"]), str(x["unresolved"])]
            for x in result.lists
        ],
    )
    _section(
        "Pairwise agreement",
        ["list A", "list B", "A", "B", "both", "only A", "only B", "Jaccard"],
        [
            [
                p["list_a"],
                p["list_b"],
                str(p["a"]),
                str(p["b"]),
                str(p["overlap"]),
                str(p["only_a"]),
                str(p["only_b"]),
                f"{p['jaccard']:.3f}",
            ]
            for p in result.pairwise
        ],
    )
    _section(
        "Disagreements (flags with evidence; --format json for the rows)",
        ["flag", "count", "meaning"],
        [[k, str(v), FLAG_REASONS[k]] for k, v in result.flag_counts().items()],
    )
