"""Pure functions over the store: reports, profiles, reconciliation, exposure and litigation coverage.

Each takes a DuckDB connection (and plain arguments), reads with SQL, and returns data carrying the
provenance (release, file, row) of the rows it was computed from. No printing, no files.
"""
