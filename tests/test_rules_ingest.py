"""The ingest pipeline (pipeline/ingest.py) driven in-process with a toy connector and small files written here, so
every stored value can be checked by hand: the release id (source id @ first 12 hex of the sha256 over the sorted
file checksums), the source, release, release_file and quarantine rows, which tables get the release id, what a
refused release leaves (nothing), and the exact messages. Found by scripts/mutation_score.py: the pipeline was at
6.7% (of 15 mutants sampled), its pause before commit driven only by the kill -9 subprocess test."""

from __future__ import annotations

import csv
import hashlib
import shutil
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from sanctuarywatch.errors import SanctuaryWatchError, SourceFormatError
from sanctuarywatch.pipeline import ingest
from sanctuarywatch.pipeline.ingest import (
    IngestResult,
    check_files,
    ingest_release,
    ingest_source,
    parse_checked,
    release_id_for,
)
from sanctuarywatch.sources.base import (
    ParseContext,
    Parsed,
    QuarantineRow,
    ReleaseFiles,
    SourceFile,
    SourceSpec,
    locate_file,
)
from sanctuarywatch.sources.manifest import ManifestEntry
from sanctuarywatch.store.db import connect

A_BYTES = b"geoid,population\n17031,5275541\n08031,715522\n"  # 44 bytes
B_BYTES = b"term,label\nholds_limited,Holds limited\n"  # 39 bytes
A_SHA = hashlib.sha256(A_BYTES).hexdigest()
B_SHA = hashlib.sha256(B_BYTES).hexdigest()
# sha256 over the two checksums in sorted order, as release.content_sha256 is documented in 001_core.sql
CONTENT = hashlib.sha256("".join(sorted([A_SHA, B_SHA])).encode()).hexdigest()
RID = f"toy@{CONTENT[:12]}"
WHEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
MANIFEST_HEADER = "path,source_id,kind,coverage,publisher,obtained_from,vintage,note,sha256\n"
SPEC = SourceSpec("toy", "Toy source", "Toy Office", "https://example.org/toy", "public domain", "Two small files")
COUNTED = ("source", "release", "release_file", "quarantine", "population_estimate", "policy_term", "designation_list")


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ingest_template") / "empty.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def store(empty_store, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(empty_store, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def _files(folder: Path, manifest: str | None = None, a: bytes = A_BYTES, b: bytes = B_BYTES) -> tuple:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.csv").write_bytes(a)
    (folder / "b.csv").write_bytes(b)
    if manifest is not None:
        (folder / "MANIFEST.csv").write_text(MANIFEST_HEADER + manifest, encoding="utf-8")
    return (locate_file(folder / "a.csv", "https://example.org/a.csv"), locate_file(folder / "b.csv"))


def _estimates(*rows: tuple[str, int]) -> pa.Table:
    return pa.table({
        "geoid": [g for g, _ in rows], "program": ["acs5"] * len(rows), "reference_year": [2023] * len(rows),
        "population": [p for _, p in rows], "file_name": ["a.csv"] * len(rows),
        "row_number": list(range(2, 2 + len(rows))),
    })  # fmt: skip


def _parsed() -> Parsed:
    term = pa.table({"term": ["holds_limited"], "direction": ["limits"], "label": ["Holds limited"],
                     "definition": ["Declines detainer holds"], "file_name": ["b.csv"], "row_number": [2]})  # fmt: skip
    lists = pa.table({"list_id": ["toy_list"], "title": ["Toy list"], "publisher": ["Toy Office"],
                      "kind": ["official"], "url": [None], "description": ["A list"]})  # fmt: skip
    return Parsed(
        tables={"population_estimate": _estimates(("17031", 5275541), ("08031", 715522))},
        upserts={"policy_term": term, "designation_list": lists},
        quarantine=[QuarantineRow("b.csv", 7, "population", "n/a", "not a number")],
    )


class Toy:
    """A connector: SPEC, discover(finder), parse(release, ctx), recording what parse was given."""

    def __init__(self, parsed=None, spec: SourceSpec = SPEC, releases=(), error: BaseException | None = None):
        self.SPEC, self.parsed, self.releases, self.error = spec, parsed or _parsed(), list(releases), error
        self.seen: list[tuple[ReleaseFiles, list[bytes], ParseContext]] = []
        self.finders: list[object] = []

    def discover(self, finder):
        self.finders.append(finder)
        return self.releases

    def parse(self, release, ctx):
        self.seen.append((release, [f.path.read_bytes() for f in release.files], ctx))
        if self.error is not None:
            raise self.error
        return self.parsed


def _counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


NOTHING = dict.fromkeys(COUNTED, 0)


def test_release_id_is_source_at_the_first_12_hex_of_the_content_checksum(tmp_path):
    release = ReleaseFiles("2024", _files(tmp_path), "mirror")
    assert release.content_sha256 == CONTENT
    assert release_id_for("toy", release) == RID
    assert len(RID) == len("toy@") + 12


def test_a_release_is_stored_with_its_rows_provenance_files_and_coverage(store, tmp_path):
    manifest = (
        f"a.csv,toy,original,complete,Toy Office,website,2023,,{A_SHA}\n"
        f"b.csv,toy,derived,partial,Toy Office,email,2024,first page only,{B_SHA.upper()}\n"
    )
    release = ReleaseFiles("2024 edition", _files(tmp_path / "mirror", manifest), "mirror")
    toy = Toy()
    result = ingest_release(store, toy, release, ParseContext(retrieved_at=WHEN))
    assert result == IngestResult("toy", RID, "2024 edition", "loaded", 2, 1)
    assert store.execute("SELECT * FROM source").fetchall() == [
        ("toy", "Toy source", "Toy Office", "https://example.org/toy", "public domain", "Two small files")
    ]
    assert store.execute(
        "SELECT geoid, program, reference_year, population, release_id, file_name, row_number "
        "FROM population_estimate ORDER BY row_number"
    ).fetchall() == [
        ("17031", "acs5", 2023, 5275541, RID, "a.csv", 2),
        ("08031", "acs5", 2023, 715522, RID, "a.csv", 3),
    ]
    # an upsert into a table with a release_id column gets this release's id; one without such a column has none
    assert store.execute("SELECT * FROM policy_term").fetchall() == [
        ("holds_limited", "limits", "Holds limited", "Declines detainer holds", RID, "b.csv", 2)
    ]
    assert store.execute("SELECT * FROM designation_list").fetchall() == [
        ("toy_list", "Toy list", "Toy Office", "official", None, "A list")
    ]
    assert store.execute("SELECT * FROM quarantine").fetchall() == [
        (RID, "b.csv", 7, "population", "n/a", "not a number")
    ]
    row = store.execute(
        "SELECT release_id, source_id, version, content_sha256, origin, retrieved_at, rows_loaded, rows_quarantined, "
        "kind, coverage, coverage_note, ingested_at IS NOT NULL FROM release"
    ).fetchall()
    assert row == [(RID, "toy", "2024 edition", CONTENT, "mirror", datetime(2025, 3, 1, 12, 30), 2, 1,
                    "derived", "partial", "b.csv (Toy Office): first page only", True)]  # fmt: skip
    assert store.execute(
        "SELECT release_id, file_name, sha256, bytes, url, kind, coverage, note, publisher, obtained_from, vintage, "
        "mirror_path FROM release_file ORDER BY file_name"
    ).fetchall() == [
        (RID, "a.csv", A_SHA, 44, "https://example.org/a.csv", "original", "complete", "", "Toy Office", "website",
         "2023", "a.csv"),
        (RID, "b.csv", B_SHA, 39, None, "derived", "partial", "first page only", "Toy Office", "email", "2024",
         "b.csv"),
    ]  # fmt: skip
    assert len(toy.seen) == 1
    # the Arrow rows handed to DuckDB are not left registered on the connection afterwards
    assert store.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_incoming'").fetchone() == (0,)


def test_files_no_manifest_describes_have_no_kind_unless_shipped_with_the_package(store, tmp_path):
    curated = _files(tmp_path / "sanctuarywatch" / "data")
    plain = _files(tmp_path / "elsewhere", a=b"geoid\n1\n", b=b"term\nx\n")
    rid = ingest_release(store, Toy(), ReleaseFiles("c", curated, "package"), ParseContext()).release_id
    assert store.execute("SELECT kind, coverage, coverage_note FROM release").fetchall() == [("curated", None, None)]
    assert store.execute(
        "SELECT file_name, kind, coverage, note, publisher, obtained_from, vintage, mirror_path "
        "FROM release_file ORDER BY 1"
    ).fetchall() == [  # fmt: skip
        ("a.csv", "curated", None, None, None, None, None, None),
        ("b.csv", "curated", None, None, None, None, None, None),
    ]
    other = SourceSpec("mixed", "Mixed", "Toy Office", "https://example.org/m", "", "")
    mixed = ReleaseFiles("m", (curated[0], plain[1]), "mirror")
    ingest_release(store, Toy(Parsed(), spec=other), mixed, ParseContext())
    assert store.execute("SELECT kind FROM release WHERE source_id = 'mixed'").fetchall() == [(None,)]
    assert store.execute("SELECT file_name, kind FROM release_file WHERE release_id <> ? ORDER BY 1",
                         [rid]).fetchall() == [("a.csv", "curated"), ("b.csv", None)]  # fmt: skip


def test_a_manifest_kind_wins_over_a_package_folder(store, tmp_path):
    manifest = "a.csv,toy,transcription,complete,Toy Office,,,typed from a scan,\nb.csv,toy,original,complete,P,,,,\n"
    files = _files(tmp_path / "sanctuarywatch", manifest)
    ingest_release(store, Toy(Parsed()), ReleaseFiles("v", files, "mirror"), ParseContext())
    assert store.execute("SELECT kind, coverage, coverage_note FROM release").fetchall() == [
        ("transcription", "complete", "a.csv (Toy Office): typed from a scan")
    ]


def test_the_same_files_again_are_unchanged_without_parsing_or_writing(store, tmp_path):
    files = _files(tmp_path)
    ingest_release(store, Toy(), ReleaseFiles("first", files, "mirror"), ParseContext())
    before = _counts(store)
    again = Toy(Parsed(tables={"population_estimate": _estimates(("06037", 9_000_000))}))
    result = ingest_release(store, again, ReleaseFiles("renamed", files, "download"), ParseContext())
    assert result == IngestResult("toy", RID, "first", "unchanged", 2, 1)  # the stored version and counts
    assert again.seen == [] and _counts(store) == before


def test_a_packaged_fallback_never_replaces_files_loaded_from_the_mirror(store, tmp_path):
    first = ReleaseFiles("2023", _files(tmp_path / "one", a=b"geoid\n1\n"), "mirror")
    second = ReleaseFiles("2024", _files(tmp_path / "two", a=b"geoid\n2\n"), "download")
    one = ingest_release(store, Toy(), first, ParseContext())
    two = ingest_release(store, Toy(Parsed(quarantine=[QuarantineRow("a.csv", None, None, None, "x")] * 3)),
                         second, ParseContext())  # fmt: skip
    assert (one.rows_loaded, two.rows_loaded, two.rows_quarantined) == (2, 0, 3)
    before = _counts(store)
    packaged = Toy()
    result = ingest_release(
        store, packaged, ReleaseFiles("shipped", _files(tmp_path / "pkg"), "package"), ParseContext()
    )
    # the latest real release (by ingested_at) is named, with its version and counts
    assert result == IngestResult("toy", two.release_id, "2024", "unchanged", 0, 3)
    assert packaged.seen == [] and _counts(store) == before


def test_a_packaged_release_loads_when_only_packages_or_other_sources_were_loaded(store, tmp_path):
    other = SourceSpec("other", "Other", "Other Office", "https://example.org/o", "", "")
    ingest_release(store, Toy(Parsed(), spec=other), ReleaseFiles("o", _files(tmp_path / "o"), "mirror"),
                   ParseContext())  # fmt: skip
    first = ingest_release(store, Toy(Parsed()), ReleaseFiles("p1", _files(tmp_path / "p1", a=b"1\n"), "package"),
                           ParseContext())  # fmt: skip
    second = ingest_release(store, Toy(Parsed()), ReleaseFiles("p2", _files(tmp_path / "p2", a=b"2\n"), "package"),
                            ParseContext())  # fmt: skip
    assert (first.status, second.status, second.version) == ("loaded", "loaded", "p2")
    assert store.execute("SELECT count(*) FROM release WHERE source_id = 'toy'").fetchone() == (2,)


def test_replace_drops_this_sources_earlier_rows_only(store, tmp_path):
    other = SourceSpec("other", "Other", "Other Office", "https://example.org/o", "", "")
    theirs = Parsed(tables={"population_estimate": _estimates(("48201", 4_835_125))})
    ingest_release(store, Toy(theirs, spec=other), ReleaseFiles("o", _files(tmp_path / "o"), "mirror"), ParseContext())
    ingest_release(store, Toy(), ReleaseFiles("1", _files(tmp_path / "1", a=b"x\n"), "mirror"), ParseContext())
    newer = Parsed(tables={"population_estimate": _estimates(("17031", 5_087_072))},
                   replace=frozenset({"population_estimate"}))  # fmt: skip
    rid = ingest_release(store, Toy(newer), ReleaseFiles("2", _files(tmp_path / "2", a=b"y\n"), "mirror"),
                         ParseContext()).release_id  # fmt: skip
    assert store.execute("SELECT geoid, population, release_id FROM population_estimate ORDER BY geoid").fetchall() == [
        ("17031", 5_087_072, rid), ("48201", 4_835_125, f"other@{CONTENT[:12]}")
    ]  # fmt: skip


def test_an_upsert_keeps_the_release_id_its_rows_carry_and_a_later_release_wins(store, tmp_path):
    term = pa.table({"term": ["t1"], "direction": ["d"], "label": ["first"], "definition": ["x"],
                     "release_id": ["given@000000000000"], "file_name": ["b.csv"], "row_number": [4]})  # fmt: skip
    ingest_release(store, Toy(Parsed(upserts={"policy_term": term})), ReleaseFiles("1", _files(tmp_path), "mirror"),
                   ParseContext())  # fmt: skip
    assert store.execute("SELECT term, label, release_id FROM policy_term").fetchall() == [
        ("t1", "first", "given@000000000000")
    ]
    later = term.set_column(2, "label", pa.array(["second"])).drop_columns(["release_id"])
    rid = ingest_release(
        store,
        Toy(Parsed(upserts={"policy_term": later})),
        ReleaseFiles("2", _files(tmp_path / "2", a=b"z\n"), "mirror"),
        ParseContext(),
    ).release_id
    assert store.execute("SELECT term, label, release_id FROM policy_term").fetchall() == [("t1", "second", rid)]


def test_empty_tables_are_skipped(store, tmp_path):
    empty = _estimates()
    parsed = Parsed(
        tables={"population_estimate": empty}, upserts={"policy_term": pa.table({"term": pa.array([], pa.string())})}
    )
    result = ingest_release(store, Toy(parsed), ReleaseFiles("e", _files(tmp_path), "mirror"), ParseContext())
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 0, 0)
    assert _counts(store) == {**NOTHING, "source": 1, "release": 1, "release_file": 2}


def test_a_key_clash_while_writing_is_a_message_and_nothing_is_written(store, tmp_path):
    """Two files of one name in one release clash on release_file's key (release_id, file_name)."""
    one, two = _files(tmp_path / "x")[0], _files(tmp_path / "y", a=b"other\n")[0]
    ingest_release(store, Toy(), ReleaseFiles("ok", _files(tmp_path / "ok", a=b"ok\n"), "mirror"), ParseContext())
    before = _counts(store)
    with pytest.raises(SourceFormatError) as caught:
        ingest_release(store, Toy(Parsed(tables={"population_estimate": _estimates(("06037", 9_000_000))})),
                       ReleaseFiles("2", (one, two), "mirror"), ParseContext())  # fmt: skip
    prefix = "a.csv, a.csv: its rows clash with rows already stored (nothing was written): Constraint Error: "
    assert str(caught.value).startswith(prefix) and "\n" not in str(caught.value)
    assert caught.value.file == "a.csv, a.csv"
    assert isinstance(caught.value.__cause__, duckdb.ConstraintException)
    assert _counts(store) == before


def test_a_clash_message_keeps_the_first_line_of_duckdbs_error(store, tmp_path, monkeypatch):
    def clash():
        raise duckdb.ConstraintException('Constraint Error: Duplicate key "t1"\n\nIf this is unexpected, see the docs')

    monkeypatch.setattr(ingest, "_fault_injection_pause", clash)
    with pytest.raises(SourceFormatError) as caught:
        ingest_release(store, Toy(), ReleaseFiles("1", _files(tmp_path), "mirror"), ParseContext())
    assert str(caught.value) == (
        "a.csv, b.csv: its rows clash with rows already stored (nothing was written): "
        'Constraint Error: Duplicate key "t1"'
    )
    assert _counts(store) == NOTHING


def _clash(store, tmp_path):
    other = SourceSpec("other", "Other", "Other Office", "https://example.org/o", "", "")
    ingest_release(store, Toy(spec=other), ReleaseFiles("o", _files(tmp_path / "o"), "mirror"), ParseContext())
    before = _counts(store)
    return before, lambda: ingest_release(
        store, Toy(), ReleaseFiles("2", _files(tmp_path / "t", a=b"q\n"), "mirror"), ParseContext()
    )


def test_rows_clashing_with_stored_table_rows_leave_the_store_as_it_was(store, tmp_path):
    before, run = _clash(store, tmp_path)
    with pytest.raises((SourceFormatError, duckdb.TransactionException)):
        run()
    assert _counts(store) == before


def test_rows_clashing_with_stored_table_rows_are_a_message(store, tmp_path):
    _, run = _clash(store, tmp_path)
    with pytest.raises(SourceFormatError, match="^a.csv, b.csv: its rows clash with rows already stored"):
        run()


def test_an_interrupt_inside_duckdb_is_a_keyboard_interrupt_and_rolls_back(store, tmp_path, monkeypatch):
    stop = duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    def interrupted():
        raise stop

    monkeypatch.setattr(ingest, "_fault_injection_pause", interrupted)
    with pytest.raises(KeyboardInterrupt) as caught:
        ingest_release(store, Toy(), ReleaseFiles("1", _files(tmp_path), "mirror"), ParseContext())
    assert caught.value.__cause__ is stop
    assert _counts(store) == NOTHING


def test_the_fault_pause_holds_a_written_uncommitted_ingest(store, tmp_path, monkeypatch, capsys):
    seen = []

    def sleep(seconds):  # another connection to the store sees nothing yet: the pause is before the commit
        seen.append((seconds, store.cursor().execute("SELECT count(*) FROM release").fetchone()[0],
                     store.execute("SELECT count(*) FROM release").fetchone()[0]))  # fmt: skip

    monkeypatch.setattr(ingest.time, "sleep", sleep)
    monkeypatch.setenv("SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT", "0.25")
    ingest_release(store, Toy(), ReleaseFiles("1", _files(tmp_path), "mirror"), ParseContext())
    assert seen == [(0.25, 0, 1)]
    assert capsys.readouterr().err == "ingest written, pausing before commit\n"
    assert _counts(store)["release"] == 1


@pytest.mark.parametrize("value", [None, ""])
def test_no_pause_without_the_setting(store, tmp_path, monkeypatch, capsys, value):
    seen = []
    monkeypatch.setattr(ingest.time, "sleep", seen.append)
    if value is None:
        monkeypatch.delenv("SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT", raising=False)
    else:
        monkeypatch.setenv("SANCTUARYWATCH_FAULT_PAUSE_BEFORE_COMMIT", value)
    ingest_release(store, Toy(), ReleaseFiles("1", _files(tmp_path), "mirror"), ParseContext())
    assert seen == [] and capsys.readouterr().err == ""


def test_parse_reads_a_private_copy_that_is_removed_afterwards(tmp_path):
    files = _files(tmp_path / "mirror")
    toy, ctx = Toy(), ParseContext(retrieved_at=WHEN)
    release = ReleaseFiles("v", files, "download")
    assert parse_checked(toy, release, ctx) is toy.parsed
    ((copy, contents, given),) = toy.seen
    assert given is ctx and contents == [A_BYTES, B_BYTES]
    assert (copy.version, copy.origin, [f.name for f in copy.files]) == ("v", "download", ["a.csv", "b.csv"])
    assert [(f.sha256, f.bytes, f.url) for f in copy.files] == [(A_SHA, 44, "https://example.org/a.csv"),
                                                                (B_SHA, 39, None)]  # fmt: skip
    folder = copy.files[0].path.parents[1]
    assert folder.name.startswith("sanctuarywatch-ingest-") and not folder.exists()
    assert (tmp_path / "mirror" / "a.csv").read_bytes() == A_BYTES


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (csv.Error("line contains NUL"), "not readable (Error: line contains NUL)"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
         "not readable (UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte)"),
        (zipfile.BadZipFile("File is not a zip file"), "not readable (BadZipFile: File is not a zip file)"),
        (zlib.error("invalid stored block lengths"), "not readable (error: invalid stored block lengths)"),
        (EOFError("truncated"), "not readable (EOFError: truncated)"),
        (RecursionError("too deep"), "not readable (RecursionError: too deep)"),
        (MemoryError("2 GB"), "too large to read in memory (MemoryError: 2 GB)"),
    ],
)  # fmt: skip
def test_a_readers_error_is_a_message_naming_the_files_and_nothing_is_stored(store, tmp_path, error, problem):
    release = ReleaseFiles("v", _files(tmp_path), "mirror")
    with pytest.raises(SourceFormatError) as caught:
        ingest_release(store, Toy(error=error), release, ParseContext())
    assert str(caught.value) == f"a.csv, b.csv: {problem}"
    assert (caught.value.file, caught.value.problem) == ("a.csv, b.csv", problem)
    assert caught.value.__cause__ is error
    assert _counts(store) == NOTHING


