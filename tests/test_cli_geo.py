"""The resolve, registry and review commands as a user runs them: clear errors, never a traceback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sanctuarywatch.cli import app

runner = CliRunner()


def _run(*args: str) -> subprocess.CompletedProcess:
    """Run the real entry point (so error handling is the one users get)."""
    code = "from sanctuarywatch.cli import main; import sys; sys.argv = ['sanctuarywatch'] + sys.argv[1:]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_resolve_prints_the_geoid(store_path):
    result = runner.invoke(app, ["resolve", "Westchester County, NY"])
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output and "36119" in result.output


def test_resolve_json(store_path):
    result = runner.invoke(app, ["resolve", "NYC", "--json"])
    payload = json.loads(result.output)
    assert payload["status"] == "accepted"
    assert payload["candidates"][0]["geoid"] == "3651000"


def test_resolve_csv_keeps_columns_and_adds_results(store_path, tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text(
        "agency,state,note\n"
        "Cook County Sheriff's Office,IL,287g\n"
        "Washington County,,ambiguous\n"
        "Qwxz Florp,,nonsense\n"
        '"St. Louis City",MO,"has, comma"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["resolve", "--csv", str(source), "--column", "agency", "--state-column", "state", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "4 rows, 2 accepted, 1 need review, 1 unresolved" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[:3] == ["agency", "state", "note"]
    assert [(r["id"], r["level"], r["status"]) for r in rows] == [
        ("17031", "county", "accepted"),
        ("", "", "needs_review"),
        ("", "", "unresolved"),
        ("29510", "county", "accepted"),
    ]
    assert rows[3]["note"] == "has, comma"  # an input column the output also names is kept as it was
    assert rows[3]["name"] == "St. Louis city" and rows[3]["resolved_note"].startswith("alias")


def test_review_queue_round_trip(store_path, tmp_path: Path):
    assert runner.invoke(app, ["resolve", "Washington County", "--state", "OR"]).exit_code == 0
    result = runner.invoke(app, ["resolve", "Albany", "--state", "NY", "--queue"])
    assert "needs_review" in result.output
    listing = runner.invoke(app, ["review", "list"])
    assert "Albany" in listing.output and "36001" in listing.output
    assert runner.invoke(app, ["review", "accept", "1", "36001"]).exit_code == 0
    again = runner.invoke(app, ["resolve", "Albany", "--state", "NY", "--json"])
    payload = json.loads(again.output)
    assert payload["status"] == "accepted" and payload["candidates"][0]["geoid"] == "36001"
    assert "reviewed by a person" in payload["candidates"][0]["reason"]


def test_bad_inputs_get_clear_errors_not_tracebacks(store_path, tmp_path: Path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name\nDo\xf1a Ana County\n".encode("latin-1"))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("name\nCook County\n", encoding="utf-8")
    huge = tmp_path / "huge.csv"
    huge.write_text("name\n" + "x" * 10_000_000 + "\n\"Cook County, IL\"\n", encoding="utf-8")
    cases = [
        (["resolve", ""], "Empty name"),
        (["resolve", "Cook County", "--state", "ZZ"], "Unknown state 'ZZ'"),
        (["resolve", "Cook County", "--level", "planet"], "Unknown level"),
        (["resolve", "--csv", str(latin1), "--column", "name", "--out", str(tmp_path / "o1.csv")], "not UTF-8"),
        (["resolve", "--csv", str(empty), "--column", "name", "--out", str(tmp_path / "o2.csv")], "empty"),
        (
            ["resolve", "--csv", str(good), "--column", "agency", "--out", str(tmp_path / "o3.csv")],
            "no column 'agency'",
        ),
        (
            ["resolve", "--csv", str(tmp_path / "missing.csv"), "--column", "n", "--out", str(tmp_path / "o4.csv")],
            "no such file",
        ),
    ]
    for args, message in cases:
        proc = _run(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o1.csv").exists()
    proc = _run("resolve", "--csv", str(huge), "--column", "name", "--out", str(tmp_path / "o5.csv"))
    assert proc.returncode == 0, proc.stderr
    csv.field_size_limit(sys.maxsize)  # the output keeps the 10 MB name as printed, in its own row
    rows = list(csv.DictReader((tmp_path / "o5.csv").open(encoding="utf-8")))
    assert rows[0]["status"] == "unresolved" and "row 2, field 'name'" in rows[0]["note"]
    assert rows[1]["name"] == "Cook County, IL" and rows[1]["resolved_name"] == "Cook County"
    assert rows[1]["id"] == "17031"


def test_missing_store_and_unknown_source_are_clear(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SANCTUARYWATCH_DB", str(tmp_path / "new.duckdb"))
    proc = _run("resolve", "Cook County")
    assert proc.returncode == 2 and "registry is empty" in proc.stderr
    proc = _run("ingest", "nosuchsource")
    assert proc.returncode == 2 and "Unknown source 'nosuchsource'" in proc.stderr


def test_needs_review_names_from_sources_are_queued_and_a_decision_updates_the_facts(con, resolver):
    from sanctuarywatch.store.review import decide, items, queue_unaccepted

    con.execute(
        "INSERT INTO designation_list (list_id, title, publisher, kind) VALUES ('t', 'T', 'P', 'third_party')"
    )
    con.execute(
        "INSERT INTO list_membership (list_id, edition, as_printed, resolution_status, release_id, file_name, "
        "row_number) VALUES ('t', '1', 'Washington County', 'needs_review', 'r', 'f.html', 2)"
    )
    assert queue_unaccepted(con, resolver) == 1 and queue_unaccepted(con, resolver) == 0
    [item] = items(con)
    assert item["input_text"] == "Washington County" and len(item["candidates"]) >= 2
    decide(con, item["review_id"], "41067")
    assert con.execute("SELECT geoid, resolution_status FROM list_membership").fetchone() == ("41067", "reviewed")
