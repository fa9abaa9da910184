"""claims/fidelity.py against the reports it quotes: every quote verbatim, every tag one of three and backed.

The reports live in ../shared/seeds beside the repository (CI clones the repo next to a copy of shared/); the
quote check skips when that folder is absent. Papers are quoted from shared/CLAIMS.md's summary of them.
"""
from collections import Counter
from pathlib import Path

import pytest

from claims.fidelity import FIDELITY, REPORTS, TAGS

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
VARIANTS_PER_CLAIM = {  # the variant tables of claims/test_hw1_*.py: one entry each
    "function_fit_depth": 8, "cnn_depth": 5, "trajectories": 2, "gradient_norm": 3, "minimal_ratio": 4,
    "error_surface": 1, "random_labels": 5, "param_count": 6, "interpolation": 7, "sensitivity": 10, "sharpness": 3,
}


def _sources() -> dict[str, str]:
    """Report number ("000"…) → its text; "CLAIMS.md" → the catalogue (where the papers are summarised)."""
    if not SEEDS.is_dir():
        pytest.skip(f"the reports are not at {SEEDS}: clone the repo beside a copy of shared/ to check the quotes")
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("[0-9][0-9][0-9]_*.txt"))}
    assert set(REPORTS) <= set(texts), f"missing report files in {SEEDS}: {sorted(set(REPORTS) - set(texts))}"
    texts["CLAIMS.md"] = (SHARED / "CLAIMS.md").read_text(encoding="utf-8")
    return texts


def test_every_quote_is_verbatim():
    texts = _sources()
    missing = [f"{key}: {quote.report} {quote.section!r}: {quote.text[:60]!r}"
               for key, entry in FIDELITY.items() for quote in entry.quotes
               if quote.text not in texts[quote.report if quote.report in REPORTS else "CLAIMS.md"]]
    assert not missing, "quotes not found verbatim in their source:\n" + "\n".join(missing)


def test_one_entry_per_variant():
    claims = Counter(key.split("[", 1)[0] for key in FIDELITY)
    assert all(key.count("[") == 1 and key.endswith("]") for key in FIDELITY), "keys are 'claim_id[variant_id]'"
    assert claims == VARIANTS_PER_CLAIM, f"variants per claim {dict(claims)}, expected {VARIANTS_PER_CLAIM}"


@pytest.mark.parametrize("key", sorted(FIDELITY))
def test_tag_is_backed(key):
    entry = FIDELITY[key]
    assert entry.tag in TAGS, f"{key}: tag {entry.tag!r} is not one of {TAGS}"
    assert entry.quotes, f"{key}: no quote of what it tests"
    assert all(q.text.strip() and q.report for q in entry.quotes), f"{key}: an empty quote or source"
    if entry.tag == "extension":
        assert entry.condition, f"{key}: an extension names the condition no report tested"
    if entry.tag == "scaled":
        assert entry.deviations_cpu, f"{key}: a scaled variant lists how the cpu profile deviates"
