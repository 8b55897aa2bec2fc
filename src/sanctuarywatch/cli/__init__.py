"""The ``sanctuarywatch`` command line: typer commands that parse input, call the library and render with rich.

One module per group of commands (registry, ingest, analysis, web); this module wires them together and
turns every :class:`SanctuaryWatchError` into a clear coloured message instead of a traceback.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module

from rich.markup import escape

from sanctuarywatch.cli.app import app, console_err
from sanctuarywatch.errors import SanctuaryWatchError

__all__ = ["app", "main"]

# Each ``commands_*`` module registers its commands on ``app`` when imported.
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("commands_"):
        import_module(f"sanctuarywatch.cli.{_info.name}")


def main() -> None:
    try:
        app()
    except SanctuaryWatchError as exc:
        console_err.print(f"[bold red]Error:[/] {escape(str(exc))}")  # messages quote data: never markup
        sys.exit(2)
    except KeyboardInterrupt:
        _interrupted()
        sys.exit(130)
    except MemoryError:
        console_err.print("[bold red]Error:[/] out of memory; nothing half-written was kept.")
        sys.exit(2)
    except Exception as exc:
        import duckdb

        if not isinstance(exc, duckdb.Error):
            raise
        # e.g. the store is locked by a running server, is not a DuckDB file, or memory ran out: one line, no traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        console_err.print(f"[bold red]Error:[/] the store could not be used: {escape(first)}")
        sys.exit(2)
    except SystemExit as exc:  # typer turns Ctrl-C into a silent exit 130: say what was kept
        if exc.code == 130 and _caused_by_ctrl_c(exc):
            _interrupted()
        raise


def _caused_by_ctrl_c(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _interrupted() -> None:
    console_err.print(
        "[yellow]Interrupted: the release being written was rolled back (all or nothing); releases already "
        "reported as loaded are kept.[/]"
    )
