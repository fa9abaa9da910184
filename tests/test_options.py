"""Bad input gives one clear usage error before anything runs or is written; GPU placement as pure
functions (this machine has no GPU); a selection that matches nothing gives a page that says so."""
from __future__ import annotations

import gzip
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from fixtures import devices
from fixtures.devices import gpu_for_worker, gpu_sharing_message, visible_gpus, worker_number
from fixtures.options import SEED_BASE_MAX
from harness.data import DatasetUnavailable, check_mnist_files
from tests.claims_suite import DET_CLAIMS, load, write_suite

pytest_plugins = ["pytester"]


@pytest.fixture
def suite(pytester):
    """pytester in a directory holding the tiny claims project."""
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    return pytester


def usage_error(pytester, *args: str) -> str:
    """Run pytest with args; assert it stopped with a usage error before writing anything; its message."""
    result = pytester.runpytest("claims", "--report-dir", "reports", "--cache-dir", "cache", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()[-2000:]
    assert not (pytester.path / "reports").exists() and not (pytester.path / "cache").exists()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    return errors[0]


def test_unknown_profile(suite):
    assert usage_error(suite, "--profile", "huge") == "ERROR: unknown profile 'huge'; valid profiles: cpu, full"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_gpu_without_cuda(suite):
    assert "--gpu was given but no CUDA device is available" in usage_error(suite, "--gpu")


@pytest.mark.parametrize("value, message", [
    ("-1", "between 0 and"), (str(SEED_BASE_MAX + 1), "between 0 and"), ("1.5", "must be an integer"),
    ("ten", "must be an integer"), ("", "must be an integer"),
])
def test_seed_base_out_of_range(suite, value, message):
    assert message in usage_error(suite, "--seed-base", value)


def test_seed_base_limits_are_accepted(suite):
    for value in ("0", str(SEED_BASE_MAX)):
        assert suite.runpytest("claims", "--seed-base", value, "--collect-only", "-q").ret == pytest.ExitCode.OK


def test_missing_data_dir(suite, tmp_path):
    assert "does not exist" in usage_error(suite, "--data-dir", str(tmp_path / "nowhere"))


@pytest.mark.parametrize("option", ["--cache-dir", "--report-dir"])
def test_directory_options_that_name_a_file(pytester, option):
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    (pytester.path / "a-file").write_text("")
    result = pytester.runpytest("claims", option, "a-file")
    assert result.ret == pytest.ExitCode.USAGE_ERROR and f"{option} a-file is a file" in result.stderr.str()


def test_a_selection_that_matches_nothing_says_no_claims_ran(suite):
    result = suite.runpytest("claims", "-k", "no_such_claim", "--report-dir", "reports", "--no-cache")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not (suite.path / "reports").exists()  # a session that ran nothing writes (and overwrites) no report
    assert "claims report not written: no claim ran" in result.stdout.str()


# --- full MNIST: checked before the run starts ------------------------------------------------

def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">I", 0x0800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def mnist_dir(root: Path, n_train: int = 20, n_test: int = 10) -> Path:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", np.zeros((n, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    return raw


def truncate(path: Path, keep: int) -> None:
    path.write_bytes(path.read_bytes()[:keep])


DAMAGE = {  # what is done to a sound directory -> what the error says
    "no-files": (lambda raw: [p.unlink() for p in raw.iterdir()], "missing train-images-idx3-ubyte"),
    "gzipped": (lambda raw: [(p.with_name(p.name + ".gz").write_bytes(gzip.compress(p.read_bytes())), p.unlink())
                             for p in list(raw.iterdir())], "gunzip them or add --download"),
    "truncated-body": (lambda raw: truncate(raw / "train-images-idx3-ubyte", 5000), "truncated or corrupt: 5000 bytes"),
    "truncated-header": (lambda raw: truncate(raw / "t10k-labels-idx1-ubyte", 6), "shorter than an IDX header"),
    "not-idx": (lambda raw: (raw / "train-labels-idx1-ubyte").write_bytes(b"<html>404</html>"), "magic number"),
    "wrong-size": (lambda raw: write_idx(raw / "t10k-images-idx3-ubyte", np.zeros((10, 32, 32))), "not 28×28"),
    "count-mismatch": (lambda raw: write_idx(raw / "train-labels-idx1-ubyte", np.zeros(19)), "20 train images but 19"),
    "bad-labels": (lambda raw: write_idx(raw / "train-labels-idx1-ubyte", np.full(20, 11)), "labels above 9"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_unreadable_full_mnist_is_a_usage_error(suite, tmp_path, damage):
    spoil, message = DAMAGE[damage]
    spoil(mnist_dir(tmp_path))
    error = usage_error(suite, "--profile", "full", "--data-dir", str(tmp_path))
    assert error.startswith("ERROR: --profile full needs full MNIST:") and message in error


def test_full_profile_without_a_data_dir(suite, monkeypatch):
    monkeypatch.delenv("CLAIMS_DATA_DIR", raising=False)
    assert "no --data-dir given and $CLAIMS_DATA_DIR is not set" in usage_error(suite, "--profile", "full")


def test_sound_full_mnist_passes_the_check(suite, tmp_path):
    mnist_dir(tmp_path)
    check_mnist_files(tmp_path)
    result = suite.runpytest("claims", "--profile", "full", "--data-dir", str(tmp_path), "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK


def test_download_may_fetch_missing_files_but_not_repair_corrupt_ones(tmp_path):
    raw = mnist_dir(tmp_path)
    (raw / "train-images-idx3-ubyte").unlink()
    check_mnist_files(tmp_path, download=True)  # torchvision fetches the missing file
    truncate(raw / "t10k-images-idx3-ubyte", 100)
    with pytest.raises(DatasetUnavailable, match="truncated or corrupt"):
        check_mnist_files(tmp_path, download=True)  # a present file is read as it is: it must be sound


# --- GPUs, as pure functions ------------------------------------------------------------------

@pytest.mark.parametrize("worker_id, number", [(None, 0), ("master", 0), ("gw0", 0), ("gw7", 7), ("gw12", 12)])
def test_worker_number(worker_id, number):
    assert worker_number(worker_id) == number


@pytest.mark.parametrize("worker_id", ["gw", "gwx", "worker3", "gw-1"])
def test_worker_number_rejects_unknown_ids(worker_id):
    with pytest.raises(ValueError, match="unexpected xdist worker id"):
        worker_number(worker_id)


def test_workers_cycle_over_the_gpus():
    assert [gpu_for_worker(f"gw{i}", 3) for i in range(7)] == [0, 1, 2, 0, 1, 2, 0]
    assert gpu_for_worker(None, 2) == 0
    with pytest.raises(ValueError, match="no GPU is visible"):
        gpu_for_worker("gw1", 0)


@pytest.mark.parametrize("listed, gpus", [
    ("0,2", ["0", "2"]), (" 1 , 3 ", ["1", "3"]), ("", []), ("-1", []), ("GPU-5f3a,GPU-77", ["GPU-5f3a", "GPU-77"]),
    ("3,", ["3"]),
])
def test_visible_gpus_from_cuda_visible_devices(listed, gpus):
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": listed}, device_count=8) == gpus


def test_visible_gpus_without_the_variable_counts_devices():
    assert visible_gpus({}, device_count=2) == ["0", "1"]
    assert visible_gpus({}, device_count=0) == []


def test_sharing_message():
    assert gpu_sharing_message(2, 2) is None and gpu_sharing_message(1, 4) is None
    assert gpu_sharing_message(4, 2) == ("4 xdist workers share 2 GPU(s): worker gwN uses GPU N mod 2, so up to 2 "
                                         "workers train on one GPU at a time")
    assert "up to 3 workers" in gpu_sharing_message(5, 2)


def test_the_controller_says_when_workers_share_gpus(monkeypatch):
    """The --gpu path with CUDA faked: the warning must come from the controller, whose output is seen."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    said, shown = [], []
    controller = SimpleNamespace(getoption=lambda name: name == "gpu", option=SimpleNamespace(numprocesses=3),
                                 issue_config_time_warning=lambda w, stacklevel: said.append(str(w)))
    assert devices.configure_device(controller, shown) == torch.device("cuda", 0)
    assert said == shown == [gpu_sharing_message(3, 2)]
    worker = SimpleNamespace(getoption=lambda name: name == "gpu", workerinput={"workerid": "gw3", "workercount": 3},
                             issue_config_time_warning=lambda w, stacklevel: said.append(str(w)))
    assert devices.configure_device(worker, shown) == torch.device("cuda", 1)  # gw3 -> GPU 3 mod 2
    assert len(said) == 1 and len(shown) == 1


# --- full MNIST is needed only by the selected claims that train on it ---------------------------

MNIST_OR_NOT_CLAIMS = '''
import pytest

from harness.train import FunctionTask, TrainConfig
from harness.models import MLPSpec


@pytest.mark.claim(id="curve", statement="a 1-D function claim", sources=["test"], needs_mnist=False)
def test_curve(runner, record, seed_base):
    runs = runner.train(TrainConfig(MLPSpec(1, (4,), 1), FunctionTask("sin", 16), epochs=2, lr=1e-2),
                        record.seeds(1))
    record.check("final loss", runs.train_loss[0, -1], "<", 1e3)


@pytest.mark.claim(id="digits", statement="a claim that says nothing, so it needs MNIST", sources=["test"])
def test_digits(record):
    record.check("never reached without MNIST", 1.0, ">=", 0.0)
'''


@pytest.fixture
def mixed_suite(pytester, monkeypatch):
    monkeypatch.delenv("CLAIMS_DATA_DIR", raising=False)
    write_suite(pytester.path, test_fake_mixed=MNIST_OR_NOT_CLAIMS)
    return pytester


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_full_profile_runs_claims_that_need_no_mnist_without_it(mixed_suite, workers):
    result = mixed_suite.runpytest("claims", "--profile", "full", "-k", "curve", "--report-dir", "reports",
                                   "--no-cache", *workers)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:] + result.stderr.str()[-2000:]
    assert result.parseoutcomes()["holds"] == 1


def test_full_profile_checks_mnist_when_a_selected_claim_needs_it(mixed_suite):
    error = usage_error(mixed_suite, "--profile", "full")  # both selected: test_digits says nothing, so needs it
    assert error.startswith("ERROR: --profile full needs full MNIST:") and "no --data-dir given" in error
    error = usage_error(mixed_suite, "--profile", "full", "-k", "digits", "--collect-only")
    assert error.startswith("ERROR: --profile full needs full MNIST:")


def test_under_xdist_missing_mnist_stops_the_session_with_the_same_message(mixed_suite):
    """Only workers collect under xdist; a worker's usage error would show as an internal error, so the
    workers run nothing and the controller stops with the message (exit code: interrupted)."""
    result = mixed_suite.runpytest("claims", "--profile", "full", "-n", "2", "--report-dir", "reports", "--no-cache")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Interrupted: --profile full needs full MNIST: full MNIST not found*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_the_default_profile_never_checks_full_mnist(mixed_suite):
    result = mixed_suite.runpytest("claims", "-k", "digits", "--collect-only", "-q", "--report-dir", "reports")
    assert result.ret == pytest.ExitCode.OK


# --- --smoke ------------------------------------------------------------------------------------

def test_smoke_runs_the_full_profile(suite, tmp_path):
    mnist_dir(tmp_path)
    result = suite.runpytest("claims", "--smoke", "--data-dir", str(tmp_path), "--collect-only",
                             "--report-dir", "reports")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["claims: profile=full *"])
    assert suite.runpytest("claims", "--smoke", "--profile", "full", "--data-dir", str(tmp_path), "--collect-only",
                           "--report-dir", "reports").ret == pytest.ExitCode.OK


def test_smoke_with_another_profile_is_a_usage_error(suite):
    assert usage_error(suite, "--smoke", "--profile", "cpu") == ("ERROR: --smoke runs the full profile's settings for "
                                                                 "a few steps: drop --profile cpu")


def test_smoke_needs_mnist_like_the_full_profile(suite, monkeypatch):
    monkeypatch.delenv("CLAIMS_DATA_DIR", raising=False)
    assert usage_error(suite, "--smoke").startswith("ERROR: --profile full needs full MNIST:")
