"""Settings: where the store lives, where mirrored source files are, whether the network may be used.

Each setting comes from a CLI flag, else an environment variable, else a default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP_NAME = "sanctuarywatch"
ENV_DB = "SANCTUARYWATCH_DB"
ENV_MIRROR = "SANCTUARYWATCH_MIRROR"
ENV_OFFLINE = "SANCTUARYWATCH_OFFLINE"
ENV_CACHE = "SANCTUARYWATCH_CACHE"

# Reader limits: a small hostile file (a sheet claiming a million rows, a zip or Flate bomb) is refused before it
# is read, with a message naming the file and the limit. Each can be raised with its environment variable.
LIMIT_DEFAULTS: dict[str, int] = {
    # all members of an xlsx, uncompressed (the largest real workbook in the mirror is 11.7 MB)
    "max_xlsx_uncompressed_bytes": 200_000_000,
    # one sheet's used range, rows x columns, as the reader materialises it
    "max_xlsx_cells": 10_000_000,
    # address space of the child process that reads an ICE detainer workbook (a sheet's used range is built as a
    # dense grid: a far cell in a small file would otherwise exhaust the machine); 200,000 rows: ~400 MB resident
    "max_xlsx_reader_bytes": 4_000_000_000,
    # CPU seconds that child may use (a 200,000-row sheet takes about 3)
    "max_xlsx_seconds": 300,
    # rows in one file (sheet rows or CSV records)
    "max_rows": 2_000_000,
    # PDF: pages, and all Flate streams uncompressed (the real DHS list: 8 pages, about 1 MB of streams)
    "max_pdf_pages": 2_000,
    "max_pdf_stream_bytes": 200_000_000,
    # seconds a PDF may take to read
    "max_pdf_seconds": 300,
    # characters in one CSV or spreadsheet text field
    "max_field_chars": 100_000,
}


def limit(name: str) -> int:
    """A reader limit: ``SANCTUARYWATCH_<NAME>`` (e.g. SANCTUARYWATCH_MAX_XLSX_CELLS) if set, else the default."""
    raw = os.environ.get(f"SANCTUARYWATCH_{name.upper()}", "").strip()
    if not raw:
        return LIMIT_DEFAULTS[name]
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        from sanctuarywatch.errors import InputError

        raise InputError(f"SANCTUARYWATCH_{name.upper()}={raw!r}: must be a positive whole number.")
    return value


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "sanctuarywatch.duckdb"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    mirror_dir: Path | None
    cache_dir: Path
    offline: bool

    @classmethod
    def load(cls, db: str | Path | None = None, mirror: str | Path | None = None) -> Settings:
        db_value = db or os.environ.get(ENV_DB) or default_db_path()
        mirror_value = mirror or os.environ.get(ENV_MIRROR) or None
        cache_value = os.environ.get(ENV_CACHE) or user_cache_dir(APP_NAME)
        offline = os.environ.get(ENV_OFFLINE, "").lower() in {"1", "true", "yes"}
        return cls(
            db_path=Path(db_value).expanduser(),
            mirror_dir=Path(mirror_value).expanduser() if mirror_value else None,
            cache_dir=Path(cache_value).expanduser(),
            offline=offline,
        )
