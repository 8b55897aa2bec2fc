"""DOJ's list of sanctuary jurisdictions, published August 5 2025 under EO 14287 (states, counties, cities)."""

from __future__ import annotations

from datetime import date

from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, ListInfo, discover_lists, parse_list

URL = "https://www.justice.gov/ag/us-sanctuary-jurisdiction-list"
SPEC = SourceSpec(
    source_id="doj_2025_list",
    title="DOJ sanctuary jurisdiction list (August 2025)",
    publisher="U.S. Department of Justice, Office of the Attorney General",
    url=URL,
    licence="U.S. government work (public domain).",
    description="Jurisdictions DOJ designated as sanctuary jurisdictions under EO 14287, grouped as states, "
    "counties and cities.",
    files=(SourceFile("doj_sanctuary_jurisdictions.html", URL),),
    mirror_patterns=("doj_sanctuary_jurisdictions*.html", "doj_sanctuary_jurisdictions*.csv"),
)
INFO = ListInfo("doj_2025", SPEC.title, SPEC.publisher, "official", URL, SPEC.description, date(2025, 8, 5))
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    return discover_lists(finder, SPEC, INFO.default_edition)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    return parse_list(release, ctx, INFO)
