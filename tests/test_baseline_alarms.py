"""What a difference from the reviewed baseline means (issue 20 part 6) and what the baseline keeps (issue 22).

On the host, versions and seeds the baseline recorded a run is bit-identical, so any changed verdict is a
regression and fails. At a new seed draw or on another host a move between holds/refuted and inconclusive
is sampling (or float) noise: reported on the page and the terminal, not failed. A holds <-> refuted flip
always fails. A `-k` run's baseline update keeps every other entry's own provenance."""
import json
import sys
import textwrap
from pathlib import Path

import pytest

from reports.baseline import CHANGED, EQUAL, EXACT, MOVED, Baseline, Expectation, build_baseline, compare, \
    entry_runs, update_baseline
from tests.test_plugin import TINY_CLAIMS

pytest_plugins = ["pytester"]
REPO = Path(__file__).resolve().parents[1]
HERE = "box · Linux · Some CPU · 2 cores"
VERSIONS = {"torch": "2.14.1", "numpy": "2.4.6"}


# --- the rules, on data -------------------------------------------------------------------------------

@pytest.mark.parametrize("expected,verdict,exact,answer", [
    ("holds", "holds", True, EQUAL),
    ("holds", "inconclusive", True, CHANGED),       # same host, versions and seeds: bit-identical, so a regression
    ("inconclusive", "refuted", True, CHANGED),
    ("holds", "inconclusive", False, MOVED),        # new draw or other host: noise, reported
    ("inconclusive", "refuted", False, MOVED),
    ("refuted", "inconclusive", False, MOVED),
    ("holds", "refuted", False, CHANGED),           # a flip fails anywhere
    ("refuted", "holds", False, CHANGED),
    ("refuted", "holds", True, CHANGED),
    (None, "holds", False, EQUAL),                  # nothing to compare with
])
def test_compare(expected, verdict, exact, answer):
    assert compare(Expectation(expected, exact=exact), verdict) == answer


def results(seed_bases, verdicts, host=HERE, versions=VERSIONS, command="pytest claims"):
    """A results dict: verdicts maps (variant, seed base) -> verdict."""
    session = {"profile": "cpu", "device": "cpu", "host": host, "versions": versions, "command": command,
               "started": "2026-01-01T00:00:00+00:00", "seed_bases": list(seed_bases)}
    claims = [{"claim": "c", "variant": v, "seed_base": b, "verdict": verdict, "nodeid": f"claims/t.py::t[{v}]",
               "checks": []} for (v, b), verdict in verdicts.items()]
    return {"session": session, "claims": claims}


def test_expected_is_exact_only_on_the_recorded_host_versions_and_draw():
    document = build_baseline([results([0, 1000], {("a", 0): "holds", ("a", 1000): "holds",
                                                   ("b", 0): "holds", ("b", 1000): "refuted"})])
    baseline = Baseline(Path("x.json"), document)
    assert baseline.expected("c[a]", 0, HERE, VERSIONS) == Expectation("holds", [], True, EXACT)
    assert not baseline.expected("c[a]", 0, "elsewhere", VERSIONS).exact
    assert baseline.expected("c[a]", 0, "elsewhere", VERSIONS).why == "another host"
    assert baseline.expected("c[a]", 0, HERE, {**VERSIONS, "torch": "2.15.0"}).why == "other versions"
    new_draw = baseline.expected("c[a]", 7, HERE, VERSIONS)
    assert (new_draw.verdict, new_draw.exact, new_draw.why) == ("holds", False, "a new seed draw")
    assert baseline.expected("c[b]", 7, HERE, VERSIONS).verdict is None  # its draws disagree: nothing to hold it to
    assert baseline.expected("c[z]", 0, HERE, VERSIONS) == Expectation(None, why="not in the baseline")


def test_the_baseline_records_the_host_of_each_draw():
    document = build_baseline([results([0], {("a", 0): "holds"}),
                               results([1000], {("a", 1000): "holds"}, host="other")])
    assert {b: run["host"] for b, run in entry_runs(document, "c[a]").items()} == {"0": HERE, "1000": "other"}


