"""The name resolver on real messy names: the issue's bars and a labelled set of 300+ strings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

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
        if row["expected_status"] == "needs_review":
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
    print(f"\nlabelled rows {len(rows)}; auto-accepted {accepted}; precision {precision:.3f}; recall {recall:.3f}")
    assert precision >= 0.98, wrongly_accepted
    assert not ambiguous_accepted, ambiguous_accepted
    assert recall >= 0.90, missed
