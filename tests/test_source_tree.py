"""Output stays out of the source: `make claims` in a git checkout leaves `git status` clean. Run on a copy of
the repository's .gitignore, conftest.py and Makefile around a tiny claims directory whose claim trains (the
run cache), draws a figure and writes the report, through the Makefile's own `claims` recipe."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reports import REPORT_DIR
from tests.claims_suite import INI, REPO

DRAWING_CLAIM = '''
import matplotlib.pyplot as plt

from fixtures import claim
from harness.models import MLPSpec
from harness.train import FunctionTask, TrainConfig


@claim("drawn", statement="a claim that trains, draws and checks", sources=["test"])
def test_drawn(runner, record):
    runs = runner.train(TrainConfig(MLPSpec(1, (4,), 1), FunctionTask("sin", 16), epochs=2, lr=1e-2), record.seeds(1))
    fig, ax = plt.subplots()
    ax.plot(runs.train_loss[0])
    record.figure(fig, "training loss")
    record.check("final train loss is finite", float(runs.train_loss[0, -1]), "<", 1e9)
'''


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git")
def test_make_claims_leaves_git_status_clean(tmp_path):
    for name in (".gitignore", "conftest.py", "Makefile"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "test_drawn.py").write_text(DRAWING_CLAIM)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "a tiny claims project")

    # The recipe as written, with this interpreter for the venv's (-o: do not build .venv here).
    unset = ("CLAIMS_CACHE_DIR", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")  # the run cache goes to its default
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    done = subprocess.run(["make", "-o", ".venv/installed", "claims", f"PY={sys.executable}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = tmp_path / REPORT_DIR
    assert (report / "claims.html").is_file() and (report / "results.json").is_file()
    assert list((report / "figures").glob("*.png")) and list((tmp_path / ".cache" / "claims").iterdir())
    assert git(tmp_path, "status", "--porcelain", "--untracked-files=all") == ""


def test_no_generated_file_is_committed():
    """The report's figures were once committed under reports/figures/: nothing a run writes is tracked."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = git(REPO, "ls-files", "--", "*.png", "*.html", "results.json", "build", ".cache").split()
    assert tracked == []
