"""Expected verdicts as reviewed data: one file per profile and device type under claims/expected/.

    python -m reports.baseline build/claims-report/results.json [more results.json ...] [--out claims/expected]

reads one or more results.json (e.g. runs at seed bases 0, 1000 and 2000, or one run with --seed-bases)
and writes `claims/expected/<profile>-on-<device>.json`, to be reviewed as a diff. A variant's expected
verdict is holds or refuted only where every seed draw agrees; where they disagree it is inconclusive.
The verdict each draw gave is kept too, with its checks' statistics and the run it came from (command,
host, versions: `from`), so that a later run at the same seeds on the same host with the same versions is
held to exactly its verdict, and a changed verdict names the statistics that moved. A run of a few
variants (-k) updates those entries and keeps every other entry with its own provenance.

What a difference from the baseline means (`compare`):
- same host, versions and seed draw: the run is bit-identical, so any changed verdict is a code change: it fails;
- a new seed draw, or another host or versions (other kernels give other floats): a move between holds or
  refuted and inconclusive is sampling noise: reported on the page and the terminal, not failed;
- a flip between holds and refuted fails always.
Plain standard library: the pytest plugin reads these files too.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.results import ClaimResult, Results, Session, atomic_write, json_safe, read_results
from .files import read_results_file

EXPECTED_DIR = Path("claims") / "expected"
DECIDED = ("holds", "refuted", "inconclusive")


def device_type(device: str) -> str:
    """'cuda:1' -> 'cuda'."""
    return str(device or "cpu").split(":")[0]


def baseline_path(directory: Path, profile: str, device: str) -> Path:
    return Path(directory) / f"{profile}-on-{device_type(device)}.json"


def variant_key(record: ClaimResult | dict) -> str:
    """"claim[variant]": how the baseline names a variant."""
    if isinstance(record, ClaimResult):
        return record.key
    return f"{record.get('claim')}[{record.get('variant')}]" if record.get("variant") else str(record.get("claim"))


def _check_summary(record: ClaimResult) -> list[dict]:
    keep = ("name", "status", "p", "p_holm", "p_opposite", "effect", "statistic")
    return [{k: c.get(k) for k in keep} for c in record.checks]


def stable_verdict(by_seed_base: dict[str, str]) -> str:
    """The verdict all draws agree on, else inconclusive."""
    verdicts = set(by_seed_base.values())
    return verdicts.pop() if len(verdicts) == 1 else "inconclusive"


def provenance(session: Session) -> dict:
    """Where a draw's verdict came from: the run's start, command, host and versions."""
    return {"started": session.started, "command": session.command, "host": session.host,
            "versions": session.versions, "seed_bases": session.seed_bases or [session.seed_base or 0]}


def build_baseline(results_list: list[Results | dict]) -> dict:
    """The baseline document from results of one profile and device type."""
    results_list = [read_results(r) for r in results_list]
    sessions = [r.session for r in results_list]
    profiles = {s.profile for s in sessions}
    devices = {device_type(s.device) for s in sessions}
    if len(profiles) != 1 or len(devices) != 1:
        raise ValueError(f"results mix profiles {sorted(map(str, profiles))} or device types {sorted(devices)}: "
                         "write one baseline per profile and device type")
    if any(s.smoke for s in sessions):
        raise ValueError("a smoke run decides nothing: write the baseline from a real run")
    variants: dict[str, dict] = {}
    for run, results in enumerate(results_list):
        for record in results.claims:
            verdict = record.verdict
            if verdict not in DECIDED:
                raise ValueError(f"{record.nodeid}: verdict {verdict!r}; a baseline is written only from a "
                                 "run in which every claim was decided (fix the error and re-run)")
            entry = variants.setdefault(record.key, {"by_seed_base": {}, "checks": {}, "from": {}})
            seed_base = str(record.seed_base)
            if seed_base in entry["by_seed_base"]:
                raise ValueError(f"{record.key} appears twice at seed base {seed_base}")
            entry["by_seed_base"][seed_base] = verdict
            entry["checks"][seed_base] = _check_summary(record)
            entry["from"][seed_base] = run
    for entry in variants.values():
        entry["verdict"] = stable_verdict(entry["by_seed_base"])
        entry["agree"] = len(set(entry["by_seed_base"].values())) == 1
    session = sessions[0]
    return json_safe({
        "profile": session.profile, "device": device_type(session.device),
        "seed_bases": sorted({int(b) for e in variants.values() for b in e["by_seed_base"]}),
        "from": [provenance(s) for s in sessions],
        "variants": {key: {"verdict": e["verdict"], "agree": e["agree"], "by_seed_base": e["by_seed_base"],
                           "checks": e["checks"], "from": e["from"]} for key, e in sorted(variants.items())},
    })


def entry_runs(document: dict, key: str) -> dict[str, dict]:
    """seed base -> the provenance of the run that gave this variant's verdict at that seed base.

    A file written before entries named their run says only which runs it came from: with one run, every
    entry came from it; with several, a run that lists its seed bases is matched by them; else unknown."""
    runs = document.get("from") or []
    entry = (document.get("variants") or {}).get(key) or {}
    own = entry.get("from")
    out: dict[str, dict] = {}
    for seed_base in entry.get("by_seed_base") or {}:
        if isinstance(own, dict) and isinstance(own.get(seed_base), int) and 0 <= own[seed_base] < len(runs):
            out[seed_base] = runs[own[seed_base]]
        elif own is None:
            matching = [r for r in runs if int(seed_base) in (r.get("seed_bases") or [])] if len(runs) > 1 else runs
            if len(matching) == 1:
                out[seed_base] = matching[0]
    return out


def update_baseline(old: dict, new: dict) -> dict:
    """`new` (from a run of some variants, e.g. with -k) laid over `old`: the variants `new` has replace
    their old entries; every other old entry is kept with the provenance of the run it came from."""
    runs: list[dict] = []

    def index(run: dict) -> int:  # one copy of each run in `from`
        if run not in runs:
            runs.append(run)
        return runs.index(run)

    variants = {}
    for key, entry in (old.get("variants") or {}).items():
        if key in (new.get("variants") or {}):
            continue
        where = entry_runs(old, key)
        variants[key] = {**entry, "from": {b: index(where[b]) for b in entry.get("by_seed_base") or {} if b in where}}
    for key, entry in (new.get("variants") or {}).items():
        variants[key] = {**entry, "from": {b: index(new["from"][i]) for b, i in (entry.get("from") or {}).items()}}
    return {**new, "seed_bases": sorted({int(b) for e in variants.values() for b in e["by_seed_base"]}),
            "from": runs, "variants": dict(sorted(variants.items()))}


@dataclass(frozen=True)
class Expectation:
    """What the baseline expects of one variant at one seed base."""
    verdict: str | None           # None: nothing to compare with (see `why`)
    checks: list = field(default_factory=list)  # the draw's recorded checks (empty at a new draw)
    exact: bool = False           # the baseline recorded this draw on this host with these versions
    why: str = ""                 # how the comparison was made, or why there was none


EXACT = "same host, versions and seeds"


class Baseline:
    """A loaded baseline file; `expected` answers what verdict a record should have."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = path, data
        self.variants: dict[str, dict] = data.get("variants") or {}

    @classmethod
    def load(cls, directory: Path, profile: str, device: str) -> "Baseline | None":
        path = baseline_path(directory, profile, device)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}): restore it from git or rewrite it with "
                             "`python -m reports.baseline`") from None
        return cls(path, data)

    def expected(self, key: str, seed_base: int, host: str | None = None,
                 versions: dict | None = None) -> Expectation:
        """What this variant should give at this seed base, run on `host` with `versions`. A draw the baseline
        recorded is held to its own verdict; a new draw to the verdict every recorded draw agreed on. The
        comparison is exact only for a recorded draw whose run had this host and these versions."""
        entry = self.variants.get(key)
        if entry is None:
            return Expectation(None, why="not in the baseline")
        by_seed_base = entry.get("by_seed_base") or {}
        if str(seed_base) in by_seed_base:
            run = entry_runs(self.data, key).get(str(seed_base)) or {}
            exact = bool(host) and run.get("host") == host and run.get("versions") == versions
            why = EXACT if exact else ("another host" if run.get("host") != host else "other versions")
            return Expectation(by_seed_base[str(seed_base)], (entry.get("checks") or {}).get(str(seed_base), []),
                               exact, why)
        if len(set(by_seed_base.values())) != 1:
            # the recorded draws disagree: any verdict of a new draw is consistent with them
            return Expectation(None, why="the baseline's seed draws disagree")
        return Expectation(next(iter(by_seed_base.values())), why="a new seed draw")


