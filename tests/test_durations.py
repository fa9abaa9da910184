""".test_durations (pytest-split's shards, the longest-first start order) matches what `pytest claims` collects,
and `make durations` regenerates it from a cold run of every claim."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from reports.durations import durations
from tests.claims_suite import REPO

FIX = "regenerate it with `make durations` (a cold run of every claim, then python -m reports.durations)"


def collected_claims() -> set[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    done = subprocess.run([sys.executable, "-m", "pytest", "claims", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_every_collected_claim_has_a_duration_and_every_duration_a_claim():
    recorded = set(json.loads((REPO / ".test_durations").read_text()))
    collected = collected_claims()
    assert collected, "pytest claims --collect-only collected nothing"
    unmeasured, stale = sorted(collected - recorded), sorted(recorded - collected)
    assert not unmeasured and not stale, (
        f".test_durations has drifted from the claims: {len(unmeasured)} collected items have no duration "
        f"{unmeasured[:5]}, {len(stale)} entries name no collected item {stale[:5]}; {FIX}")


def results(*claims: dict, seed_bases=(0,)) -> dict:
    return {"session": {"seed_bases": list(seed_bases)}, "claims": list(claims)}


def claim(nodeid: str, seconds: float | None, *runs: dict) -> dict:
    return {"claim": nodeid.split("::test_")[-1].split("[")[0], "nodeid": nodeid, "duration_s": seconds,
            "runs": list(runs)}


def test_durations_of_a_cold_run_are_its_items_times():
    cold = results(claim("claims/a.py::test_a[x]", 12.5, {"cached": False, "cached_seeds": 0}),
                   claim("claims/a.py::test_b", None))  # an item that never ran has no time to record
    assert durations(cold) == {"claims/a.py::test_a[x]": 12.5}


def test_durations_refuse_a_run_that_read_the_cache():
    warm = results(claim("claims/a.py::test_a[x]", 0.2, {"cached": True, "cached_seeds": 3}),
                   claim("claims/a.py::test_a[y]", 9.0, {"cached": False, "cached_seeds": 1}))  # partly cached
    with pytest.raises(ValueError, match="2 of 2 claims read runs from the cache"):
        durations(warm)


def test_durations_refuse_a_run_at_several_seed_bases():
    with pytest.raises(ValueError, match="several seed bases"):
        durations(results(claim("claims/a.py::test_a[x-seeds0]", 1.0), seed_bases=(0, 1000)))


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_durations_runs_every_claim_cold_and_writes_the_file_from_that_run():
    done = subprocess.run(["make", "-s", "-n", "-o", ".venv/installed", "durations", "PY=python"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    lines = [shlex.split(line.lstrip("-")) for line in done.stdout.splitlines()]
    run = next(line for line in lines if line[:3] == ["python", "-m", "pytest"])
    write = next(line for line in lines if line[:3] == ["python", "-m", "reports.durations"])
    assert run[3] == "claims" and "--no-cache" in run and "-k" not in run
    report_dir = run[run.index("--report-dir") + 1]
    assert ["rm", "-rf", report_dir] in lines  # a failed run cannot leave an older run's results behind
    assert write[3:] == [f"{report_dir}/results.json", "--out", ".test_durations"]
