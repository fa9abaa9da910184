"""From a variant's checks to one verdict: holds, refuted or inconclusive (no pytest in here).

The rules, fixed before any data (README "What a verdict means"):
- holds: every check supports the sentence — each test's one-sided p in the claimed direction is below
  ALPHA after Holm's correction across the variant's tests, each practical threshold is met, and every
  model a check compares met its convergence criterion;
- refuted: some check shows the opposite — its opposite-direction p is below ALPHA after Holm (for an
  equivalence test: the test that the mean lies outside the margin), or a practical threshold is missed on
  the wrong side of a threshold declared against the sentence;
- inconclusive: anything else, with the reason (a tie, zero spread, a p-value that is not small enough, an
  unconverged budget) and the seeds that would decide each test at the observed effect.
A test whose smallest attainable p cannot pass Holm's ladder at its n is a design error, never a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.stats import Evidence, power_analysis

ALPHA = 0.05  # family-wise, per variant


class DesignError(ValueError):
    """A check that could never decide at its n: fix the design (more seeds), not the verdict."""


@dataclass(frozen=True)
class Gate:
    """Whether one trained model met the convergence criterion a claim declared for it."""

    label: str
    met: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "met": self.met, "detail": self.detail}


def converged(label: str, losses: Any, last_fraction: float = 0.2, max_relative_change: float = 0.05) -> Gate:
    """Budget gate on training-loss curves (seeds × records): converged when, for the median seed, the loss
    changed by less than `max_relative_change` of its value over the last `last_fraction` of the budget. The
    size of the change counts, either way: a loss that rises over the tail has not converged."""
    curves = np.asarray(losses, dtype=float)
    curves = curves.reshape(1, -1) if curves.ndim == 1 else curves
    if curves.ndim != 2:
        raise ValueError(f"{label}: losses must be one curve or seeds × records, got shape {curves.shape}")
    if curves.shape[1] < 2:
        raise ValueError(f"{label}: a convergence criterion needs at least two recorded losses per seed")
    bad = ~np.isfinite(curves)
    if bad.any():
        raise ValueError(f"{label}: {int(bad.sum())} recorded loss(es) are NaN or infinite (seeds "
                         f"{np.flatnonzero(bad.any(axis=1)).tolist()}): the run is broken, not unconverged")
    start = min(curves.shape[1] - 2, int(round((1 - last_fraction) * (curves.shape[1] - 1))))
    change = (curves[:, -1] - curves[:, start]) / np.maximum(np.abs(curves[:, start]), 1e-30)
    size = float(np.median(np.abs(change)))
    rose = int((change > 0).sum())
    met = size < max_relative_change
    return Gate(label, met, f"{label}: the median seed's loss changed by {size:.1%} over the last {last_fraction:.0%} "
                            f"of the budget ({rose} of {len(change)} seeds rose; "
                            f"{'<' if met else '>='} {max_relative_change:.0%}: "
                            f"{'converged' if met else 'not converged'})")


def reached(label: str, fraction_reached: float, criterion: str, at_least: float = 1.0) -> Gate:
    """Budget gate from the claim's own "trained" threshold: met when that fraction of seeds reached it."""
    fraction, needed = float(fraction_reached), float(at_least)
    if not 0 <= fraction <= 1:  # also refuses NaN (the mean of no seeds)
        raise ValueError(f"{label}: fraction_reached must be a fraction in [0, 1], got {fraction_reached}")
    if not 0 < needed <= 1:
        raise ValueError(f"{label}: at_least must be a fraction in (0, 1], got {at_least}")
    met = fraction >= needed
    return Gate(label, met, f"{label}: {fraction:.0%} of seeds reached {criterion} "
                            f"({'met' if met else 'not met'}: needs {needed:.0%})")


@dataclass
class Check:
    name: str
    evidence: Evidence
    requires: tuple[Gate, ...] = ()
    # decided by `decide`:
    status: str = ""                 # supports | against | undecided | budget
    p_holm: float | None = None
    p_opposite_holm: float | None = None
    why: str = ""
    seeds_needed: int | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        e = self.evidence
        return {"name": self.name, "kind": e.kind, "method": e.method, "direction": e.claim, "n": e.n,
                "statistic": e.summary, "p": e.p, "p_holm": self.p_holm, "p_opposite": e.p_opposite,
                "p_opposite_holm": self.p_opposite_holm, "min_p": e.min_p,
                "effect": e.effect.as_dict() if e.effect else None, "status": self.status, "why": self.why,
                "seeds_needed": self.seeds_needed, "requires": [g.as_dict() for g in self.requires],
                "detail": self.detail}


@dataclass
class Decision:
    verdict: str
    reason: str
    checks: list[Check] = field(default_factory=list)


