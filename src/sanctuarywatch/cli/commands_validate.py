"""Data-quality and bulk-export commands: validate, export parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, settings

export_app = typer.Typer(help="Bulk exports of the whole store for other engines.", no_args_is_help=True)
app.add_typer(export_app, name="export")

STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "not checked": "cyan"}


@app.command()
def validate(
    db: DbOption = None,
    show_pass: Annotated[bool, typer.Option("--all", help="Also list the pass rows.")] = False,
) -> None:
    """Run the data-quality invariants over the store, keep the results, and exit 1 if any fails."""
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.validate import failed, run_checks, write_results

    con = connect(settings(db).db_path)
    try:
        findings = run_checks(con)
        write_results(con, findings)
    finally:
        con.close()
    table = Table("check", "status", "subject", "detail", "reason", "provenance", title="validation")
    for f in findings:
        if f.status == "pass" and not show_pass:
            continue
        where = ":".join(str(x) for x in (f.release_id, f.file_name, f.row_number) if x is not None)
        table.add_row(f.check_name, f"[{STYLE[f.status]}]{f.status}[/]", escape(f.subject), escape(f.detail),
                      escape(f.reason or ""), escape(where))  # fmt: skip
    console.print(table)
    counts = {s: sum(1 for f in findings if f.status == s) for s in STYLE}
    checks = len({f.check_name for f in findings})
    console.print(f"{checks} checks: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if failed(findings):
        console.print(f"[bold red]{counts['fail']} invariant(s) failed.[/]")
        raise typer.Exit(1)


@export_app.command("parquet")
def export_parquet_command(
    out: Annotated[Path, typer.Argument(help="Folder to write (new, empty, or an earlier export).")],
    db: DbOption = None,
) -> None:
    """Every table and view as Parquet, with the data dictionary, release ids and a checksummed manifest."""
    from sanctuarywatch.present.bulk_export import export_parquet

    exported = export_parquet(settings(db).db_path, out)
    rows = sum(t.rows for t in exported)
    console.print(f"Wrote {len(exported)} tables and views ({rows:,} rows) as Parquet to {out}, with "
                  "data_dictionary.csv/.json, manifest.json and SHA256SUMS.")  # fmt: skip
