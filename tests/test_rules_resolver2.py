"""The resolver's rules that the full mutation run (issue 14) found unpinned, with values a person can check against the
2025 Census Gazetteer (the session ``resolver``) or, where a rule needs exact confidences or rows the registry does not
have, against a small resolver built by hand from a few ``RegistryEntry`` rows.

Covered: what an answer carries (query, agency kind, notes joined with "; ", "no candidate"); the acceptance threshold
(0.90 accepted, just under it not); a held name without a state; the alias table asked for one level; the county
filter taking a consolidated city; state names and codes in and at the end of the text; the state-level step; fuzzy
matching's cut-off (82), its four nearest names and its state; the input limit, the level message and the cache."""

from __future__ import annotations

import pytest

from sanctuarywatch.errors import InputError
from sanctuarywatch.geo.resolver import Alias, Candidate, RegistryEntry, Resolver


def _ranked(result) -> list[tuple[str, float, str]]:
    return [(c.geoid, round(c.confidence, 4), c.reason) for c in result.candidates]


def _answer(result) -> tuple[str, str, str | None, str]:
    return (result.query, result.status, result.agency_kind, result.note)


# --- what an answer carries -----------------------------------------------------------------------------------------


def test_accepted_answer_keeps_the_text_asked_and_the_agency_kind(resolver):
    # 'IL' after 'Sheriff' is a state: an agency word then a two-letter upper-case code (not only after County/Parish)
    result = resolver.resolve("Cook County Sheriff IL")
    assert _answer(result) == ("Cook County Sheriff IL", "accepted", "sheriff", "")
    assert _ranked(result) == [("17031", 1.0, "exact name")]


def test_review_answer_keeps_the_text_asked_and_the_agency_kind(resolver):
    # three Cook Counties (GA, IL, MN) tie at 0.96; the Cook city/village rows are 0.93 - 0.30 - 0.25 = 0.38
    result = resolver.resolve("Cook Co. Jail")
    assert _answer(result) == ("Cook Co. Jail", "needs_review", "jail", "")
    assert [(g, c) for g, c, _ in _ranked(result)] == [
        ("13075", 0.96),
        ("17031", 0.96),
        ("27031", 0.96),
        ("2713006", 0.38),
        ("3110390", 0.38),
    ]


def test_unresolved_answer_keeps_the_text_asked_and_the_agency_kind(resolver):
    result = resolver.resolve("Qwxz Florp Jail")
    assert _answer(result) == ("Qwxz Florp Jail", "unresolved", "jail", "no candidate")
    assert result.candidates == ()


def test_two_conflicting_states_are_both_noted_joined_by_semicolon(resolver):
    result = resolver.resolve("NY - Albany County, CA", state="NJ")
    assert _answer(result) == (
        "NY - Albany County, CA",
        "unresolved",
        None,
        "text names NY but state NJ was given; text names CA but state NJ was given",
    )


def test_place_named_like_a_state_then_another_state_is_noted_and_not_accepted(resolver):
    # 'Washington, DC' read with state MD: the last segment (DC) conflicts; Washington County, MD is shown for review
    result = resolver.resolve("Washington, DC", state="MD")
    assert _answer(result) == ("Washington, DC", "needs_review", None, "text names DC but state MD was given")
    assert _ranked(result) == [("24043", 0.97, "normalized name")]


def test_a_bare_state_name_asked_within_another_state_adds_no_note(resolver):
    # 'Texas' with state CA: not the state of Texas (another state) and no place named Texas in California
    assert _answer(resolver.resolve("Texas", state="CA")) == ("Texas", "unresolved", None, "no candidate")


def test_three_state_names_the_last_is_the_state_the_others_conflict(resolver):
    # every segment names a state: the last (Georgia) is taken, the two before it are noted as conflicting
    result = resolver.resolve("Washington, Iowa, Georgia")
    assert _answer(result) == (
        "Washington, Iowa, Georgia",
        "unresolved",
        None,
        "text names WA but state GA was given; text names IA but state GA was given",
    )


# --- acceptance: threshold 0.90, margin 0.05, notes ---------------------------------------------------------------

ENTRIES = [
    RegistryEntry("17001", "county", "Foo County", "County", "17", "IL"),
    RegistryEntry("1700001", "place", "Foo city", "city", "17", "IL"),
    RegistryEntry("17003", "county", "Bar", None, "17", "IL"),  # no LSAD
]


def _hand_built(aliases=()) -> Resolver:
    return Resolver(ENTRIES, aliases)


def _candidate(geoid: str, confidence: float) -> Candidate:
    return Candidate(geoid, "Foo County", "county", "IL", confidence, "test")


