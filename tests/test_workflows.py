""".github/workflows/: valid against GitHub's workflow schema, and each job does what its file says —
CI runs the README's test command, the pinned nightly installs constraints.txt, the latest nightly
lifts it and reports instead of failing, every job reads the repository only and installs CPU torch, and
the nightlies' merged report embeds every figure their shards drew."""
from __future__ import annotations

import base64
import glob
import hashlib
import re
import shlex
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


# --------------------------------------------------------------------------- the nightly's report


def upload(workspace: Path, search: str, artifact: Path) -> None:
    """actions/upload-artifact@v4: each line of `path` is a file or a folder; the artifact's root is the least
    common ancestor of the lines (a lone folder's contents sit at the root), files keep their place below it."""
    paths = [workspace / line.strip().rstrip("/") for line in search.splitlines() if line.strip()]
    assert not any("*" in str(p) or str(p.name).startswith("!") for p in paths), "add globs to this simulation"
    bases = [p if p.is_dir() else p.parent for p in paths]
    root = Path(*[parts[0] for parts in zip(*(b.parts for b in bases)) if len(set(parts)) == 1])
    for path in paths:
        for file in ([path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())):
            (artifact / file.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            (artifact / file.relative_to(root)).write_bytes(file.read_bytes())


def step(steps: list[dict], uses: str = "", run: str = "") -> dict:
    """The one step that uses the action `uses` (any version), or whose run script contains `run`."""
    found = [s for s in steps
             if (uses and s.get("uses", "").startswith(uses + "@")) or (run and run in s.get("run", ""))]
    assert len(found) == 1, f"expected one step {uses or run!r}, found {len(found)}"
    return found[0]


def png(text: str) -> dict:
    """A figure as the record stores it (content named by its hash; the page does not decode the image)."""
    data = b"\x89PNG\r\n\x1a\n" + text.encode()
    return {"title": text, "sha256": hashlib.sha256(data).hexdigest(), "png_base64": base64.b64encode(data).decode()}


def shard_results(group: int) -> dict:
    """What a shard's claims run passes to write_report: one claim, three variants, each drawing its own
    figure and all three the same legend, so the claim's section shows four distinct figures."""
    claims = [{"nodeid": f"claims/test_c.py::test_c{group}[v{i}]", "claim": f"c{group}", "variant": f"v{i}",
               "verdict": "holds", "outcome": "passed", "duration_s": 1.0,
               "figures": [png(f"shard {group} variant {i}"), png(f"shard {group} legend")]} for i in range(3)]
    session = {"started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:01:00+00:00", "duration_s": 60.0,
               "profile": "cpu", "device": "cpu", "workers": 2, "selected": 3}
    return {"session": session, "claims": claims}


def merged_nightly(tmp_path: Path, monkeypatch, name: str, upload_path: str | None = None) -> tuple[str, int]:
    """Run the nightly's data flow on this machine: each shard's report written where its claims step puts
    it, uploaded and downloaded as the workflow says, merged by the report job's command. Returns the page
    the report job uploads and how many figures it should show (each claim's distinct figures). `upload_path`
    replaces the shards' upload path (to show what a workflow that uploads less would publish)."""
    from reports.files import write_report
    from reports.merge import main as merge

    workflow = load(name)
    shard_steps, report_steps = workflow["jobs"]["shard"]["steps"], workflow["jobs"]["report"]["steps"]
    claims_run = step(shard_steps, run="make claims")["run"]
    shard_upload = step(shard_steps, uses="actions/upload-artifact")["with"]
    download = step(report_steps, uses="actions/download-artifact")["with"]
    assert set(download) == {"path"}, "without name/pattern/merge-multiple, each artifact lands in path/<name>/"
    merge_run = step(report_steps, run="reports.merge")["run"]
    report_upload = step(report_steps, uses="actions/upload-artifact")["with"]

    drawn: set[tuple[str, str]] = set()  # (claim, figure): a claim's section shows each of its figures once
    for group in workflow["jobs"]["shard"]["strategy"]["matrix"]["group"]:
        matrix = lambda text: text.replace("${{ matrix.group }}", str(group))  # noqa: E731
        report_dir = re.search(r'--report-dir ([^\s"]+)', matrix(claims_run)).group(1)
        results = shard_results(group)
        write_report(results, tmp_path / "shard-runner" / report_dir)
        drawn.update((c["claim"], f["sha256"]) for c in results["claims"] for f in c["figures"])
        artifact = tmp_path / "report-runner" / download["path"] / matrix(shard_upload["name"])
        upload(tmp_path / "shard-runner", matrix(upload_path or shard_upload["path"]), artifact)

    monkeypatch.chdir(tmp_path / "report-runner")
    command = shlex.split(merge_run)
    assert command[:3] == ["python", "-m", "reports.merge"], merge_run
    argv = [match for arg in command[3:] for match in (sorted(glob.glob(arg)) if "*" in arg else [arg])]
    assert merge(argv) == 0
    page = (tmp_path / "report-runner" / report_upload["path"] / "claims.html").read_text()
    return page, len(drawn)


@pytest.mark.parametrize("name", ["nightly-pinned.yml", "nightly-latest.yml"])
def test_the_nightly_report_embeds_every_figure_the_shards_drew(tmp_path, monkeypatch, name):
    page, drawn = merged_nightly(tmp_path, monkeypatch, name)
    assert drawn == 3 * 4  # three shards, one claim each, with four distinct figures
    assert page.count("<img ") == drawn and "omitted" not in page


def test_a_nightly_that_uploads_results_alone_would_publish_no_figure(tmp_path, monkeypatch, capsys):
    """The counter-example: the upload of the nightlies before the figures were kept."""
    page, drawn = merged_nightly(tmp_path, monkeypatch, "nightly-pinned.yml",
                                 upload_path="build/shard-${{ matrix.group }}/results.json")
    assert page.count("<img ") == 0 and page.count("omitted") == drawn
    assert f"warning: {drawn} figures named by the results are not in a figures/ folder" in capsys.readouterr().err
