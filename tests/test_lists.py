"""Designation-list connectors (DHS 2025, DOJ 2025, DOJ OIG 2016, DOJ 1373 letters 2017-2018).

The real mirror holds DHS's whole list (a PDF print of the archived page) and transcriptions of DOJ's 2025 list
and of the 1373 letter batches: the counts below are counted on those files. The HTML page formats the
publishers used on the web (not mirrored) and malformed input are tested on fixtures from
``fixtures/lists_fixture.py``."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import real_file, real_folder
from fixtures.ddor_fixture import write_issue
from fixtures.lists_fixture import DHS_ENTRIES, DOJ_CITIES, DOJ_TOTAL, write_dhs, write_doj, write_oig

from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.analysis.reconcile import list_comparison
from sanctuarywatch.errors import SourceFormatError, SourceUnavailableError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import dhs_2025_list, doj_2025_list, doj_letters_2017_2018, doj_oig_2016
from sanctuarywatch.sources.base import Finder, ParseContext, sha256_file
from sanctuarywatch.sources.listpage import category_of
from sanctuarywatch.store.diff import diff_releases

BAD = Path(__file__).resolve().parent / "data" / "bad"


def _ingest(con, resolver, module, mirror: Path):
    return ingest_source(con, module, Finder(mirror, mirror / "_cache", offline=True), ParseContext(resolver=resolver))


def _members(con, list_id: str) -> dict:
    rows = con.execute("SELECT as_printed, geoid, category, resolution_status FROM list_membership WHERE list_id = ?",
                       [list_id]).fetchall()  # fmt: skip
    return {r[0]: r[1:] for r in rows}


def _categories(con, list_id: str) -> list[tuple[str, int]]:
    sql = "SELECT category, count(*) FROM list_membership WHERE list_id = ? GROUP BY 1 ORDER BY 1"
    return con.execute(sql, [list_id]).fetchall()


def _accepted_rate(con, list_id: str, label: str) -> float:
    accepted, total = con.execute(
        "SELECT count(*) FILTER (resolution_status = 'accepted'), count(*) FROM list_membership WHERE list_id = ?",
        [list_id],
    ).fetchone()
    print(f"\n{label}: {accepted}/{total} accepted ({accepted / total:.1%})")
    return accepted / total


def _row_counts(con) -> dict[str, int]:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_doj_2025_list_counts_categories_and_resolution(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    [result] = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert result.rows_loaded == DOJ_TOTAL == 33 and result.rows_quarantined == 0
    assert _categories(con, "doj_2025") == [("city", 17), ("county", 2), ("state", 14)]
    assert _accepted_rate(con, "doj_2025", "DOJ 2025 fixture") >= 0.9
    members = _members(con, "doj_2025")
    assert members["New York City, NY"][0] == "3651000"
    assert members["San Francisco, CA"][0] == members["San Francisco County, CA"][0] == "06075"
    assert members["Denver, CO"][0] == "08031" and members["Chicago, IL"][0] == "1714000"
    assert members["California"][0] == "06" and members["District of Columbia"][0] in ("11", "11001")
    edition = con.execute("SELECT DISTINCT edition, edition_date, withdrawn_date FROM list_membership").fetchall()
    assert [(e, str(d), w) for e, d, w in edition] == [("2025-08-05", "2025-08-05", None)]
    assert con.execute("SELECT kind FROM designation_list WHERE list_id = 'doj_2025'").fetchone() == ("official",)
    assert _ingest(con, resolver, doj_2025_list, tmp_path)[0].status == "unchanged"
    assert con.execute("SELECT count(*) FROM list_membership").fetchone()[0] == 33


def test_a_new_doj_edition_is_stored_beside_the_old_and_diffed(con, resolver, tmp_path):
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-08-05.html")
    write_doj(tmp_path / "doj_sanctuary_jurisdictions_2025-10-01.html", added="Minneapolis, MN",
              removed=DOJ_CITIES[0])  # fmt: skip
    results = _ingest(con, resolver, doj_2025_list, tmp_path)
    assert [r.version for r in results] == ["2025-08-05", "2025-10-01"]
    by_edition = con.execute("SELECT edition, count(*) FROM list_membership GROUP BY 1 ORDER BY 1").fetchall()
    assert by_edition == [("2025-08-05", 33), ("2025-10-01", 33)]
    _, _, [table] = diff_releases(con, doj_2025_list)
    assert (table.added, table.removed, table.changed) == (1, 1, 0)
    assert table.examples["added"][0]["as_printed"] == "Minneapolis, MN"
    assert table.examples["removed"][0]["as_printed"] == DOJ_CITIES[0]


def test_dhs_list_by_state_keeps_unresolved_and_quarantines_bad_entries(con, resolver, tmp_path):
    write_dhs(tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29.html")
    [result] = _ingest(con, resolver, dhs_2025_list, tmp_path)
    quarantined = con.execute("SELECT reason, row_number, field FROM quarantine ORDER BY 1").fetchall()
    assert [(r, f) for r, _, f in quarantined] == [("duplicate entry", "jurisdiction"), ("empty entry", "jurisdiction")]
    assert all(n for _, n, _ in quarantined)
    assert result.rows_loaded == DHS_ENTRIES - 2 == 78
    # DHS groups by state only: the category is inferred from the name (County -> county, else city).
    assert _categories(con, "dhs_2025") == [("city", 41), ("county", 37)]
    assert _accepted_rate(con, "dhs_2025", "DHS 2025 fixture") >= 0.9
    members = _members(con, "dhs_2025")
    assert members["Westchester County"][0] == "36119"
    assert members["New York City"][0] == "3651000" and members["San Francisco"][0] == "06075"
    for unplaced in ("Freedonia Township Jail", "Atlantis Borough Police"):
        assert members[unplaced][2] != "accepted" and members[unplaced][0] is None
    portlands = con.execute("SELECT state_as_printed, geoid FROM list_membership WHERE as_printed = 'Portland' "
                            "ORDER BY 1").fetchall()  # fmt: skip
    assert portlands == [("Maine", "2360545"), ("Oregon", "4159000")]  # the state heading decides
    withdrawn = con.execute("SELECT DISTINCT withdrawn_date FROM list_membership").fetchall()
    assert [str(w) for (w,) in withdrawn] == ["2025-06-01"]


def test_oig_2016_csv(con, resolver, tmp_path):
    write_oig(tmp_path / "doj_oig_2016_jurisdictions.csv")
    [result] = _ingest(con, resolver, doj_oig_2016, tmp_path)
    assert result.rows_loaded == 10 and result.rows_quarantined == 0
    assert _categories(con, "doj_oig_2016") == [("city", 3), ("county", 5), ("state", 2)]
    assert _accepted_rate(con, "doj_oig_2016", "DOJ OIG 2016 fixture") >= 0.9
    members = _members(con, "doj_oig_2016")
    assert {members["Cook County"][0], members["New York City"][0], members["Orleans Parish"][0]} == {
        "17031", "3651000", "22071"}  # fmt: skip
    rows = con.execute("SELECT DISTINCT edition, CAST(edition_date AS VARCHAR) FROM list_membership").fetchall()
    assert rows == [("2016-05-31", "2016-05-31")]
    assert con.execute("SELECT min(row_number) FROM list_membership").fetchone()[0] == 2  # header is row 1


def test_html_table_rows_are_read_as_entries(con, resolver, tmp_path):
    rows = "".join(f"<tr><td>{j}</td><td>{s}</td><td>{c}</td></tr>" for j, s, c in
                   [("Boston", "MA", "City"), ("Cook County", "IL", "County"), ("Oregon", "", "State"),
                    ("Gotham", "Zembla", "City")])  # fmt: skip
    page = f"<html><body><table><tr><th>Jurisdiction</th><th>State</th><th>Type</th></tr>{rows}</table></body></html>"
    (tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29.html").write_text(page, encoding="utf-8")
    [result] = _ingest(con, resolver, dhs_2025_list, tmp_path)
    assert result.rows_loaded == 3
    assert con.execute("SELECT row_number, field, value, reason FROM quarantine").fetchall() == [
        (4, "state", "Zembla", "unknown state")]  # fmt: skip
    got = con.execute("SELECT as_printed, category, geoid FROM list_membership ORDER BY row_number").fetchall()
    assert got == [("Boston", "city", "2507000"), ("Cook County", "county", "17031"), ("Oregon", "state", "41")]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("doj_sanctuary_jurisdictions_2025-08-05.html", "just some text, no list", "not an HTML list page"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "", "empty"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", "<html><body><h2>Other</h2></body></html>", "no list entries"),
     ("doj_sanctuary_jurisdictions_2025-08-05.html", b"<ul><li>Bo\xf0ton</li></ul>", "not UTF-8"),
     ("doj_sanctuary_jurisdictions_2025-10-01.csv", "name,state\nBoston,MA\n", "no 'jurisdiction' column")],
)  # fmt: skip
def test_wrong_shape_pages_are_refused_and_the_store_kept(con, resolver, tmp_path, name, content, problem):
    write_oig(tmp_path / "oig" / "doj_oig_2016_jurisdictions.csv")
    _ingest(con, resolver, doj_oig_2016, tmp_path / "oig")  # something in the store to keep
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    target = mirror / name
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content, encoding="utf-8")
    before = _row_counts(con)
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, resolver, doj_2025_list, mirror)
    assert name in str(info.value)
    assert _row_counts(con) == before and before["list_membership"] == 10


@pytest.mark.parametrize(
    ("module", "corpus_file", "problem"),
    [(doj_2025_list, "doj_2025_list/doj_sanctuary_jurisdictions_2025-08-05.html", "no list entries"),
     (dhs_2025_list, "dhs_2025_list/dhs_sanctuary_jurisdictions_2025-05-29.html", "not an HTML list page")],
)  # fmt: skip
def test_bad_corpus_pages_are_refused(con, resolver, tmp_path, module, corpus_file, problem):
    shutil.copy(BAD / corpus_file, tmp_path / Path(corpus_file).name)
    before = _row_counts(con)
    with pytest.raises(SourceFormatError, match=problem) as info:
        _ingest(con, resolver, module, tmp_path)
    assert Path(corpus_file).name in str(info.value)
    assert _row_counts(con) == before


# -- The real mirror: DHS's whole list (PDF), DOJ's 2025 list and DOJ's 1373 letters (transcriptions) ---------

DHS_PDF = "dhs_2025_list/dhs_sanctuary_jurisdictions_2025-05-31_wayback.pdf"
AP_PARTIAL = "dhs_2025_list/partial/ap_reproduction_2025-05-29_partial.csv"
STATE_PHRASE = "Self-Identification as a State Sanctuary Jurisdiction"


def _real(con, resolver, module, folder: str):
    return ingest_source(con, module, Finder(real_folder(folder), Path("/nonexistent-cache"), offline=True),
                         ParseContext(resolver=resolver))  # fmt: skip


def _count(con, sql: str, params=()) -> int:
    return con.execute(sql, list(params)).fetchone()[0]


@pytest.mark.parametrize("module", [dhs_2025_list, doj_2025_list, doj_letters_2017_2018])
def test_pinned_checksums_match_the_mirror(module):
    for pinned in module.SPEC.files:
        found = list(real_folder(module.SPEC.source_id).rglob(pinned.name))
        assert len(found) == 1 and sha256_file(found[0]) == pinned.sha256, pinned.name


def test_the_ap_partial_copy_is_never_a_release_of_the_dhs_list(tmp_path):
    finder = Finder(real_folder("dhs_2025_list"), tmp_path, offline=True)
    assert [(r.version, [f.name for f in r.files]) for r in dhs_2025_list.discover(finder)] == [
        ("2025-05-29", [Path(DHS_PDF).name])]  # fmt: skip
    # Even named like the list, a file in a 'partial' folder (or named partial) is not picked up.
    (tmp_path / "partial").mkdir()
    shutil.copy(real_file(AP_PARTIAL), tmp_path / "partial" / "dhs_sanctuary_jurisdictions_2025-05-29.html")
    shutil.copy(real_file(AP_PARTIAL), tmp_path / "dhs_sanctuary_jurisdictions_2025-05-29_partial.html")
    with pytest.raises(SourceUnavailableError):
        dhs_2025_list.discover(Finder(tmp_path, tmp_path / "_cache", offline=True))


def test_dhs_whole_list_from_the_pdf(con, resolver):
    [result] = _real(con, resolver, dhs_2025_list, "dhs_2025_list")
    assert (result.version, result.rows_loaded, result.rows_quarantined) == ("2025-05-29", 605, 1)
    assert _count(con, "SELECT count(*) FROM list_membership") == 605
    # The release is the PDF alone (never the AP partial copy), recorded as a derived, complete copy.
    release = con.execute("SELECT r.kind, r.coverage, f.file_name FROM release r JOIN release_file f "
                          "USING (release_id) WHERE source_id = 'dhs_2025_list'").fetchall()  # fmt: skip
    assert release == [("derived", "complete", Path(DHS_PDF).name)]
    assert _categories(con, "dhs_2025") == [("city", 200), ("county", 391), ("state", 14)]
    assert _count(con, "SELECT count(DISTINCT state_as_printed) FROM list_membership") == 36  # 35 states + DC
    # 'Nicollet County' ends page 1 and starts page 2: one entry, the repeat quarantined as a print artefact.
    assert _count(con, "SELECT count(*) FROM list_membership WHERE as_printed = 'Nicollet County'") == 1
    assert con.execute("SELECT row_number, value, reason FROM quarantine").fetchall() == [
        (368, "Nicollet County", dhs_2025_list.PAGE_BREAK_REPEAT)]  # fmt: skip
    assert con.execute("SELECT min(page_order), max(page_order), count(DISTINCT page_order), max(row_number) "
                       "FROM list_membership").fetchone() == (1, 605, 605, 606)  # fmt: skip
    dated = con.execute("SELECT DISTINCT CAST(edition_date AS VARCHAR), CAST(withdrawn_date AS VARCHAR), "
                        "file_name FROM list_membership").fetchall()  # fmt: skip
    assert dated == [("2025-05-29", "2025-06-01", Path(DHS_PDF).name)]


def test_dhs_oddities_are_flagged_not_fixed(con, resolver):
    _real(con, resolver, dhs_2025_list, "dhs_2025_list")
    flags = con.execute("SELECT flag, as_printed, state_as_printed, resolved_as FROM list_entry_flag "
                        "WHERE flag <> 'phrase_not_name' OR state_as_printed IN ('Rhode Island', "
                        "'District of Columbia') ORDER BY ALL").fetchall()  # fmt: skip
    assert flags == [
        ("combined_name", "New Orleans/Orleans (Parish)", "Louisiana", "Orleans Parish (county)"),
        ("heading_swapped", "Douglas County", "Kansas", "Douglas County (county)"),
        ("heading_swapped", "Lawrence", "Kansas", "Lawrence (place)"),
        ("listed_though_opposed", "Huntington Beach", "California", None),
        ("not_a_municipality", "Represa", "California", None),
        ("phrase_not_name", "Court Order Requiring State Sanctuary Requirements", "Rhode Island",
         "state heading (state)"),
        ("phrase_not_name", "Self-Identification as Local Sanctuary Jurisdiction", "District of Columbia",
         "state heading (state)"),
    ]  # fmt: skip
    phrase_states = _count(con, "SELECT count(*) FROM list_entry_flag WHERE as_printed = ?", [STATE_PHRASE])
    assert phrase_states == 13  # + Rhode Island's court order = the 14 state-level entries
    # Kept as printed: the heading DHS put them under, not the one they belong to.
    printed = con.execute("SELECT as_printed, category, geoid FROM list_membership WHERE state_as_printed = 'Kansas' "
                          "ORDER BY 1").fetchall()  # fmt: skip
    assert printed == [("Douglas County", "city", "20045"), ("Lawrence", "county", "2038900")]
    assert _count(con, "SELECT count(*) FROM list_membership m WHERE NOT EXISTS (SELECT 1 FROM list_entry_flag f "
                       "WHERE f.row_number = m.row_number) AND as_printed LIKE '%Sanctuary%'") == 0  # fmt: skip


def test_dhs_entries_resolve_within_their_state(con, resolver):
    _real(con, resolver, dhs_2025_list, "dhs_2025_list")
    # State-level phrases resolve to the state of their heading (DC's local phrase to the District).
    phrases = con.execute("SELECT state_as_printed, geoid, level FROM list_membership WHERE as_printed LIKE "
                          "'%Sanctuary%' ORDER BY 1").fetchall()  # fmt: skip
    assert len(phrases) == 15 and all(level == "state" for _, _, level in phrases)
    assert {s: g for s, g, _ in phrases}["Rhode Island"] == "44"
    assert {s: g for s, g, _ in phrases}["District of Columbia"] == "11"
    outside = con.execute(
        "SELECT m.as_printed, m.state_as_printed, j.state_abbr FROM list_membership m JOIN jurisdiction j "
        "USING (geoid) WHERE upper(m.state_as_printed) <> (SELECT upper(name) FROM jurisdiction s "
        "WHERE s.level = 'state' AND s.state_abbr = j.state_abbr)").fetchall()  # fmt: skip
    assert outside == []  # every resolved entry lies in the state it is printed under
    assert _accepted_rate(con, "dhs_2025", "DHS 2025 whole list, real registry") >= 586 / 605


def test_ap_partial_copy_agrees_with_the_pdf_on_its_75_items():
    with real_file(AP_PARTIAL).open(encoding="utf-8") as fh:
        ap = list(csv.DictReader(fh))
    pdf = [e for e in dhs_2025_list.pdf_entries(real_file(DHS_PDF)) if not e.artefact][: len(ap)]
    assert len(ap) == 75
    assert [(r["state"], category_of(r["category"])) for r in ap] == [(e.state, e.category) for e in pdf]
    differences = [(r["jurisdiction"], e.text) for r, e in zip(ap, pdf, strict=True) if r["jurisdiction"] != e.text]
    assert differences == [("California", STATE_PHRASE), ("San Rafael", "City of San Rafael")]  # 73/75 exact


def test_doj_2025_transcription(con, resolver):
    [result] = _real(con, resolver, doj_2025_list, "doj_2025_list")
    assert (result.version, result.rows_loaded, result.rows_quarantined) == ("2025-08-05", 35, 0)
    kinds = con.execute("SELECT kind, coverage FROM release WHERE source_id = 'doj_2025_list'").fetchall()
    assert kinds == [("transcription", "complete")]
    assert _categories(con, "doj_2025") == [("city", 18), ("county", 4), ("state", 13)]
    assert _accepted_rate(con, "doj_2025", "DOJ 2025, real registry") == 1.0  # 35 / 35
    counties = con.execute("SELECT as_printed, state_as_printed, geoid FROM list_membership WHERE category = "
                           "'county' ORDER BY page_order").fetchall()  # fmt: skip
    assert counties == [("Baltimore County", "MD", "24005"), ("Cook County", "IL", "17031"),
                        ("San Diego County", "CA", "06073"), ("San Francisco County", "CA", "06075")]  # fmt: skip
    states = [r[0] for r in con.execute("SELECT geoid FROM list_membership WHERE category = 'state'").fetchall()]
    assert "11" in states and "34" not in states  # DC listed, New Jersey not
    weakest = con.execute("SELECT page_order, source_address, note FROM list_membership WHERE as_printed = "
                          "'San Francisco' AND category = 'city'").fetchone()  # fmt: skip
    assert weakest[0] == 35 and weakest[1].count(" | ") == 2 and "not inside either stored excerpt" in weakest[2]
    assert _count(con, "SELECT count(*) FROM list_membership WHERE source_address IS NULL OR note IS NULL") == 0
    assert con.execute("SELECT flag FROM list_entry_flag").fetchall() == [("fewest_sources",)]


def test_doj_1373_letters_three_editions(con, resolver):
    results = _real(con, resolver, doj_letters_2017_2018, "doj_letters_2017_2018")
    assert [(r.version, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("2017-04-21", 9, 0), ("2017-11-15", 29, 0), ("2018-01-24", 23, 0)]  # fmt: skip
    kinds = con.execute("SELECT DISTINCT kind, coverage FROM release WHERE source_id = 'doj_letters_2017_2018'")
    assert kinds.fetchall() == [("transcription", "complete")]
    per_edition = con.execute(
        "SELECT edition, count(*), count(*) FILTER (resolution_status = 'accepted'), bool_and(edition_stands_alone) "
        "FROM list_membership GROUP BY 1 ORDER BY 1"
    ).fetchall()
    print(f"\nDOJ 1373 letters accepted per edition: {per_edition}")
    assert [(e, n, alone) for e, n, _, alone in per_edition] == [
        ("2017-04-21", 9, True), ("2017-11-15", 29, True), ("2018-01-24", 23, True)]  # fmt: skip
    assert [a for _, _, a, _ in per_edition] >= [9, 27, 22]  # Middlesex (ambiguous), Louisville Metro
    flags = con.execute("SELECT edition, as_printed, flag FROM list_entry_flag WHERE flag <> 'state_not_printed' "
                        "ORDER BY ALL").fetchall()  # fmt: skip
    assert flags == [
        ("2017-04-21", "California", "addressee_conflict"), ("2017-11-15", "Middlesex", "ambiguous_name"),
        ("2018-01-24", "Illinois", "position_unknown"), ("2018-01-24", "Oregon", "position_unknown"),
        ("2018-01-24", "Watsonville", "single_source"), ("2018-01-24", "West Palm Beach", "position_unknown"),
    ]  # fmt: skip
    blank = con.execute("SELECT as_printed FROM list_membership WHERE page_order IS NULL ORDER BY 1").fetchall()
    assert blank == [("Illinois",), ("Oregon",), ("West Palm Beach",)]
    # AP-style state abbreviations are read; the note keeps the office, not the person.
    assert con.execute("SELECT state_as_printed, geoid FROM list_membership WHERE as_printed = 'Clark County'"
                       ).fetchall() == [("Nev.", "32003")]  # fmt: skip
    assert _count(con, "SELECT count(*) FROM list_membership WHERE note LIKE '%Kathleen%'") == 0
    assert _count(con, "SELECT count(*) FROM list_membership WHERE note LIKE '%the Executive Director of the "
                       "California Board of State and Community Corrections%'") == 1  # fmt: skip


def test_letters_show_in_lists_compare_and_the_profile(con, resolver):
    _real(con, resolver, doj_letters_2017_2018, "doj_letters_2017_2018")
    _real(con, resolver, doj_2025_list, "doj_2025_list")
    early = list_comparison(con, date(2017, 12, 1))
    assert [(x["list_id"], x["title"], x["entries"]) for x in early.lists] == [
        ("doj_1373_letters@2017-04-21", "Received DOJ's 8 U.S.C. 1373 letter of 2017-04-21", 9),
        ("doj_1373_letters@2017-11-15", "Received DOJ's 8 U.S.C. 1373 letter of 2017-11-15", 29)]  # fmt: skip
    now = list_comparison(con, date(2025, 9, 1))
    chicago = next(m for m in now.matrix if m["geoid"] == "1714000")
    assert chicago["lists"] == ["doj_1373_letters@2017-04-21", "doj_1373_letters@2018-01-24", "doj_2025"]
    # Letters are events, not lists in force: being on DOJ 2025 but not on a letter is no disagreement.
    assert "on_one_official_list_only" not in now.flag_counts()
    profile = jurisdiction_profile(con, "1714000", date(2025, 9, 1))
    letters = [(x["title"], str(x["edition_date"])) for x in profile["lists"] if x["list_id"] == "doj_1373_letters"]
    assert letters == [("Received DOJ's 8 U.S.C. 1373 letter", "2017-04-21"),
                       ("Received DOJ's 8 U.S.C. 1373 letter", "2018-01-24")]  # fmt: skip


def test_bad_pdfs_and_transcriptions_are_refused(con, resolver, tmp_path):
    (tmp_path / "other").mkdir()
    write_issue(tmp_path / "other" / "dhs_sanctuary_jurisdictions_2025-05-29.pdf", 1)  # a PDF, but not the page
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "dhs_sanctuary_jurisdictions_2025-05-29.pdf").write_bytes(b"%PDF-1.4 truncated")
    rows = real_file("doj_letters_2017_2018/doj_1373_letters_2017-04-21.csv").read_text(encoding="utf-8")
    (tmp_path / "order").mkdir()
    (tmp_path / "order" / "doj_1373_letters_2017-04-22.csv").write_text(rows.replace(",Nev.,6,", ",Nev.,six,", 1))
    before = _row_counts(con)
    cases = [("other", dhs_2025_list, "no 'Sanctuary Jurisdiction List' heading"),
             ("broken", dhs_2025_list, "not a readable PDF"),
             ("order", doj_letters_2017_2018, "row 7, field 'page_order': page_order 'six'")]  # fmt: skip
    for folder, module, problem in cases:
        with pytest.raises(SourceFormatError, match=problem):
            _ingest(con, resolver, module, tmp_path / folder)
    assert _row_counts(con) == before
