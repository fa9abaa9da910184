"""Faults: a broken run or claim ends in one clear error in the report, never a hang, a lost claim or a
silent pass on NaN; the run cache survives killed processes and tampering.

The same faults under pytest-xdist (worker crash, records from workers, escaping) are in
test_xdist_session.py; the pytest-level tests here run the tiny claims project of
tests/claims_suite.py in this process (pytester), which costs no new Python start-up.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
import os
import signal
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
import torch

from harness.cache import CacheWarning, RunCache, run_key
from harness.models import MLPSpec
from harness.record import NonFiniteStatistic, Record
from harness.runner import Runner
from harness import stats
from harness.train import FunctionTask, TrainConfig, TrainingDiverged, load_split, train_ensemble
from reports.merge import merge_results
from tests.claims_suite import DET_CLAIMS, FAULT_CLAIMS, REPO, by_test, load, write_suite

pytest_plugins = ["pytester"]


# --- claims that never ran or did not import --------------------------------------------------

def test_claims_that_never_ran_are_errors_on_the_page(pytester):
    write_suite(pytester.path, test_fake_faults=FAULT_CLAIMS)
    pytester.runpytest("claims", "-x", "--report-dir", "reports", "--no-cache")  # stops at the first error
    records = by_test(load(pytester.path / "reports")[0])
    assert len(records) == 6 and "ValueError: metric failed" in records["test_fake_faults.py::test_errors"]["error"]
    never_ran = [r for r in records.values() if r["error"].startswith("no result: this claim was selected but did not")]
    assert len(never_ran) == 5 and all(r["verdict"] == "error" for r in never_ran)


FINE_CLAIM = """
from fixtures import claim

@claim("fine", statement="fine", sources=["test"])
def test_fine(record):
    record.check("one", 1.0, ">=", 0.0)
"""


def test_a_claims_module_that_does_not_import_is_on_the_page(pytester):
    write_suite(pytester.path, test_broken="import harness.no_such_module\n", test_fine=FINE_CLAIM)
    # pytest stops at a collection error unless told to continue: then no claim ran and no report is written
    result = pytester.runpytest("claims", "--report-dir", "reports", "--no-cache")
    assert not (pytester.path / "reports").exists()
    assert "claims report not written: no claim ran" in result.stdout.str()
    result = pytester.runpytest("claims", "--report-dir", "reports", "--no-cache", "--continue-on-collection-errors")
    results, page = load(pytester.path / "reports")
    assert [(c["claim"], c["outcome"]) for c in results["claims"]] == [("fine", "passed")]
    assert results["session"]["collection_errors"][0]["nodeid"] == "claims/test_broken.py"
    assert "1 claims module failed to import" in page and "No module named &#x27;harness.no_such_module" in page
    assert "claims module(s) failed to import" in result.stdout.str()


def test_merging_shards_keeps_each_shards_import_errors_and_warnings():
    def shard(nodeid, **session):
        return {"session": {"profile": "cpu", "versions": {}, **session},
                "claims": [{"claim": "t", "nodeid": nodeid, "verdict": "holds", "outcome": "passed"}]}

    merged = merge_results([shard("claims/a.py::t", collection_errors=[{"nodeid": "claims/x.py", "error": "E"}]),
                            shard("claims/b.py::t", warnings=["4 xdist workers share 2 GPU(s)"])])
    assert merged["session"]["collection_errors"] == [{"nodeid": "claims/x.py", "error": "E"}]
    assert merged["session"]["warnings"] == ["4 xdist workers share 2 GPU(s)"]


# --- checks refuse non-finite numbers ---------------------------------------------------------

@pytest.mark.parametrize("op", [">=", "<=", ">", "<"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), np.float32("nan"), torch.tensor(float("nan"))],
                         ids=["nan", "inf", "-inf", "np-nan", "tensor-nan"])
def test_comparisons_refuse_non_finite_statistics_and_thresholds(op, bad):
    record = Record("c")
    with pytest.raises(NonFiniteStatistic, match="statistic is"):
        record.check("s", bad, op, 1.0)
    with pytest.raises(NonFiniteStatistic, match="threshold is"):
        record.check("s", 1.0, op, bad)
    assert record.checks == []


@pytest.mark.parametrize("make", [lambda bad: stats.paired([1.0, bad], [0.0, 0.0], "greater"),
                                  lambda bad: stats.trend([1, 2, 3], [1.0, 2.0, bad], "greater"),
                                  lambda bad: stats.each_seed([1.0, bad], ">=", 0.5),
                                  lambda bad: stats.equivalent([0.1, bad], 0.1, 0.02)],
                         ids=["paired", "trend", "each_seed", "equivalent"])
def test_evidence_refuses_non_finite_values(make):
    with pytest.raises(ValueError, match="non-finite"):
        make(float("nan"))


# --- divergence -------------------------------------------------------------------------------

EXPLODING = TrainConfig(MLPSpec(1, (8,), 1), FunctionTask("sin", 32), epochs=20, lr=1e4, optimizer="sgd",
                        batch_size=8, record_every=10)


def test_divergence_gives_the_exact_step_when_steps_are_recorded_and_caches_nothing(tmp_path):
    config = dataclasses.replace(EXPLODING, record_steps=True)
    with pytest.raises(TrainingDiverged, match=r"first non-finite minibatch loss at step \d+\); diverged seeds"):
        train_ensemble(config, [0, 1], load_split(config.data, "cpu"))
    cache = RunCache(tmp_path)
    with pytest.raises(TrainingDiverged, match=r"at epoch 10 \(step 40; last finite at epoch 0, step 0\)"):
        Runner(cache=cache).train(EXPLODING, [0, 1])
    assert not list(tmp_path.rglob("*.pt")), "a diverged run must not be cached"


# --- the cache under real kills ---------------------------------------------------------------

KILLED_WRITER = """
import os, sys, time, torch
from harness.cache import RunCache, run_key
cache = RunCache(sys.argv[1])
written = 0

