"""pytest plugin used only by scripts/mutation_score.py: hand every test the registry store the script built once
from the unmutated code, instead of re-ingesting the Census Gazetteer for each mutant (about 5 s per mutant).

Loaded with ``-p mutation_fixture_cache`` from the scratch copy; it takes effect only when
SANCTUARYWATCH_REGISTRY_TEMPLATE names an existing file. The script never sets it for the modules that building the
registry runs (pipeline/ingest.py, store/db.py, geo/normalize.py), since there the fixture itself is under test.
Tests copy the template or open it read-only, so sharing one file between mutants is safe (the file is read-only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    if fixturedef.argname != "registry_template":
        return None
    built = os.environ.get("SANCTUARYWATCH_REGISTRY_TEMPLATE")
    if not built or not Path(built).is_file():
        return None
    # What pytest's own pytest_fixture_setup records, so the session reuses the value as if it had built it.
    fixturedef.cached_result = (Path(built), fixturedef.cache_key(request), None)
    return Path(built)
