"""Web pages (Jinja2, server-rendered) over the analysis functions, shared by the live server and the static export."""
