#!/usr/bin/env python3
"""Mutation score per core module with mutmut (3.8.1), run in a scratch copy of the tree, never in the checkout.

For each module it copies src/, tests/ and pyproject.toml to <scratch>/<module>/repo, writes a [tool.mutmut]
section that mutates only that module and runs only the tests that exercise it in-process (mutmut sees only
in-process calls, not CLI subprocesses), runs ``mutmut run``, and reads the verdicts mutmut keeps beside each mutated
file (``mutants/<path>.meta``). Prints one row per module (killed, timeout, survived, no tests, total, score) and
merges the figures, with the date, load and each survivor's name, into a JSON file (default
benchmarks/results/mutation.json); each survivor's diff goes to <scratch>/<module>/survivors.diff.

Score = (killed + timeout) / checked, where checked = total less the mutants a run cut short by --timeout never
reached (listed as 'other': not checked). A mutant that makes its tests hang past the per-mutant CPU limit is
caught too.
The limit is (the tests' measured time + --timeout-constant) x 2 x --timeout-multiplier CPU seconds; the constant
covers fixture set-up, which mutmut does not time, so a slow fixture is not mistaken for a hang.

The Census registry store that most tests start from is built once per run from the unmutated code and handed to
every mutant's tests (scripts/mutation_fixture_cache.py), except for the modules that building it runs; so are the
stores in CACHED_STORES (a cached store can only hide a kill its build would make: scores come out lower, not higher).

Slow (every mutant re-runs its tests): not part of ``make test``. One module at a time; run by hand or nightly:

    .venv/bin/python scripts/mutation_score.py                        # every core module
    .venv/bin/python scripts/mutation_score.py analysis/summaries.py  # one module
    .venv/bin/python scripts/mutation_score.py --json benchmarks/results/mutation_before.json
    .venv/bin/python scripts/mutation_score.py --timeout 300      # cut each module short: a sample, 'not checked' rest
    # after adding tests: re-test only the earlier run's survivors (same scratch folder), its kills carried over
    .venv/bin/python scripts/mutation_score.py --recheck benchmarks/results/mutation_before.json

mutmut 3 mutates code inside functions only: module-level constants (thresholds, the declined-rule patterns) are
not mutated, which is why scripts/known_mutants.py plants those bugs by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from mutmut.stats import status_by_exit_code

sys.path.insert(0, str(Path(__file__).resolve().parent))
from known_mutants import scratch_copy  # noqa: E402  (the one scratch-copy recipe both mutation scripts use)

REPO = Path(__file__).resolve().parents[1]
PKG = "src/sanctuarywatch/"
RULES = "tests/test_rules.py"
DDOR_AUDIT = "tests/test_audit_flags.py"  # runs on the whole-mirror store: cached (CACHED_STORES)
MIRROR = (REPO / ".." / "shared").resolve()
PLUGIN = Path(__file__).resolve().with_name("mutation_fixture_cache.py")
# Core module -> the tests that exercise it in-process. Tests driving the CLI in a subprocess are left out: they
# import the unmutated package, so they cannot kill a mutant and only cost time.
CORE: dict[str, list[str]] = {
    "geo/resolver.py": [RULES, "tests/test_resolver.py"],
    "geo/normalize.py": [RULES, "tests/test_resolver.py"],
    "analysis/summaries.py": [RULES, "tests/test_analysis.py"],
    "analysis/ddor_report.py": [RULES, "tests/test_analysis.py", "tests/test_ddor_2017.py", DDOR_AUDIT],
    "analysis/litigation.py": [RULES, "tests/test_litigation.py"],
    "analysis/exposure.py": [RULES, "tests/test_analysis.py", "tests/test_litigation.py"],
    "sources/listpage.py": [RULES, "tests/test_lists.py"],
    "store/db.py": [RULES, "tests/test_registry.py"],
    "pipeline/ingest.py": [RULES, "tests/test_ice_detainers.py", "tests/test_hardening_ingest.py"],
    "geo/batch.py": [RULES, "tests/test_hardening_ingest.py"],
    "csv_out.py": [RULES, "tests/test_hardening_ingest.py"],
}
# Tests that drive the CLI in a subprocess, left out by name wherever they sit: a mutant cannot reach them, and under
# mutmut they hang past their own timeouts (the Ctrl-C and kill -9 tests).
SUBPROCESS_TESTS = ("13kb_sheet", "ctrl_c_during", "markup_in_names", "refuses_a_file_it_cannot_mirror", "kill_9_mid")
# Extra test files per module (tests/test_rules_<name>.py) are picked up when they exist.
EXTRA_GLOB = "test_rules_*.py"
# Building the registry store runs these modules, so for them the fixture must be rebuilt per mutant.
NO_SHARED_REGISTRY = {"pipeline/ingest.py", "store/db.py", "geo/normalize.py"}
# Store fixtures built once per run from the unmutated code and copied to each mutant's tests
# (scripts/mutation_fixture_cache.py). The exposure rules only read grants, lists and litigation, which building
# those stores never runs. The whole-mirror store (real_store: a full `ingest all`, over the CPU limit of a mutant)
# is built by code that includes the declined-detainer report, so a kill only that build could make is missed:
# either way the score can only come out lower, never higher.
CACHED_STORES: dict[str, tuple[str, ...]] = {
    "analysis/exposure.py": ("analysis_store", "rules_store"),
    "analysis/ddor_report.py": ("real_store",),
}
BUILD_REGISTRY = """
import sys
from pathlib import Path
from sanctuarywatch.pipeline.ingest import ingest_source
from sanctuarywatch.sources import census_geography
from sanctuarywatch.sources.base import Finder, ParseContext
from sanctuarywatch.store.db import connect
path = Path(sys.argv[1])
con = connect(path)
finder = Finder(Path(sys.argv[2]), path.parent / "cache", offline=True)
assert [r.version for r in ingest_source(con, census_geography, finder, ParseContext())] == ["gazetteer 2025"]
con.execute("CHECKPOINT")
con.close()
"""


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def tests_for(module: str) -> list[str]:
    extra = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").glob(EXTRA_GLOB))
    return CORE[module] + [t for t in extra if t not in CORE[module]]


def build_registry(scratch: Path) -> Path:
    """The registry store conftest's ``registry_template`` builds, from the checkout's (unmutated) code; read-only."""
    path = scratch / "registry" / "registry.duckdb"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1", "PYTHONPATH": str(REPO / "src")}
    subprocess.run([sys.executable, "-c", BUILD_REGISTRY, str(path), str(MIRROR / "data" / "census_geography")],
                   check=True, env=env, cwd=path.parent)  # fmt: skip
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return path


def build_stores(scratch: Path, module: str, tests: list[str]) -> Path:
    """Run ``module``'s tests once on the checkout's (unmutated) code, keeping the files of its CACHED_STORES."""
    folder = scratch / "stores" / module.replace("/", "_").removesuffix(".py")
    names = CACHED_STORES[module]
    if all((folder / f"{name}.duckdb").is_file() for name in names):
        return folder
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1", "SANCTUARYWATCH_FIXTURE_RECORD": str(folder),
           "SANCTUARYWATCH_FIXTURE_NAMES": ",".join(names),
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(PLUGIN.parent)])}  # fmt: skip
    deselect = " and ".join(f"not {name}" for name in SUBPROCESS_TESTS)
    command = [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", "-p", PLUGIN.stem]
    subprocess.run([*command, *tests, "-k", deselect], check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    missing = [name for name in names if not (folder / f"{name}.duckdb").is_file()]
    if missing:
        raise SystemExit(f"{module}: no test set up {', '.join(missing)}; fix CACHED_STORES")
    return folder


def prepare(scratch: Path, module: str, tests: list[str], multiplier: float, constant: float) -> Path:
    repo = scratch / module.replace("/", "_").removesuffix(".py") / "repo"
    scratch_copy(repo.parent)  # src/, tests/ and scratch/<module>/shared -> the mirror
    (repo / "plugins").mkdir()
    shutil.copy(PLUGIN, repo / "plugins")
    if not (repo / "shared").exists():  # mutmut runs the tests from repo/mutants, whose parent is repo
        (repo / "shared").symlink_to(MIRROR)
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    deselect = " and ".join(f"not {name}" for name in SUBPROCESS_TESTS)
    pytest_args = ["-p", "no:cacheprovider", "-p", PLUGIN.stem, "-o", "addopts=", "-q"]
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list([PKG + module])}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list([*tests, '-k', deselect])}\n"
        f"pytest_add_cli_args = {_toml_list(pytest_args)}\n"
        'also_copy = ["tests", "src"]\n'
        f"timeout_multiplier = {multiplier}\n"
        f"timeout_constant = {constant}\n"
        "use_git_change_detection = false\n"
    )
    (repo / "pyproject.toml").write_text(text, encoding="utf-8")
    return repo


def score(repo: Path, module: str) -> dict[str, object]:
    meta = repo / "mutants" / (PKG + module + ".meta")
    if not meta.exists():
        return {"module": module, "error": "mutmut wrote no results"}
    codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
    by_status: dict[str, list[str]] = {}
    for key, code in codes.items():
        by_status.setdefault(status_by_exit_code[code], []).append(key)
    killed, timeouts = by_status.pop("killed", []), by_status.pop("timeout", [])
    survived, no_tests = by_status.pop("survived", []), by_status.pop("no tests", [])
    total = len(codes)
    checked = total - len(by_status.get("not checked", []))  # a run stopped by --timeout leaves some unchecked
    return {
        "module": module,
        "total": total,
        "killed": len(killed),
        "timeout": len(timeouts),
        "survived": len(survived),
        "no_tests": len(no_tests),
        "other": {status: len(keys) for status, keys in by_status.items()},  # not checked, segfault, suspicious
        "checked": checked,
        "score": round((len(killed) + len(timeouts)) / checked, 4) if checked else None,
        "survivors": sorted(survived + no_tests),
        "timeouts": sorted(timeouts),
    }


SQL_WORD = re.compile(r"\b(SELECT|FROM|WHERE|INSERT|DELETE|UPDATE|JOIN|ORDER BY|GROUP BY|CREATE|DROP|BEGIN|COMMIT|"
                      r"ROLLBACK|CHECKPOINT|COUNT|VALUES)\b")  # fmt: skip
QUOTED = re.compile(r"'[^']*'")


def sql_case_only(diff: str) -> bool:
    """The mutant only changes the letter case of SQL outside its quoted values. DuckDB keywords, identifiers and
    function names are case-insensitive, so such a mutant cannot change a result: counted as equivalent."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    if not removed or len(removed) != len(added):
        return False
    return all(
        a != b and a.lower() == b.lower() and QUOTED.findall(a) == QUOTED.findall(b) and SQL_WORD.search(a)
        for a, b in zip(removed, added, strict=True)
    )


