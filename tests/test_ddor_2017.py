"""DDOR 2017 connector: the generated issue PDFs through the real ingest pipeline (no real report is mirrored)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from sanctuarywatch.errors import SourceFormatError, SourceUnavailableError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import ddor_2017
from sanctuarywatch.sources.base import Finder, ParseContext

_spec = importlib.util.spec_from_file_location("ddor_fixture", Path(__file__).parent / "fixtures" / "ddor_fixture.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

ISSUE1 = fx.FILE_NAMES[1]
MIN_RESOLUTION_RATE = 0.95


@pytest.fixture(scope="module")
def issues(tmp_path_factory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("ddor_pdfs")
    return {i: fx.write_issue(folder, i) for i in (1, 2)}


def _mirror(tmp_path: Path, *files: Path) -> Path:
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    for f in files:
        shutil.copy(f, mirror / f.name)
    return mirror


def _ingest(con, mirror: Path, resolver, progress=None):
    ctx = ParseContext(resolver=resolver, progress=progress or (lambda done, total: None))
    return ingest_source(con, ddor_2017, Finder(mirror, mirror.parent / "cache", offline=True), ctx)


def _store_counts(con) -> dict[str, int]:
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("release", "release_file", "quarantine", ddor_2017.DECLINED, ddor_2017.POLICY)
    }


def test_issue_1_loads_exact_counts(con, resolver, issues, tmp_path):
    pages: list[tuple[int, int | None]] = []
    [result] = _ingest(con, _mirror(tmp_path, issues[1]), resolver, lambda d, t: pages.append((d, t)))
    want = fx.EXPECTED[1]
    assert (want["declined"], want["quarantined"], want["policy"]) == (206, 5, 118)
    assert result.status == "loaded" and result.version == "2017-01-28"
    assert result.rows_quarantined == 5
    assert result.rows_loaded == (206 - 5) + 118
    assert pages[-1][0] == pages[-1][1] and len(pages) == pages[-1][1] > 2  # once per page

    rid = result.release_id
    declined = con.execute(
        f"SELECT count(*), min(report_issue), max(report_issue), min(report_week_start), max(report_week_end) "
        f"FROM {ddor_2017.DECLINED} WHERE release_id = ?", [rid]
    ).fetchone()
    assert declined[0] == 201 and declined[1:3] == (1, 1)
    assert (str(declined[3]), str(declined[4])) == ("2017-01-28", "2017-02-03")
    policy = con.execute(f"SELECT count(*) FROM {ddor_2017.POLICY} WHERE release_id = ?", [rid]).fetchone()[0]
    assert policy == 118

    quarantined = con.execute(
        "SELECT row_number, field, value, reason FROM quarantine WHERE release_id = ? ORDER BY row_number", [rid]
    ).fetchall()
    assert quarantined == [
        (17, "detainer_issued_date", "2/30/2017", "not a calendar date (no day 30 in month 2 of 2017)"),
        (58, "declined_date", "13/1/2017", "not a calendar date (no month 13)"),
        (99, "declined_date", "", "missing date"),
        (140, "state_abbr", "XX", "unknown state abbreviation"),
        (181, "state_abbr", "", "missing state"),
    ]


def test_rows_match_what_was_printed(con, resolver, issues, tmp_path):
    """Every kept row, wrapped criminal-activity text included, equals the row the fixture printed."""
    _ingest(con, _mirror(tmp_path, issues[1]), resolver)
    stored = con.execute(
        f"SELECT row_number, jurisdiction_printed, state_abbr, citizenship_country, "
        f"coalesce(notable_criminal_activity, ''), strftime(detainer_issued_date, '%-m/%-d/%Y'), "
        f"strftime(declined_date, '%-m/%-d/%Y') FROM {ddor_2017.DECLINED} ORDER BY row_number"
    ).fetchall()
    printed = [
        (n, r["Jurisdiction"], r["State"], r["Citizenship"], r["Notable Criminal Activity"],
         r["Detainer Issued Date"], r["Declined Date"])
        for n, r in enumerate(fx.declined_rows(1), start=1)
        if n not in fx.BAD_ROWS[1]
    ]  # fmt: skip
    assert stored == printed
    assert any(len(p[4]) > 70 for p in printed)  # some activity text did wrap onto a second line
    policies = con.execute(
        f"SELECT jurisdiction_printed, state_abbr, policy_text FROM {ddor_2017.POLICY} ORDER BY row_number"
    ).fetchall()
    assert policies == [(r["Jurisdiction"], r["State"], r["Policy"]) for r in fx.policy_rows(1)]


def test_resolution_rate_and_unresolved_names_are_kept(con, resolver, issues, tmp_path):
    _ingest(con, _mirror(tmp_path, issues[1]), resolver)
    for table in (ddor_2017.DECLINED, ddor_2017.POLICY):
        accepted, total = con.execute(
            f"SELECT count(*) FILTER (WHERE resolution_status = 'accepted'), count(*) FROM {table}"
        ).fetchone()
        rate = accepted / total
        print(f"{table}: {accepted}/{total} resolved = {rate:.1%}")
        assert rate >= MIN_RESOLUTION_RATE
        bad_geoid = con.execute(
            f"SELECT count(*) FROM {table} WHERE (geoid IS NULL) <> (resolution_status <> 'accepted')"
        ).fetchone()[0]
        assert bad_geoid == 0  # a GEOID exactly when accepted
    unresolved = con.execute(
        f"SELECT row_number, jurisdiction_printed, state_abbr, resolution_status FROM {ddor_2017.DECLINED} "
        "WHERE resolution_status <> 'accepted' ORDER BY row_number"
    ).fetchall()
    assert unresolved == [
        (n, name, state, "unresolved")
        for n, (name, state) in zip(fx.UNRESOLVED_ROWS[1], fx.UNRESOLVABLE, strict=True)
    ]
    geoids = dict(
        con.execute(
            f"SELECT jurisdiction_printed || ' ' || state_abbr, geoid FROM {ddor_2017.POLICY} WHERE geoid IS NOT NULL"
        ).fetchall()
    )
    assert geoids["Clackamas County OR"] == "41005"
    assert geoids["Nassau County NY"] == "36059"
    assert geoids["San Francisco CA"] == "06075"
    assert geoids["Denver CO"] == "08031"
    assert geoids["Philadelphia PA"] == "42101"
    assert geoids["Miami-Dade County FL"] == "12086"


def test_reingest_is_unchanged(con, resolver, issues, tmp_path):
    mirror = _mirror(tmp_path, issues[1])
    [first] = _ingest(con, mirror, resolver)
    before = _store_counts(con)
    [again] = _ingest(con, mirror, resolver)
    assert again.status == "unchanged" and again.release_id == first.release_id
    assert (again.rows_loaded, again.rows_quarantined) == (first.rows_loaded, first.rows_quarantined)
    assert _store_counts(con) == before


def test_two_issues_are_two_releases_and_diff(con, resolver, issues, tmp_path):
    from sanctuarywatch.store.diff import diff_releases

    results = _ingest(con, _mirror(tmp_path, issues[1], issues[2]), resolver)
    assert [(r.version, r.status) for r in results] == [("2017-01-28", "loaded"), ("2017-02-04", "loaded")]
    assert results[1].rows_quarantined == fx.EXPECTED[2]["quarantined"] == 1
    issues_stored = con.execute(
        f"SELECT report_issue, count(*) FROM {ddor_2017.POLICY} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert issues_stored == [(1, 118), (2, 117)]
    _, _, tables = diff_releases(con, ddor_2017)
    policy = next(t for t in tables if t.table == ddor_2017.POLICY)
    assert (policy.added, policy.removed) == (0, 1)
    assert policy.examples["removed"] == [{"jurisdiction_printed": "Miami-Dade County", "state_abbr": "FL"}]


def test_truncated_pdf_is_refused_and_store_unchanged(con, resolver, issues, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = issues[1].read_bytes()
    (mirror / ISSUE1).write_bytes(data[: len(data) // 2])
    before = _store_counts(con)
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, mirror, resolver)
    assert err.value.file == ISSUE1 and ISSUE1 in str(err.value)
    assert "truncated" in err.value.problem
    assert _store_counts(con) == before


@pytest.mark.parametrize("kind", ["not_pdf", "empty", "no_table", "cut_before_eof"])
def test_malformed_files_are_refused(con, resolver, issues, tmp_path, kind):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    target = mirror / ISSUE1
    if kind == "not_pdf":
        target.write_text("Jurisdiction,State,Citizenship\nTravis County,TX,Mexico\n")
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "no_table":
        from reportlab.pdfgen import canvas

        c = canvas.Canvas(str(target), invariant=1)
        c.drawString(72, 720, "Declined Detainer Outcome Report")
        c.drawString(72, 700, "Reporting Period: January 28, 2017 - February 3, 2017")
        c.save()
    else:  # the end marker survives but the body is cut: pdfminer must not be trusted to cope
        data = issues[1].read_bytes()
        target.write_bytes(data[:2000] + data[-200:])
    before = _store_counts(con)
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, mirror, resolver)
    assert err.value.file == ISSUE1
    assert _store_counts(con) == before


def test_nothing_mirrored_offline_is_a_clear_error(tmp_path):
    finder = Finder(tmp_path, tmp_path / "cache", offline=True)
    with pytest.raises(SourceUnavailableError, match="ddor2017_01-28to02-03.pdf"):
        ddor_2017.discover(finder)


def test_policy_rows_quarantine_names_their_table(resolver):
    """Both tables number rows from 1, so a refused policy row says which table it came from."""
    table = ddor_2017._Table(ddor_2017.POLICY, [], [
        {"jurisdiction_printed": "Cook County", "state_abbr": "IL", "policy_text": "Ordinance."},
        {"jurisdiction_printed": "Cook County", "state_abbr": "Illinois", "policy_text": "Ordinance."},
        {"jurisdiction_printed": "", "state_abbr": "IL", "policy_text": "Orphan text."},
    ])  # fmt: skip
    quarantine: list = []
    week = ddor_2017.Week(ddor_2017.FIRST_WEEK, ddor_2017.FIRST_WEEK)
    rows = ddor_2017._rows(table, "f.pdf", week, ParseContext(resolver=resolver), quarantine)
    assert [(r["row_number"], r["geoid"], r["policy_text"]) for r in rows] == [(1, "17031", "Ordinance.")]
    assert [(q.row_number, q.field, q.reason) for q in quarantine] == [
        (2, "state_abbr", "policy table: unknown state abbreviation"),
        (3, "jurisdiction_printed", "policy table: missing jurisdiction"),
    ]


def test_week_and_issue_from_name_and_text():
    assert ddor_2017.week_from_name("ddor2017_02-11to02-17.pdf").issue == 3
    week = ddor_2017.week_from_text("Reporting Period: January 28 - February 3, 2017")
    assert (str(week.start), str(week.end), week.issue) == ("2017-01-28", "2017-02-03", 1)
    assert ddor_2017.week_from_text("no period here") is None
