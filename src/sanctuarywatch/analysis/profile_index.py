"""Jurisdiction profiles served from memory: the same answer as :func:`.profile.jurisdiction_profile`, for a server.

A profile over SQL runs ~25 small queries (~66 ms idle, far more under load); a server answering hundreds of
requests a second cannot afford that per profile. :class:`ProfileIndex` runs each of those queries once over the
whole (read-only) snapshot, without the per-jurisdiction and per-date filters, groups the rows by GEOID, and applies
the filters, ``as_of`` included, in Python (a few tenths of a millisecond per profile). Joins, casts and text are
still computed by DuckDB, in the same expressions; only filtering, grouping of small row sets and ordering by the
same keys happen here (a deliberate exception to "set work in SQL", measured: see benchmarks/load_bench.py). The
rare parts that depend on a few rows (litigation of a plaintiff, a published figure's recomputation, detainer flag
counts of covered counties) still call the SQL functions. tests/test_profile_index.py checks both give the same
JSON for every page jurisdiction and for random past days.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import duckdb

from sanctuarywatch.analysis.audit_flags import detainer_flag_counts
from sanctuarywatch.analysis.coverage import detainer_verdict, section_coverage, source_states
from sanctuarywatch.analysis.litigation import cases_covering
from sanctuarywatch.analysis.policies import POLICY_COLUMNS, before_after, binding_geoids
from sanctuarywatch.analysis.policies import SOURCE_ID as POLICY_SOURCE
from sanctuarywatch.analysis.profile import detainer_answer, identity_sql
from sanctuarywatch.analysis.published import for_jurisdiction
from sanctuarywatch.analysis.query import rows as _rows
from sanctuarywatch.errors import NotFoundError
from sanctuarywatch.geo.jails import operator_for

NULL_DAY = date(1900, 1, 1)  # the coalesce() default of the SQL filters
DDOR_FIRST_ISSUE = date(2017, 3, 20)
_LAST = (1, None)  # sorts after every (0, value): NULLS LAST, as DuckDB orders by default


def _key(value: Any) -> tuple:
    return _LAST if value is None else (0, value)


def _by(rows: list[dict], column: str) -> dict[Any, list[dict]]:
    out: dict[Any, list[dict]] = defaultdict(list)
    for r in rows:
        out[r.pop(column)].append(r)
    return out


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


class ProfileIndex:
    """Every table a profile reads, loaded once from one read-only snapshot (about a second for the real store)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.states = source_states(con)
        self.coverage = {
            section: section_coverage(con, section, self.states)
            for section in ("lists", "policies", "agreements_287g", "litigation", "unauthorized_population",
                            "detainers", "grants")
        }  # fmt: skip
        self.policies_loaded = POLICY_SOURCE in self.states
        self._load_places(con)
        self._load_facts(con)
        self._load_policies(con)
        self._load_detainers(con)
        self._load_provenance(con)
        self._litigation_cache: dict[tuple, list[dict]] = {}
        self._published_cache: dict[tuple, dict] = {}

    # -- loading ------------------------------------------------------------------------------------------------
    def _load_places(self, con: duckdb.DuckDBPyConnection) -> None:
        self.identity = {r["geoid"]: r for r in _rows(con, identity_sql(""))}
        self.parents = _by(_rows(con, """
            SELECT r.child_geoid AS key, r.parent_geoid AS geoid, j.name, j.level, r.relation
            FROM jurisdiction_relation r JOIN jurisdiction j ON j.geoid = r.parent_geoid
            ORDER BY r.child_geoid, j.level DESC, j.name"""), "key")  # fmt: skip
        self.children = _by(_rows(con, """
            SELECT r.parent_geoid AS key, r.child_geoid AS geoid, j.name, j.level, r.relation
            FROM jurisdiction_relation r JOIN jurisdiction j ON j.geoid = r.child_geoid
            WHERE r.relation <> 'in_state' ORDER BY r.parent_geoid, j.name"""), "key")  # fmt: skip
        self.in_county: dict[str, list[str]] = defaultdict(list)
        for child, parent in con.execute(
            "SELECT child_geoid, parent_geoid FROM jurisdiction_relation WHERE relation = 'in_county'"
        ).fetchall():
            self.in_county[child].append(parent)
        self.state_counties: dict[str, list[str]] = defaultdict(list)
        for geoid, state in con.execute("SELECT geoid, state_fips FROM jurisdiction WHERE level = 'county'").fetchall():
            self.state_counties[state].append(geoid)

    def _load_facts(self, con: duckdb.DuckDBPyConnection) -> None:
        self.aliases: dict[str, Counter] = defaultdict(Counter)
        for geoid, name, n in con.execute("""
            SELECT geoid, name, count(*) FROM (
                SELECT geoid, as_printed AS name FROM list_membership
                UNION ALL SELECT geoid, agency_name FROM agreement_287g
                UNION ALL SELECT geoid, jurisdiction_printed FROM ddor_policy_jurisdiction
            ) WHERE geoid IS NOT NULL GROUP BY ALL""").fetchall():  # fmt: skip
            self.aliases[geoid][name] += n
        self.lists = _by(_rows(con, """
            SELECT m.geoid AS key, m.list_id, l.title, l.publisher, l.kind, m.edition, m.edition_date,
                   m.withdrawn_date, m.as_printed, m.state_as_printed, m.category, m.release_id, m.file_name,
                   m.row_number, NULL AS withdrawn, coalesce(m.edition_stands_alone, false) AS dated_event, m.note,
                   r.kind AS release_kind,
                   (SELECT list(f.flag || ': ' || f.reason ORDER BY f.flag) FROM list_entry_flag f
                    WHERE f.release_id = m.release_id AND f.file_name = m.file_name
                      AND f.row_number = m.row_number) AS flags
            FROM list_membership m LEFT JOIN designation_list l USING (list_id)
            LEFT JOIN release r ON r.release_id = m.release_id
            WHERE m.geoid IS NOT NULL ORDER BY m.geoid, m.edition_date, m.list_id, m.row_number"""), "key")  # fmt: skip
        self.agreements: dict[str, list[tuple]] = defaultdict(list)
        for i, row in enumerate(con.execute("""
            SELECT geoid, agency_name, state_abbr, support_model, signed_date, sheet_date, moa_url, release_id,
                   file_name, row_number FROM agreement_287g WHERE geoid IS NOT NULL""").fetchall()):  # fmt: skip
            self.agreements[row[0]].append((i, *row[1:]))
        sheets = con.execute("SELECT DISTINCT sheet_date FROM agreement_287g").fetchall()
        self.sheet_dates = sorted(r[0] for r in sheets)
        self.grants: dict[str, list[tuple]] = defaultdict(list)
        for geoid, program, year, amount, award_id in con.execute(
            "SELECT geoid, program, fiscal_year, amount, award_id FROM grant_award WHERE geoid IS NOT NULL"
        ).fetchall():
            self.grants[geoid].append((program, year, amount, award_id))
        plaintiffs = con.execute("SELECT DISTINCT geoid FROM litigation_party WHERE role = 'plaintiff'").fetchall()
        self.plaintiffs = {r[0] for r in plaintiffs if r[0] is not None}
        # cases_covering(d) changes only where d passes one of these days (its filters are all "d >= day")
        self.litigation_days = sorted({r[0] for r in con.execute("""
            SELECT filed_date FROM litigation_case UNION SELECT order_date FROM litigation_order
            UNION SELECT effective_from FROM litigation_relief UNION SELECT effective_to FROM litigation_relief
            """).fetchall() if r[0] is not None})  # fmt: skip
        self.figure_subjects = {r[0] for r in con.execute("SELECT DISTINCT subject FROM published_figure").fetchall()}

    def _load_policies(self, con: duckdb.DuckDBPyConnection) -> None:
        self.stated = _by(_rows(con, """
            SELECT geoid AS key, title, policy_text, effective_date, ended_date, url, as_printed, release_id,
                   file_name, row_number
            FROM policy WHERE geoid IS NOT NULL ORDER BY geoid, effective_date"""), "key")  # fmt: skip
        self.ddor_policies = _by(_rows(con, """
            SELECT geoid AS key, 'ICE Declined Detainer Outcome Report 2017, issue ' || report_issue AS title,
                   policy_text, NULL AS effective_date, NULL AS ended_date, NULL AS url,
                   jurisdiction_printed AS as_printed, release_id, file_name, row_number, report_issue AS issue
            FROM ddor_policy_jurisdiction WHERE geoid IS NOT NULL ORDER BY geoid, report_issue"""), "key")  # fmt: skip
        self.register: dict[str, list[dict]] = {}
        self.limiting: dict[str, list[tuple]] = defaultdict(list)
        self.disputes: dict[str, list[dict]] = {}
        self.corrections: dict[str, list[dict]] = {}
        if not self.policies_loaded:
            return
        self.register = _by(_rows(con, f"""
            SELECT p.geoid AS key, {POLICY_COLUMNS}, NULL AS in_force,
                   EXISTS (SELECT 1 FROM policy_effect e WHERE e.policy_id = p.policy_id) AS has_effect
            FROM policy_instrument p ORDER BY p.geoid, p.effective_date, p.policy_id"""), "key")  # fmt: skip
        for row in con.execute("""
            SELECT DISTINCT p.geoid, p.policy_id, p.name, p.citation, p.effective_date FROM policy_instrument p
            JOIN policy_effect e ON e.policy_id = p.policy_id AND e.term = 'detainer_holds_limited'
            ORDER BY p.effective_date, p.policy_id""").fetchall():  # fmt: skip
            self.limiting[row[0]].append(row[1:])
        self.disputes = _by(_rows(con, "SELECT geoid AS key, * FROM dispute ORDER BY statement_date"), "key")
        self.corrections = _by(_rows(con, "SELECT geoid AS key, * FROM correction ORDER BY accepted_date"), "key")

    def _load_detainers(self, con: duckdb.DuckDBPyConnection) -> None:
        self.monthly: dict[str, dict[date, list[int]]] = defaultdict(dict)
        for geoid, month, detainers, declined in con.execute("""
            SELECT geoid, month, sum(detainers)::BIGINT, sum(declined)::BIGINT FROM detainer_monthly
            WHERE geoid IS NOT NULL GROUP BY ALL""").fetchall():  # fmt: skip
            self.monthly[geoid][month] = [detainers, declined]
        held = con.execute(
            """SELECT list(DISTINCT facility_state ORDER BY facility_state), min(prepare_date), max(prepare_date)
               FROM detainer WHERE facility_state IS NOT NULL"""
        ).fetchone()
        self.held_states, self.held_first, self.held_last = (held[0] or []), held[1], held[2]

    def _load_provenance(self, con: duckdb.DuckDBPyConnection) -> None:
        self.grant_releases: dict[str, set[str]] = defaultdict(set)
        self.scope_releases: dict[str, set[str]] = defaultdict(set)
        for table, target in (("grant_award", self.grant_releases), ("ice_facility", self.scope_releases),
                              ("detainer", self.scope_releases)):  # fmt: skip
            for geoid, release in con.execute(
                f"SELECT DISTINCT geoid, release_id FROM {table} WHERE geoid IS NOT NULL"
            ).fetchall():
                target[geoid].add(release)
        self.sources = _rows(con, """
            SELECT r.release_id, r.source_id, s.title, s.publisher, s.url, r.version, r.content_sha256,
                   r.retrieved_at, r.kind, r.coverage, r.coverage_note
            FROM release r JOIN source s USING (source_id) ORDER BY s.title, r.version""")  # fmt: skip

    def read_litigation(self, con: duckdb.DuckDBPyConnection) -> None:
        """Read ahead the cases reaching a jurisdiction that is no plaintiff, for every litigation period (a few
        dozen small queries), so the first profile as of a day in each period does not wait for them."""
        others = next((g for g in self.identity if not self.plaintiffs & set(self.related(g))), None)
        if others is None:
            return
        for day in [date(1900, 1, 1), *self.litigation_days]:
            self._litigation(con, [others], day)

    # -- one profile --------------------------------------------------------------------------------------------
    def related(self, geoid: str) -> list[str]:
        found = self.identity.get(geoid)
        other = found and found["consolidated_with"]
        return [geoid] + ([other] if other else [])

    def profile(self, con: duckdb.DuckDBPyConnection, geoid: str, as_of: date | None = None) -> dict[str, Any]:
        """What :func:`.profile.jurisdiction_profile` answers; ``con`` serves the few parts still read by SQL."""
        when = as_of or date.today()
        identity = self.identity.get(geoid)
        if identity is None:
            raise NotFoundError(f"No jurisdiction with GEOID '{geoid}'. Search by name: sanctuarywatch resolve NAME.")
        ids = self.related(geoid)
        operator = operator_for(identity["geoid"], identity["state_abbr"])
        profile: dict[str, Any] = {
            **{
                k: identity[k]
                for k in (
                    "geoid",
                    "name",
                    "level",
                    "lsad",
                    "state_abbr",
                    "state_name",
                    "population",
                    "population_year",
                    "population_source",
                )
            },  # fmt: skip
            "as_of": when,
            "consolidated_with": identity["consolidated_with"],
            "aliases": self._aliases(ids),
            "parents": [dict(r) for r in self.parents.get(geoid, [])],
            "children": [dict(r) for r in self.children.get(geoid, [])],
            "lists": self._lists(ids, when),
            "policies": self._policies(ids, when),
            "policy_practice": self._policy_practice(ids),
            "disputes": self._merged(self.disputes, ids, "statement_date"),
            "corrections": self._merged(self.corrections, ids, "accepted_date"),
            "agreements_287g": self._agreements(ids, when),
            "detainers": self._detainers(con, self._detainer_scope(identity, ids, operator), when, operator),
            "published_figures": self._published(con, ids),
            "grants": self._grants(ids, when),
            "litigation": self._litigation(con, ids, when),
            "coverage": {
                s: self.coverage[s]
                for s in ("lists", "policies", "agreements_287g", "litigation", "unauthorized_population")
            },
        }
        used = {identity["release_id"]}
        for section in ("lists", "policies", "agreements_287g"):
            used.update(r["release_id"] for r in profile[section] if r.get("release_id"))
        used.update(r["release_id"] for r in profile["litigation"] if r.get("release_id"))
        for g in ids:
            used.update(self.grant_releases.get(g, ()))
        for g in profile["detainers"]["scope_geoids"]:
            used.update(self.scope_releases.get(g, ()))
        used.update(f["release_id"] for f in profile["published_figures"]["figures"])
        profile["sources"] = [dict(r) for r in self.sources if r["release_id"] in used]
        return profile

    def _aliases(self, ids: list[str]) -> list[str]:
        counts: Counter = Counter()
        for g in dict.fromkeys(ids):
            counts.update(self.aliases.get(g, {}))
        return [n for n, _ in sorted(counts.items(), key=lambda kv: (-kv[1], _key(kv[0])))[:20]]

    @staticmethod
    def _merged(table: dict[str, list[dict]], ids: list[str], order: str) -> list[dict]:
        found = [dict(r) for g in dict.fromkeys(ids) for r in table.get(g, [])]
        return sorted(found, key=lambda r: _key(r[order])) if len(ids) > 1 else found

    def _lists(self, ids: list[str], when: date) -> list[dict]:
        out = []
        for g in dict.fromkeys(ids):
            for r in self.lists.get(g, []):
                if (r["edition_date"] or NULL_DAY) <= when:
                    withdrawn = r["withdrawn_date"] is not None and r["withdrawn_date"] <= when
                    out.append({**r, "withdrawn": withdrawn})
        if len(ids) > 1:
            out.sort(key=lambda r: (_key(r["edition_date"]), r["list_id"], _key(r["row_number"])))
        return out

    def _policies(self, ids: list[str], when: date) -> list[dict]:
        stated = [dict(r) for r in self._merged(self.stated, ids, "effective_date")
                  if (r["effective_date"] or NULL_DAY) <= when]  # fmt: skip
        ddor = []
        if when >= DDOR_FIRST_ISSUE:
            found = [r for g in dict.fromkeys(ids) for r in self.ddor_policies.get(g, [])]
            ddor = [{k: v for k, v in r.items() if k != "issue"} for r in sorted(found, key=lambda r: r["issue"])]
        return stated + ddor + self._register(ids, when)

    def _register(self, ids: list[str], on: date) -> list[dict]:
        """policies.register_rows over the loaded rows."""
        if not self.policies_loaded:
            return []
        binding = binding_geoids(None, ids)  # type: ignore[arg-type]  # it reads no table
        found = [r for g in binding for r in self.register.get(g, [])]
        found.sort(key=lambda r: (r["effective_date"], r["policy_id"]))
        state_law = all(len(g) > 2 for g in ids)
        out = []
        for row in found:
            if row["effective_date"] > on:
                continue
            r = {k: v for k, v in row.items() if k != "has_effect"}
            r["in_force"] = row["has_effect"] and (row["ended_date"] is None or on < row["ended_date"])
            r["binds_as"] = "state law" if r["level"] == "state" and state_law else "own"
            ended = f", ended {r['ended_date']}" if r["ended_date"] else ""
            out.append({
                **r,
                "title": f"{r['name']} — {r['citation']}",
                "policy_text": (f"({r['binds_as']}; {r['change']}; {'in force' if r['in_force'] else 'not in force'}"
                                f"{ended}) " + ", ".join(r["effects"])),
                "url": r["official_url"],
                "as_printed": r["jurisdiction"],
                "source": "policy_register",
            })  # fmt: skip
        return out

    def _policy_practice(self, ids: list[str], months: int = 12) -> list[dict]:
        if not self.policies_loaded:
            return []
        counties = [g for g in ids if len(g) == 5]
        if not counties:
            return []
        changes = sorted({c for g in binding_geoids(None, counties) for c in self.limiting.get(g, [])},  # type: ignore[arg-type]
                         key=lambda c: (c[3], c[0]))  # fmt: skip
        out = []
        for policy_id, name, citation, effective in changes:
            for county in counties:
                compared = before_after(county, effective, months, self._window(county, effective, months))
                if compared:
                    out.append({"policy_id": policy_id, "name": name, "citation": citation, **compared})
        return out

    def _window(self, geoid: str, pivot: date, months: int) -> list[dict]:
        start = _month_index(pivot) - months
        end = _month_index(pivot) + months
        found = self.monthly.get(geoid, {})
        return [{"month": m, "detainers": v[0], "declined": v[1]} for m, v in sorted(found.items())
                if start <= _month_index(m) < end]  # fmt: skip

    def _agreements(self, ids: list[str], when: date) -> list[dict]:
        """profile.agreements_287g: one row per agency and model, in the order DuckDB's aggregates read them."""
        at = bisect.bisect_right(self.sheet_dates, when)
        latest = self.sheet_dates[at - 1] if at else None
        rows = [r for g in dict.fromkeys(ids) for r in self.agreements.get(g, []) if r[5] <= when]
        if len(ids) > 1:
            rows.sort(key=lambda r: r[0])
        groups: dict[tuple, dict] = {}
        for _, agency, state, model, signed, sheet, moa, release, file_name, row_number in rows:
            g = groups.get((agency, state, model))
            if g is None:
                groups[(agency, state, model)] = {
                    "agency_name": agency, "state_abbr": state, "support_model": model, "signed_date": signed,
                    "first_listed": sheet, "last_listed": sheet, "status": None, "moa_url": moa,
                    "release_id": release, "file_name": file_name, "row_number": row_number}  # fmt: skip
                continue
            if signed is not None and (g["signed_date"] is None or signed < g["signed_date"]):
                g["signed_date"] = signed
            g["first_listed"] = min(g["first_listed"], sheet)
            if sheet > g["last_listed"]:
                g["last_listed"] = sheet
                g["release_id"], g["file_name"], g["row_number"] = release, file_name, row_number
            if g["moa_url"] is None:
                g["moa_url"] = moa
        for g in groups.values():
            g["status"] = "active" if g["last_listed"] == latest else "ended"
        return sorted(groups.values(), key=lambda g: (g["first_listed"], g["agency_name"]))

    def _detainer_scope(self, identity: dict, ids: list[str], operator: Any) -> list[str]:
        """profile._detainer_scope over the loaded relations."""
        if operator and operator.operator == "city":
            return list(operator.serves_geoids)
        if operator and operator.operator == "state" and identity["level"] != "state":
            return []
        if identity["level"] == "place" and not identity["consolidated_with"]:
            return list(self.in_county.get(identity["geoid"], []))
        if identity["level"] == "state":
            return list(self.state_counties.get(identity["geoid"], []))
        return ids

    def _detainer_coverage(self, scope: list[str], when: date) -> dict[str, Any]:
        """coverage.detainer_coverage over the loaded detainer summary."""
        base = self.coverage["detainers"]
        if base["status"] == "not_loaded":
            return {**base, "message": "No detainer source is loaded: figures are unknown, not zero."}
        scope_states = {self.identity[g]["state_abbr"] for g in scope if g in self.identity}
        return detainer_verdict(base, self.held_states, self.held_first, self.held_last, scope_states, when)

    def _detainers(self, con: duckdb.DuckDBPyConnection, scope: list[str], when: date, operator: Any) -> dict[str, Any]:
        """profile._detainers: the monthly sums are loaded; the flag counts (covered counties only) are read."""
        coverage = self._detainer_coverage(scope, when)
        if operator and operator.operator == "state" and not scope and coverage["status"] != "not_loaded":
            coverage = {**coverage, "status": "not_covered", "jail_operator": operator.as_dict(),
                        "message": f"Jails in {operator.name} are run by the state ({operator.reason}): detainers "
                                   "are attributed to the state, not to its counties or places."}  # fmt: skip
        elif operator:
            coverage = {**coverage, "jail_operator": operator.as_dict()}
        if coverage["status"] != "covered":
            return {"scope_geoids": scope, "by_month": [], "by_year": [], "total": None, "declined": None,
                    "coverage": coverage}  # fmt: skip
        months: dict[date, list[int]] = {}
        for g in dict.fromkeys(scope):
            for m, (n, d) in self.monthly.get(g, {}).items():
                if m <= when:
                    total = months.setdefault(m, [0, 0])
                    total[0] += n
                    total[1] += d
        by_month = [{"month": m.strftime("%Y-%m"), "total": n, "declined": d} for m, (n, d) in sorted(months.items())]
        return detainer_answer(scope, by_month, coverage, detainer_flag_counts(con, scope, when))

    def _published(self, con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, Any]:
        """published.for_jurisdiction: read only for the few jurisdictions a figure is about (it does not change
        with the date, so it is kept)."""
        key = ("subject" if self.figure_subjects & set(ids) else "none", *ids)
        if key[0] == "none":
            key = ("none",)
        found = self._published_cache.get(key)
        if found is None:
            found = self._published_cache[key] = for_jurisdiction(con, ids)
        return found

    def _grants(self, ids: list[str], when: date) -> dict[str, Any]:
        coverage = self.coverage["grants"]
        if coverage["status"] == "not_loaded":
            return {"rows": [], "total": None, "coverage": coverage}
        groups: dict[tuple, dict] = {}
        for g in dict.fromkeys(ids):
            for program, year, amount, award_id in self.grants.get(g, []):
                if year <= when.year:
                    row = groups.setdefault((year, program), {"program": program, "fiscal_year": year, "amount": 0,
                                                              "awards": 0, "award_ids": []})  # fmt: skip
                    row["amount"] += amount
                    row["awards"] += 1
                    row["award_ids"].append(award_id)
        rows = [groups[k] for k in sorted(groups)]
        for r in rows:
            r["award_ids"].sort()
        return {"rows": rows, "total": sum((r["amount"] for r in rows), start=0), "coverage": coverage}

    def _litigation(self, con: duckdb.DuckDBPyConnection, ids: list[str], when: date) -> list[dict]:
        """profile._litigation, read once per period between two litigation days (filing, order, relief start or
        end: the answer is the same on every day of a period). A jurisdiction that is no plaintiff is reached
        only by nationwide relief: the same cases for every such jurisdiction."""
        period = bisect.bisect_right(self.litigation_days, when)
        seen: dict[str, dict] = {}
        for geoid in ids:
            key = (geoid if self.plaintiffs & set(self.related(geoid)) else None, period)
            found = self._litigation_cache.get(key)
            if found is None:
                found = self._litigation_cache[key] = cases_covering(con, geoid, when)
            for case in found:
                seen.setdefault(case["case_id"], dict(case))
        return list(seen.values())
