"""Corrections and the policy register: ``corrections check FILE`` and ``policies``."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, console_err, settings
from sanctuarywatch.errors import InputError
from sanctuarywatch.sources.corrections import check_file

corrections_app = typer.Typer(help="User corrections: check a correction file before sending it.", no_args_is_help=True)
app.add_typer(corrections_app, name="corrections")

_CREATE = re.compile(r"CREATE TABLE (\w+)\s*\((.*?)\n\);", re.DOTALL)
_COLUMN = re.compile(r"^\s{4}(\w+)\s", re.MULTILINE)


def store_schema() -> dict[str, set[str]]:
    """table -> columns, read from the migrations (no store needed)."""
    schema: dict[str, set[str]] = {}
    folder = resources.files("sanctuarywatch.store") / "migrations"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            for table, body in _CREATE.findall(entry.read_text(encoding="utf-8")):
                schema[table] = {c for c in _COLUMN.findall(body) if c.upper() not in {"PRIMARY", "UNIQUE"}}
    return schema


@corrections_app.command("check")
def corrections_check(
    file: Annotated[Path, typer.Argument(help="Correction file (CSV; format in docs/corrections.md).")],
    accepted: Annotated[bool, typer.Option("--accepted", help="Check the accepted-corrections format.")] = False,
) -> None:
    """Check a correction file: one line per bad field (row and field named); exit 1 if any."""
    rows, errors = check_file(file, schema=store_schema(), accepted=accepted)
    if errors:
        for err in errors:
            console_err.print(f"[red]✗[/] {escape(str(err))}")
        console_err.print(f"[bold red]{len(errors)} problem(s)[/] in {escape(str(file))}; nothing was accepted.")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {escape(str(file))}: {rows} correction row(s), every field valid.")


@app.command("policies")
def policies(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="In force on this date (YYYY-MM-DD); default today.")
    ] = None,
    state: Annotated[str | None, typer.Option("--state", help="Postal code, e.g. IL.")] = None,
    direction: Annotated[str | None, typer.Option("--direction", help="limits or mandates.")] = None,
    term: Annotated[str | None, typer.Option("--term", help="A vocabulary term, e.g. 287g_required.")] = None,
    level: Annotated[str | None, typer.Option("--level", help="state, county or place.")] = None,
    db: DbOption = None,
) -> None:
    """Policies in force on a date (an amendment replaces what it amends), with citation and both sources."""
    from datetime import date

    from sanctuarywatch.analysis.policies import policies_in_force
    from sanctuarywatch.store.db import connect

    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise InputError(f"--as-of: '{as_of}' is not a date; use YYYY-MM-DD.") from None
    con = connect(settings(db).db_path, read_only=True)
    rows = policies_in_force(con, when, state=state, direction=direction, term=term, level=level)
    if rows is None:
        console.print("[yellow]Not loaded:[/] the policy register is not in this store (unknown, not zero).")
        return
    table = Table("jurisdiction", "instrument", "citation", "effective", "effects", "sources",
                  title=f"{len(rows)} instrument(s) in force on {when}")  # fmt: skip
    for r in rows:
        table.add_row(
            escape(f"{r['jurisdiction']}, {r['state_abbr']}"),
            escape(r["name"]),
            escape(r["citation"]),
            str(r["effective_date"]),
            escape(", ".join(r["effects"])),
            escape(f"{r['official_url']}\n{r['second_url']}"),
        )
    console.print(table)
