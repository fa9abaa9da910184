"""Benchmarks (tests marked `benchmark`) are skipped unless asked for: `make bench`."""
import pytest


def pytest_collection_modifyitems(config, items):
    if config.getoption("benchmark_enable", False) or config.getoption("benchmark_only", False):
        return
    skip = pytest.mark.skip(reason="benchmark: run with `make bench` (pytest --benchmark-enable)")
    for item in items:
        if item.get_closest_marker("benchmark"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """`make bench` ends with every speed ratio it measured (pytest-benchmark's table gives only times)."""
    import sys

    modules = [m for name, m in list(sys.modules.items()) if name.rsplit(".", 1)[-1] == "test_benchmarks"]
    ratios = next((m.RATIOS for m in modules if getattr(m, "RATIOS", None)), None)
    if ratios:
        terminalreporter.section("speed ratios (baseline time / harness time, same run)")
        for name, ratio in ratios.items():
            terminalreporter.write_line(f"{ratio:6.2f}x  {name}")
    fractions = next((m.PEAK_FRACTIONS for m in modules if getattr(m, "PEAK_FRACTIONS", None)), None)
    if fractions:
        terminalreporter.section("MLP cases: fraction of this machine's matmul peak")
        for name, text in fractions.items():
            terminalreporter.write_line(f"{name}: {text}")
