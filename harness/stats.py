"""The few statistical tests the claims use, each returning a small value object that prints itself.

Every function refuses NaN/inf inputs and NaN results with a ValueError: a claim must never
pass (or fail) on an undefined statistic.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
from scipy import stats as _st

_ALTERNATIVES = ("two-sided", "greater", "less")


def _as_array(values: Any, name: str) -> np.ndarray:
    """Convert a list, numpy array or torch tensor to a finite 1-D float array."""
    # Duck-type torch tensors so that importing this module never imports torch.
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s) (NaN or inf)")
    return arr


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
    k, n = int(successes), int(trials)
    if k != successes or n != trials:
        raise ValueError(f"successes and trials must be integers, got {successes} and {trials}")
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