def survivor_diffs(repo: Path, names: list[str], env: dict[str, str]) -> dict[str, str]:
    mutmut = Path(sys.executable).with_name("mutmut")
    diffs = {}
    for name in names:
        shown = subprocess.run([str(mutmut), "show", name], cwd=repo, env=env, capture_output=True, text=True)
        diffs[name] = shown.stdout or shown.stderr
    return diffs


def add_equivalents(result: dict[str, object], diffs: dict[str, str]) -> None:
    """Name the SQL-case survivors and give the score without them beside mutmut's own."""
    equivalent = sorted(n for n, d in diffs.items() if sql_case_only(d))
    result["equivalent_sql_case"] = equivalent
    checked = result["checked"] - len(equivalent)
    detected = result["killed"] + result["timeout"]
    result["score_without_equivalent"] = round(detected / checked, 4) if checked else None


def run_module(scratch: Path, module: str, args: argparse.Namespace, names: list[str] | None = None) -> dict:
    """Run mutmut on ``module`` (only the mutants ``names`` when given) and score it."""
    tests = tests_for(module)
    repo = prepare(scratch, module, tests, args.timeout_multiplier, args.timeout_constant)
    # On PYTHONPATH before mutmut creates it: a folder missing when Python starts is skipped for good, and the
    # checkout's own (editable-installed) source would then be tested instead of the mutants.
    (repo / "mutants" / "src").mkdir(parents=True)
    env = {**os.environ, "SANCTUARYWATCH_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(repo / "mutants" / "src"), str(repo / "plugins")])}  # fmt: skip
    env.pop("SANCTUARYWATCH_MIRROR", None)
    env.pop("SANCTUARYWATCH_REGISTRY_TEMPLATE", None)
    if module not in NO_SHARED_REGISTRY:
        env["SANCTUARYWATCH_REGISTRY_TEMPLATE"] = str(build_registry(scratch))
    if module in CACHED_STORES:
        env["SANCTUARYWATCH_FIXTURE_STORES"] = str(build_stores(scratch, module, tests))
        env["SANCTUARYWATCH_FIXTURE_NAMES"] = ",".join(CACHED_STORES[module])
    started = time.time()
    mutmut = Path(sys.executable).with_name("mutmut")
    log_path = repo.parent / "mutmut.log"
    with log_path.open("w", encoding="utf-8") as log:
        # Its own session, so a run cut short takes mutmut's fork server and workers down with it.
        proc = subprocess.Popen([str(mutmut), "run", "--max-children", str(args.children), *(names or [])],
                                cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        try:
            proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log.write(f"\nmutmut stopped after {args.timeout} s; the mutants it had not reached are 'not checked'\n")
    result = score(repo, module)
    result["tests"] = tests
    result["seconds"] = round(time.time() - started)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    finish(repo, result, env)
    return result


def recheck(scratch: Path, module: str, args: argparse.Namespace) -> dict[str, object]:
    """Re-test only the mutants that survived (or had no tests) in an earlier run saved in ``args.recheck``, with
    today's tests; the earlier run's kills and timeouts are carried over. Sound when tests were only added since:
    a kill cannot be lost by adding a test. The earlier run's unchecked mutants stay unchecked."""
    prior = json.loads(args.recheck.read_text(encoding="utf-8"))["modules"][module]
    names = prior["survivors"]
    fresh = run_module(scratch, module, args, names) if names else {"total": prior["total"], "seconds": 0}
    if "error" in fresh:
        return fresh
    if fresh["total"] != prior["total"]:
        return {"module": module, "error": f"{fresh['total']} mutants now, {prior['total']} then: the code changed"}
    repo = scratch / module.replace("/", "_").removesuffix(".py") / "repo"
    meta = repo / "mutants" / (PKG + module + ".meta")
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"] if names else {}
    now = {n: status_by_exit_code[codes.get(n)] for n in names}
    count = {status: sum(1 for v in now.values() if v == status) for status in set(now.values())}
    unchecked = count.get("not checked", 0)
    checked = prior["checked"] - unchecked
    detected = prior["killed"] + prior["timeout"] + count.get("killed", 0) + count.get("timeout", 0)
    other = dict(prior["other"])
    for status, n in count.items():
        if status not in ("killed", "timeout", "survived", "no tests"):
            other[status] = other.get(status, 0) + n
    result = {
        "module": module,
        "total": prior["total"],
        "killed": prior["killed"] + count.get("killed", 0),
        "timeout": prior["timeout"] + count.get("timeout", 0),
        "survived": count.get("survived", 0),
        "no_tests": count.get("no tests", 0),
        "other": other,
        "checked": checked,
        "score": round(detected / checked, 4) if checked else None,
        "survivors": sorted(n for n, v in now.items() if v in ("survived", "no tests")),
        "timeouts": sorted(prior["timeouts"] + [n for n, v in now.items() if v == "timeout"]),
        "rechecked": len(names),
        "carried_from": prior.get("run_at"),
        "tests": fresh.get("tests", prior.get("tests")),
        "seconds": fresh["seconds"],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    env = {**os.environ, "PYTHONPATH": str(repo / "mutants" / "src")}
    finish(repo, result, env)
    return result


def finish(repo: Path, result: dict[str, object], env: dict[str, str]) -> None:
    if "error" in result:
        return
    diffs = survivor_diffs(repo, result["survivors"], env)
    (repo.parent / "survivors.diff").write_text("\n".join(diffs.values()), encoding="utf-8")
    add_equivalents(result, diffs)


def rescore(scratch: Path, module: str, saved: Path) -> dict[str, object]:
    """The figures of the last run of ``module`` in ``scratch``, re-read (its time and test list from ``saved``)."""
    repo = scratch / module.replace("/", "_").removesuffix(".py") / "repo"
    before = json.loads(saved.read_text(encoding="utf-8")).get("modules", {}).get(module, {}) if saved.exists() else {}
    result = {**{k: before[k] for k in ("tests", "seconds", "load_after") if k in before}, **score(repo, module)}
    finish(repo, result, {**os.environ, "PYTHONPATH": str(repo / "mutants" / "src")})
    return result


def save(path: Path, results: list[dict[str, object]]) -> None:
    """Merge into the JSON file by module, so modules run one at a time end up in one table."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    modules = data.get("modules", {})
    for r in results:
        modules[r["module"]] = {**r, "run_at": datetime.now(UTC).isoformat(timespec="seconds")}
    data = {"benchmark": "mutation", "tool": f"mutmut {metadata.version('mutmut')}", "cpus": os.cpu_count(),
            "score": "(killed + timeout) / (total - not checked)",
            "modules": dict(sorted(modules.items()))}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


HEADER = f"{'module':26} {'killed':>6} {'timeout':>7} {'survived':>8} {'no test':>7} {'other':>5} {'total':>5} " \
         f"{'score':>6} {'-equiv':>6} {'s':>5}"  # fmt: skip


def row(r: dict[str, object]) -> str:
    if "error" in r:
        return f"{r['module']:26} {r['error']}"
    pct = f"{r['score']:.1%}" if r["score"] is not None else "-"
    other = sum(r["other"].values())
    adj = r.get("score_without_equivalent")
    adj = f"{adj:.1%}" if adj is not None else "-"
    return (f"{r['module']:26} {r['killed']:6} {r['timeout']:7} {r['survived']:8} {r['no_tests']:7} {other:5} "
            f"{r['total']:5} {pct:>6} {adj:>6} {r.get('seconds', '-'):>5}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help=f"modules under {PKG} (default: every core module)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/mut/score"))
    parser.add_argument("--children", type=int, default=2, help="mutmut's parallel workers")
    parser.add_argument("--timeout", type=int, default=3600, help="wall-clock seconds per module; the rest unchecked")
    parser.add_argument("--timeout-multiplier", type=float, default=3.0)
    parser.add_argument("--timeout-constant", type=float, default=20.0, help="CPU seconds for fixture set-up")
    parser.add_argument("--goal", type=float, default=0.85)
    parser.add_argument("--survivors", action="store_true", help="print the name of every surviving mutant")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "mutation.json")
    parser.add_argument("--no-json", action="store_true", help="print only")
    parser.add_argument("--recheck", type=Path, help="re-test only the survivors of this earlier JSON's run")
    parser.add_argument("--rescore", action="store_true", help="re-read the last run in --scratch; run nothing")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in CORE]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)}; choose from {', '.join(CORE)}")
    if (args.scratch.resolve() / "x").is_relative_to(REPO):
        parser.error("the scratch folder must be outside the checkout (mutmut writes a mutants/ folder)")
    if not args.rescore:
        shutil.rmtree(args.scratch / "registry", ignore_errors=True)  # rebuilt from today's code
        shutil.rmtree(args.scratch / "stores", ignore_errors=True)
    print(f"mutmut {metadata.version('mutmut')}, load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus", flush=True)
    print(HEADER, flush=True)
    results = []
    for module in args.modules or list(CORE):
        if args.rescore:
            r = rescore(args.scratch, module, args.json)
        elif args.recheck:
            r = recheck(args.scratch, module, args)
        else:
            r = run_module(args.scratch, module, args)
        results.append(r)
        print(row(r), flush=True)
        if args.survivors:
            for name in r.get("survivors", []):
                print(f"    survivor: {name}")
        if not args.no_json:
            save(args.json, [r])
    below = [r for r in results if r.get("score") is None or r["score"] < args.goal]
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
