"""Sharding: two real pytest-split shards of a claims directory, merged with `python -m reports.merge`,
give the same verdicts as one run of the whole directory."""
import json
import subprocess
import sys

from tests.test_plugin import EXPECTED, suite, verdicts  # noqa: F401  (the fixture is reused)

pytest_plugins = ["pytester"]


def test_merged_shards_match_a_single_run(suite):  # noqa: F811
    suite.runpytest_subprocess("claims", "-p", "no:cacheprovider")
    single = verdicts(suite.path)
    shard_files = []
    for group in (1, 2):
        out = suite.path / f"shard{group}"
        suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--splits", "2", "--group", str(group),
                                   "--report-dir", str(out))
        shard_files.append(out / "results.json")
    shard_claims = [json.loads(f.read_text())["claims"] for f in shard_files]
    assert all(shard_claims) and not {c["nodeid"] for c in shard_claims[0]} & {c["nodeid"] for c in shard_claims[1]}

    merged_dir = suite.path / "merged"
    done = subprocess.run([sys.executable, "-m", "reports.merge", *map(str, shard_files), "--out", str(merged_dir)],
                          capture_output=True, text=True, cwd=suite.path)
    assert done.returncode == 0, done.stderr
    merged = json.loads((merged_dir / "results.json").read_text())
    assert {c["nodeid"].split("::")[1]: (c["outcome"], c["verdict"]) for c in merged["claims"]} == single == EXPECTED
    assert len(merged["session"]["shards"]) == 2
    assert "test_tiny[easy]" in (merged_dir / "claims.html").read_text()


def test_durations_file_from_results(tmp_path):
    from reports.files import write_report
    from reports.durations import main

    results = {"session": {"started": "", "finished": "", "duration_s": 1.0, "profile": "cpu"},
               "claims": [{"nodeid": "claims/a.py::test_a[x]", "claim": "a", "verdict": "holds", "outcome": "passed",
                           "duration_s": 12.5},
                          {"nodeid": "claims/a.py::test_b", "claim": "b", "verdict": "error", "outcome": "error",
                           "duration_s": None}]}
    _, results_path = write_report(results, tmp_path)
    assert main([str(results_path), "--out", str(tmp_path / ".test_durations")]) == 0
    assert json.loads((tmp_path / ".test_durations").read_text()) == {"claims/a.py::test_a[x]": 12.5}
