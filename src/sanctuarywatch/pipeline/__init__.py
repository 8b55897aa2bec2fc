"""Ingest orchestration: run connectors, write releases, then refresh what follows from the facts (summaries,
the review queue). The CLI, the API start-up and the tests call it the same way."""
