"""What claims C3–C6 share: the 1-D function-fitting task at each profile's number of training points, and the
short form in which their checks print a row of numbers.

The cpu profile fits 200 points on [-1, 1], which cuts the cost of full-batch training five-fold; the `full`
profile fits 1000 (the reports do not state their number)."""
from __future__ import annotations

import numpy as np

from harness.train import FunctionTask


def function_task(name: str, profile_name: str) -> FunctionTask:
    """The 1-D target function `name` (harness.data.TARGET_FUNCTIONS) at the profile's number of training points."""
    return FunctionTask(name, 200 if profile_name == "cpu" else 1000)


def numbers(values) -> str:
    """A row of numbers to three significant figures, for a check's detail."""
    return "[" + ", ".join(f"{v:.3g}" for v in np.asarray(values).ravel()) + "]"
