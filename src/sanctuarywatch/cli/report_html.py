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
<th scope="col">Declined</th><th scope="col">Flags</th><th scope="col">Source row</th></tr></thead><tbody>
{% for x in r.rows %}<tr><td>{{ x.jurisdiction }}</td><td>{{ x.state_abbr }}</td>
<td>{{ x.citizenship_country or "" }}</td>
<td>{{ x.criminality or "" }}</td><td>{{ x.detainer_issued_date or "" }}</td><td>{{ x.declined_date or "" }}</td>
<td>{{ (x.flags or "")|replace(";", ", ") }}</td><td>{{ x.file_name }}:{{ x.row_number }}</td>
</tr>{% endfor %}</tbody></table>
<table><caption>Jurisdictions with non-cooperation policies ({{ r.policy_jurisdictions|length }})</caption>
<thead><tr><th scope="col">Jurisdiction</th><th scope="col">State</th><th scope="col">GEOID</th></tr></thead><tbody>
{% for p in r.policy_jurisdictions %}<tr><td>{{ p.jurisdiction }}</td><td>{{ p.state_abbr }}</td>
<td>{{ p.geoid or "unresolved" }}</td></tr>{% endfor %}</tbody></table>
{% if r.audit and r.audit.status == "computed" %}<section aria-labelledby="audit"><h2 id="audit">Audit flags</h2>
<p class="muted">Checks for the 2017 DDOR's known errors (definitions and thresholds: docs/methodology.md,
"Audit flags"). Not checked = the data to run a check is not in the store; it is never counted as clean.</p>
<table><caption>Declined detainers by reading</caption><thead><tr><th scope="col">Reading</th>
<th scope="col">Declined</th><th scope="col">Counts</th></tr></thead><tbody>
{% for x in r.audit.readings %}<tr><td>{{ x.reading }}</td><td>{{ x.declined }}</td><td>{{ x.label }}</td>
</tr>{% endfor %}</tbody></table>
<table><caption>Flag counts</caption><thead><tr><th scope="col">Flag</th><th scope="col">Flagged</th>
<th scope="col">Not checked</th><th scope="col">Clean</th></tr></thead><tbody>
{% for c in r.audit.counts %}<tr><td title="{{ c.title }}">{{ c.flag|replace("_", " ") }}</td>
<td>{{ c.flagged }}</td><td>{{ c.not_checked }}</td><td>{{ c.clean }}</td></tr>{% endfor %}</tbody></table>
{% if r.audit.batch_days %}<table><caption>Batch-dated days</caption><thead><tr><th scope="col">Day</th>
<th scope="col">Facility</th><th scope="col">Declines</th><th scope="col">Source rows</th></tr></thead><tbody>
{% for b in r.audit.batch_days %}<tr><td>{{ b.day }}</td><td>{{ b.facility }}, {{ b.state_abbr }}</td>
<td>{{ b.declines }}</td><td>{{ b.source_rows|join(", ") }}</td></tr>{% endfor %}</tbody></table>{% endif %}
{% if r.audit.most_flagged_facilities %}<table><caption>Most-flagged facilities</caption><thead><tr>
<th scope="col">Facility</th><th scope="col">Flagged rows</th><th scope="col">Flags</th></tr></thead><tbody>
{% for m in r.audit.most_flagged_facilities %}<tr><td>{{ m.facility }}, {{ m.state_abbr }}</td>
<td>{{ m.flagged_rows }}</td><td>{{ (m.flag_types or [])|join(", ") }}</td></tr>{% endfor %}</tbody>
</table>{% endif %}
{% if r.audit.not_checked %}<ul class="muted">{% for n in r.audit.not_checked %}<li>Not checked: {{
n.flag|replace("_", " ") }} ({{ n.check_name }}) on {{ n.rows }} rows — {{ n.example }}</li>{% endfor %}</ul>{% endif %}
<details><summary>Flagged rows with evidence ({{ r.audit.flags|length }})</summary><table><thead><tr>
<th scope="col">Flag</th><th scope="col">Check</th><th scope="col">Facility / jurisdiction</th>
<th scope="col">Date</th><th scope="col">Finding</th><th scope="col">Source row</th></tr></thead><tbody>
{% for f in r.audit.flags %}<tr><td>{{ f.flag|replace("_", " ") }}</td><td>{{ f.check_name }}</td>
<td>{{ f.facility or "" }}</td><td>{{ f.subject_date or "" }}</td><td>{{ f.detail }}</td>
<td>{{ f.file_name }}:{{ f.row_number }}</td></tr>{% endfor %}</tbody></table></details></section>
{% elif r.audit %}<p class="not-loaded">Audit flags: {{ r.audit.message }}</p>{% endif %}
</main><footer><p>Sanctuary Watch. Every row cites the file and row it came from.</p></footer>
</body></html>
"""
_ENV = Environment(autoescape=select_autoescape(default=True))


def render_report_html(report: dict[str, Any]) -> str:
    return _ENV.from_string(_TEMPLATE).render(r=report)
