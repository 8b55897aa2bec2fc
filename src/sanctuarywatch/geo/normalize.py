"""Turn a messy jurisdiction or agency string into comparable parts.

"Cook Co. Jail"  -> base "cook", area word "county", agency kind "jail".
"Westchester County, NY" -> base "westchester", area word "county", state "NY".
The rules are deliberately simple and listed as data below; the alias file holds the real exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidecode import unidecode

# Abbreviations expanded token by token (after lower-casing and punctuation removal).
TOKEN_EXPANSIONS: dict[str, str] = {
    "co": "county",
    "cnty": "county",
    "cty": "county",
    "par": "parish",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "twp": "township",
    "dept": "department",
    "sherrif": "sheriff",
    "sherriff": "sheriff",
    "sheriffs": "sheriff",
    "shf": "sheriff",
    "pd": "police department",
    "corr": "correctional",
    "ctr": "center",
    "cntr": "center",
    "fac": "facility",
    "det": "detention",
    "dc": "dc",
    "gov": "government",
    "govt": "government",
    "muni": "municipality",
    "vlg": "village",
    "boro": "borough",
}

# Area (LSAD) words, longest first; a trailing one describes the kind of jurisdiction named.
AREA_WORDS: tuple[str, ...] = (
    "city and borough",
    "city and county",
    "census area",
    "consolidated government",
    "metropolitan government",
    "metro government",
    "unified government",
    "county",
    "parish",
    "borough",
    "municipality",
    "municipio",
    "city",
    "town",
    "village",
    "township",
    "state",
)
COUNTY_LEVEL_AREA_WORDS = frozenset(
    {"county", "parish", "borough", "census area", "city and borough", "municipality", "municipio"}
)

# Agency phrases, longest first, with the kind of agency they indicate. Removed from the name.
AGENCY_PHRASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [
            ("office of the sheriff", "sheriff"),
            ("sheriff office", "sheriff"),
            ("sheriff department", "sheriff"),
            ("sheriff s office", "sheriff"),
            ("sheriff s department", "sheriff"),
            ("sheriff so", "sheriff"),
            ("sheriff", "sheriff"),
            ("so", "sheriff"),
            ("police department", "police"),
            ("metropolitan police department", "police"),
            ("department of police", "police"),
            ("police", "police"),
            ("department of corrections", "corrections"),
            ("department of correction", "corrections"),
            ("department of correctional services", "corrections"),
            ("corrections department", "corrections"),
            ("department of public safety", "state_agency"),
            ("highway patrol", "state_agency"),
            ("state police", "state_agency"),
            ("state patrol", "state_agency"),
            ("bureau of investigation", "state_agency"),
            ("department of justice", "state_agency"),
            ("department of law enforcement", "state_agency"),
            ("department of public safety and corrections", "corrections"),
            ("criminal justice information authority", "state_agency"),
            ("governors office of emergency services", "state_agency"),
            ("board of commissioners", "government"),
            ("board of county commissioners", "government"),
            ("board of supervisors", "government"),
            ("commissioners court", "government"),
            ("department of criminal justice", "corrections"),
            ("fish and wildlife conservation commission", "state_agency"),
            ("prison", "jail"),
            ("correctional complex", "jail"),
            ("detention complex", "jail"),
            ("adult detention complex", "jail"),
            ("metro jail", "jail"),
            ("metropolitan detention center", "jail"),
            ("adult justice center", "jail"),
            ("jail", "jail"),
            ("detention center", "jail"),
            ("adult detention center", "jail"),
            ("detention facility", "jail"),
            ("correctional facility", "jail"),
            ("correctional center", "jail"),
            ("corrections center", "jail"),
            ("justice center", "jail"),
            ("house of correction", "jail"),
            ("house of corrections", "jail"),
            ("regional jail", "jail"),
            ("law enforcement center", "jail"),
            ("public safety building", "jail"),
            ("holding facility", "jail"),
            ("corrections", "corrections"),
            ("correctional", "jail"),
            ("detention", "jail"),
            ("processing center", "ice_facility"),
            ("service processing center", "ice_facility"),
        ],
        key=lambda p: -len(p[0]),
    )
)
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("city and county of", "city and county"),
    ("city & county of", "city and county"),
    ("consolidated city of", "city"),
    ("city of", "city"),
    ("county of", "county"),
    ("town of", "town"),
    ("village of", "village"),
    ("borough of", "borough"),
    ("township of", "township"),
    ("municipality of", "municipality"),
    ("parish of", "parish"),
    ("state of", "state"),
    ("commonwealth of", "state"),
    ("government of", ""),
    ("the", ""),
)

_AGENCY_KIND = dict(AGENCY_PHRASES)
_AGENCY_SUFFIX = re.compile(r"(?:^|\s)(" + "|".join(re.escape(p) for p, _ in AGENCY_PHRASES) + r")$")
_AGENCY_PREFIX = re.compile(r"^(" + "|".join(re.escape(p) for p, _ in AGENCY_PHRASES) + r") of ")
_SHERIFF_OFFICE = re.compile(r"\bs\s*\.\s*o\b\.?")
_SEPARATORS = re.compile(r"[,;()\[\]|]|\s[-\u2013\u2014/:]\s|\s[-\u2013\u2014]|[-\u2013\u2014]\s")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; abbreviations expanded."""
    text = _SHERIFF_OFFICE.sub(" sheriff office ", unidecode(text).lower().replace("&", " and "))
    text = re.sub(r"'s\b", "s", text.replace("\u2019", "'"))
    text = _NON_WORD.sub(" ", text.replace(".", " "))
    tokens = []
    raw = _SPACES.sub(" ", text).strip().split(" ")
    for i, tok in enumerate(raw):
        if not tok:
            continue
        if tok == "st":
            # "St. Louis" means Saint; a trailing "st" (street) is left alone.
            tokens.append("saint" if i + 1 < len(raw) else tok)
        elif tok == "co" and i == 0:
            tokens.append(tok)  # a leading "CO" is Colorado, not "county"
        else:
            tokens.append(TOKEN_EXPANSIONS.get(tok, tok))
    return " ".join(tokens)


