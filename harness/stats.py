"""The few statistical tests the claims use, each returning a small value object that prints itself.

Every function refuses NaN/inf inputs (reached-flags and counts included), arrays of the wrong shape and NaN
results with a ValueError: a claim must never pass (or fail) on an undefined statistic or a silently
flattened table. At the suite's small n the p-values are exact or permutation p-values (see `trend`,
`earlier`); tests/test_calibration.py simulates the null through the whole verdict rule.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
from scipy import stats as _st

_ALTERNATIVES = ("two-sided", "greater", "less")

PERMUTATIONS = 9999        # Monte-Carlo permutations where exact enumeration is too large (min p = 1 / 10,000)
EXACT_UP_TO = 50_000       # enumerate every permutation (Spearman) when there are at most this many
EXACT_LOGRANK_UP_TO = 30   # pooled runs up to which the log-rank test enumerates every split (meet in the middle)
PERMUTATION_SEED = 0       # fixed: a Monte-Carlo p-value is a deterministic function of the data
EFFECT_RESAMPLES = 9999    # bootstrap resamples of the effect intervals; they never enter a verdict, and 0 (the
                           # calibration tests, which decide 10^4s of simulated datasets) gives point estimates


def _as_array(values: Any, name: str) -> np.ndarray:
    """Convert a list, numpy array or torch tensor to a finite 1-D float array: one value per seed or run.

    Anything else (a scalar, a seeds × records table) is refused, not flattened: a flattened table would
    count records or repeated measurements as independent seeds."""
    # Duck-type torch tensors so that importing this module never imports torch.
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per seed or run), got shape {arr.shape}; "
                         f"pick the column meant (e.g. curves[:, -1]), or ravel() only values that are independent")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s) (NaN or inf)")
    return arr


def _flags(values: Any, name: str) -> np.ndarray:
    """Convert yes/no flags (bools, or the numbers 0 and 1) to a 1-D bool array. NaN would convert to True
    and 2 to True, so both are refused rather than read as "reached"."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    if arr.dtype != bool:
        numbers = np.asarray(arr, dtype=float)
        if not np.isin(numbers, (0.0, 1.0)).all():
            raise ValueError(f"{name} must be flags (True/False or 0/1); it has "
                             f"{int((~np.isin(numbers, (0.0, 1.0))).sum())} other value(s) (NaN, inf or a number)")
        arr = numbers.astype(bool)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one flag per run), got shape {arr.shape}")
    return arr


def _count(value: Any, name: str) -> int:
    """A count as an int; refuses NaN, inf and fractions (int(2.7) would silently give 2)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer count, got {value!r}") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{name} must be an integer count, got {value!r}")
    return int(number)


def _paired(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Convert two paired samples and check that their lengths match."""
    xa, ya = _as_array(x, "x"), _as_array(y, "y")
    if xa.shape != ya.shape:
        raise ValueError(f"x and y have different lengths ({xa.size} vs {ya.size})")
    return xa, ya


def _check_alternative(alternative: str) -> None:
    """Reject an alternative hypothesis scipy would not understand."""
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")


def _finite(value: float, what: str) -> float:
    """Return value as a float, or raise if the statistic came out undefined."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} is not finite ({value})")
    return value


def _level_pct(level: float) -> str:
    """Format a confidence level like '95%'."""
    return f"{level * 100:g}%"


class _Printable:
    """Mixin giving the value objects a JSON-able dict."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as plain JSON-able floats, ints and strings."""
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class BinomialInterval(_Printable):
    """An exact (Clopper–Pearson) confidence interval for a binomial proportion."""

    successes: int
    trials: int
    low: float
    high: float
    level: float

    @property
    def estimate(self) -> float:
        """Return the observed proportion successes / trials."""
        return self.successes / self.trials

    def contains(self, p: float) -> bool:
        """Return whether p lies inside the interval (ends included)."""
        return self.low <= p <= self.high

    def as_dict(self) -> dict[str, Any]:
        """Return the fields plus the estimate as JSON-able values."""
        return {**super().as_dict(), "estimate": self.estimate}

    def __str__(self) -> str:
        """Return a one-line human summary with the numbers."""
        return (
            f"{self.successes}/{self.trials} = {self.estimate:.3f} "
            f"({_level_pct(self.level)} CI {self.low:.3f}–{self.high:.3f})"
        )


@dataclass(frozen=True)
class SignTest(_Printable):
    """A paired sign test that x exceeds y (ties dropped)."""

    wins: int
    losses: int
    ties: int
    p_value: float
    alternative: str

    def __str__(self) -> str:
        """Return a one-line human summary with the numbers."""
        return (
            f"sign test ({self.alternative}): {self.wins} wins, {self.losses} losses, "
            f"{self.ties} ties, p = {self.p_value:.4g}"
        )


@dataclass(frozen=True)
class WilcoxonTest(_Printable):
    """A Wilcoxon signed-rank test on paired samples."""

    statistic: float
    p_value: float
    n: int
    alternative: str

    def __str__(self) -> str:
        """Return a one-line human summary with the numbers."""
        return f"Wilcoxon ({self.alternative}): W = {self.statistic:.4g}, n = {self.n}, p = {self.p_value:.4g}"


