"""One pytest-xdist session (`-n 2`) of the tiny claims project in tests/claims_suite.py, the harder
case for the report: records travel from the workers to the controller, and a worker can die.

Every fault a claim can have reaches the report as that claim's error, next to complete sections for
the other claims; the page escapes everything it embeds; two workers asking for the same runs train
them once; and the metrics equal a `-n 0` session's bit for bit. One session serves every test here
because a session costs ~14 s of CPU, nearly all of it starting four Python processes.
"""
from __future__ import annotations

import json

import pytest
from filelock import FileLock

from tests.claims_suite import DET_CLAIMS, FAULT_CLAIMS, by_test, load, note, run_subprocess, write_suite

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def xdist_session(tmp_path_factory, pytestconfig):
    """The tiny project run once with `-n 2` (a worker dies and is replaced): (returncode, output, results,
    page). When these tests themselves run under xdist, the workers share that one session through a
    directory of this test run and a lock (pytest-xdist's recipe for a fixture that runs once)."""
    under_xdist = hasattr(pytestconfig, "workerinput")
    shared = tmp_path_factory.getbasetemp().parent if under_xdist else tmp_path_factory.getbasetemp()
    root = shared / "xdist_session"
    with FileLock(str(root) + ".lock"):
        if not (root / "process.json").exists():
            root.mkdir()
            write_suite(root, test_fake_det=DET_CLAIMS, test_fake_faults=FAULT_CLAIMS)
            process = run_subprocess(root, "claims", "-n", "2", "--cache-dir", str(root / "cache"), "--report-dir",
                                     str(root / "reports"), "-p", "no:hypothesispytest", "-p", "no:benchmark")
            (root / "process.json").write_text(json.dumps([process.returncode, process.stdout + process.stderr]))
    returncode, output = json.loads((root / "process.json").read_text())
    return (returncode, output, *load(root / "reports"))


def test_every_claim_reaches_the_report_with_its_verdict(xdist_session):
    returncode, output, results, _ = xdist_session
    assert returncode == 1, output[-5000:]
    outcomes = {name: (c["outcome"], c["verdict"]) for name, c in by_test(results).items()}
    assert outcomes == {
        "test_fake_det.py::test_det[mlp]": ("passed", "holds"),
        "test_fake_det.py::test_det[cnn]": ("passed", "holds"),
        "test_fake_det.py::test_det_again": ("passed", "holds"),
        "test_fake_faults.py::test_errors": ("error", "error"),
        "test_fake_faults.py::test_diverges": ("error", "error"),
        "test_fake_faults.py::test_nan_check": ("error", "error"),
        "test_fake_faults.py::test_setup_error": ("error", "error"),
        "test_fake_faults.py::test_crash": ("error", "error"),
        "test_fake_faults.py::test_html[<img src=x onerror=alert(1)>]": ("passed", "holds"),
    }


def test_an_erroring_claim_keeps_its_checks_figures_and_traceback(xdist_session):
    *_, results, page = xdist_session
    errors = by_test(results)["test_fake_faults.py::test_errors"]
    assert [c["name"] for c in errors["checks"]] == ["first check"]
    assert errors["figures"][0]["title"] == "drawn before the error" and errors["figures"][0]["file"]
    assert "ValueError: metric failed" in errors["error"]
    raised_at = next(i for i, line in enumerate(FAULT_CLAIMS.splitlines(), 1) if "raise ValueError" in line)
    assert f"claims/test_fake_faults.py:{raised_at}: ValueError" in errors["error"]  # where it was raised
    assert page.count('<pre class="error">') == 5  # one per erroring claim
    # the other claims' sections are complete: settings, seeds, checks, runs
    det = by_test(results)["test_fake_det.py::test_det[cnn]"]
    assert det["seeds"] == [0, 1, 2] and det["checks"][0]["status"] == "supports" and det["runs"][0]["seeds"] == [0, 1, 2]


