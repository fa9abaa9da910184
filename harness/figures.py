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


def _finish(fig: plt.Figure, title: str = "", *axes) -> plt.Figure:
    """The common ending of every chart: grid and legend on `axes`, the title, a tight layout."""
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


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
    return _finish(fig, title)


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
    return _finish(fig, title, ax)



# --- HW1-2 optimisation (C3–C6) ----------------------------------------------------------------

def trajectories(paths: dict[str, np.ndarray], final_loss: np.ndarray, title: str = "",
                 axis_name: str = "component") -> plt.Figure:
    """Optimisation paths in 2-D: one panel per entry of `paths` (e.g. "layer 1", "whole model"),
    each (runs, K, 2); every run a coloured line from its start (o) to its end (*), the end
    annotated with the run's final loss."""
    fig, axes = plt.subplots(1, len(paths), figsize=(5.2 * len(paths), 4.4), squeeze=False)
    for ax, (panel, xy) in zip(axes[0], paths.items()):
        for run, path in enumerate(xy):
            color = COLORS[run % len(COLORS)]
            ax.plot(path[:, 0], path[:, 1], color=color, lw=1, alpha=0.8, marker=".", ms=3,
                    label=f"run {run + 1}: final loss {final_loss[run]:.2g}")
            ax.plot(*path[0], "o", color=color, ms=6)
            ax.plot(*path[-1], "*", color=color, ms=12, markeredgecolor="black", markeredgewidth=0.5)
            ax.annotate(f"{final_loss[run]:.2g}", path[-1], textcoords="offset points", xytext=(5, 5), fontsize=7)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel(f"{axis_name} 1")
        ax.set_ylabel(f"{axis_name} 2")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    return _finish(fig, title)


def gradient_norm_and_loss(runs: Runs, title: str = "", near_zero: np.ndarray | None = None) -> plt.Figure:
    """Loss (top, log scale) and gradient norm (bottom, linear, as the reports drew it) vs iteration,
    every seed thin and the median bold; `near_zero` (per seed) draws the level called "near zero"."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True)
    steps = np.arange(1, runs.step_loss.shape[1] + 1)
    _seed_lines(top, steps, runs.step_loss, COLORS[0], "training loss")
    top.set_yscale("log")
    top.set_ylabel("loss (MSE)")
    _seed_lines(bottom, steps, runs.grad_norm, COLORS[1], "gradient norm")
    if near_zero is not None:
        bottom.axhline(np.median(near_zero), color="gray", ls="--", lw=1, label="near zero (median over seeds)")
    bottom.set_ylabel("gradient norm")
    bottom.set_xlabel("iteration")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _finish(fig, title)


def minimal_ratio_vs_loss(loss: np.ndarray, ratio: np.ndarray, critical: np.ndarray, title: str = "") -> plt.Figure:
    """One point per run: minimal ratio (x) against loss (y), as 004 and 003 drew it; runs whose
    gradient did not get small enough (critical False) are drawn hollow."""
    fig, ax = plt.subplots(figsize=(6, 4.4))
    ax.scatter(ratio[critical], loss[critical], s=18, color=COLORS[0], label=f"small gradient ({critical.sum()})")
    if (~critical).any():
        ax.scatter(ratio[~critical], loss[~critical], s=18, facecolors="none", edgecolors=COLORS[3],
                   label=f"gradient not small ({(~critical).sum()})")
    ax.set_xlabel("minimal ratio (positive / nonzero Hessian eigenvalues)")
    ax.set_ylabel("training loss")
    return _finish(fig, title, ax)


def loss_vs_radius(radii: np.ndarray, mean_loss: np.ndarray, title: str = "") -> plt.Figure:
    """004's error curve: loss averaged over random directions against the squared radius, one line per run."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for run, row in enumerate(mean_loss):
        ax.plot(np.asarray(radii) ** 2, row, marker=".", color=COLORS[run % len(COLORS)], label=f"run {run + 1}")
    ax.set_xlabel("squared radius of the perturbation")
    ax.set_ylabel("training loss, mean over directions")
    ax.set_yscale("log")
    return _finish(fig, title, ax)


def loss_contour(coords: np.ndarray, surface: np.ndarray, title: str = "") -> plt.Figure:
    """Contour of log10 of a 2-D loss surface (rows b, columns a) around the trained point at the origin."""
    fig, ax = plt.subplots(figsize=(5.4, 4.6))
    log_loss = np.log10(surface)
    filled = ax.contourf(coords, coords, log_loss, levels=20, cmap="viridis")
    ax.contour(coords, coords, log_loss, levels=filled.levels, colors="white", linewidths=0.4)
    ax.plot(0, 0, "r*", ms=10, label="trained point")
    fig.colorbar(filled, ax=ax, label="log10 training loss")
    ax.set_xlabel("direction 1 (filter-normalised)")
    ax.set_ylabel("direction 2 (filter-normalised)")
    ax.legend(fontsize=7)
    return _finish(fig, title)



# --- HW1-3 generalisation (C8–C11) -------------------------------------------------------------

