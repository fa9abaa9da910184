"""C6 error_surface (bonus): the loss averaged over random directions rises with the radius (004's method; the
sentence is the suite's). It shows the nets sit in a basin on average over directions, which a saddle whose
Hessian has a positive trace passes too; a flat point or a maximum fails it.

One variant, random_directions-004: around the trained nets of C4's loss_falls_near_zero-004 variant (004's
1-336-1 net on sin(3πx)+cos(6πx); served from the run cache, no new training), an extension: 004 describes its
error curve but states no result. The decision is a function of the measured curves (`error_surface_checks`),
which tests/test_counterexamples_optimization.py runs on counter-examples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims.function_fits import numbers
from claims.test_c04_gradient_norm import VARIANTS as GRADIENT_NORM, gradient_norm_config
from fixtures import EXTENSION, Quote, Variant, claim, variants
from harness import figures, metrics, stats
from harness.record import Record

# --- the report's words --------------------------------------------------------------------------------------
Q004_SURFACE = Quote("004", "HW1-2 Bonus (error surface)",
                     "把所有歐氏方向上的等距位置(Hyper-ball)的 Loss 取期望值 $(E[X]:=R^M\\to R^1$,即降到 1 維的意思)"
                     "並對歐氏距離的平方作圖得到的結果;我們認為這樣簡單的做法也能夠看出 Loss Function 的 Sharpness 程度。")

# --- threshold -----------------------------------------------------------------------------------------------
# 004 states no threshold: the mean loss must rise at every step of radius, every run. At a point θ the mean over
# random unit directions is L(θ) + r·0 + r²·tr(H)/(2n) + …: the check fails at a flat point (tr H = 0) or where
# the curvature is negative on average, and passes at a minimum — or at a saddle whose trace is positive.


# --- settings and variants -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorSurface:
    trained: str                # C4's variant whose trained nets are perturbed (its settings, its cache entry)
    radii: tuple[float, ...]    # perturbation radius as a fraction of the runs' median parameter norm
    directions: int             # random unit directions averaged at each radius (004)
    grid: int                   # points per axis of the 2-D surface, coordinates in [-1, 1] (Li et al.)


VARIANTS = variants(
    Variant("random_directions-004", EXTENSION, quotes=[Q004_SURFACE],
            cpu=ErrorSurface("loss_falls_near_zero-004", radii=tuple(round(0.02 * i, 2) for i in range(11)),
                             directions=64, grid=25),
            full=ErrorSurface("loss_falls_near_zero-004", radii=tuple(round(0.01 * i, 2) for i in range(21)),
                              directions=256, grid=51),
            deviations_cpu=["around C4's 004 nets (1-336-1 on sin(3πx)+cos(6πx), 5000 epochs, 200 points)",
                            "radii 0…0.2 of the median parameter norm in 11 steps, 64 directions, 5 runs"],
            deviations_full=["radii 0…0.2 in 21 steps, 256 directions, 1000 points"],
            condition="the suite's sentence on 004's method: 004 describes its error curve and says it shows the "
                      "sharpness, but states no result; the check (mean loss rises at every radius) shows a basin on "
                      "average over directions, which a saddle with positive trace also passes"),
)


# --- checks --------------------------------------------------------------------------------------------------
def error_surface_checks(record: Record, radii: np.ndarray, mean_loss: np.ndarray) -> None:
    """The check from the (runs, radii) loss averaged over random directions."""
    increasing = (np.diff(mean_loss, axis=1) > 0).all(axis=1)
    record.check("mean loss rises at every step of radius", stats.each_seed(increasing, ">=", 1, "runs"),
                 detail=f"radii {numbers(radii)}; mean loss at the largest radius / at 0 per run "
                        f"{numbers(mean_loss[:, -1] / mean_loss[:, 0])}")


# --- the test ------------------------------------------------------------------------------------------------
@claim("error_surface", ref="C6", title="Error surface around a trained net (bonus)",
       statement="The loss averaged over random directions rises with the distance from each trained net: the nets "
                 "sit in a basin on average over directions (004's method; a saddle with positive trace passes too)",
       sources=["004", "Li et al. 2018"], variants=VARIANTS, needs_mnist=False)
def test_error_surface(settings, profile, runner, record):
    s, seed_base = settings, record.seed_base
    trained = GRADIENT_NORM[s.trained].settings(profile.name)
    config = gradient_norm_config(trained, profile.name)
    record.setting(s, trained_model=trained.model.label, function=trained.function, epochs=trained.epochs)
    runs = runner.train(config, record.seeds(trained.seeds))
    split = runner.split(config)
    norms = runs.flat_params().norm(dim=1).numpy()
    radii = np.asarray(s.radii) * np.median(norms)  # one radius scale for all runs: their median norm
    mean_loss = runner.measure(metrics.loss_vs_radius, config, runs.params, split.x_train, split.y_train, radii,
                               s.directions, seed_base)
    record.figure(figures.loss_vs_radius(radii, mean_loss, title=(
        f"Loss at random perturbations, mean of {s.directions} directions per radius, {len(runs)} runs")))
    coords = np.linspace(-1, 1, s.grid)
    surface = runner.measure(metrics.loss_surface, config, runs.member_params(0), split.x_train, split.y_train, coords, seed_base)
    record.figure(figures.loss_contour(coords, surface, title="Loss surface of run 1 along two filter-normalised directions"))
    error_surface_checks(record, radii, mean_loss)
