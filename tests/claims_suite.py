"""A tiny claims project for end-to-end tests of the suite's plugins (imported by tests, not collected).

Its claims train configs that take well under a second, so a whole pytest session costs little more
than its imports. `det` claims record a digest of everything a run recorded and what they drew from
the global random generators after training; `faults` claims break in every way a claim can.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

# pytester's in-process runs remove, when they end, the modules the run imported; torch cannot import
# some of its modules twice (torch._dynamo, which the first optimizer imports, registers operator
# libraries), so everything a claims session imports lazily is imported here, once, beforehand.
import matplotlib.pyplot  # noqa: E402,F401
import torch._dynamo  # noqa: E402,F401

import harness.figures  # noqa: E402,F401
import harness.metrics  # noqa: E402,F401
import harness.stats  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[1]
CONFTEST = 'pytest_plugins = ["fixtures.claims", "fixtures.options", "fixtures.record", "fixtures.report"]\n'
INI = "[pytest]\nxfail_strict = true\n"

DET_CLAIMS = '''
import hashlib
import random

import numpy as np
import pytest
import torch

from fixtures import claim
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec
from harness.train import FunctionTask, TrainConfig

CONFIGS = {  # minibatches, so batch order matters; the CNN exercises oneDNN convolutions
    "mlp": TrainConfig(MLPSpec(1, (16, 16), 1, "tanh"), FunctionTask("sinc", 64), epochs=30, lr=1e-2,
                       batch_size=16, record_every=10),
    "cnn": TrainConfig(CNNSpec((4,), (8,)), DataSpec("mnist5k", 64, 64), epochs=2, lr=1e-2, batch_size=16),
}


def digest(runs):
    h = hashlib.sha256()
    for a in (runs.train_loss, runs.test_loss, runs.train_acc, runs.test_acc, runs.flat_params().cpu().numpy()):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def probe(runner, record, seed_base, config):
    runs = runner.train(config, record.seeds(3))
    record.note("digest " + digest(runs))
    record.note("draws " + repr((torch.rand(2).tolist(), np.random.rand(2).tolist(), random.random())))
    record.check("final train loss", runs.train_loss[:, -1].max(), "<", 1e3)


@claim("det", statement="a run is a function of its seed", sources=["test"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_det(name, runner, record, seed_base):
    probe(runner, record, seed_base, CONFIGS[name])


@claim("det_again", statement="the mlp runs again: read from the cache", sources=["test"])
def test_det_again(runner, record, seed_base):
    probe(runner, record, seed_base, CONFIGS["mlp"])
'''

FAULT_CLAIMS = '''
import os

import matplotlib.pyplot as plt
import pytest

from fixtures import claim
from harness.models import MLPSpec
from harness.train import FunctionTask, TrainConfig

HTML = "<img src=x onerror=alert(1)>"


@pytest.fixture
def broken_data():
    raise OSError("data server unreachable")


@claim("errors", statement="a claim that errors after one check and a figure", sources=["test"])
def test_errors(record):
    record.check("first check", 1.0, ">=", 0.5)
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    record.figure(fig, "drawn before the error")
    raise ValueError("metric failed: <script>alert('x')</script> & more")


@claim("diverges", statement="a run whose loss becomes NaN", sources=["test"])
def test_diverges(runner, record, seed_base):
    config = TrainConfig(MLPSpec(1, (8,), 1), FunctionTask("sin", 32), epochs=20, lr=1e4, optimizer="sgd",
                         record_every=5)
    runner.train(config, record.seeds(4)[3:], label="exploding sgd")
    record.check("never reached", 0.0, "<", 1.0)


@claim("nan_check", statement="a statistic that came out NaN", sources=["test"])
def test_nan_check(record):
    record.check("a finite check first", 1.0, ">=", 0.0)
    record.check("loss ratio", float("nan"), "<", 2.0)


@claim("setup_error", statement="a claim whose fixture fails", sources=["test"])
def test_setup_error(broken_data, record):
    record.check("never reached", 1.0, ">=", 0.0)


@claim("crash", statement="a claim that kills its xdist worker", sources=["test"])
def test_crash(record, request):
    record.check("before the crash", 1.0, ">=", 0.0)
    if hasattr(request.config, "workerinput"):
        os._exit(3)
    raise RuntimeError("would have killed the worker")


@claim("html <b>id</b>", statement="<b>bold</b> statement", sources=["<i>source</i>"], title=HTML)
@pytest.mark.parametrize("variant", [pytest.param({"name": HTML}, id=HTML)])
def test_html(variant, record):
    record.setting(variant, extra="<a href=\\'javascript:alert(3)\\'>x</a>")
    record.note("<iframe src=evil>")
    record.check("<b>check</b>", 1.0, ">=", 0.0, detail="<u>detail</u>")
'''


def write_suite(root: Path, **modules: str) -> Path:
    """root/conftest.py registering the real plugins, pytest.ini, and claims/<name>.py for each module."""
    (root / "conftest.py").write_text(CONFTEST)
    (root / "pytest.ini").write_text(INI)
    (root / "claims").mkdir(exist_ok=True)
    for name, source in modules.items():
        (root / "claims" / f"{name}.py").write_text(textwrap.dedent(source))
    return root


def run_subprocess(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m pytest *args` in root, importing this repository's harness and fixtures."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


def load(report_dir: Path) -> tuple[dict, str]:
    """(results.json, claims.html) written into report_dir."""
    return json.loads((report_dir / "results.json").read_text()), (report_dir / "claims.html").read_text()


def by_test(results: dict) -> dict[str, dict]:
    """Records keyed by 'module::test[id]' without the claims/ prefix."""
    return {c["nodeid"].split("/", 1)[1]: c for c in results["claims"]}


def note(record: dict, prefix: str) -> str:
    return next(n for n in record["notes"] if n.startswith(prefix))