def test_a_connectors_own_message_and_a_bug_pass_through_unchanged(tmp_path):
    release = ReleaseFiles("v", _files(tmp_path), "mirror")
    own = SourceFormatError("a.csv", "no header row", row=1)
    with pytest.raises(SourceFormatError) as caught:
        parse_checked(Toy(error=own), release, ParseContext())
    assert caught.value is own and str(own) == "a.csv, row 1: no header row"
    plain = SanctuaryWatchError("store locked")
    with pytest.raises(SanctuaryWatchError) as caught:
        parse_checked(Toy(error=plain), release, ParseContext())
    assert caught.value is plain
    bug = ValueError("a bug")
    with pytest.raises(ValueError) as caught:
        parse_checked(Toy(error=bug), release, ParseContext())
    assert caught.value is bug


def test_a_file_differing_from_the_connectors_pin_is_refused_before_parsing(store, tmp_path):
    pinned = "ab" * 32
    pins = (SourceFile("a.csv"), SourceFile("b.csv", sha256=pinned), SourceFile("c.csv", sha256=pinned))
    spec = SourceSpec("toy", "Toy source", "Toy Office", "https://example.org/toy", "", "", files=pins)
    toy = Toy(spec=spec)
    with pytest.raises(SourceFormatError) as caught:
        ingest_release(store, toy, ReleaseFiles("v", _files(tmp_path), "mirror"), ParseContext())
    assert str(caught.value) == (
        f"b.csv: sha256 {B_SHA[:12]}… differs from the pinned abababababab… in the toy connector: a new edition "
        "must be checked and its checksum pinned before it is loaded"
    )
    assert caught.value.file == "b.csv"
    assert toy.seen == [] and _counts(store) == NOTHING


