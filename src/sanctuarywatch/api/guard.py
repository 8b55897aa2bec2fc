"""What keeps the server up under load and away from the store's lock: a snapshot of the store, a response cache,
a bounded request queue that sheds load with 503 + Retry-After, and the security headers on every response.

The app never serves the store file itself: it copies it (while holding a read-only connection, so no writer is
half-way through) into a private folder and serves the copy. Every other command, ``ingest`` included, can use the
store while the server runs; when the store file changes, the next request a few seconds later starts a fresh
snapshot in the background and the app switches to it (caches are emptied with it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from sanctuarywatch.errors import SanctuaryWatchError

log = logging.getLogger("sanctuarywatch.api")

SECURITY_HEADERS = [
    # Vega compiles its expressions with Function(): 'unsafe-eval' is needed for the charts, nothing inline is.
    (b"content-security-policy", b"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' "
     b"'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
     b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]  # fmt: skip


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


@dataclass
class Limits:
    """Per server process: requests computed at once, requests allowed to wait, and the longest wait before 503."""

    running: int = field(default_factory=lambda: _env_int("SANCTUARYWATCH_SERVE_RUNNING", 1))
    queued: int = field(default_factory=lambda: _env_int("SANCTUARYWATCH_SERVE_QUEUE", 16))
    max_wait_s: float = field(default_factory=lambda: _env_int("SANCTUARYWATCH_SERVE_MAX_WAIT_MS", 250) / 1000)
    cache_bytes: int = field(default_factory=lambda: _env_int("SANCTUARYWATCH_SERVE_CACHE_MB", 256) * 2**20)
    retry_after_s: int = 1


def _is_store(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migration'")
    return found.fetchone()[0] == 1


def open_original(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the store, or a message saying why not (missing, not a store, being written)."""
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "no file"
        raise SanctuaryWatchError(f"No store at {path} ({kind}). Build it: sanctuarywatch ingest all --db {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise SanctuaryWatchError(
                f"The store {path} is being written by another process (an ingest?). Wait for it to finish, "
                "then start again."
            ) from None
        raise SanctuaryWatchError(f"{path} is not a Sanctuary Watch store (DuckDB cannot read it).") from None
    except duckdb.Error:
        raise SanctuaryWatchError(f"{path} is not a Sanctuary Watch store (DuckDB cannot read it).") from None
    if not _is_store(con):
        con.close()
        raise SanctuaryWatchError(f"{path} is a DuckDB file but not a Sanctuary Watch store (no schema_migration).")
    return con


