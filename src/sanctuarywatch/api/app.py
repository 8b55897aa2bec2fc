"""The read-only JSON/CSV API and the web pages, over the same analysis functions.

One read-only DuckDB connection per app; every request works on its own cursor. Views parse input, call
``sanctuarywatch.analysis`` and serialise — no SQL here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sanctuarywatch.analysis import agreements, catalog
from sanctuarywatch.analysis.catalog_index import CatalogIndex
from sanctuarywatch.analysis.ddor_report import declined_detainer_report
from sanctuarywatch.analysis.exposure import grant_exposure, load_scenarios
from sanctuarywatch.analysis.litigation import cases
from sanctuarywatch.analysis.profile_index import ProfileIndex
from sanctuarywatch.analysis.reconcile import list_comparison
from sanctuarywatch.api.guard import Guard, Limits, ResponseCache, Snapshot
from sanctuarywatch.csv_out import to_csv_text
from sanctuarywatch.errors import InputError, NotFoundError, SanctuaryWatchError
from sanctuarywatch.store.registry import build_resolver
from sanctuarywatch.web import pages

log = logging.getLogger("sanctuarywatch.api")
GEOID = Annotated[str, PathParam(pattern=r"^\d{2}(\d{3}|\d{5})?$", description="Census GEOID: 2, 5 or 7 digits.")]
FORMAT = Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv.")]
ON_DATE = Annotated[
    str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD, from 2000-01-01 to 2100-12-31.")
]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _day(text: str) -> date:
    """A YYYY-MM-DD day within FIRST_DAY..LAST_DAY, or InputError (422)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a day: give YYYY-MM-DD.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{day} is out of range: give a day from {FIRST_DAY} to {LAST_DAY}.")
    return day


DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _as_of(
    as_of: Annotated[
        str | None,
        Query(pattern=DAY_PATTERN, description="Answer as of this day (YYYY-MM-DD, 2000-01-01 to 2100-12-31)."),
    ] = None,  # fmt: skip
) -> date | None:
    return None if as_of is None else _day(as_of)


def _week(week: Annotated[str, Query(pattern=DAY_PATTERN, description="First day (YYYY-MM-DD).")]) -> date:
    return _day(week)


def _to(
    to: Annotated[str | None, Query(pattern=DAY_PATTERN, description="Last day (default: week + 6 days).")] = None,
) -> date | None:
    return None if to is None else _day(to)


# Days are text checked by _day (not pydantic dates, which take 0 as 1970-01-01 and years up to 9999).
AS_OF = Annotated[date | None, Depends(_as_of)]


