"""How a cleaned name is taken apart before matching (geo/normalize.py), on names whose parts a person can read off:
the agency phrase, the 'City of'-style prefix and the trailing area word. Found by scripts/mutation_score.py
(mutants of the 'SO' rule, the prefix cut and the empty-name cases survived the suite)."""

from __future__ import annotations

import pytest

from sanctuarywatch.geo.normalize import NameParts, _strip_phrase_at_end, clean, split_name, split_segments


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Cook County Sheriff's Office", NameParts("cook", "county", "sheriff", None)),
        ("Sheriff of Cook County", NameParts("cook", "county", "sheriff", None)),
        ("Cook County SO", NameParts("cook", "county", "sheriff", None)),  # a trailing SO is the sheriff's office
        ("SO Cook County", NameParts("so cook", "county", None, None)),  # a leading one is not
        ("Cook SO", NameParts("cook", None, "sheriff", None)),
        ("SO", NameParts("so", None, None, None)),  # nor is a bare SO: it stays the name
        ("Boston Police Department", NameParts("boston", None, "police", None)),
        ("City of Boston", NameParts("boston", "city", None, "city")),
        ("Town of Hempstead", NameParts("hempstead", "town", None, "town")),
        ("City and County of Denver", NameParts("denver", None, None, "city and county")),
        ("Orleans Parish", NameParts("orleans", "parish", None, None)),
        ("County", NameParts("county", None, None, None)),  # a bare area word is the name itself
        ("Sheriff Office", NameParts("", None, "sheriff", None)),
    ],
)
def test_a_name_splits_into_base_area_word_agency_and_prefix(text, parts):
    assert split_name(clean(text)) == parts


def test_an_area_word_is_cut_only_as_a_whole_trailing_word():
    assert _strip_phrase_at_end("county", "county") == ""
    assert _strip_phrase_at_end("cook county", "county") == "cook"
    assert _strip_phrase_at_end("cookcounty", "county") is None


def test_segments_drop_empty_pieces():
    assert split_segments("NY - Albany County, (x) ;  ; ") == ["NY", "Albany County", "x"]
