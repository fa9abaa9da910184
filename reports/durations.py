"""Write `.test_durations` (nodeid -> seconds) from a results.json. pytest-split shards the nightly on it,
and fixtures/schedule.py starts the longest claims first from it, so it must hold each claim's cost to
train from nothing: `make durations` runs every claim with --no-cache and then calls

    python -m reports.durations build/durations-run/results.json --out .test_durations

A results.json in which a claim read a run from the cache, or from several seed bases, is refused: its
times are cache reads, or belong to ids that a plain run does not collect.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.results import Results, atomic_write, read_results
from reports.files import read_results_file

# How a run whose durations are not training times is refused, and what fixes it.
RERUN = "regenerate from a cold run of every claim: make durations (pytest claims --no-cache, then this command)"


def durations(results: Results | dict) -> dict[str, float]:
    """nodeid -> seconds for every claim that ran (pytest-split's format).

    ValueError when the results are not one cold run at one seed base (see the module's docstring)."""
    results = read_results(results)
    bases = results.session.seed_bases or []
    if len(bases) > 1:
        raise ValueError(f"the results come from several seed bases {bases}: their ids carry a seeds part that a "
                         f"plain run does not collect; {RERUN}")
    cached = sorted(c.nodeid for c in results.claims
                    if any(run.get("cached_seeds") or run.get("cached") is True for run in c.runs or []))
    if cached:
        raise ValueError(f"{len(cached)} of {len(results.claims)} claims read runs from the cache (e.g. "
                         f"{cached[0]}): their times are cache reads, not training; {RERUN}")
    return {c.nodeid: float(c.duration_s) for c in results.claims if c.duration_s is not None}


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
