"""What `pip install .` puts into site-packages (only `harness`: the plugins in fixtures/ and the report
builder in reports/ are imported from the repository root, so the index's `fixtures` library keeps its
name), and the two ways to call pytest from the root: bare `pytest` runs the claims, `pytest tests`
the harness's own tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT_FOLDERS = ("harness", "fixtures", "reports", "claims", "tests", "docs")


@pytest.mark.slow
def test_the_wheel_installs_only_harness(tmp_path):
    # Built from a copy, so the build's own build/ and egg-info never touch the working tree.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "conftest.py"):
        shutil.copy(REPO / name, source / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"harness"}, sorted(top_level)
    [listed] = [n for n in names if n.endswith(".dist-info/top_level.txt")] or [None]
    if listed:
        assert zipfile.ZipFile(wheel).read(listed).decode().split() == ["harness"]
    assert "harness/__init__.py" in names and "harness/runner.py" in names


def collect(*args: str) -> list[str]:
    """Node ids that `python -m pytest --collect-only -q *args` collects from the repository root."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_bare_pytest_and_pytest_claims_pick_the_same_claim(tmp_path):
    reports = [f"--report-dir={tmp_path}"]  # --collect-only still writes a claims page: keep it out of reports/
    bare = collect("-k", "random_labels", *reports)
    assert bare == collect("claims", "-k", "random_labels", *reports)
    assert len(bare) == 4 and all(n.startswith("claims/test_c07_random_labels.py::test_random_labels[") for n in bare)


def test_pytest_tests_collects_the_harness_tests_only():
    collected = collect("tests", "-k", "test_bare_pytest_and_pytest_claims_pick_the_same_claim")
    assert collected == ["tests/test_packaging.py::test_bare_pytest_and_pytest_claims_pick_the_same_claim"]
