"""Web commands: serve the dashboard and API, and export the static site."""

from __future__ import annotations

import errno
import os
import socket
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sanctuarywatch.cli.app import DbOption, app, console, settings
from sanctuarywatch.errors import InputError


def _check_port(host: str, port: int) -> None:
    """A port already taken is a one-line message, not uvicorn's traceback (uvicorn binds the same way)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(f"Port {port} on {host} is in use: stop what runs there or choose --port.") from None
            raise InputError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=0, max=16, help="Server processes (0: 2, or 1 on a single core).")
    ] = 0,  # fmt: skip
    db: DbOption = None,
) -> None:
    """Serve the web dashboard and the JSON/CSV API from a read-only snapshot of the store.

    Other commands (ingest included) can use the store meanwhile; the server switches to the new store a few
    seconds after it changes. A busy server answers 503 with Retry-After instead of queueing without end."""
    import uvicorn

    from sanctuarywatch.api.app import ENV_SERVE_STORE
    from sanctuarywatch.api.guard import open_original

    store = settings(db).db_path
    open_original(store).close()  # a missing, locked or foreign file is a message here, before anything starts
    _check_port(host, port)
    workers = workers or min(2, os.cpu_count() or 1)
    os.environ[ENV_SERVE_STORE] = str(store.resolve())
    console.print(f"Sanctuary Watch on [bold]http://{host}:{port}/[/]  (API at /api/, spec at /openapi.json; "
                  f"{workers} worker(s); Ctrl-C stops)")  # fmt: skip
    uvicorn.run("sanctuarywatch.api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", timeout_graceful_shutdown=5,
                limit_concurrency=256)  # fmt: skip
    console.print("Stopped.")


@app.command("build-site")
def build_site_command(
    out: Annotated[Path, typer.Argument(help="Folder to write the site into.")],
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            help="Only this state's profile pages (repeatable; e.g. --state WY): a quick "
            "sample whose links to other states' profiles do not resolve.",
        ),
    ] = None,  # fmt: skip
    db: DbOption = None,
) -> None:
    """Render every page (states, counties, places named by sources) and JSON/CSV downloads as static files."""
    from sanctuarywatch.api.guard import open_original
    from sanctuarywatch.web.export import build_site

    store = settings(db).db_path
    open_original(store).close()
    started = time.perf_counter()
    columns = (TextColumn("profiles"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("profiles", total=None)
        summary = build_site(store, out, lambda done, total: bar.update(task, completed=done, total=total),
                             states=state)  # fmt: skip
    console.print(
        f"Wrote {summary.pages:,} pages ({summary.jurisdictions:,} jurisdictions) and "
        f"{summary.data_files:,} data files to {out} in {time.perf_counter() - started:.1f} s."
    )
