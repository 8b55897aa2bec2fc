"""The case list and the per-condition answer of analysis/litigation.py, against the packaged litigation table
(src/sanctuarywatch/sources/data/litigation_*.csv), read by eye: filing dates, the first order of a case filed on an
unconfirmed date, its plaintiffs and the relief in force on a given day. Found by scripts/mutation_score.py
(mutants that ignored the as-of date, or dropped a case's plaintiffs or its relief, survived the suite)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from sanctuarywatch.analysis.litigation import cases, coverage
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import litigation
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver

CHICAGO, COOK = "1714000", "17031"


@pytest.fixture(scope="module")
def lcon(registry_template, tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("rules_litigation") / "store.duckdb"
    shutil.copy(registry_template, path)
    con = connect(path)
    ingest_source(con, litigation, Finder(path.parent / "none", path.parent / "cache", offline=True),
                  ParseContext(resolver=build_resolver(con)))  # fmt: skip
    con.close()
    con = connect(path, read_only=True)
    yield con
    con.close()


def test_the_case_list_follows_the_as_of_date(lcon):
    # litigation_cases.csv: San Francisco filed 2017-01-31, Santa Clara 2017-02-03; no other case is dated or has
    # an order before then.
    assert [c["case_id"] for c in cases(lcon, date(2017, 1, 30))] == []
    assert [c["case_id"] for c in cases(lcon, date(2017, 1, 31))] == ["san-francisco-v-trump-2017"]
    assert [c["case_id"] for c in cases(lcon, date(2017, 2, 3))] == [
        "san-francisco-v-trump-2017",
        "santa-clara-v-trump",
    ]


def test_a_case_without_a_confirmed_filing_date_counts_from_its_first_order(lcon):
    # Chicago v. Sessions has no filed_date; its first order (chicago-pi-2017) is dated 2017-09-15.
    assert "chicago-v-sessions" not in {c["case_id"] for c in cases(lcon, date(2017, 9, 14))}
    [chicago] = [c for c in cases(lcon, date(2017, 9, 15)) if c["case_id"] == "chicago-v-sessions"]
    assert [o["order_id"] for o in chicago["orders"]] == ["chicago-pi-2017"]
    assert chicago["file_name"] == "litigation_cases.csv"


def test_a_case_lists_its_plaintiffs_and_the_relief_in_force_that_day(lcon):
    [chicago] = [c for c in cases(lcon, date(2018, 7, 1)) if c["case_id"] == "chicago-v-sessions"]
    assert chicago["plaintiffs"] == [
        {"party_name": "City of Chicago", "role": "plaintiff", "geoid": CHICAGO, "plaintiff_group": "original"}
    ]
    # On 2018-07-01 the nationwide injunction had ended (2018-06-26) and the Chicago-only stay was in force.
    assert [(o["order_id"], o["in_force"]) for o in chicago["orders"]] == [
        ("chicago-pi-2017", False), ("chicago-pi-2017-chicago-only", True)
    ]  # fmt: skip
    assert chicago["relief_in_force"] == ["named_plaintiffs stay_of_nationwide_scope (access;notice)"]
    [later] = [c for c in cases(lcon, date(2020, 5, 1)) if c["case_id"] == "chicago-v-sessions"]
    assert later["relief_in_force"] == ["named_plaintiffs permanent_injunction (access;notice)"]


def test_the_coverage_answer_as_a_dict_says_whether_anything_is_enjoined(lcon):
    on_start = coverage(lcon, COOK, "byrne_jag", date(2017, 9, 15)).to_dict()
    assert on_start["enjoined"] is True and on_start["geoid"] == COOK and on_start["on_date"] == date(2017, 9, 15)
    # before the first order of any case (Santa Clara's nationwide section 9(a) relief came in April 2017)
    assert coverage(lcon, COOK, "byrne_jag", date(2017, 1, 1)).to_dict()["enjoined"] is False


ORDER_KEYS = ["case_id", "case_name", "condition_id", "court", "effective_from", "effective_to", "ends_because",
              "file_name", "fiscal_years", "kind", "note", "order_id", "release_id", "row_number", "scope",
              "second_url", "url", "why"]  # fmt: skip


def test_a_conditions_answer_names_it_and_each_order_carries_its_condition(lcon):
    answer = coverage(lcon, COOK, "byrne_jag", date(2017, 9, 15))
    assert answer.program == "byrne_jag"
    by_id = {a["condition_id"]: a for a in answer.conditions}
    s9a = by_id["eo13768_s9a"]
    assert {k: v for k, v in s9a.items() if k != "orders"} == {
        "condition_id": "eo13768_s9a",
        "instrument": "Executive Order 13768 section 9(a)",
        "description": "Withhold federal grants from jurisdictions designated sanctuary jurisdictions",
        "exists_on_date": True,
        "ended_date": date(2021, 1, 20),
        "ended_by": "Executive Order 13993 section 2 revoked Executive Order 13768",
        "enjoined": True,
    }
    assert [(o["condition_id"], o["order_id"]) for o in s9a["orders"]] == [
        ("eo13768_s9a", "santa-clara-pi-2017"), ("eo13768_s9a", "sf-pi-2017")
    ]  # fmt: skip
    assert [sorted(o) for o in s9a["orders"]] == [ORDER_KEYS, ORDER_KEYS]
    assert [(o["condition_id"], o["order_id"]) for o in by_id["access"]["orders"]] == [("access", "chicago-pi-2017")]
