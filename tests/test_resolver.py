"""The name resolver on real messy names: the issue's bars and a labelled set of 300+ strings."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from conftest import real_file

from sanctuarywatch.errors import InputError

TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        ("Westchester County, NY", None, "36119"),
        ("NYC", None, "3651000"),
        ("St. Louis City", None, "29510"),
        ("St. Louis County, MO", None, "29189"),
        ("Cook County Sheriff's Office", "IL", "17031"),
        ("Cook Co. Jail", "IL", "17031"),
        ("City and County of San Francisco", None, "06075"),
        ("Prince George's", None, "24033"),
        ("Dona Ana", None, "35013"),
        ("Doña Ana County", None, "35013"),
        ("Orleans Parish Sheriff", None, "22071"),
        ("Baltimore City", None, "24510"),
        ("ALBANY COUNTY, NEW YORK", None, "36001"),
        ("NY - Albany County", None, "36001"),
        ("Florida Department of Corrections", None, "12"),
        ("Weld County CO", None, "08123"),
    ],
)
def test_issue_examples_are_accepted(resolver, text, state, expected):
    result = resolver.resolve(text, state=state)
    assert result.status == "accepted", result
    assert result.geoid == expected


@pytest.mark.parametrize("text", ["Washington County", "Cook Co. Jail", "St. Louis County", "Springfield"])
def test_ambiguous_names_go_to_review_with_candidates(resolver, text):
    result = resolver.resolve(text)
    assert result.status == "needs_review"
    assert len(result.candidates) >= 2


def test_nonsense_is_unresolved(resolver):
    assert resolver.resolve("Qwxz Florp Jail").status == "unresolved"


def test_consolidated_city_resolves_to_one_government(resolver):
    result = resolver.resolve("San Francisco")
    assert result.status == "accepted" and result.geoid == "06075"
    assert resolver.resolve("San Francisco city", level="place").geoid == "0667000"


@pytest.mark.parametrize(
    ("text", "state", "message"),
    [
        ("", None, "Empty name"),
        ("   ", None, "Empty name"),
        ("Cook County", "ZZ", "Unknown state 'ZZ'"),
        ("x" * 10_000_000, None, "refused"),
    ],
)
def test_bad_input_gets_a_clear_error(resolver, text, state, message):
    with pytest.raises(InputError, match=message):
        resolver.resolve(text, state=state)


def _labelled() -> list[dict[str, str]]:
    with (TEST_DATA / "resolver_labelled.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_precision_and_review(resolver):
    rows = _labelled()
    assert len(rows) >= 300
    accepted = correct = 0
    wrongly_accepted, ambiguous_accepted, missed = [], [], []
    for row in rows:
        result = resolver.resolve(row["text"], state=row["state"] or None, level=row["level"] or None)
        if row["expected_status"] != "accepted":  # needs_review or unresolved: never accepted alone
            if result.status == "accepted":
                ambiguous_accepted.append((row["text"], row["state"], result.geoid))
            continue
        if result.status == "accepted":
            accepted += 1
            if result.geoid == row["expected_geoid"]:
                correct += 1
            else:
                wrongly_accepted.append((row["text"], row["state"], result.geoid, row["expected_geoid"]))
        else:
            missed.append((row["text"], row["state"], result.status))
    clear = sum(r["expected_status"] == "accepted" for r in rows)
    precision = correct / accepted
    recall = correct / clear
    print(
        f"\nlabelled rows {len(rows)}; auto-accepted {accepted}; precision {precision:.3f}; recall {recall:.3f}; "
        f"accepted though labelled review/unresolved: {len(ambiguous_accepted)}"
    )
    # Exact, not a floor: a looser threshold or margin accepts hard negatives (the 29 rows whose origin says so),
    # a stricter one drops clear names. 1,003 rows, 817 labelled accepted, 762 of them auto-accepted, all correct.
    assert (len(rows), clear) == (1003, 817)
    assert (accepted, correct) == (762, 762), wrongly_accepted
    assert precision >= 0.98, wrongly_accepted
    assert set(ambiguous_accepted) <= KNOWN_WRONG_ACCEPTS, ambiguous_accepted  # pinned in the real-rows test
    assert recall >= 0.90, missed


# Rows whose origin names a file of the real mirror: names copied from the real ICE, DOJ, DHS and MPI files and
# labelled by hand against the 2025 Gazetteer (not with the resolver's answer).
_MIRROR_FILE = re.compile(r"([\w./-]+\.(?:xlsx|csv))(?: sheet (.+?) \()?")
# Wrongly auto-accepted real names, reported to the lead engineer; a fix must remove them from this list.
# Wrong accepts found while labelling the real rows, since fixed: Las Vegas Metropolitan Police Department (a
# joint city-county force: held for review through aliases.csv) and HARTFORD CORRECTIONAL CENTER, CT (a state
# prison; a former county runs no agency). Any new wrong accept fails the real-rows test.
KNOWN_WRONG_ACCEPTS: set[tuple[str, str, str]] = set()
REAL_ACCEPTED_CORRECT = 254  # of 309 real names a careful person accepts (2025 Gazetteer registry)


def _real_rows() -> list[dict[str, str]]:
    return [row for row in _labelled() if _MIRROR_FILE.search(row["origin"])]


def _cells(relative: str, sheet: str | None) -> set[str]:
    """Every non-empty cell of a mirror CSV or workbook sheet, stripped: what a real name must be found among."""
    path = next(iter(real_file("MANIFEST.csv").parent.glob(f"**/{relative.rsplit('/', 1)[-1]}")), None)
    assert path is not None, f"{relative} is not in the mirror"
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return {cell.strip() for line in csv.reader(fh) for cell in line if cell.strip()}
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets = [sheet] if sheet else book.sheet_names
    return {
        str(cell).strip() for name in sheets for line in book.get_sheet_by_name(name).to_python() for cell in line
    } - {""}


def test_real_rows_are_copied_from_the_named_mirror_file():
    rows = _real_rows()
    assert len(rows) == 424
    cells: dict[tuple[str, str | None], set[str]] = {}
    absent = []
    for row in rows:
        file, sheet = _MIRROR_FILE.search(row["origin"]).groups()
        if (file, sheet) not in cells:
            cells[file, sheet] = _cells(file, sheet)
        found = cells[file, sheet]
        # list pages print "jurisdiction" and "state" in two columns; the set joins them as "Albany, New York"
        parts = [row["text"]] if row["text"] in found else [p.strip() for p in row["text"].split(",")]
        if not all(part in found for part in parts):
            absent.append((row["text"], file))
    assert not absent, absent


def test_real_rows_precision_recall_and_known_defects(resolver):
    rows = _real_rows()
    outcome: dict[tuple[str, str], int] = {}
    wrong, correct = set(), 0
    for row in rows:
        result = resolver.resolve(row["text"], state=row["state"] or None, level=row["level"] or None)
        key = (row["expected_status"], result.status)
        outcome[key] = outcome.get(key, 0) + 1
        if result.status != "accepted":
            continue
        if row["expected_status"] == "accepted" and result.geoid == row["expected_geoid"]:
            correct += 1
        else:
            wrong.add((row["text"], row["state"], result.geoid))
    clear = sum(r["expected_status"] == "accepted" for r in rows)
    accepted = correct + len(wrong)
    print(
        f"\nreal rows {len(rows)}: accepted {accepted}, correct {correct}, precision {correct / accepted:.3f}, "
        f"recall {correct / clear:.3f}; (expected, got) {sorted(outcome.items())}"
    )
    assert clear == 309
    assert wrong == KNOWN_WRONG_ACCEPTS  # any new wrong accept fails; a fixed one must leave the list
    assert correct == REAL_ACCEPTED_CORRECT
    # no CDP, township, university, federal or state prison is accepted as a local government
    assert outcome.get(("unresolved", "accepted"), 0) + outcome.get(("needs_review", "accepted"), 0) == 0
