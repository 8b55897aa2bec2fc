"""The bad-input corpus (tests/data/bad/<source>/<file>, listed in MANIFEST.csv): each malformed file is either
refused with a message naming the file — and the store's row counts and contents are identical before and
after — or loaded with its bad rows quarantined, each with a row number, field and reason."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.sources import connectors
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.ingest import ingest_source

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
MANIFEST = list(csv.DictReader((CORPUS / "MANIFEST.csv").open(encoding="utf-8")))


def test_the_corpus_holds_at_least_ten_malformed_files_all_listed():
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.csv"}
    listed = {f"{m['source_id']}/{m['file']}" for m in MANIFEST}
    assert files == listed and len(files) >= 10


def _fingerprint(con) -> list[tuple]:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return [(t, *con.execute(f"SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), '|' ORDER BY "
                             f"CAST(x AS VARCHAR)), '')) FROM {t} x").fetchone()) for t in tables]  # fmt: skip


@pytest.mark.parametrize("entry", MANIFEST, ids=[f"{m['source_id']}/{m['file']}" for m in MANIFEST])
def test_each_malformed_file_is_refused_or_quarantined(con, resolver, tmp_path, entry):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(CORPUS / entry["source_id"] / entry["file"], mirror / entry["file"])
    module = connectors()[entry["source_id"]]
    finder = Finder(mirror, tmp_path / "cache", offline=True)
    before = _fingerprint(con)
    if entry["expect"] == "refused":
        with pytest.raises(SourceFormatError) as info:
            ingest_source(con, module, finder, ParseContext(resolver=resolver))
        assert entry["file"] in str(info.value)
        assert re.search(entry["message"], str(info.value)), str(info.value)
        assert _fingerprint(con) == before
    else:
        [result] = ingest_source(con, module, finder, ParseContext(resolver=resolver))
        quarantined = con.execute("SELECT row_number, field, reason FROM quarantine WHERE release_id = ?",
                                  [result.release_id]).fetchall()  # fmt: skip
        assert result.rows_quarantined == len(quarantined) > 0
        assert all(row and field and reason for row, field, reason in quarantined)
