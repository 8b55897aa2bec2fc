"""Issue 11, server side: CSV formula injection, bounded days, the store lock, build-site's output folder, load
shedding, clean shutdown, and the low findings (absolute store path, Host-built links, security headers)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from sanctuarywatch.api.app import create_app
from sanctuarywatch.api.guard import Limits
from sanctuarywatch.web import export

PLANTED = "=cmd|' /C calc'!A0"
CLI = [sys.executable, "-m", "sanctuarywatch.cli"]


@pytest.fixture(scope="module")
def planted_store(full_store, tmp_path_factory) -> Path:
    """A copy of the full store where one entry of DHS's 2025 list (605 entries) reads as a spreadsheet formula."""
    path = tmp_path_factory.mktemp("planted") / "store.duckdb"
    shutil.copy(full_store, path)
    con = duckdb.connect(str(path))
    first = con.execute("SELECT min(row_number) FROM list_membership WHERE list_id = 'dhs_2025'").fetchone()[0]
    con.execute("UPDATE list_membership SET as_printed = ? WHERE list_id = 'dhs_2025' AND row_number = ?",
                [PLANTED, first])  # fmt: skip
    con.close()
    return path


@pytest.fixture(scope="module")
def client(planted_store):
    return TestClient(create_app(planted_store), raise_server_exceptions=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(store: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "serve", "--port", str(port), "--db", str(store), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_up(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def _stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


# ---- 5. CSV formula injection -----------------------------------------------------------------------------
def test_list_csv_quotes_a_planted_formula(client):
    text = client.get("/api/lists/dhs_2025/members", params={"format": "csv", "limit": 1000}).text
    assert "'" + PLANTED in text
    assert "\n" + PLANTED not in text and "," + PLANTED not in text
    # the same rows as JSON keep the entry exactly as printed
    items = client.get("/api/lists/dhs_2025/members", params={"limit": 1000}).json()["items"]
    assert PLANTED in [r["as_printed"] for r in items]


def test_static_site_and_dictionary_csv_quote_formulas(tmp_path):
    from sanctuarywatch.present.bulk_export import _write_dictionary

    assert export._csv_text([{"name": PLANTED, "n": -12}]) == f"name,n\n'{PLANTED},-12\n"
    _write_dictionary(tmp_path, [("t", "table", "d", [("c", "VARCHAR", "@SUM(A1)")])])
    assert "'@SUM(A1)" in (tmp_path / "data_dictionary.csv").read_text()


# ---- 6. days bounded, no stack trace ----------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/api/reports/declined-detainers?week=9999-12-31", "/api/reports/declined-detainers?week=2017-01-28&to=9999-12-31",
    "/api/jurisdictions/36119/profile?as_of=0", "/api/jurisdictions/36119/profile?as_of=9999-12-31",
    "/api/lists/compare?as_of=1900-01-01", "/api/exposure/eo13768_fy2017_jag?as_of=0",
    "/api/litigation?as_of=99999-01-01", "/reports/declined-detainers/?week=9999-12-31",
])  # fmt: skip
def test_out_of_range_days_are_422(client, url):
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert "Traceback" not in response.text


def test_internal_error_is_a_message_without_trace(client, monkeypatch):
    from sanctuarywatch.analysis import catalog

    def boom(_):
        raise RuntimeError("secret detail /home/x/store.duckdb")

    monkeypatch.setattr(catalog, "counts", boom)
    response = client.get("/api/status")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal error: the request could not be answered."}


# ---- Low: store path, next link, headers -------------------------------------------------------------------
def test_status_names_the_store_without_its_path(client, planted_store):
    status = client.get("/api/status").json()
    assert status["store"] == "store.duckdb" and str(planted_store.parent) not in str(status)


def test_next_link_ignores_the_host_header(client):
    body = client.get("/api/jurisdictions", params={"limit": 2}, headers={"Host": "evil.example"}).json()
    assert body["next"] == "/api/jurisdictions?offset=2&limit=2"


def test_security_headers_on_pages_api_and_static(client):
    for url in ("/", "/api/lists", "/static/style.css", "/api/jurisdictions/00000"):
        headers = client.get(url).headers
        assert headers["x-content-type-options"] == "nosniff", url
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


# ---- 9. load shedding -------------------------------------------------------------------------------------
def test_overload_gets_quick_503_with_retry_after(planted_store):
    """30 uncached profiles (a different as_of each; Philadelphia's detainer flag counts are still read by SQL,
    ~6 ms apiece) at once on a server that computes one at a time and lets 4 wait at most 0.3 s: the rest are
    told to come back, nobody waits seconds."""
    import uvicorn

    app = create_app(planted_store, limits=Limits(running=1, queued=4, max_wait_s=0.3, cache_bytes=2**20))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    import threading

    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)

        async def burst():
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

                async def one(day):
                    started = time.perf_counter()
                    r = await http.get("/api/jurisdictions/42101/profile", params={"as_of": f"2010-01-{day:02d}"})
                    return r, time.perf_counter() - started

                return await asyncio.gather(*(one(d) for d in range(1, 31)))

        results = asyncio.run(burst())
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    statuses = [r.status_code for r, _ in results]
    assert set(statuses) <= {200, 503} and statuses.count(503) >= 10, statuses
    assert all(r.headers["retry-after"] == "1" for r, _ in results if r.status_code == 503)
    assert max(t for r, t in results if r.status_code == 503) < 1.5
    assert statuses.count(200) >= 1


