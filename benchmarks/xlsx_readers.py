"""Peak memory and time of reading every row of a large xlsx: python-calamine, openpyxl ``read_only``, and the
import's own reader (``lijiao.core.importing.read_rows``). Each reader runs in a fresh process, so its peak RSS
is its own. The figures decided ADR 0002's choice of reader for sheets too large for calamine.

Usage::

    .venv/bin/python benchmarks/xlsx_readers.py FILE.xlsx [--readers calamine,openpyxl,importing]

A 1,000,000-row roster: ``benchmarks/roster_import.py --sizes 1000000`` generates one in its ``--data-dir``.
(openpyxl is a dependency of the project; this script needs nothing else.)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read(reader: str, path: Path) -> dict[str, float]:
    started = time.perf_counter()
    rows = 0
    if reader == "calamine":
        import python_calamine

        sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
        for _row in sheet.iter_rows():
            rows += 1
    elif reader == "openpyxl":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for _row in book.worksheets[0].iter_rows(values_only=True):
            rows += 1
        book.close()
    else:
        sys.path.insert(0, str(ROOT / "src"))
        from lijiao.core.importing import read_rows

        for _row in read_rows(path.name, path):
            rows += 1
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--readers", default="calamine,openpyxl,importing")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(read(args.child, args.file)))
        return
    for reader in args.readers.split(","):
        out = subprocess.run(
            [sys.executable, __file__, str(args.file), "--child", reader],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(out.stdout)
        print(
            f"{reader:<10} {figures['rows']:>10,} rows  {figures['seconds']:>7.2f} s  "
            f"peak RSS {figures['peak_rss_mb']:>6,} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
