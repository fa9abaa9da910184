""".github/workflows/: valid against GitHub's workflow schema, and each job does what its file says —
CI runs the README's test command, the pinned nightly installs constraints.txt, the latest nightly
lifts it and reports instead of failing, every job reads the repository only and installs CPU torch."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
CPU_TORCH = "TORCH_INDEX=https://download.pytorch.org/whl/cpu"


def load(name: str) -> dict:
    yaml = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml comes with check-jsonschema: pip install -e '.[dev]'")
    return yaml.YAML(typ="safe").load((REPO / ".github" / "workflows" / name).read_text())


def runs(workflow: dict) -> list[str]:
    """Every `run:` script of every job, in order."""
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_workflows_match_githubs_schema():
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed: pip install -e '.[dev]' "
                                                   "(make test installs it)")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_three_workflows_exist_and_read_the_repository_only():
    assert [w.name for w in WORKFLOWS] == ["ci.yml", "nightly-latest.yml", "nightly-pinned.yml"]
    for path in WORKFLOWS:
        assert load(path.name)["permissions"] == {"contents": "read"}, path.name


def test_ci_runs_the_readme_test_command_on_push_and_pull_request():
    workflow = load("ci.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])  # ruamel reads YAML 1.2, where `on` is a plain key
    assert runs(workflow) == [f"make test {CPU_TORCH}"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
    assert "make test " in (REPO / "README.md").read_text()


def test_the_pinned_nightly_installs_the_lock_and_fails_on_a_verdict_change():
    workflow = load("nightly-pinned.yml")
    claims = [r for r in runs(workflow) if r.startswith("make claims")]
    assert len(claims) == 1 and CPU_TORCH in claims[0] and "CONSTRAINTS=" not in claims[0]
    assert not any(step.get("continue-on-error") for job in workflow["jobs"].values() for step in job["steps"])


def test_the_latest_nightly_lifts_the_lock_and_reports_instead_of_failing():
    workflow = load("nightly-latest.yml")
    steps = workflow["jobs"]["shard"]["steps"]
    claims = [s for s in steps if s.get("run", "").startswith("make claims")]
    assert len(claims) == 1 and "CONSTRAINTS= " in claims[0]["run"] and CPU_TORCH in claims[0]["run"]
    assert claims[0]["continue-on-error"] is True
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") and "constraints.txt" in s["run"] for s in steps)
