"""The suite's pytest plugins end to end: a tiny claims directory run in a subprocess writes the
report with the right verdicts, the same under pytest-xdist as in one process."""
import json
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
REPO = Path(__file__).resolve().parents[1]

TINY_CLAIMS = '''
from dataclasses import dataclass
import pytest
from fixtures import claim, variants
from harness import figures
from harness.data import DataSpec
from harness.models import MLPSpec
from harness.train import TrainConfig

@dataclass(frozen=True)
class Tiny:
    min_acc: float

TABLE = {"easy": Tiny(0.0), "impossible": Tiny(1.5), "surprise": Tiny(1.5)}
REFUTED = {"impossible": "measured accuracy < 1.5 (it is a probability)"}

@claim("tiny", statement="a tiny MLP learns something", sources=["test"])
@pytest.mark.parametrize("variant", variants(TABLE, REFUTED))
def test_tiny(variant, runner, record, seed_base):
    config = TrainConfig(model=MLPSpec(784, (4,), 10), data=DataSpec(n_train=64, n_test=32), epochs=1, lr=1e-2,
                         batch_size=32)
    runs = runner.train(config, record.use_seeds([seed_base, seed_base + 1]))
    record.setting(variant)
    record.figure(figures.training_curves({"tiny": runs}, [["train_loss"]]), "loss")
    record.check("final test accuracy", runs.test_acc[:, -1].min(), ">=", variant.min_acc)

@claim("broken", statement="a claim whose run crashes", sources=["test"])
def test_broken(record):
    raise RuntimeError("boom <b>")
'''


@pytest.fixture
def suite(pytester, monkeypatch):
    """A temporary project with the real plugins and a tiny claims directory."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("CLAIMS_CACHE_DIR", str(pytester.path / "cache"))
    pytester.makeconftest('pytest_plugins = ["fixtures.options", "fixtures.record", "fixtures.report"]')
    pytester.makeini("[pytest]\nxfail_strict = true\nmarkers =\n    claim: a claim\n")
    claims = pytester.mkdir("claims")
    (claims / "test_tiny.py").write_text(textwrap.dedent(TINY_CLAIMS))
    return pytester


def verdicts(path: Path) -> dict:
    results = json.loads((path / "reports" / "results.json").read_text())
    return {c["nodeid"].split("::")[1]: (c["outcome"], c["verdict"]) for c in results["claims"]}


EXPECTED = {
    "test_tiny[easy]": ("passed", "holds"),
    "test_tiny[impossible]": ("xfailed", "refuted"),
    "test_tiny[surprise]": ("failed", "refuted"),  # refuted although expected to hold
    "test_broken": ("error", "error"),
}


def test_report_has_every_claim_with_its_verdict(suite):
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, failed=2)
    assert verdicts(suite.path) == EXPECTED
    results = json.loads((suite.path / "reports" / "results.json").read_text())
    easy = next(c for c in results["claims"] if c["nodeid"].endswith("[easy]"))
    assert easy["seeds"] == [0, 1] and easy["figures"][0]["png_base64"] and easy["runs"][0]["seeds"] == [0, 1]
    assert easy["checks"][0]["passed"] is True and easy["settings"] == {"min_acc": 0.0}
    broken = next(c for c in results["claims"] if c["claim"] == "broken")
    assert "boom" in broken["error"]
    page = (suite.path / "reports" / "claims.html").read_text()
    assert "boom &lt;b&gt;" in page and "boom <b>" not in page
    assert "data:image/png;base64," in page


def test_xdist_gives_the_same_report(suite):
    suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--no-cache")
    single = json.loads((suite.path / "reports" / "results.json").read_text())
    result = suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "--no-cache", "-n", "2")
    result.assert_outcomes(passed=1, xfailed=1, failed=2)
    double = json.loads((suite.path / "reports" / "results.json").read_text())
    assert verdicts(suite.path) == EXPECTED
    strip = lambda r: [{k: c[k] for k in ("nodeid", "verdict", "checks", "seeds")} for c in r["claims"]]  # noqa: E731
    assert strip(single) == strip(double)
    assert {c["worker"] for c in double["claims"]} <= {"gw0", "gw1"}


def test_tests_directory_writes_no_report(suite):
    suite.makepyfile(test_plain="def test_ok():\n    assert True\n")
    suite.runpytest_subprocess("test_plain.py", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not (suite.path / "reports").exists()


def test_seed_base_redraws_every_seed(suite):
    suite.runpytest_subprocess("claims", "-k", "easy", "--seed-base", "40", "-p", "no:cacheprovider")
    results = json.loads((suite.path / "reports" / "results.json").read_text())
    assert results["claims"][0]["seeds"] == [40, 41] and results["session"]["seed_base"] == 40
