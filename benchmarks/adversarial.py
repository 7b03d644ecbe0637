"""Print how the verifier does on the team's adversarial set (briefing/eval/adversarial.py), with the
real default embedder: every attack should be rejected, every faithful paraphrase accepted.

    python benchmarks/adversarial.py
"""

import tempfile
from pathlib import Path

from briefing.backends.base import load_embedder
from briefing.config import load_config
from briefing.eval.adversarial import measure, rates


def main() -> None:
    config, _ = load_config()
    embedder = load_embedder(config)
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = measure(Path(tmp), embedder)
    for o in outcomes:
        verdict = "accepted" if o.accepted else "rejected"
        print(f"{o.category:<26} {verdict:<9} {o.text}")
        if o.reason and o.category == "faithful paraphrase":
            print(f"{'':<36}reason: {o.reason}")
    attacks = sum(o.category != "faithful paraphrase" for o in outcomes)
    faithful = len(outcomes) - attacks
    rejected, accepted = rates(outcomes)
    print(
        f"\nattacks rejected: {rejected:.0%} of {attacks}; faithful paraphrases accepted: {accepted:.0%} of {faithful}"
    )


if __name__ == "__main__":
    main()
