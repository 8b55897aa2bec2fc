"""The static export: every state and county page, places named by sources, JSON and CSV downloads, with
relative links so the folder works from any static host."""

from __future__ import annotations

import json
import time

from sanctuarywatch.store.db import connect
from sanctuarywatch.web.export import build_site


def test_build_site_writes_every_state_and_county(full_store, tmp_path):
    out = tmp_path / "site"
    started = time.perf_counter()
    summary = build_site(full_store, out, workers=2)
    seconds = time.perf_counter() - started
    print(f"\nbuild-site: {summary.pages:,} pages, {summary.jurisdictions:,} jurisdictions in {seconds:.1f} s")
    written = {p.parent.name for p in (out / "jurisdictions").glob("*/index.html")}
    con = connect(full_store, read_only=True)
    sql = "SELECT geoid FROM jurisdiction WHERE level = 'county' AND state_fips <= '56'"
    counties = {r[0] for r in con.execute(sql).fetchall()}
    states = {r[0] for r in con.execute("SELECT geoid FROM jurisdiction WHERE level = 'state'").fetchall()}
    con.close()
    assert len(counties) == 3143 and counties <= written  # every county and equivalent of the 50 states + DC
    assert states <= written and len(states) >= 51
    assert {"3651000", "1714000"} <= written  # places that sources name
    page = (out / "jurisdictions" / "36119" / "index.html").read_text()
    assert 'href="../../static/style.css"' in page and 'href="../../jurisdictions/' in page
    profile = json.loads((out / "data" / "jurisdictions" / "36119.json").read_text())
    assert profile["geoid"] == "36119" and profile["lists"]
    assert (out / "data" / "map.json").is_file() and (out / "static" / "vendor" / "d3.min.js").is_file()
    assert (out / "reports" / "declined-detainers" / "index.html").is_file()
    assert (out / "data" / "reports" / "declined-detainers-2017-01-28.csv").read_text().count("\n") == 202
    index = json.loads((out / "data" / "index.json").read_text())
    assert any(j["geoid"] == "36119" for j in index)
