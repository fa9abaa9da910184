"""When a model counts as trained: the budget gates of C7–C11 (harness.verdict.Gate). A check whose models have
not met their gate is inconclusive (budget), never refuted.

- `trained` (C7 random_labels, C8 param_count): the claim's own "fits", or the training loss stopped falling.
- `TRAINED`, `trained_gate` (C9 interpolation's two ends; the fixed-steps gate of C10/C11's sweeps in
  claims/batch_size_sweeps.py): the model fits its training set.
"""
from __future__ import annotations

import numpy as np

from harness import verdict

NEAR_100 = 0.99       # "fit" (000), "完整學習" learned completely / "accuracy 接近 1" (002): train accuracy >= 0.99
GATE_LAST, GATE_FALL = 0.2, 0.05  # "trained": the training loss fell < 5% over the last 20% of the budget (median seed)
TRAINED = 0.99     # budget gate: an end is a minimum when it fits its training set (train accuracy >= 0.99);
                   # cross-entropy on a separable training set falls forever, so "loss stopped falling" never comes


def trained(label: str, train_acc: np.ndarray, train_loss: np.ndarray) -> verdict.Gate:
    """Budget gate: every seed's final train accuracy reached NEAR_100 (the claim's own "fits"), or the training
    loss stopped falling (verdict.converged); curves are (seeds, records)."""
    fit = verdict.reached(label, float(np.mean(train_acc[:, -1] >= NEAR_100)), f"train accuracy >= {NEAR_100}")
    if fit.met:
        return fit
    flat = verdict.converged(label, train_loss, GATE_LAST, GATE_FALL)
    return verdict.Gate(label, flat.met, f"{fit.detail}; {flat.detail}")


def trained_gate(label: str, final_train_acc: np.ndarray) -> verdict.Gate:
    """Budget gate: every seed's final train accuracy reached TRAINED."""
    return verdict.reached(label, float(np.mean(final_train_acc >= TRAINED)), f"train accuracy >= {TRAINED}")
