"""Benchmarks (tests marked `benchmark`) are skipped unless asked for: `make bench`."""
import pytest


def pytest_collection_modifyitems(config, items):
    if config.getoption("benchmark_enable", False) or config.getoption("benchmark_only", False):
        return
    skip = pytest.mark.skip(reason="benchmark: run with `make bench` (pytest --benchmark-enable)")
    for item in items:
        if item.get_closest_marker("benchmark"):
            item.add_marker(skip)
