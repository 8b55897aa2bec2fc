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


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Ramsey & Dakota", "ramsey and dakota"),  # '&' is the word 'and'
        ("King\u2019s County", "kings county"),  # a curly apostrophe is a straight one; 's joins its word
        ("King's County", "kings county"),
        ("Cook County S.O.", "cook county sheriff office"),  # S.O. is the sheriff's office
        ("A.B.C", "a b c"),
        ("St. Louis", "saint louis"),  # a leading St is Saint
        ("Fort St", "fort st"),  # a trailing one (street) is left alone
        ("CO Springs", "co springs"),  # a leading CO is Colorado
        ("Ft. Collins Co", "fort collins county"),  # the first word is expanded like any other
        ("", ""),
    ],
)
def test_clean_gives_the_words_a_person_would_write(text, cleaned):
    assert clean(text) == cleaned
