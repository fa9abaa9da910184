"""Write pytest-split's `.test_durations` from a results.json, so shards balance on the durations of a
real (cold-cache) run rather than on a warm re-run that only read the cache.

    python -m reports.durations reports/results.json --out .test_durations
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.results import Results, atomic_write, read_results
from reports.files import read_results_file


def durations(results: Results | dict) -> dict[str, float]:
    """nodeid -> seconds for every claim that ran (pytest-split's format)."""
    return {c.nodeid: float(c.duration_s) for c in read_results(results).claims if c.duration_s is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=Path(".test_durations"))
    args = parser.parse_args(argv)
    try:
        table = durations(read_results_file(args.results))
    except (OSError, ValueError) as err:
        parser.error(str(err))
    atomic_write(args.out, json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"{len(table)} durations, {sum(table.values()):.0f} s in all -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