def holm(pvalues: list[float]) -> list[float]:
    """Holm-adjusted p-values, equal to statsmodels' multipletests(method="holm") (tests/test_verdicts.py checks
    it); written out because multipletests runs gc.collect() on every call, 0.2 s each."""
    order = np.argsort(pvalues, kind="stable")
    adjusted, running = np.empty(len(pvalues)), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return [float(p) for p in adjusted]


def check_power(checks: list[Check], alpha: float = ALPHA) -> None:
    """Raise DesignError when the tests, each at its smallest attainable p, could not all pass Holm."""
    tests = [c for c in checks if c.evidence.p is not None and c.evidence.min_p is not None]
    ladder = sorted(tests, key=lambda c: c.evidence.min_p)
    for rank, c in enumerate(ladder):
        level = alpha / (len(ladder) - rank)
        if c.evidence.min_p >= level:
            raise DesignError(
                f"design error in check {c.name!r}: at n = {c.evidence.n} the smallest attainable p of the "
                f"{c.evidence.method} is {c.evidence.min_p:.3g}, but Holm's correction over {len(ladder)} tests "
                f"needs it below {level:.3g} — add seeds (or drop a test), it can never decide as designed")


def _fmt_p(p: float | None) -> str:
    return "–" if p is None else f"{p:.2g}"


_WHY = {  # (evidence kind, status) -> why, for the tests; p_opp is the opposite-direction (or difference) test's p
    ("test", "supports"): "p = {p} (Holm {p_holm}); {effect}",
    ("test", "against"): "the opposite: p = {p_opp} (Holm {p_opp_holm}); {effect}",
    ("test", "undecided"): "not significant: p = {p} (Holm {p_holm}); {effect}",
    ("equivalence", "supports"): "equivalent: TOST p = {p} (Holm {p_holm}); {effect}",
    ("equivalence", "against"): "not equivalent, outside the margin: p = {p_opp} (Holm {p_opp_holm}) that the "
                                "mean lies beyond it; {effect}",
    ("equivalence", "undecided"): "neither inside the margin (TOST p = {p}, Holm {p_holm}) nor outside it "
                                  "(p = {p_opp}); {effect}",
}


def decide(checks: list[Check], alpha: float = ALPHA) -> Decision:
    """The verdict of one variant from its checks (which it annotates in place)."""
    if not checks:
        raise DesignError("a claim must make at least one check")
    check_power(checks, alpha)
    tests = [c for c in checks if c.evidence.p is not None]
    # Holm over the variant's tests, in each direction; a budget-gated test stays in the family (at its p).
    for c, p in zip(tests, holm([c.evidence.p for c in tests])):
        c.p_holm = p
    for c, p in zip(tests, holm([c.evidence.p_opposite for c in tests])):
        c.p_opposite_holm = p
    level = alpha / max(1, len(tests))  # the first rung of Holm's ladder: a conservative level for power
    for c in checks:
        e, unmet = c.evidence, [g for g in c.requires if not g.met]
        if unmet:
            c.status, c.why = "budget", "budget: " + "; ".join(g.detail for g in unmet)
        elif e.kind == "threshold":
            c.status = "supports" if e.supports else "against" if e.against else "undecided"
            c.why = {"supports": f"threshold met ({e.summary})", "against": f"against the sentence: {e.summary}",
                     "undecided": f"threshold missed, not beyond a threshold against the sentence ({e.summary})"}[c.status]
        elif e.no_information:  # a tie, everything censored, or a check that could not be made ("none")
            c.status, c.why = "undecided", f"no information: {e.no_information}"
        else:  # a test or an equivalence test: the same rule, in the words of each
            c.status = "supports" if c.p_holm < alpha else "against" if c.p_opposite_holm < alpha else "undecided"
            c.why = _WHY[e.kind, c.status].format(p=_fmt_p(e.p), p_holm=_fmt_p(c.p_holm), p_opp=_fmt_p(e.p_opposite),
                                                  p_opp_holm=_fmt_p(c.p_opposite_holm), effect=e.effect)
        if c.status == "undecided" and e.kind in ("test", "equivalence") and not e.no_information:
            c.seeds_needed, note = power_analysis(e, level)
            c.why += f"; {note}" if note else ""
    against = [c for c in checks if c.status == "against"]
    if against:
        return Decision("refuted", "; ".join(f"{c.name}: {c.why}" for c in against), checks)
    if all(c.status == "supports" for c in checks):
        return Decision("holds", f"all {len(checks)} checks support the sentence", checks)
    open_checks = [c for c in checks if c.status != "supports"]
    return Decision("inconclusive", "; ".join(f"{c.name}: {c.why}" for c in open_checks), checks)
