"""Reading designation lists (sources/listpage.py), second batch: the branches a full mutmut run of the module left
untested (issue 14). The real mirror's transcriptions (DOJ's 2025 list, the April 2017 1373 letters) and small
hand-written inputs are read; parse_list runs with a stub resolver whose answers are written here, so every stored
value (status, geoid, confidence, flag, quarantined row) can be checked by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from conftest import real_file, real_folder

from sanctuarywatch.errors import InputError, SourceFormatError
from sanctuarywatch.geo.resolver import Candidate, RegistryEntry, Resolution
from sanctuarywatch.sources import doj_2025_list, doj_letters_2017_2018
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    QuarantineRow,
    ReleaseFiles,
    SourceSpec,
    sha256_file,
)
from sanctuarywatch.sources.listpage import (
    Entry,
    ListInfo,
    _is_partial,
    _shown,
    _split_state,
    csv_entries,
    discover_lists,
    flag_table,
    html_entries,
    parse_list,
    read_text,
    redact,
)

DOJ_2025 = "doj_2025_list/doj_sanctuary_jurisdictions_2025-08-05.csv"
LETTERS_APRIL_2017 = "doj_letters_2017_2018/doj_1373_letters_2017-04-21.csv"
INFO = ListInfo("test_list", "A test list", "Test publisher", "official", "https://example.org/list", "For tests",
                date(2025, 1, 2))  # fmt: skip
POSITION_UNKNOWN = "the transcription could not see where the list prints this entry, so page_order is blank"


class StubResolver:
    """Answers written by hand: ``accepted`` names, ``review`` names (a candidate, not accepted), ``refused`` names
    (InputError); anything else is unresolved. Every call is kept as (text, state, level)."""

    def __init__(self, accepted=(), review=(), refused=()):
        self.calls: list[tuple] = []
        self.refused = set(refused)
        self.answers = {c.name: Resolution(c.name, "accepted", (c,)) for c in accepted}
        self.answers |= {c.name: Resolution(c.name, "needs_review", (c,)) for c in review}
        self.entries = {c.geoid: RegistryEntry(c.geoid, c.level, c.name, None, "00", c.state_abbr) for c in accepted}

    def resolve(self, text, state=None, level=None):
        self.calls.append((text, state, level))
        if text in self.refused:
            raise InputError(f"the stub refuses '{text}'")
        return self.answers.get(text, Resolution(text, "unresolved"))

    def canonical(self, geoid):
        return geoid


def _csv(tmp_path: Path, body: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _release(tmp_path: Path, version: str = "2025-01-02", name: str = "list.csv") -> ReleaseFiles:
    path = tmp_path / name
    path.write_text("unused: entries are passed in\n", encoding="utf-8")
    return ReleaseFiles(version, (LocatedFile(name, path, None, 0, None),), "mirror")


def _parse(tmp_path, entries, resolver=None, info=INFO, version="2025-01-02", progress=None):
    ctx = ParseContext(resolver=resolver or StubResolver())
    if progress is not None:
        ctx.progress = progress
    return parse_list(_release(tmp_path, version), ctx, info, entries)


def _members(parsed) -> list[dict]:
    return parsed.tables["list_membership"].to_pylist()


# -- CSV lists --------------------------------------------------------------------------------------------------


def test_the_real_doj_2025_transcription_gives_35_entries_with_their_heading_kinds():
    entries = list(csv_entries(real_file(DOJ_2025)))
    assert len(entries) == 35
    kinds = [e.category for e in entries]
    assert (kinds.count("state"), kinds.count("county"), kinds.count("city")) == (13, 4, 18)
    first = entries[0]
    assert (first.text, first.state, first.category, first.row_number, first.page_order) == (
        "California", None, "state", 2, 1
    )  # fmt: skip


def test_a_csv_list_with_only_a_jurisdiction_column_gives_entries_without_kind_state_or_order(tmp_path):
    path = _csv(tmp_path, "Jurisdiction\nCook County\nDenver\n")
    assert list(csv_entries(path)) == [
        Entry("Cook County", None, None, 2, None, None, None),
        Entry("Denver", None, None, 3, None, None, None),
    ]


def test_a_csv_category_column_is_read_case_blind_into_the_kind(tmp_path):
    path = _csv(tmp_path, "jurisdiction,CATEGORY,state\nCook County,Counties,IL\nDenver,,CO\n")
    assert [(e.text, e.category, e.state) for e in csv_entries(path)] == [
        ("Cook County", "county", "IL"), ("Denver", None, "CO")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Name,State\nCook,IL\n", "list.csv: no 'jurisdiction' column (columns: name, state)"),
        ('""\nCook\n', "list.csv: no 'jurisdiction' column (columns: none)"),  # one unnamed column
    ],
)
def test_a_csv_without_a_jurisdiction_column_names_the_columns_it_has(tmp_path, body, message):
    with pytest.raises(SourceFormatError) as err:
        list(csv_entries(_csv(tmp_path, body)))
    assert str(err.value) == message


def test_a_blank_file_is_refused_as_empty(tmp_path):
    path = _csv(tmp_path, " \n\t\n")
    with pytest.raises(SourceFormatError) as err:
        read_text(path)
    assert str(err.value) == "list.csv: the file is empty"


# -- HTML pages -------------------------------------------------------------------------------------------------


def test_a_list_item_holding_a_table_is_read_by_its_whole_text_then_the_row_on_its_own(tmp_path):
    path = tmp_path / "list.html"
    path.write_text("<main><h2>Cities</h2><ul><li>Denver <table><tr><td>CO</td></tr></table></li></ul></main>")
    assert list(html_entries(path)) == [Entry("Denver CO", None, "city", 1, 1), Entry("CO", None, "city", 2, 2)]


# -- discovering releases ---------------------------------------------------------------------------------------


def test_the_mirrored_doj_2025_transcription_is_one_mirror_release():
    folder = real_folder("doj_2025_list")
    path = real_file(DOJ_2025)
    finder = Finder(folder, folder / "_cache_unused", offline=True)
    [release] = discover_lists(finder, doj_2025_list.SPEC, doj_2025_list.INFO)
    assert release == ReleaseFiles(
        "2025-08-05", (LocatedFile(path.name, path, sha256_file(path), 19_755, None),), "mirror"
    )  # fmt: skip


def test_without_a_file_matching_the_patterns_the_spec_files_are_fetched_as_one_download_release():
    folder = real_folder("doj_2025_list")
    path = real_file(DOJ_2025)
    spec = dataclasses.replace(doj_2025_list.SPEC, mirror_patterns=("no_such_list_*.html",))
    finder = Finder(folder, folder / "_cache_unused", offline=True)
    [release] = discover_lists(finder, spec, doj_2025_list.INFO)
    # the file is found by its name (Finder.fetch looks in the mirror first); its checksum is the spec's
    sha = "4064c5da610ac57cc958277a6c12f008ab356edac1a47fcafabfdd75ab0f5051"
    assert release == ReleaseFiles("2025-08-05", (LocatedFile(path.name, path, sha, 19_755, None),), "download")


def test_a_bare_default_date_still_takes_the_edition_from_the_file_name(tmp_path):
    (tmp_path / "list_2019-03-04.csv").write_text("jurisdiction\nDenver\n", encoding="utf-8")
    (tmp_path / "list.csv").write_text("jurisdiction\nBoston\n", encoding="utf-8")
    spec = SourceSpec("test_list", "t", "p", "u", "l", "d", mirror_patterns=("list*.csv",))
    releases = discover_lists(Finder(tmp_path, tmp_path / "cache", offline=True), spec, date(2020, 1, 1))
    assert [(r.version, r.files[0].name, r.origin) for r in releases] == [
        ("2019-03-04", "list_2019-03-04.csv", "mirror"), ("2020-01-01", "list.csv", "mirror")
    ]  # fmt: skip


def test_without_a_mirror_folder_only_the_file_name_says_partial():
    finder = Finder(None, Path("/nonexistent-cache"), offline=True)
    assert _is_partial(Path("/data/partial/list.csv"), finder) is False
    assert _is_partial(Path("/data/lists/list_PARTIAL.csv"), finder) is True


# -- quarantine text --------------------------------------------------------------------------------------------


def test_a_quarantined_value_is_kept_whole_up_to_200_characters_then_cut_with_its_length():
    assert _shown("a" * 200) == "a" * 200
    assert _shown("a" * 201) == "a" * 200 + "… (201 characters)"
    assert _shown("b" * 1500) == "b" * 200 + "… (1,500 characters)"


def test_entries_of_500_characters_are_resolved_and_longer_ones_quarantined_cut_to_200(tmp_path):
    ok, long, longer = "x" * 500, "y" * 501, "z" * 1500
    entries = [Entry(ok, None, "city", 2), Entry(long, None, "city", 3), Entry(longer, None, "city", 4)]
    resolver = StubResolver()
    parsed = _parse(tmp_path, entries, resolver)
    assert [m["as_printed"] for m in _members(parsed)] == [ok]
    assert resolver.calls == [(ok, None, "place")]
    assert parsed.quarantine == [
        QuarantineRow("list.csv", 3, "jurisdiction", "y" * 200 + "… (501 characters)",
                      "entry is 501 characters long; names longer than 500 are refused"),
        QuarantineRow("list.csv", 4, "jurisdiction", "z" * 200 + "… (1,500 characters)",
                      "entry is 1,500 characters long; names longer than 500 are refused"),
    ]  # fmt: skip


def test_a_name_the_resolver_refuses_is_quarantined_and_the_entries_after_it_still_load(tmp_path):
    refused = "Refused " + "r" * 250  # 258 characters: under the 500 limit, cut to 200 when shown
    entries = [Entry(refused, None, "city", 2), Entry("Denver", None, "city", 3)]
    parsed = _parse(tmp_path, entries, StubResolver(refused=[refused]))
    assert parsed.quarantine == [
        QuarantineRow("list.csv", 2, "jurisdiction", refused[:200] + "… (258 characters)",
                      f"the stub refuses '{refused}'"),
    ]  # fmt: skip
    assert [(m["as_printed"], m["resolution_status"], m["row_number"]) for m in _members(parsed)] == [
        ("Denver", "unresolved", 3)
    ]  # fmt: skip


# -- parse_list on the real April 2017 letters ------------------------------------------------------------------

CHICAGO = Candidate("1714000", "Chicago", "place", "IL", 0.97, "exact name")
CALIFORNIA = Candidate("06", "California", "state", "CA", 1.0, "exact name")
COOK = Candidate("17031", "Cook County", "county", "IL", 0.61, "name without its state")


def _april_2017(tmp_path):
    flag_table.cache_clear()  # read lists_flags.csv in this test, not whatever an earlier test left cached
    path = real_file(LETTERS_APRIL_2017)
    release = ReleaseFiles("2017-04-21", (LocatedFile(path.name, path, None, 0, None),), "mirror")
    resolver = StubResolver(accepted=[CHICAGO, CALIFORNIA], review=[COOK])
    return parse_list(release, ParseContext(resolver=resolver), doj_letters_2017_2018.INFO), resolver


def test_the_april_2017_letters_give_nine_members_with_the_resolvers_answers(tmp_path):
    parsed, resolver = _april_2017(tmp_path)
    assert list(parsed.tables) == ["list_membership"]
    assert list(parsed.upserts) == ["designation_list", "list_entry_flag"]
    assert parsed.quarantine == []
    members = _members(parsed)
    assert [(m["as_printed"], m["state_as_printed"], m["category"], m["geoid"], m["level"], m["confidence"],
             m["resolution_status"], m["page_order"], m["row_number"]) for m in members] == [
        ("California", None, "state", "06", "state", 1.0, "accepted", 1, 2),
        ("Chicago", None, "city", "1714000", "place", 0.97, "accepted", 2, 3),
        ("New Orleans", None, "city", None, None, None, "unresolved", 3, 4),
        ("New York", None, "city", None, None, None, "unresolved", 4, 5),
        ("Philadelphia", None, "city", None, None, None, "unresolved", 5, 6),
        ("Clark County", "Nev.", "county", None, None, None, "unresolved", 6, 7),
        ("Cook County", "Ill.", "county", None, None, 0.61, "needs_review", 7, 8),  # a candidate, not accepted
        ("Miami-Dade County", "Fla.", "county", None, None, None, "unresolved", 8, 9),
        ("Milwaukee County", "Wis.", "county", None, None, None, "unresolved", 9, 10),
    ]  # fmt: skip
    assert {(m["edition"], m["edition_date"], m["edition_stands_alone"], m["file_name"]) for m in members} == {
        ("2017-04-21", date(2017, 4, 21), True, "doj_1373_letters_2017-04-21.csv")
    }  # fmt: skip
    # the flags' states (lists_flags.csv) reach the resolver; printed states are read through their spellings
    assert resolver.calls[:3] == [("California", None, "state"), ("Chicago", "IL", "place"),
                                  ("New Orleans", "LA", "place")]  # fmt: skip
    assert resolver.calls[6] == ("Cook County", "IL", "county")


def test_the_april_2017_letters_store_the_list_record_and_five_flags_with_what_they_resolve_as(tmp_path):
    parsed, _ = _april_2017(tmp_path)
    info = doj_letters_2017_2018.INFO
    assert parsed.upserts["designation_list"].to_pylist() == [{
        "list_id": "doj_1373_letters", "title": "Received DOJ's 8 U.S.C. 1373 letter", "publisher": info.publisher,
        "kind": "official", "url": "https://www.justice.gov/opa", "description": info.description,
    }]  # fmt: skip
    flags = parsed.upserts["list_entry_flag"].to_pylist()
    base = {"list_id": "doj_1373_letters", "edition": "2017-04-21", "state_as_printed": None,
            "file_name": "doj_1373_letters_2017-04-21.csv"}  # fmt: skip
    assert [{k: v for k, v in f.items() if k != "reason"} for f in flags] == [
        {**base, "as_printed": "California", "flag": "addressee_conflict", "resolved_as": None, "row_number": 2},
        {**base, "as_printed": "Chicago", "flag": "state_not_printed", "resolved_as": "Chicago, IL (place)",
         "row_number": 3},
        {**base, "as_printed": "New Orleans", "flag": "state_not_printed", "resolved_as": "New Orleans, LA (place)",
         "row_number": 4},
        {**base, "as_printed": "New York", "flag": "state_not_printed", "resolved_as": "New York, NY (place)",
         "row_number": 5},
        {**base, "as_printed": "Philadelphia", "flag": "state_not_printed",
         "resolved_as": "Philadelphia, PA (place)", "row_number": 6},
    ]  # fmt: skip
    assert flags[0]["reason"].startswith("The stored primary letter is addressed to the California Board")
    assert flags[1]["reason"].startswith("USA Today prints 'the cities of Chicago, New Orleans, New York")


def test_the_membership_table_keeps_its_column_types(tmp_path):
    parsed, _ = _april_2017(tmp_path)
    schema = parsed.tables["list_membership"].schema
    assert [(f.name, str(f.type)) for f in schema] == [
        ("list_id", "string"), ("edition", "string"), ("edition_date", "date32[day]"),
        ("withdrawn_date", "date32[day]"), ("as_printed", "string"), ("state_as_printed", "string"),
        ("category", "string"), ("geoid", "string"), ("level", "string"), ("confidence", "double"),
        ("resolution_status", "string"), ("page_order", "int32"), ("source_address", "string"), ("note", "string"),
        ("edition_stands_alone", "bool"), ("file_name", "string"), ("row_number", "int64"),
    ]  # fmt: skip


# -- parse_list on hand-written entries -------------------------------------------------------------------------


def test_an_entry_without_a_position_in_an_ordered_transcription_is_flagged_beside_its_publisher_flag(tmp_path):
    flag_table.cache_clear()
    entries = [Entry("California", None, "state", 2, 1), Entry("Chicago", None, "city", 3, None)]
    parsed = _parse(tmp_path, entries, info=doj_letters_2017_2018.INFO, version="2017-04-21")
    flags = [(f["as_printed"], f["flag"], f["reason"] if f["flag"] == "position_unknown" else "", f["resolved_as"])
             for f in parsed.upserts["list_entry_flag"].to_pylist()]  # fmt: skip
    assert flags == [
        ("California", "addressee_conflict", "", None),
        ("Chicago", "state_not_printed", "", "Chicago, IL (place)"),
        ("Chicago", "position_unknown", POSITION_UNKNOWN, None),  # it changes nothing the resolver is asked
    ]


def test_a_list_without_positions_has_no_flags(tmp_path):
    parsed = _parse(tmp_path, [Entry("Denver", "CO", "city", 2), Entry("Boston", "MA", "city", 3)])
    assert parsed.upserts["list_entry_flag"].num_rows == 0
    assert [m["page_order"] for m in _members(parsed)] == [None, None]


def test_an_entry_printed_with_its_state_is_resolved_in_that_state_and_kept_as_printed(tmp_path):
    resolver = StubResolver()
    parsed = _parse(tmp_path, [Entry("Newark, NJ", None, "city", 2), Entry("Newark (Delaware)", None, "city", 3)],
                    resolver)  # fmt: skip
    assert [(m["as_printed"], m["state_as_printed"]) for m in _members(parsed)] == [
        ("Newark, NJ", "NJ"), ("Newark (Delaware)", "Delaware")
    ]  # fmt: skip
    assert resolver.calls == [("Newark", "NJ", "place"), ("Newark", "DE", "place")]
    assert _split_state(Entry("Newark, NJ", None, None, 1)) == ("Newark", "NJ")


def test_a_borough_is_a_county_in_alaska_only(tmp_path):
    entries = [Entry("Ketchikan Gateway Borough", "AK", None, 2), Entry("Princeton Borough", "NJ", None, 3)]
    resolver = StubResolver()
    parsed = _parse(tmp_path, entries, resolver)
    assert [m["category"] for m in _members(parsed)] == ["county", "city"]
    assert [c[2] for c in resolver.calls] == ["county", "place"]


def test_a_flag_resolving_at_any_level_says_so(tmp_path):
    # lists_flags.csv: Middlesex (New Jersey, 15 Nov 2017) is a county and a borough: resolved at no level
    flag_table.cache_clear()
    resolver = StubResolver()
    parsed = _parse(tmp_path, [Entry("Middlesex", "New Jersey", None, 14, 13)], resolver,
                    info=doj_letters_2017_2018.INFO, version="2017-11-15")  # fmt: skip
    [flag] = parsed.upserts["list_entry_flag"].to_pylist()
    assert (flag["flag"], flag["resolved_as"]) == ("ambiguous_name", "Middlesex (any level)")
    assert resolver.calls == [("Middlesex", "NJ", None)]


def test_a_version_that_is_not_a_date_takes_the_lists_default_edition_date(tmp_path):
    parsed = _parse(tmp_path, [Entry("Denver", "CO", "city", 2)], version="summer-2025")
    [member] = _members(parsed)
    assert (member["edition"], member["edition_date"]) == ("summer-2025", date(2025, 1, 2))


def test_progress_counts_every_entry_from_one(tmp_path):
    seen = []
    entries = [Entry("Denver", "CO", "city", 2), Entry("", None, None, 3), Entry("Boston", "MA", "city", 4)]
    _parse(tmp_path, entries, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_parse_list_refuses_no_entries_and_a_missing_resolver_in_words(tmp_path):
    with pytest.raises(SourceFormatError) as err:
        _parse(tmp_path, [])
    assert str(err.value) == "list.csv: no list entries found"
    release = _release(tmp_path)
    with pytest.raises(ValueError) as err:
        parse_list(release, ParseContext(), INFO, [Entry("Denver", "CO", "city", 2)])
    assert str(err.value) == "parse_list needs ctx.resolver (build it from the store's registry)"


def test_a_redaction_applies_to_its_own_file_only():
    note = "addressed to Kathleen Howard, Executive Director, California Board"
    redacted = "addressed to the Executive Director of the California Board"
    assert redact("doj_1373_letters_2017-04-21.csv", note) == redacted
    assert redact("doj_1373_letters_2017-11-15.csv", note) == note
    assert redact("doj_1373_letters_2017-04-21.csv", None) is None
