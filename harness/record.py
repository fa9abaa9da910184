"""What a claim files for the report: provenance, settings, seeds, figures and checks.

A plain results sink (no pytest): `check` files one piece of evidence and never raises on a verdict,
so every check shows in the report; after the claim's body the pytest plugin asks `decide` for the
verdict (harness.verdict) and compares it with the reviewed baseline.
"""
from __future__ import annotations

import base64
import hashlib
import io
import math
from typing import Any

import numpy as np

from harness import stats
from harness.results import DESCEND, ClaimResult, plain, to_json
from harness.stats import Evidence
from harness.verdict import Check, Decision, Gate, decide


class NonFiniteStatistic(ValueError):
    """A check was handed NaN or infinity: the run is broken, not the claim refuted."""


FIGURE_DPI = 72      # keeps each embedded PNG small so the page opens quickly
FIGURE_COLOURS = 64  # PNGs stored with a palette: charts have few colours; 64 (not 256) keeps lines and
                     # antialiasing legible and brought the 54-variant page from 1.59 MB to under 1.5 MB


def _plain(value: Any) -> Any:
    """JSON-able version of settings values (dataclasses, tuples, numpy scalars)."""
    return plain(value, leaf=lambda v: v.item() if isinstance(v, np.generic) else DESCEND)


def _non_finite(value: Any) -> bool:
    """True for NaN or infinity as any number type (float, numpy, 0-d tensor); False for non-numbers."""
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError, RuntimeError):
        return False


class Record:
    def __init__(self, claim: str, statement: str = "", sources: tuple[str, ...] = (), title: str = "",
                 variant: str = "", profile: str = "", device: str = "cpu", seed_base: int = 0, smoke: bool = False):
        self.claim, self.statement, self.sources, self.title = claim, statement, list(sources), title
        self.variant, self.profile, self.device = variant, profile, device
        self.seed_base, self.smoke = int(seed_base), smoke
        self.settings: dict[str, Any] = {}
        self.seed_list: list[int] = []
        self.checks: list[Check] = []
        self.figures: list[dict] = []
        self.runs: list[dict] = []
        self.notes: list[str] = []
        self.decision: Decision | None = None
        self.fidelity: dict | None = None  # what the variant tests and how faithfully (claims/fidelity.py)
        self.claim_statement = statement   # the claim's sentence; `statement` may be a variant's own
        self.budget_trace = None           # harness.budget.Trace: the answer along the budget, when read there

    # --- what a claim calls ---------------------------------------------------------------
    def setting(self, settings: Any = None, **extra: Any) -> None:
        """File the claim's settings (a dataclass or dict) and any extra key=value facts."""
        if settings is not None:
            described = _plain(settings)
            for shown_elsewhere in ("statement", "sources", "title"):  # the report shows these above the settings
                described.pop(shown_elsewhere, None)
            self.settings.update(described)
        self.settings.update(_plain(extra))

    def seeds(self, n: int) -> list[int]:
        """The claim's n seeds: seed_base, seed_base + 1, ... (at most 2 in a smoke run)."""
        if int(n) < 1:
            raise ValueError(f"a claim needs at least one seed, got {n}")
        chosen = [self.seed_base + i for i in range(min(int(n), 2) if self.smoke else int(n))]
        self.seed_list = sorted(set(self.seed_list) | set(chosen))
        return chosen

    def note(self, text: str) -> None:
        self.notes.append(str(text))

    def figure(self, fig, title: str = "") -> None:
        """Store a matplotlib figure as a palette PNG named by its content hash, then close it."""
        import matplotlib.pyplot as plt
        from PIL import Image

        buffer = io.BytesIO()  # an intermediate PNG, decoded below: compression level 1 (matplotlib's 6 costs 25% more)
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", pil_kwargs={"compress_level": 1})
        title = title or fig.get_suptitle()
        plt.close(fig)
        buffer.seek(0)
        image = Image.open(buffer).convert("RGB").quantize(colors=FIGURE_COLOURS, method=Image.Quantize.MEDIANCUT,
                                                           dither=Image.Dither.NONE)
        png = io.BytesIO()
        image.save(png, format="PNG")  # optimize=True: 4% smaller files for 8x the time (30 ms a figure)
        data = png.getvalue()
        self.figures.append({"title": title, "sha256": hashlib.sha256(data).hexdigest(),
                             "png_base64": base64.b64encode(data).decode("ascii")})

    def check(self, name: str, evidence: Any, op: str | None = None, threshold: Any = None, *,
              against: float | None = None, requires: tuple[Gate, ...] = (), detail: str = "") -> Check:
        """File one check of the sentence: an Evidence from harness.stats, or inline a practical threshold
        (`record.check(name, value, ">=", 0.99)`, with `against=` a threshold beyond which the value speaks
        against the sentence). `requires` lists the budget gates the compared models must have met.
        Non-finite statistics or thresholds raise NonFiniteStatistic: NaN compares False, so a threshold
        check would otherwise be decided by a broken run."""
        if op is not None:
            for what, value in (("threshold", threshold), ("statistic", evidence)):
                if _non_finite(value):
                    raise NonFiniteStatistic(f"check {name!r}: {what} is {value}; "
                                             + ("thresholds must be finite" if what == "threshold"
                                                else "a run produced NaN or infinity"))
            evidence = stats.threshold(float(evidence), op, float(threshold), against=against)
        elif not isinstance(evidence, Evidence):
            raise TypeError(f"check {name!r}: pass an Evidence from harness.stats, or a statistic with an operator "
                            f"and a threshold (record.check(name, value, '>=', 0.99))")
        made = Check(name, evidence, tuple(requires), detail=str(detail))
        self.checks.append(made)
        return made

    # --- what the plugin reads ------------------------------------------------------------
    def decide(self) -> Decision:
        """The variant's verdict under harness.verdict's rules (raises DesignError for an underpowered design)."""
        self.decision = decide(self.checks)
        fidelity = self.fidelity or {}
        if self.decision.verdict == "refuted" and fidelity.get("tag") == "extension":
            # a condition no report tested cannot refute a report: the suite's finding, said as such
            self.decision.reason = (f"does not hold under {fidelity.get('condition') or 'a condition the report did not test'}"
                                    f" (an extension: the suite's condition, not the report's): {self.decision.reason}")
        return self.decision

    def result(self, **run_facts: Any) -> ClaimResult:
        """What this claim writes into results.json (harness.results.ClaimResult); `run_facts` are the pytest
        plugin's: nodeid, outcome, verdict, expected, timings, ..."""
        decision = self.decision
        return ClaimResult(claim=self.claim, variant=self.variant, title=self.title, statement=self.statement,
                           claim_statement=self.claim_statement, sources=list(self.sources), settings=self.settings,
                           profile=self.profile, device=self.device, seed_base=self.seed_base,
                           seeds=list(self.seed_list), verdict_reason=decision.reason if decision else None,
                           fidelity=self.fidelity, checks=[c.as_dict() for c in self.checks], figures=self.figures,
                           runs=self.runs, notes=self.notes,
                           budget=self.budget_trace.as_dict() if self.budget_trace is not None else None,
                           **run_facts)

    def to_dict(self) -> dict:
        """result() as plain JSON data."""
        return to_json(self.result())
