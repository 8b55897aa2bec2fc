"""One module per public source. ``CONNECTOR_MODULES`` lists them in the order ``ingest all`` runs them:
geography first (the resolver needs the registry), facilities before detainers (detainers are linked to
jurisdictions through facilities), then everything else that names jurisdictions."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

CONNECTOR_MODULES: tuple[str, ...] = (
    "census_geography",
    "litigation",
    "policy_register",
    "ice_facilities",
    "ddor_2017",
    "dhs_2025_list",
    "doj_2025_list",
    "cis_list",
    "ilrc_list",
    "doj_oig_2016",
    "doj_letters_2017_2018",
    "ice_287g",
    "ice_detainers",
    "mpi_population",
    "doj_grants",
    "published_figures",
)


def connectors() -> dict[str, ModuleType]:
    """source_id -> connector module, in ingest order (modules not yet written are skipped)."""
    out = {}
    for name in CONNECTOR_MODULES:
        qualified = f"sanctuarywatch.sources.{name}"
        if find_spec(qualified) is None:
            continue
        module = import_module(qualified)
        out[module.SPEC.source_id] = module
    return out
