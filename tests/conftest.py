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


def real_file(relative: str) -> Path:
    """A file of the real mirror (``../shared/data``). Missing is a failure, never a skip: CI has the mirror."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.fail(f"the real mirror file {path} is missing; tests need ../shared/data beside the checkout")
    return path


def real_folder(relative: str) -> Path:
    """A folder of the real mirror, e.g. ``ice_287g``, to point a Finder at; fails (not skips) when missing."""
    path = SHARED_DATA / relative
    if not path.is_dir():
        pytest.fail(f"the real mirror folder {path} is missing; tests need ../shared/data beside the checkout")
    return path


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory) -> Path:
    """A store with only the Census registry ingested from the real mirror (2025 Gazetteer, all places)."""
    from sanctuarywatch.pipeline.ingest import ingest_source
    from sanctuarywatch.sources import census_geography
    from sanctuarywatch.sources.base import Finder, ParseContext
    from sanctuarywatch.store.db import connect

    path = tmp_path_factory.mktemp("template") / "registry.duckdb"
    con = connect(path)
    finder = Finder(real_folder("census_geography"), path.parent / "cache", offline=True)
    results = ingest_source(con, census_geography, finder, ParseContext())
    assert [r.version for r in results] == ["gazetteer 2025"], results
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


@pytest.fixture(scope="session")
def full_store(real_store, tmp_path_factory) -> Path:
    """The whole real mirror, plus generated fixtures in the exact formats of the sources that cannot be
    mirrored (the 2017 DDOR PDF, DOJ grant tables, the OIG memo's table): what the interfaces are tested on."""
    from fixtures.ddor_fixture import write_issue
    from fixtures.lists_fixture import write_oig
    from fixtures.sources_fixture import write_jag_allocations, write_ojp_awards

    from sanctuarywatch.pipeline.ingest_all import ingest_sources
    from sanctuarywatch.sources import connectors
    from sanctuarywatch.sources.base import Finder
    from sanctuarywatch.store.db import connect

    root = tmp_path_factory.mktemp("full")
    mirror = root / "mirror"
    mirror.mkdir()
    write_issue(mirror / "ddor2017_01-28to02-03.pdf", 1)
    write_ojp_awards(mirror / "doj" / "ojp_awards_2025-09-30.csv")
    write_jag_allocations(mirror / "doj" / "FY2024_JAG_Allocations.xlsx")
    write_oig(mirror / "lists" / "doj_oig_2016_jurisdictions.csv")
    path = root / "store.duckdb"
    shutil.copy(real_store, path)
    con = connect(path)
    known = connectors()
    outcomes = ingest_sources(con, [known[s] for s in ("ddor_2017", "doj_oig_2016", "doj_grants")],
                              Finder(mirror, root / "cache", offline=True))  # fmt: skip
    assert [o.status for o in outcomes] == ["loaded"] * 3, outcomes
    con.execute("CHECKPOINT")
    con.close()
    return path


@pytest.fixture(scope="session")
def real_ingest(tmp_path_factory):
    """The whole real mirror loaded as a new user does it: `sanctuarywatch ingest all --from ../shared/data`
    in a subprocess. Returns (store path, completed process); tests read the store read-only."""
    import subprocess
    import sys

    real_folder("")
    path = tmp_path_factory.mktemp("real") / "store.duckdb"
    env = {**os.environ, "SANCTUARYWATCH_DB": str(path), "SANCTUARYWATCH_OFFLINE": "1", "COLUMNS": "200"}
    env.pop("SANCTUARYWATCH_MIRROR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "sanctuarywatch.cli", "ingest", "all", "--from", str(SHARED_DATA)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path, proc


@pytest.fixture(scope="session")
def real_store(real_ingest) -> Path:
    """Path of a store holding the whole real mirror (see ``real_ingest``)."""
    return real_ingest[0]


@pytest.fixture
def real_con(real_store):
    from sanctuarywatch.store.db import connect

    connection = connect(real_store, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def full_con(full_store):
    """A read-only connection to ``full_store``, one per test module (the index tests build an index over it)."""
    from sanctuarywatch.store.db import connect

    connection = connect(full_store, read_only=True)
    yield connection
    connection.close()


# --- In CI a missing browser or mirror is a failure, not a silent skip --------------------------------------------
# Browser tests skip on a developer's machine without Debian's chromium; CI (the CI variable is set by GitHub Actions
# and most runners, or set SANCTUARYWATCH_NO_SKIP=1) must have it and the mirror, so such a skip fails there.
_REQUIRED_IN_CI = ("chromium", "playwright", "mirror", "shared/data")


def _fail_required_skip(report) -> None:
    if not report.skipped or not (os.environ.get("CI") or os.environ.get("SANCTUARYWATCH_NO_SKIP") == "1"):
        return
    reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
    if any(word in reason.lower() for word in _REQUIRED_IN_CI):
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI must have what this test needs: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_required_skip(outcome.get_result())
