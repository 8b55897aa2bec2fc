"""Opening the store and bringing its schema up to date (store/db.py), checked against what a person can list: the
migration files in src/sanctuarywatch/store/migrations (16 of them, 001 to 019 with gaps), the columns written in
001_core.sql, and the messages a user sees. Found by scripts/mutation_score.py (mutants of migrate, connect and
data_dictionary survived the suite)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sanctuarywatch.errors import SanctuaryWatchError
from sanctuarywatch.store.db import connect, data_dictionary, migrate, table_columns, transaction

MIGRATIONS = Path(__file__).resolve().parents[1] / "src" / "sanctuarywatch" / "store" / "migrations"
# The file names as listed in the folder, in the order they must apply (written out, not read from the code).
NAMES = [
    "001_core.sql", "002_sources.sql", "005_agencies_grants.sql", "006_detainers.sql", "008_analysis.sql",
    "009_reviewed_status.sql", "010_real_census_and_coverage.sql", "011_287g_sheets.sql",
    "012_ice_facility_lists.sql", "013_list_entry_detail.sql", "014_mpi_detainer_facilities.sql",
    "015_audit_flags.sql", "016_validation.sql", "017_litigation_conditions.sql", "018_published_figures.sql",
    "019_policy_register.sql",
]  # fmt: skip


def test_the_migration_folder_is_the_list_above():
    assert sorted(p.name for p in MIGRATIONS.glob("*.sql")) == NAMES


def test_a_new_store_applies_every_migration_once_in_order(tmp_path):
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    assert migrate(con) == NAMES
    assert con.execute("SELECT version, name FROM schema_migration ORDER BY version").fetchall() == [
        (int(n[:3]), n) for n in NAMES
    ]
    assert migrate(con) == []  # nothing left to apply
    assert con.execute("SELECT count(*) FROM schema_migration").fetchone() == (16,)
    con.close()


def test_a_store_missing_its_last_migration_gets_only_that_one(tmp_path):
    path = tmp_path / "store.duckdb"
    connect(path).close()
    con = duckdb.connect(str(path))
    for table in ("correction", "dispute", "policy_effect", "policy_instrument", "policy_term"):  # 019's tables
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM schema_migration WHERE version = 19")
    con.close()
    con = duckdb.connect(str(path))
    assert migrate(con) == ["019_policy_register.sql"]
    assert _has(con, "policy_term") and _has(con, "correction")
    con.close()


def _has(con, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0] == 1


def test_connect_creates_the_folder_and_the_schema(tmp_path):
    path = tmp_path / "a" / "b" / "store.duckdb"
    con = connect(str(path))  # a str is accepted as well as a Path
    assert path.is_file()
    assert table_columns(con, "schema_migration") == ["version", "name", "applied_at"]
    assert table_columns(con, "source") == ["source_id", "title", "publisher", "url", "licence", "description"]
    assert table_columns(con, "no_such_table") == []
    con.close()


def test_read_only_on_a_missing_store_says_how_to_build_it_and_creates_nothing(tmp_path):
    path = tmp_path / "none" / "store.duckdb"
    with pytest.raises(SanctuaryWatchError) as err:
        connect(path, read_only=True)
    assert str(err.value) == (
        f"No store at {path}. Build it first: sanctuarywatch ingest all (or set SANCTUARYWATCH_DB)."
    )
    assert not path.parent.exists()


def test_read_only_refuses_writes_and_does_not_migrate(tmp_path):
    path = tmp_path / "store.duckdb"
    duckdb.connect(str(path)).close()  # an empty DuckDB file: no schema
    con = connect(path, read_only=True)
    assert not _has(con, "schema_migration")
    with pytest.raises(duckdb.Error):
        con.execute("CREATE TABLE t (x INTEGER)")
    con.close()


def test_a_store_that_cannot_be_opened_is_a_message_naming_it(tmp_path):
    path = tmp_path / "store.duckdb"
    path.write_bytes(b"not a duckdb file at all" * 100)
    with pytest.raises(SanctuaryWatchError, match=f"^Cannot open the store {path}: "):
        connect(path)


def test_a_finished_transaction_is_kept(tmp_path):
    path = tmp_path / "store.duckdb"
    con = connect(path)
    with transaction(con):
        con.execute("INSERT INTO source (source_id, title, publisher) VALUES ('s', 'T', 'P')")
    con.close()
    con = connect(path, read_only=True)
    assert con.execute("SELECT source_id, title, publisher FROM source").fetchall() == [("s", "T", "P")]
    con.close()


def test_data_dictionary_lists_tables_and_views_with_their_comments_and_columns(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    found = {table: (comment, cols) for table, comment, cols in data_dictionary(con)}
    names = [table for table, _, _ in data_dictionary(con)]
    assert names == sorted(names)
    comment, cols = found["source"]
    assert comment == "A public data source Sanctuary Watch reads, one row per connector."
    assert [(c.table, c.column, c.data_type) for c in cols] == [
        ("source", "source_id", "VARCHAR"), ("source", "title", "VARCHAR"), ("source", "publisher", "VARCHAR"),
        ("source", "url", "VARCHAR"), ("source", "licence", "VARCHAR"), ("source", "description", "VARCHAR"),
    ]  # fmt: skip
    release = {c.column: c.description for c in found["release"][1]}
    assert release["origin"] == "mirror, download or package: where the files were read from."
    assert release["version"] == ""  # no comment: an empty description, not None
    assert found["schema_migration"][0] == ""
    # The three views of the migrations are listed; DuckDB's own catalog views are not.
    assert {"sheet_287g_period", "agency_287g_history", "litigation_relief"} <= set(found)
    assert not {"duckdb_tables", "duckdb_columns", "pragma_database_list"} & set(found)
    con.close()
