"""The suite's pytest plugins end to end: a tiny claims directory run in a subprocess writes the
report with the right verdicts, the same under pytest-xdist as in one process."""
import json
import sys
import textwrap
from pathlib import Path

import pytest

from reports import REPORT_DIR

pytest_plugins = ["pytester"]
REPO = Path(__file__).resolve().parents[1]

TINY_CLAIMS = '''
from dataclasses import dataclass
import pytest
from fixtures import FAITHFUL, Quote, Variant, claim, variants
from harness import figures
from harness.data import DataSpec
from harness.models import MLPSpec
from harness.train import TrainConfig

@dataclass(frozen=True)
class Tiny:
    min_acc: float      # the sentence: test accuracy >= min_acc ...
    against: float      # ... and below `against` it speaks against it

Q = Quote("test", "", "a tiny MLP learns something")
TABLE = variants(*(Variant(name, FAITHFUL, quotes=[Q], cpu=tiny, full=tiny) for name, tiny in
                   {"easy": Tiny(0.0, 0.0), "impossible": Tiny(1.5, 1.5), "surprise": Tiny(1.5, 1.5),
                    "unsure": Tiny(1.5, 0.0)}.items()))

@claim("tiny", ref="C2", statement="a tiny MLP learns something", sources=["test"], variants=TABLE)
def test_tiny(settings, runner, record):
    config = TrainConfig(model=MLPSpec(784, (4,), 10), data=DataSpec(n_train=64, n_test=32), epochs=1, lr=1e-2,
                         batch_size=32)
    runs = runner.train(config, record.seeds(2))
    record.setting(settings)
    record.figure(figures.training_curves({"tiny": runs}, [["train_loss"]]), "loss")
    record.check("final test accuracy", runs.test_acc[:, -1].min(), ">=", settings.min_acc, against=settings.against)

@claim("broken", ref="C1", statement="a claim whose run crashes", sources=["test"])
def test_broken(record):
    raise RuntimeError("boom <b>")
'''
BASELINE = {"profile": "cpu", "device": "cpu", "seed_bases": [0], "variants": {
    "tiny[easy]": {"verdict": "holds", "agree": True, "by_seed_base": {"0": "holds"}, "checks": {"0": []}},
    "tiny[impossible]": {"verdict": "refuted", "agree": True, "by_seed_base": {"0": "refuted"}, "checks": {"0": []}},
    "tiny[surprise]": {"verdict": "holds", "agree": True, "by_seed_base": {"0": "holds"},
                       "checks": {"0": [{"name": "final test accuracy", "status": "supports", "p": None}]}},
    "tiny[unsure]": {"verdict": "inconclusive", "agree": True, "by_seed_base": {"0": "inconclusive"}, "checks": {"0": []}},
}}


@pytest.fixture
def suite(pytester, monkeypatch):
    """A temporary project with the real plugins, a tiny claims directory and its baseline."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("CLAIMS_CACHE_DIR", str(pytester.path / "cache"))
    pytester.makeconftest('pytest_plugins = ["fixtures.claims", "fixtures.options", "fixtures.record", "fixtures.report"]')
    pytester.makeini("[pytest]\nxfail_strict = true\n")
    claims = pytester.mkdir("claims")
    (claims / "test_tiny.py").write_text(textwrap.dedent(TINY_CLAIMS))
    (claims / "expected").mkdir()
    (claims / "expected" / "cpu-on-cpu.json").write_text(json.dumps(BASELINE))
    return pytester


def outcomes(result) -> dict:
    """The terminal's closing counts: pytest's own outcomes and the suite's verdicts."""
    return {k: v for k, v in result.parseoutcomes().items() if k not in ("warning", "warnings", "deselected")}


def verdicts(path: Path) -> dict:
    results = json.loads((path / REPORT_DIR / "results.json").read_text())
    return {c["nodeid"].split("::")[1]: (c["outcome"], c["verdict"]) for c in results["claims"]}


EXPECTED = {
    "test_tiny[easy]": ("passed", "holds"),
    "test_tiny[impossible]": ("xfailed", "refuted"),
    "test_tiny[surprise]": ("failed", "refuted"),  # refuted although the baseline says it holds
    "test_tiny[unsure]": ("passed", "inconclusive"),
    "test_broken": ("error", "error"),
}


