"""Issue 11, ingest and CLI side: small hostile files, provenance of a file that changes during ingest, messages
instead of tracebacks, terminal markup in data, formula cells in CSV output, and resolve --csv one to one.

Each test here failed on the code before the fix (see the finding it names)."""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import real_file
from fixtures.make_bad_hardening import (
    CORPUS,
    flate_bomb_pdf,
    long_field_csv,
    long_list_field_csv,
    zip_bomb_xlsx,
)
from test_bad_input_corpus import _fingerprint
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_release, ingest_source
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder, ParseContext

SOURCES = connectors()
LIST_CSV = "doj_sanctuary_jurisdictions_2025-09-01.csv"  # an edition no connector pins
CLI = "from sanctuarywatch.cli import main; import sys; sys.argv = ['sanctuarywatch'] + sys.argv[1:]; main()"


def _mirror(tmp_path: Path, files: dict[str, bytes]) -> Path:
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    for name, data in files.items():
        (mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / name).write_bytes(data)
    return mirror


def _refused(con, resolver, tmp_path, source: str, files: dict[str, bytes]) -> SourceFormatError:
    """Ingest ``files`` as ``source``; it must be refused, and the store must be exactly as before."""
    finder = Finder(_mirror(tmp_path, files), tmp_path / "cache", offline=True)
    before = _fingerprint(con)
    with pytest.raises(SourceFormatError) as caught:
        ingest_source(con, SOURCES[source], finder, ParseContext(resolver=resolver))
    assert _fingerprint(con) == before
    return caught.value


def _cli(*args: str, env: dict | None = None, memory: int | None = None, timeout: float = 120):
    def cap():  # the machine is protected: a reader that builds the grid dies here instead of the host
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "SANCTUARYWATCH_OFFLINE": "1", **(env or {})}, preexec_fn=cap)  # fmt: skip


# -- finding 1: tiny files exhaust memory ----------------------------------------------------------------------------
def _without_dimension(data: bytes) -> bytes:
    """The workbook with its sheets' <dimension> elements taken out (the far cell stays)."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in book.infolist():
            member = book.read(info)
            if info.filename.startswith("xl/worksheets/"):
                member = re.sub(rb"<(?:\w+:)?dimension\b[^>]*/>", b"", member)
            copy.writestr(info.filename, member)
    return out.getvalue()


@pytest.mark.parametrize("declared", [True, False], ids=["range declared", "no dimension element"])
def test_a_13kb_sheet_with_a_far_cell_is_refused_before_reading_within_bounded_memory(store_path, tmp_path, declared):
    """Before: calamine built a 1,048,576 x 301 grid (MemoryError, a Rust panic, then a hang). Now a declared used
    range past max_xlsx_cells is refused from the XML before any grid is built; a far cell without a declared range
    makes the reader's grid fail only in the capped child that reads the workbook."""
    data = (CORPUS / "ice_detainers__huge_dimension.xlsx").read_bytes()
    if not declared:
        data = _without_dimension(data)
        assert b"dimension" not in data and len(data) < 20_000
    mirror = _mirror(tmp_path, {"huge_detainers.xlsx": data})
    started = time.monotonic()
    # 3 GB of address space: the store, the resolver and DuckDB fit; the 315M-cell grid the old reader built did not
    proc = _cli("ingest", "ice_detainers", "--from", str(mirror), "--db", str(store_path), memory=3_000_000_000)
    assert time.monotonic() - started < 60
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 1 and "Traceback" not in out and "panicked" not in out, out
    assert "huge_detainers.xlsx" in out, out
    if declared:
        assert "declares 1,048,576 rows x 301 columns (315,621,376 cells)" in out and "max_xlsx_cells" in out, out
    else:  # the child dies, the file is refused by name and the limit named
        assert "max_xlsx_reader_bytes" in out and "SANCTUARYWATCH_MAX_XLSX_READER_BYTES" in out.replace(" ", ""), out


def test_sheet_extent_is_read_from_the_xml_not_trusted_from_the_dimension():
    from sanctuarywatch.sources.safe_readers import check_xlsx

    (ext,) = check_xlsx(real_file("ice_287g/sheets/participatingAgencies05182026am.xlsx"))
    assert (ext.rows, ext.columns) == (1854, 13)  # the real sheet: 1,853 agencies under a header, 13 columns
    with pytest.raises(SourceFormatError, match=r"1,048,576 rows x 301 columns \(315,621,376 cells\)"):
        check_xlsx(CORPUS / "ice_detainers__huge_dimension.xlsx")


