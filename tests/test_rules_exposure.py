"""Exposure scenarios as data (analysis/exposure.py): every field a scenario file must get right is refused with a
message naming the file and the field, and the shipped files read back as written in
src/sanctuarywatch/analysis/data/scenario_*.yaml. Found by scripts/mutation_score.py (mutants of parse_scenario's
checks and of get_scenario survived the suite)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
from test_analysis import analysis_store  # noqa: F401 - its store: grants and litigation loaded
from test_rules import rules_store  # noqa: F401 - its store: the DHS 2025 list (2 members), hand-made awards

from sanctuarywatch.analysis.exposure import (
    SIMPLIFICATIONS,
    ExposureResult,
    get_scenario,
    grant_exposure,
    load_scenarios,
    parse_scenario,
)
from sanctuarywatch.errors import InputError
from sanctuarywatch.store.db import connect

GOOD = {
    "id": "id: x",
    "title": "title: t",
    "trigger": "trigger: {lists: [doj_2025]}",
    "conditions": "conditions: [eo14287]",
    "programs": "programs: [byrne_jag]",
    "fiscal_years": "fiscal_years: [2025]",
    "pass_through_counts": "pass_through_counts: false",
}


def _doc(**change: str | None) -> str:
    fields = {**GOOD, **change}
    return "\n".join(v for v in fields.values() if v is not None) + "\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "id: [x"}, "s.yaml: not valid YAML ("),
        ({k: None for k in GOOD} | {"id": "- a list"}, "s.yaml: a scenario is a mapping of fields."),
        ({"trigger": None}, "s.yaml: missing field 'trigger'."),
        ({"trigger": "trigger: [doj_2025]"}, "s.yaml: field 'trigger' should be dict, got list."),
        ({"trigger": "trigger: {lists: doj_2025}"}, "s.yaml: field 'trigger.lists' should be a list of list ids."),
        ({"trigger": "trigger: {lists: [2025]}"}, "s.yaml: field 'trigger.lists' should be a list of list ids."),
        ({"trigger": "trigger: {lists: []}"}, "s.yaml: field 'trigger' names no designation (lists or ddor_policy"),
        ({"trigger": "trigger: {ddor_policy_table: false}"}, "s.yaml: field 'trigger' names no designation"),
        ({"fiscal_years": "fiscal_years: []"}, "s.yaml: field 'fiscal_years' should list years such as 2017."),
        ({"fiscal_years": "fiscal_years: [1990]"}, "s.yaml: field 'fiscal_years' should list years such as 2017."),
        ({"fiscal_years": "fiscal_years: [2100]"}, "s.yaml: field 'fiscal_years' should list years such as 2017."),
        ({"fiscal_years": "fiscal_years: [2017, '2018']"}, "s.yaml: field 'fiscal_years' should list years"),
        ({"fiscal_years": "fiscal_years: 2017"}, "s.yaml: field 'fiscal_years' should be list, got int."),
        ({"programs": "programs: []"}, "s.yaml: field 'programs' should list program codes (e.g. byrne_jag) or"),
        ({"programs": "programs: [byrne_jag, 7]"}, "s.yaml: field 'programs' should list program codes"),
        ({"programs": "programs: byrne_jag"}, "s.yaml: field 'programs' should be list, got str."),
        ({"programs": None}, "s.yaml: missing field 'programs'."),
        ({"conditions": "conditions: notice"}, "s.yaml: field 'conditions' should be list, got str."),
        ({"id": "id: 7"}, "s.yaml: field 'id' should be str, got int."),
        ({"pass_through_counts": "pass_through_counts: 1"},
         "s.yaml: field 'pass_through_counts' should be bool, got int."),
        ({"conditions": "conditions: []"}, "s.yaml: field 'conditions' should list condition ids (e.g. notice,"),
        ({"conditions": "conditions: [notice, 3]"}, "s.yaml: field 'conditions' should list condition ids"),
        ({"conditions": None}, "s.yaml: missing field 'conditions'."),
        ({"pass_through_counts": "pass_through_counts: 'no'"}, "s.yaml: field 'pass_through_counts' should be"),
        ({"pass_through_counts": None}, "s.yaml: missing field 'pass_through_counts'."),
        ({"x": "simplifications: one sentence"}, "s.yaml: field 'simplifications' should be a list of sentences."),
        ({"x": "simplifications: [1]"}, "s.yaml: field 'simplifications' should be a list of sentences."),
        ({"x": "default_as_of: 1 June 2025"}, "s.yaml: field 'default_as_of' should be a date (YYYY-MM-DD)."),
        ({"title": "title: 7"}, "s.yaml: field 'title' should be str, got int."),
        ({"id": None}, "s.yaml: missing field 'id'."),
    ],
)
def test_a_bad_scenario_names_its_file_and_field(change, message):
    with pytest.raises(InputError) as err:
        parse_scenario(_doc(**change), "s.yaml")
    assert str(err.value).startswith(message)


def test_the_years_1991_and_2099_are_accepted_and_every_field_is_read():
    scenario = parse_scenario(
        _doc(
            fiscal_years="fiscal_years: [1991, 2099]",
            trigger="trigger: {lists: [doj_2025, dhs_2025], ddor_policy_table: true}",
            pass_through_counts="pass_through_counts: true",
            x="default_as_of: 2025-06-01\naliases: [old_id]\nsimplifications: [One.]\ndescription: '  Why.  '",
        ),
        "s.yaml",
    )
    assert (scenario.scenario_id, scenario.title, scenario.description, scenario.file_name) == (
        "x",
        "t",
        "Why.",
        "s.yaml",
    )
    assert scenario.trigger_lists == ("doj_2025", "dhs_2025") and scenario.ddor_policy_table is True
    assert scenario.fiscal_years == (1991, 2099) and scenario.programs == ("byrne_jag",)
    assert scenario.conditions == ("eo14287",) and scenario.pass_through_counts is True
    assert scenario.default_as_of == date(2025, 6, 1)
    assert scenario.aliases == ("old_id",) and scenario.simplifications == ("One.",)


def test_a_scenario_without_the_optional_fields_gets_empty_defaults():
    scenario = parse_scenario(_doc(), "s.yaml")
    assert scenario.description == "" and scenario.ddor_policy_table is False and scenario.default_as_of is None
    assert scenario.aliases == () and scenario.simplifications == () and scenario.pass_through_counts is False


def test_the_shipped_scenarios_read_as_their_files_say():
    assert sorted(load_scenarios()) == ["dhs_2025_all_doj", "doj_2025_jag_scaap", "doj_fy2017_jag_conditions"]
    jag = get_scenario("doj_2025_jag_scaap")
    assert jag.file_name == "scenario_doj_2025_jag_scaap.yaml"
    assert (jag.trigger_lists, jag.conditions, jag.programs, jag.fiscal_years) == (
        ("doj_2025",),
        ("eo14287",),
        ("byrne_jag", "scaap"),
        (2025,),
    )
    assert jag.pass_through_counts is True and jag.default_as_of == date(2025, 9, 1)
    assert get_scenario("doj_2025_all_ojp_formula") is not None
    assert get_scenario("doj_2025_all_ojp_formula").scenario_id == "doj_2025_jag_scaap"  # its former id


def test_an_unknown_scenario_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        get_scenario("nope")
    assert str(err.value) == (
        "Unknown scenario 'nope'. Known: dhs_2025_all_doj, doj_2025_jag_scaap, doj_fy2017_jag_conditions."
    )


def test_the_result_as_json_names_the_scenario_and_adds_its_simplifications_to_the_common_ones():
    scenario = parse_scenario(_doc(x="simplifications: [Only this one is the scenario's.]"), "s.yaml")
    result = ExposureResult(
        scenario=scenario, as_of=date(2025, 6, 1), totals={"gross": 1}, by_jurisdiction=[{"j": 1}],
        by_state=[{"s": 1}], by_program=[{"p": 1}], awards=[{"a": 1}], designated=[{"d": 1}], coverage={"c": 1},
    )  # fmt: skip
    out = result.to_dict()
    assert out["scenario"] == {"id": "x", "title": "t", "description": "", "conditions": ["eo14287"]}
    assert out["simplifications"] == [*SIMPLIFICATIONS, "Only this one is the scenario's."]
    assert len(SIMPLIFICATIONS) == 4 and SIMPLIFICATIONS[0].startswith("An award is netted out only when every")
    assert {k: v for k, v in out.items() if k not in ("scenario", "simplifications")} == {
        "as_of": date(2025, 6, 1), "totals": {"gross": 1}, "by_jurisdiction": [{"j": 1}], "by_state": [{"s": 1}],
        "by_program": [{"p": 1}], "designated": [{"d": 1}], "coverage": {"c": 1}, "awards": [{"a": 1}],
    }  # fmt: skip


def test_without_the_litigation_table_net_dollars_are_null_not_zero(analysis_store, tmp_path):  # noqa: F811
    path = tmp_path / "store.duckdb"
    shutil.copy(analysis_store, path)
    con = connect(path)
    con.execute("DELETE FROM litigation_condition")  # what the exposure reads to know litigation is loaded
    result = grant_exposure(con, "doj_fy2017_jag_conditions")
    con.close()
    assert [(s["state_abbr"], s["awards"], s["gross"], s["net"]) for s in result.by_state[:2]] == [
        ("NY", 1, Decimal("5635000.00"), None), ("IL", 2, Decimal("3069600.00"), None)
    ]  # fmt: skip
    assert [(p["program"], p["awards"], p["net"]) for p in result.by_program[:1]] == [("byrne_jag", 5, None)]
    assert {j["net"] for j in result.by_jurisdiction} == {None}


# -- totals, as-of and refusals on the analysis store (5 FY2017 JAG awards, $11,038,000, each partly enjoined) ------
def _copy(store, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(store, path)
    return connect(path)


def test_totals_say_what_is_not_loaded_instead_of_zero(analysis_store, tmp_path):  # noqa: F811
    con = _copy(analysis_store, tmp_path)
    loaded = grant_exposure(con, "doj_fy2017_jag_conditions")
    assert loaded.as_of == date(2017, 10, 1)  # the scenario's default_as_of, not today
    dollars = Decimal("11038000.00")
    assert loaded.totals == {"gross": dollars, "net": dollars, "enjoined": Decimal("0.00"), "partly_enjoined": dollars,
                             "awards": 5}  # fmt: skip
    # NYC, Chicago, Miami-Dade, San Francisco, Cook: net dollars per place, adding up to the total
    assert [(j["geoid"], j["net"]) for j in loaded.by_jurisdiction] == [
        ("3651000", Decimal("5635000.00")), ("1714000", Decimal("2369000.00")), ("12086", Decimal("1443000.00")),
        ("06075", Decimal("890400.00")), ("17031", Decimal("700600.00"))]  # fmt: skip
    assert len(loaded.designated) == 119
    assert loaded.designated[0] == {"geoid": "06001", "name": "Alameda County", "level": "county",
                                    "designation": "ddor_2017_policy", "as_printed": "Alameda County"}  # fmt: skip
    con.execute("DELETE FROM litigation_condition")
    assert grant_exposure(con, "doj_fy2017_jag_conditions").totals == {
        "gross": Decimal("11038000.00"), "net": None, "enjoined": None, "partly_enjoined": None, "awards": 5,
        "litigation": "not loaded"}  # fmt: skip
    con.execute("DELETE FROM grant_award")  # grants still loaded (their releases are stored): a true zero
    none = grant_exposure(con, "doj_fy2017_jag_conditions").totals
    assert (none["gross"], none["awards"]) == (Decimal("0"), 0) and type(none["gross"]) is Decimal
    grants = "SELECT release_id FROM release WHERE source_id = 'doj_grants'"
    con.execute(f"DELETE FROM release_file WHERE release_id IN ({grants})")
    con.execute("DELETE FROM release WHERE source_id = 'doj_grants'")  # now not loaded: unknown, never $0
    assert grant_exposure(con, "doj_fy2017_jag_conditions").totals == {
        "gross": None, "net": None, "enjoined": None, "partly_enjoined": None, "awards": None,
        "litigation": "not loaded", "grants": "not loaded"}  # fmt: skip
    con.close()


def test_with_litigation_loaded_zero_matching_awards_are_decimal_zeros(analysis_store, tmp_path):  # noqa: F811
    con = _copy(analysis_store, tmp_path)
    con.execute("DELETE FROM grant_award")
    totals = grant_exposure(con, "doj_fy2017_jag_conditions").totals
    con.close()
    assert totals == {"gross": 0, "net": 0, "enjoined": 0, "partly_enjoined": 0, "awards": 0}
    assert {k: type(v).__name__ for k, v in totals.items()} == {
        "gross": "Decimal", "net": "Decimal", "enjoined": "Decimal", "partly_enjoined": "Decimal", "awards": "int"}


def test_a_scenario_naming_unknown_conditions_is_refused_with_the_known_ones(analysis_store, tmp_path):  # noqa: F811
    from sanctuarywatch.analysis.exposure import _check_conditions

    con = _copy(analysis_store, tmp_path)
    scenario = parse_scenario(_doc(conditions="conditions: [notice, made_up, access2]"), "s.yaml")
    with pytest.raises(InputError) as refused:
        _check_conditions(con, scenario)
    assert str(refused.value) == (
        "s.yaml: field 'conditions' names unknown condition(s) made_up, access2; known: access, "
        "ag_directive_2025_02_05, eo13768_s9a, eo14159_s17, eo14218_s2a2, eo14287, notice, section_1373_certification."
    )
    assert _check_conditions(con, parse_scenario(_doc(conditions="conditions: [notice, access]"), "s.yaml")) is True
    con.execute("DELETE FROM litigation_condition")  # nothing known: not loaded, so nothing to refuse
    assert _check_conditions(con, scenario) is False
    con.close()


def test_without_the_trigger_list_loaded_no_dollar_is_known(rules_store, tmp_path):  # noqa: F811
    con = _copy(rules_store, tmp_path)
    listed = grant_exposure(con, "dhs_2025_all_doj", as_of=date(2025, 5, 30)).totals
    assert listed == {"gross": Decimal("140000.00"), "net": Decimal("40000.00"), "enjoined": Decimal("100000.00"),
                      "partly_enjoined": Decimal("0"), "awards": 2}  # fmt: skip
    con.execute("DELETE FROM list_membership")  # the DHS list not loaded: what it would expose is unknown, not $0
    assert grant_exposure(con, "dhs_2025_all_doj", as_of=date(2025, 5, 30)).totals == {
        "gross": None, "net": None, "enjoined": None, "partly_enjoined": None, "awards": None,
        "designations": "not loaded"}  # fmt: skip
    con.close()
