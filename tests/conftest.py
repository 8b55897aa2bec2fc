"""Shared fixtures: a store holding the jurisdiction registry, built once per session and copied per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SANCTUARYWATCH_OFFLINE", "1")  # tests never reach for the network
os.environ["COLUMNS"] = "200"  # rich wraps at the terminal width; keep CLI output on one line in assertions

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory) -> Path:
    """A store with only the Census registry ingested (from packaged data: no mirror needed)."""
    from sanctuarywatch.sources import census_geography
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.ingest import ingest_source

    path = tmp_path_factory.mktemp("template") / "registry.duckdb"
    con = connect(path)
    ingest_source(con, census_geography, Finder(None, path.parent / "cache", offline=True), ParseContext())
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture
def store_path(registry_template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the registry store for one test; SANCTUARYWATCH_DB points at it."""
    path = tmp_path / "store.duckdb"
    shutil.copy(registry_template, path)
    monkeypatch.setenv("SANCTUARYWATCH_DB", str(path))
    return path


@pytest.fixture
def con(store_path):
    from sanctuarywatch.store.db import connect

    connection = connect(store_path)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def resolver(registry_template):
    from sanctuarywatch.store.db import connect
    from sanctuarywatch.store.registry import build_resolver

    connection = connect(registry_template, read_only=True)
    try:
        return build_resolver(connection)
    finally:
        connection.close()
