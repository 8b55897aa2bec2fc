"""The ingest commands as a new user runs them on the real mirror: `ingest all --from ../shared/data` loads
every source it can, says which are not loaded, re-ingests as unchanged, keeps going past a refused source
(exit 1, one line of reason), and never lets a packaged fallback replace real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SHARED_DATA, real_folder

from sanctuarywatch.store.db import connect

CLI = [sys.executable, "-m", "sanctuarywatch.cli"]
LOADED = ("census_geography", "litigation", "ice_facilities", "dhs_2025_list", "doj_2025_list",
          "doj_letters_2017_2018", "ice_287g", "ice_detainers", "mpi_population")  # fmt: skip
NOT_MIRRORABLE = ("ddor_2017", "doj_oig_2016", "doj_grants")


def _run(*args: str, env_db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANCTUARYWATCH_DB": str(env_db), "SANCTUARYWATCH_OFFLINE": "1", "COLUMNS": "200"}
    env.pop("SANCTUARYWATCH_MIRROR", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=600)


def _status_lines(stdout: str) -> dict[str, str]:
    out = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) >= 2:
            out[cells[0]] = " ".join(cells[1:])
    return out


def test_ingest_all_on_the_real_mirror_loads_every_mirrored_source(real_ingest):
    store, proc = real_ingest
    status = _status_lines(proc.stdout)
    for sid in LOADED:
        assert status[sid].startswith("loaded"), (sid, proc.stdout)
    for sid in NOT_MIRRORABLE:
        assert status[sid].startswith("skipped") and "not loaded" in status[sid], (sid, proc.stdout)
    assert "Traceback" not in proc.stderr
    con = connect(store, read_only=True)
    releases = dict(con.execute("SELECT source_id, count(*) FROM release GROUP BY 1").fetchall())
    kinds = dict(con.execute("SELECT source_id, max(kind) FROM release GROUP BY 1").fetchall())
    con.close()
    assert releases["ice_287g"] == 26 and releases["ice_facilities"] == 6 and releases["doj_letters_2017_2018"] == 3
    assert kinds["doj_2025_list"] == "transcription" and kinds["ice_detainers"] == "derived"


def test_reingest_is_unchanged_and_sources_shows_kind_and_coverage(real_store, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store, db)
    again = _run("ingest", "all", "--from", str(SHARED_DATA), env_db=db)
    assert again.returncode == 0, again.stdout + again.stderr
    status = _status_lines(again.stdout)
    assert all(status[sid].startswith("unchanged") for sid in LOADED), again.stdout
    listing = _run("sources", env_db=db)
    assert "pa_detainers" in listing.stdout or "ice_detainers" in listing.stdout
    assert "partial" in listing.stdout and "transcription" in listing.stdout


def test_a_refused_source_does_not_stop_the_others(registry_template, tmp_path):
    """A DOJ list whose bytes differ from the pinned checksum is refused in one line; the letters load."""
    db = tmp_path / "store.duckdb"
    shutil.copy(registry_template, db)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "census_geography").symlink_to(real_folder("census_geography"))
    shutil.copytree(real_folder("doj_letters_2017_2018"), mirror / "doj_letters_2017_2018")
    shutil.copytree(real_folder("doj_2025_list"), mirror / "doj_2025_list")
    listed = mirror / "doj_2025_list" / "doj_sanctuary_jurisdictions_2025-08-05.csv"
    listed.write_text(listed.read_text(encoding="utf-8").replace("Cook", "Kook", 1), encoding="utf-8")
    result = _run("ingest", "all", "--from", str(mirror), env_db=db)
    assert result.returncode == 1, result.stdout + result.stderr
    status = _status_lines(result.stdout)
    assert status["doj_2025_list"].startswith("refused") and "differs from the pinned" in status["doj_2025_list"]
    assert status["doj_letters_2017_2018"].startswith("loaded")
    assert status["census_geography"].startswith("unchanged")  # the packaged fallback did not replace it
    assert "Refused: doj_2025_list" in result.stderr and "Traceback" not in result.stderr
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM release WHERE source_id = 'doj_2025_list'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM jurisdiction WHERE funcstat = 'A'").fetchone()[0] > 19000
    con.close()


def test_a_malformed_file_is_refused_clearly_and_the_store_kept(registry_template, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(registry_template, db)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "participatingAgencies03012025am.xlsx").write_bytes(b"PK\x03\x04 this is not a whole workbook")
    result = _run("ingest", "ice_287g", "--from", str(broken), env_db=db)
    assert result.returncode == 1
    assert "participatingAgencies03012025am.xlsx" in result.stdout and "Traceback" not in result.stderr
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM release WHERE source_id = 'ice_287g'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM jurisdiction WHERE funcstat = 'A'").fetchone()[0] == 19469
    con.close()