@dataclass(frozen=True)
class RankCorrelation(_Printable):
    """A Spearman or Kendall rank correlation with its p-value."""

    rho: float
    p_value: float
    n: int
    method: str
    alternative: str

    def __str__(self) -> str:
        """Return a one-line human summary with the numbers."""
        symbol = "rho" if self.method == "spearman" else "tau"
        return f"{self.method} {symbol} = {self.rho:.3f} (n = {self.n}, {self.alternative} p = {self.p_value:.4g})"


@dataclass(frozen=True)
class BootstrapInterval(_Printable):
    """A percentile bootstrap confidence interval for a statistic of one sample."""

    estimate: float
    low: float
    high: float
    level: float
    n: int

    def contains(self, value: float) -> bool:
        """Return whether value lies inside the interval (ends included)."""
        return self.low <= value <= self.high

    def __str__(self) -> str:
        """Return a one-line human summary with the numbers."""
        return f"{self.estimate:.4g} ({_level_pct(self.level)} bootstrap CI {self.low:.4g}–{self.high:.4g}, n = {self.n})"


def binomial_ci(successes: int, trials: int, level: float = 0.95) -> BinomialInterval:
    """Return the exact Clopper–Pearson interval for successes out of trials."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    k, n = _count(successes, "successes"), _count(trials, "trials")
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, got {k}/{n}")
    ci = _st.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return BinomialInterval(k, n, float(ci.low), float(ci.high), float(level))


def sign_test(x: Any, y: Any, alternative: str = "greater") -> SignTest:
    """Return the paired sign test of x against y; 'greater' tests that x tends to exceed y."""
    _check_alternative(alternative)
    xa, ya = _paired(x, y)
    wins, losses = int((xa > ya).sum()), int((xa < ya).sum())
    ties = xa.size - wins - losses
    # With every pair tied there is no evidence either way.
    p = 1.0 if wins + losses == 0 else float(_st.binomtest(wins, wins + losses, 0.5, alternative=alternative).pvalue)
    return SignTest(wins, losses, ties, _finite(p, "sign test p-value"), alternative)


def wilcoxon_test(x: Any, y: Any, alternative: str = "greater") -> WilcoxonTest:
    """Return the Wilcoxon signed-rank test of x against y; 'greater' tests that x tends to exceed y."""
    _check_alternative(alternative)
    xa, ya = _paired(x, y)
    res = _st.wilcoxon(xa, ya, alternative=alternative)
    return WilcoxonTest(
        _finite(res.statistic, "Wilcoxon statistic"),
        _finite(res.pvalue, "Wilcoxon p-value"),
        int(xa.size),
        alternative,
    )


def rank_correlation(x: Any, y: Any, method: str = "spearman", alternative: str = "two-sided") -> RankCorrelation:
    """Return the Spearman (default) or Kendall rank correlation of x and y with its p-value."""
    _check_alternative(alternative)
    functions: dict[str, Callable[..., Any]] = {"spearman": _st.spearmanr, "kendall": _st.kendalltau}
    if method not in functions:
        raise ValueError(f"method must be 'spearman' or 'kendall', got {method!r}")
    xa, ya = _paired(x, y)
    if xa.size < 3:
        raise ValueError(f"rank correlation needs at least 3 pairs, got {xa.size}")
    res = functions[method](xa, ya, alternative=alternative)
    # A constant input gives NaN (with a warning); refuse it rather than report it.
    return RankCorrelation(
        _finite(res.statistic, f"{method} correlation (constant input?)"),
        _finite(res.pvalue, f"{method} p-value"),
        int(xa.size),
        method,
        alternative,
    )


def bootstrap_ci(
    samples: Any,
    statistic: Callable[..., Any] = np.mean,
    level: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> BootstrapInterval:
    """Return a percentile bootstrap interval for statistic(samples), reproducible from seed."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    arr = _as_array(samples, "samples")
    if arr.size < 2:
        raise ValueError(f"bootstrap needs at least 2 samples, got {arr.size}")
    res = _st.bootstrap(
        (arr,),
        statistic,
        confidence_level=level,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
        method="percentile",
    )
    ci = res.confidence_interval
    return BootstrapInterval(
        _finite(statistic(arr), "bootstrap statistic"),
        _finite(ci.low, "bootstrap lower bound"),
        _finite(ci.high, "bootstrap upper bound"),
        float(level),
        int(arr.size),
    )


# --- evidence for verdicts -------------------------------------------------------------------------
# Each function below turns measurements into one Evidence: the one-sided p-value in the direction the
# sentence claims, the p-value in the opposite direction, an effect size with a 95% interval, and the
# smallest p-value the test could reach at its n (the power rule). harness.verdict decides from these.

LEVEL = 0.95  # every effect interval
_Z_LEVEL = float(_st.norm.ppf(0.5 + LEVEL / 2))


@dataclass(frozen=True)
class Effect(_Printable):
    """An effect size with its interval, e.g. the median paired difference or Spearman's rho."""

    name: str
    estimate: float
    low: float | None = None
    high: float | None = None

    def __str__(self) -> str:
        if self.low is None or self.high is None:
            return f"{self.name} {self.estimate:.3g}"
        return f"{self.name} {self.estimate:.3g} (95% CI {self.low:.3g} to {self.high:.3g})"


