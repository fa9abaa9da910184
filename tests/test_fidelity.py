"""Every variant declaration against the reports it quotes and the files derived from it.

Variants are declared once, in their claim module (fixtures.claims.Variant). This checks what a declaration
alone cannot: every quote is verbatim in its report, and the reviewed baseline (claims/expected/*.json)
names only variants that exist. The reports live in ../shared/seeds beside the repository (CI clones the repo
next to a copy of shared/); the quote check skips when that folder is absent. Papers are quoted from
shared/CLAIMS.md's summary of them.
"""
import importlib
import json
from pathlib import Path

import pytest

from fixtures.claims import CLAIMS, REPORTS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CLAIM_MODULES = sorted(ROOT.glob("claims/test_c[0-9][0-9]_*.py"))


def declared() -> dict[str, dict]:
    """claim id -> {variant id: Variant}, from importing every claim module."""
    for path in CLAIM_MODULES:
        importlib.import_module(f"claims.{path.stem}")
    return CLAIMS


def _sources() -> dict[str, str]:
    """Report number ("000"…) → its text; "CLAIMS.md" → the catalogue (where the papers are summarised)."""
    if not SEEDS.is_dir():
        pytest.skip(f"the reports are not at {SEEDS}: clone the repo beside a copy of shared/ to check the quotes")
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("[0-9][0-9][0-9]_*.txt"))}
    assert set(REPORTS) <= set(texts), f"missing report files in {SEEDS}: {sorted(set(REPORTS) - set(texts))}"
    texts["CLAIMS.md"] = (SHARED / "CLAIMS.md").read_text(encoding="utf-8")
    return texts


def test_one_module_per_claim():
    claims = declared()
    assert len(CLAIM_MODULES) == len(claims) == 11, (
        f"{len(CLAIM_MODULES)} claim modules declare {len(claims)} claims: one module per claim, C1…C11")


def test_every_quote_is_verbatim():
    texts = _sources()
    missing = [f"{claim}[{v.id}]: {q.report} {q.section!r}: {q.text[:60]!r}"
               for claim, table in declared().items() for v in table.values() for q in v.quotes
               if q.text not in texts[q.report if q.report in REPORTS else "CLAIMS.md"]]
    assert not missing, "quotes not found verbatim in their source:\n" + "\n".join(missing)


def undeclared(baseline: dict, claims: dict[str, dict]) -> list[str]:
    """The baseline's entries that name no declared variant (a renamed or removed one)."""
    names = {f"{claim}[{vid}]" for claim, table in claims.items() for vid in table}
    return sorted(set(baseline["variants"]) - names)


@pytest.mark.parametrize("path", sorted((ROOT / "claims" / "expected").glob("*.json")), ids=lambda p: p.name)
def test_the_baseline_names_only_declared_variants(path):
    stale = undeclared(json.loads(path.read_text(encoding="utf-8")), declared())
    assert not stale, (f"{path.name} lists variants no claim declares: {stale}; rewrite it with "
                       f"python -m reports.baseline after a full run")


def test_a_stale_baseline_entry_is_found():
    # the counter-example: an entry for a renamed variant
    assert undeclared({"variants": {"c[a]": {}, "c[old]": {}}}, {"c": {"a": None}}) == ["c[old]"]
