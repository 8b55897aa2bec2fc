"""Bulk export of the real-mirror store: every table and view round-trips its row count through DuckDB and
pyarrow, the manifest's checksums match the files, the dictionary describes every column, and the single-file
DuckDB and SQLite downloads hold the same counts."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.present.bulk_export import export_parquet, write_site_downloads
from sanctuarywatch.store.db import connect


@pytest.fixture(scope="module")
def exported(real_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet") / "export"
    result = CliRunner().invoke(app, ["export", "parquet", str(out), "--db", str(real_store)])
    assert result.exit_code == 0, result.output
    return out


def _store_counts(real_store) -> dict[str, int]:
    con = connect(real_store, read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
    names += [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                        "AND NOT internal").fetchall()]  # fmt: skip
    counts = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    con.close()
    return counts


def test_every_table_round_trips_its_count_in_duckdb_and_pyarrow(exported, real_store):
    store = _store_counts(real_store)
    manifest = json.loads((exported / "manifest.json").read_text())
    entries = {t["name"]: t for t in manifest["tables"]}
    assert set(entries) == set(store)
    con = duckdb.connect()
    for name, entry in entries.items():
        path = exported / entry["file"]
        assert con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == store[name], name
        assert pq.read_metadata(path).num_rows == store[name] == entry["rows"], name
    # Real counts a person can check on the mirror files.
    assert entries["detainer"]["rows"] == 32_757  # pa_detainers.csv
    assert entries["agreement_287g"]["rows"] == 16_730  # 15 participating sheets
    assert entries["list_membership"]["rows"] >= 605 + 35 + 61  # DHS, DOJ 2025, the three 1373-letter batches
    assert entries["sheet_287g"]["rows"] == 26
    assert entries["sheet_287g_period"]["kind"] == "view"


def test_manifest_checksums_and_provenance(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["format"] == "sanctuarywatch-parquet-export"
    sums = dict(reversed(line.split("  ", 1)) for line in (exported / "SHA256SUMS").read_text().splitlines())
    for entry in manifest["tables"]:
        digest = hashlib.sha256((exported / entry["file"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"] == sums[entry["file"]], entry["name"]
    detainer = next(t for t in manifest["tables"] if t["name"] == "detainer")
    assert detainer["provenance_columns"] == ["release_id", "file_name", "row_number"]
    assert [r.split("@")[0] for r in detainer["release_ids"]] == ["ice_detainers"]
    assert len(next(t for t in manifest["tables"] if t["name"] == "agreement_287g")["release_ids"]) == 15


def test_data_dictionary_describes_every_table_column(exported):
    with (exported / "data_dictionary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by = {(r["table"], r["column"]): r for r in rows}
    assert by[("detainer", "geoid")]["description"].startswith("County GEOID of the detainer facility")
    assert by[("detainer", "row_number")]["is_provenance"] == "True"
    assert by[("detainer", "geoid")]["is_provenance"] == "False"
    tables = {r["table"] for r in rows if r["kind"] == "table"}
    assert {"jurisdiction", "agreement_287g", "list_membership", "validation_result"} <= tables
    doc = json.loads((exported / "data_dictionary.json").read_text())
    sheet = next(t for t in doc if t["table"] == "sheet_287g")
    assert sheet["description"].startswith("One ICE 287(g) sheet as published")


def test_refuses_a_file_or_a_foreign_folder_and_reexports_over_its_own(exported, real_store, tmp_path):
    runner = CliRunner()
    target = tmp_path / "a_file.txt"
    target.write_text("keep me")
    result = runner.invoke(app, ["export", "parquet", str(target), "--db", str(real_store)])
    assert result.exit_code != 0 and "is a file" in str(result.exception)
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    result = runner.invoke(app, ["export", "parquet", str(folder), "--db", str(real_store)])
    assert result.exit_code != 0 and "not a Sanctuary Watch export" in str(result.exception)
    assert (folder / "mine.txt").read_text() == "keep me" and target.read_text() == "keep me"
    again = export_parquet(real_store, exported)  # an earlier export is replaced in place
    assert {t.name for t in again} >= {"detainer", "jurisdiction"}


def test_site_downloads_hold_the_same_counts(real_store, tmp_path):
    duck, lite = write_site_downloads(real_store, tmp_path)
    store = _store_counts(real_store)
    con = duckdb.connect(str(duck), read_only=True)
    sq = sqlite3.connect(lite)
    for table in ("detainer", "jurisdiction", "agreement_287g", "list_membership", "release"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == store[table], table
        assert sq.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == store[table], table
    assert sq.execute("SELECT min(prepare_date), max(prepare_date) FROM detainer").fetchone() == (
        "2007-10-02", "2015-07-18")  # fmt: skip
    con.close()
    sq.close()
