"""Tests for harness.cache: round trips, keys, corruption, hostile pickles, crashes and concurrency."""

import collections
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from harness.cache import STORED_STATE, CacheWarning, CorruptCacheEntry, RunCache, StoredState, run_key

REPO = Path(__file__).resolve().parents[1]
KEY = run_key({"model": "mlp", "width": 64}, seed=0)


def payload(value: float = 1.0) -> dict:
    """Return a payload shaped like a finished run: tensors plus metadata."""
    return {
        "weights": {"w": torch.full((3, 2), value), "b": torch.arange(2, dtype=torch.int64)},
        "losses": [0.9, 0.5, value],
        "accuracy": 0.875,
        "steps": 300,
        "converged": True,
        "note": "ok",
        "extra": None,
    }


def assert_same(a: dict, b: dict) -> None:
    """Assert two payloads hold equal tensors and equal metadata."""
    assert torch.equal(a["weights"]["w"], b["weights"]["w"])
    assert torch.equal(a["weights"]["b"], b["weights"]["b"])
    assert {k: v for k, v in a.items() if k != "weights"} == {k: v for k, v in b.items() if k != "weights"}


def run_python(code: str, *args: str, wait: bool = True):
    """Run code in a fresh Python process that can import harness."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", textwrap.dedent(code), *args]
    if wait:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def write_entry(cache: RunCache, key: str, obj) -> Path:
    """Write obj as an entry with a valid header and digest, bypassing store's checks."""
    import hashlib

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    body = buffer.getvalue()
    path = cache.path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = io.BytesIO()
    torch.save({}, state)
    digest = hashlib.sha256
    path.write_bytes(b"DLCLAIMS-CACHE 2 %s %d %s %d\n" % (digest(body).hexdigest().encode(), len(body),
                                                         digest(state.getvalue()).hexdigest().encode(),
                                                         len(state.getvalue())) + body + state.getvalue())
    return path


# --- keys ----------------------------------------------------------------------------------


def test_run_key_is_stable_across_dict_order():
    a = run_key({"lr": 0.1, "model": {"width": 64, "depth": 2}}, seed=3)
    b = run_key({"model": {"depth": 2, "width": 64}, "lr": 0.1}, seed=3)
    assert a == b and len(a) == 64


def test_run_key_changes_with_config_and_seed():
    base = run_key({"lr": 0.1}, seed=0)
    assert run_key({"lr": 0.2}, seed=0) != base
    assert run_key({"lr": 0.1}, seed=1) != base
    assert run_key({"lr": 0.1, "wd": 0.0}, seed=0) != base


def test_run_key_accepts_non_json_values():
    assert run_key({"root": Path("/data"), "dtype": torch.float32}, seed=0) == run_key(
        {"root": Path("/data"), "dtype": torch.float32}, seed=0
    )


# --- round trip ----------------------------------------------------------------------------


def test_round_trip(tmp_path):
    cache = RunCache(tmp_path)
    assert cache.load(KEY) is None
    cache.store(KEY, payload(2.5))
    assert cache.path(KEY) == tmp_path / KEY[:2] / f"{KEY}.pt"
    assert cache.path(KEY).read_bytes().startswith(b"DLCLAIMS-CACHE 2 ")
    loaded = cache.load(KEY)
    assert_same(loaded, payload(2.5))
    assert "_key" not in loaded


def test_store_does_not_modify_payload(tmp_path):
    original = payload()
    RunCache(tmp_path).store(KEY, original)
    assert "_key" not in original


def test_store_refuses_payload_a_safe_load_would_refuse(tmp_path):
    cache = RunCache(tmp_path)
    with pytest.raises(TypeError, match="weights_only"):
        cache.store(KEY, {"bad": Sneaky(a=1)})
    assert not cache.path(KEY).exists()


def test_get_or_compute_computes_misses_once_in_key_order(tmp_path):
    cache = RunCache(tmp_path)
    keys = [run_key({"i": i}, seed=0) for i in range(4)]
    cache.store(keys[1], payload(1.0))
    calls = []

    def compute(indices):
        calls.append(indices)
        return [payload(float(i)) for i in indices]

    payloads, hits = cache.get_or_compute(keys, compute)
    assert calls == [[0, 2, 3]]
    assert hits == [False, True, False, False]
    for i, p in enumerate(payloads):
        assert_same(p, payload(float(i)))

    payloads, hits = cache.get_or_compute(keys, compute)
    assert len(calls) == 1 and hits == [True] * 4


