"""DHS's list of "sanctuary jurisdictions defying federal immigration law", published May 29 2025 under EO 14287
and taken down days later after errors were reported; kept here, marked withdrawn, because it was published."""

from __future__ import annotations

from datetime import date

from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, ListInfo, discover_lists, parse_list

URL = "https://www.dhs.gov/sanctuary-jurisdictions"
SPEC = SourceSpec(
    source_id="dhs_2025_list",
    title="DHS sanctuary jurisdictions list (May 2025, withdrawn)",
    publisher="U.S. Department of Homeland Security",
    url=URL,
    licence="U.S. government work (public domain).",
    description="About 500 states, counties and cities listed by state; removed from dhs.gov in early June 2025. "
    "The withdrawal date recorded (2025-06-01) is approximate.",
    files=(SourceFile("dhs_sanctuary_jurisdictions.html", URL),),
    mirror_patterns=("dhs_sanctuary_jurisdictions*.html", "dhs_sanctuary_jurisdictions*.csv"),
)
INFO = ListInfo(
    "dhs_2025",
    SPEC.title,
    SPEC.publisher,
    "official",
    URL,
    SPEC.description,
    date(2025, 5, 29),
    withdrawn=date(2025, 6, 1),
)
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    return discover_lists(finder, SPEC, INFO.default_edition)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    return parse_list(release, ctx, INFO)