# ---- 7, 10, 3: serve beside other commands, errors as one line, clean stop ----------------------------------
def test_serve_leaves_the_store_to_other_commands_and_follows_changes(planted_store, tmp_path):
    store = tmp_path / "served.duckdb"
    shutil.copy(planted_store, store)
    port = _free_port()
    proc = _serve(store, port, "--workers", "1")
    try:
        _wait_up(port, proc)
        lists = subprocess.run(
            [*CLI, "lists", "compare", "--db", str(store)], capture_output=True, text=True, timeout=120
        )
        assert lists.returncode == 0, lists.stderr
        con = duckdb.connect(str(store))  # what ingest needs: a writer
        con.execute("CREATE TABLE probe AS SELECT 1 AS x")
        con.close()
        deadline = time.monotonic() + 30
        while httpx.get(f"http://127.0.0.1:{port}/api/status").json()["snapshot"] < 2:
            assert time.monotonic() < deadline, "the server never picked up the new store"
            time.sleep(0.5)
    finally:
        code = _stop(proc)
    assert code == 0


def test_ctrl_c_during_warm_up_stops_cleanly(planted_store):
    port = _free_port()
    proc = _serve(planted_store, port)
    _wait_up(port, proc)
    assert not httpx.get(f"http://127.0.0.1:{port}/api/status").json()["warm_up"]["finished"]
    code = _stop(proc)
    _, err = proc.communicate()
    assert code == 0, err
    assert "Traceback" not in err and "Aborted" not in err


def test_taken_port_is_one_line_exit_2(planted_store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*CLI, "serve", "--port", str(port), "--db", str(planted_store)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: Port {port} on 127.0.0.1 is in use: stop what runs there or choose --port."


def test_serve_and_build_site_on_bad_stores_are_messages(planted_store, tmp_path):
    not_store = tmp_path / "notes.duckdb"
    not_store.write_text("hello\n")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    cases = {not_store: "is not a Sanctuary Watch store", other: "not a Sanctuary Watch store",
             tmp_path / "missing.duckdb": "No store at"}  # fmt: skip
    for store, expected in cases.items():
        for command in (["serve", "--port", str(_free_port())], ["build-site", str(tmp_path / "site")]):
            done = subprocess.run([*CLI, *command, "--db", str(store)], capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, (command, done.stderr)
            assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr
    writer = subprocess.Popen([sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(planted_store)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "ok"
        for command in (["serve", "--port", str(_free_port())], ["build-site", str(tmp_path / "site")]):
            done = subprocess.run([*CLI, *command, "--db", str(planted_store)], capture_output=True, text=True,
                                  timeout=60)  # fmt: skip
            assert done.returncode == 2 and "being written by another process" in done.stderr, done.stderr
    finally:
        writer.kill()
        writer.wait()
    assert not (tmp_path / "site").exists()


# ---- 8. build-site's output folder -----------------------------------------------------------------------------
def _fake_build(db, out, progress, workers, states=None):
    (out / "index.html").write_text("new home\n")
    (out / "data").mkdir()
    (out / "data" / "map.json").write_text("{}\n")
    return export.ExportSummary(pages=1, data_files=1, jurisdictions=0)


def test_build_site_never_writes_through_links_and_drops_stale_files(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "_build_into", _fake_build)
    out, victim = tmp_path / "site", tmp_path / "victim"
    victim.mkdir()
    (victim / "passwd").write_text("root:x:0:0\n")
    export.build_site(Path("unused"), out)
    (out / "stale.html").write_text("from an older build\n")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(victim / "passwd")
    (out / "data").rename(out / "data-old")
    (out / "data").symlink_to(victim, target_is_directory=True)
    export.build_site(Path("unused"), out)
    assert (victim / "passwd").read_text() == "root:x:0:0\n" and sorted(os.listdir(victim)) == ["passwd"]
    assert not (out / "index.html").is_symlink() and (out / "index.html").read_text() == "new home\n"
    assert not (out / "data").is_symlink() and not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "victim"]  # no temporary folder left


def test_build_site_refuses_package_files_links_and_foreign_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "_build_into", _fake_build)
    from sanctuarywatch.web import pages

    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    cases = {pages.STATIC_DIR / "site": "inside (or holds) the sanctuarywatch package", a_file: "is a file",
             link: "symbolic link", foreign: "not empty and is not a site"}  # fmt: skip
    for out, message in cases.items():
        with pytest.raises(export.InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            export.build_site(Path("unused"), out)
    assert (foreign / "notes.txt").read_text() == "mine" and not (pages.STATIC_DIR / "site").exists()


def test_build_site_to_a_file_is_a_message(planted_store, tmp_path):
    a_file = tmp_path / "out"
    a_file.write_text("x")
    done = subprocess.run([*CLI, "build-site", str(a_file), "--db", str(planted_store)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "is a file" in done.stderr and "Traceback" not in done.stderr
    assert a_file.read_text() == "x"