def _version(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class Snapshot:
    """The store as the app serves it: a private read-only copy, replaced when the store file changes."""

    CHECK_EVERY_S = 2.0

    def __init__(self, original: Path, on_switch: Callable[[], None] = lambda: None) -> None:
        self.original = Path(original)
        self._folder = tempfile.TemporaryDirectory(prefix="sanctuarywatch-serve-")
        self._on_switch = on_switch
        self._lock = threading.Lock()
        # held while a new snapshot is taken and its tables loaded: close() waits for it, since closing the
        # store while the reload thread still reads it aborted the process (SIGABRT) on Ctrl-C
        self._reload_lock = threading.Lock()
        self._closed = False
        self._checked = time.monotonic()
        self._reloading = False
        self.generation = 0
        self.version, self.con = self._take()

    def _take(self) -> tuple[tuple[int, int], duckdb.DuckDBPyConnection]:
        source = open_original(self.original)
        try:  # the read-only connection keeps writers out while the file is copied
            version = _version(self.original)
            copy = Path(self._folder.name) / f"store-{self.generation + 1}.duckdb"
            shutil.copyfile(self.original, copy)
            wal = self.original.with_name(self.original.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        finally:
            source.close()
        self.generation += 1
        return version, duckdb.connect(str(copy), read_only=True)

    def maybe_reload(self) -> None:
        """At most every few seconds: if the store file changed, take a new snapshot in the background."""
        now = time.monotonic()
        if now - self._checked < self.CHECK_EVERY_S or self._reloading:
            return
        self._checked = now
        try:
            if _version(self.original) == self.version:
                return
        except OSError:
            return
        self._reloading = True
        threading.Thread(target=self._reload, name="store-reload", daemon=True).start()

    def _reload(self) -> None:
        with self._reload_lock:
            if not self._closed:
                self._reload_locked()

    def _reload_locked(self) -> None:
        try:
            version, con = self._take()
        except SanctuaryWatchError as exc:  # an ingest still writing: try again on a later request
            log.info("store not reloaded yet: %s", exc)
            self._reloading = False
            return
        with self._lock:
            old, self.con, self.version = self.con, con, version
        self._on_switch()
        self._reloading = False
        log.warning("serving a new snapshot of %s (generation %d)", self.original, self.generation)
        del old  # in-flight cursors keep the old database open until they finish

    def close(self) -> None:
        with self._reload_lock:
            self._closed = True
        self.con.close()
        self._folder.cleanup()


class ResponseCache:
    """GET responses by URL, least recently used first out, bounded in bytes. The snapshot is read-only, so a
    response changes only with the snapshot (emptied then) or with today's date (part of the key)."""

    MAX_ONE = 4 * 2**20

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.size = max_bytes, 0
        self.items: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()

    def get(self, key: tuple) -> tuple[int, list, bytes] | None:
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit

    def put(self, key: tuple, status: int, headers: list, body: bytes) -> None:
        if len(body) > self.MAX_ONE or key in self.items:
            return
        self.items[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.max_bytes and self.items:
            _, (_, _, dropped) = self.items.popitem(last=False)
            self.size -= len(dropped)

    def clear(self) -> None:
        self.items.clear()
        self.size = 0


class Guard:
    """ASGI middleware: security headers; cached responses served at once; everything else through a bounded queue
    (``limits.running`` at a time, ``limits.queued`` waiting at most ``limits.max_wait_s``), else 503."""

    def __init__(self, app: Any, snapshot: Snapshot | None, cache: ResponseCache, limits: Limits) -> None:
        self.app, self.snapshot, self.cache, self.limits = app, snapshot, cache, limits
        self.running = 0
        self.last_seen = 0.0
        self._queue: deque[asyncio.Future] = deque()
        self.shed = 0

    def busy(self, quiet_s: float = 0.0) -> bool:
        """Computing or queueing a request, or one came in less than ``quiet_s`` ago."""
        return self.running > 0 or bool(self._queue) or time.monotonic() - self.last_seen < quiet_s

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.last_seen = time.monotonic()
        if self.snapshot is not None:
            self.snapshot.maybe_reload()

        async def send_secure(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        path = scope["path"]
        if path.startswith("/static/"):
            await self.app(scope, receive, send_secure)
            return
        key = (path, scope.get("query_string", b""), scope["method"], _accept(scope), date.today())
        cacheable = scope["method"] == "GET"
        hit = self.cache.get(key) if cacheable else None
        if hit is not None:
            status, headers, body = hit
            await send_secure({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if not await self._enter():
            self.shed += 1
            await _busy(send_secure, self.limits.retry_after_s)
            return
        started: dict = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(status=message["status"], headers=list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send_secure(message)

        try:
            await self.app(scope, receive, capture if cacheable else send_secure)
        finally:
            self._leave()
        if cacheable and started.get("status") == 200 and (b"cache-control", b"no-store") not in started["headers"]:
            self.cache.put(key, 200, started["headers"], b"".join(chunks))

    async def warm(self, paths: tuple[str, ...]) -> None:
        """GET each path through the app as a request would, so its answer waits in the cache."""
        for path in paths:
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                     "headers": [(b"host", b"127.0.0.1")], "client": None, "server": None}  # fmt: skip

            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def drop(message: dict) -> None:
                return None

            try:
                await self(scope, receive, drop)
            except Exception:  # noqa: BLE001 - a page that cannot be warmed is answered (or fails) when asked
                log.exception("could not warm %s", path)

    async def _enter(self) -> bool:
        """A slot now, or a place in the queue until one is handed over; False when the queue is full or the
        wait runs out (a slot handed over just as the wait ran out is kept, so none leaks)."""
        if self.running < self.limits.running and not self._queue:
            self.running += 1
            return True
        if len(self._queue) >= self.limits.queued:
            return False
        turn = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.limits.max_wait_s)
        except TimeoutError:
            if turn.done():
                return True
            turn.cancel()
            self._queue.remove(turn)
            return False
        return True

    def _leave(self) -> None:
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes to the next in line
                return
        self.running -= 1
        self.last_seen = time.monotonic()


def _accept(scope: dict) -> bytes:
    """The part of Accept an answer depends on: CSV or not (see app._wants_csv)."""
    for name, value in scope.get("headers", []):
        if name == b"accept":
            return b"text/csv" if value.startswith(b"text/csv") else b""
    return b""


async def _busy(send: Callable, retry_after: int) -> None:
    body = b'{"error":"The server is busy: try again in a moment."}'
    headers = [(b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()),
               (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]  # fmt: skip
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
