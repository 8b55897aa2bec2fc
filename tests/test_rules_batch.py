"""Resolving a whole CSV column in-process (geo/batch.py), pinned to what a person can check: the exact bytes of the
output, county FIPS codes anyone can look up (Westchester County NY = 36119; the three Cook counties are GA 13075,
IL 17031 and MN 27031), the added-column renames, and each refusal's message. Found by scripts/mutation_score.py:
most of these paths were only driven through a CLI subprocess, which mutants never reach."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.batch import resolve_csv

HEADER = "name,state,id,resolved_id,resolved_name,level,confidence,status,note\r\n"


def _run(resolver, tmp_path: Path, text: str | bytes, column: str = "name", state: str | None = "state"):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return resolve_csv(resolver, src, column, out, state_column=state), out


def test_every_row_is_answered_with_crlf_lines_and_renamed_added_columns(resolver, tmp_path):
    body = "name,state,id\nWestchester County,NY,x1\nBrentwood,NY,x2\n,TX,x4\nCook County\n"
    summary, out = _run(resolver, tmp_path, body)
    lines = out.read_bytes().decode("utf-8").split("\r\n")
    # "name" and "id" are the user's, so the resolver's go in resolved_name / resolved_id; level, confidence,
    # status and note are new. A short last row is padded with a blank state.
    assert lines[0] + "\r\n" == HEADER
    assert lines[1] == "Westchester County,NY,x1,36119,Westchester County,county,1.000,accepted,exact name"
    assert lines[2] == "Brentwood,NY,x2,,,,0.850,needs_review,3608026 Brentwood CDP NY (0.85)"
    assert lines[3] == (
        ",TX,x4,,,,,unresolved,\"row 4, field 'name': Empty name: give the jurisdiction or agency name to resolve.\""
    )
    assert lines[4] == (
        "Cook County,,,,,,0.960,needs_review,"
        "13075 Cook County GA (0.96); 17031 Cook County IL (0.96); 27031 Cook County MN (0.96)"
    )
    assert lines[5:] == [""]
    assert summary.rows == 4
    assert dict(summary.counts) == {"accepted": 1, "needs_review": 2, "unresolved": 1}
    assert [(text, state, extra, r.status) for text, state, extra, r in summary.review_rows] == [
        ("Brentwood", "NY", None, "needs_review"),
        ("Cook County", None, None, "needs_review"),
    ]
    assert not out.with_suffix(".csv.partial").exists()


def test_without_a_state_column_the_state_is_not_used(resolver, tmp_path):
    summary, out = _run(resolver, tmp_path, "name,state\nBrentwood,NY\n", state=None)
    assert out.read_text(encoding="utf-8").splitlines()[1].split(",")[6] == "needs_review"
    assert summary.review_rows[0][1] is None  # NY was not passed to the resolver


def test_a_name_with_no_candidate_says_so(resolver, tmp_path):
    summary, out = _run(resolver, tmp_path, "name,state\nQwxz Florp Jail,\n")
    row = out.read_text(encoding="utf-8").splitlines()[1].split(",")
    assert row[:6] == ["Qwxz Florp Jail", "", "", "", "", ""] and row[6] == "unresolved"
    assert row[7].endswith("no candidate")
    assert dict(summary.counts) == {"unresolved": 1} and summary.review_rows == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfen\x00a\x00", "in.csv: UTF-16 text. Re-save it as UTF-8 (CSV UTF-8) and try again."),
        (b"\xfe\xff\x00n\x00a", "in.csv: UTF-16 text. Re-save it as UTF-8 (CSV UTF-8) and try again."),
        (b"name\nCook\nCaf\xe9\n", "in.csv: not UTF-8 (byte 0xe9 at line 3). Re-save it as UTF-8 and try again."),
        (b" \r\n\n", "in.csv: the file is empty."),
        (b"name\nCook\nDen\x00ver\nA\x00\n", "in.csv: a NUL byte at line 3; not a text CSV file."),  # the first
        (b"name,state,state\nCook County,IL,Illinois\n", "in.csv: the header names 'state' more than once; rename"),
        (b"name,name,state,state\nx,y,z,w\n", "in.csv: the header names 'name', 'state' more than once; rename"),
        (b"county,st\nCook,IL\n", "in.csv: no column 'name'. Columns are: county, st."),
        (b"name,st\nCook,IL\n", "in.csv: no column 'state'. Columns are: name, st."),
        (b"name,state\nCook County,IL,extra\n", "in.csv, line 2: 3 fields but the header has 2 (an unquoted comma?)"),
        (b'name,state\nCook,IL\n"Cook County,IL\nDenver,CO\n', "in.csv, line 3: "),
        (b'"name,state\nCook,IL\n', "in.csv, line 1: "),  # a broken quote in the header
    ],
)
def test_a_file_that_cannot_be_mirrored_row_for_row_is_refused_and_nothing_is_written(
    resolver, tmp_path, body, message
):
    out = tmp_path / "out.csv"
    with pytest.raises(InputError) as err:
        _run(resolver, tmp_path, body)
    assert str(err.value).startswith(str(tmp_path / message.split(":")[0]) + message[len(message.split(":")[0]) :])
    assert not out.exists() and not out.with_suffix(".csv.partial").exists()


def test_a_missing_input_file_is_named(resolver, tmp_path):
    with pytest.raises(InputError, match=r"in\.csv: no such file\.$"):
        resolve_csv(resolver, tmp_path / "in.csv", "name", tmp_path / "out.csv")


def test_a_utf8_bom_is_not_part_of_the_first_column_name(resolver, tmp_path):
    summary, out = _run(resolver, tmp_path, "\ufeffname,state\nWestchester County,NY\n".encode())
    assert out.read_text(encoding="utf-8").startswith("name,state,id,resolved_name,")
    assert summary.rows == 1 and dict(summary.counts) == {"accepted": 1}


def test_a_line_break_inside_a_quoted_name_is_kept_as_typed(resolver, tmp_path):
    summary, out = _run(resolver, tmp_path, b'name,state\n"Westchester\r\nCounty",NY\nCook County,IL\n')
    assert summary.rows == 2  # two records, though the file has four lines
    assert out.read_bytes().split(b"\r\n")[1:3] == [
        b'"Westchester',
        b'County",NY,36119,Westchester County,county,1.000,accepted,exact name',
    ]


class _Answers:
    """A resolver answering from a table, recording what the output folder held while each row was resolved."""

    def __init__(self, folder: Path, answers: dict[str, object]):
        self.folder, self.answers, self.seen = folder, answers, []

    def resolve(self, text, state=None):
        self.seen.append((text, state, sorted(p.name for p in self.folder.iterdir())))
        return self.answers[text]


def _candidate(geoid, name, state, confidence):
    return SimpleNamespace(geoid=geoid, name=name, state_abbr=state, confidence=confidence, level="county", reason="")


def test_the_output_is_written_to_a_partial_file_and_appears_only_when_complete(tmp_path):
    cook = _candidate("17031", "Cook County", "IL", 1.0)
    fake = _Answers(
        tmp_path, {"Cook County": SimpleNamespace(status="accepted", best=cook, note="", candidates=[cook])}
    )
    summary, out = _run(fake, tmp_path, "name,state\nCook County,IL\nCook County,\n")
    assert fake.seen == [
        ("Cook County", "IL", ["in.csv", "out.csv.partial"]),
        ("Cook County", None, ["in.csv", "out.csv.partial"]),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    assert summary.rows == 2 and dict(summary.counts) == {"accepted": 2}


def test_a_resolvers_note_comes_before_the_candidates(tmp_path):
    il, mn = _candidate("17031", "Cook County", "IL", 0.955), _candidate("27031", "Cook County", "MN", 0.951)
    conflict = SimpleNamespace(status="needs_review", best=il, note="the name says IL, the state column TX",
                               candidates=[il, mn])  # fmt: skip
    summary, out = _run(_Answers(tmp_path, {"Cook County": conflict}), tmp_path, "name,state\nCook County,TX\n")
    assert out.read_text(encoding="utf-8").splitlines()[1] == (
        'Cook County,TX,,,,0.955,needs_review,"the name says IL, the state column TX; '
        '17031 Cook County IL (0.95); 27031 Cook County MN (0.95)"'
    )
    assert summary.review_rows == [("Cook County", "TX", None, conflict)]


def test_every_unreadable_name_is_counted(resolver, tmp_path):
    summary, _ = _run(resolver, tmp_path, "name,state\n,TX\n  ,IL\nWestchester County,NY\n")
    assert summary.rows == 3 and dict(summary.counts) == {"unresolved": 2, "accepted": 1}


def test_the_duplicate_header_message_says_what_to_do(resolver, tmp_path):
    with pytest.raises(InputError) as err:
        _run(resolver, tmp_path, b"name,state,state\nCook County,IL,Illinois\n")
    assert str(err.value) == (
        f"{tmp_path / 'in.csv'}: the header names 'state' more than once; rename the duplicate column so no value "
        "is lost."
    )


def test_nothing_is_printed_unless_progress_is_asked_for(resolver, tmp_path, capfd):
    src = tmp_path / "in.csv"
    src.write_text("name,state\nWestchester County,NY\n", encoding="utf-8")
    resolve_csv(resolver, src, "name", tmp_path / "out.csv", state_column="state")
    assert capfd.readouterr() == ("", "")


def test_a_file_past_2000_rows_is_resolved_to_the_end(tmp_path):
    """The progress bar is moved on every 2000th row: a file reaching that row must still be answered in full."""
    cook = _candidate("17031", "Cook County", "IL", 1.0)
    fake = _Answers(
        tmp_path, {"Cook County": SimpleNamespace(status="accepted", best=cook, note="", candidates=[cook])}
    )
    fake.resolve = lambda text, state=None: fake.answers[text]  # no folder listing per row
    summary, out = _run(fake, tmp_path, "name\n" + "Cook County\n" * 2001, state=None)
    assert summary.rows == 2001 and dict(summary.counts) == {"accepted": 2001}
    assert out.read_bytes().count(b"\r\n") == 2002
