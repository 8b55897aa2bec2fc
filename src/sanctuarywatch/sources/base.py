"""What every connector shares: the source description, finding files, and the shape of a parse result.

A connector module defines ``SPEC`` (a :class:`SourceSpec`), ``discover(finder)`` returning the releases
available, and ``parse(release, ctx)`` returning a :class:`Parsed`. It never writes to the store; the
ingest pipeline does that in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from sanctuarywatch.errors import SourceFormatError, SourceUnavailableError


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: its name in the mirror, its public address and, once known, its checksum."""

    name: str
    url: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    source_id: str
    title: str
    publisher: str
    url: str
    licence: str
    description: str
    files: tuple[SourceFile, ...] = ()
    mirror_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocatedFile:
    """A file found for a release. ``sha256`` is None for a file its parser reads once, in place, through a
    :class:`VerifiedStream`: that read takes the checksum (a second pass over the bytes at discovery would only
    repeat it), and the pipeline names the release once the parse is done."""

    name: str
    path: Path
    sha256: str | None
    bytes: int
    url: str | None


@dataclass(frozen=True)
class ReleaseFiles:
    """The files that make up one release of a source, and the edition they represent."""

    version: str
    files: tuple[LocatedFile, ...]
    origin: str

    @property
    def content_sha256(self) -> str:
        unhashed = [f.name for f in self.files if f.sha256 is None]
        if unhashed:  # a pipeline bug: a release is named only once every file's bytes are hashed
            raise ValueError(f"no checksum yet for {', '.join(unhashed)}: parse the release first")
        digest = hashlib.sha256()
        for sha in sorted(f.sha256 for f in self.files if f.sha256):
            digest.update(sha.encode())
        return digest.hexdigest()

    @property
    def hashed(self) -> bool:
        """Whether every file's checksum is known (else the parse takes the missing ones)."""
        return all(f.sha256 is not None for f in self.files)

    def with_checksums(self, read: Mapping[str, tuple[str, int]]) -> ReleaseFiles:
        """The release with each file found without a checksum given the (sha256, bytes) its parse read."""
        files = tuple(
            replace(f, sha256=read[f.name][0], bytes=read[f.name][1]) if f.sha256 is None and f.name in read else f
            for f in self.files
        )
        unhashed = [f.name for f in files if f.sha256 is None]
        if unhashed:
            raise ValueError(f"the parse reported no checksum for {', '.join(unhashed)}")
        return ReleaseFiles(self.version, files, self.origin)

    def path(self, name: str) -> Path:
        for f in self.files:
            if f.name == name:
                return f.path
        raise KeyError(name)


@dataclass
class QuarantineRow:
    file_name: str
    row_number: int | None
    field: str | None
    value: str | None
    reason: str


@dataclass
class Parsed:
    """What a connector hands the pipeline: typed tables (Arrow) and the rows it refused.

    ``tables`` maps a store table to rows carrying ``file_name`` and ``row_number`` (the pipeline adds
    ``release_id``). ``upserts`` are reference rows keyed by primary key (e.g. list descriptions).
    ``replace`` names tables whose rows from earlier releases of this source are superseded. ``checksums`` gives,
    for each file found without a checksum, the (sha256, bytes) of exactly the bytes parsed.
    """

    tables: dict[str, pa.Table] = field(default_factory=dict)
    upserts: dict[str, pa.Table] = field(default_factory=dict)
    quarantine: list[QuarantineRow] = field(default_factory=list)
    replace: frozenset[str] = frozenset()
    checksums: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


ProgressFn = Callable[[int, int | None], None]


@dataclass
class ParseContext:
    """What a parse may use: a resolver for names, and a progress callback (rows done, rows total)."""

    resolver: Any = None
    progress: ProgressFn = lambda done, total: None
    retrieved_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def locate_file(path: Path, url: str | None = None, *, checksum: bool = True) -> LocatedFile:
    """The file with its size and, unless ``checksum`` is False (a file its parser hashes as it reads it once),
    its sha256."""
    return LocatedFile(path.name, path, sha256_file(path) if checksum else None, path.stat().st_size, url)


def _changed(f: LocatedFile, sha: str) -> SourceFormatError:
    return SourceFormatError(
        f.name,
        f"changed while being ingested (sha256 {sha[:12]}… now, {(f.sha256 or '')[:12]}… when found): "
        "nothing was loaded; run the ingest again once the file is settled",
    )


def read_bytes_checked(f: LocatedFile) -> bytes:
    """The file's bytes, read once, refused unless they hash to the checksum taken when it was found."""
    data = f.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if sha != f.sha256:
        raise _changed(f, sha)
    return data


