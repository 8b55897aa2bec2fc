"""Grant exposure under named scenarios, and litigation coverage."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from sanctuarywatch.cli.app import DbOption, app, console
from sanctuarywatch.cli.commands_analysis import (
    AsOf,
    Format,
    _check_format,
    _money,
    _open,
    _section,
    litigation_app,
    parse_date,
    resolve_geoid,
    to_json,
)
from sanctuarywatch.csv_out import to_csv_text


@app.command()
def exposure(
    scenario: Annotated[str | None, typer.Argument(help="A scenario id; omit to list the scenarios.")] = None,
    as_of: AsOf = None,
    fmt: Format = "table",
    by: Annotated[str, typer.Option("--by", help="jurisdiction, state or program")] = "jurisdiction",
    db: DbOption = None,
) -> None:
    """DOJ grant dollars exposed under a scenario, gross and net of court orders, with the awards behind them."""
    from sanctuarywatch.analysis.exposure import grant_exposure, load_scenarios

    if scenario is None:
        _section(
            "Scenarios",
            ["id", "title", "programs", "fiscal years"],
            [
                [s.scenario_id, s.title, ", ".join(s.programs), ", ".join(map(str, s.fiscal_years))]
                for s in load_scenarios().values()
            ],
        )
        return
    _check_format(fmt, ("table", "json", "csv"))
    if by not in ("jurisdiction", "state", "program"):
        raise typer.BadParameter("--by must be jurisdiction, state or program")
    result = grant_exposure(_open(db), scenario, parse_date(as_of, "--as-of"))
    if fmt == "json":
        console.print_json(to_json(result.to_dict()))
        return
    if fmt == "csv":
        columns = [
            "award_id",
            "fiscal_year",
            "program",
            "recipient_name",
            "geoid",
            "jurisdiction",
            "state_abbr",
            "amount",
            "is_pass_through",
            "exposed_because",
            "enjoined_by",
            "enjoined_conditions",
            "partly_enjoined_by",
            "release_id",
            "file_name",
            "row_number",
        ]
        typer.echo(to_csv_text(result.awards, columns), nl=False)
        return
    t = result.totals

    def money(value):
        return "not loaded" if value is None else _money(value)

    awards = "awards not loaded" if t["awards"] is None else f"{t['awards']} awards"
    designated = ("designations not loaded" if t.get("designations") == "not loaded"
                  else f"{len(result.designated)} designated jurisdictions")  # fmt: skip
    console.print(
        f"[bold]{escape(result.scenario.title)}[/] as of {result.as_of}: {designated}, {awards}. "
        f"Gross [bold]{money(t['gross'])}[/], enjoined "
        f"{money(t['enjoined'])}, net [bold]{money(t['net'])}[/] (of which partly enjoined "
        f"{money(t['partly_enjoined'])}). Conditions: {escape(', '.join(result.scenario.conditions))}."
    )
    groups = {"jurisdiction": result.by_jurisdiction, "state": result.by_state, "program": result.by_program}[by]
    keys = {"jurisdiction": ["jurisdiction", "state_abbr", "geoid"], "state": ["state_abbr"], "program": ["program"]}
    _section(
        f"Exposure by {by}",
        keys[by] + ["awards", "gross", "net"],
        [[str(g[k] or "") for k in keys[by]] + [str(g["awards"]), _money(g["gross"]), money(g["net"])] for g in groups],
    )
    console.print("[dim]Every figure is the sum of the awards listed by --format csv (with source rows).[/]")
    for line in result.to_dict()["simplifications"]:
        console.print(f"[dim]Simplification: {escape(line)}[/]")


@litigation_app.callback()
def litigation(ctx: typer.Context, as_of: AsOf = None, fmt: Format = "table", db: DbOption = None) -> None:
    """Cases, their orders and the relief in force on a date."""
    if ctx.invoked_subcommand:
        return
    from sanctuarywatch.analysis.litigation import cases

    _check_format(fmt, ("table", "json"))
    found = cases(_open(db), parse_date(as_of, "--as-of"))
    if fmt == "json":
        console.print_json(to_json(found))
        return
    _section(
        "Cases",
        ["case", "court", "filed", "programs", "plaintiffs", "relief in force"],
        [
            [
                c["name"],
                c["court"],
                str(c["filed_date"] or "not confirmed"),
                c["programs"],
                ", ".join(p["party_name"] for p in c["plaintiffs"]),
                "; ".join(c["relief_in_force"]) or "none",
            ]
            for c in found
        ],
    )


@litigation_app.command("coverage")
def litigation_coverage(
    name_or_id: Annotated[str, typer.Argument(help="A GEOID or a name.")],
    program: Annotated[str, typer.Option("--program", help="Program code, e.g. byrne_jag.")] = "byrne_jag",
    on: Annotated[str, typer.Option("--date", help="The date to check (YYYY-MM-DD).")] = "",
    fmt: Format = "table",
    db: DbOption = None,
) -> None:
    """Per condition (notice, access, section 1373 certification, EO section, directive): is it enjoined for this
    jurisdiction and program on that date, by which order, for which plaintiff, from and to?"""
    from datetime import date

    from sanctuarywatch.analysis.litigation import coverage

    _check_format(fmt, ("table", "json"))
    con = _open(db)
    geoid = resolve_geoid(con, name_or_id)
    result = coverage(con, geoid, program, parse_date(on, "--date") if on else date.today())
    if fmt == "json":
        console.print_json(to_json(result.to_dict()))
        return
    verdict = "[green]enjoined[/] (at least one condition)" if result.enjoined else "[yellow]not enjoined[/]"
    console.print(f"{escape(geoid)} {escape(program)} on {result.on_date}: {verdict}")
    rows = []
    for c in result.conditions:
        state = "enjoined" if c["enjoined"] else "not enjoined"
        if not c["exists_on_date"]:
            state = f"ended {c['ended_date']} ({c['ended_by']})"
        for o in c["orders"] or [None]:
            rows.append(
                [c["condition_id"], state]
                + (["", "", "", "", ""] if o is None else [o["case_name"], o["order_id"], str(o["effective_from"]),
                                                           str(o["effective_to"] or ""), o["why"]])
            )  # fmt: skip
    _section("Conditions", ["condition", "answer", "case", "order", "from", "to (not in force)", "reaches"], rows)
    for m in result.member_classes:
        relief = "in force" if m["enjoins"] else "stayed or not enjoining"
        console.print(
            f"[dim]{escape(str(m['order_id']))} ({escape(str(m['conditions']))}) reaches "
            f"{escape(str(m['member_class']))} ({relief}); membership is not "
            "loaded, so it is not applied.[/]"
        )
