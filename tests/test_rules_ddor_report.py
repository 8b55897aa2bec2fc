"""The declined-detainer report's own arithmetic (analysis/ddor_report.py), on rows written out by hand: the row-by-row
comparison of ICE's table with the rebuild from records, the jurisdiction count, the ranking, and the report's JSON
shape, including "not covered is not zero". Found by scripts/mutation_score.py (the comparison had no test that
called it in-process, and mutants renaming or emptying the report's keys survived)."""

from __future__ import annotations

from datetime import date

import pytest
from test_analysis import acon, analysis_store  # noqa: F401 - its store: DDOR issue 1 and 2024 detainer records

from sanctuarywatch.analysis.ddor_report import DeclinedDetainerReport, _differences, _top, declined_detainer_report
from sanctuarywatch.errors import InputError
from sanctuarywatch.store.db import connect

NOT_LOADED = (
    "Neither ICE's 2017 reports nor detainer records are loaded: the number of declined detainers is unknown, not zero."
)
REBUILT = (
    "Rebuilt from detainer records: declined = lift reason says the agency declined or did not honor the detainer; "
    "the prepare date stands in for the declined date."
)


def _row(state: str, geoid: str | None, issued: str, declined: str, country: str, name: str = "x") -> dict:
    return {
        "state_abbr": state,
        "geoid": geoid,
        "jurisdiction": name,
        "detainer_issued_date": date.fromisoformat(issued),
        "declined_date": date.fromisoformat(declined),
        "citizenship_country": country,
    }


def test_rows_are_matched_on_state_geoid_dates_and_citizenship_one_for_one():
    a = _row("NY", "36119", "2017-01-20", "2017-01-30", "Mexico", "Westchester County")
    b = _row("IL", "17031", "2017-01-21", "2017-01-31", "Poland", "Cook County")
    a_other_country = _row("NY", "36119", "2017-01-20", "2017-01-30", "Honduras")
    a_again = dict(a)
    # ICE printed a twice and b once; the records hold a once, b once and one Honduran detainer.
    found = _differences(published=[a, a_again, b], rebuilt=[b, a, a_other_country])
    assert found == {"only_in_ice_table": [a_again], "only_in_records": [a_other_country]}
    assert _differences([], []) == {"only_in_ice_table": [], "only_in_records": []}
    # A different declined date is a different row, though every other key matches.
    late = _row("IL", "17031", "2017-01-21", "2017-02-01", "Poland")
    assert _differences([b], [late]) == {"only_in_ice_table": [b], "only_in_records": [late]}


def test_the_ranking_counts_rows_per_jurisdiction_and_breaks_ties_by_state_then_name():
    rows = [_row("NY", "36119", "2017-01-20", "2017-01-30", "Mexico", "Westchester County")] * 6 + [
        _row("IL", "17031", "2017-01-21", "2017-01-31", "Poland", "Cook County"),
        _row("CA", None, "2017-01-21", "2017-01-31", "Mexico", "Unknown jail"),
        _row("CA", "06037", "2017-01-21", "2017-01-31", "Mexico", "Los Angeles County"),
    ]
    assert [(t["jurisdiction"], t["declined"]) for t in _top(rows, suppress=False)] == [
        ("Westchester County", 6), ("Los Angeles County", 1), ("Unknown jail", 1), ("Cook County", 1)
    ]  # fmt: skip
    assert [t["declined"] for t in _top(rows, suppress=True)] == [6, "<5", "<5", "<5"]
    assert [t["jurisdiction"] for t in _top(rows, suppress=False, limit=2)] == [
        "Westchester County",
        "Los Angeles County",
    ]
    counties = [_row("TX", f"48{n:03d}", "2017-01-21", "2017-01-31", "Mexico", f"County {n:02d}") for n in range(12)]
    assert [t["jurisdiction"] for t in _top(counties, suppress=False)] == [f"County {n:02d}" for n in range(10)]
    assert _top(rows, suppress=False)[0] == {
        "jurisdiction": "Westchester County", "state_abbr": "NY", "geoid": "36119", "declined": 6
    }  # fmt: skip


def _report(rows: list[dict], coverage: dict) -> DeclinedDetainerReport:
    return DeclinedDetainerReport(
        week_start=date(2017, 1, 28), week_end=date(2017, 2, 3), basis="ddor", rows=rows, policy_jurisdictions=[],
        top_jurisdictions=[], unresolved=[], coverage=coverage, audit={"status": "computed"}, notes=["n"],
    )  # fmt: skip


