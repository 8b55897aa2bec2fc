"""The detainer CSV is read once, in place, through a VerifiedStream instead of from a private copy: the bytes parsed
must still be the bytes whose checksum names the release. The CSV is hashed by that one read (not at discovery too),
so the release is named after the parse, by exactly the bytes parsed; a found checksum (Parquet, copied) still
refuses a file changed after it was found."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fixtures.detainer_fixture import write_csv, write_parquet

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.pipeline import ingest
from sanctuarywatch.pipeline.ingest import ingest_release
from sanctuarywatch.sources import ice_detainers
from sanctuarywatch.sources.base import (
    Finder,
    LocatedFile,
    ParseContext,
    ReleaseFiles,
    VerifiedStream,
    locate_file,
    snapshot_release,
)
from sanctuarywatch.store.db import connect

NAME = "ice_detainers_2025-06-30"


def _stored(con) -> tuple[int, int]:
    return (con.execute("SELECT count(*) FROM detainer").fetchone()[0],
            con.execute("SELECT count(*) FROM release").fetchone()[0])  # fmt: skip


def test_the_stream_passes_the_found_bytes_and_refuses_changed_ones(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n1,2\n3,4\n")
    found = locate_file(path)
    with VerifiedStream(found) as stream:
        assert stream.read(5) == b"x,y\n1"
        stream.verify()  # hashes the rest it was not asked for: the whole file is checked
    path.write_bytes(b"x,y\n1,2\n3,5\n")  # same size, one byte changed
    with VerifiedStream(found) as stream, pytest.raises(SourceFormatError, match="changed while being ingested"):
        stream.read()
        stream.verify()
    other = LocatedFile(found.name, path, hashlib.sha256(path.read_bytes()).hexdigest(), found.bytes, None)
    with VerifiedStream(other) as stream:
        assert stream.read() == b"x,y\n1,2\n3,5\n"
        assert stream.verify() == (other.sha256, 12)
    unhashed = locate_file(path, checksum=False)
    assert unhashed.sha256 is None
    with pytest.raises(ValueError, match="a.csv was found without a checksum but is not read once"):
        snapshot_release(ReleaseFiles("v", (unhashed,), "mirror"), path.parent / "copy")  # only a read may hash it
    with VerifiedStream(unhashed) as stream:  # found without a checksum: the read's is the file's
        assert stream.read(4) == b"x,y\n"
        assert stream.verify() == (hashlib.sha256(b"x,y\n1,2\n3,5\n").hexdigest(), 12)


def test_a_csv_is_hashed_by_its_one_read_and_the_release_named_by_the_bytes_parsed(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    original = write_csv(mirror / f"{NAME}.csv", 120).read_bytes()
    write_parquet(mirror / f"{NAME}.parquet", 12)
    con = connect(tmp_path / "store.duckdb")
    releases = ice_detainers.discover(Finder(mirror, tmp_path / "cache", offline=True))
    by_suffix = {r.files[0].path.suffix: r for r in releases}
    assert by_suffix[".csv"].files[0].sha256 is None  # not hashed at discovery: its read will
    parquet_sha = hashlib.sha256((mirror / f"{NAME}.parquet").read_bytes()).hexdigest()
    assert by_suffix[".parquet"].files[0].sha256 == parquet_sha  # hashed when found: it is copied before parsing
    # Changed after discovery: what is parsed is what the release is named after (never the bytes found earlier).
    changed = original.replace(b"2023-", b"2021-", 1)
    assert changed != original and len(changed) == len(original)
    (mirror / f"{NAME}.csv").write_bytes(changed)
    hashed = []
    monkeypatch.setattr(ingest, "snapshot_release", _counting(ingest.snapshot_release, hashed))
    loaded = ingest_release(con, ice_detainers, by_suffix[".csv"], ParseContext())
    sha = hashlib.sha256(changed).hexdigest()
    assert (loaded.status, loaded.release_id, loaded.rows_loaded + loaded.rows_quarantined) == (
        "loaded", f"ice_detainers@{hashlib.sha256(sha.encode()).hexdigest()[:12]}", 120)  # fmt: skip
    assert con.execute("SELECT file_name, sha256, bytes FROM release_file").fetchall() == [
        (f"{NAME}.csv", sha, len(changed))
    ]
    assert hashed == [f"{NAME}.csv"]  # parsed in place (no copy), once
    assert con.execute("SELECT count(DISTINCT release_id) FROM detainer").fetchone()[0] == 1
    # The same bytes again: parsed, recognised by their checksum, nothing stored twice.
    again = ingest_release(con, ice_detainers, ice_detainers.discover(Finder(mirror, tmp_path / "c2", True))[0],
                           ParseContext())  # fmt: skip
    assert (again.status, again.release_id) == ("unchanged", loaded.release_id)
    assert _stored(con) == (loaded.rows_loaded, 1)


def _counting(snapshot, seen: list[str]):
    def wrapped(release, into, read_once=lambda f: False):
        seen.extend(f.name for f in release.files if read_once(f))
        return snapshot(release, into, read_once)

    return wrapped


def test_a_pinned_csv_whose_read_gives_another_checksum_is_refused_and_nothing_stored(tmp_path, monkeypatch):
    from sanctuarywatch.sources.base import SourceFile

    mirror = tmp_path / "mirror"
    write_csv(mirror / f"{NAME}.csv", 30)
    spec = ice_detainers.SPEC
    monkeypatch.setattr(ice_detainers, "SPEC", type(spec)(**{**spec.__dict__, "files": (
        SourceFile(f"{NAME}.csv", None, "0" * 64),)}))  # fmt: skip
    con = connect(tmp_path / "store.duckdb")
    (release,) = ice_detainers.discover(Finder(mirror, tmp_path / "cache", offline=True))
    with pytest.raises(SourceFormatError, match="differs from the pinned 000000000000"):
        ingest_release(con, ice_detainers, release, ParseContext())
    assert _stored(con) == (0, 0)


def test_csv_is_parsed_in_place_and_parquet_from_a_private_copy(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    write_csv(mirror / f"{NAME}.csv", 12)
    write_parquet(mirror / f"{NAME}.parquet", 12)
    seen: dict[str, Path] = {}
    real_parse = ice_detainers.parse

    def spy(release, ctx):
        seen[release.files[0].path.suffix] = release.files[0].path
        return real_parse(release, ctx)

    monkeypatch.setattr(ice_detainers, "parse", spy)
    for release in ice_detainers.discover(Finder(mirror, tmp_path / "cache", offline=True)):
        ingest.parse_checked(ice_detainers, release, ParseContext())
    assert seen[".csv"] == mirror / f"{NAME}.csv"
    assert seen[".parquet"] != mirror / f"{NAME}.parquet" and seen[".parquet"].name == f"{NAME}.parquet"


def test_a_header_only_csv_and_an_overlong_header_are_refused(tmp_path):
    mirror = tmp_path / "mirror"
    full = write_csv(mirror / f"{NAME}.csv", 3).read_bytes()
    (mirror / f"{NAME}.csv").write_bytes(full.split(b"\n", 1)[0] + b"\n")
    con = connect(tmp_path / "store.duckdb")
    (release,) = ice_detainers.discover(Finder(mirror, tmp_path / "cache", offline=True))
    with pytest.raises(SourceFormatError, match="header but no records"):
        ingest_release(con, ice_detainers, release, ParseContext())
    (mirror / f"{NAME}.csv").write_bytes(b"a" * (ice_detainers.HEADER_MAX_BYTES + 10) + b"\n1\n")
    (release,) = ice_detainers.discover(Finder(mirror, tmp_path / "cache", offline=True))
    with pytest.raises(SourceFormatError, match="header line is longer than") as caught:
        ingest_release(con, ice_detainers, release, ParseContext())
    assert caught.value.row == 1
    assert _stored(con) == (0, 0)


def test_trimming_makes_a_spaces_only_value_missing_in_encoded_and_plain_columns():
    import pyarrow as pa

    encoded = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 2, 0, None], pa.int32()), pa.array([" \u00a0", " a ", "b"])
    )
    clean = pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int32()), pa.array(["c ", "d"]))
    column = pa.chunked_array([encoded, clean, encoded])
    assert ice_detainers._trimmed(column).to_pylist() == [
        None,
        "a",
        "b",
        None,
        None,
        "d",
        "c",
        None,
        "a",
        "b",
        None,
        None,
    ]
    plain = pa.chunked_array([pa.array(["\u3000", " x", None, ""])])
    assert ice_detainers._trimmed(plain).to_pylist() == [None, "x", None, None]
