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