@pytest.mark.parametrize(
    ("confidences", "status"),
    [
        ((0.90,), "accepted"),  # exactly at the threshold
        ((0.8999,), "needs_review"),
        ((1.0, 0.95), "accepted"),  # 1.0 - 0.95 is 0.05000000000000004 in floating point: at the margin
        ((1.0, 0.9501), "needs_review"),
    ],
)
def test_acceptance_threshold_and_margin(confidences, status):
    resolver = _hand_built()
    q = resolver._parse("Foo County", None, None)
    candidates = [_candidate(f"1700{i}", c) for i, c in enumerate(confidences)]
    result = resolver._decide("Foo County", q, candidates)
    assert (result.status, result.query, result.best.confidence) == (status, "Foo County", confidences[0])


def test_a_held_name_without_a_state_is_held_in_every_state():
    # without the hold, 'Foo County' in IL is accepted (1.0, exact name); held with no state, it is held in IL too
    assert _hand_built().resolve("Foo County", state="IL").status == "accepted"
    resolver = _hand_built([Alias("Foo County", "", None, "a joint city-county agency")])
    result = resolver.resolve("Foo County", state="IL")
    assert _answer(result) == ("Foo County", "needs_review", None, "held for review: a joint city-county agency")
    assert _ranked(result) == [("17001", 1.0, "exact name"), ("1700001", 0.67, "area word differs (county vs city)")]
    assert result.geoid is None


def test_a_registry_row_without_lsad_is_scored_by_name():
    result = _hand_built().resolve("Bar", state="IL")
    assert _answer(result) == ("Bar", "accepted", None, "")
    assert _ranked(result) == [("17003", 0.97, "normalized name")]


# --- the alias table asked for one level --------------------------------------------------------------------------


def test_alias_at_the_level_asked_is_used_as_is(resolver):
    result = resolver.resolve("NYC", level="place")
    assert _ranked(result) == [("3651000", 1.0, "alias: common abbreviation of New York City")]


def test_county_alias_of_a_consolidated_city_asked_as_a_place_gives_the_place_row(resolver):
    # 'SF' (CA) is an alias of San Francisco County 06075, which is one government with San Francisco city 0667000
    result = resolver.resolve("SF", state="CA", level="place")
    assert result.status == "accepted"
    assert _ranked(result) == [("0667000", 1.0, "alias: common abbreviation of San Francisco")]


def test_county_alias_asked_as_a_place_where_the_county_is_the_city(resolver):
    # urban Honolulu is only a CDP: the City and County of Honolulu (county 15003) is the city's government
    result = resolver.resolve("Honolulu", level="place")
    assert result.status == "accepted" and result.geoid == "15003"
    assert _ranked(result)[0][2].startswith("alias: the City and County of Honolulu is the government")


@pytest.mark.parametrize(
    ("text", "state", "level"),
    [
        ("NYC", None, "county"),  # a city alias (not consolidated) does not answer a county question
        ("Manhattan", "NY", "state"),  # a county alias does not answer a state question
    ],
)
def test_alias_at_another_level_is_not_used(resolver, text, state, level):
    assert _answer(resolver.resolve(text, state=state, level=level)) == (text, "unresolved", None, "no candidate")


def test_alias_at_another_level_lets_a_later_alias_key_answer():
    # 'City of Foo' is an alias of the place; asked for a county, the base name 'Foo' (an alias of the county) answers
    resolver = _hand_built(
        [Alias("City of Foo", "1700001", None, "the city"), Alias("Foo", "17001", None, "the county")]
    )
    result = resolver.resolve("City of Foo", level="county")
    assert result.status == "accepted"
    assert _ranked(result) == [("17001", 1.0, "alias: the county")]


def test_alias_found_by_name_and_area_word_without_the_agency_words(resolver):
    # 'Baltimore City Sheriff' -> 'baltimore city', the alias of Baltimore city, MD (county-equivalent 24510)
    result = resolver.resolve("Baltimore City Sheriff")
    assert _answer(result) == ("Baltimore City Sheriff", "accepted", "sheriff", "")
    assert _ranked(result) == [("24510", 1.0, "alias: independent city (county-equivalent)")]


# --- the level filter: a consolidated city answers a county question ---------------------------------------------


def test_county_question_takes_a_consolidated_city(resolver):
    # Jacksonville city, FL is one government with Duval County (12031); no county is named Jacksonville
    result = resolver.resolve("Jacksonville", level="county")
    assert result.status == "accepted"
    assert _ranked(result) == [("12031", 0.93, "normalized name")]


