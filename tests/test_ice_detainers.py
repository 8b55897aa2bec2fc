"""ICE detainer records (FOIA release layout) through the real pipeline: xlsx, Parquet and CSV load the same rows;
bad rows are quarantined with row numbers; personal columns never reach the store; wrong-shape files are refused
with the store untouched; and a kill -9 mid-ingest (via the CLI) leaves every table exactly as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures.detainer_fixture import (
    BAD,
    HEADER,
    LOWERCASE_STATE_AT,
    QUARANTINE_REASONS,
    expected_counts,
    rows,
    table,
    write_csv,
    write_parquet,
    write_xlsx,
)

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import ice_detainers
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect

N = 120
NAME = "ice_detainers_2025-06-30"
TEST_DATA_BAD = Path(__file__).resolve().parent / "data" / "bad"
KEPT = ("prepare_date, facility_state, facility_aor, facility_name, facility_code, facility_city, detainer_type, "
        "criminality, lift_reason, citizenship_country, case_status, anonymized_id")  # fmt: skip


def _ingest(con, mirror: Path, progress=None):
    ctx = ParseContext(progress=progress) if progress else ParseContext()
    return ingest_source(con, ice_detainers, Finder(mirror, mirror / "_cache", offline=True), ctx)


def _spreadsheet_row(i: int) -> int:
    """xlsx: six title rows + header, records split in two sheets of N // 2."""
    return 8 + (i if i < N // 2 else i - N // 2)


def _sheet(i: int) -> str:
    return "FY2022-2023" if i < N // 2 else "FY2024-2025"


def _fingerprint(con) -> list[tuple]:
    """Every table's row count and a checksum of its sorted contents."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return [(t, *con.execute(f"SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), '|' ORDER BY "
                             f"CAST(x AS VARCHAR)), '')) FROM {t} x").fetchone()) for t in tables]  # fmt: skip


@pytest.mark.parametrize(
    ("writer", "suffix", "first_row"),
    [(write_xlsx, "xlsx", None), (write_parquet, "parquet", 1), (write_csv, "csv", 2)],
)
def test_each_format_loads_exact_counts_and_quarantines_the_planted_rows(con, tmp_path, writer, suffix, first_row):
    writer(tmp_path / f"{NAME}.{suffix}", N)
    seen: list[tuple[int, int | None]] = []
    [result] = _ingest(con, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", *expected_counts(N))
    assert seen and seen[-1] == (N, N)
    got = con.execute("SELECT row_number, field, value, reason FROM quarantine ORDER BY row_number").fetchall()
    number = _spreadsheet_row if first_row is None else (lambda i: first_row + i)
    where = (lambda i: f" (sheet '{_sheet(i)}')") if first_row is None else (lambda i: "")
    want = [(number(i), BAD[i][0], BAD[i][1] or None, QUARANTINE_REASONS[i] + where(i)) for i in BAD]
    assert got == sorted(want)
    assert con.execute("SELECT count(*) FROM detainer").fetchone()[0] == N - len(BAD)
    lowered = con.execute("SELECT facility_state FROM detainer WHERE row_number = ? AND coalesce(sheet, 'FY2022-2023')"
                          " = 'FY2022-2023'", [number(LOWERCASE_STATE_AT)]).fetchone()  # fmt: skip
    assert lowered == (rows(N)[LOWERCASE_STATE_AT][1].strip().upper(),)
    before = _fingerprint(con)
    assert _ingest(con, tmp_path)[0].status == "unchanged"
    assert _fingerprint(con) == before


def test_the_three_formats_hold_the_same_records(con, tmp_path):
    write_xlsx(tmp_path / f"{NAME}.xlsx", N)
    write_parquet(tmp_path / f"{NAME}.parquet", N)
    write_csv(tmp_path / f"{NAME}.csv", N)
    assert [r.rows_loaded for r in _ingest(con, tmp_path)] == [N - len(BAD)] * 3
    per_file = [
        con.execute(f"SELECT {KEPT} FROM detainer WHERE file_name = ? ORDER BY ALL", [f"{NAME}.{s}"]).fetchall()
        for s in ("xlsx", "parquet", "csv")
    ]
    assert per_file[0] == per_file[1] == per_file[2]
    prepared = {r[0] for r in per_file[0]}
    assert min(prepared).year == 2022 and max(prepared).year == 2025


@pytest.mark.parametrize("suffix", ["xlsx", "parquet", "csv"])
def test_no_personal_columns_or_values_reach_the_store(con, tmp_path, suffix):
    {"xlsx": write_xlsx, "parquet": write_parquet, "csv": write_csv}[suffix](tmp_path / f"{NAME}.{suffix}", N)
    _ingest(con, tmp_path)
    columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'detainer'")
               .fetchall()]  # fmt: skip
    assert not [c for c in columns if any(w in c for w in ("birth", "gender", "sex", "name")) and c != "facility_name"
                and c != "file_name"]  # fmt: skip
    personal = {v for r in rows(N) for v in (r[HEADER.index("Birth Date")], r[HEADER.index("Birth Year")])}
    personal |= {f"{v}T00:00:00" for v in personal} | {"Male", "Female"}
    texts = [c for c, t in con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = "
                                       "'detainer'").fetchall() if t == "VARCHAR"]  # fmt: skip
    stored = {v for row in con.execute(f"SELECT {', '.join(texts)} FROM detainer").fetchall() for v in row}
    stored |= {v for row in con.execute("SELECT value, reason FROM quarantine").fetchall() for v in row}
    assert not stored & personal


def test_parquet_with_typed_columns_is_read_as_the_release(con, tmp_path):
    """Parquet exports may carry real timestamps and integers: read as dates and text, no quarantine."""
    data = table(40).drop_columns(["Detainer Prepare Date", "Anonymized Identifier"])
    stamps = [datetime(2023, 1 + i % 12, 1 + i % 28, i % 24) for i in range(40)]
    data = data.append_column("Detainer Prepare Date", pa.array(stamps, pa.timestamp("us", tz="UTC")))
    data = data.append_column("Anonymized Identifier", pa.array(range(1000, 1040), pa.int64()))
    data = data.set_column(data.column_names.index("Facility State"), "Facility State", pa.array(["TX"] * 40))
    pq.write_table(data, tmp_path / f"{NAME}.parquet")
    [result] = _ingest(con, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (40, 0)
    first = con.execute("SELECT prepare_date, anonymized_id FROM detainer WHERE row_number = 1").fetchone()
    assert (first[0].isoformat(), first[1]) == ("2023-01-01", "1000")


# (prepare date, state) as printed -> (stored date, stored state), or None when the row is quarantined. Spaces are
# Unicode space separators (no-break, em, ideographic): trimmed; a tab or a zero-width space is not one.
ODD_VALUES = [
    (("2024-01-05", "\u00a0NY\u3000"), ("2024-01-05", "NY")),
    (("2024-01-05", "\u2003tx"), ("2024-01-05", "TX")),
    (("2024-01-05", " new york "), ("2024-01-05", "NY")),
    (("2024-01-05", "\tNY"), None),
    (("2024-01-05", "ny\u200b"), None),
    (("2024-01-05", "\u00a0"), None),
    (("1/5/2024", "NY"), ("2024-01-05", "NY")),
    (("01/05/2024 10:30", "NY"), ("2024-01-05", "NY")),
    (("2024-1-5", "NY"), ("2024-01-05", "NY")),
    (("\u00a02024-01-06 ", "NY"), ("2024-01-06", "NY")),
    (("2024-01-05 23:59:59", "NY"), ("2024-01-05", "NY")),
    (("2024-02-29", "NY"), ("2024-02-29", "NY")),
    (("2023-02-29", "NY"), None),
    (("2024-01-05 24:00:00", "NY"), None),  # a cast to TIMESTAMP would take hour 24; the date formats do not
    (("2024-01-05 10:00", "NY"), None),  # not one of the formats (a cast would take it)
    (("2024-01-05T10:00:00", "NY"), None),
    (("\t2024-01-05", "NY"), ("2024-01-05", "NY")),  # strptime skips white space before a number
]


@pytest.mark.parametrize("kind", ["parquet", "plain parquet", "csv"])
def test_spaces_and_date_shapes_are_read_as_the_checks_define_them(con, tmp_path, kind):
    """Spaces are trimmed and dates read the same whether the file is dictionary-encoded Parquet, plain Parquet or
    CSV: each odd value is stored as the rule says or quarantined, row by row."""
    data = table(len(ODD_VALUES))
    for field, at in (("Detainer Prepare Date", 0), ("Facility State", 1)):
        values = pa.array([printed[at] for printed, _ in ODD_VALUES])
        data = data.set_column(data.column_names.index(field), field, values)
    path = tmp_path / f"{NAME}.{'csv' if kind == 'csv' else 'parquet'}"
    if kind == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(data, path)
    else:
        pq.write_table(data, path, use_dictionary=kind == "parquet")
    _ingest(con, tmp_path)
    first = 2 if kind == "csv" else 1
    stored = dict(con.execute("SELECT row_number, (strftime(prepare_date, '%Y-%m-%d'), facility_state) "
                              "FROM detainer").fetchall())  # fmt: skip
    quarantined = {r[0] for r in con.execute("SELECT row_number FROM quarantine").fetchall()}
    for i, (printed, want) in enumerate(ODD_VALUES):
        row = first + i
        assert (stored.get(row), row in quarantined) == (want, want is None), printed


def test_trimmed_spaces_are_what_sql_trim_strips():
    """The Arrow trim before the checks strips exactly what DuckDB's trim() strips, for every code point."""
    import duckdb
    import pyarrow.compute as pc

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = pa.table({"v": [f"{c}a{c}" for c in points]})
    by_sql = duckdb.sql("SELECT trim(v) AS t FROM text").to_arrow_table()["t"].to_pylist()
    by_arrow = pc.utf8_trim(text["v"], ice_detainers.SPACES).to_pylist()
    assert by_arrow == by_sql
    assert {c for c, t in zip(points, by_arrow, strict=True) if t == "a"} >= {" ", "\u00a0", "\u3000"}


def _refused_files(folder: Path) -> list[tuple[str, str]]:
    """(file name, expected words in the message) for wrong-shape files written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []

    def add(name: str, data: bytes, words: str) -> None:
        (folder / name).write_bytes(data)
        out.append((name, words))

    add("ice_detainers_empty.csv", b"", "empty")
    add("ice_detainers_latin1.csv", "Detainer Prepare Date,Facility State,Detainer Facility Code,Citizenship Country"
        "\n2024-01-02,NY,WESTCNY,M\xe9xico\n".encode("latin-1"), "not UTF-8")  # fmt: skip
    add("ice_detainers_utf16.csv", ",".join(HEADER).encode("utf-16"), "not UTF-8")
    add("ice_detainers_nocode.csv", b"Detainer Prepare Date,Facility State\n2024-01-02,NY\n", "Detainer Facility Code")
    add("ice_detainers_header_only.csv", (",".join(HEADER) + "\n").encode(), "no records")
    whole = write_xlsx(folder / "_whole.xlsx", 40).read_bytes()
    (folder / "_whole.xlsx").unlink()
    add("ice_detainers_cut.xlsx", whole[: len(whole) // 2], "not a readable xlsx")
    add("ice_detainers_bad.parquet", b"PAR1 not really", "not a readable Parquet")
    pq.write_table(table(10).set_column(0, "Detainer Prepare Date", pa.array(range(10), pa.int64())),
                   folder / "ice_detainers_int_dates.parquet")  # fmt: skip
    out.append(("ice_detainers_int_dates.parquet", "not dates"))
    pq.write_table(table(0), folder / "ice_detainers_no_records.parquet")
    out.append(("ice_detainers_no_records.parquet", "empty"))
    return out


def test_wrong_shape_files_are_refused_and_the_store_kept(con, tmp_path):
    write_parquet(tmp_path / "good" / f"{NAME}.parquet", N)
    _ingest(con, tmp_path / "good")  # a store already holding detainers
    for name, words in _refused_files(tmp_path / "all"):
        mirror = tmp_path / name.replace(".", "_")
        mirror.mkdir()
        shutil.copy(tmp_path / "all" / name, mirror / name)
        before = _fingerprint(con)
        with pytest.raises(SourceFormatError, match=words) as info:
            _ingest(con, mirror)
        assert name in str(info.value), name
        assert _fingerprint(con) == before, name


def _fingerprint_file(db: Path) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return _fingerprint(con)
    finally:
        con.close()


class _StderrReader:
    """Reads a child's stderr on a thread, so waiting for a line has a timeout and need not be the first line."""

    def __init__(self, proc: subprocess.Popen):
        self._lines: list[str] = []
        self._seen = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._seen:
                self._lines.append(line)
                self._seen.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: any(text in x for x in self._lines) or not self._thread.is_alive(),
                                       timeout=timeout) and any(text in x for x in self._lines)  # fmt: skip

    def text(self, wait: float = 0) -> str:
        self._thread.join(wait)
        with self._seen:
            return "".join(self._lines)


