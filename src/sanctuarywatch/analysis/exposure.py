"""Grant exposure under named scenarios: which DOJ dollars a designation would put at risk, gross and net of
the court orders in force that protect the grantee.

A scenario is data (``analysis/data/scenario_*.yaml``): the designations that trigger it (list ids, and/or the
2017 DDOR policy table), the conditions or executive-order sections the withholding would rest on, the programs
(or ``all``) and fiscal years, and whether sub-awards passed through a designated state count. An award counts as
enjoined only when every one of the scenario's conditions is enjoined for its grantee on the date (per-condition
relief from ``litigation_relief``); an award with some conditions enjoined is reported as partly enjoined and
stays in the net figure. Every figure is the sum of the award rows returned beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import duckdb
import yaml

from sanctuarywatch.analysis.coverage import section_coverage
from sanctuarywatch.analysis.litigation import in_force_sql, reaches_sql
from sanctuarywatch.errors import InputError

# Legal simplifications every exposure figure keeps; scenario files add their own.
SIMPLIFICATIONS = (
    "An award is netted out only when every condition of the scenario is enjoined for its grantee on the as-of "
    "date; whether the grantee actually complies with a condition that is not enjoined is not modelled.",
    "Relief is matched to the grantee's GEOID (and its consolidated city-county half); relief for an association's "
    "members is listed by litigation coverage but never applied, as membership lists are not loaded.",
    "Fiscal years an order names are shown but not applied: an order in force on the date reaches the award "
    "whatever its fiscal year.",
    "Orders whose date or scope two sources did not confirm are left out (see docs/methodology.md), so relief "
    "may be understated, never invented.",
)


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    title: str
    description: str
    trigger_lists: tuple[str, ...]
    ddor_policy_table: bool
    conditions: tuple[str, ...]
    programs: tuple[str, ...]
    fiscal_years: tuple[int, ...]
    pass_through_counts: bool
    default_as_of: date | None
    file_name: str
    aliases: tuple[str, ...] = ()
    simplifications: tuple[str, ...] = ()


def _field(doc: dict, name: str, kind: type, file: str) -> Any:
    if name not in doc:
        raise InputError(f"{file}: missing field '{name}'.")
    value = doc[name]
    if not isinstance(value, kind):
        raise InputError(f"{file}: field '{name}' should be {kind.__name__}, got {type(value).__name__}.")
    return value


def parse_scenario(text: str, file: str) -> Scenario:
    """Validate one scenario document; errors name the file and field."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{file}: not valid YAML ({exc}).") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{file}: a scenario is a mapping of fields.")
    trigger = _field(doc, "trigger", dict, file)
    lists = trigger.get("lists", [])
    if not isinstance(lists, list) or not all(isinstance(x, str) for x in lists):
        raise InputError(f"{file}: field 'trigger.lists' should be a list of list ids.")
    ddor = bool(trigger.get("ddor_policy_table", False))
    if not lists and not ddor:
        raise InputError(f"{file}: field 'trigger' names no designation (lists or ddor_policy_table).")
    years = _field(doc, "fiscal_years", list, file)
    if not years or not all(isinstance(y, int) and 1990 < y < 2100 for y in years):
        raise InputError(f"{file}: field 'fiscal_years' should list years such as 2017.")
    programs = _field(doc, "programs", list, file)
    if not programs or not all(isinstance(p, str) for p in programs):
        raise InputError(f"{file}: field 'programs' should list program codes (e.g. byrne_jag) or 'all'.")
    conditions = _field(doc, "conditions", list, file)
    if not conditions or not all(isinstance(c, str) for c in conditions):
        raise InputError(f"{file}: field 'conditions' should list condition ids (e.g. notice, eo14287).")
    extra = doc.get("simplifications", [])
    if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
        raise InputError(f"{file}: field 'simplifications' should be a list of sentences.")
    as_of = doc.get("default_as_of")
    if as_of is not None and not isinstance(as_of, date):
        raise InputError(f"{file}: field 'default_as_of' should be a date (YYYY-MM-DD).")
    return Scenario(
        scenario_id=_field(doc, "id", str, file),
        title=_field(doc, "title", str, file),
        description=str(doc.get("description", "")).strip(),
        trigger_lists=tuple(lists),
        ddor_policy_table=ddor,
        conditions=tuple(conditions),
        programs=tuple(programs),
        fiscal_years=tuple(years),
        pass_through_counts=bool(_field(doc, "pass_through_counts", bool, file)),
        default_as_of=as_of,
        file_name=file,
        aliases=tuple(str(a) for a in doc.get("aliases", []) or []),
        simplifications=tuple(extra),
    )


def load_scenarios() -> dict[str, Scenario]:
    """The named scenarios shipped with the package, by id."""
    folder = resources.files("sanctuarywatch.analysis") / "data"
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("scenario_") and entry.name.endswith(".yaml"):
            scenario = parse_scenario(entry.read_text(encoding="utf-8"), entry.name)
            out[scenario.scenario_id] = scenario
    return out