def _csv(rows: list[dict[str, Any]], name: str) -> Response:
    """CSV through the one writer (cells a spreadsheet would run are quoted); nested values are left out."""
    flat = [{k: v for k, v in r.items() if not isinstance(v, list | dict)} for r in rows]
    return Response(to_csv_text(flat), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip


def _json(data: Any) -> Response:
    return Response(pages.to_json(data), media_type="application/json")


def _tabular(rows: list[dict[str, Any]], fmt: str, name: str, extra: dict[str, Any] | None = None) -> Response:
    return _csv(rows, name) if fmt == "csv" else _json({**(extra or {}), "items": rows})


def _not_acceptable(path: str, offered: str, hint: str) -> Response:
    """406 for a CSV request on an answer with no flat form: never JSON in place of the CSV asked for."""
    return JSONResponse({"error": f"{path} has no CSV form; formats offered: {offered} ({hint})."}, status_code=406)


# One row per order, with its case; a case without orders yet gets one row with the order columns empty. Both
# source rows are named: the case's (litigation_cases.csv) and the order's (litigation_orders.csv).
LITIGATION_CASE_COLUMNS = ("case_id", "name", "court", "docket", "filed_date", "status")
LITIGATION_ORDER_COLUMNS = (
    "order_id", "order_date", "kind", "enjoins", "scope", "plaintiff_groups", "programs", "conditions",
    "effective_from", "effective_to", "ends_because", "in_force", "url",
)  # fmt: skip
PROVENANCE_COLUMNS = ("release_id", "file_name", "row_number")
LITIGATION_CSV_COLUMNS = (
    *LITIGATION_CASE_COLUMNS, *(f"case_{c}" for c in PROVENANCE_COLUMNS),
    *LITIGATION_ORDER_COLUMNS, *(f"order_{c}" for c in PROVENANCE_COLUMNS),
)  # fmt: skip


def _litigation_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for case in found:
        head = {c: case.get(c) for c in LITIGATION_CASE_COLUMNS} | {f"case_{c}": case[c] for c in PROVENANCE_COLUMNS}
        for order in case["orders"] or [{}]:
            rows.append(head | {c: order.get(c) for c in LITIGATION_ORDER_COLUMNS}
                        | {f"order_{c}": order.get(c) for c in PROVENANCE_COLUMNS})  # fmt: skip
    return rows


def _wants_csv(request: Request, fmt: str) -> str:
    """``format=csv``, or an Accept header asking for CSV."""
    return "csv" if fmt == "csv" or request.headers.get("accept", "").startswith("text/csv") else "json"


def _page_links(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = offset + limit if offset + limit < total else None
    # relative to this server: an absolute URL would repeat whatever Host header the client sent
    url = request.url.include_query_params(offset=nxt, limit=limit)
    link = f"{url.path}?{url.query}" if nxt is not None else None
    return {"total": total, "limit": limit, "offset": offset, "next_offset": nxt, "next": link}


MAX_CACHED_PROFILES = 50_000
MAX_CACHED_REPORTS = 2_000
WARM_QUIET_S = 0.05  # the profile warm-up runs after this long without a request
# Site-wide answers without parameters, computed when a snapshot opens (the map data alone takes ~0.5 s): the
# home page and the pages of its menu, the data files they read, and the API's lists, series and sources.
SITE_PATHS = ("/", "/lists/", "/sources/", "/methodology/", "/reports/declined-detainers/", "/data/map.json",
              "/data/287g/series.json",
              "/api/lists", "/api/lists/compare", "/api/287g/series", "/api/sources", "/api/litigation")  # fmt: skip


def create_app(db_path: Path, warm_cache: bool = False, limits: Limits | None = None) -> FastAPI:
    """The application over a private read-only snapshot of one store file (see :mod:`.guard`)."""
    limits = limits or Limits()
    cache = ResponseCache(limits.cache_bytes)
    profiles: dict[tuple[str, date | None], tuple[dict[str, Any], bytes]] = {}
    reports: dict[tuple[date, date | None], dict[str, Any]] = {}
    state: dict[str, Any] = {}

    def load_tables() -> None:
        state["resolver"], state["profiles"] = build_resolver(snapshot.con), ProfileIndex(snapshot.con)
        state["catalog"] = CatalogIndex(snapshot.con)  # listings, lookups and list members (~0.3 s)

    def switched() -> None:  # a new snapshot: new resolver and tables, empty caches, site answers again
        load_tables()
        profiles.clear()
        reports.clear()
        cache.clear()
        loop = state.get("loop")
        if loop is not None:
            asyncio.run_coroutine_threadsafe(guard.warm(SITE_PATHS), loop)

    snapshot = Snapshot(Path(db_path), on_switch=switched)
    # every table a profile or catalog look-up reads, once (~1.3 s): each then costs about a millisecond
    load_tables()
    stop = threading.Event()
    warm = {"done": 0, "total": 0, "finished": False}

    def warm_profiles() -> None:
        """Every page's profile JSON, computed in the background while no request is waiting."""
        with cursor() as cur:
            geoids = catalog.page_geoids(cur)
        warm["total"] = len(geoids)
        for geoid in geoids:
            # only in quiet moments: under steady traffic a profile costs ~1 ms when asked, and this thread
            # computing beside the requests made the first seconds of a cold start slow
            while guard.busy(WARM_QUIET_S) and not stop.is_set():
                stop.wait(0.01)
            if stop.is_set():
                return
            with suppress(SanctuaryWatchError):
                profile_json(geoid, None)
            warm["done"] += 1
            if warm["done"] % 500 == 0:
                gc.freeze()  # see lifespan: the cached profiles stay, the collector need not walk them
        warm["finished"] = True
        gc.freeze()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["loop"] = asyncio.get_running_loop()
        if warm_cache:  # the answers every visitor shares, before the first request (a second or two)
            env = pages.environment()  # compiling the templates on first use took ~0.3 s under load
            for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
                env.get_template(name)
            await guard.warm(SITE_PATHS)
            with cursor() as cur:
                state["profiles"].read_litigation(cur)
        # What was loaded lives as long as the snapshot: a full collection walking its ~10^5 objects stalled every
        # request for 0.1-0.5 s on a busy machine; frozen, the collector skips them.
        gc.collect()
        gc.freeze()
        worker = threading.Thread(target=warm_profiles, name="warm-profiles", daemon=True) if warm_cache else None
        if worker:
            worker.start()
        try:
            yield
        finally:  # Ctrl-C during warm-up: let the current profile finish, then close the store cleanly
            stop.set()
            if worker:
                worker.join(timeout=30)
            snapshot.close()

    app = FastAPI(
        title="Sanctuary Watch API",
        version="0.1",
        description="Read-only access to designation lists, jurisdiction profiles, declined-detainer reports, list "
        "reconciliation, grant exposure, litigation and the provenance of every figure. JSON by default; "
        "`format=csv` on tabular endpoints. A busy server answers 503 with Retry-After.",
        lifespan=lifespan,
    )
    guard = Guard(app, snapshot, cache, limits)
    app.add_middleware(_Outer, guard=guard)

    @contextmanager
    def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
        cur = snapshot.con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def profile_data(geoid: str, as_of: date | None) -> tuple[dict[str, Any], bytes]:
        """The profile and its JSON; today's are kept (other days: the bounded response cache)."""
        key = (geoid, as_of)
        cached = profiles.get(key)
        if cached is None:
            with cursor() as cur:
                profile = state["profiles"].profile(cur, geoid, as_of)
            cached = (profile, pages.to_json(profile).encode())
            if as_of is None and len(profiles) < MAX_CACHED_PROFILES:
                profiles[key] = cached
        return cached

    def report_data(week: date, to: date | None) -> dict[str, Any]:
        """A declined-detainer report (~65 ms under load), kept: the page and the API ask for the same weeks."""
        found = reports.get((week, to))
        if found is None:
            with cursor() as cur:
                found = declined_detainer_report(cur, week, to).to_dict()
            if len(reports) >= MAX_CACHED_REPORTS:
                reports.clear()
            reports[(week, to)] = found
        return found

    def profile_json(geoid: str, as_of: date | None) -> bytes:
        return profile_data(geoid, as_of)[1]

    @app.exception_handler(Exception)
    def _internal(request: Request, exc: Exception) -> Response:
        log.exception("error answering %s", request.url.path)  # the trace stays in the server's log
        return JSONResponse({"error": "Internal error: the request could not be answered."}, status_code=500)

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/data/"):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return HTMLResponse(pages.render("text.html", "/", title="Not found", body=f"<p>{exc}</p>"), status_code=404)

    @app.exception_handler(InputError)
    def _bad_input(request: Request, exc: InputError) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=422)

    # ---- API -------------------------------------------------------------------------------------------
    @app.get("/api/jurisdictions", summary="List or search jurisdictions")
    def api_jurisdictions(
        request: Request,
        q: Annotated[
            str | None, Query(max_length=500, description="A name to resolve, e.g. 'Cook County, IL'.")
        ] = None,
        level: Annotated[str | None, Query(pattern="^(state|county|place)$")] = None,
        state_abbr: Annotated[str | None, Query(alias="state", pattern="^[A-Za-z]{2}$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        format: FORMAT = "json",
    ) -> Response:
        if q is not None:
            if not q.strip():
                raise InputError("q is empty: give a name to search for.")
            result = state["resolver"].resolve(q, state=state_abbr, level=level)
            return _tabular([_cand(c) for c in result.candidates], _wants_csv(request, format),
                            "search", {"query": q, "status": result.status, "geoid": result.geoid})  # fmt: skip
        rows, total = state["catalog"].list_jurisdictions(level, state_abbr, limit, offset)
        return _tabular(rows, _wants_csv(request, format), "jurisdictions", _page_links(request, total, limit, offset))

    @app.get("/api/jurisdictions/{geoid}", summary="One jurisdiction")
    def api_jurisdiction(geoid: GEOID) -> Response:
        return _json(state["catalog"].get_jurisdiction(geoid))

    @app.get("/api/jurisdictions/{geoid}/profile", summary="A jurisdiction's full profile with sources")
    def api_profile(geoid: GEOID, as_of: AS_OF = None) -> Response:
        return Response(profile_json(geoid, as_of), media_type="application/json")

    @app.get("/api/status", summary="Store, release count and profile-cache warm-up progress")
    def api_status() -> Response:
        with cursor() as cur:
            counts = catalog.counts(cur)
        live = _json({"store": Path(db_path).name, "snapshot": snapshot.generation, "releases": counts["releases"],
                      "profiles_cached": len(profiles), "warm_up": warm, "shed": guard.shed,
                      "responses_cached": len(cache.items)})  # fmt: skip
        live.headers["cache-control"] = "no-store"  # live counters: never from the response cache
        return live

    @app.get("/api/lists", summary="Designation lists with their editions and entry counts")
    def api_lists(request: Request, format: FORMAT = "json") -> Response:
        with cursor() as cur:
            return _tabular(catalog.designation_lists(cur), _wants_csv(request, format), "lists")

    @app.get("/api/lists/{list_id}/members", summary="Entries of one list, as printed and as resolved")
    def api_list_members(
        request: Request,
        list_id: Annotated[str, PathParam(pattern=r"^[a-z0-9_]{1,60}$")],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        format: FORMAT = "json",
    ) -> Response:
        rows, total = state["catalog"].list_members(list_id, limit, offset)
        return _tabular(rows, _wants_csv(request, format), list_id, _page_links(request, total, limit, offset))

    @app.get("/api/lists/compare", summary="Lists compared: overlap, Jaccard and disagreement flags")
    def api_lists_compare(as_of: AS_OF = None) -> Response:
        with cursor() as cur:
            return _json(list_comparison(cur, as_of).to_dict())

    @app.get("/api/reports/declined-detainers", summary="Declined-detainer report for a week or range")
    def api_report(
        week: Annotated[date, Depends(_week)],
        to: Annotated[date | None, Depends(_to)] = None,
        format: FORMAT = "json",
        part: Annotated[str, Query(pattern="^(rows|flags)$", description="CSV: rows or flags (audit flags).")] = "rows",
    ) -> Response:
        report = report_data(week, to)
        if format == "csv" and part == "flags":
            flags = [{**f, "evidence": pages.to_json(f["evidence"])} for f in (report["audit"] or {}).get("flags", [])]
            return _csv(flags, f"declined-detainer-flags-{week}")
        if format == "csv":
            return _csv(report["rows"], f"declined-detainers-{week}")
        return _json(report)

    @app.get("/api/exposure", summary="Named exposure scenarios (JSON only: each lists its programs and years)")
    def api_scenarios(request: Request, format: FORMAT = "json") -> Response:
        if _wants_csv(request, format) == "csv":
            return _not_acceptable("/api/exposure", "json", "per-scenario awards: /api/exposure/{scenario}?format=csv")
        return _json({"items": [{"id": s.scenario_id, "title": s.title, "description": s.description,
                                 "programs": s.programs, "fiscal_years": s.fiscal_years}
                                for s in load_scenarios().values()]})  # fmt: skip

    @app.get("/api/exposure/{scenario}", summary="Grant exposure under a scenario, gross and net")
    def api_exposure(
        scenario: Annotated[str, PathParam(pattern=r"^[a-z0-9_]{1,80}$")], as_of: AS_OF = None, format: FORMAT = "json"
    ) -> Response:
        with cursor() as cur:
            result = grant_exposure(cur, scenario, as_of)
        if format == "csv":
            return _csv(result.awards, f"exposure-{scenario}")
        return _json(result.to_dict())

    @app.get("/api/litigation", summary="Cases, orders and relief in force")
    def api_litigation(request: Request, as_of: AS_OF = None, format: FORMAT = "json") -> Response:
        with cursor() as cur:
            found = cases(cur, as_of)
        if _wants_csv(request, format) == "csv":
            return Response(to_csv_text(_litigation_rows(found), LITIGATION_CSV_COLUMNS),
                            media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="litigation.csv"'})  # fmt: skip
        return _json({"items": found})

    def series_response(fmt: str) -> Response:
        with cursor() as cur:
            series = agreements.national_series(cur)
        return _csv(agreements.series_rows(series), "287g-series") if fmt == "csv" else _json(series)

    @app.get("/api/287g/series", summary="287(g) agreements listed on each of ICE's participating sheets")
    def api_287g_series(request: Request, format: FORMAT = "json") -> Response:
        return series_response(_wants_csv(request, format))

    @app.get("/api/287g/in-force", summary="287(g) agreements in force on a date, per county")
    def api_287g_in_force(request: Request, date: ON_DATE, format: FORMAT = "json") -> Response:
        on = _day(date)
        with cursor() as cur:
            result = agreements.in_force(cur, on)
        if _wants_csv(request, format) == "csv":
            return _csv(agreements.in_force_rows(result), f"287g-in-force-{on}")
        return _json(result)

    @app.get("/api/sources", summary="Sources and releases (provenance)")
    def api_sources(format: FORMAT = "json") -> Response:
        with cursor() as cur:
            return _tabular(catalog.sources_and_releases(cur), format, "sources")

    # ---- data files the pages read (the static export writes the same paths) ----------------------------
    @app.get("/data/map.json", include_in_schema=False)
    def data_map() -> Response:
        with cursor() as cur:
            return _json(catalog.map_measures(cur))

    @app.get("/data/287g/series.json", include_in_schema=False)
    def data_287g_series() -> Response:
        return series_response("json")

    @app.get("/data/287g/series.csv", include_in_schema=False)
    def data_287g_series_csv() -> Response:
        return series_response("csv")

    @app.get("/data/jurisdictions/{geoid}.json", include_in_schema=False)
    def data_profile(geoid: GEOID) -> Response:
        return Response(profile_json(geoid, None), media_type="application/json")

    # ---- pages ------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        with cursor() as cur:
            return pages.home_page(cur, "/")

    @app.get("/search/", include_in_schema=False)
    def search(q: str = "") -> Response:
        if not q.strip() or len(q) > 500:
            return HTMLResponse(pages.search_page("/", q[:500], error="Type a name, e.g. Westchester County, NY."),
                                status_code=422)  # fmt: skip
        result = state["resolver"].resolve(q)
        if result.status == "accepted":
            return RedirectResponse(f"/jurisdictions/{result.geoid}/", status_code=303)
        return HTMLResponse(pages.search_page("/", q, result=result))

    @app.get("/jurisdictions/{geoid}/", response_class=HTMLResponse, include_in_schema=False)
    def profile(geoid: GEOID, as_of: AS_OF = None) -> str:
        return pages.profile_page(profile_data(geoid, as_of)[0], "/")

    @app.get("/lists/", response_class=HTMLResponse, include_in_schema=False)
    def lists(as_of: AS_OF = None) -> str:
        with cursor() as cur:
            return pages.lists_page(list_comparison(cur, as_of), "/")

    @app.get("/reports/declined-detainers/", response_class=HTMLResponse, include_in_schema=False)
    def report(week: Annotated[str, Query(pattern=DAY_PATTERN)] = "2017-01-28") -> str:
        return pages.report_page(report_data(_day(week), None), "/")

    @app.get("/sources/", response_class=HTMLResponse, include_in_schema=False)
    def sources() -> str:
        with cursor() as cur:
            return pages.sources_page(cur, "/")

    @app.get("/methodology/", response_class=HTMLResponse, include_in_schema=False)
    def methodology() -> str:
        return pages.methodology_page("/")

    @app.get("/policies/", response_class=HTMLResponse, include_in_schema=False)
    def policies_html(as_of: AS_OF = None, state: str | None = None, direction: str | None = None,
                      term: str | None = None) -> str:  # fmt: skip
        with cursor() as cur:
            return pages.policies_page(cur, "/", as_of or date.today(), state=state, direction=direction, term=term)

    @app.get("/api/policies", summary="Policy register: instruments in force on a date, with both sources")
    def api_policies(request: Request, as_of: AS_OF = None, state: str | None = None, direction: str | None = None,
                     term: str | None = None, level: str | None = None,
                     format: FORMAT = "json") -> Response:  # fmt: skip
        from sanctuarywatch.analysis.policies import policies_in_force

        with cursor() as cur:
            rows = policies_in_force(cur, as_of or date.today(), state=state, direction=direction, term=term,
                                     level=level)  # fmt: skip
        if _wants_csv(request, format) == "csv":
            if rows is None:  # a CSV of nothing would read as "no policy in force"
                raise NotFoundError("The policy register is not loaded in this store.")
            # effects as in policies_state.csv: terms joined by ';'
            return _csv([{**r, "effects": ";".join(r["effects"])} for r in rows], "policies")
        return Response(pages.to_json({"as_of": as_of or date.today(), "loaded": rows is not None,
                                       "policies": rows}), media_type="application/json")  # fmt: skip

    @app.get("/corrections/", response_class=HTMLResponse, include_in_schema=False)
    def corrections_html() -> str:
        return pages.corrections_page("/")

    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


ENV_SERVE_STORE = "SANCTUARYWATCH_SERVE_STORE"


def app_from_env() -> FastAPI:
    """The app each ``serve --workers N`` process builds (uvicorn factory): store from the environment."""
    sys.setswitchinterval(0.001)  # the event loop (cached answers, 503s) gets the GIL back sooner from compute
    gc.set_threshold(20_000, 20, 20)  # fewer young collections: each request allocates thousands of objects
    return create_app(Path(os.environ[ENV_SERVE_STORE]), warm_cache=True)


def _cand(c: Any) -> dict[str, Any]:
    return {k: getattr(c, k) for k in ("geoid", "name", "level", "state_abbr", "confidence", "reason")}


class _Outer:
    """Puts the :class:`Guard` outside every other middleware, so a 503 or a cached answer costs no routing."""

    def __init__(self, app: Any, guard: Guard) -> None:
        guard.app = app
        self.guard = guard

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.guard(scope, receive, send)
