#!/usr/bin/env python3
"""Apply each bug that once survived the whole suite (issue 14's audit) alone, in a scratch copy of the tree, and run
the tests that should catch it. Prints one line per mutant (killed / SURVIVED / NOT APPLIED) and exits 1 if any
survives. Never touches the checkout: the copy lives under /tmp/mut/known (or --scratch).

    .venv/bin/python scripts/known_mutants.py            # all of them
    .venv/bin/python scripts/known_mutants.py resolver_   # those whose name starts with a prefix
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = "src/sanctuarywatch/"
FAST = ["tests/test_rules.py"]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # under src/sanctuarywatch/
    old: str
    new: str
    tests: tuple[str, ...] = tuple(FAST)


MUTANTS = [
    Mutant("resolver_threshold_085", "geo/resolver.py", "ACCEPT_THRESHOLD = 0.90", "ACCEPT_THRESHOLD = 0.85",
           ("tests/test_rules.py", "tests/test_resolver.py")),
    Mutant("resolver_threshold_080", "geo/resolver.py", "ACCEPT_THRESHOLD = 0.90", "ACCEPT_THRESHOLD = 0.80",
           ("tests/test_rules.py", "tests/test_resolver.py")),
    Mutant("resolver_margin_002", "geo/resolver.py", "ACCEPT_MARGIN = 0.05", "ACCEPT_MARGIN = 0.02",
           ("tests/test_rules.py", "tests/test_resolver.py")),
    Mutant("resolver_accepts_state_conflict", "geo/resolver.py", " >= ACCEPT_MARGIN and not q.notes",
           " >= ACCEPT_MARGIN"),
    Mutant("declined_without_refusal_patterns", "analysis/summaries.py",
           '"%not honor%", "%refus%", "%did not accept%", "%not accepted%")', '"%not honor%")'),
    Mutant("declined_counts_closed", "analysis/summaries.py", '"%not accepted%")', '"%not accepted%", "%closed%")'),
    Mutant("small_cell_report_le_5", "analysis/ddor_report.py", "suppress and n < SMALL_CELL",
           "suppress and n <= SMALL_CELL"),
    Mutant("small_cell_pages_removed", "web/pages.py", "small=_small", "small=lambda value: value"),
    Mutant("transaction_commits_on_error", "store/db.py", 'except BaseException:\n        con.execute("ROLLBACK")',
           'except BaseException:\n        con.execute("COMMIT")'),
    Mutant("resolve_csv_blank_confidence", "geo/batch.py",
           '"confidence": f"{best.confidence:.3f}",\n        "status": "accepted"',
           '"confidence": "",\n        "status": "accepted"'),
    Mutant("resolve_csv_in_place", "geo/batch.py", 'tmp = out.with_suffix(out.suffix + ".partial")', "tmp = out"),
    Mutant("api_csv_drops_last_column", "api/app.py", "for k, v in r.items() if not isinstance",
           "for k, v in list(r.items())[:-1] if not isinstance"),
    Mutant("litigation_in_force_on_end_day", "analysis/litigation.py", "effective_to > {on}",
           "effective_to >= {on}"),
    Mutant("litigation_not_in_force_on_start_day", "analysis/litigation.py", "effective_from <= {on}",
           "effective_from < {on}"),
    Mutant("litigation_program_filter_ignored", "analysis/litigation.py",
           "return f\"({column} = 'all' OR list_contains(string_split({column}, ';'), {param}))\"",
           "return \"TRUE\""),
    Mutant("lists_parish_not_a_county_word", "sources/listpage.py", "counties|parish|census area",
           "counties|census area"),
    Mutant("lists_bare_state_name_ignored", "sources/listpage.py",
           'if found and (state is None or state == found):\n        return "state"',
           'if False:\n        return "state"'),
    Mutant("exposure_withdrawn_lists_trigger", "analysis/exposure.py",
           "AND (withdrawn_date IS NULL OR withdrawn_date > $as_of)", "AND TRUE"),
    Mutant("exposure_pass_through_always_counted", "analysis/exposure.py",
           "AND (g.is_pass_through = FALSE OR $pass_through)", "AND TRUE"),
    Mutant("detainer_m_d_yyyy_not_parsed", "sources/ice_detainers.py",
           ", try_strptime(v, '%m/%d/%Y')::DATE,", ","),
]  # fmt: skip


def scratch_copy(scratch: Path) -> Path:
    """A copy of src/, tests/ and pyproject.toml under scratch/repo, with scratch/shared -> the real mirror (the
    tests find it at ../shared/data beside the checkout)."""
    repo = scratch / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "artifacts")
    for part in ("src", "tests"):
        shutil.copytree(REPO / part, repo / part, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    shared = scratch / "shared"
    if not shared.exists():
        shared.symlink_to((REPO / ".." / "shared").resolve())
    return repo


def run_tests(repo: Path, tests: tuple[str, ...], timeout: int) -> tuple[int, float]:
    env = {**os.environ, "PYTHONPATH": str(repo / "src"), "SANCTUARYWATCH_OFFLINE": "1"}
    env.pop("SANCTUARYWATCH_MIRROR", None)
    started = time.time()
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    try:
        proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = -1
    return code, time.time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefix", nargs="?", default="", help="only the mutants whose name starts with this")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/mut/known"))
    parser.add_argument("--timeout", type=int, default=900, help="seconds per mutant's test run")
    parser.add_argument("--tests", nargs="+", help="run these tests for every mutant instead of each one's own")
    args = parser.parse_args()
    repo = scratch_copy(args.scratch)
    probe = [sys.executable, "-c", "import sanctuarywatch; print(sanctuarywatch.__file__)"]
    check = subprocess.run(probe, env={**os.environ, "PYTHONPATH": str(repo / "src")}, capture_output=True, text=True)
    if not check.stdout.strip().startswith(str(repo)):
        print(f"the scratch copy is not the one imported: {check.stdout.strip()}", file=sys.stderr)
        return 2
    survived = 0
    print(f"{'mutant':42} {'result':11} {'seconds':>7}  tests")
    for m in (m for m in MUTANTS if m.name.startswith(args.prefix)):
        target = repo / PKG / m.path
        original = target.read_text(encoding="utf-8")
        if original.count(m.old) != 1:
            print(f"{m.name:42} {'NOT APPLIED':11} {0:7.0f}  (the code it changes is not found exactly once)")
            survived += 1
            continue
        target.write_text(original.replace(m.old, m.new), encoding="utf-8")
        try:
            tests = tuple(args.tests or m.tests)
            code, seconds = run_tests(repo, tests, args.timeout)
        finally:
            target.write_text(original, encoding="utf-8")
        result = {1: "killed", 0: "SURVIVED", -1: "TIMEOUT"}.get(code, f"error {code}")
        survived += result != "killed"
        print(f"{m.name:42} {result:11} {seconds:7.0f}  {' '.join(tests)}", flush=True)
    print(f"{survived} of the known mutants not killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