def test_limits_are_configurable_and_named(monkeypatch):
    from sanctuarywatch.sources.safe_readers import check_xlsx

    path = real_file("ice_287g/sheets/pendingAgencies11262025am.xlsx")
    assert check_xlsx(path)[0].grid == 24 * 5
    monkeypatch.setenv("SANCTUARYWATCH_MAX_XLSX_CELLS", "100")
    with pytest.raises(SourceFormatError, match="pendingAgencies11262025am.xlsx.*SANCTUARYWATCH_MAX_XLSX_CELLS"):
        check_xlsx(path)


def test_a_zip_bomb_xlsx_is_refused_by_its_uncompressed_size(con, resolver, tmp_path):
    """Before: a 1.6 MB workbook loaded 3 million rows."""
    data = zip_bomb_xlsx()
    assert len(data) < 2_000_000
    exc = _refused(con, resolver, tmp_path, "ice_detainers", {"bomb_detainers.xlsx": data})
    assert exc.file == "bomb_detainers.xlsx" and "3,000,000 rows" in exc.problem and "max_rows" in exc.problem


@pytest.mark.parametrize("source,name", [("dhs_2025_list", "dhs_sanctuary_jurisdictions_bomb.pdf"),
                                         ("ddor_2017", "ddor2017_01-28to02-03.pdf")])  # fmt: skip
def test_a_flate_bomb_pdf_is_refused_quickly(con, resolver, tmp_path, source, name):
    """Before: a 1.5 MB PDF with a 1 GB stream ran for minutes and took 2 GB."""
    data = flate_bomb_pdf(320)  # 320 MB uncompressed, past the 200 MB default
    started = time.monotonic()
    exc = _refused(con, resolver, tmp_path, source, {name: data})
    assert time.monotonic() - started < 30
    assert exc.file == name and "max_pdf_stream_bytes" in exc.problem


# -- finding 2: provenance of a file that changes during ingest -------------------------------------------------------
def test_a_file_swapped_between_discovery_and_parse_is_refused_and_the_original_loads_later(con, resolver, tmp_path):
    """Before: the new rows were stored under the old checksum, and the original could never be loaded."""
    original = b"jurisdiction,state,category\nCook County,IL,county\nDenver,CO,city\n"
    swapped = b"jurisdiction,state,category\nCook County,IL,county\nDenver,CO,city\nBoulder,CO,city\n"
    mirror = _mirror(tmp_path, {LIST_CSV: original})
    connector, ctx = SOURCES["doj_2025_list"], ParseContext(resolver=resolver)
    (release,) = connector.discover(Finder(mirror, tmp_path / "cache", offline=True))
    (mirror / LIST_CSV).write_bytes(swapped)
    before = _fingerprint(con)
    with pytest.raises(SourceFormatError, match="changed while being ingested"):
        ingest_release(con, connector, release, ctx)
    assert _fingerprint(con) == before
    (mirror / LIST_CSV).write_bytes(original)
    loaded = ingest_release(con, connector, release, ctx)
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 2)
    stored = con.execute("SELECT sha256 FROM release_file WHERE release_id = ?", [loaded.release_id]).fetchone()[0]
    import hashlib

    assert stored == hashlib.sha256(original).hexdigest()


# -- finding 3: tracebacks instead of messages --------------------------------------------------------------------
def test_a_csv_field_over_128_kib_is_a_message_naming_row_and_limit(con, resolver, tmp_path):
    """Before: csv.Error 'field larger than field limit (131072)' ended in a traceback."""
    exc = _refused(con, resolver, tmp_path, "doj_2025_list", {LIST_CSV: long_list_field_csv(130 * 1024)})
    assert (exc.file, exc.row) == (LIST_CSV, 3) and "100,000 characters" in exc.problem


@pytest.mark.parametrize("chars", [130 * 1024, 20_000_000])
def test_long_detainer_fields_are_refused_not_stored(con, resolver, tmp_path, chars):
    """Before: a 20 MB field was stored."""
    exc = _refused(con, resolver, tmp_path, "ice_detainers", {"long_detainers.csv": long_field_csv(chars)})
    assert exc.file == "long_detainers.csv"
    assert exc.row == 2 or "not a readable CSV" in exc.problem  # 20 MB passes the reader's block: refused there


