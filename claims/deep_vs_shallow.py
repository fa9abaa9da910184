"""What C1 (claims/test_c01_function_fit_depth.py) and C2 (claims/test_c02_cnn_depth.py) share: how a compared
model is printed on the page, and when a budget gate counts as met."""
from __future__ import annotations

from harness.models import MLPSpec, ModelSpec, count_params

MEDIAN_SEED = 0.5    # a budget gate is met when the median seed meets the criterion (as verdict.converged)


def model_row(spec: ModelSpec) -> str:
    """What the report prints for each model: depth, widths, exact parameter count."""
    if isinstance(spec, MLPSpec):
        return f"hidden layers {len(spec.hidden)}, widths {list(spec.hidden)}: {count_params(spec)} parameters"
    return (f"conv layers {len(spec.channels)}, channels {list(spec.channels)} (kernel {spec.kernel}); dense layers "
            f"{len(spec.dense) + 1}, widths {[*spec.dense, spec.out_dim]}: {count_params(spec)} parameters")
