"""Shared serialisers and exports: the same data, with its provenance, for every format and engine."""
