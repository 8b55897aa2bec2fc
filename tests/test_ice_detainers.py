"""ICE detainer records (FOIA release layout) through the real pipeline: xlsx, Parquet and CSV; personal columns
dropped; quarantine with row numbers; wrong-shape files refused; and a kill -9 mid-ingest leaves the store as it
was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fixtures.detainer_fixture import BAD, write_csv, write_parquet, write_xlsx

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import ice_detainers
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.ingest import ingest_source


def _ingest(con, mirror: Path):
    return ingest_source(con, ice_detainers, Finder(mirror, mirror / "_cache", offline=True), ParseContext())


@pytest.mark.parametrize(
    ("writer", "name", "first_row"),
    [(write_xlsx, "ice_detainers_2025-01-15.xlsx", None), (write_parquet, "ice_detainers_2025-01-15.parquet", 1),
     (write_csv, "ice_detainers_2025-01-15.csv", 2)],
)  # fmt: skip
def test_each_format_loads_the_same_rows_and_quarantines_the_same_bad_ones(con, tmp_path, writer, name, first_row):
    writer(tmp_path / name, 120)
    [result] = _ingest(con, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (117, 3)
    reasons = con.execute("SELECT field, value, reason FROM quarantine ORDER BY row_number").fetchall()
    assert reasons == [("Detainer Prepare Date", "2024-02-30", "not a date (expected YYYY-MM-DD or M/D/YYYY)"),
                       ("Facility State", "XX", "unknown state abbreviation"),
                       ("Detainer Prepare Date", None, "missing date")]  # fmt: skip
    rows = sorted(r[0] for r in con.execute("SELECT row_number FROM quarantine").fetchall())
    if first_row is not None:
        assert rows == [first_row + i for i in sorted(BAD)]
    else:  # xlsx: 6 title rows + header, two sheets of 60 rows each
        assert rows == [8 + i if i < 60 else 8 + i - 60 for i in sorted(BAD)]
    assert _ingest(con, tmp_path)[0].status == "unchanged"


def test_no_personal_columns_or_values_reach_the_store(con, tmp_path):
    write_parquet(tmp_path / "ice_detainers_2025-01-15.parquet", 120)
    _ingest(con, tmp_path)
    columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'detainer' "
                                          "AND data_type = 'VARCHAR'").fetchall()]  # fmt: skip
    assert not [c for c in columns if "birth" in c or "gender" in c or c == "name"]
    any_birth_date = " OR ".join(f"regexp_matches(coalesce({c}, ''), '^19[0-9][0-9]-01-01$')" for c in columns)
    assert con.execute(f"SELECT count(*) FROM detainer WHERE {any_birth_date}").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM detainer").fetchone()[0] == 117


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("ice_detainers_empty.csv", b"", "empty"),
     ("ice_detainers_latin1.csv", "Detainer Prepare Date,Facility State,Detainer Facility Code,Citizenship Country\n"
      "2024-01-02,NY,WESTCNY,M\xe9xico\n".encode("latin-1"), "not UTF-8"),
     ("ice_detainers_nocode.csv", b"Detainer Prepare Date,Facility State\n2024-01-02,NY\n", "Detainer Facility Code"),
     ("ice_detainers_cut.xlsx", b"PK\x03\x04\x14\x00\x00\x00 truncated", "not a readable xlsx"),
     ("ice_detainers_bad.parquet", b"PAR1 not really", "not a readable Parquet")],
)  # fmt: skip
def test_wrong_shape_files_are_refused_and_the_store_kept(con, tmp_path, name, content, problem):
    (tmp_path / name).write_bytes(content)
    before = con.execute("SELECT (SELECT count(*) FROM detainer), (SELECT count(*) FROM release)").fetchone()
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, tmp_path)
    assert name in str(info.value)
    assert con.execute("SELECT (SELECT count(*) FROM detainer), (SELECT count(*) FROM release)").fetchone() == before


def _fingerprint(db: Path) -> list:
    con = connect(db, read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    out = [(t, *con.execute(f"SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), '|' ORDER BY "
                            f"CAST(x AS VARCHAR)), '')) FROM {t} x").fetchone()) for t in tables]  # fmt: skip
    con.close()
    return out


def test_kill_9_mid_ingest_leaves_the_store_unchanged_and_reingest_succeeds(store_path, tmp_path):
    import pyarrow as pa
    from fixtures.detainer_fixture import table

    big = table(20_000)
    pq.write_table(pa.concat_tables([big] * 40), tmp_path / "ice_detainers_2025-02-01.parquet")  # 800k rows
    before = _fingerprint(store_path)
    env = {**os.environ, "SANCTUARYWATCH_DB": str(store_path), "SANCTUARYWATCH_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "sanctuarywatch.cli", "ingest", "ice_detainers", "--from", str(tmp_path)]
    # The worst moment: every row written inside the transaction, the commit not yet made.
    held = {**env, "SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT": "60"}
    proc = subprocess.Popen(cmd, env=held, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started = time.time()
    line = proc.stderr.readline()
    assert "pausing before commit" in line, line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert time.time() - started < 60
    assert _fingerprint(store_path) == before
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    con = connect(store_path, read_only=True)
    assert con.execute("SELECT count(*) FROM detainer").fetchone()[0] == 800_000 - 40 * 3
    con.close()
