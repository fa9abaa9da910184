"""Merge the results of several shards (pytest runs) into one report.

    python -m reports.merge shard1/results.json shard2/results.json --out build/claims-report/

writes ``claims.html``, ``results.json`` and ``figures/`` into ``--out`` and prints both paths and
the verdict counts. Each shard's figures are read from the ``figures/`` folder beside its results.json
(where the run wrote them); a figure missing there is named as omitted on the page. A missing or
invalid input file is reported with exit code 2.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.results import ClaimResult, Results, Session, read_results, read_session, to_json
from .files import REPORT_DIR, read_figures, read_results_file, write_report
from .page import count_line, verdict_counts

__all__ = ["merge", "merge_results", "main"]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None


def _span(sessions: list[Session]) -> tuple[Any, Any, float | None]:
    """(earliest started, latest finished, wall seconds between them)."""
    starts = [(s.started, _parse_time(s.started)) for s in sessions if s.started]
    ends = [(s.finished, _parse_time(s.finished)) for s in sessions if s.finished]
    try:
        first = min(starts, key=lambda p: p[1]) if starts and all(p[1] for p in starts) else None
        last = max(ends, key=lambda p: p[1]) if ends and all(p[1] for p in ends) else None
        wall = (last[1] - first[1]).total_seconds() if first and last else None
    except TypeError:  # naive and aware timestamps mixed
        first = last = None
        wall = None
    started = first[0] if first else (min(p[0] for p in starts) if starts else None)
    finished = last[0] if last else (max(p[0] for p in ends) if ends else None)
    if wall is None:
        durations = [s.duration_s for s in sessions if s.duration_s is not None]
        wall = max(durations) if durations else None
    return started, finished, wall


def _shard_sessions(session: Session) -> list[Session]:
    """A shard's own session, or, for an already merged file, the shards it came from."""
    if session.shards:
        return [read_session(s, f"shard {i}") for i, s in enumerate(session.shards)]
    return [session]


def merge_results(results_list: list[Results | dict]) -> dict:
    """merge(), as plain results data."""
    return merge(results_list).to_json()


def merge(results_list: list[Results | dict]) -> Results:
    """Concatenate the claims of several results (sorted by nodeid), each read and checked once.

    Raises ValueError on an empty list, a non-results input, or a nodeid reported by two shards.
    The merged session keeps the first shard's facts, with ``started`` = earliest,
    ``finished`` = latest, ``duration_s`` = the wall time between them, ``workers`` and
    ``selected`` summed, and ``shards`` = every shard's session. A version that differs
    between shards becomes ``{value: [shard indices]}`` and the page shows a warning.
    """
    if not results_list:
        raise ValueError("merge_results needs at least one results dict")
    results_list = [read_results(res, f"input #{i}") for i, res in enumerate(results_list)]

    seen: dict[tuple[str, Any], int] = {}
    claims: list[ClaimResult] = []
    for i, res in enumerate(results_list):
        for rec in res.claims:
            key = (rec.nodeid, rec.seed_base)  # runs at several seed bases merge
            if key in seen:
                raise ValueError(f"duplicate nodeid {rec.nodeid!r} reported by shard #{seen[key]} and shard #{i}")
            seen[key] = i
            claims.append(copy.deepcopy(rec))
    claims.sort(key=lambda r: r.nodeid)  # stable

    shards = [copy.deepcopy(s) for res in results_list for s in _shard_sessions(res.session)]
    session = dataclasses.replace(copy.deepcopy(results_list[0].session), shards=[], warnings=[])
    session.started, session.finished, session.duration_s = _span(shards)
    if all(s.workers is not None for s in shards):
        session.workers = sum(s.workers for s in shards)
    if all(s.selected is not None for s in shards):
        session.selected = sum(s.selected for s in shards)

    warnings: list[str] = []
    # Versions: a single value when all shards agree, else {value: [shard indices]}.
    names = list(dict.fromkeys(name for s in shards for name in s.versions))
    versions: dict[str, Any] = {}
    for name in names:
        by_value: dict[str, list[int]] = {}
        for idx, s in enumerate(shards):
            v = s.versions.get(name)
            by_value.setdefault("missing" if v is None else str(v), []).append(idx)
        if len(by_value) == 1:
            present = [s.versions[name] for s in shards if s.versions.get(name) is not None]
            versions[name] = present[0] if present else None
        else:
            versions[name] = by_value
    if names:
        session.versions = versions
    bases = sorted({b for s in shards for b in (s.seed_bases or [s.seed_base]) if b is not None})
    if bases:
        session.seed_bases = bases
    for key in ("profile", "device"):
        values = list(dict.fromkeys(getattr(s, key) for s in shards))
        if len(values) > 1:
            warnings.append(f"Shards differ in {key}: " + ", ".join(str(v) for v in values))
            setattr(session, key, " + ".join(str(v) for v in values))
    # Each shard's own warnings (e.g. workers sharing a GPU) and import errors stay visible after merging.
    collection_errors: list[Any] = []
    for s in shards:
        warnings.extend(str(w) for w in s.warnings if str(w) not in warnings)
        collection_errors.extend(e for e in s.collection_errors if e not in collection_errors)
    session.warnings = warnings
    session.collection_errors = collection_errors
    session.shards = [to_json(s) for s in shards]
    return Results(session, claims)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.merge",
        description="Merge shard results.json files into one claims.html + results.json.",
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="RESULTS_JSON", help="a shard's results.json")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help=f"output folder (default: {REPORT_DIR}/)")
    args = parser.parse_args(argv)

    loaded, figures = [], {}
    for path in args.inputs:
        if not path.is_file():
            parser.error(f"no such results file: {path}")
        try:
            loaded.append(read_results_file(path))
            figures.update(read_figures(path))
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            parser.error(str(exc))
    try:
        merged = merge(loaded)
    except ValueError as exc:
        parser.error(f"cannot merge: {exc}")

    html_path, json_path = write_report(merged, args.out, figures)
    counts = verdict_counts(merged)
    named = {f.get("sha256") for rec in merged.claims for f in rec.figures or [] if isinstance(f, dict)}
    missing = sorted(str(sha) for sha in named - set(figures))
    if missing:  # said here too: a nightly's log shows it without opening the page
        print(f"warning: {len(missing)} figures named by the results are not in a figures/ folder beside them "
              f"(e.g. {missing[0]}.png): the page marks them omitted", file=sys.stderr)
    print(html_path)
    print(json_path)
    print(count_line(merged))
    print("verdicts: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
