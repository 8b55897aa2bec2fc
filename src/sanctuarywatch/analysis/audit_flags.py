"""Audit flags on every declined-detainer figure: the ways ICE's 2017 Declined Detainer Outcome Report failed,
checked automatically on each row we count as a decline (ICE's DDOR rows, and detainer records declined under
any reading).

Five flags (docs/methodology.md, "Audit flags"): ``same_name`` (the name credited names jurisdictions in
several places and nothing on the row settles which), ``transfer`` (a transfer to another agency, not a
refusal), ``batch_dated`` (many declines at one facility on one date), ``wrong_place`` (the facility's county,
or the agency that held the person, is not the jurisdiction credited) and ``cooperating`` (the jurisdiction had
a 287(g) agreement, or honoured most detainers that year). Each flag is made of checks; a check that cannot run
for lack of data is stored as ``not_checked`` and is never read as clean. Thresholds live here, once.

``compute_flags`` rebuilds ``detainer_flag_subject`` and ``detainer_flag`` after each ingest, in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.analysis.summaries import DECLINED_PATTERNS, DETAINER_GEOID_SQL, FACILITY_JOIN_SQL
from sanctuarywatch.store.db import transaction

# -- thresholds and rules (the one place they are set; docs/methodology.md quotes them) ----------------------
BATCH_MIN_DECLINES = 3  # declines at one facility on one date ...
BATCH_WINDOW_DAYS = 3  # ... that hold at least BATCH_MIN_SHARE of its declines within +/- this many days
BATCH_MIN_SHARE = 0.5
COOPERATING_MIN_SHARE = 0.5  # "honoured most": honoured / (honoured + declined) above this share ...
COOPERATING_MIN_OUTCOMES = 10  # ... over at least this many detainers with either outcome, same county and year
TRANSFER_WINDOW_DAYS = 30  # the same person detained at another facility within this many days = moved on
SMALL_CELL = 5  # published counts of 1-4 are shown as "<5"

TRANSFER_PATTERNS: tuple[str, ...] = ("%transfer%",)
RELEASE_PATTERNS: tuple[str, ...] = ("%early release%",)
HONOURED_PATTERNS: tuple[str, ...] = ("booked into detention",)  # ICE took the person into custody
NON_LOCAL_FACILITY_TYPES: tuple[str, ...] = (
    "state prison", "federal prison", "federal contract prison (private)", "federal office (ICE)",
    "federal office (USMS)",
)  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """One definition of 'declined': the lift reasons it counts."""

    reading: str
    label: str
    patterns: tuple[str, ...]


READINGS: tuple[Reading, ...] = (
    Reading("strict", "Declined by the agency (\"Detainer Declined by LEA\" and equivalents)", DECLINED_PATTERNS),
    Reading("with_transfers", "... or transferred to another agency (the 2017 DDOR's reading)",
            DECLINED_PATTERNS + TRANSFER_PATTERNS),
    Reading("broad", "... or released early, before ICE took custody",
            DECLINED_PATTERNS + TRANSFER_PATTERNS + RELEASE_PATTERNS),
)  # fmt: skip

FLAGS: dict[str, str] = {
    "same_name": "Same-name ambiguity: the name credited names several jurisdictions and the row does not settle which",
    "transfer": "Transfer, not decline: the lift reason or the records around it point to a transfer",
    "batch_dated": f"Batch-dated: at least {BATCH_MIN_DECLINES} declines at one facility on one date, holding at "
    f"least {BATCH_MIN_SHARE:.0%} of its declines within {BATCH_WINDOW_DAYS} days either side",
    "wrong_place": "Wrong place: the facility's county, or the agency that held the person, is not the one credited",
    "cooperating": "Cooperating jurisdiction: an active 287(g) agreement, a cooperation policy, or most detainers "
    "honoured that year",
}
STATUSES = ("flagged", "not_checked", "clean")


def like_any(column: str, patterns: tuple[str, ...]) -> str:
    """SQL: the lower-cased column matches one of the LIKE patterns."""
    return "(" + " OR ".join(f"lower(coalesce({column}, '')) LIKE '{p}'" for p in patterns) + ")"


KEY = ("subject_table", "release_id", "file_name", "sheet", "row_number")
_ON_KEY = " AND ".join(f"f.{k} = s.{k}" for k in KEY)
_SUBJECT_COLS = "s.subject_table, s.release_id, s.file_name, s.sheet, s.row_number, s.state_abbr, s.geoid"
_FLAG_INSERT = (
    "INSERT INTO detainer_flag (flag, check_name, status, subject_table, release_id, file_name, sheet, row_number, "
    "state_abbr, geoid, facility, subject_date, detail, evidence, provenance) "
)


def _ref(alias: str = "s") -> str:
    """SQL struct of a source row reference (release, file, row): evidence without personal data."""
    return f"{{'release_id': {alias}.release_id, 'file': {alias}.file_name, 'row': {alias}.row_number}}"


# -- subjects -----------------------------------------------------------------------------------------------
def _subjects_sql() -> str:
    strict, transfer = like_any("d.lift_reason", DECLINED_PATTERNS), like_any("d.lift_reason", TRANSFER_PATTERNS)
    broad = like_any("d.lift_reason", READINGS[-1].patterns)
    return f"""INSERT INTO detainer_flag_subject
        SELECT 'detainer', d.release_id, d.file_name, coalesce(d.sheet, ''), d.row_number, d.facility_state,
               {DETAINER_GEOID_SQL}, j.name, d.facility_name, m.facility_type, d.prepare_date, d.lift_reason,
               CASE WHEN {strict} THEN 'strict' WHEN {transfer} THEN 'with_transfers' ELSE 'broad' END
        FROM detainer d {FACILITY_JOIN_SQL}
        LEFT JOIN jurisdiction j ON j.geoid = {DETAINER_GEOID_SQL}
        LEFT JOIN detainer_facility_match m ON m.release_id = d.release_id AND m.facility_state = d.facility_state
             AND m.facility_name = coalesce(d.facility_name, '')
        WHERE {broad}
        UNION ALL
        SELECT 'ddor_declined_detainer', release_id, file_name, '', row_number, state_abbr, geoid,
               jurisdiction_printed, NULL, NULL, declined_date, NULL, 'ddor'
        FROM ddor_declined_detainer"""


# -- 1. same name -------------------------------------------------------------------------------------------
_BASE_NAME = "lower(regexp_replace(j.name, ' (county|parish|borough|city and borough|census area|city|town|village|municipality)$', ''))"  # noqa: E501


def _same_name_sql() -> list[str]:
    """DDOR rows print no facility: only ICE's own state column places them, and that column is what failed
    (Franklin County IA/NY/PA). A printed 'X County' is matched to counties of that name; a bare name to
    counties and incorporated places (one government counted once). Two or more candidates -> flagged."""
    names = """WITH s AS (SELECT s.*, lower(trim(s.jurisdiction)) AS printed, lower(r.name) AS resolved
                          FROM detainer_flag_subject s LEFT JOIN jurisdiction r ON r.geoid = s.geoid
                          WHERE s.subject_table = 'ddor_declined_detainer'),
                j AS (SELECT * FROM jurisdiction WHERE level IN ('county', 'place') AND coalesce(lsad, '') <> 'CDP'
                      AND valid_to IS NULL AND NOT (level = 'place' AND consolidated_with IS NOT NULL))"""
    counted = f"""{names},
        cand AS (SELECT DISTINCT s.release_id, s.file_name, s.sheet, s.row_number, j.geoid, j.name, j.state_abbr
                 FROM s JOIN j ON lower(j.name) IN (s.printed, s.resolved)
                   OR (NOT regexp_matches(s.printed, '(county|parish|borough)$') AND {_BASE_NAME} = s.printed)),
        agg AS (SELECT release_id, file_name, sheet, row_number, count(*) AS n, count(DISTINCT state_abbr) AS states,
                       list({{'geoid': geoid, 'name': name, 'state': state_abbr}} ORDER BY state_abbr, geoid) AS cands
                FROM cand GROUP BY ALL)"""
    flagged = f"""{_FLAG_INSERT} {counted}
        SELECT 'same_name' AS flag, 'name_candidates' AS check_name, 'flagged' AS status, {_SUBJECT_COLS},
               s.jurisdiction AS facility, s.subject_date,
               printf('''%s'' names %d jurisdictions in %d state(s); ICE''s table prints no facility, only '
                      'the state %s', s.jurisdiction, a.n, a.states, s.state_abbr) AS detail,
               to_json({{'candidates': a.cands, 'source_rows': [{_ref()}]}}) AS evidence, []::VARCHAR[] AS provenance
        FROM s JOIN agg a USING (release_id, file_name, sheet, row_number) WHERE a.n > 1"""
    unknown = f"""{_FLAG_INSERT} {counted}
        SELECT 'same_name' AS flag, 'name_candidates' AS check_name, 'not_checked' AS status, {_SUBJECT_COLS},
               s.jurisdiction AS facility, s.subject_date,
               'the printed name matches no registry name exactly: its namesakes are unknown' AS detail,
               to_json({{'source_rows': [{_ref()}]}}) AS evidence, []::VARCHAR[] AS provenance
        FROM s ANTI JOIN agg a USING (release_id, file_name, sheet, row_number)"""
    records = f"""{_FLAG_INSERT}
        SELECT 'same_name' AS flag, 'facility_placed' AS check_name, 'not_checked' AS status, {_SUBJECT_COLS},
               s.facility, s.subject_date,
               'the facility is not placed in a county: the credited name is unknown' AS detail,
               to_json({{'source_rows': [{_ref()}]}}) AS evidence, []::VARCHAR[] AS provenance
        FROM detainer_flag_subject s WHERE s.subject_table = 'detainer' AND s.geoid IS NULL"""
    return [flagged, unknown, records]


# -- 2. transfer --------------------------------------------------------------------------------------------
def _transfer_sql() -> list[str]:
    lift = f"""{_FLAG_INSERT}
        SELECT 'transfer' AS flag, 'lift_reason' AS check_name, 'flagged' AS status, {_SUBJECT_COLS}, s.facility,
               s.subject_date, printf('lift reason ''%s'': counted only under the broader readings', s.lift_reason),
               to_json({{'lift_reason': s.lift_reason, 'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM detainer_flag_subject s
        WHERE s.subject_table = 'detainer' AND {like_any("s.lift_reason", TRANSFER_PATTERNS)}"""
    person = f"""{_FLAG_INSERT}
        WITH s AS (SELECT s.*, d.anonymized_id FROM detainer_flag_subject s JOIN detainer d
                   ON d.release_id = s.release_id AND d.file_name = s.file_name AND coalesce(d.sheet, '') = s.sheet
                   AND d.row_number = s.row_number
                   WHERE s.subject_table = 'detainer' AND NOT {like_any("s.lift_reason", TRANSFER_PATTERNS)}),
             moved AS (SELECT s.release_id, s.file_name, s.sheet, s.row_number, list({_ref("n")}) AS refs,
                              list(DISTINCT n.facility_name) AS facilities
                       FROM s JOIN detainer n ON n.anonymized_id = s.anonymized_id
                        AND coalesce(n.facility_name, '') <> coalesce(s.facility, '')
                        AND n.prepare_date BETWEEN s.subject_date AND s.subject_date + {TRANSFER_WINDOW_DAYS}
                       GROUP BY ALL)
        SELECT 'transfer', 'records_around', CASE WHEN s.anonymized_id IS NULL THEN 'not_checked' ELSE 'flagged' END,
               {_SUBJECT_COLS}, s.facility, s.subject_date,
               CASE WHEN s.anonymized_id IS NULL
                    THEN 'the records carry no person identifier: a move to another agency cannot be traced'
                    ELSE printf('the same person has a detainer at %s within {TRANSFER_WINDOW_DAYS} days',
                                array_to_string(m.facilities, ', ')) END,
               to_json({{'records_around': m.refs, 'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM s LEFT JOIN moved m USING (release_id, file_name, sheet, row_number)
        WHERE s.anonymized_id IS NULL OR m.refs IS NOT NULL"""
    text = f"""{_FLAG_INSERT}
        SELECT 'transfer', 'row_text', 'flagged', {_SUBJECT_COLS}, s.jurisdiction, s.subject_date,
               'ICE''s row itself mentions a transfer', to_json({{'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM detainer_flag_subject s JOIN ddor_declined_detainer x ON x.release_id = s.release_id
             AND x.file_name = s.file_name AND x.row_number = s.row_number
        WHERE s.subject_table = 'ddor_declined_detainer'
          AND {
        like_any("x.jurisdiction_printed || ' ' || coalesce(x.notable_criminal_activity, '')", TRANSFER_PATTERNS)
    }"""
    around = f"""{_FLAG_INSERT}
        WITH held AS (SELECT facility_state, min(prepare_date) AS first, max(prepare_date) AS last FROM detainer
                      GROUP BY ALL),
             s AS (SELECT s.*, x.detainer_issued_date, h.first IS NOT NULL AS covered
                   FROM detainer_flag_subject s JOIN ddor_declined_detainer x ON x.release_id = s.release_id
                        AND x.file_name = s.file_name AND x.row_number = s.row_number
                   LEFT JOIN held h ON h.facility_state = s.state_abbr
                        AND x.detainer_issued_date BETWEEN h.first AND h.last
                   WHERE s.subject_table = 'ddor_declined_detainer'),
             rec AS (SELECT {DETAINER_GEOID_SQL} AS geoid, d.prepare_date, d.lift_reason, {_ref("d")} AS ref
                     FROM detainer d {FACILITY_JOIN_SQL} WHERE {like_any("d.lift_reason", TRANSFER_PATTERNS)}),
             hit AS (SELECT s.release_id, s.file_name, s.sheet, s.row_number, list(r.ref) AS refs
                     FROM s JOIN rec r ON r.geoid = s.geoid AND r.prepare_date = s.detainer_issued_date GROUP BY ALL)
        SELECT 'transfer', 'records_around', CASE WHEN h.refs IS NOT NULL THEN 'flagged' ELSE 'not_checked' END,
               {_SUBJECT_COLS}, s.jurisdiction, s.subject_date,
               CASE WHEN h.refs IS NOT NULL
                    THEN printf('%d detainer record(s) at this jurisdiction issued the same day were lifted as '
                                'transferred', len(h.refs))
                    ELSE 'no detainer records in the store cover this state on the issue date' END,
               to_json({{'records_around': h.refs, 'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM s LEFT JOIN hit h USING (release_id, file_name, sheet, row_number)
        WHERE h.refs IS NOT NULL OR NOT s.covered"""
    return [lift, person, text, around]


# -- 3. batch-dated -----------------------------------------------------------------------------------------
def _batch_sql() -> str:
    return f"""{_FLAG_INSERT}
        WITH s AS (SELECT *, coalesce(facility, jurisdiction) AS place FROM detainer_flag_subject),
             days AS (SELECT subject_table, state_abbr, place, subject_date, count(*) AS n, list({_ref()}) AS refs
                      FROM s WHERE subject_date IS NOT NULL GROUP BY ALL),
             batch AS (SELECT d.*, (SELECT sum(w.n) FROM days w WHERE w.subject_table = d.subject_table
                                    AND w.state_abbr IS NOT DISTINCT FROM d.state_abbr AND w.place = d.place
                                    AND w.subject_date BETWEEN d.subject_date - {BATCH_WINDOW_DAYS}
                                                           AND d.subject_date + {BATCH_WINDOW_DAYS}) AS around
                       FROM days d WHERE d.n >= {BATCH_MIN_DECLINES})
        SELECT 'batch_dated', 'declines_per_day', 'flagged', {_SUBJECT_COLS}, s.place, s.subject_date,
               printf('%d declines at %s dated %s (%d within {BATCH_WINDOW_DAYS} days either side)',
                      b.n, b.place, b.subject_date, b.around),
               to_json({{'day': b.subject_date, 'facility': b.place, 'declines': b.n, 'within_window': b.around,
                         'source_rows': b.refs}}), []::VARCHAR[]
        FROM s JOIN batch b ON b.subject_table = s.subject_table AND b.state_abbr IS NOT DISTINCT FROM s.state_abbr
             AND b.place = s.place AND b.subject_date = s.subject_date
        WHERE b.n >= {BATCH_MIN_SHARE} * b.around"""


# -- 4. wrong place -----------------------------------------------------------------------------------------
def _facility_counties(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table of each subject facility's county as the ICE facility lists (DETLOC) and the registry (the
    record's city column -> place -> county) give it. Resolved once per distinct city, not per row."""
    from sanctuarywatch.store.registry import build_resolver

    con.execute(
        """CREATE OR REPLACE TEMP TABLE _facility_county AS
           SELECT DISTINCT d.facility_state, d.facility_name, 'ICE facility list' AS source, f.geoid AS county,
                  f.release_id AS ref_release, f.file_name AS ref_file, f.row_number AS ref_row
           FROM (SELECT DISTINCT facility_state, facility_name, facility_code, release_id FROM detainer) d
           LEFT JOIN detainer_facility_match m ON m.release_id = d.release_id AND m.facility_state = d.facility_state
                AND m.facility_name = coalesce(d.facility_name, '')
           JOIN ice_facility f
                ON f.facility_code = coalesce(d.facility_code, regexp_extract(m.evidence, 'DETLOC (\\S+)', 1))
           WHERE f.geoid IS NOT NULL"""
    )
    cities = con.execute(
        """SELECT DISTINCT d.facility_state, d.facility_name, d.facility_city FROM detainer d
           JOIN detainer_flag_subject s ON s.subject_table = 'detainer' AND s.release_id = d.release_id
                AND s.file_name = d.file_name AND s.sheet = coalesce(d.sheet, '') AND s.row_number = d.row_number
           LEFT JOIN detainer_facility_match m ON m.release_id = d.release_id AND m.facility_state = d.facility_state
                AND m.facility_name = coalesce(d.facility_name, '')
           WHERE d.facility_city IS NOT NULL AND coalesce(m.method, '') <> 'facility location'"""
    ).fetchall()
    if not cities or not con.execute("SELECT count(*) FROM jurisdiction").fetchone()[0]:
        return
    resolver = build_resolver(con)
    found = []
    for state, facility, city in cities:
        try:
            r = resolver.resolve(city, state=state, level="place")
        except Exception:  # noqa: BLE001 - an unplaceable city leaves this source silent, not the run
            continue
        if r.status == "accepted" and r.geoid:
            found += [(state, facility, county, r.geoid, city) for county in resolver.counties_of(r.geoid)]
    if found:
        con.executemany(
            "INSERT INTO _facility_county VALUES (?, ?, 'registry (city column)', ?, NULL, "
            "'place ' || ? || ' (city column ' || ? || ')', NULL)",
            found,
        )


def _wrong_place_sql() -> list[str]:
    county = f"""{_FLAG_INSERT}
        WITH k AS (SELECT facility_state, facility_name, list(DISTINCT county) AS counties,
                          list(DISTINCT source) AS sources,
                          list({{'release_id': ref_release, 'file': ref_file, 'row': ref_row}}) AS refs
                   FROM _facility_county GROUP BY ALL),
             s AS (SELECT s.*, k.counties, k.sources, k.refs FROM detainer_flag_subject s
                   LEFT JOIN k ON k.facility_state = s.state_abbr AND k.facility_name = s.facility
                   WHERE s.subject_table = 'detainer')
        SELECT 'wrong_place', 'facility_county', CASE WHEN s.counties IS NULL OR s.geoid IS NULL THEN 'not_checked'
               ELSE 'flagged' END, {_SUBJECT_COLS}, s.facility, s.subject_date,
               CASE WHEN s.geoid IS NULL THEN 'the facility is not placed in a county'
                    WHEN s.counties IS NULL
                    THEN 'neither the ICE facility lists nor the registry (city) give this facility''s county'
                    ELSE printf('%s puts the facility in %s; the decline is credited to %s',
                                array_to_string(s.sources, ' and '), array_to_string(s.counties, ', '), s.geoid) END,
               to_json({{'facility_counties': s.counties, 'credited': s.geoid, 'county_sources': s.refs,
                         'source_rows': [{_ref()}]}}),
               list_distinct([r.release_id FOR r IN coalesce(s.refs, []) IF r.release_id IS NOT NULL])
        FROM s WHERE s.counties IS NULL OR s.geoid IS NULL OR NOT list_contains(s.counties, s.geoid)"""
    non_local = ", ".join(f"'{t}'" for t in NON_LOCAL_FACILITY_TYPES)
    agency = f"""{_FLAG_INSERT}
        SELECT 'wrong_place', 'holding_agency', CASE WHEN s.facility_type IS NULL THEN 'not_checked' ELSE 'flagged' END,
               {_SUBJECT_COLS}, s.facility, s.subject_date,
               CASE WHEN s.facility_type IS NULL THEN 'the facility''s type (who runs it) is unknown'
                    ELSE printf('held at a %s: the county credited did not hold the person', s.facility_type) END,
               to_json({{'facility_type': s.facility_type, 'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM detainer_flag_subject s WHERE s.subject_table = 'detainer'
          AND (s.facility_type IS NULL OR s.facility_type IN ({non_local}))"""
    ddor = f"""{_FLAG_INSERT}
        SELECT 'wrong_place', 'facility_county', 'not_checked', {_SUBJECT_COLS}, s.jurisdiction, s.subject_date,
               'ICE''s table prints no facility: the place that held the person cannot be compared',
               to_json({{'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM detainer_flag_subject s WHERE s.subject_table = 'ddor_declined_detainer'"""
    return [county, agency, ddor]


# -- 5. cooperating -----------------------------------------------------------------------------------------
def _cooperating_sql() -> list[str]:
    agreement = f"""{_FLAG_INSERT}
        WITH sheets AS (SELECT DISTINCT sheet_date FROM agreement_287g),
             s AS (SELECT s.*, (SELECT max(sheet_date) FROM sheets WHERE sheet_date <= s.subject_date) AS sheet_date
                   FROM detainer_flag_subject s),
             hit AS (SELECT s.release_id, s.file_name, s.sheet, s.row_number, s.subject_table,
                            list({_ref("a")}) AS refs, list(DISTINCT a.release_id) AS rels
                     FROM s JOIN agreement_287g a ON a.sheet_date = s.sheet_date AND a.geoid = s.geoid GROUP BY ALL)
        SELECT 'cooperating', 'agreement_287g', CASE WHEN s.sheet_date IS NULL THEN 'not_checked' ELSE 'flagged' END,
               {_SUBJECT_COLS}, coalesce(s.facility, s.jurisdiction), s.subject_date,
               CASE WHEN s.sheet_date IS NULL
                    THEN printf('no 287(g) sheet in the store on or before %s (the earliest is %s)', s.subject_date,
                                coalesce((SELECT min(sheet_date)::VARCHAR FROM sheets), 'none'))
                    ELSE printf('listed on ICE''s 287(g) participating-agencies sheet of %s', s.sheet_date) END,
               to_json({{'sheet_date': s.sheet_date, 'agreement_rows': h.refs, 'source_rows': [{_ref()}]}}),
               coalesce(h.rels, [])
        FROM s LEFT JOIN hit h USING (subject_table, release_id, file_name, sheet, row_number)
        WHERE s.sheet_date IS NULL OR h.refs IS NOT NULL"""
    policy = f"""{_FLAG_INSERT}
        SELECT 'cooperating', 'cooperation_policy', 'not_checked', {_SUBJECT_COLS},
               coalesce(s.facility, s.jurisdiction), s.subject_date,
               'no source of policies requiring cooperation (state laws, sheriff orders) is loaded',
               to_json({{'source_rows': [{_ref()}]}}), []::VARCHAR[]
        FROM detainer_flag_subject s"""
    honour, strict = like_any("d.lift_reason", HONOURED_PATTERNS), like_any("d.lift_reason", DECLINED_PATTERNS)
    honoured = f"""{_FLAG_INSERT}
        WITH years AS (SELECT {DETAINER_GEOID_SQL} AS geoid, year(d.prepare_date) AS yr,
                              count(*) FILTER (WHERE {honour}) AS honoured,
                              count(*) FILTER (WHERE {strict}) AS declined,
                              list(DISTINCT d.release_id) AS rels
                       FROM detainer d {FACILITY_JOIN_SQL} GROUP BY ALL),
             s AS (SELECT s.*, y.honoured, y.declined, y.rels, y.honoured + y.declined AS outcomes
                   FROM detainer_flag_subject s LEFT JOIN years y ON y.geoid = s.geoid AND y.yr = year(s.subject_date))
        SELECT 'cooperating', 'honoured_most',
               CASE WHEN coalesce(s.outcomes, 0) < {COOPERATING_MIN_OUTCOMES} THEN 'not_checked' ELSE 'flagged' END,
               {_SUBJECT_COLS}, coalesce(s.facility, s.jurisdiction), s.subject_date,
               CASE WHEN coalesce(s.outcomes, 0) < {COOPERATING_MIN_OUTCOMES}
                    THEN printf('%d detainer(s) honoured or declined at this jurisdiction in %d in the store: fewer '
                                'than {COOPERATING_MIN_OUTCOMES}', coalesce(s.outcomes, 0), year(s.subject_date))
                    ELSE printf('in %d %s honoured %d of %d detainers honoured or declined (%.0f%%)',
                                year(s.subject_date), coalesce(s.jurisdiction, s.geoid), s.honoured, s.outcomes,
                                100.0 * s.honoured / s.outcomes) END,
               to_json({{'year': year(s.subject_date), 'honoured': s.honoured, 'declined': s.declined,
                         'source_rows': [{_ref()}]}}), coalesce(s.rels, [])
        FROM s WHERE coalesce(s.outcomes, 0) < {COOPERATING_MIN_OUTCOMES}
                  OR s.honoured > {COOPERATING_MIN_SHARE} * s.outcomes"""
    return [agreement, policy, honoured]


def compute_flags(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild the subjects and their flags from the store (one transaction); returns the flag rows written."""
    with transaction(con):
        con.execute("DELETE FROM detainer_flag")
        con.execute("DELETE FROM detainer_flag_subject")
        con.execute(_subjects_sql())
        _facility_counties(con)
        for sql in [*_same_name_sql(), *_transfer_sql(), _batch_sql(), *_wrong_place_sql(), *_cooperating_sql()]:
            con.execute(sql)
        con.execute("DROP TABLE IF EXISTS _facility_county")
    return con.execute("SELECT count(*) FROM detainer_flag").fetchone()[0]


# -- reading the flags back (reports, profiles) ------------------------------------------------------------
NOT_COMPUTED = (
    "The audit flags have not been computed for this store (it predates them, or nothing was ingested since): "
    "run `sanctuarywatch ingest all`. Unchecked is not clean."
)


def computed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this store has the flag tables (migration 015) and a subject set to read."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('detainer_flag', 'detainer_flag_subject')"
    ).fetchone()[0]
    return found == 2


def small(n: int | None, suppress: bool) -> int | str | None:
    """A published count: 1-4 shown as "<5" when ``suppress``."""
    return f"<{SMALL_CELL}" if suppress and n is not None and 0 < n < SMALL_CELL else n


_STATUS = """WITH s AS (SELECT * FROM detainer_flag_subject s WHERE {where}),
     f AS (SELECT subject_table, release_id, file_name, sheet, row_number, flag,
                  CASE WHEN bool_or(status = 'flagged') THEN 'flagged' ELSE 'not_checked' END AS status
           FROM detainer_flag GROUP BY ALL),
     st AS (SELECT s.*, fl.flag, coalesce(f.status, 'clean') AS status
            FROM s CROSS JOIN (SELECT unnest({flags}) AS flag) fl
            LEFT JOIN f ON f.flag = fl.flag AND f.subject_table = s.subject_table AND f.release_id = s.release_id
                 AND f.file_name = s.file_name AND f.sheet = s.sheet AND f.row_number = s.row_number)"""


def _status(where: str) -> str:
    return _STATUS.format(where=where, flags="[" + ", ".join(f"'{f}'" for f in FLAGS) + "]")


def flag_counts(con: duckdb.DuckDBPyConnection, where: str, params: list, suppress: bool = False) -> list[dict]:
    """Per flag: subjects flagged, not checked (a check could not run) and clean, over the subjects ``where``."""
    found = {r["flag"]: r for r in _rows(con, _status(where) + """
        SELECT flag, count(*) FILTER (WHERE status = 'flagged') AS flagged,
               count(*) FILTER (WHERE status = 'not_checked') AS not_checked,
               count(*) FILTER (WHERE status = 'clean') AS clean, count(*) AS subjects
        FROM st GROUP BY flag""", params)}  # fmt: skip
    out = []
    for flag, title in FLAGS.items():
        r = found.get(flag, {"flagged": 0, "not_checked": 0, "clean": 0, "subjects": 0})
        out.append({"flag": flag, "title": title, **{k: small(r[k], suppress) for k in (*STATUSES, "subjects")}})
    return out


def declined_by_reading(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[dict]:
    """The declined count under each reading, side by side (records), or ICE's count with and without the
    rows flagged as transfers (DDOR)."""
    n = dict(con.execute(f"SELECT reading, count(*) FROM detainer_flag_subject s WHERE {where} GROUP BY 1",
                         params).fetchall())  # fmt: skip
    if "ddor" in n:
        moved = con.execute(
            _status(where) + "SELECT count(*) FROM st WHERE flag = 'transfer' AND status = 'flagged'", params
        ).fetchone()[0]
        return [{"reading": "ddor", "label": "ICE's published rows", "declined": n["ddor"]},
                {"reading": "ddor_without_transfers", "label": "... less the rows flagged as transfers",
                 "declined": n["ddor"] - moved}]  # fmt: skip
    total, out = 0, []
    for r in READINGS:
        total += n.get(r.reading, 0)
        out.append({"reading": r.reading, "label": r.label, "declined": total})
    return out


def _flag_rows(con: duckdb.DuckDBPyConnection, where: str, params: list, status: str) -> list[dict]:
    import json

    found = _rows(
        con,
        f"""SELECT f.flag, f.check_name, f.status, f.subject_table, f.release_id, f.file_name, f.sheet,
                   f.row_number, f.state_abbr, f.geoid, f.facility, f.subject_date, f.detail,
                   f.evidence::VARCHAR AS evidence, f.provenance
            FROM detainer_flag f JOIN detainer_flag_subject s USING (subject_table, release_id, file_name, sheet,
                 row_number)
            WHERE {where} AND f.status = '{status}'
            ORDER BY f.flag, f.check_name, f.subject_date, f.file_name, f.row_number""",
        params,
    )
    return [{**f, "evidence": json.loads(f["evidence"]) if f["evidence"] else None} for f in found]


def _batch_days(flagged: list[dict], suppress: bool) -> list[dict]:
    days: dict[tuple, dict] = {}
    for f in flagged:
        if f["flag"] == "batch_dated":
            e = f["evidence"]
            days.setdefault((f["state_abbr"], e["facility"], e["day"]), e)
    return [{"state_abbr": s, "facility": fac, "day": day, "declines": small(e["declines"], suppress),
             "within_window": small(e["within_window"], suppress),
             "source_rows": [f"{r['file']}:{r['row']}" for r in e["source_rows"]]}
            for (s, fac, day), e in sorted(days.items(), key=lambda kv: kv[0][2])]  # fmt: skip


def _most_flagged(con: duckdb.DuckDBPyConnection, where: str, params: list, suppress: bool, limit: int = 3):
    found = _rows(con, _status(where) + f"""
        SELECT coalesce(facility, jurisdiction) AS facility, state_abbr,
               count(DISTINCT (subject_table, release_id, file_name, sheet, row_number))
                   FILTER (WHERE status = 'flagged') AS flagged_rows,
               count(*) FILTER (WHERE status = 'flagged') AS flags,
               list(DISTINCT flag ORDER BY flag) FILTER (WHERE status = 'flagged') AS flag_types
        FROM st GROUP BY ALL HAVING flags > 0 ORDER BY flagged_rows DESC, flags DESC, facility LIMIT {limit}""",
        params)  # fmt: skip
    return [{**r, "flagged_rows": small(r["flagged_rows"], suppress), "flags": small(r["flags"], suppress)}
            for r in found]  # fmt: skip


def report_audit(con: duckdb.DuckDBPyConnection, where: str, params: list, suppress: bool = True) -> dict[str, Any]:
    """Everything a declined-detainer report shows about its flags, for the subjects ``where``."""
    if not computed(con):
        return {"status": "not_computed", "message": NOT_COMPUTED}
    flagged = _flag_rows(con, where, params, "flagged")
    unchecked = _rows(con, f"""
        SELECT f.flag, f.check_name, count(*) AS rows, min(f.detail) AS example
        FROM detainer_flag f JOIN detainer_flag_subject s USING (subject_table, release_id, file_name, sheet,
             row_number)
        WHERE {where} AND f.status = 'not_checked' GROUP BY ALL ORDER BY ALL""", params)  # fmt: skip
    return {
        "status": "computed",
        "thresholds": thresholds(),
        "readings": declined_by_reading(con, where, params),
        "counts": flag_counts(con, where, params),
        "batch_days": _batch_days(flagged, suppress),
        "most_flagged_facilities": _most_flagged(con, where, params, suppress),
        "not_checked": unchecked,
        "flags": flagged,
    }


def row_flags(audit: dict[str, Any], con: duckdb.DuckDBPyConnection, where: str, params: list) -> dict[tuple, dict]:
    """Per subject key (release, file, sheet, row): its flagged and unchecked flags and the flagged details."""
    out: dict[tuple, dict] = {}
    for f in audit.get("flags", []):
        entry = out.setdefault((f["release_id"], f["file_name"], f["sheet"], f["row_number"]), no_flags())
        entry["flags"].add(f["flag"])
        entry["details"].append(f["detail"])
    if audit.get("status") == "computed":
        for *key, flag in con.execute(
            f"""SELECT DISTINCT f.release_id, f.file_name, f.sheet, f.row_number, f.flag FROM detainer_flag f
                JOIN detainer_flag_subject s USING (subject_table, release_id, file_name, sheet, row_number)
                WHERE {where} AND f.status = 'not_checked'""",
            params,
        ).fetchall():
            out.setdefault(tuple(key), no_flags())["unchecked"].add(flag)
    return out


def no_flags() -> dict:
    return {"flags": set(), "unchecked": set(), "details": []}


def thresholds() -> dict[str, Any]:
    """The named thresholds and rules, as published with every report."""
    return {"batch_min_declines": BATCH_MIN_DECLINES, "batch_window_days": BATCH_WINDOW_DAYS,
            "batch_min_share": BATCH_MIN_SHARE, "cooperating_min_share": COOPERATING_MIN_SHARE,
            "cooperating_min_outcomes": COOPERATING_MIN_OUTCOMES, "transfer_window_days": TRANSFER_WINDOW_DAYS,
            "readings": {r.reading: list(r.patterns) for r in READINGS},
            "non_local_facility_types": list(NON_LOCAL_FACILITY_TYPES)}  # fmt: skip


def detainer_flag_counts(con: duckdb.DuckDBPyConnection, scope_geoids: list[str], as_of: date) -> dict[str, Any]:
    """For a profile: flag counts over the declined-detainer rows credited to these counties up to ``as_of``."""
    if not computed(con):
        return {"status": "not_computed", "message": NOT_COMPUTED, "counts": []}
    where, params = "s.geoid IN (SELECT unnest(?)) AND s.subject_date <= ?", [scope_geoids, as_of]
    return {"status": "computed", "readings": declined_by_reading(con, where, params),
            "counts": flag_counts(con, where, params, suppress=True)}  # fmt: skip


def flag_counts_by_year(con: duckdb.DuckDBPyConnection, state_abbr: str) -> list[dict]:
    """Flagged / not checked / clean per year and flag for one state's detainer records."""
    return _rows(con, _status("s.subject_table = 'detainer' AND s.state_abbr = ?") + """
        SELECT year(subject_date) AS year, flag, count(*) FILTER (WHERE status = 'flagged') AS flagged,
               count(*) FILTER (WHERE status = 'not_checked') AS not_checked,
               count(*) FILTER (WHERE status = 'clean') AS clean
        FROM st GROUP BY ALL ORDER BY ALL""", [state_abbr])  # fmt: skip
