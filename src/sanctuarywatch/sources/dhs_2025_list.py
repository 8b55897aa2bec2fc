"""DHS's list of "sanctuary jurisdictions defying federal immigration law", published May 29 2025 under EO 14287
and taken down days later after errors were reported; kept here, marked withdrawn, because it was published.

The whole list survives as a print-to-PDF of the Internet Archive's 31 May 2025 capture of the page. It is read
line by line with pdfplumber: the fonts tell the three kinds of line apart (a state heading in bold sans, a
"State" / "County" / "Cities" heading in bold serif, an entry in regular sans). The print repeats the line at
the page break; that repeat is quarantined as a print artefact, so the entry counts once. A saved copy of the
live HTML page (state heading, then list items) is read too.

AP's partial transcription of the list (``partial/`` in the mirror: Alaska and part of California) is never a
release: it is a cross-check for tests only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sanctuarywatch.errors import SourceFormatError
from sanctuarywatch.geo.states import state_table
from sanctuarywatch.sources.base import Finder, ParseContext, Parsed, ReleaseFiles, SourceFile, SourceSpec
from sanctuarywatch.sources.listpage import DIFF_IGNORE, DIFF_KEYS, Entry, ListInfo, category_of, discover_lists
from sanctuarywatch.sources.listpage import parse_list as _parse_list
from sanctuarywatch.sources.safe_readers import Deadline, open_pdf

URL = "https://www.dhs.gov/sanctuary-jurisdictions"
PDF_NAME = "dhs_sanctuary_jurisdictions_2025-05-31_wayback.pdf"
PDF_URL = (
    "https://raw.githubusercontent.com/menakiser/287g/d0034ddeded30dfc70445473cff7a49df37dd22e/"
    "Sanctuary%20Jurisdictions%20Defying%20Federal%20Immigration%20Law%20%7C%20Homeland%20Security.pdf"
)
SPEC = SourceSpec(
    source_id="dhs_2025_list",
    title="DHS sanctuary jurisdictions list (May 2025, withdrawn)",
    publisher="U.S. Department of Homeland Security",
    url=URL,
    licence="U.S. government work (public domain).",
    description="605 entries (14 state-level, 391 county, 200 city) under 35 states and DC, as printed on "
    "dhs.gov on 29 May 2025 and read from a print of the Internet Archive's 31 May 2025 capture; removed from "
    "dhs.gov by 1 June 2025 (the withdrawal date recorded is approximate).",
    files=(SourceFile(PDF_NAME, PDF_URL, "09f5726623e91b393fc1287104b7dd14985e3146d179fa26e6a4a664f86f8982"),),
    mirror_patterns=("dhs_sanctuary_jurisdictions*.pdf", "dhs_sanctuary_jurisdictions*.html"),
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
    edition_from_name=False,  # the PDF's date is the archive capture (05-31), not the list's (05-29)
)
# The page's fonts (as printed by the Wayback capture): what each kind of line is set in.
LIST_TITLE = "Sanctuary Jurisdiction List"
LIST_END = "Keywords"
STATE_FONT = "SourceSansPro-Bold"
HEADING_FONT = "Merriweather-Bold"
ENTRY_FONT = "SourceSansPro-Regular"
PAGE_BREAK_REPEAT = "printed again at the top of the next page (a print artefact): counted once"
__all__ = ["SPEC", "DIFF_KEYS", "DIFF_IGNORE", "discover", "parse", "pdf_entries"]


def discover(finder: Finder) -> list[ReleaseFiles]:
    return discover_lists(finder, SPEC, INFO)


def parse(release: ReleaseFiles, ctx: ParseContext) -> Parsed:
    file = release.files[0]
    entries = pdf_entries(file.path) if file.name.lower().endswith(".pdf") else None
    return _parse_list(release, ctx, INFO, entries)


def _lines(path: Path) -> list[tuple[int, str, str]]:
    """(page index, font name, text) for every text line of the PDF, in reading order."""
    deadline = Deadline(path.name)
    try:
        with open_pdf(path) as pdf:
            out = []
            for page_no, page in enumerate(pdf.pages):
                deadline.check()
                out += [
                    (page_no, line["chars"][0]["fontname"].split("+")[-1], " ".join(line["text"].split()))
                    for line in page.extract_text_lines(return_chars=True)
                    if line["chars"]
                ]
            return out
    except SourceFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable PDF becomes one clear message
        raise SourceFormatError(path.name, f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc


def pdf_entries(path: Path) -> list[Entry]:
    """The list's entries: state and category from the headings above each. ``row_number`` is the entry line's
    position in the print (1-606), ``page_order`` its position in the list (1-605: the page-break repeat is not one)."""
    lines = _lines(path)
    texts = [text for _, _, text in lines]
    if LIST_TITLE not in texts:
        raise SourceFormatError(path.name, f"no '{LIST_TITLE}' heading: not a print of the DHS list page")
    start = texts.index(LIST_TITLE) + 1
    end = next((i for i in range(start, len(texts)) if texts[i] == LIST_END), None)
    if end is None:
        raise SourceFormatError(path.name, f"the list does not end with '{LIST_END}': the print looks truncated")
    entries: list[Entry] = []
    state = category = None
    last_page = lines[start][0]
    for page_no, font, text in lines[start:end]:
        if font == STATE_FONT:
            if state_table().lookup(text) is None:
                raise SourceFormatError(path.name, f"state heading '{text}' is not a state", field="state")
            state, category = text, None
        elif font == HEADING_FONT:
            category = category_of(text)
            if category is None:
                raise SourceFormatError(path.name, f"unknown heading '{text}'", field="category")
        elif font == ENTRY_FONT:
            if state is None or category is None:
                raise SourceFormatError(path.name, f"entry '{text}' comes before a state and a kind heading")
            repeat = page_no != last_page and entries and entries[-1].text == text and entries[-1].state == state
            n, order = len(entries) + 1, sum(1 for e in entries if not e.artefact) + (0 if repeat else 1)
            entries.append(Entry(text, state, category, n, order, artefact=PAGE_BREAK_REPEAT if repeat else None))
        else:
            raise SourceFormatError(path.name, f"line '{text}' is set in an unexpected font ({font})")
        last_page = page_no
    return entries
