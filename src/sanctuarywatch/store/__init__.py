"""The embedded DuckDB store: connection, migrations, provenance, quarantine and the ingest pipeline."""