def get_scenario(scenario_id: str) -> Scenario:
    """A scenario by id, or by a former id kept in its ``aliases`` (ids renamed so names match what they compute)."""
    known = load_scenarios()
    for scenario in known.values():
        if scenario_id == scenario.scenario_id or scenario_id in scenario.aliases:
            return scenario
    raise InputError(f"Unknown scenario '{scenario_id}'. Known: {', '.join(known)}.")


@dataclass
class ExposureResult:
    scenario: Scenario
    as_of: date
    totals: dict[str, Any]
    by_jurisdiction: list[dict[str, Any]]
    by_state: list[dict[str, Any]]
    by_program: list[dict[str, Any]]
    awards: list[dict[str, Any]] = field(default_factory=list)
    designated: list[dict[str, Any]] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": {
                "id": self.scenario.scenario_id,
                "title": self.scenario.title,
                "description": self.scenario.description,
                "conditions": list(self.scenario.conditions),
            },
            "simplifications": list(SIMPLIFICATIONS + self.scenario.simplifications),
            "as_of": self.as_of,
            "totals": self.totals,
            "by_jurisdiction": self.by_jurisdiction,
            "by_state": self.by_state,
            "by_program": self.by_program,
            "designated": self.designated,
            "coverage": self.coverage,
            "awards": self.awards,
        }


_DESIGNATED_SQL = """
    WITH raw AS (
        SELECT geoid, list_id AS designation, min(as_printed) AS as_printed FROM list_membership
        WHERE list_id IN (SELECT unnest($lists)) AND resolution_status IN ('accepted', 'reviewed') AND geoid IS NOT NULL
          AND coalesce(edition_date, DATE '1900-01-01') <= $as_of
          AND (withdrawn_date IS NULL OR withdrawn_date > $as_of)
        GROUP BY ALL
        UNION ALL
        SELECT geoid, 'ddor_2017_policy', min(jurisdiction_printed) FROM ddor_policy_jurisdiction
        WHERE $ddor AND resolution_status IN ('accepted', 'reviewed') AND geoid IS NOT NULL
          AND report_issue = (SELECT min(report_issue) FROM ddor_policy_jurisdiction)
          AND DATE '2017-03-20' <= $as_of
        GROUP BY ALL
    )
    SELECT geoid, designation, as_printed FROM raw
    UNION SELECT j.consolidated_with, r.designation, r.as_printed FROM raw r
          JOIN jurisdiction j ON j.geoid = r.geoid WHERE j.consolidated_with IS NOT NULL
"""

_IN_FORCE = in_force_sql("r", "$as_of")
_REACHES = reaches_sql("r", "list_value(a.geoid, j.consolidated_with)")
_AWARDS_SQL = f"""
    WITH designated AS ({_DESIGNATED_SQL}),
    awards AS (
        SELECT g.*, CASE WHEN g.geoid IN (SELECT geoid FROM designated) THEN 'recipient designated'
                         ELSE 'passed through a designated state' END AS exposed_because
        FROM grant_award g
        WHERE g.fiscal_year IN (SELECT unnest($years))
          AND ('all' IN (SELECT unnest($programs)) OR g.program IN (SELECT unnest($programs)))
          AND (g.is_pass_through = FALSE OR $pass_through)
          AND (g.geoid IN (SELECT geoid FROM designated)
               OR ($pass_through AND g.is_pass_through AND EXISTS (
                   SELECT 1 FROM designated d JOIN jurisdiction s ON s.geoid = d.geoid AND s.level = 'state'
                   WHERE s.state_abbr = g.state_abbr)))
    ),
    reached AS (
        SELECT a.award_id, a.row_number, a.release_id, r.condition_id, r.order_id
        FROM awards a
        JOIN jurisdiction j ON j.geoid = a.geoid
        JOIN litigation_relief r ON r.condition_id IN (SELECT unnest($conditions))
             AND (r.program = 'all' OR r.program = a.program) AND {_IN_FORCE}
        WHERE {_REACHES}
    ),
    protected AS (
        SELECT award_id, row_number, release_id,
               string_agg(DISTINCT condition_id, ';' ORDER BY condition_id) AS enjoined_conditions,
               string_agg(DISTINCT order_id, ';' ORDER BY order_id) AS orders,
               count(DISTINCT condition_id) = len($conditions) AS fully
        FROM reached GROUP BY ALL
    )
    SELECT a.award_id, a.fiscal_year, a.program, a.recipient_name, a.geoid, j.name AS jurisdiction,
           a.state_abbr, a.amount, a.is_pass_through, a.exposed_because,
           CASE WHEN p.fully THEN p.orders END AS enjoined_by,
           p.enjoined_conditions, CASE WHEN NOT p.fully THEN p.orders END AS partly_enjoined_by,
           a.release_id, a.file_name, a.row_number
    FROM awards a LEFT JOIN jurisdiction j ON j.geoid = a.geoid
    LEFT JOIN protected p ON p.award_id = a.award_id AND p.release_id = a.release_id
         AND p.row_number IS NOT DISTINCT FROM a.row_number
    ORDER BY a.state_abbr, jurisdiction, a.fiscal_year, a.program, a.award_id
"""


