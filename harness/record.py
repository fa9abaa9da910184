"""What a claim files for the report: provenance, settings, seeds, figures and checks.

A plain results sink (no pytest): `check` records the statistic, the threshold and the outcome and
does not raise, so every check shows in the report even after one fails; the pytest plugin raises
ClaimRefuted after the claim's body if any check failed.
"""
from __future__ import annotations

import base64
import dataclasses
import io
import math
import operator
from typing import Any

import numpy as np


class ClaimRefuted(AssertionError):
    """At least one check of a claim failed: the evidence refutes it."""


class NonFiniteStatistic(ValueError):
    """A check was handed NaN or infinity: the run is broken, not the claim refuted."""


_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
FIGURE_DPI = 72  # keeps each embedded PNG around 20–60 kB so the page opens quickly


def _plain(value: Any) -> Any:
    """JSON-able version of settings values (dataclasses, tuples, numpy scalars)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _non_finite(value: Any) -> bool:
    """True for NaN or infinity as any number type (float, numpy, 0-d tensor); False for non-numbers."""
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError, RuntimeError):
        return False


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


class Record:
    def __init__(self, claim: str, statement: str = "", sources: tuple[str, ...] = (), title: str = "",
                 variant: str = "", profile: str = "", device: str = "cpu"):
        self.claim, self.statement, self.sources, self.title = claim, statement, list(sources), title
        self.variant, self.profile, self.device = variant, profile, device
        self.settings: dict[str, Any] = {}
        self.seeds: list[int] = []
        self.checks: list[dict] = []
        self.figures: list[dict] = []
        self.runs: list[dict] = []
        self.notes: list[str] = []

    # --- what a claim calls ---------------------------------------------------------------
    def setting(self, settings: Any = None, **extra: Any) -> None:
        """File the claim's settings (a dataclass or dict) and any extra key=value facts."""
        if settings is not None:
            described = _plain(settings)
            for shown_elsewhere in ("statement", "sources", "title"):  # the report shows these above the settings
                described.pop(shown_elsewhere, None)
            self.settings.update(described)
        self.settings.update(_plain(extra))

    def use_seeds(self, seeds: list[int]) -> list[int]:
        self.seeds = sorted(set(self.seeds) | set(int(s) for s in seeds))
        return list(seeds)

    def note(self, text: str) -> None:
        self.notes.append(str(text))

    def figure(self, fig, title: str = "") -> None:
        """Embed a matplotlib figure as a PNG, then close it."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
        plt.close(fig)
        title = title or (fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else "")
        self.figures.append({"title": title, "png_base64": base64.b64encode(buffer.getvalue()).decode("ascii")})

    def check(self, name: str, statistic: Any, op: str, threshold: Any, detail: str = "") -> bool:
        """Compare a statistic with a threshold fixed in advance; record and return the outcome.

        op is one of >=, <=, >, <, "contains" (statistic.contains(threshold), e.g. an interval)
        and "excludes". Non-finite statistics or thresholds raise NonFiniteStatistic: a comparison
        with NaN is False, so "excludes" or "<" would otherwise pass on a broken run."""
        if _non_finite(threshold):
            raise NonFiniteStatistic(f"check {name!r}: threshold is {threshold}; thresholds must be finite")
        if op in ("contains", "excludes"):
            inside = bool(statistic.contains(threshold))
            passed = inside if op == "contains" else not inside
            value = None
            for bound in ("low", "high"):
                if not math.isfinite(float(getattr(statistic, bound, 0.0))):
                    raise NonFiniteStatistic(f"check {name!r}: interval {statistic} is not finite")
        elif op in _COMPARE:
            value = float(statistic)
            if not math.isfinite(value):
                raise NonFiniteStatistic(f"check {name!r}: statistic is {value}; a run produced NaN or infinity")
            passed = bool(_COMPARE[op](value, float(threshold)))
        else:
            raise ValueError(f"unknown comparison {op!r}; use one of {sorted(_COMPARE)} or contains/excludes")
        self.checks.append({"name": name, "statistic": _fmt(statistic), "value": value, "op": op,
                            "threshold": _fmt(threshold), "passed": passed, "detail": str(detail)})
        return passed

    # --- what the plugin reads ------------------------------------------------------------
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if not c["passed"]]

    def failure_message(self) -> str:
        lines = [f"{len(self.failed_checks())} of {len(self.checks)} checks failed for claim {self.claim}"
                 f"{'[' + self.variant + ']' if self.variant else ''}:"]
        for c in self.failed_checks():
            lines.append(f"  {c['name']}: {c['statistic']} {c['op']} {c['threshold']} is false"
                         f"{' (' + c['detail'] + ')' if c['detail'] else ''}; seeds={self.seeds}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"claim": self.claim, "variant": self.variant, "title": self.title, "statement": self.statement,
                "sources": self.sources, "settings": self.settings, "profile": self.profile,
                "device": self.device, "seeds": self.seeds, "checks": self.checks, "figures": self.figures,
                "runs": self.runs, "notes": self.notes}