def test_a_k_run_keeps_every_other_entrys_own_provenance():
    """Counter-example of the old behaviour: after a -k run the whole file's provenance was that run's."""
    full = build_baseline([results([0, 1000, 2000], {(v, b): "holds" for v in "ab" for b in (0, 1000, 2000)},
                                   command="pytest claims --seed-bases 0,1000,2000")])
    partial = build_baseline([results([0], {("b", 0): "refuted"}, command="pytest claims -k b", host="laptop")])
    merged = update_baseline(full, partial)
    a_runs, b_runs = entry_runs(merged, "c[a]"), entry_runs(merged, "c[b]")
    assert {r["command"] for r in a_runs.values()} == {"pytest claims --seed-bases 0,1000,2000"}
    assert set(a_runs) == {"0", "1000", "2000"} and a_runs["0"]["host"] == HERE
    assert set(b_runs) == {"0"} and b_runs["0"]["command"] == "pytest claims -k b" and b_runs["0"]["host"] == "laptop"
    assert merged["variants"]["c[b]"]["by_seed_base"] == {"0": "refuted"}
    assert len(merged["from"]) == 2 and merged["seed_bases"] == [0, 1000, 2000]
    # a file written before entries named their run: its one run is each kept entry's provenance
    legacy = {**full, "variants": {k: {kk: vv for kk, vv in e.items() if kk != "from"}
                                   for k, e in full["variants"].items()}}
    assert entry_runs(update_baseline(legacy, partial), "c[a]") == a_runs


# --- end to end, on the tiny claims project --------------------------------------------------------------

@pytest.fixture
def suite(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("CLAIMS_CACHE_DIR", str(pytester.path / "cache"))
    pytester.makeconftest('pytest_plugins = ["fixtures.claims", "fixtures.options", "fixtures.record", '
                          '"fixtures.report"]')
    pytester.makeini("[pytest]\nxfail_strict = true\n")
    claims = pytester.mkdir("claims")
    (claims / "test_tiny.py").write_text(textwrap.dedent(TINY_CLAIMS))
    return pytester


def run(suite, *args):
    return suite.runpytest_subprocess("claims", "-p", "no:cacheprovider", "-k", "not broken", "--report-dir",
                                      str(suite.path / "out"), *args)


def by_variant(suite) -> dict:
    data = json.loads((suite.path / "out" / "results.json").read_text())
    return {c["variant"]: c for c in data["claims"]}


def test_same_host_fails_any_change_other_host_reports_moves_a_flip_always_fails(suite):
    run(suite)  # no baseline yet: verdicts as measured (easy holds, impossible and surprise refuted, unsure inconclusive)
    expected_dir = suite.path / "claims" / "expected"
    written = suite.run(sys.executable, "-m", "reports.baseline", str(suite.path / "out" / "results.json"),
                        "--out", str(expected_dir))
    assert written.ret == 0, written.stderr.str()
    path = expected_dir / "cpu-on-cpu.json"
    document = json.loads(path.read_text())
    assert document["from"][0]["host"]  # the host is recorded
    here = document["from"][0]
    elsewhere = {**here, "host": "another host · another CPU"}
    document["from"].append(elsewhere)
    variants = document["variants"]
    variants["tiny[unsure]"]["by_seed_base"]["0"] = "holds"         # this host: inconclusive now -> regression
    variants["tiny[easy]"]["by_seed_base"]["0"] = "inconclusive"    # another host: holds now -> moved, reported
    variants["tiny[easy]"]["from"]["0"] = 1
    variants["tiny[impossible]"]["by_seed_base"]["0"] = "holds"     # another host: refuted now -> a flip fails
    variants["tiny[impossible]"]["from"]["0"] = 1
    for entry in variants.values():
        entry["verdict"] = entry["by_seed_base"]["0"]
    path.write_text(json.dumps(document))

    result = run(suite)
    records = by_variant(suite)
    assert {v: (r["outcome"], r["change"]) for v, r in records.items()} == {
        "unsure": ("failed", "changed"), "easy": ("passed", "moved"), "impossible": ("failed", "changed"),
        "surprise": ("xfailed", None)}
    assert records["unsure"]["comparison"] == EXACT and "any change is a regression" in records["unsure"]["error"]
    assert records["easy"]["comparison"] == "another host" and records["easy"]["expected"] == "inconclusive"
    assert "a flip between holds and refuted fails" in records["impossible"]["error"]
    result.stdout.fnmatch_lines(["*1 verdict(s) moved to or from inconclusive*",
                                 "*moved: tiny?easy? at seed base 0: inconclusive -> holds (another host)*"])
    page = (suite.path / "out" / "claims.html").read_text()
    assert "moved from inconclusive" in page and "Every verdict equals the reviewed baseline" not in page

    # a new seed draw: easy's recorded draw says inconclusive, the new draw holds -> moved, not failed
    result = run(suite, "--seed-base", "7", "-k", "easy")
    easy = by_variant(suite)["easy"]
    assert (easy["outcome"], easy["change"], easy["comparison"]) == ("passed", "moved", "a new seed draw")
    assert "moved from inconclusive" in (suite.path / "out" / "claims.html").read_text()
