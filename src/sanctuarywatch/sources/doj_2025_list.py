"""DOJ's list of sanctuary jurisdictions, published August 5 2025 under EO 14287 (states, counties, cities).

The mirror holds a transcription (no publisher file could be stored): one row per entry with DOJ's heading
(STATES / COUNTIES / CITIES), the name split from its ", ST", the printed position, every stored copy showing the
entry and a note; 35 entries = 13 states (12 + DC), 4 counties, 18 cities. A saved HTML copy of the page is read
too (headings States / Counties / Cities, list items under each)."""

from __future__ import annotations

from datetime import date

from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, ListInfo, discover_lists, parse_list

URL = "https://www.justice.gov/ag/us-sanctuary-jurisdiction-list-following-executive-order-14287-protecting-american-communities"
SPEC = SourceSpec(
    source_id="doj_2025_list",
    title="DOJ sanctuary jurisdiction list (August 2025)",
    publisher="U.S. Department of Justice, Office of the Attorney General",
    url=URL,
    licence="U.S. government work (public domain).",
    description="Jurisdictions DOJ designated as sanctuary jurisdictions under EO 14287, grouped as states, "
    "counties and cities: 35 entries on 5 Aug 2025 (13 states incl. DC, 4 counties, 18 cities), read from a "
    "transcription checked against stored copies of DOJ's release and three news lists.",
    files=(
        SourceFile(
            "doj_sanctuary_jurisdictions_2025-08-05.csv",
            None,  # a transcription: it exists only in the mirror
            "4064c5da610ac57cc958277a6c12f008ab356edac1a47fcafabfdd75ab0f5051",
        ),
    ),
    mirror_patterns=("doj_sanctuary_jurisdictions*.html", "doj_sanctuary_jurisdictions*.csv"),
)
INFO = ListInfo("doj_2025", SPEC.title, SPEC.publisher, "official", URL, SPEC.description, date(2025, 8, 5))
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    return discover_lists(finder, SPEC, INFO)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    return parse_list(release, ctx, INFO)
