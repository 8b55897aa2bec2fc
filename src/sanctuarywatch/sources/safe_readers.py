"""Bounded readers: check a file's real size before a library builds it in memory.

A 13 KB xlsx can claim a cell at row 1,048,576, column 301 (calamine then builds a 315-million-cell grid), a
1.6 MB xlsx can hold 3 million rows, a 1.5 MB PDF can hold a 1 GB Flate stream. Each check here reads the file
in bounded chunks and refuses it with a :class:`SourceFormatError` naming the file and the limit (limits are
``sanctuarywatch.config.limit`` names, raised with environment variables) before the real reader starts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from sanctuarywatch.config import limit
from sanctuarywatch.errors import SourceFormatError

_CHUNK = 1 << 20
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3})(\d+)\"")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_NO_VALUE = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3}\d+)\"[^>]*>\s*"
    rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")


def _env(name: str) -> str:
    return f"SANCTUARYWATCH_{name.upper()}"


def refuse(file: str, problem: str, name: str) -> SourceFormatError:
    return SourceFormatError(file, f"{problem}; refused before reading (limit {name} = {limit(name):,}, raise it "
                                   f"with {_env(name)} if the file is genuine)")  # fmt: skip


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True)
class SheetExtent:
    part: str
    rows: int  # the last row number used (or the count of <row> elements, if larger)
    columns: int  # the last column number used
    cells: int  # <c> elements written
    formulas_without_value: tuple[str, ...] = ()  # cells a reader would show as 0 or blank

    @property
    def grid(self) -> int:
        return self.rows * self.columns


def _xml_chunks(book: zipfile.ZipFile, member: str, name: str) -> Iterator[bytes]:
    """A worksheet's XML, streamed (never held whole) in chunks that end on a tag's closing '>'."""
    carry = b""
    with book.open(member) as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            data = carry + chunk
            cut = data.rfind(b">") + 1
            data, carry = data[:cut], data[cut:]
            if len(carry) > _CHUNK:
                raise SourceFormatError(name, f"{member.rsplit('/', 1)[-1]}: an XML tag longer than 1 MB")
            yield data


def _declared_ranges(data: bytes) -> Iterator[tuple[int, int]]:
    """(last row, last column) of each <dimension ref="A1:XFD1048576"/> in a chunk: the used range a sheet declares."""
    for m in _DIMENSION.finditer(data) if b"dimension" in data else ():  # a substring test is ~50x faster
        letters, number = m.group(3) or m.group(1), m.group(4) or m.group(2)
        yield (int(number) if number else 0), (column_number(letters) if letters else 0)


def _worksheets(path: Path, name: str) -> list[str]:
    """The worksheet members of an xlsx, after refusing one whose members uncompress past the limit (read from
    the zip directory: nothing is decompressed). Not a zip: a SourceFormatError."""
    try:
        with zipfile.ZipFile(path) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFormatError(name, f"not a readable xlsx workbook ({exc})") from exc
    total = sum(i.file_size for i in infos)
    if total > limit("max_xlsx_uncompressed_bytes"):
        raise refuse(name, f"the workbook uncompresses to {total:,} bytes", "max_xlsx_uncompressed_bytes")
    return [i.filename for i in infos if re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename)]


def _scan_sheet(book: zipfile.ZipFile, member: str, name: str) -> SheetExtent:
    """The used range of one worksheet from its XML, streamed (never held whole)."""
    max_row = max_col = row_tags = cells = 0
    unvalued: list[str] = []
    for data in _xml_chunks(book, member, name):
        for rows, columns in _declared_ranges(data):
            max_row, max_col = max(max_row, rows), max(max_col, columns)
        max_row = max(max_row, max(map(int, _ROW.findall(data)), default=0))
        # per distinct column letters and with C-level int/max: a sheet has millions of cells, a few columns
        refs = _CELL.findall(data)
        if refs:
            letters, numbers = zip(*refs, strict=True)
            max_col = max(max_col, max(map(column_number, set(letters))))
            max_row = max(max_row, max(map(int, numbers)))
        if b"<f" in data or b":f" in data:  # any formula tag, prefixed or not, holds one of them
            unvalued += [ref.decode() for ref in _NO_VALUE.findall(data)][:10]
        row_tags += len(_ROW_TAG.findall(data))
        cells += len(_CELL_TAG.findall(data))
    rows, columns = max(max_row, row_tags), max(max_col, 1 if cells else 0)
    return SheetExtent(member, rows, columns, cells, tuple(unvalued[:10]))


def _unreadable(name: str, exc: Exception) -> SourceFormatError:
    return SourceFormatError(name, f"not a readable xlsx workbook (truncated or corrupt?): {exc}")


def _unvalued(name: str, sheet: str, refs: Sequence[str]) -> SourceFormatError:
    return SourceFormatError(
        name,
        f"{sheet}: formula cell(s) without a saved value ({', '.join(refs[:10])}); "
        "a reader would show them as 0 or blank. Open and re-save the workbook so values are stored",
    )


def check_xlsx(path: Path, name: str | None = None) -> list[SheetExtent]:
    """Refuse an xlsx whose members uncompress past the limit, or whose sheets' used range (rows x columns,
    as calamine builds it) or rows pass the limits. Returns each worksheet's extent. Not a zip: returns []
    (the real reader then says what is wrong)."""
    name = name or path.name
    if not zipfile.is_zipfile(path):
        return []
    extents = []
    with zipfile.ZipFile(path) as book:
        for member in _worksheets(path, name):
            try:
                ext = _scan_sheet(book, member, name)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise _unreadable(name, exc) from exc
            sheet = member.rsplit("/", 1)[-1]
            if ext.grid > limit("max_xlsx_cells"):
                raise refuse(name, f"{sheet} spans {ext.rows:,} rows x {ext.columns:,} columns "
                                   f"({ext.grid:,} cells)", "max_xlsx_cells")  # fmt: skip
            if ext.rows > limit("max_rows"):
                raise refuse(name, f"{sheet} has {ext.rows:,} rows", "max_rows")
            if ext.formulas_without_value:
                raise _unvalued(name, sheet, ext.formulas_without_value)
            extents.append(ext)
    return extents


def open_workbook(path: Path) -> Any:
    """A calamine workbook, after :func:`check_xlsx` (xls/ods are only size-checked by calamine itself)."""
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_xlsx(path)
    return CalamineWorkbook.from_path(str(path))


def _scan_formulas_and_rows(path: Path, name: str, members: list[str]) -> None:
    """Stream each worksheet's XML (zlib releases the GIL: this runs beside the reader) and refuse a declared used
    range past max_xlsx_cells (the reader sizes its grid by it), a formula cell without a saved value, or more <row>
    elements than the limit. Cheaper than :func:`_scan_sheet`: only chunks holding a formula tag are searched with
    a regular expression, and rows are counted with substring counts."""
    max_rows, max_cells = limit("max_rows"), limit("max_xlsx_cells")
    with zipfile.ZipFile(path) as book:
        for member in members:
            sheet = member.rsplit("/", 1)[-1]
            unvalued: list[str] = []
            rows = 0
            try:
                for data in _xml_chunks(book, member, name):
                    for last_row, last_column in _declared_ranges(data):
                        if last_row * last_column > max_cells:
                            raise refuse(name, f"{sheet} declares {last_row:,} rows x {last_column:,} columns "
                                               f"({last_row * last_column:,} cells)", "max_xlsx_cells")  # fmt: skip
                    if b":row" in data:  # prefixed tags (x:row): rare, counted exactly
                        rows += len(_ROW_TAG.findall(data))
                    else:
                        rows += data.count(b"<row ") + data.count(b"<row>")
                    if rows <= max_rows and len(unvalued) < 10 and (b"<f" in data or b":f" in data):
                        unvalued += [ref.decode() for ref in _NO_VALUE.findall(data)]
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise _unreadable(name, exc) from exc
            if rows > max_rows:  # counted to the end (bounded by max_xlsx_uncompressed_bytes) to name the real count
                raise refuse(name, f"{sheet} has {rows:,} rows", "max_rows")
            if unvalued:
                raise _unvalued(name, sheet, unvalued)


def _stopped(file: str, problem: str, name: str) -> SourceFormatError:
    return SourceFormatError(file, f"{problem}; nothing was stored (limit {name} = {limit(name):,}, raise it with "
                                   f"{_env(name)} if the file is genuine)")  # fmt: skip


def read_xlsx_isolated(path: Path, name: str, worker: str = "sanctuarywatch.sources.xlsx_worker") -> pa.Table:
    """An xlsx read whole by ``python -m WORKER IN OUT NAME`` in a child process capped at ``max_xlsx_reader_bytes``
    of address space and ``max_xlsx_seconds`` of CPU (the reader builds each sheet's used range in full, so a far
    cell in a tiny file would exhaust the machine: here only the child dies, and the file is refused naming the
    limit). Beside it, in a thread, the sheets' XML is streamed for formulas without a saved value and the row count.
    The child's table comes back as an Arrow IPC stream in a temporary file, memory-mapped."""
    members = _worksheets(path, name)
    scan_error: list[BaseException] = []

    def scan() -> None:
        try:
            _scan_formulas_and_rows(path, name, members)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            scan_error.append(exc)

    seconds = limit("max_xlsx_seconds")
    limit("max_xlsx_reader_bytes")  # a malformed setting is an InputError here, not a dead child
    package = Path(__file__).resolve().parents[2]  # the child imports this package as the parent does
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(prefix="sw-xlsx-") as tmp:
        out = Path(tmp) / "sheets.arrows"
        proc = subprocess.Popen(
            [sys.executable, "-m", worker, str(path), str(out), name],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        scanner = threading.Thread(target=scan, name="xlsx-scan", daemon=True)
        scanner.start()
        try:
            scanner.join()
            if scan_error:
                raise scan_error[0]
            stdout, stderr = proc.communicate(timeout=seconds + 10)
        except subprocess.TimeoutExpired:
            raise _stopped(name, f"reading it took longer than {seconds:,} seconds", "max_xlsx_seconds") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        if proc.returncode == 2 and stdout.strip():
            found = json.loads(stdout.decode().strip().splitlines()[-1])
            raise SourceFormatError(name, found["problem"], row=found.get("row"), field=found.get("field"))
        if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) or b"CPU time limit" in stderr:
            raise _stopped(name, f"reading it used more than {seconds:,} seconds of CPU", "max_xlsx_seconds")
        if proc.returncode != 0:
            how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
            memory = proc.returncode == -signal.SIGABRT or any(
                sign in stderr for sign in (b"memory allocation", b"MemoryError", b"failed to map segment")
            )  # Rust's allocation failure aborts; Python's is a MemoryError; a library that cannot be mapped
            problem = ("the reader ran out of memory" if memory else f"the reader stopped ({how})") + (
                " (a sheet's used range is built in full: a cell far down or to the right, even in a small file, "
                "makes it huge)"
            )
            raise _stopped(name, problem, "max_xlsx_reader_bytes")
        # the mapping outlives the file's name (and this directory): the table's buffers keep it
        return pa.ipc.open_stream(pa.memory_map(str(out))).read_all()