def test_state_question_takes_no_consolidated_city(resolver):
    assert _answer(resolver.resolve("Jacksonville", level="state")) == (
        "Jacksonville",
        "unresolved",
        None,
        "no candidate",
    )


# --- the name with its area word: the index is not changed by a look-up ------------------------------------------


def test_looking_up_a_name_with_its_area_word_leaves_the_index_unchanged():
    entries = [
        RegistryEntry("17001", "county", "Foo County", "County", "17", "IL"),
        RegistryEntry("1700002", "place", "Foo City city", "city", "17", "IL"),  # indexed as 'foo city'
    ]
    resolver = Resolver(entries)
    first = resolver.resolve("Foo City", state="IL")  # looks up 'foo' and 'foo city'
    assert _ranked(first) == [("1700002", 1.0, "exact name"), ("17001", 0.67, "area word differs (city vs county)")]
    assert [e.geoid for e in resolver._by_key["foo city"]] == ["1700002"]
    assert [e.geoid for e in resolver._by_key["foo"]] == ["17001"]
    # 'Foo City Town' looks up 'foo city' only: the county is not a candidate
    assert [c.geoid for c in resolver.resolve("Foo City Town", state="IL").candidates] == ["1700002"]


def test_one_government_found_twice_at_the_same_score_keeps_the_first_row_found():
    # A former county and a CDP that is one government with it both score 0.93 - 0.30 = 0.63 for 'Foo City Jail';
    # both are the county's candidate: the county row (indexed as 'foo', looked up before the CDP's 'foo city')
    # gives the reason.
    entries = [
        RegistryEntry("09001", "county", "Foo County", "County", "09", "CT", former=True),
        RegistryEntry("0900002", "place", "Foo City CDP", "CDP", "09", "CT", consolidated_with="09001"),
    ]
    result = Resolver(entries).resolve("Foo City Jail")
    assert _ranked(result) == [
        ("09001", 0.63, "area word differs (city vs county); a former county with no government of its own")
    ]


def test_one_government_fuzzy_matched_twice_at_the_same_score_keeps_the_nearer_name_found_first():
    # 'fooba' is 91% like both 'foobar' (the county) and 'foobaz' (the city that is one government with it):
    # min(0.97, 0.9091) - 0.04 = 0.8691 twice for county 17005; the first name found ('foobar') gives the reason
    entries = [
        RegistryEntry("17005", "county", "Foobar County", "County", "17", "IL"),
        RegistryEntry("1700005", "place", "Foobaz city", "city", "17", "IL", consolidated_with="17005"),
    ]
    result = Resolver(entries).resolve("Fooba", state="IL")
    assert _ranked(result) == [("17005", 0.8691, "fuzzy (91% like 'foobar')")]


# --- state names and codes in the text --------------------------------------------------------------------------


def test_lower_case_two_letter_segment_is_not_a_state(resolver):
    # 'ny' in lower case is not read as New York: only 'NY' (upper case) or a full name is
    assert _answer(resolver.resolve("Albany County, ny")) == ("Albany County, ny", "unresolved", None, "no candidate")


def test_segments_are_joined_with_a_space(resolver):
    result = resolver.resolve("Cook County, Sheriff's Office", state="IL")
    assert _answer(result) == ("Cook County, Sheriff's Office", "accepted", "sheriff", "")
    assert _ranked(result) == [("17031", 1.0, "exact name")]


@pytest.mark.parametrize("text", ["Weld County CO", "Weld County Colorado"])
def test_trailing_state_code_or_name_is_dropped_and_the_area_word_kept(resolver, text):
    # only the state goes: 'Weld County' is still the exact Census name (1.0), not the bare 'Weld' (0.97)
    result = resolver.resolve(text)
    assert result.status == "accepted"
    assert _ranked(result) == [("08123", 1.0, "exact name")]


@pytest.mark.parametrize(
    ("raw", "abbr"),
    [
        ("County TX", "TX"),  # two words are enough
        ("Sheriff Oregon", "OR"),  # a one-word state name after an agency word
        ("Metropolitan Police District of Columbia", "DC"),  # a three-word state name
        ("Cook IL", None),  # a code after a name (not an area or agency word) is not read as a state
        ("Cook County il", None),  # a lower-case code is not a state
        ("Texas", None),  # one word
    ],
)
def test_trailing_state(resolver, raw, abbr):
    found = resolver._trailing_state(raw)
    assert (found.abbr if found else None) == abbr


