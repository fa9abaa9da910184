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


# --- evidence for verdicts -------------------------------------------------------------------------
# Each function below turns measurements into one Evidence: the one-sided p-value in the direction the
# sentence claims, the p-value in the opposite direction, an effect size with a 95% interval, and the
# smallest p-value the test could reach at its n (the power rule). harness.verdict decides from these.

LEVEL = 0.95  # every effect interval


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
    the difference test's p), "threshold" (a practical threshold: supports / against / neither) or "none"."""

    kind: str
    method: str
    claim: str                     # the claimed direction, in words
    n: int
    summary: str                   # the numbers a reader checks by eye
    effect: Effect | None = None
    p: float | None = None         # one-sided, claimed direction (TOST p for equivalence)
    p_opposite: float | None = None
    min_p: float | None = None     # smallest p attainable at this n, for the power rule
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


def _median_difference(d: np.ndarray) -> Effect:
    """Median of paired differences with a bootstrap interval (a point estimate when all are equal)."""
    if d.size < 2 or np.all(d == d[0]):
        return Effect("median difference", float(np.median(d)))
    ci = bootstrap_ci(d, np.median, level=LEVEL)
    return Effect("median difference", ci.estimate, ci.low, ci.high)


def paired(x: Any, y: Any, alternative: str, method: str = "wilcoxon", labels: tuple[str, str] = ("x", "y")) -> Evidence:
    """Paired seeds: the sentence claims x > y ("greater") or x < y ("less").

    method "wilcoxon" (signed ranks of x - y) or "sign" (only which side wins: for accuracies that tie, or
    heavy tails). Pairs with x == y carry no information; all tied is no information at all."""
    if alternative not in ("greater", "less"):
        raise ValueError(f"a claim has a direction: alternative must be 'greater' or 'less', got {alternative!r}")
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
    if informative == 0:
        return Evidence("test", method, claim, int(d.size), summary, effect, 1.0, 1.0, 0.5 ** d.size,
                        no_information=f"tied in {ties} of {d.size} pairs")
    if method == "sign":
        p = float(_st.binomtest(wins, informative, 0.5, alternative="greater").pvalue)
        p_opp = float(_st.binomtest(losses, informative, 0.5, alternative="greater").pvalue)
        power = ("sign", wins / informative, informative / d.size)
    elif method == "wilcoxon":
        p = float(_st.wilcoxon(xa, ya, alternative=alternative).pvalue)
        p_opp = float(_st.wilcoxon(xa, ya, alternative=_opposite(alternative)).pvalue)
        sd = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
        signed_mean = float(np.mean(d)) if alternative == "greater" else -float(np.mean(d))
        power = ("wilcoxon", signed_mean / sd if sd > 0 else 0.0)  # Cohen's d of the paired differences
    else:
        raise ValueError(f"method must be 'wilcoxon' or 'sign', got {method!r}")
    return Evidence("test", f"{method} test" if method == "sign" else "Wilcoxon signed-rank", claim, int(d.size), summary,
                    effect, _finite(p, "p-value"), _finite(p_opp, "p-value"), 0.5 ** d.size, power=power)


def _fisher_interval(rho: float, n: int) -> tuple[float, float]:
    """95% interval for Spearman's rho: Fisher's z with the Bonett-Wright standard error."""
    if n <= 3 or abs(rho) >= 1:
        return (rho, rho)
    z, se = math.atanh(rho), math.sqrt((1 + rho**2 / 2) / (n - 3))
    q = float(_st.norm.ppf(0.5 + LEVEL / 2))
    return (math.tanh(z - q * se), math.tanh(z + q * se))


def trend(x: Any, y: Any, alternative: str, labels: tuple[str, str] = ("x", "y")) -> Evidence:
    """Spearman rank correlation: the sentence claims y rises ("greater") or falls ("less") with x."""
    if alternative not in ("greater", "less"):
        raise ValueError(f"a claim has a direction: alternative must be 'greater' or 'less', got {alternative!r}")
    xa, ya = _paired(x, y)
    a, b = labels
    claim = f"{b} {'rises' if alternative == 'greater' else 'falls'} with {a}"
    n = int(xa.size)
    min_p = 1.0 / math.factorial(min(n, 170))  # one-sided permutation test, a perfect order
    if np.all(ya == ya[0]) or np.all(xa == xa[0]):
        return Evidence("test", "Spearman", claim, n, f"{b} or {a} constant over {n} points", Effect("Spearman rho", 0.0),
                        1.0, 1.0, min_p, no_information=f"{b} or {a} is constant: no order to test")
    forward = rank_correlation(xa, ya, "spearman", alternative)
    backward = rank_correlation(xa, ya, "spearman", _opposite(alternative))
    low, high = _fisher_interval(forward.rho, n)
    return Evidence("test", "Spearman", claim, n, f"rho = {forward.rho:.3f} over {n} points",
                    Effect("Spearman rho", forward.rho, low, high), forward.p_value, backward.p_value, min_p,
                    power=("spearman", forward.rho if alternative == "greater" else -forward.rho))


