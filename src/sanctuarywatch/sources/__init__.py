"""One module per public source. ``CONNECTORS`` lists them in the order ``ingest all`` runs them:
geography first (the resolver needs the registry), then everything that names jurisdictions."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

CONNECTOR_MODULES: tuple[str, ...] = (
    "census_geography",
)


def connectors() -> dict[str, ModuleType]:
    """source_id -> connector module, in ingest order."""
    out = {}
    for name in CONNECTOR_MODULES:
        module = import_module(f"sanctuarywatch.sources.{name}")
        out[module.SPEC.source_id] = module
    return out