def _points_and_median(ax, x, values: np.ndarray, color, label: str, linestyle: str = "-", marker: str = "o"):
    """values (len(x), seeds): every seed as a faint point, the median over seeds as a line."""
    values = np.asarray(values, dtype=float)
    for column in values.T:
        ax.scatter(x, column, color=color, alpha=0.35, s=10, marker=marker, linewidths=0)
    ax.plot(x, np.median(values, axis=1), color=color, lw=1.8, ls=linestyle, marker=marker, ms=3,
            label=f"{label} (median of {values.shape[1]})")


def versus_parameters(param_counts, finals: dict[str, np.ndarray], title: str = "") -> plt.Figure:
    """Final loss and accuracy vs parameter count (log x), train and test in each panel (C8).

    finals maps train_loss / test_loss / train_acc / test_acc to arrays (structures, seeds)."""
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.8))
    for ax, kind in zip(axes, ("loss", "acc")):
        for color, split in zip(COLORS, ("train", "test")):
            name = f"{split}_{kind}"
            _points_and_median(ax, param_counts, finals[name], color, METRIC_LABELS[name])
        ax.set_xscale("log")
        ax.set_xlabel("number of parameters")
        ax.set_ylabel("loss" if kind == "loss" else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _finish(fig, title)


def along_line(alphas, curves: dict[str, np.ndarray], title: str = "") -> plt.Figure:
    """Loss (log, left axis) and accuracy (right axis) vs interpolation ratio α, train solid and test
    dashed, as the reports drew it (C9). curves maps the four metric names to arrays (pairs, alphas):
    one thin line per pair, the median bold."""
    fig, loss_ax = plt.subplots(figsize=(7.2, 4.2))
    acc_ax = loss_ax.twinx()
    for ax, kind, color in ((loss_ax, "loss", COLORS[0]), (acc_ax, "acc", COLORS[3])):
        for split, style in (("train", "-"), ("test", "--")):
            rows = np.asarray(curves[f"{split}_{kind}"])
            for row in rows:
                ax.plot(alphas, row, color=color, ls=style, lw=0.6, alpha=0.25)
            ax.plot(alphas, np.median(rows, axis=0), color=color, ls=style, lw=2,
                    label=f"{METRIC_LABELS[f'{split}_{kind}']} (median of {len(rows)} pairs)")
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("interpolation ratio α   (θ = (1−α)·θ₁ + α·θ₂)")
    loss_ax.set_ylabel("cross-entropy loss (log)", color=COLORS[0])
    acc_ax.set_ylabel("accuracy", color=COLORS[3])
    for end in (0, 1):
        loss_ax.axvline(end, color="grey", lw=0.8, ls=":")
    loss_ax.grid(alpha=0.3)
    handles = loss_ax.get_legend_handles_labels()[0] + acc_ax.get_legend_handles_labels()[0]
    fig.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="lower center", ncol=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.12, 1, 1))  # room for the legend below the axes
    return fig


def _batch_axis(ax, batch_sizes):
    """Log x-axis ticked at the batch sizes themselves."""
    ax.set_xscale("log")
    ax.set_xticks(list(batch_sizes), labels=[str(b) for b in batch_sizes])
    ax.minorticks_off()


def versus_batch_size(batch_sizes, finals: dict[str, np.ndarray], sensitivity: np.ndarray,
                      title: str = "") -> plt.Figure:
    """Loss and accuracy (left axes) with sensitivity (right axes) vs batch size, log x, as the reports
    drew it with two y-axes (C10). finals maps the four metric names to arrays (batch sizes, seeds);
    sensitivity is (batch sizes, seeds)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    for ax, kind in zip(axes, ("loss", "acc")):
        for color, split in zip(COLORS, ("train", "test")):
            name = f"{split}_{kind}"
            _points_and_median(ax, batch_sizes, finals[name], color, METRIC_LABELS[name])
        right = ax.twinx()
        _points_and_median(right, batch_sizes, sensitivity, COLORS[3], "sensitivity", linestyle="--", marker="s")
        _batch_axis(ax, batch_sizes)
        ax.set_xlabel("batch size")
        ax.set_ylabel("loss" if kind == "loss" else "accuracy")
        right.set_ylabel("sensitivity  ‖∂softmax/∂x‖_F", color=COLORS[3])
        ax.grid(alpha=0.3)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        ax.legend(handles, [h.get_label() for h in handles], fontsize=7)
    return _finish(fig, title)


def sharpness_vs_batch_size(batch_sizes, measures: dict[str, np.ndarray], title: str = "") -> plt.Figure:
    """One panel per sharpness measure (label -> array (batch sizes, seeds)) vs batch size, log x (C11)."""
    fig, axes = plt.subplots(1, len(measures), figsize=(5.2 * len(measures), 3.8), squeeze=False)
    for ax, (label, values), color in zip(axes[0], measures.items(), COLORS[2:]):
        _points_and_median(ax, batch_sizes, values, color, label)
        _batch_axis(ax, batch_sizes)
        ax.set_xlabel("batch size")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _finish(fig, title)
