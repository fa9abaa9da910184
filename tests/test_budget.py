"""harness.budget: the answer is read at ½, ¾ and all of a budget; a moving answer grows the budget up to its
cap, where it is held inconclusive (budget). Fake claims whose checks' values are a function of the budget."""
import itertools

import pytest

from harness import budget as hb
from harness.record import Record
from harness.verdict import DesignError, decide


def claim_with(value_at):
    """A claim with one threshold check: the value at a budget must reach 1 (supports), else undecided."""
    calls = []

    def file_checks(b, record):
        calls.append(b)
        record.check("value reaches 1", value_at(b), ">=", 1.0)
        return f"runs at {b}"
    return file_checks, calls


def test_a_stable_answer_keeps_the_starting_budget():
    file_checks, calls = claim_with(lambda b: 2.0)
    checks, runs, trace = hb.until_stable(file_checks, start=100, cap=800, step=10)
    assert trace.stable and trace.budget == 100 and runs == "runs at 100"
    assert sorted(calls) == [50, 80, 100]  # ½, ¾ (on the record grid) and all of it
    assert [c.status for c in checks] == ["supports"] and not checks[0].requires


def test_a_moving_answer_doubles_until_it_stops_moving():
    file_checks, calls = claim_with(lambda b: b / 90)  # reaches 1 from budget 90 on
    checks, runs, trace = hb.until_stable(file_checks, start=100, cap=800, step=10)
    assert trace.stable and trace.budget == 200 and runs == "runs at 200"
    assert sorted(calls) == [50, 80, 100, 150, 200]  # 100's rung moved (undecided at 50 and 80); 200's did not
    assert [p.budget for p in trace.points] == sorted(calls)
    assert [c.status for c in checks] == ["supports"] and not checks[0].requires


FLIPPING = {80, 150, 300}  # budgets where the value reaches 1: every rung up to 400 sees it move


def test_at_the_cap_a_moving_answer_is_inconclusive_budget():
    file_checks, _ = claim_with(lambda b: 2.0 if b in FLIPPING else 0.5)
    record = Record("c")
    hb.file_until_stable(record, file_checks, start=100, cap=400, step=10)
    assert not record.budget_trace.stable and record.budget_trace.budget == 400
    decision = decide(record.checks)
    assert decision.verdict == "inconclusive" and record.checks[0].status == "budget"


def test_the_cap_gate_names_the_cap_and_the_next_rung():
    file_checks, _ = claim_with(lambda b: 2.0 if b in FLIPPING else 0.5)
    clock = itertools.count(step=2.0).__next__  # every point costs 2 "CPU-s"
    checks, _, trace = hb.until_stable(file_checks, start=100, cap=400, step=10, clock=clock)
    assert trace.moving == ("value reaches 1",) and trace.budget == 400
    gate = checks[0].requires[-1]
    assert not gate.met and "the cap is reached" in gate.detail and "800" in gate.detail and "s of training" in gate.detail
    assert trace.next_cost_s == pytest.approx(2.0 * len(trace.points) / 400 * 400)
    assert decide(checks).verdict == "inconclusive" and checks[0].status == "budget"


def test_a_flip_in_sign_is_never_called_stable():
    # the counter-example: supports at ½, against at all of it
    def file_checks(b, record):
        record.check("value within [1, 3]", 2.0 if b <= 50 else -1.0, ">=", 1.0, against=0.0)
    checks, _, trace = hb.until_stable(file_checks, start=100, cap=100, step=10)
    assert not trace.stable and checks[0].requires and not checks[0].requires[-1].met


def test_the_trace_is_plain_data_for_the_page():
    file_checks, _ = claim_with(lambda b: 2.0)
    record = Record("c")
    hb.file_until_stable(record, file_checks, start=100, cap=100, step=10)
    out = record.to_dict()["budget"]
    assert out["stable"] and out["budget"] == 100 and out["cap"] == 100
    assert [p["budget"] for p in out["checks"][0]["along"]] == [50, 80, 100]
    assert {p["status"] for p in out["checks"][0]["along"]} == {"supports"}


@pytest.mark.parametrize("start, cap, step, says", [
    (0, 100, 10, "start above 0"), (200, 100, 10, "at most at its cap"), (105, 200, 10, "multiple of the record"),
    (10, 100, 10, "one point only"),
])
def test_bad_budgets_are_refused(start, cap, step, says):
    file_checks, _ = claim_with(lambda b: 2.0)
    with pytest.raises(ValueError, match=says):
        hb.until_stable(file_checks, start=start, cap=cap, step=step)


def test_different_checks_at_different_budgets_are_a_design_error():
    def file_checks(b, record):
        record.check(f"check at {b}", 2.0, ">=", 1.0)
    with pytest.raises(DesignError, match="different checks"):
        hb.until_stable(file_checks, start=100, cap=100, step=10)


def test_an_unmet_gate_of_the_claims_own_words_grows_the_budget():
    # "trained" (the sentence's own criterion) is met from budget 300 on: the checks wait on it until then
    def file_checks(b, record):
        from harness.verdict import reached
        gate = reached("model", 1.0 if b >= 300 else 0.0, "97.8% training accuracy")
        record.check("value reaches 1", 2.0, ">=", 1.0, requires=(gate,))
    checks, _, trace = hb.until_stable(file_checks, start=100, cap=800, step=10)
    # 400 is not enough: its half (200) was not yet trained, so the answer moved along it
    assert trace.budget == 800 and trace.stable and checks[0].status == "supports"


def test_a_smoke_run_files_its_checks_once_at_the_start_budget():
    file_checks, calls = claim_with(lambda b: 2.0)
    record = Record("c", smoke=True)
    assert hb.file_until_stable(record, file_checks, start=100, cap=800, step=10) == "runs at 100"
    assert calls == [100] and len(record.checks) == 1 and record.budget_trace is None


def test_the_next_rungs_cost_comes_from_the_runs_own_training_time():
    # runs served from the cache cost nothing here; the time recorded with them says what training costs
    import numpy as np
    from harness.train import Runs

    def file_checks(b, record):
        record.check("value reaches 1", 2.0 if b in FLIPPING else 0.5, ">=", 1.0)
        return {"deep": Runs.__new__(Runs)}
    def with_seconds(b, record):
        runs = file_checks(b, record)
        runs["deep"].seconds = np.full(4, b / 100.0)  # 4 members, 1 s of training per 100 epochs in all
        return runs
    _, _, trace = hb.until_stable(with_seconds, start=100, cap=400, step=10, clock=lambda: 0.0)
    assert trace.next_cost_s == pytest.approx(4 * 4.0)  # 16 s trained to 400: another 400 epochs cost 16 s
