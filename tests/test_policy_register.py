"""The policy register on the real registry and the real detainer records: every row cited twice with valid
dates and known terms; ``--as-of`` answers change across an amendment (Illinois TRUST Act -> Way Forward Act);
the map measure; Philadelphia's declines before and after April 2014 from the real PA records; bad rows are
quarantined with file, row and field."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctuarywatch.analysis import policies as P
from sanctuarywatch.analysis.profile import jurisdiction_profile
from sanctuarywatch.cli import app
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import policy_register
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver

DATA = Path(policy_register.__file__).parent / "data"
STATE = DATA / "policies_state.csv"
VOCAB = {r["term"]: r["direction"] for r in csv.DictReader((DATA / "policy_vocabulary.csv").open(encoding="utf-8"))}
COOK, PHILADELPHIA, TEXAS, ILLINOIS = "17031", "42101", "48", "17"


def _ingest(store: Path, mirror: Path | None = None):
    con = connect(store)
    finder = Finder(mirror or store.parent / "no-mirror", store.parent / "cache", offline=True)
    [result] = ingest_source(con, policy_register, finder, ParseContext(resolver=build_resolver(con)))
    return con, result


@pytest.fixture(scope="module")
def reg_store(registry_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "store.duckdb"
    shutil.copy(registry_template, path)
    con, result = _ingest(path)
    assert result.status == "loaded", result
    quarantined = con.execute("SELECT file_name, row_number, field, reason FROM quarantine").fetchall()
    assert quarantined == [], quarantined
    con.close()
    return path


@pytest.fixture
def rcon(reg_store):
    con = connect(reg_store, read_only=True)
    yield con
    con.close()


def _state_rows() -> list[dict[str, str]]:
    with STATE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_state_row_has_two_sources_valid_dates_and_known_terms():
    rows = _state_rows()
    assert len(rows) == 43
    for r in rows:
        first, second = r["official_url"], r["second_url"]
        assert first.startswith("http") and second.startswith("http") and first != second, r["policy_id"]
        assert "?q=" not in first + second and r["second_source"], r["policy_id"]
        enacted, effective = date.fromisoformat(r["enacted_date"]), date.fromisoformat(r["effective_date"])
        assert date(1980, 1, 1) < enacted <= date(2026, 12, 31) and effective >= date(1980, 1, 1), r["policy_id"]
        if r["ended_date"]:
            assert date.fromisoformat(r["ended_date"]) > effective, r["policy_id"]
        assert r["geoid"] == r["geoid"][:2] and len(r["geoid"]) == 2 and r["level"] == "state", r["policy_id"]
        terms = [t for t in r["effects"].split(";") if t]
        assert terms and all(t in VOCAB for t in terms), r["policy_id"]
    directions = {VOCAB[t] for r in rows for t in r["effects"].split(";")}
    assert directions == {"limits", "mandates"}  # both directions are covered


def test_loaded_counts_match_both_files(rcon):
    local = sum(1 for _ in csv.DictReader((DATA / "policies_local.csv").open(encoding="utf-8")))
    loaded = dict(rcon.execute("SELECT file_name, count(*) FROM policy_instrument GROUP BY 1").fetchall())
    assert loaded["policies_state.csv"] == 43
    assert loaded.get("policies_local.csv", 0) == local
    effects = rcon.execute(
        "SELECT count(*) FROM policy_effect e JOIN policy_instrument p USING (policy_id) WHERE p.file_name = ?",
        ["policies_state.csv"],
    ).fetchone()[0]
    assert effects == sum(len(r["effects"].split(";")) for r in _state_rows()) == 101
    assert rcon.execute("SELECT count(*) FROM policy_term").fetchone()[0] == len(VOCAB) == 15


def test_as_of_changes_the_answer_across_the_illinois_amendment(rcon):
    before = P.policies_in_force(rcon, date(2020, 1, 1), state="IL", level="state")
    after = P.policies_in_force(rcon, date(2022, 1, 1), state="IL", level="state")
    assert [(r["policy_id"], r["effects"]) for r in before] == [
        ("il-trust-act-2017", ["detainer_holds_limited"]),
        ("il-private-detention-moratorium-2019", ["detention_contracts_limited"]),
    ]
    assert [(r["policy_id"], r["effects"]) for r in after] == [
        # 730 ILCS 141 (2019) is a separate act, not amended by the Way Forward Act
        ("il-private-detention-moratorium-2019", ["detention_contracts_limited"]),
        ("il-way-forward-2021", ["detainer_holds_limited", "detention_contracts_limited", "status_inquiries_limited"]),
    ]
    # the day the amendment takes effect, the amended row is no longer in force
    on_the_day = P.policies_in_force(rcon, date(2021, 8, 2), state="IL", level="state")
    assert [r["policy_id"] for r in on_the_day] == ["il-private-detention-moratorium-2019", "il-way-forward-2021"]
    assert P.policies_in_force(rcon, date(2017, 8, 27), state="IL", level="state") == []


def test_as_of_follows_north_carolina_hb_318_and_the_utah_injunction(rcon):
    def in_force(day, state):
        return [(r["policy_id"], r["effects"]) for r in P.policies_in_force(rcon, day, state=state, level="state")]

    # S.L. 2025-85 (HB 318) amends HB 10's detainer law from 2025-10-01 and adds status inquiries
    assert in_force(date(2025, 9, 30), "NC") == [("nc-hb10-2024", ["detainer_compliance_required"])]
    assert in_force(date(2025, 10, 1), "NC") == [
        ("nc-hb318-2025", ["detainer_compliance_required", "status_inquiries_required"])
    ]
    # Utah H.B. 497 until the 2014 partial injunction, then what the court left in force
    assert [p for p, _ in in_force(date(2012, 1, 1), "UT")] == ["ut-hb497-2011"]
    assert in_force(date(2014, 6, 18), "UT") == [
        ("ut-la-raza-v-herbert-2014", ["sanctuary_policies_banned", "status_inquiries_required"])
    ]
    assert in_force(date(2011, 5, 9), "UT") == []


def test_new_hampshire_2025_laws_start_with_2026_and_california_values_act_with_2018(rcon):
    def in_force(day, state):
        return {r["policy_id"]: r["effects"] for r in P.policies_in_force(rcon, day, state=state, level="state")}

    # HB 511 and SB 62 were signed 2025-05-22 but take effect 2026-01-01
    assert in_force(date(2025, 12, 31), "NH") == {}
    assert in_force(date(2026, 1, 1), "NH") == {
        "nh-hb511-2025": [
            "detainer_compliance_required", "information_sharing_required", "sanctuary_policies_banned",
            "status_inquiries_limited",
        ],
        "nh-sb62-2025": ["sanctuary_policies_banned"],
    }  # fmt: skip
    # SB 54 (signed 2017-10-05) joins the 2013 TRUST Act and the 2016 TRUTH Act on 2018-01-01
    assert "ca-sb54-2017" not in in_force(date(2017, 12, 31), "CA")
    assert in_force(date(2018, 1, 1), "CA")["ca-sb54-2017"] == [
        "287g_barred", "detainer_holds_limited", "enforcement_resources_limited", "information_sharing_limited",
        "release_notification_limited", "status_inquiries_limited",
    ]  # fmt: skip


def test_florida_sb_1808_amends_chapter_908_and_adds_287g(rcon):
    def in_force(day):
        return {r["policy_id"]: r["effects"] for r in P.policies_in_force(rcon, day, state="FL", level="state")}

    sb168 = ["cooperation_required", "detainer_compliance_required", "information_sharing_required",
             "sanctuary_policies_banned"]  # fmt: skip
    assert in_force(date(2022, 6, 16)) == {"fl-sb168-2019": sb168}
    # Ch. 2022-193 took effect 2022-06-17 and replaces the 2019 row with the full amended set
    assert in_force(date(2022, 6, 17)) == {"fl-sb1808-2022": sorted([*sb168, "287g_required"])}


def test_as_of_on_the_cli(reg_store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    old = runner.invoke(app, ["policies", "--as-of", "2020-01-01", "--state", "IL", "--level", "state",
                              "--db", str(reg_store)])  # fmt: skip
    new = runner.invoke(app, ["policies", "--as-of", "2022-01-01", "--state", "IL", "--level", "state",
                              "--db", str(reg_store)])  # fmt: skip
    assert old.exit_code == new.exit_code == 0, old.output + new.output
    assert "Illinois TRUST Act" in old.output and "Way Forward" not in old.output
    assert "Way Forward" in new.output and "2 instrument(s) in force on 2022-01-01" in new.output


def test_texas_profile_shows_mandates_with_dates_and_sources(rcon):
    p = jurisdiction_profile(rcon, TEXAS, date(2026, 6, 1))
    reg = {x["policy_id"]: x for x in p["policies"] if x.get("source") == "policy_register"}
    assert set(reg) == {"tx-sb4-2017", "tx-sb8-2025"}
    assert reg["tx-sb8-2025"]["effective_date"] == date(2026, 1, 1) and reg["tx-sb8-2025"]["effects"] == [
        "287g_required"
    ]
    assert reg["tx-sb4-2017"]["official_url"].startswith("http://www.legis.state.tx.us/")
    assert "texastribune.org" in reg["tx-sb4-2017"]["second_url"]
    # before SB 8 took effect it is not shown
    earlier = jurisdiction_profile(rcon, TEXAS, date(2025, 12, 31))
    assert "tx-sb8-2025" not in {x.get("policy_id") for x in earlier["policies"]}


def test_a_county_profile_shows_its_state_law_as_state_law(rcon):
    p = jurisdiction_profile(rcon, COOK, date(2025, 1, 1))
    state_rows = {x["policy_id"]: x for x in p["policies"] if x.get("level") == "state"}
    assert set(state_rows) == {"il-trust-act-2017", "il-way-forward-2021", "il-private-detention-moratorium-2019"}
    assert state_rows["il-private-detention-moratorium-2019"]["in_force"]
    assert state_rows["il-trust-act-2017"]["in_force"] is False and state_rows["il-way-forward-2021"]["in_force"]
    assert all(x["binds_as"] == "state law" for x in state_rows.values())


def test_map_measure_counts_state_law_in_every_county(rcon):
    measure = P.policy_map_measure(rcon, date(2022, 1, 1))
    texas_counties = rcon.execute("SELECT count(*) FROM jurisdiction WHERE level='county' AND state_fips='48'")
    tx = [g for g in measure if g.startswith("48")]
    assert len(tx) == texas_counties.fetchone()[0] == 254
    assert measure["48201"]["sanctuary_policies_banned"] == 1  # Harris County, TX: SB 4
    assert "287g_required" not in measure["48201"]  # SB 8 is in force only from 2026-01-01
    assert P.policy_map_measure(rcon, date(2026, 1, 1))["48201"]["287g_required"] == 1


def test_not_loaded_is_none_not_empty(con):
    assert P.policies_in_force(con, date(2022, 1, 1)) is None
    assert P.policy_map_measure(con, date(2022, 1, 1)) is None
    assert P.disputes_for(con) is None


def test_philadelphia_declines_before_and_after_april_2014_from_the_real_records(real_con):
    change = P.declines_before_after(real_con, PHILADELPHIA, date(2014, 4, 16), months=12)
    assert change["before"]["detainers"] == 473 and change["before"]["declined"] == 27
    assert change["after"]["detainers"] == 310 and change["after"]["declined"] == 142
    assert change["before"]["first_month"] == date(2013, 4, 1) and change["after"]["last_month"] == date(2015, 3, 1)
    # outside the PA records' period there is nothing to compare (not covered is not zero)
    assert P.declines_before_after(real_con, PHILADELPHIA, date(2019, 1, 1)) is None


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=policy_register.POLICY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_bad_rows_are_quarantined_with_file_row_and_field(registry_template, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in policy_register.FILES:
        shutil.copy(policy_register.packaged_path(name), mirror / name)
    good = _state_rows()[0]
    bad = [
        {**good, "policy_id": "x-no-second", "second_url": ""},
        {**good, "policy_id": "x-bad-term", "effects": "detainer_holds_limited;made_up_term"},
        {**good, "policy_id": "x-bad-date", "effective_date": "2017-13-01"},
        {**good, "policy_id": "x-bad-geoid", "geoid": "99"},
        {**good, "policy_id": "x-search", "second_url": "https://www.google.com/search?q=sb4"},
        {**good, "policy_id": "x-chain", "change": "amended", "amends": "tx-sb4-2017"},  # TX SB 4 has no end
    ]
    _write(mirror / "policies_state.csv", _state_rows() + bad)
    store = tmp_path / "store.duckdb"
    shutil.copy(registry_template, store)
    con, result = _ingest(store, mirror)
    got = con.execute("SELECT row_number, field, value FROM quarantine ORDER BY row_number").fetchall()
    first = len(_state_rows()) + 2  # header is row 1; the bad rows follow the real ones
    assert first == 45
    assert [(n, f) for n, f, _ in got] == [
        (first, "second_url"), (first + 1, "effects"), (first + 2, "effective_date"), (first + 3, "geoid"),
        (first + 4, "second_url"), (first + 5, "amends")
    ]  # fmt: skip
    assert result.rows_quarantined == 6
    assert con.execute("SELECT count(*) FROM policy_instrument WHERE policy_id LIKE 'x-%'").fetchone()[0] == 0