# -- PDF ------------------------------------------------------------------------------------------------------------
_STREAM = re.compile(rb"stream\r?\n")


def check_pdf_streams(path: Path) -> int:
    """Refuse a PDF whose Flate streams, uncompressed, pass the limit (decompressed in bounded steps, so a
    1 GB bomb costs only up to the limit). Returns the uncompressed total of the Flate streams seen."""
    cap = limit("max_pdf_stream_bytes")
    data = path.read_bytes()
    total = 0
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        body = data[m.end() : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        try:
            piece = inflater.decompress(body, _CHUNK)
            while piece:
                total += len(piece)
                if total > cap:
                    raise refuse(path.name, f"its compressed streams uncompress to more than {cap:,} bytes",
                                  "max_pdf_stream_bytes")  # fmt: skip
                piece = inflater.decompress(inflater.unconsumed_tail, _CHUNK) if inflater.unconsumed_tail else b""
        except zlib.error:
            continue  # not Flate (an image, or plain text): pdfminer reads it as is
    return total


class Deadline:
    """A time budget for reading one file; ``check()`` raises once it is spent."""

    def __init__(self, file: str, name: str = "max_pdf_seconds"):
        self.file, self.name = file, name
        self.ends = time.monotonic() + limit(name)

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise refuse(self.file, f"reading took longer than {limit(self.name):,} seconds", self.name)


def open_pdf(path: Path) -> Any:
    """A pdfplumber document, after the stream check and the page-count limit."""
    import pdfplumber

    check_pdf_streams(path)
    pdf = pdfplumber.open(path)
    try:
        pages = len(pdf.pages)
    except Exception:
        pdf.close()
        raise
    if pages > limit("max_pdf_pages"):
        pdf.close()
        raise refuse(path.name, f"it has {pages:,} pages", "max_pdf_pages")
    return pdf


# -- CSV ------------------------------------------------------------------------------------------------------------
def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); UTF-16 and NUL bytes are named for what they are."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 3 and raw[1:4:2] == b"\0\0" and raw[0] != 0):
        raise SourceFormatError(name, "UTF-16 text, not UTF-8: re-save it as UTF-8 (CSV UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceFormatError(name, f"not UTF-8 text ({exc.reason} at byte {exc.start}, line {line})") from exc
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise SourceFormatError(name, f"a NUL byte at line {line}: not a text file, or a damaged one")
    return text


def duplicate_header(header: Sequence[str], name: str) -> None:
    """Refuse a header that names one column twice (a reader keyed by name would drop one of them)."""
    seen: set[str] = set()
    for i, col in enumerate(header, start=1):
        key = col.strip()
        if key and key in seen:
            raise SourceFormatError(name, f"the header names column '{key}' twice (again at column {i})", row=1)
        seen.add(key)


def csv_rows(text: str, name: str, first_row: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, fields) for each record, strictly: an unterminated or stray quote,
    a field over the limit or more rows than the limit is a SourceFormatError naming the line."""
    cap, max_rows = limit("max_field_chars"), limit("max_rows")
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, strict=True)
    old = csv.field_size_limit(cap)
    n = first_row
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problem = str(exc)
                if "field larger than field limit" in problem:
                    problem = f"a field longer than {cap:,} characters (limit max_field_chars, raise it with "
                    problem += f"{_env('max_field_chars')})"
                elif "unexpected end of data" in problem or "EOF" in problem:
                    problem = "a quote opened here is never closed (the rest of the file would merge into one field)"
                raise SourceFormatError(name, problem, row=n) from exc
            if n - first_row + 1 > max_rows:
                raise refuse(name, f"more than {max_rows:,} records", "max_rows")
            yield n, record
            n = first_row + reader.line_num
    finally:
        csv.field_size_limit(old)


def csv_dicts(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line, row dict) pairs; refuses a duplicate header or a row with more fields than the header
    (a DictReader would hide them under a None key)."""
    rows = csv_rows(text, name)
    try:
        _, header = next(rows)
    except StopIteration:
        raise SourceFormatError(name, "the file is empty") from None
    duplicate_header(header, name)
    out = []
    for n, rec in rows:
        if len(rec) > len(header) and any(v.strip() for v in rec[len(header) :]):
            raise SourceFormatError(name, f"{len(rec)} fields but the header has {len(header)}", row=n)
        out.append((n, dict(zip(header, rec + [""] * (len(header) - len(rec)), strict=False))))
    return header, out