@dataclass(frozen=True)
class Evidence:
    """What one check found. kind: "test" (one-sided tests both ways), "equivalence" (TOST; p_opposite is
    the test that the mean lies outside the margin), "threshold" (a practical threshold: supports / against /
    neither) or "none"."""

    kind: str
    method: str
    claim: str                     # the claimed direction, in words
    n: int
    summary: str                   # the numbers a reader checks by eye
    effect: Effect | None = None
    p: float | None = None         # one-sided, claimed direction (TOST p for equivalence)
    p_opposite: float | None = None
    min_p: float | None = None     # smallest p the test used can give at this n (the power rule)
    supports: bool | None = None   # threshold checks only
    against: bool | None = None
    no_information: str = ""       # why the data cannot speak, e.g. "tied in 12 of 12 pairs"
    power: tuple = ()              # (model, parameters) for seeds_needed

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("effect", "power")}
        out["effect"] = self.effect.as_dict() if self.effect else None
        return out

    def __str__(self) -> str:
        parts = [f"{self.method}: {self.summary}"]
        if self.p is not None:
            parts.append(f"p = {self.p:.3g}")
        if self.effect is not None:
            parts.append(str(self.effect))
        return "; ".join(parts)


def _opposite(alternative: str) -> str:
    return {"greater": "less", "less": "greater"}[alternative]


def _check_direction(alternative: str) -> None:
    if alternative not in ("greater", "less"):
        raise ValueError(f"a claim has a direction: alternative must be 'greater' or 'less', got {alternative!r}")


def _median_difference(d: np.ndarray) -> Effect:
    """Median of paired differences with a bootstrap interval (a point estimate when all are equal)."""
    if d.size < 2 or np.all(d == d[0]) or not EFFECT_RESAMPLES:
        return Effect("median difference", float(np.median(d)))
    ci = bootstrap_ci(d, np.median, level=LEVEL, n_resamples=EFFECT_RESAMPLES)
    return Effect("median difference", ci.estimate, ci.low, ci.high)


def _walsh_above_half(d: np.ndarray) -> float:
    """P(d_i + d_j > 0) over pairs i <= j (ties count half): the effect the signed-rank test detects. It is
    above 1/2 exactly when the signed-rank statistic lies above its null mean, so it always points the way
    the test does (the mean of d need not: one outlier can flip it)."""
    walsh = (d[:, None] + d[None, :])[np.triu_indices(d.size)]
    return float(((walsh > 0).sum() + 0.5 * (walsh == 0).sum()) / walsh.size)


def paired(x: Any, y: Any, alternative: str, method: str = "wilcoxon", labels: tuple[str, str] = ("x", "y")) -> Evidence:
    """Paired seeds: the sentence claims x > y ("greater") or x < y ("less").

    method "wilcoxon" (signed ranks of x - y; scipy's exact distribution, or its exact permutation
    distribution where ranks tie, at the suite's n <= 50) or "sign" (only which side wins: for accuracies that
    tie, or heavy tails; an exact binomial test). Pairs with x == y carry no information; all tied is no
    information at all."""
    _check_direction(alternative)
    if method not in ("wilcoxon", "sign"):
        raise ValueError(f"method must be 'wilcoxon' or 'sign', got {method!r}")
    xa, ya = _paired(x, y)
    d = xa - ya
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    if alternative == "less":
        wins, losses = losses, wins
    ties = d.size - wins - losses
    a, b = labels
    word = ">" if alternative == "greater" else "<"
    summary = (f"{a} {word} {b} in {wins} of {d.size} pairs, the other way in {losses}, tied in {ties}; "
               f"probability of improvement {(wins + ties / 2) / d.size:.2f}")
    informative = wins + losses
    effect = _median_difference(d)
    claim = f"{a} {word} {b} (paired)"
    min_p = 0.5 ** d.size  # both tests: every pair one way, none tied
    if informative == 0:
        return Evidence("test", method, claim, int(d.size), summary, effect, 1.0, 1.0, min_p,
                        no_information=f"tied in {ties} of {d.size} pairs")
    if method == "sign":
        p = float(_st.binomtest(wins, informative, 0.5, alternative="greater").pvalue)
        p_opp = float(_st.binomtest(losses, informative, 0.5, alternative="greater").pvalue)
        power = ("sign", wins / informative, informative / d.size)
    else:
        p = float(_st.wilcoxon(xa, ya, alternative=alternative).pvalue)
        p_opp = float(_st.wilcoxon(xa, ya, alternative=_opposite(alternative)).pvalue)
        signed = d if alternative == "greater" else -d
        power = ("wilcoxon", _walsh_above_half(signed[signed != 0]))
    return Evidence("test", f"{method} test" if method == "sign" else "Wilcoxon signed-rank", claim, int(d.size), summary,
                    effect, _finite(p, "p-value"), _finite(p_opp, "p-value"), min_p, power=power)


def _fisher_interval(rho: float, n: int) -> tuple[float, float]:
    """95% interval for Spearman's rho: Fisher's z with the Bonett-Wright standard error."""
    if n <= 3 or abs(rho) >= 1:
        return (rho, rho)
    z, se = math.atanh(rho), math.sqrt((1 + rho**2 / 2) / (n - 3))
    return (math.tanh(z - _Z_LEVEL * se), math.tanh(z + _Z_LEVEL * se))