def test_a_matching_pin_and_an_unpinned_file_pass(tmp_path):
    files = _files(tmp_path)
    spec = SourceSpec("toy", "t", "p", "u", "l", "d", files=(SourceFile("a.csv", sha256=A_SHA), SourceFile("b.csv")))
    assert check_files(spec, ReleaseFiles("v", files, "mirror")) == [None, None]


def test_a_file_differing_from_the_mirror_manifest_is_refused(store, tmp_path):
    other = "cd" * 32
    manifest = f"a.csv,toy,original,complete,Toy Office,,,,{A_SHA}\nb.csv,toy,original,complete,Toy Office,,,,{other}\n"
    toy = Toy()
    with pytest.raises(SourceFormatError) as caught:
        ingest_release(store, toy, ReleaseFiles("v", _files(tmp_path / "m", manifest), "mirror"), ParseContext())
    assert str(caught.value) == (
        f"b.csv: sha256 {B_SHA[:12]}… differs from the mirror manifest's cdcdcdcdcdcd… (b.csv): the mirrored file "
        "changed after it was described"
    )
    assert caught.value.file == "b.csv"
    assert toy.seen == [] and _counts(store) == NOTHING


def test_check_files_gives_each_files_manifest_entry_in_order(tmp_path):
    manifest = "b.csv,toy,derived,partial,Pub,site,2022,a note,\n"  # no checksum: nothing to compare
    files = _files(tmp_path, manifest)
    assert check_files(SPEC, ReleaseFiles("v", files, "mirror")) == [
        None, ManifestEntry("b.csv", "toy", "derived", "partial", "Pub", "site", "2022", "a note", "")
    ]  # fmt: skip


