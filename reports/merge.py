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
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from . import REPORT_DIR
from .build import count_line, load_results, read_figures, verdict_counts, write_report

__all__ = ["merge_results", "main"]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None


def _span(sessions: list[dict]) -> tuple[Any, Any, float | None]:
    """(earliest started, latest finished, wall seconds between them)."""
    starts = [(s.get("started"), _parse_time(s.get("started"))) for s in sessions if s.get("started")]
    ends = [(s.get("finished"), _parse_time(s.get("finished"))) for s in sessions if s.get("finished")]
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
        durations = [s.get("duration_s") for s in sessions if isinstance(s.get("duration_s"), (int, float))]
        wall = max(durations) if durations else None
    return started, finished, wall


def _shard_sessions(session: dict) -> list[dict]:
    """A shard's own session, or, for an already merged file, the shards it came from."""
    shards = session.get("shards")
    if isinstance(shards, list) and shards:
        return [s for s in shards if isinstance(s, dict)]
    return [session]


def merge_results(results_list: list[dict]) -> dict:
    """Concatenate the claims of several results dicts (sorted by nodeid).

    Raises ValueError on an empty list, a non-results input, or a nodeid reported by two shards.
    The merged session keeps the first shard's facts, with ``started`` = earliest,
    ``finished`` = latest, ``duration_s`` = the wall time between them, ``workers`` and
    ``selected`` summed, and ``shards`` = every shard's session. A version that differs
    between shards becomes ``{value: [shard indices]}`` and the page shows a warning.
    """
    if not results_list:
        raise ValueError("merge_results needs at least one results dict")
    for i, res in enumerate(results_list):
        if not isinstance(res, dict) or not isinstance(res.get("session"), dict) or not isinstance(res.get("claims"), list):
            raise ValueError(f"input #{i} is not a results dict (needs a 'session' object and a 'claims' list)")

    seen: dict[tuple[str, Any], int] = {}
    claims: list[dict] = []
    for i, res in enumerate(results_list):
        for rec in res["claims"]:
            nodeid = str(rec.get("nodeid", "")) if isinstance(rec, dict) else ""
            key = (nodeid, rec.get("seed_base") if isinstance(rec, dict) else None)  # runs at several seed bases merge
            if key in seen:
                raise ValueError(f"duplicate nodeid {nodeid!r} reported by shard #{seen[key]} and shard #{i}")
            seen[key] = i
            claims.append(copy.deepcopy(rec))
    claims.sort(key=lambda r: str(r.get("nodeid", "")) if isinstance(r, dict) else "")  # stable

    shards: list[dict] = []
    for res in results_list:
        shards.extend(copy.deepcopy(s) for s in _shard_sessions(res["session"]))

    first = results_list[0]["session"]
    session = {k: copy.deepcopy(v) for k, v in first.items() if k not in ("shards", "warnings")}
    started, finished, wall = _span(shards)
    session["started"], session["finished"] = started, finished
    session["duration_s"] = wall
    workers = [s.get("workers") for s in shards]
    if all(isinstance(w, int) and not isinstance(w, bool) for w in workers):
        session["workers"] = sum(workers)
    selected = [s.get("selected") for s in shards]
    if all(isinstance(n, int) and not isinstance(n, bool) for n in selected):
        session["selected"] = sum(selected)

    warnings: list[str] = []
    # Versions: a single value when all shards agree, else {value: [shard indices]}.
    names: list[str] = []
    for s in shards:
        for name in s.get("versions") or {}:
            if name not in names:
                names.append(name)
    versions: dict[str, Any] = {}
    for name in names:
        by_value: dict[str, list[int]] = {}
        for idx, s in enumerate(shards):
            v = (s.get("versions") or {}).get(name)
            by_value.setdefault("missing" if v is None else str(v), []).append(idx)
        if len(by_value) == 1:
            present = [v for s in shards if (v := (s.get("versions") or {}).get(name)) is not None]
            versions[name] = present[0] if present else None
        else:
            versions[name] = by_value
    if names:
        session["versions"] = versions
    bases = sorted({b for s in shards for b in (s.get("seed_bases") or [s.get("seed_base")]) if b is not None})
    if bases:
        session["seed_bases"] = bases
    for key in ("profile", "device"):
        values = []
        for s in shards:
            if s.get(key) not in values:
                values.append(s.get(key))
        if len(values) > 1:
            warnings.append(f"Shards differ in {key}: " + ", ".join(str(v) for v in values))
            if key in ("profile", "device"):
                session[key] = " + ".join(str(v) for v in values)
    # Each shard's own warnings (e.g. workers sharing a GPU) and import errors stay visible after merging.
    collection_errors: list[Any] = []
    for s in shards:
        own = s.get("warnings")
        warnings.extend(str(w) for w in (own if isinstance(own, list) else []) if str(w) not in warnings)
        errors = s.get("collection_errors")
        collection_errors.extend(e for e in (errors if isinstance(errors, list) else []) if e not in collection_errors)
    if warnings:
        session["warnings"] = warnings
    session["collection_errors"] = collection_errors
    session["shards"] = shards
    return {"session": session, "claims": claims}


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
            loaded.append(load_results(path))
            figures.update(read_figures(path))
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            parser.error(str(exc))
    try:
        merged = merge_results(loaded)
    except ValueError as exc:
        parser.error(f"cannot merge: {exc}")

    html_path, json_path = write_report(merged, args.out, figures)
    counts = verdict_counts(merged)
    named = {f.get("sha256") for rec in merged["claims"] for f in rec.get("figures") or [] if isinstance(f, dict)}
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
