"""HW1-2 Optimization: claims C3–C6 of CLAIMS.md.

Thresholds first (fixed before any run was measured); settings and tests follow.
"""
from __future__ import annotations

# --- C3 trajectories: thresholds ----------------------------------------------------------------
SAME_ORDER = 10.0     # 004: "loss reaches the same order of magnitude": max / min final train loss < 10
FAR_APART = 1.0       # 004: "the paths differ greatly": the closest pair of final parameter vectors is farther
                      # apart than the farthest any run travelled from its own initialisation (ratio > 1)

# --- C4 gradient_norm: thresholds ---------------------------------------------------------------
EARLY_STEPS = 50      # "early level" = the largest gradient norm over the first 50 iterations
LATE_FRACTION = 0.1   # "final level" = the median gradient norm over the last 10% of iterations
LARGE_FALL = 10.0     # 003: the gradient norm "drastically" decreases: early / final level >= 10, every seed
BY_ITERATION = 200    # 003: "a drastic decrease until around the 200th epoch" ...
MOST_OF_FALL = 0.5    # ... = by iterations 150–250 (median there) at least half the total log-fall is done
NEAR_ZERO = 0.1       # 004: gradient norm "near zero" = below a tenth of its early level (on 004's linear axis
                      # everything under a tenth of the peak lies on the axis)
KEEPS_FALLING = 0.9   # 004: "the loss keeps decreasing": loss at the end <= 0.9 x loss when the norm first got
                      # near zero, every seed ...
PHASE_WINDOWS = 10    # ... and the mean loss of each tenth of that phase is below the previous tenth's
MOST_WINDOWS = 8      # in at least 8 of the 9 transitions, every seed

# --- C5 minimal_ratio: thresholds ---------------------------------------------------------------
ZERO_TOL = 1e-4       # an eigenvalue with |λ| <= 1e-4 · max|λ| counts as zero (neither positive nor negative)
GRAD_SMALL = 1e-3     # "where the gradient vanishes": final gradient norm <= 1e-3 x its norm at initialisation
MOST = 0.5            # "most" = more than half
NEAR_ONE = 0.95       # 004: "none of the 100 reached a minimal ratio near 1": no run with ratio >= 0.95
ALPHA = 0.05          # Dauphin et al. 2014: loss and minimal ratio rank-correlate negatively, one-sided p < 0.05

# --- C6 error_surface: thresholds ---------------------------------------------------------------
# 004: the loss averaged over random directions grows with radius: strictly increasing over the radii,
# every run (no numeric threshold beyond the strict order).
