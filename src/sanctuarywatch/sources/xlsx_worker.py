"""Read an ICE detainer workbook in a child process whose memory and CPU time are capped.

    python -m sanctuarywatch.sources.xlsx_worker IN.xlsx OUT.arrow NAME

calamine (through fastexcel) builds each sheet's used range as a dense grid: a 13 KB workbook that claims a cell at
row 1,048,576, column 301 makes it allocate gigabytes and abort inside Rust, which no ``except`` can catch. So the
workbook is read here, under ``RLIMIT_AS`` (limit ``max_xlsx_reader_bytes``) and ``RLIMIT_CPU`` (limit
``max_xlsx_seconds``), both set before the file is opened; if the reader dies only this process dies, and the
parent (:func:`sanctuarywatch.sources.safe_readers.read_xlsx_isolated`) refuses the file with a message naming the
limit. The records (store columns as text, with ``_row``, ``_part``, ``_sheet``) are written to OUT as one Arrow
IPC file; a refusal is one JSON line on stdout (``problem``, ``row``, ``field``) and exit status 2.
"""

from __future__ import annotations

import json
import resource
import sys

REFUSED = 2


class _NoPandas:
    """A meta-path finder that makes ``import pandas`` fail (so pyarrow carries on without it)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (not needed in the xlsx reader)", name=name)


def cap(memory: int, seconds: int) -> None:
    """Lower this process's address space and CPU time (never above a hard limit it inherited)."""
    for kind, value, hard_value in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, seconds, seconds + 5),  # soft: SIGXCPU; hard, 5 s later: SIGKILL
    ):
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value, hard_value = min(value, hard), min(hard_value, hard)
        resource.setrlimit(kind, (value, hard_value))


def main(argv: list[str]) -> int:
    from sanctuarywatch.config import limit

    source, out, name = argv
    cap(limit("max_xlsx_reader_bytes"), limit("max_xlsx_seconds"))
    # pyarrow imports pandas on its first conversion of a Python value if it can (~0.3 s of this child's start);
    # nothing here needs it, so the import is made to fail and pyarrow goes on without it.
    sys.meta_path.insert(0, _NoPandas())
    # imported only once capped: the reader and everything it allocates live under the limits
    import pyarrow as pa

    from sanctuarywatch.errors import SourceFormatError
    from sanctuarywatch.sources.ice_detainers import read_workbook

    try:
        table = read_workbook(source, name)
    except SourceFormatError as exc:
        print(json.dumps({"problem": exc.problem, "row": exc.row, "field": exc.field}))
        return REFUSED
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
