"""Static export: every page of the site, plus JSON and CSV downloads, as files any static host can serve.

Pages: home, lists, policies, corrections, the declined-detainer report for each week ICE published, sources,
methodology, search (client-side), and one profile page + JSON per state, per county and per place any source
names (``states`` builds a sample: only some states' profiles). Profiles are
rendered in parallel worker processes, each with its own read-only connection.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sanctuarywatch.analysis import agreements, catalog
from sanctuarywatch.analysis.ddor_report import declined_detainer_report
from sanctuarywatch.analysis.profile_index import ProfileIndex
from sanctuarywatch.analysis.reconcile import list_comparison
from sanctuarywatch.csv_out import to_csv_text
from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.resolver import Resolver
from sanctuarywatch.present.bulk_export import write_site_downloads
from sanctuarywatch.store.db import connect
from sanctuarywatch.store.registry import build_resolver
from sanctuarywatch.web import pages

CHUNK = 100


@dataclass
class ExportSummary:
    pages: int
    data_files: int
    jurisdictions: int


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _render_profiles(db: str, out: str, geoids: list[str], with_page: frozenset[str]) -> int:
    """Worker: one read-only connection, a profile page and JSON for each GEOID; ``with_page`` (every GEOID the
    full site has a page for) decides which neighbouring jurisdictions are linked."""
    con = connect(Path(db), read_only=True)
    try:
        # The tables a profile reads, loaded once per worker (about a second); each profile is then ~1 ms instead of
        # a dozen SQL queries. tests/test_profile_index.py checks it answers what jurisdiction_profile answers.
        index = ProfileIndex(con)
        for geoid in geoids:
            profile = index.profile(con, geoid)
            html = pages.profile_page(profile, "../../", with_page)
            _write(Path(out) / "jurisdictions" / geoid / "index.html", html)
            _write(Path(out) / "data" / "jurisdictions" / f"{geoid}.json", pages.to_json(profile))
    finally:
        con.close()
    return len(geoids)


def _csv_text(rows: list[dict]) -> str:
    return to_csv_text(rows)  # the one writer: cells a spreadsheet would run as formulas are quoted


KIND_LABELS = {"CDP": "census-designated place"}
INDEX_COLUMNS = ["geoid", "name", "state", "level", "kind", "population", "own_page", "counties"]


def search_index(rows: list[dict], with_page: set[str], resolver: Resolver) -> dict:
    """Every jurisdiction of the Census registry, findable by name on the static site, one compact row each
    (``columns``): its kind (an index into ``kinds``; a CDP says "census-designated place"), population for
    ranking, whether it has a page of its own, and else the counties it lies in whose pages to link instead."""
    kinds: list[str] = []
    out = []
    for r in rows:
        kind = KIND_LABELS.get(r["lsad"] or "", r["lsad"] or r["level"])
        if kind not in kinds:
            kinds.append(kind)
        own = r["geoid"] in with_page
        via = [] if own else [g for g in resolver.counties_of(r["geoid"]) if g in with_page]
        out.append([r["geoid"], r["name"], r["state_abbr"], r["level"], kinds.index(kind), r["population"],
                    int(own), via])  # fmt: skip
    return {"columns": INDEX_COLUMNS, "kinds": kinds, "rows": out}


def _write_287g(con, out: Path) -> int:
    """The national 287(g) series (JSON, CSV) and the agreements in force per county on each sheet date (CSV)."""
    series = agreements.national_series(con)
    _write(out / "data" / "287g" / "series.json", pages.to_json(series))
    _write(out / "data" / "287g" / "series.csv", _csv_text(agreements.series_rows(series)))
    for sheet in series["items"]:
        on = sheet["sheet_date"]
        rows = agreements.in_force_rows(agreements.in_force(con, on))
        _write(out / "data" / "287g" / f"in-force-{on}.csv", _csv_text(rows))
    return 2 + len(series["items"])


PACKAGE_DIR = Path(__file__).resolve().parents[1]
MARKER = ".sanctuarywatch-site"


def _check_out(out: Path) -> None:
    """OUT must be a new folder, an empty one or a site this tool built; never a link, a file or the package."""
    if out.is_symlink():
        raise InputError(f"{out} is a symbolic link: give a real folder to build the site into.")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file: give a folder to build the site into.")
    resolved = out.resolve()
    if resolved == PACKAGE_DIR or PACKAGE_DIR in resolved.parents or resolved in PACKAGE_DIR.parents:
        raise InputError(f"{out} is inside (or holds) the sanctuarywatch package: build the site elsewhere.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(f"{out} is not empty and is not a site built by build-site: give a new or empty folder.")


def build_site(db: Path, out: Path, progress: Callable[[int, int], None] = lambda done, total: None,
               workers: int | None = None, states: Sequence[str] | None = None) -> ExportSummary:  # fmt: skip
    """Build the whole site in a fresh hidden folder beside OUT, then swap it into place: links already in OUT
    are never followed, files of an earlier build that are gone now are gone, and a failed build leaves OUT as it
    was. ``states`` (postal abbreviations) limits the profile pages to those states' jurisdictions: a quick sample
    whose other pages are complete, so their links to other states' profiles do not resolve."""
    out = Path(out)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        summary = _build_into(db, fresh, progress, workers, states)
        (fresh / MARKER).write_text("Built by sanctuarywatch build-site; the next build replaces this folder.\n")
        fresh.chmod(0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / "site")
            os.replace(fresh, out)
            shutil.rmtree(old)  # removes links themselves, never what they point to
        else:
            os.replace(fresh, out)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return summary


