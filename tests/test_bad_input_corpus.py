"""The bad-input corpus: every file under tests/data/bad/ is one malformed input for one source, which is
either refused with a SourceFormatError naming the file — the store's per-table row counts and contents being
identical before and after — or loaded with its bad rows quarantined, each with a reason.

The source comes from the file name, ``<source_id>__<what>.<ext>``, or else from the folder holding it
(``<source_id>/<file>``, the older layout, whose ``CASES.csv`` adds the expected outcome and message). A file
whose name does not match the connector's mirror patterns is mirrored without its ``<source_id>__`` prefix.
"""

from __future__ import annotations

import csv
import re
import shutil
from fnmatch import fnmatch
from pathlib import Path

import pytest

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder, ParseContext

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
NOT_INPUTS = {"CASES.csv", "README.md", "README.txt", ".gitkeep"}
SOURCES = connectors()


def _manifest() -> dict[str, dict[str, str]]:
    path = CORPUS / "CASES.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {f"{m['source_id']}/{m['file']}": m for m in csv.DictReader(fh)}


CASES = _manifest()
ALL = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_INPUTS and not p.name.startswith("_"))
# Inputs of `sanctuarywatch corrections check` (a submitted correction file), not of a connector.
CORRECTIONS = [p for p in ALL if p.name.startswith("corrections_")]
FILES = [p for p in ALL if p not in CORRECTIONS]


def _expected(name: str) -> dict[str, str]:
    """What the generator of a file says must happen to it, where it says (detainer and issue-11 files)."""
    from fixtures.make_bad_detainers import EXPECT
    from fixtures.make_bad_hardening import EXPECT as HARDENING

    if name in EXPECT:
        return {"expect": EXPECT[name][0], "message": re.escape(EXPECT[name][1])}
    if name in HARDENING:
        return {"expect": HARDENING[name][0], "message": HARDENING[name][1]}
    return {}


def _source_of(path: Path) -> str | None:
    prefix = path.name.split("__", 1)[0] if "__" in path.name else None
    if prefix in SOURCES:
        return prefix
    folder = path.parent.name if path.parent != CORPUS else None
    return folder if folder in SOURCES else None


def _mirror_name(path: Path, source: str) -> str:
    patterns = SOURCES[source].SPEC.mirror_patterns
    if not patterns or any(fnmatch(path.name, p) for p in patterns):
        return path.name
    return path.name.removeprefix(f"{source}__")


def _fingerprint(con) -> list[tuple]:
    """Every table's row count and a checksum of its sorted contents."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return [(t, *con.execute(f"SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), '|' ORDER BY "
                             f"CAST(x AS VARCHAR)), '')) FROM {t} x").fetchone()) for t in tables]  # fmt: skip


def test_every_corpus_file_maps_to_a_source_and_detainers_are_covered():
    unmapped = [str(p.relative_to(CORPUS)) for p in FILES if _source_of(p) is None]
    assert not unmapped, f"name these <source_id>__<what>.<ext> with a known source id: {unmapped}"
    missing = [k for k in CASES if not (CORPUS / k).is_file()]
    assert not missing, f"CASES.csv lists files that are not there: {missing}"
    detainers = [p for p in FILES if p.name.startswith("ice_detainers__")]
    assert len(detainers) >= 6 and all(p.stat().st_size < 20_000 for p in detainers)
    from fixtures.make_bad_detainers import EXPECT
    from fixtures.make_bad_hardening import EXPECT as HARDENING

    hardening = {n for n in HARDENING if n.startswith("ice_detainers__")}
    assert {p.name for p in detainers} == set(EXPECT) | hardening, "rerun tests/fixtures/make_bad_*.py"
    assert {n for n in HARDENING} <= {p.name for p in FILES}, "rerun tests/fixtures/make_bad_hardening.py"
    assert len(ALL) >= 50 and all((CORPUS / n).stat().st_size < 20_000 for n in HARDENING), "50+ small files"


@pytest.mark.parametrize("path", CORRECTIONS, ids=[p.name for p in CORRECTIONS])
def test_each_bad_correction_file_is_refused_with_reasons(path):
    from sanctuarywatch.sources.corrections import check_file

    rows, errors = check_file(path)
    assert errors and all(e.file == path.name and e.problem for e in errors)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_each_malformed_file_is_refused_or_quarantined(con, resolver, tmp_path, path):
    source = _source_of(path)
    assert source, f"cannot tell which source {path.name} is for"
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = _mirror_name(path, source)
    shutil.copy(path, mirror / name)
    entry = CASES.get(str(path.relative_to(CORPUS))) or _expected(path.name)
    finder = Finder(mirror, tmp_path / "cache", offline=True)
    before = _fingerprint(con)
    try:
        results = ingest_source(con, SOURCES[source], finder, ParseContext(resolver=resolver))
    except SourceFormatError as exc:
        assert name in str(exc), f"the message does not name the file: {exc}"
        assert entry.get("expect", "refused") == "refused", f"expected rows quarantined, got refused: {exc}"
        if entry.get("message"):
            assert re.search(entry["message"], str(exc)), str(exc)
        assert _fingerprint(con) == before, "a refused file changed the store"
        return
    assert entry.get("expect", "quarantined") == "quarantined", f"{name} was not refused"
    assert results, f"{source} found nothing to ingest in a mirror holding only {name}"
    ids = [r.release_id for r in results]
    marks = ", ".join("?" * len(ids))
    query = f"SELECT file_name, row_number, field, reason FROM quarantine WHERE release_id IN ({marks})"
    quarantined = con.execute(query, ids).fetchall()
    assert sum(r.rows_quarantined for r in results) == len(quarantined) > 0, f"{name}: neither refused nor quarantined"
    assert all(file == name and reason for file, _, _, reason in quarantined)
    if source == "ice_detainers":
        assert all(row and field for _, row, field, _ in quarantined)