def test_get_or_compute_rejects_wrong_number_of_payloads(tmp_path):
    with pytest.raises(ValueError, match="compute returned 0 payloads for 1"):
        RunCache(tmp_path).get_or_compute([KEY], lambda indices: [])


def test_disabled_cache_always_computes_and_never_writes(tmp_path):
    cache = RunCache(tmp_path / "cache", enabled=False)
    calls = []

    def compute(indices):
        calls.append(indices)
        return [payload() for _ in indices]

    for _ in range(2):
        payloads, hits = cache.get_or_compute([KEY], compute)
        assert hits == [False]
    assert calls == [[0], [0]]
    cache.store(KEY, payload())
    assert cache.load(KEY) is None
    assert not (tmp_path / "cache").exists()


def test_clear_removes_entries_and_temp_files(tmp_path):
    cache = RunCache(tmp_path)
    keys = [run_key({"i": i}, seed=0) for i in range(3)]
    for key in keys:
        cache.store(key, payload())
    stray = cache.path(keys[0]).with_name(f"{keys[0]}.abc.tmp")
    stray.write_bytes(b"half")
    assert cache.clear() == 3
    assert not list(tmp_path.rglob("*.pt")) and not stray.exists()
    assert cache.clear() == 0
    assert RunCache(tmp_path / "never-made").clear() == 0


def run_payload(value: float = 1.0) -> dict:
    """A payload with a run's state keys (params, resume) beside its curves."""
    return {"train_loss": torch.tensor([0.9, value]), "seed": 3,
            "params": {"w": torch.full((40, 30), value)}, "resume": {"step": torch.tensor(5.0)}}


def test_the_state_stays_on_disk_until_asked_for(tmp_path):
    cache = RunCache(tmp_path)
    cache.store(KEY, run_payload(2.0))
    light = cache.load(KEY, state=False)
    assert set(light) == {"train_loss", "seed", STORED_STATE} and isinstance(light[STORED_STATE], StoredState)
    state = light[STORED_STATE].load()
    assert torch.equal(state["params"]["w"], torch.full((40, 30), 2.0)) and state["resume"]["step"] == 5.0
    whole = cache.load(KEY)
    assert torch.equal(whole["params"]["w"], state["params"]["w"]) and torch.equal(whole["train_loss"],
                                                                                   light["train_loss"])
    payloads, hits = cache.get_or_compute([KEY], lambda indices: [run_payload(9.0)], state=False)
    assert hits == [True] and STORED_STATE in payloads[0]


def test_a_state_changed_after_its_curves_were_read_is_refused_and_moved_aside(tmp_path):
    cache = RunCache(tmp_path)
    cache.store(KEY, run_payload(2.0))
    light = cache.load(KEY, state=False)
    path = cache.path(KEY)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF  # in the state: the last part of the file
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptCacheEntry, match="corrupt cache entry .*digest mismatch in the state.*read after its "
                                                "curves; moved aside"):
        light[STORED_STATE].load()
    assert not path.exists() and path.with_name(path.name + ".corrupt").exists()
    assert cache.load(KEY) is None  # the next run trains it anew


def test_an_entry_an_older_harness_wrote_is_a_miss_not_corrupt(tmp_path, recwarn):
    cache = RunCache(tmp_path)
    path = cache.path(KEY)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"DLCLAIMS-CACHE 1 " + b"0" * 64 + b"\nold body")
    assert cache.load(KEY) is None and not recwarn.list
    payloads, hits = cache.get_or_compute([KEY], lambda indices: [payload(2.0)])
    assert hits == [False] and cache.path(KEY).read_bytes().startswith(b"DLCLAIMS-CACHE 2 ")


def test_store_refuses_a_placeholder_for_the_state(tmp_path):
    cache = RunCache(tmp_path)
    cache.store(KEY, run_payload())
    with pytest.raises(TypeError, match="store the state itself"):
        cache.store(run_key({"other": 1}, 0), cache.load(KEY, state=False))


# --- corruption ----------------------------------------------------------------------------


def corrupt_truncate(path: Path) -> None:
    """Cut the file in half."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt_flip_byte(path: Path) -> None:
    """Flip one byte in the body, leaving the header alone."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def corrupt_header(path: Path) -> None:
    """Replace the header line with garbage."""
    data = path.read_bytes()
    path.write_bytes(b"garbage\n" + data.split(b"\n", 1)[1])


