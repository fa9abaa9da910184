"""--smoke: every variant's full-profile settings, cut to a few steps on little data (harness.runner),
so a GPU user learns in a minute that the long run will not crash. The data here is synthetic: random
images and labels of full MNIST's shape, written as the four IDX files torchvision reads, so the real
full-MNIST path (torchvision, harness.data) runs. Its numbers are never results."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from harness import data
from harness.cache import RunCache
from harness.data import DataSpec
from harness.models import MLPSpec
from harness.runner import SMOKE_EPOCHS, SMOKE_IMAGES, SMOKE_POINTS, Runner, smoke_config
from harness.train import FunctionTask, TrainConfig
from tests.test_data import write_mnist

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.smoke


@pytest.fixture(autouse=True)
def fresh_mnist_arrays():
    data._mnist_full_arrays.cache_clear()  # lru-cached by path: each test writes its own files
    yield
    data._mnist_full_arrays.cache_clear()


def test_smoke_config_keeps_the_model_and_cuts_epochs_and_data():
    config = TrainConfig(MLPSpec(784, (500,), 10), DataSpec("mnist", n_train=55000, n_test=None), epochs=100,
                         lr=3e-3, batch_size=200, weight_decay=1e-4)
    cut = smoke_config(config, available=(60000, 10000))
    assert (cut.model, cut.lr, cut.batch_size, cut.weight_decay) == (config.model, 3e-3, 200, 1e-4)
    assert (cut.epochs, cut.data.n_train, cut.data.n_test) == (SMOKE_EPOCHS, SMOKE_IMAGES, SMOKE_IMAGES)
    assert smoke_config(config, available=(20, 10)).data.n_train == 20  # never more than the files hold
    assert smoke_config(replace(config, data=FunctionTask("sin", 1000))).data.n_points == SMOKE_POINTS
    short = TrainConfig(MLPSpec(1, (4,), 1), FunctionTask("sin", 16), epochs=1, lr=1e-2)
    assert smoke_config(short) == short  # nothing to cut


def test_a_smoke_runner_trains_the_cut_config_on_full_mnist_files(tmp_path):
    write_mnist(tmp_path, n_train=100, n_test=30)
    runner = Runner(data_dir=tmp_path, smoke=True)
    config = TrainConfig(MLPSpec(784, (8,), 10), DataSpec("mnist"), epochs=50, lr=1e-3, batch_size=32)
    runs = runner.train(config, [0, 1])
    assert runs.config.epochs == SMOKE_EPOCHS and list(runs.epochs) == [0, 1, 2]
    split = runner.split(config)  # the claim's own, uncut config sees the same data as its runs
    assert (len(split.x_train), len(split.x_test)) == (SMOKE_IMAGES, 30) and split.x_train.shape[1:] == (1, 28, 28)
    assert torch.equal(split.x_train, runner.split(runs.config).x_train)


def test_a_smoke_runner_takes_no_cache(tmp_path):
    with pytest.raises(ValueError, match="takes no cache"):
        Runner(cache=RunCache(tmp_path), smoke=True)
    Runner(cache=RunCache(tmp_path, enabled=False), smoke=True)


@pytest.mark.slow
def test_every_full_variant_runs_under_smoke(tmp_path):
    """pytest claims --smoke on synthetic full-MNIST files exits 0: every variant ran end to end."""
    write_mnist(tmp_path / "data", n_train=2 * SMOKE_IMAGES, n_test=SMOKE_IMAGES)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "CLAIMS_DATA_DIR", "CLAIMS_CACHE_DIR"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "pytest", "claims", "--smoke", "--data-dir", str(tmp_path / "data"),
                           "--report-dir", str(tmp_path / "reports"), "--cache-dir", str(tmp_path / "cache"),
                           "-p", "no:cacheprovider", "-n", "2", "-q", "-rfE"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["claims"], done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