def test_two_287g_sheets_of_one_date_in_two_folders_load_as_two_editions_or_are_refused(con, resolver, tmp_path):
    """Two different sheets with one name and as-of date, saved at different times, in two folders."""
    from fixtures.make_bad_hardening import G287_ROWS, xlsx

    later = {**G287_ROWS, 4: ["TX", "Dallas County Sheriff's Office", "Jail Enforcement Model", "01/03/2025"]}
    name = "participatingAgencies01152025am.xlsx"
    files = {f"a/{name}": xlsx(G287_ROWS, modified="2025-01-15T08:00:00Z"),
             f"b/{name}": xlsx(later, modified="2025-01-15T16:00:00Z")}  # fmt: skip
    finder = Finder(_mirror(tmp_path, files), tmp_path / "cache", offline=True)
    results = ingest_source(con, SOURCES["ice_287g"], finder, ParseContext(resolver=resolver))
    assert [(r.version, r.rows_loaded) for r in results] == [("2025-01-15T080000", 1), ("2025-01-15T160000", 2)]


class _Failing:
    """A connection whose release insert fails the way DuckDB does on Ctrl-C or a key clash."""

    def __init__(self, inner, error):
        self.inner, self.error = inner, error

    def execute(self, sql, *args):
        if sql.startswith("INSERT INTO release "):
            raise self.error
        return self.inner.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_key_clash_in_the_write_phase_is_a_message_and_rolls_back(con, resolver, tmp_path):
    """Before: duckdb.ConstraintException ended in a traceback (287(g) sheets of one date in two folders)."""
    mirror = _mirror(tmp_path, {LIST_CSV: b"jurisdiction,state,category\nCook County,IL,county\n"})
    connector = SOURCES["doj_2025_list"]
    (release,) = connector.discover(Finder(mirror, tmp_path / "cache", offline=True))
    before = _fingerprint(con)
    clash = duckdb.ConstraintException("Constraint Error: Duplicate key")
    with pytest.raises(SourceFormatError, match=f"{LIST_CSV}: its rows clash with rows already stored"):
        ingest_release(_Failing(con, clash), connector, release, ParseContext(resolver=resolver))
    assert _fingerprint(con) == before


def test_interrupt_inside_a_duckdb_statement_is_a_keyboard_interrupt_and_rolls_back(con, resolver, tmp_path):
    """Before: duckdb.InterruptException escaped as a connector crash (and a traceback), not as Ctrl-C."""
    mirror = _mirror(tmp_path, {LIST_CSV: b"jurisdiction,state,category\nCook County,IL,county\n"})
    connector = SOURCES["doj_2025_list"]
    (release,) = connector.discover(Finder(mirror, tmp_path / "cache", offline=True))
    before = _fingerprint(con)

    with pytest.raises(KeyboardInterrupt):
        interrupt = duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        ingest_release(_Failing(con, interrupt), connector, release, ParseContext(resolver=resolver))
    assert _fingerprint(con) == before


def test_ctrl_c_during_the_write_phase_is_a_message_and_keeps_nothing(store_path, tmp_path):
    mirror = _mirror(tmp_path, {LIST_CSV: b"jurisdiction,state,category\nCook County,IL,county\n"})
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1", "SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT": "60"}
    args = [sys.executable, "-c", CLI, "ingest", "doj_2025_list", "--from", str(mirror), "--db", str(store_path)]
    # Ctrl-C as a terminal delivers it: a test run started in the background (`make test &`) ignores SIGINT, and a
    # child inherits that, so the child is given the default handling back before Python starts.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    line = proc.stderr.readline()
    assert "pausing before commit" in line, line
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Interrupted" in err and "Traceback" not in err, err
    check = duckdb.connect(str(store_path), read_only=True)
    assert check.execute("SELECT count(*) FROM release WHERE source_id = 'doj_2025_list'").fetchone()[0] == 0
    check.close()