def _group(con: duckdb.DuckDBPyConnection, keys: str, litigation_loaded: bool) -> list[dict[str, Any]]:
    net = "coalesce(sum(amount) FILTER (WHERE enjoined_by IS NULL), 0)" if litigation_loaded else "NULL"
    cur = con.execute(
        f"""SELECT {keys}, count(*) AS awards, sum(amount) AS gross, {net} AS net,
                   coalesce(sum(amount) FILTER (WHERE partly_enjoined_by IS NOT NULL), 0) AS partly_enjoined
            FROM _exposed_awards GROUP BY {keys} ORDER BY gross DESC, {keys}"""
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _check_conditions(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> bool:
    """True when the litigation table is loaded; a scenario naming an unknown condition is refused."""
    known = {r[0] for r in con.execute("SELECT condition_id FROM litigation_condition").fetchall()}
    unknown = [c for c in scenario.conditions if c not in known]
    if known and unknown:
        raise InputError(
            f"{scenario.file_name}: field 'conditions' names unknown condition(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}."
        )
    return bool(known)


def grant_exposure(con: duckdb.DuckDBPyConnection, scenario_id: str, as_of: date | None = None) -> ExposureResult:
    """Dollars exposed by jurisdiction, state and program, with the awards behind every figure. Net figures are
    null (not loaded, never zero relief) when the litigation table is absent."""
    scenario = get_scenario(scenario_id)
    when = as_of or scenario.default_as_of or date.today()
    litigation_loaded = _check_conditions(con, scenario)
    params = {
        "lists": list(scenario.trigger_lists) or [""],
        "ddor": scenario.ddor_policy_table,
        "as_of": when,
        "years": list(scenario.fiscal_years),
        "programs": list(scenario.programs),
        "pass_through": scenario.pass_through_counts,
        "conditions": list(scenario.conditions),
    }
    cur = con.cursor()  # a cursor of its own: the temporary view below is private to this call
    exposed = cur.sql(_AWARDS_SQL, params=params).to_arrow_table()
    awards = exposed.to_pylist()
    cur.register("_exposed_awards", exposed)
    designated_cur = cur.execute(
        f"SELECT d.geoid, j.name, j.level, d.designation, d.as_printed FROM ({_DESIGNATED_SQL}) d "
        "LEFT JOIN jurisdiction j USING (geoid) ORDER BY j.state_abbr, j.name",
        {k: params[k] for k in ("lists", "ddor", "as_of")},
    )
    designated = [
        dict(zip([d[0] for d in designated_cur.description], r, strict=True)) for r in designated_cur.fetchall()
    ]
    gross = sum((a["amount"] for a in awards), Decimal(0))
    net = sum((a["amount"] for a in awards if a["enjoined_by"] is None), Decimal(0))
    partly = sum((a["amount"] for a in awards if a["partly_enjoined_by"] is not None), Decimal(0))
    totals = {"gross": gross, "net": net, "enjoined": gross - net, "partly_enjoined": partly, "awards": len(awards)}
    coverage = {section: section_coverage(con, section) for section in ("grants", "litigation")}
    if not _designations_loaded(con, scenario):  # an empty list of designated places is unknown, not none,
        # so are the dollars it would expose: never $0 exposed because the list itself is missing
        totals |= {"gross": None, "net": None, "enjoined": None, "partly_enjoined": None, "awards": None,
                   "designations": "not loaded"}
    if not litigation_loaded:
        totals |= {"net": None, "enjoined": None, "partly_enjoined": None, "litigation": "not loaded"}
    if coverage["grants"]["status"] == "not_loaded":  # no awards loaded is not zero dollars exposed
        totals |= {"gross": None, "net": None, "enjoined": None, "partly_enjoined": None, "awards": None,
                   "grants": "not loaded"}
    result = ExposureResult(
        scenario=scenario,
        as_of=when,
        totals=totals,
        by_jurisdiction=_group(cur, "geoid, jurisdiction, state_abbr", litigation_loaded),
        by_state=_group(cur, "state_abbr", litigation_loaded),
        by_program=_group(cur, "program", litigation_loaded),
        awards=awards,
        designated=designated,
        coverage=coverage,
    )
    cur.close()
    return result


def _designations_loaded(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> bool:
    """Whether any designation the scenario triggers on (its lists, the 2017 DDOR policy table) is in the store."""
    lists = list(scenario.trigger_lists)
    if lists and con.execute(
        "SELECT count(*) FROM list_membership WHERE list_id IN (SELECT unnest(?))", [lists]
    ).fetchone()[0]:
        return True
    return bool(scenario.ddor_policy_table) and bool(
        con.execute("SELECT count(*) FROM ddor_policy_jurisdiction").fetchone()[0]
    )
