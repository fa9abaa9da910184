"""A variant is declared once (fixtures.claims.Variant); a declaration the page could not trust is refused
when the claim module is imported, i.e. at collection."""
import pytest

import fixtures.claims
from fixtures.claims import EXTENSION, FAITHFUL, SCALED, Quote, Variant, VariantError, claim, variants

Q = Quote("000", "§1", "It can let the model fit the training data (Overfitting) easily.")


def declare(**changes):
    fields = dict(id="fits-000", fidelity=FAITHFUL, quotes=[Q], cpu={"epochs": 1}, full={"epochs": 2})
    fields.update(changes)
    return Variant(**fields)


def test_a_faithful_variant_is_accepted_and_stores_tuples():
    v = declare()
    assert v.quotes == (Q,) and v.settings("cpu") == {"epochs": 1} and v.fidelity_record("full")["tag"] == FAITHFUL


@pytest.mark.parametrize("changes, says", [
    (dict(fidelity=""), "fidelity '' is not one of"),
    (dict(fidelity="faithfull"), "fidelity 'faithfull' is not one of"),   # a typo fails, not silently None
    (dict(quotes=[]), "quotes must hold"),
    (dict(fidelity=EXTENSION), "names the condition"),
    (dict(fidelity=SCALED), "lists how the cpu profile deviates"),
    (dict(id="fits 000"), "an id is words"),
    (dict(id="fits[000]"), "an id is words"),
    (dict(full=None), "no settings for profile"),
])
def test_an_unusable_declaration_is_refused(changes, says):
    with pytest.raises(VariantError, match=says):
        declare(**changes)


def test_a_repeated_id_is_refused():
    with pytest.raises(VariantError, match="declared twice"):
        variants(declare(), declare())


@pytest.fixture
def scratch_registry(monkeypatch):
    """A claim declared by a test goes into a copy of the registry: the real one lists the claim modules' only
    (tests/test_fidelity.py counts them, in whatever order xdist runs the two files)."""
    monkeypatch.setattr(fixtures.claims, "CLAIMS", dict(fixtures.claims.CLAIMS))


def test_claim_parametrizes_over_the_declared_variants(scratch_registry):
    table = variants(declare(), declare(id="fits-002", fidelity=SCALED, deviations_cpu=["4000 images"]))

    @claim("variants_selftest", statement="s", sources=["000"], variants=table)
    def test_x(settings):
        pass

    (marker,) = [m for m in test_x.pytestmark if m.name == "claim"]
    assert {k: v.settings("cpu") for k, v in marker.kwargs["variants"].items()} == {
        "fits-000": {"epochs": 1}, "fits-002": {"epochs": 1}}
    assert marker.kwargs["variants"]["fits-002"].fidelity_record("cpu")["deviations"] == ["4000 images"]
    (param,) = [m for m in test_x.pytestmark if m.name == "parametrize"]
    assert list(param.args[1]) == ["fits-000", "fits-002"]


def test_claim_refuses_a_table_that_is_not_a_variant_table(scratch_registry):
    with pytest.raises(VariantError, match="takes the table"):
        claim("variants_selftest_bad", statement="s", sources=["000"], variants={"other-id": declare()})
