"""Ingest commands: ingest, sources, diff, quarantine, schema."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, console_err, settings
from sanctuarywatch.errors import InputError
from sanctuarywatch.pipeline.ingest_all import ingest_sources
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder
from sanctuarywatch.store.db import connect, data_dictionary
from sanctuarywatch.store.diff import diff_releases


def _connector(source: str):
    known = connectors()
    if source not in known:
        raise InputError(f"Unknown source '{source}'. Known: {', '.join(known)} (or 'all').")
    return known[source]


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="A source id (see 'sanctuarywatch sources --all') or 'all'.")],
    mirror: Annotated[Path | None, typer.Option("--from", help="Folder of mirrored source files.")] = None,
    db: DbOption = None,
) -> None:
    """Load a source's releases into the store: idempotent, all-or-nothing per release. With 'all', keeps going
    past a refused source, prints one summary table, and exits 1 if any source was refused."""
    cfg = settings(db, mirror)
    con = connect(cfg.db_path)
    finder = Finder(cfg.mirror_dir, cfg.cache_dir, cfg.offline)
    chosen = list(connectors().values()) if source == "all" else [_connector(source)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as bar:

        def progress_for(sid: str):
            task = bar.add_task(sid, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        outcomes = ingest_sources(con, chosen, finder, progress_for)
    _print_outcomes(outcomes, time.perf_counter() - started)
    checks = dict(con.execute("SELECT status, count(*) FROM validation_result GROUP BY 1").fetchall())
    if checks:
        style = "bold red" if checks.get("fail") else "green"
        console.print(f"[{style}]data-quality checks:[/] {checks.get('fail', 0)} fail, {checks.get('warn', 0)} warn, "
                      f"{checks.get('pass', 0)} pass (details: sanctuarywatch validate)")  # fmt: skip
    queued = con.execute("SELECT count(*) FROM review_item WHERE status = 'open'").fetchone()[0]
    if queued:
        console.print(f"{queued:,} printed name(s) wait for a person's review: sanctuarywatch review list")
    refused = [o.source_id for o in outcomes if o.status == "refused"]
    if refused:
        console_err.print(f"[bold red]Refused:[/] {', '.join(refused)} (the rest was loaded; see the reasons above)")
        raise typer.Exit(1)


_STATUS_STYLE = {"loaded": "green", "unchanged": "dim", "skipped": "yellow", "nothing found": "yellow",
                 "refused": "bold red"}  # fmt: skip


def _print_outcomes(outcomes, seconds: float) -> None:
    table = Table("source", "status", "releases", "rows", "quarantined", "s", "versions / reason",
                  title=f"ingest: {len(outcomes)} source(s) in {seconds:.1f} s")  # fmt: skip
    for o in outcomes:
        loaded = [r for r in o.releases if r.status == "loaded"]
        versions = sorted({r.version for r in o.releases})
        detail = versions[0] if len(versions) == 1 else f"{versions[0]} … {versions[-1]}" if versions else ""
        if o.status == "skipped":
            detail = "not loaded: " + ("no file in the mirror and downloads are off" if "cannot find" in o.problems[0]
                                       else o.problems[0])  # fmt: skip
        elif o.problems:
            detail = "; ".join(o.problems)
        elif o.status == "nothing found":
            detail = "not loaded: no file of this source in the mirror"
        style = _STATUS_STYLE.get(o.status, "")
        table.add_row(
            escape(o.source_id), f"[{style}]{o.status}[/]", f"{len(loaded)} new / {len(o.releases)}",
            f"{o.rows_loaded:,}", f"{o.rows_quarantined:,}", f"{o.seconds:.1f}", escape(detail),
        )  # fmt: skip
    console.print(table)


@app.command()
def sources(
    db: DbOption = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Also list connectors with nothing loaded.")] = False,
) -> None:
    """One line per loaded source release: version, checksum, rows, quarantined, when."""
    con = connect(settings(db).db_path)
    table = Table("source", "release", "version", "kind", "coverage", "sha256", "rows", "quarantined", "ingested (UTC)")
    rows = con.execute(
        "SELECT r.source_id, r.release_id, r.version, coalesce(r.kind, '?'), coalesce(r.coverage, '?'), "
        "r.content_sha256, r.rows_loaded, r.rows_quarantined, strftime(r.ingested_at, '%Y-%m-%d %H:%M') "
        "FROM release r ORDER BY r.source_id, r.version"
    ).fetchall()
    loaded = set()
    for sid, rid, version, kind, coverage, sha, n, q, when in rows:
        loaded.add(sid)
        table.add_row(*map(escape, (sid, rid, version, kind, coverage, sha[:12] + "…", f"{n:,}", f"{q:,}", when)))
    if all_sources:
        for sid, module in connectors().items():
            if sid not in loaded:
                table.add_row(sid, "-", "[yellow]not loaded[/]", "", "", "", "", "", escape(module.SPEC.url))
    console.print(table)


@app.command()
def diff(
    source: str,
    old: Annotated[str | None, typer.Argument(help="Older release id or version (default: second newest).")] = None,
    new: Annotated[str | None, typer.Argument(help="Newer release id or version (default: newest).")] = None,
    db: DbOption = None,
) -> None:
    """Rows added, removed and changed between two releases of a source."""
    con = connect(settings(db).db_path)
    old_id, new_id, diffs = diff_releases(con, _connector(source), old, new)
    console.print(escape(f"{source}: {old_id} -> {new_id}"))
    table = Table("table", "added", "removed", "changed", "unchanged", "examples")
    for d in diffs:
        ex = "; ".join(f"{k}: {', '.join(str(v) for v in rows[0].values())}" for k, rows in d.examples.items() if rows)
        table.add_row(d.table, f"{d.added:,}", f"{d.removed:,}", f"{d.changed:,}", f"{d.unchanged:,}", escape(ex))
    console.print(table)


@app.command()
def quarantine(source: Annotated[str | None, typer.Argument()] = None, limit: int = 50, db: DbOption = None) -> None:
    """Rows refused at ingest, with file, row, field and reason."""
    con = connect(settings(db).db_path)
    where, params = ("WHERE r.source_id = ?", [source]) if source else ("", [])
    rows = con.execute(
        f"SELECT r.source_id, q.file_name, q.row_number, q.field, q.value, q.reason FROM quarantine q "
        f"JOIN release r USING (release_id) {where} ORDER BY 1, 2, 3 LIMIT {int(limit)}",
        params,
    ).fetchall()
    table = Table("source", "file", "row", "field", "value", "reason")
    for r in rows:
        table.add_row(*(escape(str(v)) if v is not None else "" for v in r))
    console.print(table)


@app.command()
def schema(db: DbOption = None) -> None:
    """The data dictionary: every table and column with its description, read from the store's catalog."""
    con = connect(settings(db).db_path)
    for table_name, comment, cols in data_dictionary(con):
        console.print(f"\n[bold]{escape(table_name)}[/] — {escape(comment or '')}")
        for c in cols:
            console.print(escape(f"  {c.column:28} {c.data_type:14} {c.description}"))