def earlier(steps_a: Any, reached_a: Any, steps_b: Any, reached_b: Any, budget: float,
            labels: tuple[str, str] = ("a", "b")) -> Evidence:
    """Time to a threshold, censored: the sentence claims a reaches it sooner than b. Runs that never
    reached it within the budget are right-censored at the budget (log-rank test), not tied at budget + 1;
    the effect is the difference of restricted mean times (b - a, up to the budget)."""
    ta, tb = _as_array(steps_a, "steps_a"), _as_array(steps_b, "steps_b")
    ra, rb = np.asarray(reached_a, dtype=bool).reshape(-1), np.asarray(reached_b, dtype=bool).reshape(-1)
    if ra.shape != ta.shape or rb.shape != tb.shape:
        raise ValueError("each time needs a reached flag")
    ta, tb = np.where(ra, ta, budget), np.where(rb, tb, budget)
    a, b = labels
    summary = (f"reached within {budget:g}: {int(ra.sum())} of {ra.size} ({a}) vs {int(rb.sum())} of {rb.size} ({b}); "
               f"median steps {np.median(ta):g} vs {np.median(tb):g} (unreached counted at {budget:g})")
    diff = float(tb.mean() - ta.mean())
    effect = Effect("restricted mean steps saved", diff)
    extreme = _st.logrank(_st.CensoredData(uncensored=np.ones(ta.size)), _st.CensoredData(right=np.full(tb.size, budget)),
                          alternative="greater").pvalue
    claim = f"{a} reaches the threshold sooner than {b}"
    if not ra.any() and not rb.any():
        return Evidence("test", "log-rank", claim, int(ta.size + tb.size), summary, effect, 1.0, 1.0, float(extreme),
                        no_information=f"no run reached the threshold within {budget:g} steps (all {ta.size + tb.size} censored)")
    if not (np.all(ta == ta[0]) and np.all(tb == tb[0]) and ta[0] == tb[0]):
        boot = _st.bootstrap((ta, tb), lambda u, v, axis=-1: v.mean(axis=axis) - u.mean(axis=axis), confidence_level=LEVEL,
                             n_resamples=9999, rng=np.random.default_rng(0), method="percentile")
        effect = Effect("restricted mean steps saved", diff, float(boot.confidence_interval.low),
                        float(boot.confidence_interval.high))
    xa = _st.CensoredData(uncensored=ta[ra], right=ta[~ra])
    xb = _st.CensoredData(uncensored=tb[rb], right=tb[~rb])
    p = float(_st.logrank(xa, xb, alternative="greater").pvalue)
    p_opp = float(_st.logrank(xa, xb, alternative="less").pvalue)
    if np.isnan(p) or np.isnan(p_opp):  # every run of both at one and the same step: the statistic is 0/0
        return Evidence("test", "log-rank", claim, int(ta.size + tb.size), summary, effect, 1.0, 1.0, float(extreme),
                        no_information=f"every run of both reached the threshold at step {ta[0]:g}: a tie")
    return Evidence("test", "log-rank", claim, int(ta.size + tb.size), summary, effect, _finite(p, "log-rank p"),
                    _finite(p_opp, "log-rank p"), float(extreme), power=("proportions", float(ra.mean()), float(rb.mean())))


def proportion(successes: int, trials: int, above: float, label: str = "runs") -> Evidence:
    """The sentence claims that more than a fraction `above` of the runs have a property ("most" = 0.5)."""
    k, n = int(successes), int(trials)
    ci = binomial_ci(k, n, LEVEL)
    p = float(_st.binomtest(k, n, above, alternative="greater").pvalue)
    p_opp = float(_st.binomtest(k, n, above, alternative="less").pvalue)
    return Evidence("test", "binomial test", f"fraction of {label} > {above:g}", n, f"{k} of {n} {label}",
                    Effect("fraction", ci.estimate, ci.low, ci.high), p, p_opp, above ** n,
                    power=("proportion", ci.estimate, above))


