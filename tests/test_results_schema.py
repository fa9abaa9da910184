"""The results schema (harness.results): one typed record per variant run, read and checked once; the suite's
one dataclass walker; its one atomic writer."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import pytest

from harness.record import Record
from harness.results import (DESCEND, ClaimResult, Results, ResultsError, atomic_write, json_safe, plain,
                             read_claim, read_results, to_json)
from harness.train import describe


def results(**claim):
    return {"session": {"profile": "cpu", "device": "cpu", "seed_bases": [0]},
            "claims": [{"claim": "c", "variant": "v", "nodeid": "claims/t.py::t[v]", "verdict": "holds", **claim}]}


def test_a_record_reads_into_typed_fields_with_defaults():
    typed = read_results(results(seed_base=7, duration_s="inf"))
    rec = typed.claims[0]
    assert isinstance(rec, ClaimResult) and rec.seed_base == 7 and rec.key == "c[v]"
    assert rec.duration_s == float("inf") and rec.checks == [] and rec.expected is None
    assert typed.session.seed_bases == [0] and typed.session.smoke is False


@pytest.mark.parametrize("field,value,message", [
    ("seed_base", "7", "'seed_base' is str"),
    ("seed_base", True, "'seed_base' is bool"),
    ("checks", {"name": "x"}, "'checks' is dict"),
    ("checks", [{"status": "supports"}], "checks\\[0\\] needs a text 'name'"),
    ("figures", ["abc"], "every entry of 'figures' must be an object"),
    ("verdict", 3, "'verdict' is int"),
])
def test_a_wrong_field_is_refused_naming_it_and_where(field, value, message):
    with pytest.raises(ResultsError, match=r"claims\[0\] \(claims/t.py::t\[v\]\).*" + message):
        read_results(results(**{field: value}))


def test_a_record_without_its_claim_is_refused():
    with pytest.raises(ResultsError, match="missing 'claim'"):
        read_claim({"variant": "v"})


def test_fields_the_schema_does_not_name_survive_a_round_trip():
    data = results(budget_reached={"epochs": 40})
    data["session"]["shard_name"] = "s1"
    again = read_results(json.loads(json.dumps(read_results(data).to_json())))
    assert again.claims[0].extra == {"budget_reached": {"epochs": 40}} and again.session.extra == {"shard_name": "s1"}
    assert again.to_json()["claims"][0]["budget_reached"] == {"epochs": 40}


def test_the_record_writes_the_schema():
    rec = Record("c", "a sentence", ("000 §1",), variant="v", seed_base=3)
    rec.setting(lr=np.float32(0.5), widths=(4, 8))
    rec.seeds(2)
    written = rec.result(nodeid="claims/t.py::t[v]", outcome="passed", verdict="holds")
    again = read_claim(json.loads(json.dumps(to_json(written))))
    assert again == written and again.settings == {"lr": 0.5, "widths": [4, 8]} and again.seeds == [3, 4]


@dataclass(frozen=True)
class Inner:
    width: int
    sizes: tuple


@dataclass(frozen=True)
class Outer:
    inner: Inner
    rate: float


def test_the_walker():
    value = Outer(Inner(3, (1, 2)), 0.5)
    assert plain(value) == {"inner": {"width": 3, "sizes": [1, 2]}, "rate": 0.5}
    assert plain(value, type_tags=True) == {"_type": "Outer", "inner": {"_type": "Inner", "width": 3, "sizes": [1, 2]},
                                            "rate": 0.5}
    assert describe(value) == plain(value, type_tags=True)  # the cache key's description is the same walk
    assert plain({1: [value.inner]}, leaf=lambda v: "inner" if isinstance(v, Inner) else DESCEND) == {"1": ["inner"]}
    assert json_safe({"a": float("nan"), "b": {2}, "c": np.int64(4), "d": np.arange(2)}) == \
        {"a": "nan", "b": [2], "c": 4, "d": [0, 1]}


def test_atomic_write_replaces_whole_files_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    atomic_write(path, "old")
    atomic_write(path, b"new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["results.json"]
    with pytest.raises(TypeError):
        atomic_write(path, 3)  # the failed write leaves the old file and no temporary
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["results.json"]


def test_results_pass_through_a_second_reading_unchanged():
    typed = read_results(results())
    assert read_results(typed) is typed and isinstance(typed, Results)
