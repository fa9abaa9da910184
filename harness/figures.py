"""Matplotlib figures, one function per kind of chart the reports drew. Each returns a Figure;
the claim hands it to `record.figure`, which embeds and closes it."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: figures are only ever written to PNG
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from harness.train import Runs  # noqa: E402

METRIC_LABELS = {"train_loss": "train loss", "test_loss": "test loss", "train_acc": "train accuracy",
                 "test_acc": "test accuracy"}
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _seed_lines(ax, x, rows: np.ndarray, color, label: str):
    """One thin line per seed, and the median bold; the legend names the median."""
    for row in rows:
        ax.plot(x, row, color=color, alpha=0.3, lw=0.8)
    ax.plot(x, np.median(rows, axis=0), color=color, lw=2, label=f"{label} (median of {len(rows)})")


def training_curves(groups: dict[str, Runs], panels: list[list[str]], title: str = "",
                    log_loss: bool = False) -> plt.Figure:
    """Metrics vs epoch: one panel per list of metric names, every group and seed in each panel.

    groups maps a legend label to the Runs of one config; panels e.g. [["train_loss", "test_loss"],
    ["train_acc", "test_acc"]]."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    for ax, metrics in zip(axes[0], panels):
        color_index = 0
        for group, runs in groups.items():
            for metric in metrics:
                label = f"{group} {METRIC_LABELS.get(metric, metric)}" if len(groups) > 1 else METRIC_LABELS.get(metric, metric)
                _seed_lines(ax, runs.epochs, getattr(runs, metric), COLORS[color_index % len(COLORS)], label)
                color_index += 1
        ax.set_xlabel("epoch")
        is_loss = all("loss" in m for m in metrics)
        ax.set_ylabel("loss" if is_loss else "accuracy")
        if is_loss and log_loss:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# --- HW1-1 deep vs shallow (C1, C2) ------------------------------------------------------------

def function_fits(x: np.ndarray, truth: np.ndarray, predictions: dict[str, np.ndarray],
                  final_loss: dict[str, np.ndarray], title: str = "") -> plt.Figure:
    """Predicted curves of several models against the ground truth, in one chart.

    predictions maps a legend label to (members, n) outputs on x; per model every seed is a thin line
    and the seed with the median final loss (final_loss[label], (members,)) a bold one."""
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    ax.plot(x, truth, color="black", lw=2.5, label="ground truth", zorder=1)
    for color, (label, curves) in zip(COLORS, predictions.items()):
        losses = np.asarray(final_loss[label])
        median_seed = int(np.argsort(losses)[(len(losses) - 1) // 2])
        for curve in curves:
            ax.plot(x, curve, color=color, alpha=0.2, lw=0.7, zorder=2)
        ax.plot(x, curves[median_seed], color=color, lw=1.6, zorder=3,
                label=f"{label} (seed with median loss, of {len(curves)})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig



# --- HW1-2 optimisation (C3–C6) ----------------------------------------------------------------


# --- HW1-3 generalisation (C8–C11) -------------------------------------------------------------