# --- the state-level step -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "ranked"),
    [
        ("TX", None, [("48", 0.95, "state name")]),  # a bare postal code is the state
        ("State of Oregon", None, [("41", 0.98, "state name")]),  # area word 'state'
        ("Texas Department of Public Safety", None, [("48", 0.98, "state name")]),  # a state agency
        # a state's corrections department: the state only, no 'Florida' villages (MO, NY, OH) or zona urbana (PR).
        # Asked at the state level so that the answer is not one cached by another test file.
        ("Florida Department of Corrections", "state", [("12", 0.98, "state name")]),
    ],
)
def test_state_level_confidence(resolver, text, level, ranked):
    result = resolver.resolve(text, level=level)
    assert result.status == "accepted"
    assert _ranked(result) == ranked


def test_two_letter_name_with_agency_words_is_not_a_state_code(resolver):
    # 'LA Police Department' is not Louisiana: a postal code is read as a state only when it is the whole name
    assert _answer(resolver.resolve("LA Police Department")) == (
        "LA Police Department",
        "unresolved",
        "police",
        "no candidate",
    )


# --- fuzzy matching ---------------------------------------------------------------------------------------------------


def test_fuzzy_cut_off_is_82_percent(resolver):
    # 'arlinxon' (8 letters) vs 'arlington' (9): 3 edits over 17 letters, 1 - 3/17 = 82.35%, just over the cut-off;
    # confidence 0.8235 - 0.04 = 0.7835
    result = resolver.resolve("Arlinxon", state="VA")
    assert result.status == "needs_review"
    assert _ranked(result) == [
        ("51013", 0.7835, "fuzzy (82% like 'arlington')"),  # Arlington County
        ("5103000", 0.7835, "fuzzy (82% like 'arlington')"),  # Arlington CDP
    ]


def test_fuzzy_within_a_state_looks_only_at_that_states_names(resolver):
    # in Texas the nearest names to 'evan' are 'evant' (89%) and 'van' (86%); nationwide four others come first
    # ('evan', 'evans', 'evant', 'levan'), so 'van' would be lost if the nationwide list were cut then filtered
    result = resolver.resolve("Evan", state="TX")
    assert _ranked(result) == [
        ("4824864", 0.8489, "fuzzy (89% like 'evant')"),  # Evant town
        ("4874912", 0.8171, "fuzzy (86% like 'van')"),  # Van city
    ]


def test_fuzzy_takes_the_four_nearest_names(resolver):
    # 'manate': 'manatee' 92%, then 'mantee', 'manteo', 'manati' at 83% (the fifth 83% name, 'manter', is left out)
    result = resolver.resolve("Manate")
    assert result.status == "needs_review"
    assert _ranked(result) == [
        ("12081", 0.8831, "fuzzy (92% like 'manatee')"),  # Manatee County, FL
        ("2844960", 0.7933, "fuzzy (83% like 'mantee')"),  # Mantee village, MS
        ("3741060", 0.7933, "fuzzy (83% like 'manteo')"),  # Manteo town, NC
        ("72091", 0.7933, "fuzzy (83% like 'manati')"),  # Manati Municipio, PR
        ("7250152", 0.7933, "fuzzy (83% like 'manati')"),  # Manati zona urbana, PR
    ]


# --- resolve(): input limit, level message, cache -------------------------------------------------------------------


def test_a_name_of_exactly_500_characters_is_resolved_501_refused():
    resolver = _hand_built()
    assert resolver.resolve("x" * 500).status == "unresolved"
    with pytest.raises(InputError, match="Name is 501 characters long; names longer than 500 are refused."):
        resolver.resolve("x" * 501)


def test_unknown_level_message_lists_the_levels():
    with pytest.raises(InputError) as err:
        _hand_built().resolve("Foo", level="city")
    assert str(err.value) == "Unknown level 'city': use one of state, county, place."


def test_the_same_question_is_answered_from_the_cache():
    resolver = _hand_built()
    first = resolver.resolve("Foo County", state="IL")
    assert resolver.resolve("Foo County", state="IL") is first
    assert resolver.resolve("Foo County", state="Illinois") is first  # the cache is keyed by the state's FIPS code
    assert resolver.resolve("Foo County") is not first


def test_the_cache_is_emptied_only_when_it_holds_more_than_500000_answers():
    resolver = _hand_built()
    resolver._cache = {(str(i), None, None): None for i in range(500_000)}
    resolver.resolve("Foo County")
    assert len(resolver._cache) == 500_001  # 500,000 is not more than 500,000: kept
    resolver._cache = {(str(i), None, None): None for i in range(500_001)}
    resolver.resolve("Foo County")
    assert len(resolver._cache) == 1  # emptied, then this answer stored