def split_segments(text: str) -> list[str]:
    """Split on commas, brackets and spaced dashes: 'NY - Albany County' -> ['NY', 'Albany County']."""
    return [s.strip() for s in _SEPARATORS.split(text) if s and s.strip()]


@dataclass(frozen=True, slots=True)
class NameParts:
    base: str
    area_word: str | None
    agency_kind: str | None
    prefix_area: str | None


def _strip_phrase_at_end(words: str, phrase: str) -> str | None:
    if words == phrase:
        return ""
    if words.endswith(" " + phrase):
        return words[: -len(phrase) - 1]
    return None


def split_name(cleaned: str) -> NameParts:
    """Peel agency phrases, a leading 'City of'-style prefix and a trailing area word off a cleaned name."""
    words = cleaned
    agency_kind = None
    while words:
        match = _AGENCY_SUFFIX.search(words) or _AGENCY_PREFIX.match(words)
        if match is None or (match.group(1) == "so" and match.start(1) == 0):
            break
        agency_kind = agency_kind or _AGENCY_KIND[match.group(1)]
        words = (words[: match.start()] if match.re is _AGENCY_SUFFIX else words[match.end() :]).strip()
    prefix_area = None
    for prefix, area in _PREFIXES:
        if words.startswith(prefix + " "):
            words = words[len(prefix) + 1 :]
            prefix_area = area or prefix_area
    area_word = None
    for word in AREA_WORDS:
        rest = _strip_phrase_at_end(words, word)
        if rest:
            words, area_word = rest, word
            break
    if area_word is None and prefix_area and prefix_area != "city and county":
        area_word = prefix_area
    return NameParts(words.strip(), area_word, agency_kind, prefix_area)


def base_key(census_name: str, lsad: str | None) -> str:
    """Index key for a registry name: the cleaned name without its area word ('St. Louis city' -> 'saint louis')."""
    cleaned = clean(census_name)
    if lsad:
        rest = _strip_phrase_at_end(cleaned, clean(lsad))
        if rest:
            return rest
    return split_name(cleaned).base
