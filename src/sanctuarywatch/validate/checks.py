"""The data-quality invariants, as data: each check is SQL over the store returning one row per subject.

Every check's SQL returns the columns ``subject, status, detail, reason, release_id, file_name, row_number`` with
status ``pass``, ``warn`` or ``fail``. A check whose ``requires`` tables are missing or empty is reported as
``not checked`` (not loaded is not a pass). Some checks are generated from the catalog (every GEOID column, every
table with provenance), so a new table is covered the day it is added.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import duckdb

# 287(g) participating sheets: a drop of more than this share of agencies between consecutive sheets fails,
# unless validate/data/accepted_exceptions.csv lists the pair of sheets with a reason.
MAX_287G_DROP_SHARE = 0.10
# A file-name date more than this many days from the sheet's as-of date (workbook metadata) fails.
MAX_FILE_NAME_DATE_DAYS = 7

# Columns holding a Census GEOID that must be in the jurisdiction registry.
GEOID_COLUMNS = ("geoid", "county_geoid", "place_geoid", "member_geoid", "decided_geoid", "parent_geoid",
                 "child_geoid", "consolidated_with")  # fmt: skip
BOOKKEEPING_TABLES = frozenset({"source", "release", "release_file", "quarantine", "validation_result"})

# SQL text, or a function of the connection giving SQL text or the rows themselves.
Sql = str | Callable[[duckdb.DuckDBPyConnection], str | list[tuple]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    sql: Sql
    requires: tuple[str, ...] = ()


def base_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables of the store (views excluded), by name."""
    sql = "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
    return [r[0] for r in con.execute(sql).fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    sql = "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?"
    return {r[0] for r in con.execute(sql, [table]).fetchall()}


def _provenance(cols: set[str], alias: str = "") -> str:
    """arg_min of release/file/row over a group, or NULLs when the table has no provenance columns."""
    if {"release_id", "file_name", "row_number"} <= cols:
        order = f"coalesce({alias}row_number, 0)"
        return (f"arg_min({alias}release_id, {order}), arg_min({alias}file_name, {order}), "
                f"min({alias}row_number)")  # fmt: skip
    return "NULL, NULL, NULL"


def _geoid_sql(con: duckdb.DuckDBPyConnection) -> str:
    parts = []
    for table in base_tables(con):
        cols = _columns(con, table)
        for col in GEOID_COLUMNS:
            if col not in cols or (table == "jurisdiction" and col == "geoid"):
                continue
            parts.append(
                f"""SELECT '{table}.{col} = ' || v.{col},
                           CASE WHEN v.{col} IN (SELECT geoid FROM jurisdiction) THEN 'pass' ELSE 'fail' END,
                           count(*) || ' row(s) of {table} carry {col} ' || v.{col}
                             || CASE WHEN v.{col} IN (SELECT geoid FROM jurisdiction) THEN ', in the registry'
                                     ELSE ', which is not in the jurisdiction registry' END,
                           NULL, {_provenance(cols, "v.")}
                    FROM {table} v WHERE v.{col} IS NOT NULL GROUP BY v.{col}"""
            )
    return " UNION ALL ".join(parts)


def _provenance_sql(con: duckdb.DuckDBPyConnection) -> str:
    parts = []
    for table in base_tables(con):
        cols = _columns(con, table)
        if table in BOOKKEEPING_TABLES or "release_id" not in cols:
            continue
        file_test = "f.release_id IS NOT NULL" if "file_name" in cols else "true"
        file_join = ("LEFT JOIN release_file f ON f.release_id = v.release_id AND f.file_name = v.file_name"
                     if "file_name" in cols else "LEFT JOIN (SELECT NULL AS release_id) f ON false")  # fmt: skip
        parts.append(
            f"""SELECT '{table} rows of ' || v.release_id,
                       CASE WHEN r.release_id IS NULL OR count(*) FILTER (WHERE NOT ({file_test})) > 0
                            THEN 'fail' ELSE 'pass' END,
                       count(*) || ' row(s); release ' || CASE WHEN r.release_id IS NULL THEN 'missing' ELSE 'present'
                         END || '; ' || count(*) FILTER (WHERE NOT ({file_test})) || ' row(s) name a file the release '
                         || 'does not hold',
                       NULL, {_provenance(cols, "v.")}
                FROM {table} v LEFT JOIN release r ON r.release_id = v.release_id {file_join}
                GROUP BY v.release_id, r.release_id"""
        )
    return " UNION ALL ".join(parts)


def release_fact_tables() -> list[tuple[str, str]]:
    """(source_id, table) pairs whose rows a release's rows_loaded counts (validate/data/release_fact_tables.csv):
    the pipeline records one total per release, not per table, and reference or derived rows also carry the id."""
    text = (resources.files("sanctuarywatch.validate") / "data" / "release_fact_tables.csv").read_text("utf-8")
    return [(r["source_id"], r["table_name"]) for r in csv.DictReader(text.splitlines())]


def _release_rows_sql(con: duckdb.DuckDBPyConnection) -> str:
    tables = set(base_tables(con))
    pairs = [(s, t) for s, t in release_fact_tables() if t in tables]
    union = " UNION ALL ".join(
        f"SELECT r.release_id, '{t}' AS tbl, count(*) AS n FROM {t} JOIN release r USING (release_id) "
        f"WHERE r.source_id = '{s}' GROUP BY 1"
        for s, t in pairs
    )
    listed = ", ".join(sorted({f"'{s}'" for s, _ in release_fact_tables()}))
    return f"""
        WITH per AS ({union}),
             facts AS (SELECT release_id, sum(n) AS n, string_agg(tbl || ' ' || n, ', ' ORDER BY tbl) AS tables
                       FROM per GROUP BY 1),
             q AS (SELECT release_id, count(*) AS n FROM quarantine GROUP BY 1),
             newer AS (SELECT a.release_id FROM release a JOIN release b
                       ON a.source_id = b.source_id AND b.ingested_at > a.ingested_at GROUP BY 1)
        SELECT r.source_id || ' ' || r.version,
               CASE WHEN r.source_id NOT IN ({listed}) THEN 'not checked'
                    WHEN coalesce(f.n, 0) = r.rows_loaded AND coalesce(q.n, 0) = r.rows_quarantined THEN 'pass'
                    WHEN coalesce(f.n, 0) = 0 AND nw.release_id IS NOT NULL THEN 'warn' ELSE 'fail' END,
               CASE WHEN r.source_id NOT IN ({listed})
                    THEN 'no fact tables listed for ' || r.source_id || ' in validate/data/release_fact_tables.csv'
                    ELSE format('release records {{}} rows loaded and {{}} quarantined; the store holds {{}} fact rows '
                                || '({{}}) and {{}} quarantine rows', r.rows_loaded, r.rows_quarantined,
                                coalesce(f.n, 0), coalesce(f.tables, 'none'), coalesce(q.n, 0)) END,
               CASE WHEN coalesce(f.n, 0) = 0 AND nw.release_id IS NOT NULL
                    THEN 'its rows were replaced by a newer release of the source' END,
               r.release_id, NULL, NULL
        FROM release r LEFT JOIN facts f USING (release_id) LEFT JOIN q USING (release_id)
        LEFT JOIN newer nw USING (release_id)"""


SHEET_ROWS_287G = """
    WITH loaded AS (SELECT release_id, file_name, count(*) AS n FROM (
                        SELECT release_id, file_name FROM agreement_287g
                        UNION ALL SELECT release_id, file_name FROM pending_287g) GROUP BY ALL),
         q AS (SELECT release_id, file_name, count(*) AS n FROM quarantine GROUP BY ALL)
    SELECT s.list_kind || ' sheet ' || s.sheet_date || ' (' || s.file_name || ')',
           CASE WHEN s.data_rows - coalesce(q.n, 0) = coalesce(l.n, 0) THEN 'pass' ELSE 'fail' END,
           format('{} data rows on the sheet, {} quarantined, {} stored', s.data_rows, coalesce(q.n, 0),
                  coalesce(l.n, 0)),
           NULL, s.release_id, s.file_name, s.row_number
    FROM sheet_287g s LEFT JOIN loaded l USING (release_id, file_name) LEFT JOIN q USING (release_id, file_name)"""

DETAINER_FACILITY_ROWS = """
    WITH per AS (SELECT release_id, count(*) AS n FROM detainer GROUP BY 1),
         m AS (SELECT release_id, sum(detainers) AS n, count(*) AS facilities FROM detainer_facility_match GROUP BY 1)
    SELECT 'detainer facilities of ' || m.release_id,
           CASE WHEN m.n = coalesce(per.n, 0) THEN 'pass' ELSE 'fail' END,
           format('{} facilities count {} detainers; the release stored {}', m.facilities, m.n, coalesce(per.n, 0)),
           NULL, m.release_id, NULL, NULL
    FROM m LEFT JOIN per USING (release_id)"""

LIST_ENTRY_RESOLVED = """
    WITH flags AS (SELECT release_id, file_name, row_number, string_agg(flag || ': ' || reason, '; ') AS reason
                   FROM list_entry_flag GROUP BY ALL),
         queued AS (SELECT input_text, count(*) AS n FROM review_item WHERE status = 'open' GROUP BY 1)
    SELECT m.list_id || ' ' || m.edition || ': ' || m.as_printed || coalesce(' (' || m.state_as_printed || ')', ''),
           CASE WHEN m.resolution_status IN ('accepted', 'reviewed') THEN 'pass'
                WHEN m.resolution_status = 'needs_review' AND qd.n > 0 THEN 'pass'
                WHEN f.reason IS NOT NULL THEN 'warn' ELSE 'fail' END,
           m.resolution_status || CASE WHEN m.resolution_status IN ('accepted', 'reviewed') THEN ''
                                       WHEN qd.n > 0 THEN ', open in the review queue'
                                       ELSE ', not in the review queue' END,
           CASE WHEN m.resolution_status NOT IN ('accepted', 'reviewed') AND coalesce(qd.n, 0) = 0
                THEN 'list flag ' || f.reason END,
           m.release_id, m.file_name, m.row_number
    FROM list_membership m LEFT JOIN flags f USING (release_id, file_name, row_number)
    LEFT JOIN queued qd ON qd.input_text = m.as_printed"""

AGENCY_DROP_287G = f"""
    WITH per AS (SELECT p.valid_from, p.release_id, p.file_name, count(DISTINCT a.agency_id) AS n
                 FROM sheet_287g_period p LEFT JOIN agreement_287g a USING (release_id, file_name)
                 WHERE p.list_kind = 'participating' GROUP BY ALL),
         seq AS (SELECT *, lag(n) OVER w AS prev_n, lag(valid_from) OVER w AS prev_date
                 FROM per WINDOW w AS (ORDER BY valid_from))
    SELECT 'participating ' || prev_date || ' -> ' || valid_from,
           CASE WHEN n < prev_n * (1 - {MAX_287G_DROP_SHARE}) THEN 'fail' ELSE 'pass' END,
           format('{{}} agencies on {{}}, {{}} on {{}} ({{:+.1f}}%; limit -{MAX_287G_DROP_SHARE * 100:.0f}%)',
                  prev_n, prev_date, n, valid_from, 100.0 * (n - prev_n) / greatest(prev_n, 1)),
           NULL, release_id, file_name, NULL
    FROM seq WHERE prev_n IS NOT NULL"""

FILE_NAME_DATE_287G = f"""
    WITH named AS (SELECT *, try_strptime(regexp_extract(file_name, '(\\d{{8}})', 1), '%m%d%Y')::DATE AS name_date
                   FROM sheet_287g)
    SELECT list_kind || ' sheet ' || file_name,
           CASE WHEN name_date IS NULL THEN 'warn'
                WHEN abs(date_diff('day', sheet_date, name_date)) > {MAX_FILE_NAME_DATE_DAYS} THEN 'fail'
                ELSE 'pass' END,
           format('as-of date {{}} ({{}}); file name says {{}}', sheet_date, date_from,
                  coalesce(CAST(name_date AS VARCHAR), 'no date')),
           CASE WHEN name_date IS NULL THEN 'no MMDDYYYY date in the file name to compare' END,
           release_id, file_name, row_number
    FROM named"""

PLACE_PARENT_VINTAGE = """
    WITH pairs AS (
        SELECT r.*, coalesce(c.state_abbr, s.state_abbr, left(r.child_geoid, 2)) AS state,
               try_cast(r.vintage || '-01-01' AS DATE) AS on_day, p.geoid AS parent, p.level AS parent_level,
               p.name AS parent_name, p.valid_from, p.valid_to, c.geoid AS child
        FROM jurisdiction_relation r
        LEFT JOIN jurisdiction p ON p.geoid = r.parent_geoid
        LEFT JOIN jurisdiction c ON c.geoid = r.child_geoid
        LEFT JOIN jurisdiction s ON s.geoid = left(r.child_geoid, 2) AND s.level = 'state'
        WHERE r.relation = 'in_county'),
    judged AS (
        SELECT *, parent IS NULL OR child IS NULL OR parent_level <> 'county'
                  OR (on_day IS NOT NULL AND NOT (coalesce(valid_from, DATE '0001-01-01') <= on_day
                                                  AND (valid_to IS NULL OR valid_to > on_day))) AS bad
        FROM pairs),
    labelled AS (
        SELECT *, CASE WHEN bad THEN parent_geoid || ' ' || coalesce(parent_name, '(not in registry)')
                       || coalesce(' from ' || valid_from, '') || coalesce(' until ' || valid_to, '') END AS bad_label
        FROM judged)
    SELECT 'in_county ' || vintage || ' ' || state,
           CASE WHEN count(*) FILTER (WHERE bad) = 0 THEN 'pass' ELSE 'fail' END,
           format('{} of {} place-county pairs name a county missing or not in force on {}{}',
                  count(*) FILTER (WHERE bad), count(*), coalesce(CAST(min(on_day) AS VARCHAR), vintage),
                  coalesce(': ' || string_agg(DISTINCT bad_label, '; ' ORDER BY bad_label), '')),
           NULL, arg_min(release_id, CASE WHEN bad THEN row_number END), arg_min(file_name, CASE WHEN bad THEN
           row_number END), min(CASE WHEN bad THEN row_number END)
    FROM labelled GROUP BY vintage, state"""

DECLINED_MONTHLY = """
    SELECT coalesce(geoid, 'facility ' || coalesce(facility_code, '?')) || ' ' || strftime(month, '%Y-%m'),
           CASE WHEN declined <= detainers THEN 'pass' ELSE 'fail' END,
           format('{} declined of {} detainers in the month (detainer_monthly)', declined, detainers),
           NULL, NULL, NULL, NULL
    FROM detainer_monthly
    UNION ALL
    SELECT 'detainer_monthly total', CASE WHEN s.n = d.n THEN 'pass' ELSE 'fail' END,
           format('summary counts {} detainers; the detainer table holds {} (rebuild summaries after ingest)',
                  s.n, d.n),
           NULL, NULL, NULL, NULL
    FROM (SELECT coalesce(sum(detainers), 0) AS n FROM detainer_monthly) s, (SELECT count(*) AS n FROM detainer) d"""

# DDOR weekly declined detainers against the detainers recorded in the same county and week, only where the
# loaded detainer records cover that state and week; elsewhere the comparison is not possible (not checked).
DECLINED_LE_ISSUED_WEEKLY = """
    WITH declined AS (
        SELECT geoid, state_abbr, report_week_start AS w0, report_week_end AS w1, count(*) AS n,
               arg_min(release_id, row_number) AS release_id, arg_min(file_name, row_number) AS file_name,
               min(row_number) AS row_number
        FROM ddor_declined_detainer WHERE geoid IS NOT NULL GROUP BY ALL),
    covered AS (SELECT facility_state, min(prepare_date) AS d0, max(prepare_date) AS d1 FROM detainer GROUP BY 1),
    issued AS (
        SELECT d.geoid, d.w0, count(t.prepare_date) AS n FROM declined d
        LEFT JOIN detainer t ON t.geoid = d.geoid AND t.prepare_date BETWEEN d.w0 AND d.w1 GROUP BY ALL)
    SELECT d.geoid || ' week ' || d.w0,
           CASE WHEN c.facility_state IS NULL OR d.w0 < c.d0 OR d.w1 > c.d1 THEN 'not checked'
                WHEN d.n <= i.n THEN 'pass' ELSE 'fail' END,
           format('{} declined (DDOR), {} detainers recorded in the county that week{}', d.n, i.n,
                  CASE WHEN c.facility_state IS NULL OR d.w0 < c.d0 OR d.w1 > c.d1
                       THEN '; detainer records do not cover ' || d.state_abbr || ' in that week' ELSE '' END),
           NULL, d.release_id, d.file_name, d.row_number
    FROM declined d JOIN issued i USING (geoid, w0) LEFT JOIN covered c ON c.facility_state = d.state_abbr"""

DDOR_DATES = """
    SELECT report_issue || ': ' || jurisdiction_printed || ', ' || state_abbr,
           CASE WHEN declined_date < detainer_issued_date THEN 'fail' ELSE 'pass' END,
           format('issued {}, declined {}', detainer_issued_date, declined_date),
           NULL, release_id, file_name, row_number
    FROM ddor_declined_detainer WHERE detainer_issued_date IS NOT NULL AND declined_date IS NOT NULL"""

SIGNED_BEFORE_SHEET = """
    SELECT 'agreement ' || agency_id || ' ' || support_model || ' on ' || sheet_date,
           CASE WHEN signed_date > sheet_date THEN 'fail' ELSE 'pass' END,
           format('signed {} on a sheet dated {}', signed_date, sheet_date), NULL, release_id, file_name, row_number
    FROM agreement_287g WHERE signed_date IS NOT NULL"""


# A figure whose source is not loaded cannot be checked: not loaded is not a disagreement (and never a pass).
STATUS_OF_RECOMPUTED = {"agrees": "pass", "not_reproducible": "not checked", "not_loaded": "not checked"}


def _published_figure_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The register of published figures: each agrees with the store's recomputation, or differs with an
    explanation (warn), or differs unexplained (fail); a figure the store cannot recompute is 'not checked'."""
    # The recomputation is analysis code (analysis/published.py): imported here, at run time, so the register is
    # checked by the same rules the pages show rather than by a second copy of them.
    from sanctuarywatch.analysis.published import published_figures

    subjects = [r[0] for r in con.execute("SELECT DISTINCT subject FROM published_figure").fetchall()]
    out = []
    for f in published_figures(con, subjects=subjects)["figures"]:
        got = f["recomputed"]
        explained = (f.get("note") or "").strip()
        status = STATUS_OF_RECOMPUTED.get(got["status"]) or ("warn" if explained else "fail")
        detail = f"published {f['value_as_published']}; store: {got.get('message') or got['status']}"
        out.append((f["figure_id"], status, detail, explained if status == "warn" else None, f["release_id"],
                    f["file_name"], f["row_number"]))  # fmt: skip
    return out


CHECKS: tuple[Check, ...] = (
    Check("provenance", "Every fact row's release exists and holds the file the row names.", _provenance_sql),
    Check(
        "release_row_count",
        "A release's rows_loaded and rows_quarantined equal the rows the store holds for it.",
        _release_rows_sql,
    ),
    Check(
        "sheet_287g_rows",
        "Each 287(g) sheet's data rows = rows stored + rows quarantined from that file.",
        SHEET_ROWS_287G,
        ("sheet_287g",),
    ),
    Check(
        "detainer_facility_rows",
        "The facilities of a detainer release account for every detainer it stored.",
        DETAINER_FACILITY_ROWS,
        ("detainer_facility_match",),
    ),
    Check(
        "geoid_in_registry", "No GEOID outside the jurisdiction registry, in any table.", _geoid_sql, ("jurisdiction",)
    ),
    Check(
        "list_entry_resolved",
        "Every list entry is resolved, or open in the review queue, or flagged with a reason.",
        LIST_ENTRY_RESOLVED,
        ("list_membership",),
    ),
    Check(
        "agency_drop_287g",
        f"287(g) participating agencies never drop by more than {MAX_287G_DROP_SHARE:.0%} between consecutive sheets "
        "without a listed reason.",
        AGENCY_DROP_287G,
        ("agreement_287g",),
    ),
    Check(
        "file_name_date_287g",
        f"A 287(g) file name's date is within {MAX_FILE_NAME_DATE_DAYS} days of the sheet's as-of date.",
        FILE_NAME_DATE_287G,
        ("sheet_287g",),
    ),
    Check(
        "signed_before_sheet",
        "A 287(g) agreement is not signed after the sheet that lists it.",
        SIGNED_BEFORE_SHEET,
        ("agreement_287g",),
    ),
    Check(
        "place_parent_vintage",
        "A place's parent counties exist, and are in force, in the relation's vintage.",
        PLACE_PARENT_VINTAGE,
        ("jurisdiction_relation",),
    ),
    Check(
        "declined_le_detainers_monthly",
        "Declined <= detainers per county and month; the summary matches the facts.",
        DECLINED_MONTHLY,
        ("detainer",),
    ),
    Check(
        "declined_le_issued_weekly",
        "DDOR declined detainers <= detainers recorded per county and week.",
        DECLINED_LE_ISSUED_WEEKLY,
        ("ddor_declined_detainer", "detainer"),
    ),
    Check(
        "ddor_dates",
        "A DDOR detainer is declined on or after the day it was issued.",
        DDOR_DATES,
        ("ddor_declined_detainer",),
    ),
    Check(
        "published_figure",
        "Published figures agree with the recomputed ones or carry an explanation.",
        _published_figure_rows,
        ("published_figure",),
    ),
)
