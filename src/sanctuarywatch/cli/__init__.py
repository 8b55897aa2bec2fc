"""The ``sanctuarywatch`` command line: typer commands that parse input, call the library and render with rich.

One module per group of commands (registry, ingest, analysis, web); this module wires them together and
turns every :class:`SanctuaryWatchError` into a clear coloured message instead of a traceback.
"""

from __future__ import annotations

import sys

from sanctuarywatch.cli import commands_geo, commands_ingest
from sanctuarywatch.cli.app import app, console_err
from sanctuarywatch.errors import SanctuaryWatchError

__all__ = ["app", "main", "commands_geo", "commands_ingest"]


def main() -> None:
    try:
        app()
    except SanctuaryWatchError as exc:
        console_err.print(f"[bold red]Error:[/] {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        console_err.print("[yellow]Interrupted; nothing half-written was kept.[/]")
        sys.exit(130)
