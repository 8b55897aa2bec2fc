"""Ingest commands: ingest, sources, diff, quarantine, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sanctuarywatch.cli.app import DbOption, app, console, settings
from sanctuarywatch.errors import InputError
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect, data_dictionary
from sanctuarywatch.store.diff import diff_releases
from sanctuarywatch.store.ingest import ingest_source
from sanctuarywatch.store.registry import build_resolver


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
    """Load a source's releases into the store: idempotent, all-or-nothing per release."""
    cfg = settings(db, mirror)
    con = connect(cfg.db_path)
    finder = Finder(cfg.mirror_dir, cfg.cache_dir, cfg.offline)
    chosen = list(connectors().values()) if source == "all" else [_connector(source)]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        for connector in chosen:
            sid = connector.SPEC.source_id
            task = bar.add_task(f"{sid}", total=None)

            def progress(done: int, total: int | None, task=task) -> None:
                bar.update(task, completed=done, total=total)

            resolver = None if sid == "census_geography" else build_resolver(con)
            try:
                results = ingest_source(con, connector, finder, ParseContext(resolver=resolver, progress=progress))
            except Exception as exc:
                from sanctuarywatch.errors import SourceUnavailableError

                if source == "all" and isinstance(exc, SourceUnavailableError):
                    bar.console.print(f"[yellow]skipped {sid}:[/] {exc}")
                    continue
                raise
            bar.update(task, completed=1, total=1)
            for r in results:
                colour = "green" if r.status == "loaded" else "dim"
                bar.console.print(
                    f"[{colour}]{r.status:9}[/] {sid:24} {r.version:40} rows {r.rows_loaded:>9,}"
                    f"  quarantined {r.rows_quarantined:>6,}  {r.release_id}"
                )
            if not results:
                bar.console.print(f"[yellow]nothing found[/] for {sid} (no mirrored file matched).")
    # Derived summaries (detainers per county and month) follow the facts they are built from.
    from sanctuarywatch.analysis.summaries import refresh_summaries

    refresh_summaries(con)
    # Names the sources printed that the resolver would not accept alone go to the review queue.
    if con.execute("SELECT count(*) FROM jurisdiction").fetchone()[0]:
        from sanctuarywatch.store.review import queue_unaccepted

        queued = queue_unaccepted(con, build_resolver(con))
        if queued:
            console.print(f"{queued} printed name(s) need a person's review: sanctuarywatch review list")


@app.command()
def sources(
    db: DbOption = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Also list connectors with nothing loaded.")] = False,
) -> None:
    """One line per loaded source release: version, checksum, rows, quarantined, when."""
    con = connect(settings(db).db_path)
    table = Table("source", "release", "version", "sha256", "origin", "rows", "quarantined", "ingested (UTC)")
    rows = con.execute(
        "SELECT r.source_id, r.release_id, r.version, r.content_sha256, r.origin, r.rows_loaded, r.rows_quarantined, "
        "strftime(r.ingested_at, '%Y-%m-%d %H:%M') FROM release r ORDER BY r.source_id, r.version"
    ).fetchall()
    loaded = set()
    for sid, rid, version, sha, origin, n, q, when in rows:
        loaded.add(sid)
        table.add_row(sid, rid, version, sha[:16] + "…", origin, f"{n:,}", f"{q:,}", when)
    if all_sources:
        for sid, module in connectors().items():
            if sid not in loaded:
                table.add_row(sid, "-", "not loaded", "", "", "", "", module.SPEC.url)
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
    console.print(f"{source}: {old_id} -> {new_id}")
    table = Table("table", "added", "removed", "changed", "unchanged", "examples")
    for d in diffs:
        ex = "; ".join(f"{k}: {', '.join(str(v) for v in rows[0].values())}" for k, rows in d.examples.items() if rows)
        table.add_row(d.table, f"{d.added:,}", f"{d.removed:,}", f"{d.changed:,}", f"{d.unchanged:,}", ex)
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
        table.add_row(*(str(v) if v is not None else "" for v in r))
    console.print(table)


@app.command()
def schema(db: DbOption = None) -> None:
    """The data dictionary: every table and column with its description, read from the store's catalog."""
    con = connect(settings(db).db_path)
    for table_name, comment, cols in data_dictionary(con):
        console.print(f"\n[bold]{table_name}[/] — {comment}")
        for c in cols:
            console.print(f"  {c.column:28} {c.data_type:14} {c.description}")
