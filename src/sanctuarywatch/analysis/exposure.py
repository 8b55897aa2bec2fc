"""Grant exposure under named scenarios: which DOJ dollars a designation would put at risk, gross and net of
the court orders in force that protect the grantee.

A scenario is data (``analysis/data/scenario_*.yaml``): the designations that trigger it (list ids, and/or the
2017 DDOR policy table), the programs (or ``all``) and fiscal years, and whether sub-awards passed through a
designated state count. Every figure is the sum of the award rows returned beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import duckdb
import yaml

from sanctuarywatch.errors import InputError


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    title: str
    description: str
    trigger_lists: tuple[str, ...]
    ddor_policy_table: bool
    programs: tuple[str, ...]
    fiscal_years: tuple[int, ...]
    pass_through_counts: bool
    default_as_of: date | None
    file_name: str


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
    as_of = doc.get("default_as_of")
    if as_of is not None and not isinstance(as_of, date):
        raise InputError(f"{file}: field 'default_as_of' should be a date (YYYY-MM-DD).")
    return Scenario(
        scenario_id=_field(doc, "id", str, file),
        title=_field(doc, "title", str, file),
        description=str(doc.get("description", "")).strip(),
        trigger_lists=tuple(lists),
        ddor_policy_table=ddor,
        programs=tuple(programs),
        fiscal_years=tuple(years),
        pass_through_counts=bool(_field(doc, "pass_through_counts", bool, file)),
        default_as_of=as_of,
        file_name=file,
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
    known = load_scenarios()
    if scenario_id not in known:
        raise InputError(f"Unknown scenario '{scenario_id}'. Known: {', '.join(known)}.")
    return known[scenario_id]


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": {
                "id": self.scenario.scenario_id,
                "title": self.scenario.title,
                "description": self.scenario.description,
            },
            "as_of": self.as_of,
            "totals": self.totals,
            "by_jurisdiction": self.by_jurisdiction,
            "by_state": self.by_state,
            "by_program": self.by_program,
            "designated": self.designated,
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
    protected AS (
        SELECT a.award_id, a.row_number, a.release_id, min(o.order_id) AS order_id
        FROM awards a
        JOIN jurisdiction j ON j.geoid = a.geoid
        JOIN litigation_order o ON o.effective_from <= $as_of AND (o.effective_to IS NULL OR o.effective_to > $as_of)
             AND (o.programs = 'all' OR list_contains(string_split(o.programs, ';'), a.program))
        WHERE o.scope = 'nationwide' OR EXISTS (
              SELECT 1 FROM litigation_party p WHERE p.case_id = o.case_id AND p.role = 'plaintiff'
              AND p.geoid IN (a.geoid, j.consolidated_with))
        GROUP BY ALL
    )
    SELECT a.award_id, a.fiscal_year, a.program, a.recipient_name, a.geoid, j.name AS jurisdiction,
           a.state_abbr, a.amount, a.is_pass_through, a.exposed_because, p.order_id AS enjoined_by,
           a.release_id, a.file_name, a.row_number
    FROM awards a LEFT JOIN jurisdiction j ON j.geoid = a.geoid
    LEFT JOIN protected p ON p.award_id = a.award_id AND p.release_id = a.release_id
         AND p.row_number IS NOT DISTINCT FROM a.row_number
    ORDER BY a.state_abbr, jurisdiction, a.fiscal_year, a.program, a.award_id
"""


def _group(con: duckdb.DuckDBPyConnection, keys: str) -> list[dict[str, Any]]:
    cur = con.execute(
        f"""SELECT {keys}, count(*) AS awards, sum(amount) AS gross,
                   coalesce(sum(amount) FILTER (WHERE enjoined_by IS NULL), 0) AS net
            FROM _exposed_awards GROUP BY {keys} ORDER BY gross DESC, {keys}"""
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def grant_exposure(con: duckdb.DuckDBPyConnection, scenario_id: str, as_of: date | None = None) -> ExposureResult:
    """Dollars exposed by jurisdiction, state and program, with the awards behind every figure."""
    scenario = get_scenario(scenario_id)
    when = as_of or scenario.default_as_of or date.today()
    params = {
        "lists": list(scenario.trigger_lists) or [""],
        "ddor": scenario.ddor_policy_table,
        "as_of": when,
        "years": list(scenario.fiscal_years),
        "programs": list(scenario.programs),
        "pass_through": scenario.pass_through_counts,
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
    result = ExposureResult(
        scenario=scenario,
        as_of=when,
        totals={"gross": gross, "net": net, "enjoined": gross - net, "awards": len(awards)},
        by_jurisdiction=_group(cur, "geoid, jurisdiction, state_abbr"),
        by_state=_group(cur, "state_abbr"),
        by_program=_group(cur, "program"),
        awards=awards,
        designated=designated,
    )
    cur.close()
    return result
