"""Registry and resolver commands: registry, resolve, review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, settings
from sanctuarywatch.errors import InputError
from sanctuarywatch.store import review
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver, registry_counts


@app.command()
def registry(db: DbOption = None) -> None:
    """Print the registry's vintage and counts of states, counties and places."""
    con = connect(settings(db).db_path)
    counts = registry_counts(con)
    console.print(
        f"Registry vintage: [bold]{escape(str(counts['vintage']))}[/] (from {counts['origin']}, "
        f"release {counts['release_id']}; {counts['kind'] or 'unknown kind'}, "
        f"{counts['coverage'] or 'coverage not stated'})"
    )
    table = Table("level (50 states + DC)", "count")
    table.add_row("states and DC", f"{counts['states_and_dc']:,}")
    table.add_row("county equivalents (current)", f"{counts['counties']:,}")
    table.add_row("former counties (kept for older sources, with end dates)", f"{counts['former_counties']:,}")
    table.add_row("incorporated places (FUNCSTAT A)", f"{counts['incorporated_places']:,}")
    table.add_row("census-designated places (statistical, no government)", f"{counts['census_designated_places']:,}")
    table.add_row("other places (balance, inactive, nonfunctioning)", f"{counts['other_places']:,}")
    table.add_row("places with a parent county (2020 relation)", f"{counts['places_with_parent_county']:,}")
    table.add_row("rows with a population figure", f"{counts['with_population']:,}")
    table.add_row("territory rows (not counted above)", f"{counts['territory_rows']:,}")
    console.print(table)
    if counts["origin"] == "package":
        console.print("[yellow]No Census files were found: places are not loaded (only consolidated governments).[/]")


@app.command()
def resolve(
    name: Annotated[str | None, typer.Argument(help="A jurisdiction or agency name, e.g. 'Cook Co. Jail'.")] = None,
    state: Annotated[str | None, typer.Option(help="State (abbreviation, name or FIPS) when known.")] = None,
    level: Annotated[str | None, typer.Option(help="state, county or place.")] = None,
    csv_in: Annotated[Path | None, typer.Option("--csv", help="Resolve every row of this CSV file.")] = None,
    column: Annotated[str | None, typer.Option(help="The CSV column holding names.")] = None,
    state_column: Annotated[str | None, typer.Option(help="A CSV column holding the state, if any.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the resolved CSV.")] = None,
    queue: Annotated[bool, typer.Option(help="Put names that need review into the review queue.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Map a messy name to a Census GEOID with a confidence, or a whole CSV column with --csv."""
    con = connect(settings(db).db_path)
    resolver = build_resolver(con)
    if csv_in is not None:
        from sanctuarywatch.geo.batch import resolve_csv

        if not column or not out:
            raise InputError("--csv needs --column (the column with names) and --out (the file to write).")
        summary = resolve_csv(resolver, csv_in, column, out, state_column=state_column, progress=True)
        if queue:
            added = review.enqueue(con, summary.review_rows, origin=str(csv_in))
            console.print(f"{added} name(s) added to the review queue.")
        console.print(
            f"Wrote {out}: {summary.rows:,} rows, {summary.counts.get('accepted', 0):,} accepted, "
            f"{summary.counts.get('needs_review', 0):,} need review, "
            f"{summary.counts.get('unresolved', 0):,} unresolved."
        )
        return
    if name is None:
        raise InputError("Give a NAME to resolve, or --csv IN --column C --out OUT.")
    result = resolver.resolve(name, state=state, level=level)
    if queue and result.status == "needs_review":
        review.enqueue(con, [(name, state, level, result)], origin="cli")
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "query": name,
                    "status": result.status,
                    "agency_kind": result.agency_kind,
                    "note": result.note,
                    "candidates": [c.as_dict() for c in result.candidates],
                }
            )
        )
        return
    colour = {"accepted": "green", "needs_review": "yellow", "unresolved": "red"}[result.status]
    note = f"  ({escape(result.note)})" if result.note else ""
    console.print(f"[bold {colour}]{result.status}[/]  {escape(repr(name))}{note}")
    table = Table("geoid", "name", "level", "state", "confidence", "reason")
    for c in result.candidates:
        table.add_row(*map(escape, (c.geoid, c.name, c.level, c.state_abbr, f"{c.confidence:.2f}", c.reason or "")))
    if result.candidates:
        console.print(table)


review_app = typer.Typer(help="The queue of names the resolver would not accept on its own.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(db: DbOption = None, status: str = "open") -> None:
    """List review items with their candidates."""
    con = connect(settings(db).db_path)
    table = Table("id", "name", "state", "candidates", "status")
    for item in review.items(con, status):
        cands = "; ".join(f"{c['geoid']} {c['name']} ({c['confidence']})" for c in item["candidates"][:3])
        cells = (str(item["review_id"]), item["input_text"], item["state_hint"] or "", cands, item["status"])
        table.add_row(*map(escape, cells))
    console.print(table)


@review_app.command("accept")
def review_accept(review_id: int, geoid: str, db: DbOption = None) -> None:
    """Accept GEOID for a review item; the name then resolves to it as an alias."""
    con = connect(settings(db).db_path)
    review.decide(con, review_id, geoid)
    console.print(f"Review {review_id}: accepted {escape(geoid)}.")


@review_app.command("reject")
def review_reject(review_id: int, db: DbOption = None) -> None:
    """Reject every candidate of a review item."""
    con = connect(settings(db).db_path)
    review.decide(con, review_id, None)
    console.print(f"Review {review_id}: rejected.")
