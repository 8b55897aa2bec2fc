"""DOJ Inspector General's May 31 2016 memorandum on ten jurisdictions receiving DOJ grants whose laws or
policies limited cooperation with ICE, as a CSV of jurisdiction, state, category. The memorandum ("Referral of
Allegations of Potential Violations of 8 U.S.C. 1373 by Grant Recipients") answered the Office of Justice
Programs' e-mail of April 8 2016, which forwarded Rep. John Culberson's letter of February 26 2016 to the
Attorney General."""

from __future__ import annotations

from datetime import date

from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, ListInfo, discover_lists, parse_list

URL = "https://oig.justice.gov/reports/2016/1607.pdf"
SPEC = SourceSpec(
    source_id="doj_oig_2016",
    title="DOJ OIG memorandum on 10 jurisdictions (May 2016)",
    publisher="U.S. Department of Justice, Office of the Inspector General",
    url=URL,
    licence="U.S. government work (public domain).",
    description="The ten state and local grant recipients the OIG examined for compliance with 8 U.S.C. 1373.",
    files=(SourceFile("doj_oig_2016_jurisdictions.csv", None),),
    mirror_patterns=("doj_oig_2016*.csv",),
)
INFO = ListInfo("doj_oig_2016", SPEC.title, SPEC.publisher, "oversight", URL, SPEC.description, date(2016, 5, 31))
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    return discover_lists(finder, SPEC, INFO.default_edition)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    return parse_list(release, ctx, INFO)
