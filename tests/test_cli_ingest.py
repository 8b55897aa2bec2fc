"""The ingest commands as a new user runs them: `ingest all --from DIR`, `sources`, `quarantine`, `diff`,
re-ingest unchanged, and a clear message (no traceback) when a mirrored file is malformed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.ddor_fixture import write_issue
from fixtures.sources_fixture import write_all

from sanctuarywatch.store.db import connect

CLI = [sys.executable, "-m", "sanctuarywatch.cli"]


def _run(*args: str, env_db: Path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "SANCTUARYWATCH_DB": str(env_db), "SANCTUARYWATCH_OFFLINE": "1", "COLUMNS": "200"}
    env.pop("SANCTUARYWATCH_MIRROR", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mirror")
    write_all(folder)
    write_issue(folder / "ice" / "ddor2017_01-28to02-03.pdf", 1)
    return folder


def test_ingest_all_from_a_mirror_then_sources_quarantine_diff(mirror, tmp_path):
    db = tmp_path / "store.duckdb"
    first = _run("ingest", "all", "--from", str(mirror), env_db=db)
    assert first.returncode == 0, first.stderr
    for sid in ("census_geography", "litigation", "ddor_2017", "ice_287g", "ice_facilities", "doj_grants"):
        assert f"loaded    {sid}" in first.stdout, (sid, first.stdout)
    con = connect(db, read_only=True)
    counts = dict(con.execute("SELECT source_id, sum(rows_loaded) FROM release GROUP BY 1").fetchall())
    before = con.execute("SELECT count(*), sum(rows_loaded) FROM release").fetchone()
    con.close()
    assert counts["ddor_2017"] == 319 and counts["ice_287g"] == 152 + 159

    again = _run("ingest", "all", "--from", str(mirror), env_db=db)
    assert again.returncode == 0 and "loaded " not in again.stdout and "unchanged" in again.stdout
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*), sum(rows_loaded) FROM release").fetchone() == before
    con.close()

    listing = _run("sources", env_db=db)
    assert "ddor_2017@" in listing.stdout and "ice_287g" in listing.stdout
    refused = _run("quarantine", "ddor_2017", env_db=db)
    assert "no month 13" in refused.stdout
    changes = _run("diff", "ice_287g", env_db=db)
    assert changes.returncode == 0 and "agreement_287g" in changes.stdout


def test_a_malformed_mirrored_file_is_refused_clearly_and_the_store_kept(mirror, tmp_path):
    db = tmp_path / "store.duckdb"
    assert _run("ingest", "census_geography", env_db=db).returncode == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "participatingAgencies03012025.xlsx").write_bytes(b"PK\x03\x04 this is not a whole workbook")
    result = _run("ingest", "ice_287g", "--from", str(broken), env_db=db)
    assert result.returncode == 2
    assert "participatingAgencies03012025.xlsx" in result.stderr and "Traceback" not in result.stderr
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM release WHERE source_id = 'ice_287g'").fetchone()[0] == 0
    con.close()
