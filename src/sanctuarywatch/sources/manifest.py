"""The mirror's ``MANIFEST.csv``: what each mirrored file is (original / derived / transcription), whether it
covers its subject completely or partially, and its checksum. The pipeline records this per file and per
release, so every figure built on a partial, derived or transcribed file can say so where it is shown."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sanctuarywatch.errors import SourceFormatError

MANIFEST = "MANIFEST.csv"
KINDS = ("original", "derived", "transcription")  # weakest last
COVERAGES = ("complete", "partial")
_SEARCH_DEPTH = 4  # a mirrored file sits at most a few folders below the manifest


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    source_id: str
    kind: str
    coverage: str
    publisher: str
    obtained_from: str
    vintage: str
    note: str
    sha256: str


@lru_cache(maxsize=8)
def _read(manifest: Path, mtime: float) -> dict[str, ManifestEntry]:
    entries: dict[str, ManifestEntry] = {}
    with manifest.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            kind, coverage = (row.get("kind") or "").strip(), (row.get("coverage") or "").strip()
            if kind not in KINDS:
                raise SourceFormatError(MANIFEST, f"unknown kind '{kind}'", row=n, field="kind")
            if coverage not in COVERAGES:
                raise SourceFormatError(MANIFEST, f"unknown coverage '{coverage}'", row=n, field="coverage")
            path = (row.get("path") or "").strip()
            entries[path] = ManifestEntry(
                path, row.get("source_id", ""), kind, coverage, row.get("publisher", ""),
                row.get("obtained_from", ""), row.get("vintage", ""), row.get("note", ""),
                (row.get("sha256") or "").strip().lower(),
            )  # fmt: skip
    return entries


def entry_for(file: Path) -> ManifestEntry | None:
    """The manifest entry describing ``file``, from the nearest MANIFEST.csv above it; None if none does."""
    file = file.resolve()
    for depth, folder in enumerate(file.parents):
        if depth >= _SEARCH_DEPTH:
            return None
        manifest = folder / MANIFEST
        if manifest.is_file():
            relative = file.relative_to(folder).as_posix()
            return _read(manifest, manifest.stat().st_mtime).get(relative)
    return None


def release_coverage(entries: list[ManifestEntry | None]) -> tuple[str | None, str | None, str | None]:
    """(kind, coverage, note) of a release: its weakest file's kind, partial if any file is, and the notes
    of the files that are partial, derived or transcribed."""
    known = [e for e in entries if e is not None]
    if not known:
        return None, None, None
    kind = max((e.kind for e in known), key=KINDS.index)
    coverage = "partial" if any(e.coverage == "partial" for e in known) else "complete"
    notes = []
    for e in known:
        if e.coverage == "partial" or e.kind != "original":
            text = f"{e.path.rsplit('/', 1)[-1]} ({e.publisher})" + (f": {e.note}" if e.note else "")
            if text not in notes:
                notes.append(text)
    return kind, coverage, "; ".join(notes) or None