def _sample(con, geoids: list[str], states: Sequence[str]) -> list[str]:
    """The page GEOIDs in the given states; an abbreviation the registry does not know is refused."""
    wanted = sorted({s.strip().upper() for s in states})
    sql = "SELECT geoid, state_abbr FROM jurisdiction WHERE state_abbr IN (SELECT unnest(?))"
    rows = con.execute(sql, [wanted]).fetchall()
    unknown = sorted(set(wanted) - {r[1] for r in rows})
    if unknown:
        raise InputError(f"Unknown state abbreviation(s) {', '.join(unknown)}: use postal codes such as NY.")
    in_states = {r[0] for r in rows}
    return [g for g in geoids if g in in_states]


def _build_into(db: Path, out: Path, progress: Callable[[int, int], None], workers: int | None,
                states: Sequence[str] | None = None) -> ExportSummary:  # fmt: skip
    con = connect(db, read_only=True)
    try:
        every_page = frozenset(catalog.page_geoids(con))
        geoids = _sample(con, sorted(every_page), states) if states else sorted(every_page)
        written = 0
        _write(out / "index.html", pages.home_page(con, ""))
        _write(out / "lists" / "index.html", pages.lists_page(list_comparison(con), "../"))
        _write(out / "sources" / "index.html", pages.sources_page(con, "../"))
        _write(out / "methodology" / "index.html", pages.methodology_page("../"))
        _write(out / "search" / "index.html", pages.search_page("../", "", static=True))
        # every page's menu and footer link these two; the static policies page shows the build day's register
        _write(out / "policies" / "index.html", pages.policies_page(con, "../", date.today()))
        _write(out / "corrections" / "index.html", pages.corrections_page("../"))
        weeks = [
            r[0]
            for r in con.execute("SELECT DISTINCT report_week_start FROM ddor_declined_detainer ORDER BY 1").fetchall()
        ] or [date(2017, 1, 28)]
        for i, week in enumerate(weeks):
            report = declined_detainer_report(con, week).to_dict()
            html = pages.report_page(report, "../../" if i == 0 else "../../../")
            _write(out / "reports" / "declined-detainers" / ("" if i == 0 else str(week)) / "index.html", html)
            _write(out / "data" / "reports" / f"declined-detainers-{week}.csv", _csv_text(report["rows"]))
            flags = (report.get("audit") or {}).get("flags") or []
            if flags:  # the audit flags with their evidence (source rows), as the API's part=flags gives them:
                # evidence as JSON text, other nested values left out (not a Python list's repr in a cell)
                rows = [{k: v for k, v in {**f, "evidence": pages.to_json(f.get("evidence"))}.items()
                         if not isinstance(v, list | dict)} for f in flags]  # fmt: skip
                _write(out / "data" / "reports" / f"declined-detainer-flags-{week}.csv", _csv_text(rows))
        written += 7 + len(weeks)
        _write(out / "data" / "map.json", pages.to_json(catalog.map_measures(con)))
        files_287g = _write_287g(con, out)
        rows, _ = catalog.list_jurisdictions(con, limit=1_000_000)
        _write(out / "data" / "index.json", pages.to_json(search_index(rows, set(geoids), build_resolver(con))))
        _write(out / "data" / "sources.csv", _csv_text(catalog.sources_and_releases(con)))
        _write(out / "data" / "jurisdictions.csv", _csv_text([{k: r[k] for k in ("geoid", "name", "level",
                                                              "state_abbr")} for r in rows]))  # fmt: skip
    finally:
        con.close()
    shutil.copytree(pages.STATIC_DIR, out / "static", dirs_exist_ok=True)
    downloads = write_site_downloads(db, out)  # data/sanctuarywatch.duckdb and .sqlite: the whole store, one file
    workers = workers or min(4, os.cpu_count() or 1)
    size = max(1, min(CHUNK, -(-len(geoids) // workers)))  # a small (sample) build still keeps every worker busy
    chunks = [geoids[i : i + size] for i in range(0, len(geoids), size)]
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_render_profiles, str(db), str(out), chunk, every_page) for chunk in chunks]
        for future in as_completed(futures):
            done += future.result()
            progress(done, len(geoids))
    return ExportSummary(
        pages=written + len(geoids),
        data_files=len(geoids) + 5 + len(weeks) + files_287g + len(downloads),
        jurisdictions=len(geoids),
    )