def _ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks (1 … n, ties sharing their mean rank), as scipy.stats.rankdata, without its overhead."""
    order = np.argsort(a, kind="mergesort")
    position = np.empty(a.size, dtype=np.intp)
    position[order] = np.arange(a.size)
    sorted_a = a[order]
    starts = np.r_[True, sorted_a[1:] != sorted_a[:-1]]
    group = starts.cumsum()[position]
    bounds = np.r_[np.flatnonzero(starts), a.size]
    return 0.5 * (bounds[group] + bounds[group - 1] + 1)


def _spearman_is_exact(n: int) -> bool:
    """Whether `trend` enumerates every ordering of n points (n! <= EXACT_UP_TO: n <= 8)."""
    return n <= 12 and math.factorial(n) <= EXACT_UP_TO


@functools.lru_cache(maxsize=256)
def _spearman_null(x_ranks: tuple[float, ...], y_ranks: tuple[float, ...]) -> tuple[np.ndarray, bool]:
    """The permutation distribution of S = sum (rank x - mean)(rank y - mean) given the two multisets of ranks
    (sorted tuples): every ordering of y when there are at most EXACT_UP_TO of them (exact), else PERMUTATIONS
    orderings drawn with PERMUTATION_SEED; scipy.stats.permutation_test does the drawing. Cached: under a
    permutation the distribution depends on the margins only, and a sweep's x ranks repeat from check to check."""
    rx = np.asarray(x_ranks) - np.mean(x_ranks)
    ry = np.asarray(y_ranks)
    exact = _spearman_is_exact(ry.size)
    result = _st.permutation_test(
        (ry,), lambda y, axis=-1: np.sum((y - y.mean(axis=axis, keepdims=True)) * rx, axis=axis),
        permutation_type="pairings", vectorized=True, n_resamples=math.factorial(ry.size) if exact else PERMUTATIONS,
        alternative="greater", rng=np.random.default_rng(PERMUTATION_SEED))
    return result.null_distribution, exact


def _permutation_p(null: np.ndarray, observed: float, exact: bool, scale: float) -> tuple[float, float]:
    """One-sided p-values (statistic >= observed, <= observed) from a null distribution: the exact fraction, or
    (count + 1) / (resamples + 1) for a Monte-Carlo sample (the observed arrangement counts as one, so p > 0).
    `scale` sets the float tolerance under which two values of the statistic are the same (ties)."""
    tol = 1e-9 * max(scale, 1.0)
    at_least, at_most = int((null >= observed - tol).sum()), int((null <= observed + tol).sum())
    if exact:
        return at_least / null.size, at_most / null.size
    return (at_least + 1) / (null.size + 1), (at_most + 1) / (null.size + 1)


def spearman_min_p(x: Any, n: int) -> float:
    """The smallest p `trend` can give over these x at n points: a perfect order of untied y values. With
    tied x (a sweep repeating each setting over seeds) a perfect order is every ordering within the ties;
    with Monte-Carlo permutations p cannot fall below 1 / (PERMUTATIONS + 1)."""
    ties = np.unique(np.asarray(x), return_counts=True)[1]
    log_p = sum(math.lgamma(m + 1) for m in ties) - math.lgamma(n + 1)
    return math.exp(log_p) if _spearman_is_exact(n) else max(math.exp(log_p), 1.0 / (PERMUTATIONS + 1))


def trend(x: Any, y: Any, alternative: str, labels: tuple[str, str] = ("x", "y")) -> Evidence:
    """Spearman rank correlation: the sentence claims y rises ("greater") or falls ("less") with x.

    The p-value is a permutation p-value of the rank statistic (exact when n! <= EXACT_UP_TO, i.e. n <= 8;
    else PERMUTATIONS seeded permutations): the t-approximation exceeds α at the suite's small n and tied x."""
    _check_direction(alternative)
    xa, ya = _paired(x, y)
    a, b = labels
    claim = f"{b} {'rises' if alternative == 'greater' else 'falls'} with {a}"
    n = int(xa.size)
    if n < 3:
        raise ValueError(f"a rank correlation needs at least 3 points, got {n}")
    min_p = spearman_min_p(xa, n)
    method = ("Spearman, exact permutation p" if _spearman_is_exact(n)
              else f"Spearman, permutation p ({PERMUTATIONS} resamples)")
    if np.all(ya == ya[0]) or np.all(xa == xa[0]):
        return Evidence("test", method, claim, n, f"{b} or {a} constant over {n} points", Effect("Spearman rho", 0.0),
                        1.0, 1.0, min_p, no_information=f"{b} or {a} is constant: no order to test")
    rx, ry = _ranks(xa), _ranks(ya)
    cx, cy = rx - rx.mean(), ry - ry.mean()
    observed = float(cx @ cy)
    rho = _finite(observed / math.sqrt(float(cx @ cx) * float(cy @ cy)), "Spearman correlation")  # Pearson of ranks
    null, exact = _spearman_null(tuple(np.sort(rx)), tuple(np.sort(ry)))
    p_up, p_down = _permutation_p(null, observed, exact, float(np.abs(cx) @ np.abs(cy)))
    p, p_opp = (p_up, p_down) if alternative == "greater" else (p_down, p_up)
    low, high = _fisher_interval(rho, n)
    return Evidence("test", method, claim, n, f"rho = {rho:.3f} over {n} points", Effect("Spearman rho", rho, low, high),
                    p, p_opp, min_p, power=("spearman", rho if alternative == "greater" else -rho))


