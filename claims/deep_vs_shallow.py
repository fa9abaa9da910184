"""What C1 (claims/test_c01_function_fit_depth.py) and C2 (claims/test_c02_cnn_depth.py) share: how a compared
model is printed on the page, when a budget gate counts as met, and how a variant is read along its budget."""
from __future__ import annotations

from typing import Any, Callable

from harness.budget import file_until_stable
from harness.models import MLPSpec, ModelSpec, count_params
from harness.record import Record

MEDIAN_SEED = 0.5    # a budget gate is met when the median seed meets the criterion (as verdict.converged)


def model_row(spec: ModelSpec) -> str:
    """What the report prints for each model: depth, widths, exact parameter count."""
    if isinstance(spec, MLPSpec):
        return f"hidden layers {len(spec.hidden)}, widths {list(spec.hidden)}: {count_params(spec)} parameters"
    return (f"conv layers {len(spec.channels)}, channels {list(spec.channels)} (kernel {spec.kernel}); dense layers "
            f"{len(spec.dense) + 1}, widths {[*spec.dense, spec.out_dim]}: {count_params(spec)} parameters")


def file_along_budget(record: Record, file_checks: Callable[[int, Record], Any], start: int, cap: int,
                      step: int = 1) -> Any:
    """harness.budget.file_until_stable, except under --smoke: a smoke run has no verdict to read along a budget
    (and too few seeds for its checks to be decided at all), so it files the checks once, at `start`."""
    if record.smoke:
        return file_checks(start, record)
    return file_until_stable(record, file_checks, start, cap, step)
