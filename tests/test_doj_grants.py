"""DOJ grant awards (OJP award CSV) and BJS JAG allocation tables through the real ingest pipeline."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures.make_bad_files import make_bad_files
from fixtures.sources_fixture import write_jag_allocations, write_ojp_awards

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import doj_grants
from sanctuarywatch.sources.base import Finder, ParseContext

OJP, JAG = "ojp_awards_2025-09-30.csv", "FY2024_JAG_Allocations.xlsx"


def _ingest(con, resolver, mirror: Path):
    return ingest_source(
        con, doj_grants, Finder(mirror, mirror / "_cache", offline=True), ParseContext(resolver=resolver)
    )


def _counts(con) -> tuple[int, int, int]:
    return con.execute(
        "SELECT (SELECT count(*) FROM grant_award), (SELECT count(*) FROM release WHERE source_id = 'doj_grants'),"
        " (SELECT count(*) FROM quarantine)"
    ).fetchone()


@pytest.fixture
def mirror(tmp_path) -> Path:
    write_ojp_awards(tmp_path / "mirror" / OJP)
    write_jag_allocations(tmp_path / "mirror" / JAG, 2024)
    return tmp_path / "mirror"


def test_awards_and_allocations_load(con, resolver, mirror):
    results = _ingest(con, resolver, mirror)
    assert [(r.version, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("2024-10-01 JAG allocations", 23, 1),
        ("2025-09-30", 200, 3),
    ]
    per_year = con.execute(
        "SELECT min(fiscal_year), max(fiscal_year), count(DISTINCT fiscal_year) FROM grant_award WHERE file_name = ?",
        [OJP],
    ).fetchone()
    assert per_year == (2016, 2025, 10)
    programs = dict(con.execute("SELECT program, count(*) FROM grant_award GROUP BY 1").fetchall())
    assert programs == {"byrne_jag": 130 + 23, "scaap": 60, "cops_hiring": 10}
    titles = dict(
        con.execute("SELECT DISTINCT program, program_title FROM grant_award WHERE file_name = ?", [OJP]).fetchall()
    )
    assert titles["scaap"] == "State Criminal Alien Assistance Program"
    assert con.execute("SELECT count(*) FROM grant_award WHERE is_pass_through").fetchone()[0] == 20
    primes = {r[0] for r in con.execute("SELECT prime_recipient FROM grant_award WHERE is_pass_through").fetchall()}
    assert primes == {
        "New York State Division of Criminal Justice Services",
        "Illinois Criminal Justice Information Authority",
    }
    amount, joint = con.execute(
        "SELECT amount, joint_amount FROM grant_award WHERE recipient_name = 'Chicago City' AND fiscal_year = 2024"
    ).fetchone()
    assert (amount, joint) == (Decimal("2147020.00"), Decimal("2581115.00"))
    assert con.execute("SELECT typeof(amount) FROM grant_award LIMIT 1").fetchone()[0] == "DECIMAL(18,2)"
    total = con.execute("SELECT sum(amount) FROM grant_award WHERE recipient_name = 'Texas'").fetchone()[0]
    assert total == Decimal("8431209.00")


def test_recipients_resolve(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    status = dict(con.execute("SELECT resolution_status, count(*) FROM grant_award GROUP BY 1").fetchall())
    rate = status["accepted"] / sum(status.values())
    print(f"grants resolution: {status} accepted rate {rate:.1%}")
    # Town of Cicero (10 years) and Cicero Town (JAG table) were unresolved on the old curated place list; the
    # 2025 Gazetteer has Cicero town, IL (1714351), so every recipient now resolves.
    assert status == {"accepted": 223}
    geoids = dict(con.execute("SELECT DISTINCT recipient_name, geoid FROM grant_award").fetchall())
    assert geoids["County of Westchester"] == "36119"
    assert geoids["Westchester County"] == "36119"
    assert geoids["Cook County Board of Commissioners"] == "17031"
    assert geoids["County of Cook"] == "17031"
    assert geoids["City of Chicago"] == "1714000"
    assert geoids["City and County of San Francisco"] == "06075"
    assert geoids["San Francisco City and County"] == "06075"
    assert geoids["County of Santa Clara"] == "06085"
    assert geoids["State of California"] == "06"
    assert geoids["California Department of Corrections and Rehabilitation"] == "06"
    assert geoids["Illinois Criminal Justice Information Authority"] == "17"
    assert geoids["Texas Office of the Governor"] == "48"
    assert geoids["Town of Cicero"] == "1714351"


def test_bad_rows_quarantined_with_field_and_reason(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    rows = con.execute("SELECT file_name, row_number, field, value, reason FROM quarantine ORDER BY 1, 2").fetchall()
    assert rows == [
        (JAG, 23, "Eligible Individual Allocation", "TBD", "not an amount: 'TBD'"),
        (OJP, 102, "award_amount", "$12,3O0.00", "not an amount: '$12,3O0.00'"),
        (OJP, 103, "fiscal_year", "FY20X9", "not a fiscal year: 'FY20X9'"),
        (OJP, 104, "award_amount", "-5000.00", "negative amount (a de-obligation, not an award)"),
    ]


def test_reingest_is_idempotent(con, resolver, mirror):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    assert {r.status for r in _ingest(con, resolver, mirror)} == {"unchanged"}
    assert _counts(con) == before


@pytest.mark.parametrize("kind", ["encoding", "truncated", "empty", "missing_column"])
def test_wrong_shape_is_refused(con, resolver, mirror, tmp_path, kind):
    _ingest(con, resolver, mirror)
    before = _counts(con)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    made = make_bad_files(tmp_path / "made")
    if kind in ("encoding", "truncated"):
        bad = made[f"doj_grants_{kind}"]
        shutil.copy(bad, bad_dir / bad.name)
        name = bad.name
    elif kind == "empty":
        name = "ojp_awards_2025-10-01.csv"
        (bad_dir / name).write_bytes(b"")
    else:
        name = "ojp_awards_2025-10-01.csv"
        text = (mirror / OJP).read_text(encoding="utf-8").replace("award_amount", "obligation")
        (bad_dir / name).write_text(text, encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        _ingest(con, resolver, bad_dir)
    print(f"{kind}: {err.value}")
    assert err.value.file == name and name in str(err.value)
    assert _counts(con) == before