def _logrank_scores(times: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Log-rank scores w_i = event_i - (Nelson-Aalen cumulative hazard at t_i): the log-rank statistic
    observed - expected events of a group is the sum of its members' scores, linear in the group labels."""
    event_times = np.unique(times[events])
    deaths = np.array([int(((times == t) & events).sum()) for t in event_times])
    at_risk = np.array([int((times >= t).sum()) for t in event_times])
    hazard = np.cumsum(deaths / at_risk)
    position = np.searchsorted(event_times, times, side="right")  # event times <= t_i
    return events.astype(float) - np.where(position > 0, hazard[np.maximum(position - 1, 0)], 0.0)


def _subset_sums(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum and size of every subset of w (2^len(w) of them)."""
    masks = (np.arange(2 ** w.size)[:, None] >> np.arange(w.size)) & 1
    return masks @ w, masks.sum(axis=1)


def _logrank_permutation_p(w: np.ndarray, in_a: np.ndarray) -> tuple[float, float, bool]:
    """P(U >= observed), P(U <= observed) for U = sum of the scores of a group of |a| runs drawn from the pooled
    runs without replacement. Exact (every split, counted by meeting in the middle: subsets of each half of
    the runs, paired by size) up to EXACT_LOGRANK_UP_TO runs; else PERMUTATIONS seeded random splits."""
    observed, size_a = float(w[in_a].sum()), int(in_a.sum())
    tol = 1e-9 * max(float(np.abs(w).sum()), 1.0)
    if w.size <= EXACT_LOGRANK_UP_TO:
        half = w.size // 2
        (sums1, sizes1), (sums2, sizes2) = _subset_sums(w[:half]), _subset_sums(w[half:])
        at_least = at_most = 0
        for k in range(max(0, size_a - (w.size - half)), min(size_a, half) + 1):
            first, second = sums1[sizes1 == k], np.sort(sums2[sizes2 == size_a - k])
            at_least += int((second.size - np.searchsorted(second, observed - tol - first, side="left")).sum())
            at_most += int(np.searchsorted(second, observed + tol - first, side="right").sum())
        total = math.comb(w.size, size_a)
        return at_least / total, at_most / total, True
    labels = np.random.default_rng(PERMUTATION_SEED).permuted(np.tile(in_a.astype(float), (PERMUTATIONS, 1)), axis=1)
    null = labels @ w
    at_least, at_most = int((null >= observed - tol).sum()), int((null <= observed + tol).sum())
    return (at_least + 1) / (PERMUTATIONS + 1), (at_most + 1) / (PERMUTATIONS + 1), False


def earlier(steps_a: Any, reached_a: Any, steps_b: Any, reached_b: Any, budget: float,
            labels: tuple[str, str] = ("a", "b")) -> Evidence:
    """Time to a threshold, censored: the sentence claims a reaches it sooner than b. Runs that never
    reached it within the budget are right-censored at the budget, not tied at budget + 1. The test is the
    log-rank test by permutation (exact up to EXACT_LOGRANK_UP_TO runs in all): the asymptotic log-rank test
    exceeds α at 8-12 runs per group with tied epochs. The effect is the difference of restricted mean
    times (b - a, up to the budget)."""
    budget = float(budget)
    if not math.isfinite(budget):
        raise ValueError(f"budget is {budget}; it must be finite")
    ta, tb = _as_array(steps_a, "steps_a"), _as_array(steps_b, "steps_b")
    ra, rb = _flags(reached_a, "reached_a"), _flags(reached_b, "reached_b")
    if ra.shape != ta.shape or rb.shape != tb.shape:
        raise ValueError(f"each time needs a reached flag: {ta.size} and {tb.size} times, {ra.size} and {rb.size} flags")
    late = int((ta[ra] > budget).sum() + (tb[rb] > budget).sum())
    if late:
        raise ValueError(f"{late} run(s) flagged as reached after the budget {budget:g}: a run reaches within it or not")
    ta, tb = np.where(ra, ta, budget), np.where(rb, tb, budget)
    a, b = labels
    n_a, n_b = ta.size, tb.size
    summary = (f"reached within {budget:g}: {int(ra.sum())} of {n_a} ({a}) vs {int(rb.sum())} of {n_b} ({b}); "
               f"median steps {np.median(ta):g} vs {np.median(tb):g} (unreached counted at {budget:g})")
    diff = float(tb.mean() - ta.mean())
    effect = Effect("restricted mean steps saved", diff)
    exact = n_a + n_b <= EXACT_LOGRANK_UP_TO
    min_p = 1.0 / math.comb(n_a + n_b, n_a) if exact else 1.0 / (PERMUTATIONS + 1)  # a's runs all first, b's all after
    method = "log-rank, exact permutation p" if exact else f"log-rank, permutation p ({PERMUTATIONS} resamples)"
    claim = f"{a} reaches the threshold sooner than {b}"
    if not ra.any() and not rb.any():
        return Evidence("test", method, claim, int(n_a + n_b), summary, effect, 1.0, 1.0, min_p,
                        no_information=f"no run reached the threshold within {budget:g} steps (all {n_a + n_b} censored)")
    times, events = np.r_[ta, tb], np.r_[ra, rb]
    scores = _logrank_scores(times, events)
    if np.ptp(scores) <= 1e-12:  # every run of both at one and the same step: no order between the groups
        return Evidence("test", method, claim, int(n_a + n_b), summary, effect, 1.0, 1.0, min_p,
                        no_information=f"every run of both reached the threshold at step {ta[0]:g}: a tie")
    if EFFECT_RESAMPLES and not (np.all(ta == ta[0]) and np.all(tb == tb[0]) and ta[0] == tb[0]):
        boot = _st.bootstrap((ta, tb), lambda u, v, axis=-1: v.mean(axis=axis) - u.mean(axis=axis), confidence_level=LEVEL,
                             n_resamples=EFFECT_RESAMPLES, rng=np.random.default_rng(0), method="percentile")
        effect = Effect("restricted mean steps saved", diff, float(boot.confidence_interval.low),
                        float(boot.confidence_interval.high))
    in_a = np.r_[np.ones(n_a, bool), np.zeros(n_b, bool)]
    p, p_opp, _ = _logrank_permutation_p(scores, in_a)
    # Power: Schoenfeld's events for the one-step log hazard ratio U / V (V: the hypergeometric variance).
    event_times = np.unique(times[events])
    v = 0.0
    for t in event_times:
        at_risk, at_risk_a = times >= t, (times >= t) & in_a
        deaths, n_t, share = int(((times == t) & events).sum()), int(at_risk.sum()), at_risk_a.sum() / at_risk.sum()
        v += deaths * share * (1 - share) * (n_t - deaths) / (n_t - 1) if n_t > 1 else 0.0
    u = float(scores[in_a].sum())
    log_hazard_ratio = u / v if v > 0 else 0.0
    return Evidence("test", method, claim, int(n_a + n_b), summary, effect, _finite(p, "log-rank p"),
                    _finite(p_opp, "log-rank p"), min_p, power=("logrank", log_hazard_ratio, float(events.mean())))


def proportion(successes: int, trials: int, above: float, label: str = "runs") -> Evidence:
    """The sentence claims that more than a fraction `above` of the runs have a property ("most" = 0.5)."""
    k, n = _count(successes, "successes"), _count(trials, "trials")
    if not 0 < float(above) < 1:
        raise ValueError(f"above must be a fraction in (0, 1), got {above}")
    ci = binomial_ci(k, n, LEVEL)
    p = float(_st.binomtest(k, n, above, alternative="greater").pvalue)
    p_opp = float(_st.binomtest(k, n, above, alternative="less").pvalue)
    return Evidence("test", "binomial test", f"fraction of {label} > {above:g}", n, f"{k} of {n} {label}",
                    Effect("fraction", ci.estimate, ci.low, ci.high), p, p_opp, above ** n,
                    power=("proportion", ci.estimate, above))


def equivalent(values: Any, target: float, margin: float, label: str = "value") -> Evidence:
    """The sentence claims the mean of `values` (one per independent seed) equals `target` up to a smallest
    effect of interest `margin`.

    p: two one-sided t-tests (TOST) that the mean lies above target - margin and below target + margin (the
    larger of their p-values). p_opposite: evidence that the mean lies OUTSIDE target ± margin, the one-sided
    t-tests beyond each bound, Bonferroni over the two (2 × the smaller, at most 1), so a true mean anywhere
    inside the margin is refuted at rate <= α. A mean that differs from the target but sits inside the margin
    never counts against the sentence. Identical values (zero spread) give a t-test nothing to measure: no
    information, not certainty."""
    arr = _as_array(values, "values")
    target, margin = float(target), float(margin)
    if not (math.isfinite(target) and math.isfinite(margin) and margin > 0):
        raise ValueError(f"target and margin must be finite and margin > 0, got {target} ± {margin}")
    n = int(arr.size)
    if n < 2:
        raise ValueError("an equivalence test needs at least 2 values")
    claim = f"mean {label} within {target:g} ± {margin:g}"
    mean, sd = float(arr.mean()), float(arr.std(ddof=1))
    summary = f"mean {mean:.4g} over {n} seeds (sd {sd:.3g}), margin {target:g} ± {margin:g}"
    method = "TOST (t)"
    if np.all(arr == arr[0]):
        return Evidence("equivalence", method, claim, n, summary, Effect(f"mean {label}", mean), 1.0, 1.0, 0.0,
                        no_information=f"all {n} values equal {arr[0]:.4g}: with zero spread a t-test has no "
                                       f"uncertainty to measure (not certainty); a finer measure or more seeds would")
    se, df = sd / math.sqrt(n), n - 1
    half_width = float(_st.t.ppf(0.5 + LEVEL / 2, df)) * se
    effect = Effect(f"mean {label}", mean, mean - half_width, mean + half_width)
    t_lower, t_upper = (mean - (target - margin)) / se, (mean - (target + margin)) / se
    p_tost = max(float(_st.t.sf(t_lower, df)), float(_st.t.cdf(t_upper, df)))
    p_outside = min(1.0, 2 * min(float(_st.t.sf(t_upper, df)), float(_st.t.cdf(t_lower, df))))
    return Evidence("equivalence", method, claim, n, summary, effect, _finite(p_tost, "TOST p"),
                    _finite(p_outside, "outside-the-margin p"), 0.0,
                    power=("equivalence", mean - target, sd, margin))


_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


def _check_threshold(op: str, threshold: float) -> None:
    if op not in _OPS:
        raise ValueError(f"unknown comparison {op!r}; use one of {sorted(_OPS)}")
    if not math.isfinite(float(threshold)):
        raise ValueError(f"threshold is {threshold}; thresholds must be finite")


def each_seed(values: Any, op: str, threshold: float, label: str = "seeds") -> Evidence:
    """A practical threshold the sentence states for every run: supports when every seed meets it,
    against when no seed does, neither when some do."""
    _check_threshold(op, threshold)
    arr = _as_array(values, "values")
    met = int(_OPS[op](arr, threshold).sum())
    shown = ", ".join(f"{v:.3g}" for v in arr[:12]) + (" …" if arr.size > 12 else "")
    return Evidence("threshold", "every seed", f"each of the {label} {op} {threshold:g}", int(arr.size),
                    f"{met} of {arr.size} {label} meet it ({shown})", Effect(f"{label} meeting it", met / arr.size),
                    supports=met == arr.size, against=met == 0)


def threshold(value: Any, op: str, limit: float, against: float | None = None, label: str = "statistic") -> Evidence:
    """A practical threshold on one statistic: supports when `value op limit`; against only when a threshold
    against the sentence was declared and the value lies beyond it on the wrong side (else neither)."""
    _check_threshold(op, limit)
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{label} is {v}; a run produced NaN or infinity")
    supports = bool(_OPS[op](v, limit))
    beyond = None
    if against is not None:
        _check_threshold(op, against)
        beyond = not bool(_OPS[op](v, against))
    claim = f"{label} {op} {limit:g}" + (f" (against the sentence beyond {against:g})" if against is not None else "")
    return Evidence("threshold", "threshold", claim, 1, f"{label} = {v:.4g}", Effect(label, v), supports=supports,
                    against=bool(beyond) and not supports)


def no_evidence(reason: str, claim: str = "") -> Evidence:
    """A check that could not be made with these runs (e.g. too few points for a correlation)."""
    return Evidence("none", "none", claim, 0, reason, no_information=reason)


_OPPOSITE = "the observed effect is not in the claimed direction"
_NONE = "no effect observed either way: no number of seeds decides it at the observed effect"


def power_analysis(evidence: Evidence, alpha: float, power: float = 0.8, cap: int = 10_000) -> tuple[int | None, str]:
    """Seeds (pairs, points, runs) that would give this check `power` at level `alpha` if the observed effect
    were the true one, with the sentence to show: "≈ n would decide it ...", or why no n is given. The effect
    each power model reads points the way its test's statistic does, so "not in the claimed direction" is
    said only when the test's own statistic leans the other way."""
    if not evidence.power:
        return None, ""
    model, *args = evidence.power
    z_alpha, z_power = float(_st.norm.ppf(1 - alpha)), float(_st.norm.ppf(power))

    def found(n: float, unit: str = "") -> tuple[int | None, str]:
        if n > cap:
            return None, f"more than {cap} {unit or 'seeds'} would be needed at the observed effect"
        n = int(math.ceil(n))
        return n, f"≈ {n}{' ' + unit if unit else ''} would decide it at the observed effect ({power:.0%} power)"

    def direction(effect: float, null: float = 0.0) -> str:
        return _OPPOSITE if effect < null else _NONE

    def fewest_for_exact(p_of_n: Callable[[int], float]) -> int:  # smallest n whose best p is below alpha
        return next(n for n in range(1, cap + 1) if p_of_n(n) < alpha)

    if model == "sign":
        win, informative = args
        if win <= 0.5 or informative <= 0:
            return None, direction(win, 0.5)
        for first, last in ((1, 100), (100, 1000), (1000, cap)):  # vectorised over n, small n first
            n = np.arange(first, last)
            m = np.maximum(1, np.round(n * informative))  # informative pairs among n
            k = _st.binom.isf(alpha, m, 0.5) + 1  # smallest win count significant at alpha ...
            for _ in range(3):  # ... up to isf's rounding
                k = np.where((k > 0) & (_st.binom.sf(k - 2, m, 0.5) <= alpha), k - 1, k)
            enough = (k <= m) & (_st.binom.sf(k - 1, m, win) >= power)
            if enough.any():
                return found(int(n[np.argmax(enough)]))
        return found(cap + 1)
    if model == "wilcoxon":  # Noether (1987): n = (z_a + z_b)^2 / (3 (p' - 1/2)^2), p' = P(d_i + d_j > 0)
        (above_half,) = args
        if above_half <= 0.5:
            return None, direction(above_half, 0.5)
        return found(max((z_alpha + z_power) ** 2 / (3 * (above_half - 0.5) ** 2), fewest_for_exact(lambda n: 0.5 ** n)))
    if model == "spearman":
        (rho,) = args
        if rho <= 0:
            return None, direction(rho)
        rho = min(rho, 0.999)
        return found((z_alpha + z_power) ** 2 / math.atanh(rho) ** 2 * (1 + rho**2 / 2) + 3)
    if model == "logrank":  # Schoenfeld: 4 (z_a + z_b)^2 / log(HR)^2 events, over the fraction of runs that reach
        log_hazard_ratio, reach = args
        if log_hazard_ratio <= 0 or reach <= 0:
            return None, direction(log_hazard_ratio)
        events = 4 * (z_alpha + z_power) ** 2 / log_hazard_ratio**2
        per_group = max(events / reach / 2, fewest_for_exact(lambda n: 1 / math.comb(2 * n, n)))
        return found(per_group, "runs per group")
    if model in ("proportions", "proportion"):
        p1, p2 = args
        if p1 <= p2:
            return None, direction(p1, p2)
        from statsmodels.stats.power import NormalIndPower
        from statsmodels.stats.proportion import proportion_effectsize

        h = proportion_effectsize(min(p1, 0.999), max(p2, 0.001))
        if model == "proportion":  # one sample against a fixed fraction
            return found(((z_alpha + z_power) / h) ** 2)
        return found(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, alternative="larger"),
                     "runs per group")
    if model == "equivalence":
        diff, sd, margin = args
        if abs(diff) >= margin:
            return None, "the observed mean lies outside the margin: more seeds would not show it inside"
        if sd <= 0:
            return None, ""
        z_two = float(_st.norm.ppf(1 - (1 - power) / 2))
        return found(sd**2 * (z_alpha + z_two) ** 2 / (margin - abs(diff)) ** 2 + 1)
    raise ValueError(f"unknown power model {model!r}")


def seeds_needed(evidence: Evidence, alpha: float, power: float = 0.8, cap: int = 10_000) -> int | None:
    """Seeds (pairs, points, runs) that would give this check `power` at level `alpha` if the observed effect
    were the true one; None when no n would (see power_analysis for the reason)."""
    return power_analysis(evidence, alpha, power, cap)[0]


# --- evidence where some runs cannot be classified (appended for C5, issue 12) ----------------------------

def majority(for_count: int, against_count: int, trials: int, label: str = "runs", other: str = "the other kind") -> Evidence:
    """The sentence claims that most of `trials` runs are of one kind. Some runs may be of neither kind (their
    class depends on a tolerance within its declared range), and those count for neither side: p is the
    binomial test that more than half are of the claimed kind (`for_count`), p_opposite the same test for
    the contrary kind (`against_count`). So undecidable runs make the check inconclusive, never refuted."""
    k, j, n = _count(for_count, "for_count"), _count(against_count, "against_count"), _count(trials, "trials")
    if n <= 0 or k < 0 or j < 0 or k + j > n:
        raise ValueError(f"need 0 <= for + against <= trials > 0, got {k} + {j} of {n}")
    ci = binomial_ci(k, n, LEVEL)
    p = float(_st.binomtest(k, n, 0.5, alternative="greater").pvalue)
    p_opp = float(_st.binomtest(j, n, 0.5, alternative="greater").pvalue)
    return Evidence("test", "binomial test", f"fraction of {label} > 0.5", n,
                    f"{k} of {n} {label}, {j} {other}, {n - k - j} undecidable",
                    Effect("fraction", ci.estimate, ci.low, ci.high), p, p_opp, 0.5 ** n,
                    power=("proportion", ci.estimate, 0.5))


def none_robustly(possibly: Any, surely: Any, label: str = "runs", what: str = "have the property") -> Evidence:
    """The sentence claims that no run has a property (e.g. "none of the 100 ... near 1"), which some runs have
    or not depending on a tolerance within a declared range. Supports when no run has it at any tolerance
    (`possibly` all False); against when some run has it at every tolerance (`surely` any True); else neither."""
    maybe, sure = _flags(possibly, "possibly"), _flags(surely, "surely")
    if maybe.shape != sure.shape or (sure & ~maybe).any():
        raise ValueError("`surely` must be a subset of `possibly`, one flag per run")
    summary = (f"{int(sure.sum())} of {sure.size} {label} {what} at every tolerance, "
               f"{int(maybe.sum())} at some tolerance")
    return Evidence("threshold", "every run", f"no {label[:-1] if label.endswith('s') else label} {what}", int(sure.size),
                    summary, Effect(f"{label} that {what} at some tolerance", int(maybe.sum())),
                    supports=not maybe.any(), against=bool(sure.any()))


def at_every(evidences: list[Evidence], setting: str = "setting") -> Evidence:
    """One test claimed at every setting of a declared range (e.g. each tolerance): an intersection–union test.
    It supports the sentence only if every setting's test does (p = the largest p) and speaks against it only
    if every setting's opposite test does (p_opposite = the largest); a result that depends on the setting is
    neither. A setting with no information (a constant, a tie) gives no information for the whole."""
    if not evidences or any(e.kind != "test" for e in evidences):
        raise ValueError("at_every combines one or more tests")
    weakest = max(evidences, key=lambda e: e.p)
    summary = "; ".join(f"{setting} {i + 1}: {e.summary}" for i, e in enumerate(evidences))
    silent = [e.no_information for e in evidences if e.no_information]
    return Evidence("test", f"{weakest.method} at every {setting}", weakest.claim, weakest.n, summary, weakest.effect,
                    max(e.p for e in evidences), max(e.p_opposite for e in evidences),
                    max(e.min_p for e in evidences), no_information="; ".join(silent), power=weakest.power)
