"""Run many connectors in order, keep going past a source that is refused or not available, and report one
outcome per source: loaded, unchanged, skipped (not available offline), nothing found, or refused (why)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType

import duckdb

from sanctuarywatch.errors import SanctuaryWatchError, SourceUnavailableError
from sanctuarywatch.pipeline.ingest import IngestResult, ingest_release
from sanctuarywatch.sources.base import Finder, ParseContext, ProgressFn
from sanctuarywatch.store.registry import REGISTRY_SOURCE, ResolverCache


@dataclass
class SourceOutcome:
    source_id: str
    status: str = "nothing found"  # loaded | unchanged | skipped | refused | nothing found
    releases: list[IngestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.releases if r.status == "loaded")

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.releases if r.status == "loaded")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def ingest_one(
    con: duckdb.DuckDBPyConnection,
    connector: ModuleType,
    finder: Finder,
    progress: ProgressFn | None = None,
    resolvers: ResolverCache | None = None,
) -> SourceOutcome:
    """Every release of one source: each is all-or-nothing, and a refused release does not stop the next.
    ``resolvers`` shares one resolver across a run (rebuilt only when its inputs changed)."""
    sid = connector.SPEC.source_id
    outcome = SourceOutcome(sid)
    started = time.perf_counter()
    try:
        resolver = None if sid == REGISTRY_SOURCE else (resolvers or ResolverCache()).get(con)
        releases = connector.discover(finder)
    except SourceUnavailableError as exc:
        outcome.status, outcome.problems = "skipped", [_one_line(exc)]
        return outcome
    except SanctuaryWatchError as exc:
        outcome.status, outcome.problems = "refused", [_one_line(exc)]
        return outcome
    except Exception as exc:  # noqa: BLE001 - a connector bug must not stop the other sources
        outcome.status, outcome.problems = "refused", [f"unexpected {type(exc).__name__}: {_one_line(exc)}"]
        return outcome
    ctx = ParseContext(resolver=resolver, progress=progress or (lambda done, total: None))
    for release in releases:
        try:
            outcome.releases.append(ingest_release(con, connector, release, ctx))
        except SanctuaryWatchError as exc:
            outcome.problems.append(f"{release.version}: {_one_line(exc)}")
        except Exception as exc:  # noqa: BLE001 - a connector bug must not stop the other sources
            outcome.problems.append(f"{release.version}: unexpected {type(exc).__name__}: {_one_line(exc)}")
    outcome.seconds = time.perf_counter() - started
    if outcome.problems:
        outcome.status = "refused"
    elif any(r.status == "loaded" for r in outcome.releases):
        outcome.status = "loaded"
    elif outcome.releases:
        outcome.status = "unchanged"
    return outcome


def ingest_sources(
    con: duckdb.DuckDBPyConnection,
    chosen: Iterable[ModuleType],
    finder: Finder,
    progress_for: Callable[[str], ProgressFn] | None = None,
) -> list[SourceOutcome]:
    """Ingest the chosen sources in order, then refresh what follows from the facts."""
    outcomes, resolvers = [], ResolverCache()
    for connector in chosen:
        sid = connector.SPEC.source_id
        outcomes.append(ingest_one(con, connector, finder, progress_for(sid) if progress_for else None, resolvers))
    after_ingest(con, resolvers)
    return outcomes


def after_ingest(con: duckdb.DuckDBPyConnection, resolvers: ResolverCache | None = None) -> int:
    """Refresh derived summaries and queue the printed names the resolver would not accept alone."""
    from sanctuarywatch.analysis.audit_flags import compute_flags
    from sanctuarywatch.analysis.summaries import refresh_summaries
    from sanctuarywatch.store.review import queue_unaccepted

    refresh_summaries(con)
    compute_flags(con)  # audit flags on every declined-detainer row (analysis/audit_flags.py)
    queued = 0
    if con.execute("SELECT count(*) FROM jurisdiction").fetchone()[0]:
        queued = queue_unaccepted(con, (resolvers or ResolverCache()).get(con))
    validate_store(con)
    return queued


def validate_store(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run the data-quality invariants and keep the results (the sources page shows them); counts by status."""
    from sanctuarywatch.validate.runner import run_checks, write_results

    findings = run_checks(con)
    write_results(con, findings)
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.status] = counts.get(f.status, 0) + 1
    return counts
