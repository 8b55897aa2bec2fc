"""pytest plugin used only by scripts/mutation_score.py: hand each mutant's tests stores the script built once from
the unmutated code, instead of rebuilding them for every mutant.

Loaded with ``-p mutation_fixture_cache`` from the scratch copy. Two kinds:

* ``registry_template``, when SANCTUARYWATCH_REGISTRY_TEMPLATE names an existing file (re-ingesting the Census
  Gazetteer costs about 5 s per mutant). The script never sets it for the modules that building the registry runs
  (pipeline/ingest.py, store/db.py, geo/normalize.py), since there the fixture itself is under test. Tests copy the
  template or open it read-only, so sharing one file between mutants is safe (the file is read-only).
* store fixtures named in SANCTUARYWATCH_FIXTURE_NAMES (e.g. ``analysis_store``, 9 s to build): with
  SANCTUARYWATCH_FIXTURE_RECORD=DIR the fixture runs as written and its store file is kept as DIR/NAME.duckdb (the
  script does this once, on the checkout's unmutated code); with SANCTUARYWATCH_FIXTURE_STORES=DIR each set-up of the
  fixture gets a fresh copy of DIR/NAME.duckdb, so a test that writes to it changes only its own copy, as before.
  A kill only the store's build could make is then missed (the exposure stores' build never runs exposure code; the
  whole-mirror store's runs the declined-detainer report), so a score can only come out lower, never higher.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def _names() -> set[str]:
    return set(filter(None, os.environ.get("SANCTUARYWATCH_FIXTURE_NAMES", "").split(",")))


def _cached(fixturedef, request, value: Path) -> Path:
    # What pytest's own pytest_fixture_setup records, so the scope reuses the value as if it had built it.
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    name = fixturedef.argname
    if name == "registry_template":
        built = os.environ.get("SANCTUARYWATCH_REGISTRY_TEMPLATE")
        if built and Path(built).is_file():
            return _cached(fixturedef, request, Path(built))
        return None
    stores = os.environ.get("SANCTUARYWATCH_FIXTURE_STORES")
    if stores and name in _names() and (Path(stores) / f"{name}.duckdb").is_file():
        copy = request.getfixturevalue("tmp_path_factory").mktemp(f"cached_{name}") / "store.duckdb"
        shutil.copyfile(Path(stores) / f"{name}.duckdb", copy)
        return _cached(fixturedef, request, copy)
    return None


def pytest_runtest_call(item):
    """In record mode, keep each named store fixture's file as its first test is about to use it."""
    record = os.environ.get("SANCTUARYWATCH_FIXTURE_RECORD")
    if not record:
        return
    for name in _names() & set(getattr(item, "funcargs", {})):
        target = Path(record) / f"{name}.duckdb"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.funcargs[name], target)