def test_report_has_every_claim_with_its_verdict(suite):
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider")
    assert outcomes(result) == {"failed": 2, "holds": 1, "refuted": 1, "inconclusive": 1}  # the verdicts are counted
    assert verdicts(suite.path) == EXPECTED
    results = json.loads((suite.path / REPORT_DIR / "results.json").read_text())
    easy = next(c for c in results["claims"] if c["nodeid"].endswith("[easy]"))
    assert easy["seeds"] == [0, 1] and easy["runs"][0]["seeds"] == [0, 1]
    assert easy["figures"][0]["file"] == f"figures/{easy['figures'][0]['sha256']}.png"
    assert "png_base64" not in json.dumps(results)  # figures live beside results.json, once each
    assert (suite.path / REPORT_DIR / easy["figures"][0]["file"]).is_file()
    assert easy["checks"][0]["status"] == "supports" and easy["settings"] == {"min_acc": 0.0, "against": 0.0}
    surprise = next(c for c in results["claims"] if c["nodeid"].endswith("[surprise]"))
    assert surprise["expected"] == "holds" and "the baseline says holds, this run says refuted" in surprise["error"]
    assert "final test accuracy: supports → against" in surprise["error"]  # the statistics that moved
    broken = next(c for c in results["claims"] if c["claim"] == "broken")
    assert "boom" in broken["error"]
    page = (suite.path / REPORT_DIR / "claims.html").read_text()
    assert "boom &lt;b&gt;" in page and "boom <b>" not in page
    assert page.count("data:image/png;base64,") == 1  # four variants drew figures: one distinct figure embedded once
    assert page.index('data-claim="broken"') < page.index('data-claim="tiny"')  # C1 before C2


def test_without_a_baseline_verdicts_are_shown_without_alarms(suite):
    (suite.path / "claims" / "expected" / "cpu-on-cpu.json").unlink()
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "-k", "not broken")
    assert outcomes(result) == {"holds": 1, "refuted": 2, "inconclusive": 1}  # surprise: refuted as measured, no alarm
    result.stdout.fnmatch_lines(["*no baseline for this profile and device: verdicts not compared*"])
    assert "No baseline for profile cpu on cpu" in (suite.path / REPORT_DIR / "claims.html").read_text()


def test_collect_only_leaves_the_last_report_byte_identical(suite):
    suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "-k", "easy")
    before = {p.name: p.read_bytes() for p in (suite.path / REPORT_DIR).iterdir() if p.is_file()}
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--collect-only")
    result.stdout.fnmatch_lines(["*claims report not written: no claim ran*"])
    assert {p.name: p.read_bytes() for p in (suite.path / REPORT_DIR).iterdir() if p.is_file()} == before


def test_seed_bases_run_every_claim_at_each_and_the_baseline_is_written_from_them(suite):
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "-k", "easy or unsure", "--seed-bases", "0,7")
    assert outcomes(result) == {"holds": 2, "inconclusive": 2}
    results = json.loads((suite.path / REPORT_DIR / "results.json").read_text())
    assert sorted((c["variant"], c["seed_base"], c["seeds"][0]) for c in results["claims"]) == [
        ("easy", 0, 0), ("easy", 7, 7), ("unsure", 0, 0), ("unsure", 7, 7)]
    page = (suite.path / REPORT_DIR / "claims.html").read_text()
    assert "seeds from 7" in page and "<th>agree</th>" in page
    out = suite.path / "expected"
    subprocess = suite.run(sys.executable, "-m", "reports.baseline", str(REPORT_DIR / "results.json"), "--out", str(out))
    assert subprocess.ret == 0, subprocess.stderr.str()
    written = json.loads((out / "cpu-on-cpu.json").read_text())
    assert written["seed_bases"] == [0, 7]
    assert written["variants"]["tiny[easy]"] == {**written["variants"]["tiny[easy]"], "verdict": "holds",
                                                 "by_seed_base": {"0": "holds", "7": "holds"}, "agree": True}


def test_xdist_gives_the_same_report(suite):
    suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--no-cache")
    single = json.loads((suite.path / REPORT_DIR / "results.json").read_text())
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--no-cache", "-n", "2")
    assert outcomes(result) == {"failed": 2, "holds": 1, "refuted": 1, "inconclusive": 1}
    double = json.loads((suite.path / REPORT_DIR / "results.json").read_text())
    assert verdicts(suite.path) == EXPECTED
    strip = lambda r: [{k: c[k] for k in ("nodeid", "verdict", "checks", "seeds")} for c in r["claims"]]  # noqa: E731
    assert strip(single) == strip(double)
    assert {c["worker"] for c in double["claims"]} <= {"gw0", "gw1"}


def test_tests_directory_writes_no_report(suite):
    suite.makepyfile(test_plain="def test_ok():\n    assert True\n")
    suite.runpytest_subprocess("test_plain.py", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not (suite.path / REPORT_DIR).exists()


def test_seed_base_redraws_every_seed(suite):
    suite.runpytest_subprocess("claims", "-k", "easy", "--seed-base", "40", "-p", "no:cacheprovider")
    results = json.loads((suite.path / REPORT_DIR / "results.json").read_text())
    assert results["claims"][0]["seeds"] == [40, 41] and results["session"]["seed_base"] == 40
