"""The typer application and the options every command shares (store path, mirror folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sanctuarywatch.config import Settings

app = typer.Typer(
    name="sanctuarywatch",
    help="Sanctuary Watch: who is on which sanctuary list, why, and what it means for detainers and grants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
console_err = Console(stderr=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Store file (DuckDB). Default: $SANCTUARYWATCH_DB or the user data dir.")
]


def settings(db: Path | None = None, mirror: Path | None = None) -> Settings:
    return Settings.load(db=db, mirror=mirror)