# -- low: mirror links outside the folder ----------------------------------------------------------------------
def test_a_mirror_link_to_a_file_outside_the_mirror_is_refused_without_reading_it(con, resolver, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT\n")
    mirror = _mirror(tmp_path, {})
    (mirror / LIST_CSV).symlink_to(secret)
    before = _fingerprint(con)
    with pytest.raises(SourceFormatError) as caught:
        ingest_source(
            con, SOURCES["doj_2025_list"], Finder(mirror, tmp_path / "c", True), ParseContext(resolver=resolver)
        )
    assert "outside the mirror folder" in str(caught.value) and "TOP-SECRET" not in str(caught.value)
    assert _fingerprint(con) == before
    inside = mirror / "real.csv"
    inside.write_bytes(b"jurisdiction,state,category\nCook County,IL,county\n")
    (mirror / LIST_CSV).unlink()
    (mirror / LIST_CSV).symlink_to(inside)  # a link within the mirror is fine
    (result,) = ingest_source(con, SOURCES["doj_2025_list"], Finder(mirror, tmp_path / "c", True),
                              ParseContext(resolver=resolver))  # fmt: skip
    assert result.rows_loaded == 1


# -- finding 4: terminal markup in data ---------------------------------------------------------------------------
def test_markup_in_names_is_shown_as_typed(store_path):
    """Before: rich's MarkupError (a traceback) for '[/]'; '[link=…]' became a terminal hyperlink."""
    for args in (["resolve", "Cook County, [/]"], ["profile", "[/]"], ["resolve", "[link=https://evil.example]x"]):
        proc = _cli(*args, env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
        out = proc.stdout + proc.stderr
        assert proc.returncode in (0, 2) and "Traceback" not in out and "MarkupError" not in out, (args, out)
        assert "\x1b]8;" not in out, (args, out)  # no OSC 8 hyperlink
        assert args[1] in _plain(out), (args, out)


def _plain(text: str) -> str:
    import re

    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", text).split())


def test_quarantine_shows_markup_values_literally(con, resolver, tmp_path, store_path):
    """Before: `quarantine` after ingesting a value '[/]' crashed with rich's MarkupError."""
    body = "jurisdiction,state,category\nCook County,[/],county\nDenver,[link=https://evil.example]CO[/link],city\n"
    finder = Finder(_mirror(tmp_path, {LIST_CSV: body.encode()}), tmp_path / "cache", offline=True)
    (result,) = ingest_source(con, SOURCES["doj_2025_list"], finder, ParseContext(resolver=resolver))
    assert result.rows_quarantined == 2
    con.execute("CHECKPOINT")
    out = CliRunner().invoke(app, ["quarantine", "--db", str(store_path)])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "[/]" in text and "[link=" in text and "\x1b]8;" not in out.output


# -- finding 5: CSV formula injection --------------------------------------------------------------------------
def test_formula_cells_are_neutralised_and_numbers_are_not():
    from sanctuarywatch.csv_out import safe_cell, to_csv_text

    attack = "=cmd|' /C calc'!A0"
    text = to_csv_text([{"name": attack, "n": -5, "s": "-12.5", "t": "\tx", "p": "+1+cmd", "a": "@SUM(A1)"}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row == {"name": "'" + attack, "n": "-5", "s": "-12.5", "t": "'\tx", "p": "'+1+cmd", "a": "'@SUM(A1)"}
    assert [safe_cell(v) for v in ("-", "\rx", "Cook County", 3.5)] == ["'-", "'\rx", "Cook County", 3.5]


def test_no_cli_or_geo_module_writes_csv_without_the_one_writer():
    root = Path(__file__).resolve().parents[1] / "src" / "sanctuarywatch"
    mine = [*sorted((root / "cli").glob("*.py")), root / "geo" / "batch.py"]
    offenders = [p.name for p in mine if "csv.writer(" in p.read_text() or "csv.DictWriter(" in p.read_text()]
    assert not offenders, offenders


# -- finding 11: resolve --csv keeps rows one to one -------------------------------------------------------------------
def test_resolve_csv_keeps_one_output_row_per_input_record(store_path, tmp_path):
    """Before: str.splitlines() split names on U+2028 / U+0085, so rows were added and shifted."""
    source = tmp_path / "in.csv"
    source.write_text("name,state\nCook\u2028County,IL\nDenver\x85City,CO\n=cmd|' /C calc'!A0,TX\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["resolve", "--csv", str(source), "--column", "name", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [r["name"] for r in rows] == ["Cook\u2028County", "Denver\x85City", "'=cmd|' /C calc'!A0"]
    assert [r["state"] for r in rows] == ["IL", "CO", "TX"]


@pytest.mark.parametrize("body,message", [
    ("name,state,state\nCook County,IL,Illinois\n", "more than once"),
    ("name,state\nCook County,IL,extra\n", "3 fields but the header has 2"),
    ('name,state\n"Cook County,IL\nDenver,CO\n', "line 2"),
])  # fmt: skip
def test_resolve_csv_refuses_a_file_it_cannot_mirror_row_for_row(store_path, tmp_path, body, message):
    """Before: a duplicate header dropped a column, extra fields vanished, an open quote merged rows."""
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(body, encoding="utf-8")
    proc = _cli("resolve", "--csv", str(source), "--column", "name", "--out", str(out))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not out.exists() and not out.with_suffix(".csv.partial").exists()
