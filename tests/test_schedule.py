"""fixtures/schedule.py: claims start longest first, from .test_durations; unknown items first; ties keep
their collection order; under xdist a free worker takes the longest item left (one item at a time)."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from fixtures.schedule import longest_first, read_durations, recorded_id
from tests.claims_suite import run_subprocess

NAMES = [f"n{i:02d}" for i in range(24)]  # xdist's first chunk is a quarter of a worker's share: 3 of 24 on 2
UNKNOWN = {"n05", "n17"}                   # no recorded duration (new variants)
SECONDS = {name: float(i % 7) for i, name in enumerate(NAMES) if name not in UNKNOWN}  # ties: i and i + 7

ORDER_CLAIMS = '''
import os
import pytest

NAMES = {names!r}


@pytest.mark.parametrize("name", NAMES)
def test_item(name):
    with open(os.path.join(os.path.dirname(__file__), "..", "started.log"), "a") as log:
        log.write(f"{{os.environ.get('PYTEST_XDIST_WORKER', 'main')}} {{name}}\\n")
'''


def expected_order() -> list[str]:
    unknown = [n for n in NAMES if n in UNKNOWN]
    known = sorted((n for n in NAMES if n not in UNKNOWN), key=lambda n: -SECONDS[n])  # sorted() is stable
    return unknown + known


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two folders of the same 24 tests, claims/ and other/, with their durations recorded for claims/."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["fixtures.schedule"]\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    for folder in ("claims", "other"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_order.py").write_text(ORDER_CLAIMS.format(names=NAMES))
    durations = {f"claims/test_order.py::test_item[{n}]": s for n, s in SECONDS.items()}
    durations.update({f"other/test_order.py::test_item[{n}]": s for n, s in SECONDS.items()})
    (tmp_path / ".test_durations").write_text(json.dumps(durations))
    return tmp_path


def started_by_worker(root: Path) -> dict[str, list[str]]:
    by_worker = defaultdict(list)
    for line in (root / "started.log").read_text().splitlines():
        worker, name = line.split()
        by_worker[worker].append(name)
    return dict(by_worker)


def test_collection_order_is_unknown_first_then_longest_first_ties_as_collected(project):
    done = run_subprocess(project, "claims", "--collect-only", "-q", "-p", "no:xdist")
    collected = [line.split("[")[1].rstrip("]") for line in done.stdout.splitlines() if "::" in line]
    assert collected == expected_order()
    assert collected[:4] == ["n05", "n17", "n06", "n13"]  # unknown, then 6 s twice in collection order


def test_under_xdist_each_free_worker_takes_the_longest_item_left(project):
    done = run_subprocess(project, "claims", "-n", "2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    order = expected_order()
    started = started_by_worker(project)
    assert sorted(n for names in started.values() for n in names) == sorted(NAMES)
    for names in started.values():  # every worker starts its items in the global order
        assert names == sorted(names, key=order.index)
    # xdist keeps two items on each worker (the running one and the next): one at a time after that, the
    # second worker's first item is the third in the order, not the fourth (xdist's chunk of three).
    assert sorted(names[0] for names in started.values()) == sorted([order[0], order[2]])


def test_other_folders_keep_xdists_chunks(project):
    """The counter-example: outside claims/ xdist hands out its default chunks (which share module fixtures)."""
    done = run_subprocess(project, "other", "-n", "2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    order = expected_order()
    assert sorted(names[0] for names in started_by_worker(project).values()) == sorted([order[0], order[3]])


def test_longest_first_is_stable_and_reads_seed_base_ids_as_their_plain_item():
    items = [SimpleNamespace(nodeid=n) for n in ("m.py::a[x]", "m.py::b", "m.py::a[y-seeds7]", "m.py::c[seeds0]",
                                                   "m.py::a[z]")]
    table = {"m.py::a[x]": 1.0, "m.py::b": 5.0, "m.py::a[y]": 5.0, "m.py::c": 9.0}
    assert [i.nodeid for i in longest_first(items, table)] == [
        "m.py::a[z]", "m.py::c[seeds0]", "m.py::b", "m.py::a[y-seeds7]", "m.py::a[x]"]
    assert recorded_id("m.py::a[seeds7-y]") == "m.py::a[y]" and recorded_id("m.py::a[x]") == "m.py::a[x]"


def test_a_missing_durations_file_keeps_the_collection_order_and_a_broken_one_says_how_to_fix_it(tmp_path):
    assert read_durations(tmp_path / ".test_durations") == {}
    (tmp_path / ".test_durations").write_text('["not", "a", "table"]')
    with pytest.raises(pytest.UsageError, match="make durations"):
        read_durations(tmp_path / ".test_durations")