CHANGED, MOVED, EQUAL = "changed", "moved", "equal"


def compare(expectation: Expectation, verdict: str) -> str:
    """EQUAL; CHANGED (a regression: fails) when a holds <-> refuted flip, or any change where the run
    should be bit-identical to the recorded one; MOVED (reported, not failed) when a verdict moves to or
    from inconclusive at a new seed draw or on another host or versions: sampling or float noise."""
    if expectation.verdict is None or expectation.verdict == verdict:
        return EQUAL
    if expectation.exact or {expectation.verdict, verdict} == {"holds", "refuted"}:
        return CHANGED
    return MOVED


def moved_statistics(old_checks: list[dict], new_checks: list[dict]) -> list[str]:
    """One line per check whose status or p-value moved between the baseline and this run."""
    old = {c.get("name"): c for c in old_checks}
    lines = []
    for c in new_checks:
        before = old.get(c.get("name"))
        if before is None:
            lines.append(f"{c.get('name')}: new check, {c.get('status')} ({c.get('statistic')})")
            continue
        if before.get("status") != c.get("status") or before.get("p") != c.get("p"):
            lines.append(f"{c.get('name')}: {before.get('status')} → {c.get('status')}; p {_p(before.get('p'))} → "
                         f"{_p(c.get('p'))}; {before.get('statistic')} → {c.get('statistic')}")
    return lines


def _p(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="results.json files of one profile and device type")
    parser.add_argument("--out", default=str(EXPECTED_DIR), help="directory of the baseline files (claims/expected)")
    parser.add_argument("--fresh", action="store_true",
                        help="drop the variants these results do not contain (default: keep them as they were)")
    args = parser.parse_args(argv)
    try:
        document = build_baseline([read_results_file(p) for p in args.results])
        path = baseline_path(Path(args.out), document["profile"], document["device"])
        if path.exists() and not args.fresh:  # a -k run updates its own variants and keeps the others
            document = update_baseline(json.loads(path.read_text(encoding="utf-8")), document)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for entry in document["variants"].values():
        counts[entry["verdict"]] = counts.get(entry["verdict"], 0) + 1
    unstable = sum(1 for e in document["variants"].values() if not e["agree"])
    print(f"wrote {path}: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
          + f"; seed bases {document['seed_bases']}; {unstable} variant(s) disagree across draws")
    return 0


if __name__ == "__main__":
    sys.exit(main())