def test_divergence_ends_the_claim_naming_run_step_and_settings(xdist_session):
    *_, results, _ = xdist_session
    error = by_test(results)["test_fake_faults.py::test_diverges"]["error"]
    assert "TrainingDiverged: run 'exploding sgd' diverged: train loss nan" in error
    assert "seed 3 at epoch 5 (step 5; last finite at epoch 0, step 0)" in error
    assert "lr=10000.0" in error and "optimizer=sgd" in error and "FunctionTask(name='sin'" in error


def test_a_nan_statistic_is_an_error_not_a_verdict(xdist_session):
    *_, results, _ = xdist_session
    record = by_test(results)["test_fake_faults.py::test_nan_check"]
    assert "NonFiniteStatistic: check 'loss ratio': statistic is nan" in record["error"]
    assert [c["name"] for c in record["checks"]] == ["a finite check first"]


def test_a_failing_fixture_is_reported_as_the_claims_error(xdist_session):
    *_, results, _ = xdist_session
    record = by_test(results)["test_fake_faults.py::test_setup_error"]
    assert record["claim"] == "setup_error" and "OSError: data server unreachable" in record["error"]


def test_a_worker_crash_leaves_an_error_record_and_the_other_claims(xdist_session):
    *_, results, page = xdist_session
    record = by_test(results)["test_fake_faults.py::test_crash"]
    assert record["claim"] == "test_crash" and "crashed while running" in record["error"]
    assert "crashed while running" in page


def test_the_page_escapes_ids_parameters_and_messages(xdist_session):
    *_, results, page = xdist_session
    for raw in ("<img src=x", "<script>alert", "<iframe", "<b>bold", "<i>source", "<u>detail", "<a href='javascript",
                "<b>check", "<b>id"):
        assert raw not in page, raw
    for escaped in ("&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more",
                    "&lt;iframe src=evil&gt;", "&lt;b&gt;bold&lt;/b&gt; statement", "&lt;u&gt;detail&lt;/u&gt;",
                    "&lt;a href=&#x27;javascript:alert(3)&#x27;&gt;x&lt;/a&gt;"):
        assert escaped in page, escaped
    assert by_test(results)["test_fake_faults.py::test_html[<img src=x onerror=alert(1)>]"]["settings"]["name"] == \
        "<img src=x onerror=alert(1)>"  # the JSON keeps the text as it was


def test_two_workers_asking_for_the_same_runs_train_them_once(xdist_session):
    *_, results, _ = xdist_session
    records = by_test(results)
    mlp_runs = [records[name]["runs"][0] for name in ("test_fake_det.py::test_det[mlp]", "test_fake_det.py::test_det_again")]
    assert mlp_runs[0]["key"] == mlp_runs[1]["key"]
    assert sorted(run["cached_seeds"] for run in mlp_runs) == [0, 3]


# --- determinism across -n --------------------------------------------------------------------

def test_metrics_and_random_draws_are_bit_identical_at_n0_and_n2(xdist_session, pytester):
    """One torch thread per process whatever -n (fixtures/devices.py), global generators reseeded per
    claim (fixtures/options.py) and left alone by training (harness/train.py): see docs/determinism.md."""
    *_, parallel, _ = xdist_session
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    assert pytester.runpytest("claims", "-n", "0", "--report-dir", "reports", "--cache-dir", "cache").parseoutcomes()["holds"] == 3
    single = by_test(load(pytester.path / "reports")[0])
    parallel = by_test(parallel)
    assert set(single) == {"test_fake_det.py::test_det[mlp]", "test_fake_det.py::test_det[cnn]",
                           "test_fake_det.py::test_det_again"}
    for name in single:
        for what in ("digest", "draws"):
            assert note(single[name], what) == note(parallel[name], what), (name, what)
    # Read from the cache or trained, the runs are the same bits and leave the same random state behind.
    assert note(single["test_fake_det.py::test_det_again"], "draws") == note(single["test_fake_det.py::test_det[mlp]"], "draws")
    assert single["test_fake_det.py::test_det_again"]["runs"][0]["cached_seeds"] == 3
