"""Run the invariants, apply the listed exceptions, and keep the results in ``validation_result``.

A ``fail`` whose (check, subject) is listed in ``validate/data/accepted_exceptions.csv`` becomes a ``warn`` carrying
the listed reason; an exception that no longer matches any violation is reported (a stale list hides nothing, but
it should be pruned). Pass rows of a check collapse into one row saying how many subjects passed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from importlib import resources

import duckdb

from sanctuarywatch.store.db import transaction
from sanctuarywatch.validate.checks import CHECKS, Check

STATUSES = ("pass", "warn", "fail", "not checked")


@dataclass(frozen=True)
class Finding:
    check_name: str
    subject: str
    status: str
    detail: str
    reason: str | None = None
    release_id: str | None = None
    file_name: str | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class Exception_:
    check_name: str
    subject: str
    reason: str


def accepted_exceptions() -> list[Exception_]:
    """The listed, reasoned exceptions (validate/data/accepted_exceptions.csv)."""
    text = (resources.files("sanctuarywatch.validate") / "data" / "accepted_exceptions.csv").read_text("utf-8")
    return [Exception_(r["check"], r["subject"], r["reason"]) for r in csv.DictReader(text.splitlines())]


def _missing(con: duckdb.DuckDBPyConnection, check: Check) -> str | None:
    """Why a check cannot run: a required table absent or empty (its source not loaded)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    for table in check.requires:
        if table not in tables:
            return f"table {table} does not exist in this store"
        if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()[0] == 0:
            return f"{table} is empty: its source is not loaded"
    return None


def run_check(con: duckdb.DuckDBPyConnection, check: Check) -> list[Finding]:
    """One check's findings (passes not yet collapsed)."""
    why = _missing(con, check)
    if why:
        return [Finding(check.name, check.name, "not checked", why)]
    sql = check.sql(con) if callable(check.sql) else check.sql
    if isinstance(sql, list):
        return [Finding(check.name, *row) for row in sql]
    if not sql.strip():
        return [Finding(check.name, check.name, "not checked", "no table in this store has the columns it checks")]
    return [Finding(check.name, *row) for row in con.execute(sql).fetchall()]


def _collapse(check: Check, findings: list[Finding]) -> list[Finding]:
    passed = [f for f in findings if f.status == "pass"]
    kept = [f for f in findings if f.status != "pass"]
    if passed or not findings:
        summary = f"{len(passed):,} subject(s) checked, all pass" if not kept else f"{len(passed):,} subject(s) pass"
        kept.insert(0, Finding(check.name, f"{len(passed):,} subject(s)", "pass", summary))
    return kept


def apply_exceptions(findings: list[Finding], exceptions: Iterable[Exception_]) -> list[Finding]:
    """Turn listed fails into warns with their reason; report listed exceptions that matched nothing."""
    listed = {(e.check_name, e.subject): e for e in exceptions}
    used: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        key = (f.check_name, f.subject)
        if f.status == "fail" and key in listed:
            used.add(key)
            f = Finding(*astuple(f)[:2], "warn", f.detail, listed[key].reason, *astuple(f)[5:])
        out.append(f)
    for key, e in listed.items():
        if key not in used:
            out.append(Finding("accepted_exception_unused", f"{e.check_name}: {e.subject}", "warn",
                               "listed in validate/data/accepted_exceptions.csv but no failing row matches it; "
                               "remove it if the problem is gone", e.reason))  # fmt: skip
    return out


def run_checks(con: duckdb.DuckDBPyConnection, checks: Iterable[Check] = CHECKS,
               exceptions: Iterable[Exception_] | None = None) -> list[Finding]:  # fmt: skip
    """Every check over the store: the findings, exceptions applied, passes collapsed per check."""
    findings: list[Finding] = []
    for check in checks:
        findings.extend(_collapse(check, run_check(con, check)))
    return apply_exceptions(findings, accepted_exceptions() if exceptions is None else exceptions)


def write_results(con: duckdb.DuckDBPyConnection, findings: list[Finding], run_at: datetime | None = None) -> None:
    """Replace the stored results with this run's (one transaction)."""
    run_at = (run_at or datetime.now(UTC)).replace(tzinfo=None)
    with transaction(con):
        con.execute("DELETE FROM validation_result")
        if findings:
            con.executemany(
                "INSERT INTO validation_result (run_at, check_name, subject, status, detail, reason, release_id, "
                "file_name, row_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[run_at, *astuple(f)] for f in findings],
            )


def failed(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == "fail"]
