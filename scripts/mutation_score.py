#!/usr/bin/env python3
"""Mutation score per core module with mutmut (3.8.1), run in a scratch copy of the tree, never in the checkout.

For each module it copies src/, tests/ and pyproject.toml to <scratch>/<module>/repo, writes a [tool.mutmut]
section that mutates only that module and runs only the tests that exercise it, runs ``mutmut run``, and reads the
results mutmut keeps beside each mutated file (``mutants/<path>.meta``). Prints one row per module:
killed / total, survived, no tests, timeouts, and the score; exits 1 when a module is under --goal.

This takes long (every mutant re-runs its tests, and the store fixtures are rebuilt per run): it is not part of
``make test``. Run it by hand or on a nightly job:

    .venv/bin/python scripts/mutation_score.py                        # every core module
    .venv/bin/python scripts/mutation_score.py analysis/summaries.py  # one module
    .venv/bin/python scripts/mutation_score.py --survivors            # list each survivor's diff name too
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = "src/sanctuarywatch/"
RULES = "tests/test_rules.py"
# Core module -> the tests that exercise it in-process (mutmut sees only in-process calls, not CLI subprocesses).
CORE: dict[str, list[str]] = {
    "geo/resolver.py": [RULES, "tests/test_resolver.py"],
    "geo/normalize.py": [RULES, "tests/test_resolver.py"],
    "analysis/summaries.py": [RULES, "tests/test_analysis.py"],
    "analysis/ddor_report.py": [RULES, "tests/test_analysis.py", "tests/test_ddor_2017.py"],
    "analysis/litigation.py": [RULES, "tests/test_litigation.py"],
    "analysis/exposure.py": [RULES, "tests/test_analysis.py", "tests/test_litigation.py"],
    "sources/listpage.py": [RULES, "tests/test_lists.py"],
    "store/db.py": [RULES, "tests/test_registry.py"],
    "pipeline/ingest.py": [RULES, "tests/test_ice_detainers.py", "tests/test_hardening_ingest.py"],
    "geo/batch.py": [RULES, "tests/test_cli_geo.py", "tests/test_hardening_ingest.py"],
    "csv_out.py": [RULES, "tests/test_hardening_ingest.py"],
}
KILLED = {1, 3}  # a test failed (1) or errored (3)
TIMEOUT = {-24, 24, 36, 152}
NO_TESTS = {5, 33}
SURVIVED = {0}


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(scratch: Path, module: str, tests: list[str]) -> Path:
    repo = scratch / module.replace("/", "_").removesuffix(".py") / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "artifacts")
    for part in ("src", "tests"):
        shutil.copytree(REPO / part, repo / part, ignore=ignore)
    mirror = (REPO / ".." / "shared").resolve()
    for link in (repo.parent / "shared", repo / "shared"):  # tests look for ../shared/data beside the tree they run in
        if not link.exists():
            link.symlink_to(mirror)
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list([PKG + module])}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-o", "addopts=", "-x", "-q"]\n'
        'also_copy = ["tests", "src"]\n'
    )
    (repo / "pyproject.toml").write_text(text, encoding="utf-8")
    return repo


def score(repo: Path, module: str) -> dict[str, object]:
    meta = repo / "mutants" / (PKG + module + ".meta")
    if not meta.exists():
        return {"module": module, "error": "mutmut wrote no results"}
    codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
    killed = [k for k, c in codes.items() if c in KILLED]
    timeouts = [k for k, c in codes.items() if c in TIMEOUT]
    survived = [k for k, c in codes.items() if c in SURVIVED]
    no_tests = [k for k, c in codes.items() if c in NO_TESTS]
    other = [k for k, c in codes.items() if c not in KILLED | TIMEOUT | SURVIVED | NO_TESTS]
    total = len(codes)
    detected = len(killed) + len(timeouts)  # a mutant that makes the tests hang is caught too
    return {
        "module": module,
        "total": total,
        "killed": len(killed),
        "timeouts": len(timeouts),
        "survived": survived,
        "no_tests": no_tests,
        "not_checked": other,
        "score": detected / total if total else None,
    }


def run_module(scratch: Path, module: str, children: int, timeout: int) -> dict[str, object]:
    repo = prepare(scratch, module, CORE[module])
    # On PYTHONPATH before mutmut creates it: a folder missing when Python starts is skipped for good, and the
    # checkout's own (editable-installed) source would then be tested instead of the mutants.
    (repo / "mutants" / "src").mkdir(parents=True)
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1", "PYTHONPATH": str(repo / "mutants" / "src")}
    env.pop("SANCTUARYWATCH_MIRROR", None)
    started = time.time()
    mutmut = Path(sys.executable).with_name("mutmut")
    try:
        proc = subprocess.run([str(mutmut), "run", "--max-children", str(children)], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip
        log = proc.stdout[-4000:] + proc.stderr[-4000:]
    except subprocess.TimeoutExpired:
        log = f"mutmut did not finish in {timeout} s; results so far are counted"
    (repo.parent / "mutmut.log").write_text(log, encoding="utf-8")
    result = score(repo, module)
    result["seconds"] = round(time.time() - started)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help=f"modules under {PKG} (default: every core module)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/mut/score"))
    parser.add_argument("--children", type=int, default=2, help="mutmut's parallel workers")
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="seconds per module")
    parser.add_argument("--goal", type=float, default=0.85)
    parser.add_argument("--survivors", action="store_true", help="print the name of every surviving mutant")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in CORE]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)}; choose from {', '.join(CORE)}")
    results = []
    print(
        f"{'module':28} {'killed':>7} {'timeout':>7} {'survived':>8} {'no test':>7} {'total':>6} {'score':>6} {'s':>6}"
    )
    for module in args.modules or list(CORE):
        r = run_module(args.scratch, module, args.children, args.timeout)
        results.append(r)
        if "error" in r:
            print(f"{module:28} {r['error']} (see {args.scratch}/…/mutmut.log)", flush=True)
            continue
        pct = f"{r['score']:.0%}" if r["score"] is not None else "-"
        print(f"{module:28} {r['killed']:7} {r['timeouts']:7} {len(r['survived']):8} {len(r['no_tests']):7} "
              f"{r['total']:6} {pct:>6} {r['seconds']:6}", flush=True)  # fmt: skip
        if args.survivors:
            for name in r["survived"] + r["no_tests"]:
                print(f"    survivor: {name}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    below = [r for r in results if r.get("score") is None or r["score"] < args.goal]
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
