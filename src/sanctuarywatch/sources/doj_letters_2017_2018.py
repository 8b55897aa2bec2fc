"""DOJ's letters under 8 U.S.C. 1373, 2017-2018: three dated batches of jurisdictions DOJ wrote to about their
compliance with the federal information-sharing statute (a condition of Byrne JAG grants).

- 2017-04-21: 9 jurisdictions named in the Inspector General's May 2016 report, asked to prove compliance;
- 2017-11-15: 29 jurisdictions "preliminarily found to have laws, policies, or practices that may violate" 1373;
- 2018-01-24: 23 jurisdictions sent a demand for documents, with a subpoena threat.

One list (``doj_1373_letters``) with one edition per batch. The editions are separate events, not versions that
replace each other (``edition_mode = 'separate'``): receiving the April 2017 letter stays a fact after the
January 2018 batch. The mirror holds transcriptions of each batch's recipients (no letter PDF): one CSV per date.
"""

from __future__ import annotations

from datetime import date

from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, ListInfo, discover_lists, parse_list

URL = "https://www.justice.gov/opa"
SPEC = SourceSpec(
    source_id="doj_letters_2017_2018",
    title="DOJ 8 U.S.C. 1373 letters (2017-2018)",
    publisher="U.S. Department of Justice (Office of Justice Programs; Office of Public Affairs)",
    url=URL,
    licence="U.S. government work (public domain).",
    description="Recipients of DOJ's 8 U.S.C. 1373 compliance letters: 9 on 21 Apr 2017, 29 on 15 Nov 2017 and "
    "23 on 24 Jan 2018, read from transcriptions of DOJ's releases as quoted by stored news copies.",
    files=(
        SourceFile(
            "doj_1373_letters_2017-04-21.csv", None, "0807e83fa8c2da3fa1b1c58ce0bcdbb3827bfc0985a45de9ff652080569ad36c"
        ),
        SourceFile(
            "doj_1373_letters_2017-11-15.csv", None, "5a2cf531f1ded0330750f9ebaa306b382cc52228e2a7a70b3e6ea9d01b7e89df"
        ),
        SourceFile(
            "doj_1373_letters_2018-01-24.csv", None, "907e55fa8a228115c48281cfb62b5b1ca41ae0e77a25df0054e2c9a44bfaa62d"
        ),
    ),  # fmt: skip
    mirror_patterns=("doj_1373_letters_*.csv",),
)
INFO = ListInfo(
    "doj_1373_letters",
    "Received DOJ's 8 U.S.C. 1373 letter",
    SPEC.publisher,
    "official",
    URL,
    "Each edition is one dated batch of letters: an entry means the jurisdiction received DOJ's 1373 letter of "
    "that date.",
    date(2017, 4, 21),
    edition_mode="separate",
)
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse", "INFO"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    """One release per mirrored batch; with nothing mirrored, a clear error (transcriptions cannot be downloaded)."""
    return discover_lists(finder, SPEC, INFO)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    return parse_list(release, ctx, INFO)