def fsync_then_wait_to_be_killed(fd):  # from the fourth entry on, stop in the middle of writing it
    real_fsync(fd)
    if written == 3:
        print("writing", flush=True)
        time.sleep(60)

real_fsync, os.fsync = os.fsync, fsync_then_wait_to_be_killed

def compute(indices):  # holds the lock of key 'held' while it writes entries
    global written
    while True:
        cache.store(run_key({"i": written}, 0), {"x": torch.full((1_000_000,), float(written))})
        written += 1

cache.get_or_compute([run_key({"held": True}, 0)], compute)
"""


def test_sigkill_mid_write_leaves_only_whole_entries_and_frees_the_lock(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert writer.stdout.readline() == "writing\n", "the writer died before writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    cache = RunCache(tmp_path)
    entries = sorted(tmp_path.rglob("*.pt"))
    assert len(entries) == 3 and list(tmp_path.rglob("*.tmp")), "three whole entries, and the fourth half-written"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # no entry on disk may be corrupt
        for path in entries:
            x = cache.load(path.stem)["x"]
            assert torch.equal(x, torch.full_like(x, x[0].item())), f"{path} is not whole"
    # The killed process held the lock of 'held': the kernel released it, so this does not hang.
    done = []
    thread = threading.Thread(target=lambda: done.append(cache.get_or_compute(
        [run_key({"held": True}, 0)], lambda indices: [{"x": torch.zeros(1)}])), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert done and done[0][1] == [False]


def _flip_a_byte_in(path: Path, part: str) -> None:
    """Flip one byte in the middle of an entry's curves (part 1) or its state (part 2, parameters)."""
    data = bytearray(path.read_bytes())
    header = data[:data.index(b"\n") + 1]
    curves_size, state_size = int(header.split()[3]), int(header.split()[5])
    offset = len(header) + (curves_size // 2 if part == "curves" else curves_size + state_size // 2)
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("part", ["curves", "state"])
def test_a_corrupt_entry_is_reported_and_recomputed_by_the_suite(pytester, part):
    """Curves are checked when an entry is read, its state (the parameters) when first used: either way the
    tampered seed is trained again, to the same bits, and the page says nothing else changed."""
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    args = ("claims", "-k", "mlp", "--report-dir", "reports", "--cache-dir", "cache")
    assert pytester.runpytest(*args).parseoutcomes()["holds"] == 1
    first = by_test(load(pytester.path / "reports")[0])["test_fake_det.py::test_det[mlp]"]
    entries = sorted((pytester.path / "cache").rglob("*.pt"))
    runs = [e for e in entries if RunCache(pytester.path / "cache").load(e.stem, state=False).get("seed") is not None]
    _flip_a_byte_in(runs[1], part)  # one seed's entry

    result = pytester.runpytest(*args)
    assert result.parseoutcomes()["holds"] == 1 and result.parseoutcomes()["warnings"] == 1
    result.stdout.fnmatch_lines([f"*CacheWarning: corrupt cache entry*digest mismatch*{part}*recomputing*"])
    again = by_test(load(pytester.path / "reports")[0])["test_fake_det.py::test_det[mlp]"]
    assert [r["cached_seeds"] for r in again["runs"]][-1] == 2  # the tampered seed was trained again ...
    assert again["notes"] == first["notes"]                      # ... to the same bits
    assert runs[1].with_name(runs[1].name + ".corrupt").exists()
    assert RunCache(pytester.path / "cache").load(runs[1].stem) is not None