class VerifiedStream(io.RawIOBase):
    """A file read once from start to end, hashing every byte it hands out; :meth:`verify` (after the last read)
    gives the checksum of every byte of the file, refusing it if the file was found with a different checksum. For a
    reader that reads sequentially this gives what a private copy gives (the bytes parsed are the bytes the checksum
    names) without writing the copy; for a file found without a checksum it is the only pass over its bytes."""

    def __init__(self, f: LocatedFile):
        super().__init__()
        self.file = f
        self._fh = f.path.open("rb")
        self._digest = hashlib.sha256()
        self._bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        if n:
            self._digest.update(memoryview(buffer)[:n])
            self._bytes += n
        return n or 0

    def verify(self) -> tuple[str, int]:
        """Hash what no one has read yet; the file's (sha256, bytes), refused if it was found with another sha256."""
        for chunk in iter(lambda: self._fh.read(1 << 20), b""):
            self._digest.update(chunk)
            self._bytes += len(chunk)
        sha = self._digest.hexdigest()
        if self.file.sha256 is not None and sha != self.file.sha256:
            raise _changed(self.file, sha)
        return sha, self._bytes

    def close(self) -> None:
        self._fh.close()
        super().close()


def snapshot_release(release: ReleaseFiles, into: Path, read_once: Callable[[LocatedFile], bool] = lambda f: False
                     ) -> ReleaseFiles:  # fmt: skip
    """The release with each file copied into ``into``, hashing exactly the bytes copied.

    Parsers then read the private copy, so the bytes parsed are the bytes whose checksum names the release: a
    mirror file swapped between discovery and parsing is refused instead of being stored under the old checksum.
    A file ``read_once`` selects stays where it is: its parser reads it through a :class:`VerifiedStream` (the only
    kind of file found without a checksum).
    """
    files = []
    for i, f in enumerate(release.files):
        if read_once(f):
            files.append(f)
            continue
        if f.sha256 is None:  # a connector bug: only a file read once may leave its hash to its read
            raise ValueError(f"{f.name} was found without a checksum but is not read once: hash it when found")
        target = into / str(i) / f.name
        target.parent.mkdir(parents=True)
        digest = hashlib.sha256()
        with f.path.open("rb") as src, target.open("wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):  # noqa: B023 - consumed within the iteration
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != f.sha256:
            shutil.rmtree(target.parent)
            raise _changed(f, digest.hexdigest())
        files.append(LocatedFile(f.name, target, f.sha256, f.bytes, f.url))
    return ReleaseFiles(release.version, tuple(files), release.origin)


def inside_folder(path: Path, folder: Path) -> bool:
    """Whether ``path``, with every link followed, is inside ``folder`` (links followed too)."""
    return path.resolve().is_relative_to(folder.resolve())


class Finder:
    """Finds a source's files: the mirror folder first, then the network (pooch, cached), else a clear error."""

    def __init__(self, mirror_dir: Path | None, cache_dir: Path, offline: bool):
        self.mirror_dir = mirror_dir
        self.cache_dir = cache_dir
        self.offline = offline

    def in_mirror(self, patterns: Iterable[str]) -> list[Path]:
        """Mirror files matching any glob pattern (searched recursively), sorted by name."""
        if not self.mirror_dir or not self.mirror_dir.is_dir():
            return []
        found: set[Path] = set()
        for pattern in patterns:
            found.update(p for p in self.mirror_dir.rglob(pattern) if p.is_file())
        for p in found:
            if not inside_folder(p, self.mirror_dir):
                raise SourceFormatError(
                    str(p.relative_to(self.mirror_dir)),
                    f"a link to a file outside the mirror folder {self.mirror_dir}; refused without reading it "
                    "(copy the file into the mirror instead)",
                )
        return sorted(found, key=lambda p: p.name)

    def fetch(self, spec: SourceSpec, wanted: Sequence[SourceFile]) -> list[LocatedFile]:
        """Each wanted file from the mirror or, when allowed, downloaded; raises if any cannot be had."""
        located = []
        for sf in wanted:
            mirrored = self.in_mirror([sf.name])
            if mirrored:
                located.append(locate_file(mirrored[0], sf.url))
                continue
            located.append(self._download(spec, sf))
        return located

    def _download(self, spec: SourceSpec, sf: SourceFile) -> LocatedFile:
        where = f"mirror folder {self.mirror_dir}" if self.mirror_dir else "no mirror folder configured"
        if self.offline or not sf.url:
            raise SourceUnavailableError(
                f"{spec.source_id}: cannot find '{sf.name}' ({where}) and "
                + ("the network is switched off (SANCTUARYWATCH_OFFLINE)." if sf.url else "it has no public address.")
                + " Set --from DIR or SANCTUARYWATCH_MIRROR to a folder holding it."
            )
        import pooch  # imported here: only needed when downloading

        try:
            path = pooch.retrieve(
                sf.url,
                known_hash=f"sha256:{sf.sha256}" if sf.sha256 else None,
                fname=sf.name,
                path=self.cache_dir / spec.source_id,
                progressbar=False,
            )
        except Exception as exc:  # noqa: BLE001 - any network failure becomes one clear message
            raise SourceUnavailableError(
                f"{spec.source_id}: '{sf.name}' is not in the {where} and downloading {sf.url} failed: {exc}"
            ) from exc
        return locate_file(Path(path), sf.url)


def now_utc() -> datetime:
    return datetime.now(UTC)