def equivalent(values: Any, target: float, margin: float, label: str = "value") -> Evidence:
    """The sentence claims the mean of `values` (one per independent seed) equals `target` up to a smallest
    effect of interest `margin`: two one-sided t-tests (TOST). p_opposite is the ordinary two-sided t-test
    against `target`: refuted when equivalence fails and the difference is significant."""
    from statsmodels.stats.weightstats import DescrStatsW

    arr = _as_array(values, "values")
    if arr.size < 2:
        raise ValueError("an equivalence test needs at least 2 values")
    claim = f"mean {label} within {target:g} ± {margin:g}"
    stats_w = DescrStatsW(arr)
    low, high = stats_w.tconfint_mean(alpha=1 - LEVEL)
    effect = Effect(f"mean {label}", float(arr.mean()), float(low), float(high))
    summary = f"mean {arr.mean():.4g} over {arr.size} seeds (sd {arr.std(ddof=1):.3g}), margin {target:g} ± {margin:g}"
    if np.all(arr == arr[0]):  # no spread: the t statistics are undefined; the values decide exactly
        inside = abs(arr[0] - target) < margin
        return Evidence("equivalence", "TOST (t)", claim, int(arr.size), summary, effect, 0.0 if inside else 1.0,
                        1.0 if inside else 0.0, 0.0)
    p_tost = float(stats_w.ttost_mean(target - margin, target + margin)[0])
    p_diff = float(_st.ttest_1samp(arr, target).pvalue)
    return Evidence("equivalence", "TOST (t)", claim, int(arr.size), summary, effect, _finite(p_tost, "TOST p"),
                    _finite(p_diff, "t-test p"), 0.0, power=("equivalence", float(arr.mean() - target),
                                                              float(arr.std(ddof=1)), margin))


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


def seeds_needed(evidence: Evidence, alpha: float, power: float = 0.8, cap: int = 10_000) -> int | None:
    """Seeds (pairs, points, runs) that would give this check `power` at level `alpha` if the observed effect
    were the true one; None when the observed effect is not in the claimed direction (no n would do)."""
    if not evidence.power:
        return None
    model, *args = evidence.power
    z = float(_st.norm.ppf(1 - alpha)) + float(_st.norm.ppf(power))
    if model == "sign":
        win, informative = args
        if win <= 0.5 or informative <= 0:
            return None
        for n in range(1, cap):
            m = max(1, round(n * informative))
            k = int(_st.binom.isf(alpha, m, 0.5)) + 1  # smallest win count significant at alpha
            while k > 0 and _st.binom.sf(k - 2, m, 0.5) <= alpha:
                k -= 1
            if k <= m and _st.binom.sf(k - 1, m, win) >= power:
                return n
        return None
    if model == "wilcoxon":
        (d,) = args
        if d <= 0:
            return None
        from statsmodels.stats.power import TTestPower

        n_t = TTestPower().solve_power(effect_size=d, alpha=alpha, power=power, alternative="larger")
        return int(math.ceil(n_t / 0.864))  # 0.864: the signed-rank test's lowest efficiency relative to the t-test
    if model == "spearman":
        (rho,) = args
        if rho <= 0:
            return None
        rho = min(rho, 0.999)
        return int(math.ceil((z / math.atanh(rho)) ** 2 * (1 + rho**2 / 2) + 3))
    if model in ("proportions", "proportion"):
        p1, p2 = args
        if p1 <= p2:
            return None
        from statsmodels.stats.power import NormalIndPower
        from statsmodels.stats.proportion import proportion_effectsize

        h = proportion_effectsize(min(p1, 0.999), max(p2, 0.001))
        if model == "proportion":  # one sample against a fixed fraction
            return int(math.ceil((z / h) ** 2))
        return int(math.ceil(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, alternative="larger")))
    if model == "equivalence":
        diff, sd, margin = args
        if abs(diff) >= margin or sd <= 0:
            return None
        return int(math.ceil(sd**2 * (float(_st.norm.ppf(1 - alpha)) + float(_st.norm.ppf(1 - (1 - power) / 2))) ** 2
                             / (margin - abs(diff)) ** 2)) + 1
    raise ValueError(f"unknown power model {model!r}")


# --- evidence where some runs cannot be classified (appended for C5, issue 12) ----------------------------

def majority(for_count: int, against_count: int, trials: int, label: str = "runs", other: str = "the other kind") -> Evidence:
    """The sentence claims that most of `trials` runs are of one kind. Some runs may be of neither kind (their
    class depends on a tolerance within its declared range), and those count for neither side: p is the
    binomial test that more than half are of the claimed kind (`for_count`), p_opposite the same test for
    the contrary kind (`against_count`). So undecidable runs make the check inconclusive, never refuted."""
    k, j, n = int(for_count), int(against_count), int(trials)
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
    maybe, sure = np.asarray(possibly, dtype=bool).ravel(), np.asarray(surely, dtype=bool).ravel()
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