def test_the_report_as_json_counts_rows_and_distinct_jurisdictions():
    rows = [
        _row("NY", "36119", "2017-01-20", "2017-01-30", "Mexico", "Westchester County"),
        _row("NY", "36119", "2017-01-21", "2017-01-30", "Peru", "Westchester County"),
        _row("TX", None, "2017-01-21", "2017-01-31", "Mexico", "Travis Co Jail"),  # unresolved: counted by name
        _row("TX", None, "2017-01-22", "2017-01-31", "Mexico", "Bexar Co Jail"),
    ]
    out = _report(rows, {"status": "covered"}).to_dict()
    assert list(out) == [
        "week_start", "week_end", "basis", "declined_detainers", "jurisdictions", "coverage", "rows",
        "policy_jurisdictions", "top_jurisdictions", "unresolved", "differences", "notes", "audit", "published_figures",
    ]  # fmt: skip
    assert (out["week_start"], out["week_end"], out["basis"]) == (date(2017, 1, 28), date(2017, 2, 3), "ddor")
    assert (out["declined_detainers"], out["jurisdictions"]) == (4, 3)
    assert out["audit"] == {"status": "computed"} and out["notes"] == ["n"] and out["rows"] is rows


def test_a_week_not_covered_has_no_counts_not_zero():
    report = _report([], {"status": "not_loaded", "message": "not loaded"})
    assert not report.covered
    out = report.to_dict()
    assert (out["declined_detainers"], out["jurisdictions"], out["audit"]) == (None, None, None)
    assert _report([], {}).covered  # no coverage figure at all is read as covered


@pytest.fixture(scope="module")
def empty_con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("ddor_range") / "empty.duckdb")
    yield con
    con.close()


@pytest.mark.parametrize(
    ("week_end", "as_of", "shown"),
    [
        (None, None, date(2017, 2, 3)),  # the 7 days from Saturday 28 January 2017
        (date(2017, 1, 28), None, date(2017, 1, 28)),  # a one-day range is a range
        (date(2017, 2, 3), date(2017, 1, 30), date(2017, 1, 30)),  # only what had happened by the as-of date
        (date(2017, 2, 3), date(2017, 1, 1), date(2017, 1, 28)),  # an as-of date before the range: its first day
        (date(2017, 2, 3), date(2017, 3, 1), date(2017, 2, 3)),
    ],
)
def test_the_reports_range(empty_con, week_end, as_of, shown):
    report = declined_detainer_report(empty_con, date(2017, 1, 28), week_end, as_of=as_of)
    assert (report.week_start, report.week_end) == (date(2017, 1, 28), shown)
    assert report.coverage["status"] == "not_loaded" and report.audit is None
    assert report.notes == [NOT_LOADED, REBUILT]  # what is missing comes first


def test_a_range_ending_before_it_starts_is_refused(empty_con):
    with pytest.raises(InputError) as err:
        declined_detainer_report(empty_con, date(2017, 1, 28), date(2017, 1, 27))
    assert str(err.value) == "The range ends (2017-01-27) before it starts (2017-01-28)."


def test_the_notes_say_what_each_report_rests_on(acon):  # noqa: F811 - the fixture imported above
    ddor = declined_detainer_report(acon, date(2017, 1, 28))  # ICE's table; no detainer records that week
    assert (ddor.week_end, ddor.basis, ddor.coverage["status"], ddor.differences) == (
        date(2017, 2, 3), "ddor", "covered", None
    )  # fmt: skip
    assert ddor.notes == ["No detainer records for this week in the store: the row-by-row comparison is not possible."]
    assert ddor.audit is not None and ddor.audit["status"] == "not_computed"  # covered: the audit is asked
    assert ddor.published_figures == {
        "status": "not_loaded",
        "figures": [],
        "message": "The published figures register is not loaded: no published figure is shown.",
    }
    records = declined_detainer_report(acon, date(2024, 3, 4))
    assert (records.week_end, records.basis, records.coverage["status"]) == (
        date(2024, 3, 10), "detainer_records", "covered"
    )  # fmt: skip
    assert records.notes == [REBUILT] and records.differences is None
    assert records.audit is not None and records.audit["status"] == "not_computed"
