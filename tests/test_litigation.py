"""Litigation modelled by condition, on the real registry: which order reached which grant condition, executive-order
section or directive, for which plaintiffs, from and to. Each test is a correction of issue 9 (the old table said
'not enjoined' for Seattle and Boston, cited the 2017 section 9(a) orders as enjoining the FY2017 JAG conditions,
and counted Philadelphia's 2017 injunction as reaching every condition)."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctuarywatch.analysis.litigation import cases, cases_covering, coverage
from sanctuarywatch.cli import app
from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import litigation
from sanctuarywatch.sources.base import Finder, ParseContext, ReleaseFiles, locate_file
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver

DATA = Path(litigation.__file__).parent / "data"
SEATTLE, BOSTON, CHICAGO, COOK, EVANSTON = "5363000", "2507000", "1714000", "17031", "1724582"
SANTA_CLARA, SF_COUNTY, SF_PLACE, PHILADELPHIA, DENVER = "06085", "06075", "0667000", "42101", "08031"


@pytest.fixture(scope="module")
def lit_store(registry_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("litigation") / "store.duckdb"
    shutil.copy(registry_template, path)
    con = connect(path)
    finder = Finder(path.parent / "no-mirror", path.parent / "cache", offline=True)
    [result] = ingest_source(con, litigation, finder, ParseContext(resolver=build_resolver(con)))
    assert result.status == "loaded" and result.rows_quarantined == 0, result
    con.close()
    return path


@pytest.fixture
def lcon(lit_store):
    con = connect(lit_store, read_only=True)
    yield con
    con.close()


def _enjoined_by(con, geoid: str, on: date, condition: str, program: str = "byrne_jag") -> list[str]:
    answer = coverage(con, geoid, program, on).condition(condition)
    return [o["order_id"] for o in answer["orders"]] if answer["enjoined"] else []


def test_packaged_table_counts_and_every_plaintiff_resolves(lcon):
    counts = {
        t: lcon.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("litigation_case", "litigation_order", "litigation_condition", "litigation_order_condition")
    }
    assert counts == {
        "litigation_case": 12,
        "litigation_order": 24,
        "litigation_condition": 8,
        "litigation_order_condition": 52,
    }
    parties = lcon.execute("SELECT role, count(*), count(geoid) FROM litigation_party GROUP BY role ORDER BY role")
    assert parties.fetchall() == [("association", 1, 0), ("member_class", 1, 0), ("plaintiff", 39, 39)]


def test_every_row_has_two_distinct_non_search_citations():
    for name in (litigation.CASES, litigation.ORDERS, litigation.CONDITIONS, litigation.PARTIES):
        for row in csv.DictReader((DATA / name).open(encoding="utf-8")):
            first, second = row["source_url"], row["second_source_url"]
            assert first.startswith("http") and second.startswith("http") and first != second, (name, row)
            assert "?q=" not in first + second, (name, row)


def test_sf_2025_injunction_reaches_the_sixteen_first_plaintiffs(lcon):
    on = date(2025, 5, 1)
    assert _enjoined_by(lcon, SEATTLE, on, "eo14159_s17") == ["sf-pi-2025"]
    assert _enjoined_by(lcon, SEATTLE, on, "ag_directive_2025_02_05") == ["sf-pi-2025"]
    assert _enjoined_by(lcon, SEATTLE, on, "eo14287") == []  # the clarification came on 9 May
    assert _enjoined_by(lcon, SEATTLE, date(2025, 5, 9), "eo14287") == ["sf-pi-2025-clarified"]
    first = lcon.execute(
        "SELECT count(*) FROM litigation_party WHERE case_id = 'san-francisco-v-trump-2025' "
        "AND plaintiff_group = 'first_amended_complaint'"
    ).fetchone()[0]
    assert first == 16
    for geoid in ("0666000", "0664000", "0669112", "0622594", "06053"):  # San Diego ... Monterey County
        assert _enjoined_by(lcon, geoid, on, "eo14159_s17") == ["sf-pi-2025"], geoid


def test_boston_is_enjoined_from_the_22_august_2025_extension_not_before(lcon):
    assert _enjoined_by(lcon, BOSTON, date(2025, 9, 1), "eo14159_s17") == ["sf-pi-2025-extended"]
    assert _enjoined_by(lcon, BOSTON, date(2025, 8, 22), "eo14287") == ["sf-pi-2025-extended"]  # on its start date
    assert not coverage(lcon, BOSTON, "byrne_jag", date(2025, 8, 21)).enjoined
    # the April injunction reaches the complaint that named its plaintiffs, not the ones added later
    assert _enjoined_by(lcon, DENVER, date(2025, 5, 1), "eo14159_s17") == []
    assert "sf-pi-2025" not in _enjoined_by(lcon, CHICAGO, date(2025, 9, 1), "eo14159_s17")


def test_santa_clara_2017_orders_reach_eo_13768_s9a_not_the_fy2017_jag_conditions(lcon):
    on = date(2017, 12, 1)
    assert _enjoined_by(lcon, SANTA_CLARA, on, "eo13768_s9a") == ["santa-clara-permanent-2017", "sf-permanent-2017"]
    notice = _enjoined_by(lcon, SANTA_CLARA, on, "notice")
    assert not any(o.startswith(("santa-clara", "sf-")) for o in notice)
    assert notice == ["chicago-pi-2017"]  # Chicago's nationwide injunction, not Santa Clara's
    assert _enjoined_by(lcon, SANTA_CLARA, on, "section_1373_certification") == []


def test_relief_tied_to_eo_13768_ends_when_it_was_revoked(lcon):
    assert _enjoined_by(lcon, SF_PLACE, date(2021, 1, 19), "eo13768_s9a") == ["sf-9th-cir-2018"]
    answer = coverage(lcon, SF_COUNTY, "scaap", date(2021, 1, 20)).condition("eo13768_s9a")
    assert not answer["enjoined"] and not answer["exists_on_date"] and answer["ended_date"] == date(2021, 1, 20)


def test_chicago_nationwide_scope_in_force_on_its_start_not_on_its_end(lcon):
    assert _enjoined_by(lcon, COOK, date(2017, 9, 14), "notice") == []
    assert _enjoined_by(lcon, COOK, date(2017, 9, 15), "notice") == ["chicago-pi-2017"]
    assert _enjoined_by(lcon, COOK, date(2018, 6, 25), "access") == ["chicago-pi-2017"]
    assert _enjoined_by(lcon, COOK, date(2018, 6, 26), "access") == []
    assert _enjoined_by(lcon, CHICAGO, date(2018, 6, 26), "access") == ["chicago-pi-2017-chicago-only"]
    assert _enjoined_by(lcon, CHICAGO, date(2018, 7, 27), "notice") == ["chicago-permanent-2018"]
    assert _enjoined_by(lcon, CHICAGO, date(2017, 10, 1), "section_1373_certification") == []


def test_philadelphia_2017_injunction_reached_the_1373_certification_only(lcon):
    on = date(2017, 12, 1)
    assert _enjoined_by(lcon, PHILADELPHIA, on, "section_1373_certification") == ["philadelphia-pi-2017"]
    assert "philadelphia-pi-2017" not in _enjoined_by(lcon, PHILADELPHIA, on, "notice")
    # the June 2018 ruling is listed, but its decree is not confirmed: it enjoins nothing here
    assert _enjoined_by(lcon, PHILADELPHIA, date(2018, 9, 1), "notice") == []


def test_new_york_plaintiffs_and_the_second_circuit_reversal(lcon):
    states = lcon.execute(
        "SELECT list(party_name ORDER BY party_name) FROM litigation_party WHERE case_id = 'new-york-v-doj'"
    ).fetchone()[0]
    assert len(states) == 7 and "State of Rhode Island" in states and "City of New York" not in states
    nyc = lcon.execute("SELECT docket FROM litigation_case WHERE case_id = 'new-york-city-v-sessions'").fetchone()
    assert nyc == ("1:18-cv-06474",)
    assert _enjoined_by(lcon, "36", date(2020, 2, 25), "access") == ["new-york-sdny-2018"]
    assert _enjoined_by(lcon, "36", date(2020, 2, 26), "access") == []


def test_evanston_enjoined_and_the_conference_members_listed_not_applied(lcon):
    answer = coverage(lcon, EVANSTON, "byrne_jag", date(2018, 8, 10))
    assert {c["condition_id"] for c in answer.conditions if c["enjoined"]} == {
        "notice",
        "access",
        "section_1373_certification",
    }
    [members] = answer.member_classes
    assert members["order_id"] == "evanston-pi-2018-conference" and members["enjoins"] is False


def test_providence_los_angeles_and_sf_v_sessions_are_loaded(lcon):
    assert _enjoined_by(lcon, "4459000", date(2019, 6, 10), "notice") == ["providence-dri-2019"]
    assert _enjoined_by(lcon, "0644000", date(2019, 10, 31), "access") == ["los-angeles-9th-cir-2019"]
    assert _enjoined_by(lcon, "0644000", date(2019, 10, 30), "access") == []
    assert _enjoined_by(lcon, "06", date(2018, 10, 5), "section_1373_certification") == [
        "california-v-sessions-permanent-2018"
    ]


def test_cases_and_profile_contract(lcon):
    listed = {c["case_id"]: c for c in cases(lcon, date(2025, 12, 31))}
    assert len(listed) == 12
    extended = next(o for o in listed["san-francisco-v-trump-2025"]["orders"] if o["order_id"] == "sf-pi-2025-extended")
    assert extended["conditions"] == "ag_directive_2025_02_05;eo14159_s17;eo14218_s2a2;eo14287" and extended["in_force"]
    covering = {c["case_id"]: c for c in cases_covering(lcon, CHICAGO, date(2018, 1, 1))}
    assert covering["chicago-v-sessions"]["is_plaintiff"]
    assert not covering["santa-clara-v-trump"]["is_plaintiff"]  # nationwide section 9(a) relief reaches Chicago
    assert "san-francisco-v-trump-2025" not in covering


def _release(tmp_path: Path, edits: dict[str, str]) -> ReleaseFiles:
    for name in litigation.FILES:
        text = (DATA / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(edits.get(name, text), encoding="utf-8")
    return ReleaseFiles("test", tuple(locate_file(tmp_path / n) for n in litigation.FILES), "mirror")


def test_bad_rows_are_quarantined_with_file_row_and_field(tmp_path):
    orders = (DATA / "litigation_orders.csv").read_text(encoding="utf-8").splitlines()
    orders[1] = orders[1].replace("http://casetext.com/case/cnty-of-santa-clara-v-trump-3", "https://x.org/?q=case")
    orders.append(orders[-1].replace("sf-pi-2025-extended", "bad-group").replace("second_amended", "third_amended"))
    reached = (DATA / "litigation_order_conditions.csv").read_text(encoding="utf-8") + "sf-pi-2025,no_such,all,,\n"
    release = _release(
        tmp_path,
        {"litigation_orders.csv": "\n".join(orders) + "\n", "litigation_order_conditions.csv": reached},
    )
    parsed = litigation.parse(release, ParseContext())
    refused = {(q.file_name, q.row_number, q.field) for q in parsed.quarantine}
    assert refused == {
        ("litigation_orders.csv", 2, "second_source_url"),
        ("litigation_orders.csv", 26, "plaintiff_groups"),
        ("litigation_order_conditions.csv", 54, "condition_id"),
        ("litigation_order_conditions.csv", 2, "order_id"),  # the refused order's condition is refused with it
    }


def test_missing_column_is_a_format_error(tmp_path):
    text = (DATA / "litigation_order_conditions.csv").read_text(encoding="utf-8").replace(",program,", ",prog,", 1)
    release = _release(tmp_path, {"litigation_order_conditions.csv": text})
    with pytest.raises(SourceFormatError, match="missing column"):
        litigation.parse(release, ParseContext())


def test_cli_coverage_answers_per_condition(lit_store, monkeypatch):
    monkeypatch.setenv("SANCTUARYWATCH_DB", str(lit_store))
    out = CliRunner().invoke(app, ["litigation", "coverage", SEATTLE, "--date", "2025-05-01", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert '"enjoined": true' in out.output and "sf-pi-2025" in out.output


def test_exposure_without_grant_awards_is_not_loaded_not_zero(lcon):
    from sanctuarywatch.analysis.exposure import grant_exposure

    result = grant_exposure(lcon, "doj_2025_jag_scaap", date(2025, 9, 1))
    assert result.totals["gross"] is None and result.totals["net"] is None and result.totals["grants"] == "not loaded"
    assert result.totals["awards"] is None  # no award table loaded: the count is unknown, not 0
    fy2017 = grant_exposure(lcon, "doj_fy2017_jag_conditions", date(2017, 10, 1))
    assert fy2017.designated == [] and fy2017.totals["designations"] == "not loaded"  # OIG table and DDOR absent
    assert result.coverage["litigation"]["status"] == "loaded" and result.coverage["grants"]["status"] == "not_loaded"
