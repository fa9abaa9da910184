"""The report builder (reports/): HTML page, results.json, shard merging. Fast, no torch."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reports import load_results, merge_results, render_html, verdict_counts, write_report
from harness.results import read_results
from harness.results import json_safe as sanitize
from reports.page import count_line, valid_base64

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# A valid 1x1 PNG.
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

_OUTCOME = {  # (expected, verdict) -> outcome
    ("holds", "holds"): "passed",
    ("holds", "refuted"): "failed",
    ("refuted", "refuted"): "xfailed",
    ("refuted", "holds"): "failed",
}
PNG_SHA = "a" * 64


# --------------------------------------------------------------------------- fakes


def make_record(claim="random_labels", variant="fits-000", *, verdict="holds", expected=None, **overrides):
    """A plausible record as the pytest plugin writes it."""
    expected = expected or ("refuted" if verdict == "refuted" else "holds")
    outcome = _OUTCOME.get((expected, verdict), {"error": "error", "skipped": "skipped"}.get(verdict, "passed"))
    fname = f"claims/test_{claim}.py"
    nodeid = f"{fname}::test_{claim}" + (f"[{variant}]" if variant else "")
    rec = {
        "nodeid": nodeid,
        "claim": claim,
        "variant": variant,
        "title": f"Title of {claim}",
        "statement": f"Statement of {claim}: train accuracy near 100%",
        "sources": ["000 \u00a71", "003 \u00a73.1"],
        "settings": {"n_train": 1000, "epochs": 60, "lr": 0.003, "width": [128, 64]},
        "profile": "cpu",
        "device": "cpu",
        "worker": "master",
        "seeds": [0, 1, 2, 3, 4],
        "verdict_reason": "all 1 checks support the sentence" if verdict == "holds" else "a reason",
        "checks": [
            {
                "name": "final train accuracy (min over seeds)",
                "kind": "test", "method": "sign test", "direction": "x > y (paired)", "n": 5,
                "statistic": "x > y in 5 of 5 pairs", "p": 0.03125, "p_holm": 0.03125, "p_opposite": 1.0,
                "p_opposite_holm": 1.0, "min_p": 0.03125,
                "effect": {"name": "median difference", "estimate": 0.5, "low": 0.1, "high": 0.9},
                "status": "supports" if verdict == "holds" else "against", "why": "p = 0.031",
                "seeds_needed": None, "requires": [], "detail": "n=5 seeds",
            }
        ],
        "figures": [{"title": "Loss and accuracy vs epoch", "sha256": PNG_SHA, "png_base64": PNG_B64}],
        "runs": [{"label": "mlp 784-128-10", "key": "ab12cd34ef56ab12cd34", "seeds": [0, 1, 2], "cached": False, "seconds": 12.1}],
        "outcome": outcome,
        "verdict": verdict,
        "expected": expected,
        "ref": "C7",
        "seed_base": 0,
        "error": "Traceback ...\nRuntimeError: boom" if verdict == "error" else None,
        "duration_s": 12.3,
        "started": "2025-01-01T10:00:00+00:00",
    }
    rec.update(overrides)
    return rec


def make_session(**overrides):
    session = {
        "started": "2025-01-01T10:00:00+00:00",
        "finished": "2025-01-01T10:05:00+00:00",
        "duration_s": 300.0,
        "profile": "cpu",
        "command": "pytest claims -n 2",
        "host": "box",
        "device": "cpu",
        "workers": 2,
        "versions": {"python": "3.11.7", "torch": "2.14.1", "numpy": "2.1.0", "harness": "0.1.0"},
        "seed_base": 1234,
        "selected": 3,
    }
    session.update(overrides)
    return session


def make_results(records=None, **session_overrides):
    if records is None:
        records = [
            make_record("random_labels", "fits-000"),
            make_record("double_descent", "", verdict="refuted"),
            make_record("lottery_ticket", "mnist", verdict="error"),
        ]
    return {"session": make_session(**session_overrides), "claims": records}


def strict_json(text):
    """json.loads that refuses NaN / Infinity."""

    def bad(const):
        raise ValueError(f"non-standard JSON constant {const}")

    return json.loads(text, parse_constant=bad)


# --------------------------------------------------------------------------- page


def test_page_lists_every_claim_and_verdict():
    results = make_results()
    page = render_html(results)
    assert page.startswith("<!DOCTYPE html>")
    assert "Deep-learning claims \u2014 verification report" in page
    for rec in results["claims"]:
        assert rec["claim"] in page
        assert f'class="badge b-{rec["verdict"]}">{rec["verdict"]}<' in page
    for fact in ("pytest claims -n 2", "2.14.1", "1234", "cpu"):
        assert fact in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "1 holds \u00b7 1 refuted \u00b7 1 error (3 variant runs)" in text
    assert count_line(results) == "1 holds \u00b7 1 refuted \u00b7 1 error (3 total)"
    # summary links resolve to section anchors
    hrefs = re.findall(r'href="#([^"]+)"', page)
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert hrefs and set(hrefs) <= ids
    assert len(re.findall(r'<section class="claim"', page)) == 3


def test_page_is_self_contained():
    page = render_html(make_results())
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<style>" in page and "@media print" in page


def test_record_details_rendered():
    page = render_html(make_results())
    assert "n_train" in page and "1000" in page  # settings
    assert "0\u20134 (5 seeds)" in page  # seeds
    assert "final train accuracy (min over seeds)" in page and "x &gt; y (paired)" in page  # checks, escaped
    assert "median difference 0.5 [0.1, 0.9]" in page  # effect with interval
    assert "ab12cd34ef56" in page and "mlp 784-128-10" in page  # runs
    assert '<pre class="error">Traceback ...\nRuntimeError: boom</pre>' in page
    assert "<details><summary>Provenance" in page  # settings and runs collapsed
    assert "000 \u00a71; 003 \u00a73.1" in page  # sources


@pytest.mark.parametrize("outcome,verdict,expected", [("failed", "refuted", "holds"), ("failed", "holds", "refuted")])
def test_changed_verdict_marked(outcome, verdict, expected):
    rec = make_record(verdict=verdict, expected=expected, outcome=outcome)
    page = render_html(make_results([rec]))
    assert f"CHANGED from {expected}" in page
    assert 'class="surprise"' in page
    assert verdict_counts([rec])["unexpected"] == 1


def test_expected_outcomes_not_marked_unexpected():
    page = render_html(make_results(baseline="claims/expected/cpu-on-cpu.json"))
    assert "CHANGED" not in page
    assert "Every verdict equals the reviewed baseline" not in page  # there is an error
    page = render_html(make_results([make_record(), make_record("double_descent", "", verdict="refuted")],
                                    baseline="claims/expected/cpu-on-cpu.json"))
    assert "CHANGED" not in page
    assert "Every verdict equals the reviewed baseline" in page
    assert "No baseline" in render_html(make_results())


def test_banner_names_every_variant_without_an_expected_verdict():
    """Counter-example of the old banner: a variant the baseline does not list was never compared, yet the page
    said "Every verdict equals the reviewed baseline"."""
    listed = make_record()
    new = make_record("random_labels", "new_one-003", expected=None, comparison="not in the baseline")
    new["expected"] = None
    page = render_html(make_results([listed, new], baseline="claims/expected/cpu-on-cpu.json"))
    assert "Every verdict equals the reviewed baseline" not in page
    assert "1 variant run had no expected verdict" in page and "random_labels[new_one-003] (not in the baseline)" in page


def test_banner_reports_moves_from_a_new_seed_draw_without_failing_them():
    moved = make_record(verdict="inconclusive", expected="holds", outcome="passed", change="moved",
                        comparison="a new seed draw", seed_base=7000)
    page = render_html(make_results([make_record(), moved], baseline="claims/expected/cpu-on-cpu.json"))
    assert "1 verdict moved to or from inconclusive" in page and "holds \u2192 inconclusive (a new seed draw)" in page
    assert "moved from holds" in page and "CHANGED" not in page
    assert "Every verdict equals the reviewed baseline" not in page


def test_untrusted_strings_are_escaped_everywhere():
    rec = make_record(
        XSS,
        XSS,
        title=XSS,
        statement=XSS,
        sources=[XSS],
        settings={XSS: XSS, "ok": 1},
        seeds=[XSS],
        checks=[{"name": XSS, "statistic": XSS, "method": XSS, "direction": XSS, "status": XSS, "why": XSS,
                 "effect": {"name": XSS, "estimate": XSS}, "detail": XSS}],
        runs=[{"label": XSS, "key": XSS, "seeds": [XSS], "cached": XSS, "seconds": XSS}],
        figures=[{"title": XSS, "sha256": XSS, "png_base64": PNG_B64}],
        outcome=XSS,
        verdict=XSS,
        expected=XSS,
        verdict_reason=XSS,
        ref=XSS,
        error=XSS,
        started=XSS,
        worker=XSS,
        nodeid=XSS,
    )
    results = make_results([rec], command=XSS, host=XSS, versions={XSS: XSS}, profile=XSS, **{XSS: XSS})
    page = render_html(results)
    assert XSS not in page
    assert "<script" not in page
    assert "alert(1)</script>" not in page
    assert XSS_ESCAPED in page
    assert page.count(XSS_ESCAPED) >= 20


def test_attribute_injection_in_figure_data_is_refused():
    rec = make_record(figures=[{"title": "x", "sha256": PNG_SHA, "png_base64": 'AAAA" onerror="alert(1)'}])
    page = render_html(make_results([rec]))
    assert "onerror" not in page
    assert "not valid PNG data" in page


def test_empty_claims_say_no_claims_ran():
    page = render_html(make_results([], selected=0))
    assert "No claims ran" in page
    assert '<table id="summary"' not in page
    assert "<section" not in page
    assert count_line({"session": {}, "claims": []}) == "No claims ran"


def test_figure_embedded_as_data_uri():
    page = render_html(make_results([make_record()]))
    assert f'<img class="figure" src="data:image/png;base64,{PNG_B64}"' in page
    assert "<figcaption>Loss and accuracy vs epoch<br>" in page
    assert "max-width:100%" in page


@pytest.mark.parametrize("bad", ["not base64!!", "", None, "AAA", "QUJD\u00e9", 12])
def test_invalid_base64_figure_dropped_with_note(bad):
    rec = make_record(figures=[{"title": "Broken figure", "sha256": "b" * 64, "png_base64": bad},
                               {"title": "Good one", "sha256": PNG_SHA, "png_base64": PNG_B64}])
    page = render_html(make_results([rec]))
    assert page.count("data:image/png;base64,") == 1
    assert "Broken figure" in page and "omitted" in page and "not valid PNG data" in page
    assert f"data:image/png;base64,{PNG_B64}" in page


def test_valid_base64_accepts_wrapped_lines():
    assert valid_base64(PNG_B64[:40] + "\n" + PNG_B64[40:])
    assert not valid_base64("====")


def test_merge_version_mismatch_warns_on_page():
    a = make_results([make_record("a", "1")])
    b = make_results([make_record("b", "1")], versions={"python": "3.11.7", "torch": "2.13.0", "numpy": "2.1.0"})
    merged = merge_results([a, b])
    assert merged["session"]["versions"]["torch"] == {"2.14.1": [0], "2.13.0": [1]}
    assert merged["session"]["versions"]["python"] == "3.11.7"
    page = render_html(merged)
    assert "different torch versions" in page
    assert "Merged from 2 shards" in page


# --------------------------------------------------------------------------- files


def test_nonfinite_numbers_give_valid_json(tmp_path):
    rec = make_record(
        settings={"lr": float("nan"), "clip": float("inf"), "floor": float("-inf"), "ok": 0.5},
        checks=[{"name": "ratio", "statistic": "nan", "value": float("nan"), "p": float("inf")}],
        duration_s=float("inf"),
    )
    results = make_results([rec], duration_s=float("nan"))
    html_path, json_path = write_report(results, tmp_path / "out")
    data = strict_json(json_path.read_text(encoding="utf-8"))
    settings = data["claims"][0]["settings"]
    assert settings == {"lr": "nan", "clip": "inf", "floor": "-inf", "ok": 0.5}
    assert data["claims"][0]["checks"][0]["value"] == "nan"
    assert data["session"]["duration_s"] == "nan"
    assert html_path.read_text(encoding="utf-8").count("<section") == 1
    # input left untouched
    assert math.isnan(results["claims"][0]["settings"]["lr"])


def test_sanitize_handles_tuples_and_keys():
    assert sanitize({1: (1.0, float("nan")), "s": {2}}) == {"1": [1.0, "nan"], "s": [2]}


def test_write_report_atomic_and_clean(tmp_path):
    out = tmp_path / "deep" / "out"
    results = make_results()
    html_path, json_path = write_report(results, out)
    assert (html_path, json_path) == (out / "claims.html", out / "results.json")
    assert sorted(p.name for p in out.iterdir()) == ["claims.html", "figures", "results.json"]
    assert [p.name for p in (out / "figures").iterdir()] == [f"{PNG_SHA}.png"]  # each figure once, by hash
    # overwrite in place, still no leftovers
    write_report(make_results([]), out)
    assert sorted(p.name for p in out.iterdir()) == ["claims.html", "figures", "results.json"]
    assert not list((out / "figures").iterdir())  # the old report's figures went with it
    assert not [p for p in out.rglob(".*.tmp")]
    assert "No claims ran" in html_path.read_text(encoding="utf-8")
    assert load_results(json_path)["claims"] == []


def test_write_then_load_round_trip(tmp_path):
    results = make_results()
    _, json_path = write_report(results, tmp_path)
    loaded = load_results(json_path)
    for rec in results["claims"]:  # image data moves out of results.json into figures/<sha256>.png
        for fig in rec["figures"]:
            fig["file"] = f"figures/{fig.pop('png_base64') and fig['sha256']}.png"
    assert loaded == read_results(results).to_json()  # the schema's fields, each record's own values kept
    assert all(loaded["claims"][i][k] == v for i, rec in enumerate(results["claims"]) for k, v in rec.items())
    assert all(loaded["session"][k] == v for k, v in results["session"].items())
    html_again, _ = write_report(loaded, tmp_path / "again")  # a rebuild reads no image: the note says so
    assert "omitted" in html_again.read_text()
    html_from_dir, _ = write_report(loaded, tmp_path)  # beside its figures/ it embeds them
    assert f"data:image/png;base64,{PNG_B64}" in html_from_dir.read_text()
    assert json_path.read_text(encoding="utf-8").startswith('{\n "session"')  # indent=1


@pytest.mark.parametrize(
    "content",
    ['{"foo": 1}', '{"claims": []}', '{"session": {}}', "[1, 2]", "not json", '{"session": [], "claims": []}'],
)
def test_load_results_rejects_non_results(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="not a results file"):
        load_results(path)


# --------------------------------------------------------------------------- merge


def _shards():
    a = make_results(
        [make_record("zeta", "1"), make_record("alpha", "1", verdict="refuted")],
        started="2025-01-01T10:00:00+00:00", finished="2025-01-01T10:10:00+00:00", duration_s=600.0,
        workers=2, host="a",
    )
    b = make_results(
        [make_record("mid", "1", verdict="error"), make_record("alpha", "2"),
         make_record("beta", "x", verdict="holds", expected="refuted", outcome="xpassed")],
        started="2025-01-01T09:55:00+00:00", finished="2025-01-01T10:07:00+00:00", duration_s=720.0,
        workers=4, host="b",
    )
    return a, b


def test_merge_counts_equal_union():
    a, b = _shards()
    merged = merge_results([a, b])
    union = a["claims"] + b["claims"]
    assert verdict_counts(merged) == verdict_counts(union)
    assert verdict_counts(merged)["total"] == 5
    nodeids = [r["nodeid"] for r in merged["claims"]]
    assert nodeids == sorted(nodeids)
    s = merged["session"]
    assert s["started"] == "2025-01-01T09:55:00+00:00"
    assert s["finished"] == "2025-01-01T10:10:00+00:00"
    assert s["duration_s"] == 900.0
    assert s["workers"] == 6
    assert s["selected"] == 6
    assert [sh["host"] for sh in s["shards"]] == ["a", "b"]
    # merging a merged file with a third shard flattens the shard list
    c = make_results([make_record("omega", "1")], host="c")
    again = merge_results([merged, c])
    assert [sh["host"] for sh in again["session"]["shards"]] == ["a", "b", "c"]
    assert verdict_counts(again)["total"] == 6
    # inputs untouched
    assert [r["claim"] for r in a["claims"]] == ["zeta", "alpha"]


def test_merge_rejects_duplicate_nodeids():
    a, b = _shards()
    dup = make_results([make_record("zeta", "1")])
    with pytest.raises(ValueError, match=re.escape("claims/test_zeta.py::test_zeta[1]")):
        merge_results([a, b, dup])
    with pytest.raises(ValueError):
        merge_results([])


def test_merge_cli_round_trip(tmp_path):
    a, b = _shards()
    pa, pb = tmp_path / "s1" / "results.json", tmp_path / "s2" / "results.json"
    write_report(a, pa.parent)
    write_report(b, pb.parent)
    out = tmp_path / "merged"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "reports.merge", str(pa), str(pb), "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert str(out / "claims.html") in proc.stdout and str(out / "results.json") in proc.stdout
    assert "holds=3" in proc.stdout and "refuted=1" in proc.stdout and "error=1" in proc.stdout
    assert "1 CHANGED from the baseline" in proc.stdout
    merged = load_results(out / "results.json")
    assert verdict_counts(merged) == verdict_counts(a["claims"] + b["claims"])
    page = (out / "claims.html").read_text(encoding="utf-8")
    for claim in ("zeta", "alpha", "mid", "beta"):
        assert f">{claim}<" in page
    assert "CHANGED from" in page
    assert f"data:image/png;base64,{PNG_B64}" in page  # figures came from each shard's figures/ folder

    missing = subprocess.run(
        [sys.executable, "-m", "reports.merge", str(pa), str(tmp_path / "nope.json"), "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert missing.returncode == 2
    assert "nope.json" in missing.stderr and "Traceback" not in missing.stderr

    dup = subprocess.run(
        [sys.executable, "-m", "reports.merge", str(pa), str(pa), "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert dup.returncode == 2
    assert "duplicate nodeid" in dup.stderr


def test_reports_package_is_stdlib_only():
    code = (
        "import sys, reports, reports.files, reports.merge; "
        "bad = sorted(m for m in ('torch', 'pytest', 'numpy', 'matplotlib') if m in sys.modules); "
        "assert not bad, bad"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- property

try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a declared dependency
    given = None

if given is not None:

    @settings(max_examples=60, deadline=None)
    @given(text=st.text(alphabet=st.sampled_from(list("<>&\"'abc/ =\u2014\n")), max_size=30))
    def test_any_text_is_escaped(text):
        rec = make_record(text or "c", text, statement=text, error=text or None, settings={text: text})
        page = render_html(make_results([rec], command=text))
        # With every piece of untrusted text escaped, the only tags are the builder's own.
        tags = set(re.findall(r"<(/?[a-zA-Z0-9!]+)", page))
        allowed = {
            "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "style", "/style", "body",
            "/body", "h1", "/h1", "h2", "/h2", "h3", "/h3", "table", "/table", "tr", "/tr", "th", "/th", "td",
            "/td", "div", "/div", "p", "/p", "span", "/span", "a", "/a", "b", "/b", "section", "/section",
            "pre", "/pre", "figure", "/figure", "img", "figcaption", "/figcaption", "code", "/code",
            "h4", "/h4", "details", "/details", "summary", "/summary", "br", "ul", "/ul", "li", "/li",
        }
        assert tags <= allowed, tags - allowed


def test_summary_shows_each_claims_cpu_time_cached_runs_and_the_costliest():
    cheap = make_record("random_labels", "a", cpu_s=5.0,
                        runs=[{"label": "r", "key": "k1", "seeds": [0], "cached": True, "seconds": 0.1}])
    costly = make_record("param_count", "b", cpu_s=95.0,
                         runs=[{"label": "r", "key": "k2", "seeds": [0], "cached": False, "seconds": 90.0},
                               {"label": "s", "key": "k3", "seeds": [0], "cached": True, "seconds": 0.2}])
    page = render_html(make_results([cheap, costly]))
    rows = dict(re.findall(r'<tr data-claim="([^"]+)"[^>]*>(.*?)</tr>', page))
    assert "1/1" in rows["random_labels"] and "1/2" in rows["param_count"]
    assert 'costliest' in rows["param_count"] and 'costliest' not in rows["random_labels"]


def test_variant_shows_its_budget_gates_and_the_seeds_that_would_decide_it():
    rec = make_record(verdict="inconclusive", expected="inconclusive")
    rec["checks"][0].update(seeds_needed=23, requires=[
        {"label": "4 hidden layers: loss converged", "met": False, "detail": "fell 12% over the last 20% of 2000 steps"},
        {"label": "1 hidden layer: loss converged", "met": True, "detail": "fell 1%"}])
    text = re.sub(r"<[^>]+>", "", render_html(make_results([rec])))
    assert "NOT met: 4 hidden layers: loss converged \u2014 fell 12% over the last 20% of 2000 steps" in text
    assert "met: 1 hidden layer: loss converged" in text
    assert "final train accuracy (min over seeds): 23" in text


def test_the_answer_along_the_budget_is_drawn_as_a_strip():
    from harness import budget as hb
    from harness.record import Record

    def file_checks(b, rec):  # reaches 1 from budget 90 on: moves along 100's rung, stable along 200's
        rec.check("value reaches 1", b / 90, ">=", 1.0)
    rec = Record("random_labels", variant="fits-000")
    hb.file_until_stable(rec, file_checks, start=100, cap=200, step=10)
    page = render_html(make_results([make_record(budget=rec.budget_trace.as_dict())]))
    assert "along the budget:" in page and 'class="strip"' in page
    assert all(f'<th class="num">{b}</th>' in page for b in (50, 80, 100, 150, 200))
    assert "stable: every check" in page and "still moving" not in page
    moving = dict(rec.budget_trace.as_dict(), stable=False, moving=["value reaches 1"], next_cost_s=12.5)
    page = render_html(make_results([make_record(budget=moving)]))
    assert "still moving at the cap" in page and "≈ 12.5 s of training" in page


def test_runs_read_at_several_budgets_share_one_row():
    runs = [{"label": "MLP 784-32-10", "key": "abc", "seeds": [0, 1], "cached": c, "seconds": 1.0, "epochs": e}
            for e, c in ((50, False), (75, False), (100, True))]
    page = render_html(make_results([make_record(runs=runs)]))
    assert page.count("<td>MLP 784-32-10</td>") == 1 and "<td>50, 75, 100</td>" in page and "<td>2 · 1</td>" in page