@pytest.mark.parametrize("damage,reason", [
    (corrupt_truncate, "wrong length"),
    (corrupt_flip_byte, "digest mismatch"),
    (corrupt_header, "bad header"),
])
def test_corrupt_entry_is_detected_moved_aside_and_recomputed(tmp_path, damage, reason):
    cache = RunCache(tmp_path)
    cache.store(KEY, payload(1.0))
    path = cache.path(KEY)
    damage(path)
    damaged = path.read_bytes()

    with pytest.warns(CacheWarning, match=f"corrupt cache entry .*{reason}.*recomputing"):
        payloads, hits = cache.get_or_compute([KEY], lambda indices: [payload(2.0)])
    assert hits == [False]
    assert_same(payloads[0], payload(2.0))
    corrupt = path.with_name(path.name + ".corrupt")
    assert corrupt.read_bytes() == damaged
    assert_same(cache.load(KEY), payload(2.0))


def test_entry_under_another_key_is_refused(tmp_path):
    cache = RunCache(tmp_path)
    other = run_key({"other": True}, seed=0)
    cache.store(other, payload())
    cache.path(KEY).parent.mkdir(parents=True, exist_ok=True)
    os.replace(cache.path(other), cache.path(KEY))
    with pytest.warns(CacheWarning, match="key mismatch"):
        assert cache.load(KEY) is None


class MkdirOnLoad:
    """An object whose unpickling calls os.mkdir(path)."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


class Sneaky(collections.OrderedDict):
    """A dict subclass: harmless here, but not a type a safe loader may build."""


@pytest.mark.parametrize("make", [
    lambda marker: {"_key": KEY, "x": Sneaky(a=1)},
    lambda marker: {"_key": KEY, "f": os.system},
    # Unpickling this would create the marker directory: it must never happen.
    lambda marker: {"_key": KEY, "x": MkdirOnLoad(marker)},
])
def test_arbitrary_pickles_with_valid_digest_are_refused(tmp_path, make):
    cache = RunCache(tmp_path / "cache")
    marker = tmp_path / "unpickled"
    write_entry(cache, KEY, make(str(marker)))
    with pytest.warns(CacheWarning, match="unpickling refused"):
        assert cache.load(KEY) is None
    assert not marker.exists()
    assert cache.path(KEY).with_name(f"{KEY}.pt.corrupt").exists()



# --- crashes and concurrency ---------------------------------------------------------------


def test_kill_mid_write_leaves_nothing_loadable(tmp_path):
    result = run_python(
        """
        import os, sys, torch
        from harness.cache import RunCache
        os.replace = lambda *a, **k: os._exit(1)  # die after the temp file is written, before rename
        RunCache(sys.argv[1]).store(sys.argv[2], {"x": torch.ones(1000)})
        """,
        str(tmp_path), KEY,
    )
    assert result.returncode == 1, result.stderr
    cache = RunCache(tmp_path)
    assert list(tmp_path.rglob("*.tmp")), "the killed writer should have left its temp file"
    assert not cache.path(KEY).exists()
    assert cache.load(KEY) is None
    payloads, hits = cache.get_or_compute([KEY], lambda indices: [payload()])
    assert hits == [False]
    assert cache.clear() == 1
    assert not list(tmp_path.rglob("*.tmp"))


WORKER = """
    import glob, json, os, sys, time, torch
    from harness.cache import RunCache
    root, key, counter = sys.argv[1:4]

    def compute(indices):
        with open(counter, "a") as f:
            f.write("computed\\n")
        time.sleep(0.5)
        return [{"x": torch.arange(5.0) * 2, "note": "run"} for _ in indices]

    # Start together, so that one really waits on the other's lock.
    open(f"{counter}.ready.{os.getpid()}", "w").close()
    deadline = time.monotonic() + 30
    while len(glob.glob(f"{counter}.ready.*")) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)

    payloads, hits = RunCache(root).get_or_compute([key], compute)
    print(json.dumps({"hit": hits[0], "x": payloads[0]["x"].tolist(), "note": payloads[0]["note"]}))
"""


def test_two_processes_compute_the_same_key_once(tmp_path):
    counter = tmp_path / "counter.txt"
    workers = [run_python(WORKER, str(tmp_path / "cache"), KEY, str(counter), wait=False) for _ in range(2)]
    outputs = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=60)
        assert worker.returncode == 0, stderr
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert counter.read_text().splitlines() == ["computed"]
    assert sorted(o["hit"] for o in outputs) == [False, True]
    assert outputs[0]["x"] == outputs[1]["x"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert outputs[0]["note"] == outputs[1]["note"] == "run"
