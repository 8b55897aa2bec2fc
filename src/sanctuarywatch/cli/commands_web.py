"""Web commands: serve the dashboard and API, and export the static site."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sanctuarywatch.cli.app import DbOption, app, console, settings


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the web dashboard and the JSON/CSV API (read-only) from the store."""
    import uvicorn

    from sanctuarywatch.api.app import create_app

    application = create_app(settings(db).db_path, warm_cache=True)
    console.print(f"Sanctuary Watch on [bold]http://{host}:{port}/[/]  (API at /api/, spec at /openapi.json)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("build-site")
def build_site_command(
    out: Annotated[Path, typer.Argument(help="Folder to write the site into.")],
    db: DbOption = None,
) -> None:
    """Render every page (states, counties, places named by sources) and JSON/CSV downloads as static files."""
    from sanctuarywatch.web.export import build_site

    started = time.perf_counter()
    columns = (TextColumn("profiles"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("profiles", total=None)
        summary = build_site(settings(db).db_path, out, lambda done, total: bar.update(task, completed=done,
                                                                                        total=total))  # fmt: skip
    console.print(
        f"Wrote {summary.pages:,} pages ({summary.jurisdictions:,} jurisdictions) and "
        f"{summary.data_files:,} data files to {out} in {time.perf_counter() - started:.1f} s."
    )
