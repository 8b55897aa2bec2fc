"""What every benchmark shares: the machine and versions it ran on, and a JSON file of its figures.

Each ``*_bench.py`` prints :func:`machine_line` first and ends with :func:`write_results`, which writes
``benchmarks/results/<name>.json`` (machine, versions, arguments, figures) so runs on different days or machines
can be compared side by side.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("sanctuarywatch", "duckdb", "pyarrow", "pandas", "polars", "fastexcel", "python-calamine", "openpyxl",
            "rapidfuzz", "addfips", "httpx", "uvicorn")  # fmt: skip
MIRROR = Path(os.environ.get("SANCTUARYWATCH_MIRROR") or Path(__file__).resolve().parents[1] / ".." / "shared" / "data")


def machine() -> dict:
    """Cores (logical, and usable by this process), memory and platform."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info = {"cpus_logical": os.cpu_count(), "cpus_usable": usable, "platform": platform.platform(),
            "processor": platform.machine(), "python": sys.version.split()[0]}  # fmt: skip
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            fields = dict(line.split(":", 1) for line in fh)
        info["memory_gib"] = round(int(fields["MemTotal"].split()[0]) / 2**20, 1)
        info["memory_available_gib"] = round(int(fields["MemAvailable"].split()[0]) / 2**20, 1)
    except (OSError, KeyError, ValueError):
        info["memory_gib"] = None
    with contextlib.suppress(OSError):  # the load shows how shared the machine was during the run
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine_line() -> str:
    m, v = machine(), versions()
    used = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    return (f"machine: {m['cpus_logical']} cores ({m['cpus_usable']} usable), {m['memory_gib']} GiB RAM "
            f"({m.get('memory_available_gib')} GiB free), load {m.get('load_average')}, {m['platform']}\n"
            f"versions: python {m['python']}, {used}")  # fmt: skip


def write_results(name: str, figures: dict, args: dict | None = None) -> Path:
    """Write ``benchmarks/results/<name>.json`` and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    doc = {"benchmark": name, "run_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
           "versions": versions(), "args": args or {}, "figures": figures}  # fmt: skip
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"figures written to {path}")
    return path