def _cli(tmp_path: Path) -> list[str]:
    exe = Path(sys.executable).with_name("sanctuarywatch")
    prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "sanctuarywatch.cli"]
    return [*prefix, "ingest", "ice_detainers", "--from", str(tmp_path / "mirror")]


@pytest.mark.parametrize("moment", ["while writing rows", "written, before commit"])
def test_kill_9_mid_ingest_leaves_the_store_unchanged_and_reingest_succeeds(store_path, tmp_path, moment):
    """300k records ingested by the CLI; SIGKILL either while it writes rows (the store file has begun to
    grow inside the transaction), or at the worst moment (all rows written, commit not yet made)."""
    big = table(30_000)
    (tmp_path / "mirror").mkdir()
    data = tmp_path / "mirror" / "ice_detainers_2025-07-01.parquet"
    pq.write_table(pa.concat_tables([big] * 10), data, row_group_size=50_000)
    before = _fingerprint_file(store_path)
    size_before = store_path.stat().st_size
    env = {**os.environ, "SANCTUARYWATCH_DB": str(store_path), "SANCTUARYWATCH_OFFLINE": "1"}
    held = {**env, "SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT": "60"}  # no commit can happen before the kill
    started = time.time()
    proc = subprocess.Popen(_cli(tmp_path), env=held, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = _StderrReader(proc)
    if moment == "written, before commit":
        assert stderr.wait_for("pausing before commit", timeout=90), stderr.text()
    else:  # DuckDB writes big inserts' row groups into the store file before the commit: it grows mid-write
        while time.time() - started < 30 and proc.poll() is None:
            if store_path.stat().st_size != size_before or Path(f"{store_path}.wal").exists():
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the ingest ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    if moment == "while writing rows":
        assert "pausing before commit" not in stderr.text(wait=10), "killed only after every row was written"
    assert _fingerprint_file(store_path) == before
    done = subprocess.run(_cli(tmp_path), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    con = connect(store_path, read_only=True)
    loaded = con.execute("SELECT count(*), count(DISTINCT release_id) FROM detainer").fetchone()
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    con.close()
    assert loaded == (10 * expected_counts(30_000)[0], 1) and quarantined == 10 * len(BAD)


# --- The real Pennsylvania file (NPR layout: six columns, state spelled out, no facility code) ----------------

PA_PER_YEAR = {2007: 546, 2008: 5326, 2009: 4897, 2010: 4829, 2011: 4842, 2012: 4181, 2013: 4171, 2014: 2751,
               2015: 1214}  # fmt: skip
# Declined under the project rule (analysis.summaries.DECLINED_SQL); in this file only "Detainer Declined by LEA".
PA_DECLINED_PER_YEAR = {2007: 0, 2008: 2, 2009: 1, 2010: 5, 2011: 1, 2012: 8, 2013: 19, 2014: 169, 2015: 20}
PA_TOP_COUNTIES = [("42033", "Clearfield County", 8001), ("42101", "Philadelphia County", 4760),
                   ("42119", "Union County", 3079), ("42091", "Montgomery County", 1809),
                   ("42041", "Cumberland County", 1429)]  # fmt: skip


@pytest.fixture
def pa_store(con):
    from conftest import real_folder

    [result] = _ingest(con, real_folder("ice_detainers"))
    assert (result.version, result.status, result.rows_quarantined) == ("pa_detainers", "loaded", 0)
    return con


def test_real_pa_file_loads_every_record_per_year(pa_store):
    con = pa_store
    assert con.execute("SELECT count(*) FROM detainer").fetchone()[0] == 32_757
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    per_year = dict(con.execute("SELECT year(prepare_date), count(*) FROM detainer GROUP BY 1").fetchall())
    assert per_year == PA_PER_YEAR
    assert con.execute("SELECT min(prepare_date), max(prepare_date) FROM detainer").fetchone() == (
        date(2007, 10, 2), date(2015, 7, 18))  # fmt: skip
    assert con.execute("SELECT DISTINCT facility_state FROM detainer").fetchall() == [("PA",)]  # PENNSYLVANIA
    # row numbers are file lines: the first record is line 2, the last line 32,758
    assert con.execute("SELECT min(row_number), max(row_number) FROM detainer").fetchone() == (2, 32_758)


def test_real_pa_declined_per_year_under_the_project_rule(pa_store):
    from sanctuarywatch.analysis.summaries import DECLINED_SQL

    con = pa_store
    declined = dict(con.execute(f"SELECT year(prepare_date), count(*) FILTER (WHERE {DECLINED_SQL}) FROM detainer "
                                "GROUP BY 1").fetchall())  # fmt: skip
    print("declined per year (project rule):", declined)
    assert declined == PA_DECLINED_PER_YEAR
    strict = con.execute("SELECT count(*) FROM detainer WHERE lift_reason = 'Detainer Declined by LEA'").fetchone()[0]
    assert strict == sum(PA_DECLINED_PER_YEAR.values()) == 225


def test_real_pa_facilities_all_linked_to_counties(pa_store):
    con = pa_store
    linked, total = con.execute("SELECT count(geoid), count(*) FROM detainer").fetchone()
    print(f"linked to a county: {linked:,} of {total:,} ({linked / total:.1%})")
    assert (linked, total) == (32_757, 32_757)
    status = con.execute("SELECT resolution_status, count(*), sum(detainers) FROM detainer_facility_match "
                         "GROUP BY 1").fetchall()  # fmt: skip
    assert status == [("crosswalk", 117, 32_757)]  # 117 distinct det_facility names, none unresolved
    top = con.execute("""SELECT d.geoid, j.name, count(*) AS n FROM detainer d JOIN jurisdiction j USING (geoid)
                         GROUP BY ALL ORDER BY n DESC LIMIT 5""").fetchall()
    print("top counties by detainers:", top)
    assert top == PA_TOP_COUNTIES
    named = dict(con.execute("SELECT facility_name, geoid FROM detainer_facility_match").fetchall())
    assert named["MONTGOMERY CNTY JAIL, PA"] == "42091"
    assert named["PHILADELPHIA DETENTION CT"] == named["PHILADELPHIA 15TH POLICE DIST."] == "42101"


def test_crosswalk_rows_are_real_counties_and_name_rows_name_them(con):
    rows = ice_detainers.facility_crosswalk().to_pylist()
    counties = dict(con.execute("SELECT geoid, name FROM jurisdiction WHERE level = 'county'").fetchall())
    assert len(rows) == len({(r["det_facility"], r["state_abbr"]) for r in rows}) == 117
    for r in rows:
        assert r["geoid"] in counties and counties[r["geoid"]].startswith(r["county_name"]), r
        assert r["method"] and r["evidence"] and r["facility_type"], r
        if r["method"] == "name contains county":  # LACKAWANA (sic) still starts like Lackawanna
            assert r["county_name"].upper()[:6] in r["det_facility"], r


def test_real_pa_report_and_profile_use_the_records(pa_store):
    from sanctuarywatch.analysis.ddor_report import declined_detainer_report
    from sanctuarywatch.analysis.profile import jurisdiction_profile
    from sanctuarywatch.analysis.summaries import refresh_summaries

    con = pa_store
    refresh_summaries(con)
    report = declined_detainer_report(con, date(2012, 3, 3), date(2012, 12, 31), suppress=False)
    assert report.basis == "detainer_records" and len(report.rows) == 7
    detainers = jurisdiction_profile(con, "42101")["detainers"]
    assert detainers["total"] == 4_760 and detainers["declined"] == 193
    assert {y["year"]: y["total"] for y in detainers["by_year"]}["2014"] == 358


def test_npr_layout_bad_rows_quarantined_and_unknown_facility_kept_unresolved(con, tmp_path):
    shutil.copy(TEST_DATA_BAD / "ice_detainers__npr_bad_rows.csv", tmp_path / "pa_detainers_bad.csv")
    [result] = _ingest(con, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert con.execute("SELECT row_number, field, value, reason FROM quarantine ORDER BY 1").fetchall() == [
        (2, "Facility State", "PENNSILVANIA", "unknown state abbreviation"),
        (3, "Detainer Prepare Date", "2012-02-30 00:00:00", "not a date (expected YYYY-MM-DD or M/D/YYYY)"),
    ]
    assert con.execute("SELECT facility_state, geoid, lift_reason FROM detainer").fetchall() == [
        ("PA", None, "Detainer Declined by LEA")]  # fmt: skip
    assert con.execute("SELECT facility_name, detainers, geoid, resolution_status FROM detainer_facility_match"
                       ).fetchall() == [("UNKNOWN HOLD ROOM", 1, None, "unresolved")]  # fmt: skip
