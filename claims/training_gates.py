"""When a model counts as trained, in a claim's own words: the budget gates of C7–C11 (harness.verdict.Gate). A check
whose models have not met their gate is inconclusive (budget), never refuted; with harness.budget an unmet gate grows
the budget up to the variant's cap. Whether more training would change a comparison is not a gate: harness.budget
reads every check along its budget for that.

- `fitted` (C7's "fits" / "learned completely", C8 000's "enough for the training dataset"): every seed fits.
- `stopped_improving` (C7 001's "cannot fit", read as: below the fit once training has stopped improving).
- `TRAINED`, `trained_gate` (C9 interpolation's two ends, "minima"; the fixed-steps gate of C10/C11's sweeps in
  claims/batch_size_sweeps.py): the model fits its training set.
"""
from __future__ import annotations

import numpy as np

from harness import verdict

NEAR_100 = 0.99       # "fit" (000), "完整學習" learned completely / "accuracy 接近 1" (002): train accuracy >= 0.99
GATE_LAST, GATE_FALL = 0.2, 0.05  # "stopped improving": the training loss fell < 5% over the last 20% of the budget
                                  # (median seed)
TRAINED = 0.99     # budget gate: an end is a minimum when it fits its training set (train accuracy >= 0.99);
                   # cross-entropy on a separable training set falls forever, so "loss stopped falling" never comes


def fits(train_acc: np.ndarray) -> np.ndarray:
    """Per structure or seed: whether every final train accuracy (last axis: seeds) reached NEAR_100."""
    return np.all(np.asarray(train_acc) >= NEAR_100, axis=-1)


def fitted(label: str, final_train_acc: np.ndarray, at_least: float = NEAR_100) -> verdict.Gate:
    """Budget gate: every seed's final train accuracy reached `at_least` (the claim's own "fits": NEAR_100)."""
    return verdict.reached(label, float(np.mean(np.asarray(final_train_acc) >= at_least)),
                           f"train accuracy >= {at_least}")


def stopped_improving(label: str, train_loss: np.ndarray) -> verdict.Gate:
    """Budget gate: the training loss stopped falling (verdict.converged over the last GATE_LAST of the curves,
    (seeds, records)); for sentences about what training cannot reach, not for comparisons."""
    return verdict.converged(label, train_loss, GATE_LAST, GATE_FALL)


def trained_gate(label: str, final_train_acc: np.ndarray) -> verdict.Gate:
    """Budget gate: every seed's final train accuracy reached TRAINED (the same gate as `fitted`, from other words)."""
    return fitted(label, final_train_acc, TRAINED)