def test_ingest_source_loads_every_discovered_release_in_order(store, tmp_path):
    first = ReleaseFiles("2023", _files(tmp_path / "1"), "mirror")
    second = ReleaseFiles("2024", _files(tmp_path / "2", a=b"n\n"), "mirror")
    toy = Toy(Parsed(), releases=[first, second, first])
    finder = object()
    ctx = ParseContext()
    results = ingest_source(store, toy, finder, ctx)
    assert [(r.version, r.status) for r in results] == [("2023", "loaded"), ("2024", "loaded"), ("2023", "unchanged")]
    assert toy.finders == [finder] and [seen[2] for seen in toy.seen] == [ctx, ctx]


def test_files_a_connector_reads_once_are_parsed_in_place_and_the_rest_from_a_copy(tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "a.CSV").write_bytes(A_BYTES)  # the suffix compared in lower case
    (folder / "b.txt").write_bytes(B_BYTES)
    files = (locate_file(folder / "a.CSV"), locate_file(folder / "b.txt"))
    toy = Toy()
    toy.READ_ONCE_SUFFIXES = (".csv",)
    parse_checked(toy, ReleaseFiles("v", files, "mirror"), ParseContext())
    ((given, contents, _),) = toy.seen
    assert given.files[0].path == folder / "a.CSV"
    assert given.files[1].path != folder / "b.txt" and given.files[1].path.name == "b.txt"
    assert contents == [A_BYTES, B_BYTES]
