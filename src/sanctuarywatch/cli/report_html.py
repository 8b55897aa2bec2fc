"""A printable HTML page for the declined-detainer report (self-contained: no scripts, print styles)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Declined detainers {{ r.week_start }} to {{ r.week_end }} — Sanctuary Watch</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;color:#111;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #999;padding:.25rem .4rem;text-align:left}
th{background:#eee}caption{text-align:left;font-weight:bold;margin:.5rem 0}
@media print{body{margin:0}a{color:#000}}
</style></head><body>
<header><h1>Declined Detainer Outcome Report, rebuilt</h1>
<p>Week {{ r.week_start }} to {{ r.week_end }}. Basis: <strong>{{ "ICE's published table" if r.basis == "ddor"
else "detainer records" }}</strong>. {{ r.declined_detainers }} declined detainers in {{ r.jurisdictions }}
jurisdictions; {{ r.unresolved|length }} rows not resolved to a jurisdiction.</p>
{% for n in r.notes %}<p><em>{{ n }}</em></p>{% endfor %}</header>
<main>
<table><caption>Top jurisdictions (counts under 5 shown as &lt;5)</caption>
<thead><tr><th scope="col">Jurisdiction</th><th scope="col">State</th><th scope="col">GEOID</th>
<th scope="col">Declined</th></tr></thead><tbody>
{% for t in r.top_jurisdictions %}<tr><td>{{ t.jurisdiction }}</td><td>{{ t.state_abbr }}</td>
<td>{{ t.geoid or "" }}</td><td>{{ t.declined }}</td></tr>{% endfor %}</tbody></table>
<table><caption>Declined detainers</caption><thead><tr><th scope="col">Jurisdiction</th><th scope="col">State</th>
<th scope="col">Citizenship</th><th scope="col">Criminality</th><th scope="col">Issued</th>
<th scope="col">Declined</th><th scope="col">Source row</th></tr></thead><tbody>
{% for x in r.rows %}<tr><td>{{ x.jurisdiction }}</td><td>{{ x.state_abbr }}</td>
<td>{{ x.citizenship_country or "" }}</td>
<td>{{ x.criminality or "" }}</td><td>{{ x.detainer_issued_date or "" }}</td><td>{{ x.declined_date or "" }}</td>
<td>{{ x.file_name }}:{{ x.row_number }}</td></tr>{% endfor %}</tbody></table>
<table><caption>Jurisdictions with non-cooperation policies ({{ r.policy_jurisdictions|length }})</caption>
<thead><tr><th scope="col">Jurisdiction</th><th scope="col">State</th><th scope="col">GEOID</th></tr></thead><tbody>
{% for p in r.policy_jurisdictions %}<tr><td>{{ p.jurisdiction }}</td><td>{{ p.state_abbr }}</td>
<td>{{ p.geoid or "unresolved" }}</td></tr>{% endfor %}</tbody></table>
</main><footer><p>Sanctuary Watch. Every row cites the file and row it came from.</p></footer>
</body></html>
"""
_ENV = Environment(autoescape=select_autoescape(default=True))


def render_report_html(report: dict[str, Any]) -> str:
    return _ENV.from_string(_TEMPLATE).render(r=report)
