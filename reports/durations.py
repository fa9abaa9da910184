"""Write `.test_durations` (nodeid -> seconds) from a results.json. pytest-split shards the nightly on it,
and fixtures/schedule.py starts the longest claims first from it, so it must hold each claim's cost to
train from nothing: `make durations` runs every claim into an emptied cache folder and then calls

    python -m reports.durations build/durations-run/results.json --started-empty --out .test_durations

A results.json from several seed bases is refused: its ids carry a part a plain run does not collect. One in
which a claim read a run from the cache is refused too (its times would be cache reads), unless the caller
says the run started from an empty cache (--started-empty): then a cache read is a run that an earlier claim
of the same session trained (C6 perturbs C4's nets, C10 and C11 share sweeps, a longer budget resumes a
shorter one), which is what a plain cold `make claims` does as well. (--no-cache would retrain those, and
could not resume a budget.)
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


def durations(results: Results | dict, started_empty: bool = False) -> dict[str, float]:
    """nodeid -> seconds for every claim that ran (pytest-split's format).

    ValueError when the results are not one cold run at one seed base (see the module's docstring)."""
    results = read_results(results)
    bases = results.session.seed_bases or []
    if len(bases) > 1:
        raise ValueError(f"the results come from several seed bases {bases}: their ids carry a seeds part that a "
                         f"plain run does not collect; {RERUN}")
    cached = sorted(c.nodeid for c in results.claims
                    if any(run.get("cached_seeds") or run.get("cached") is True for run in c.runs or []))
    if cached and not started_empty:
        raise ValueError(f"{len(cached)} of {len(results.claims)} claims read runs from the cache (e.g. "
                         f"{cached[0]}): their times are cache reads, not training; {RERUN}")
    return {c.nodeid: float(c.duration_s) for c in results.claims if c.duration_s is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=Path(".test_durations"))
    parser.add_argument("--started-empty", action="store_true",
                        help="the run began with an empty run cache: its cache reads are runs it trained itself")
    args = parser.parse_args(argv)
    try:
        table = durations(read_results_file(args.results), args.started_empty)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    atomic_write(args.out, json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"{len(table)} durations, {sum(table.values()):.0f} s in all -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
