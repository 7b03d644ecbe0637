"""The verifier against the team's adversarial set, with the real default embedder."""

import pytest

from briefing.eval.adversarial import ATTACKS, measure, rates

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    from briefing.backends.base import load_embedder
    from briefing.config import load_config, packaged_defaults

    config, _ = load_config(packaged_defaults() / "models.yaml")
    embedder = load_embedder(config)
    return measure(tmp_path_factory.mktemp("adversarial"), embedder)


def test_every_attack_is_rejected(outcomes):
    accepted = [o for o in outcomes if o.category != "faithful paraphrase" and o.accepted]
    assert accepted == []
    assert {o.category for o in outcomes} >= {c for c, _ in ATTACKS}


def test_faithful_paraphrases_are_accepted(outcomes):
    rejected, accepted = rates(outcomes)
    assert rejected == 1.0
    assert accepted >= 0.9, [
        o for o in outcomes if o.category == "faithful paraphrase" and not o.accepted
    ]
