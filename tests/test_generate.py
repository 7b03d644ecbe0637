from conftest import FakeEmbedder, FakeGenerator, prepare

from briefing.config import load_config
from briefing.pipeline import load_prompts
from briefing.records import Evidence, Story
from briefing.stages.generate import generate

FILES = {
    "a.txt": (
        "Bridge closed\n\n"
        "The Harlow bridge was closed on Monday after winds reached 120 km/h.\n\n"
        "Engineers will inspect the bridge before it reopens, the council said.\n"
    )
}


def test_each_evidence_sentence_is_shortened_on_its_own(tmp_path):
    articles, _ = prepare(tmp_path, FILES, FakeEmbedder())
    story = Story("s", tuple(articles))
    evidence = Evidence("s", articles[0].sentences)
    _, path = load_config()
    generator = FakeGenerator(
        "**Headline:** Storm closes Harlow bridge",
        rewrites={
            "Harlow bridge was closed": "Summary: The Harlow bridge was closed on Monday. Extra.",
            "Engineers": "Engineers will inspect the bridge",
        },
    )
    draft = generate(story, evidence, load_prompts(path), generator)
    rewrites = generator.rewrite_prompts()
    assert len(rewrites) == 2
    assert "Harlow bridge was closed" in rewrites[0] and "Engineers" not in rewrites[0]
    # the model is biased toward the words of the one sentence it rewrites
    assert generator.copy_from[0] == articles[0].sentences[0].text
    # first sentence of each answer, labels removed, a full stop added where missing
    assert draft.summary == (
        "The Harlow bridge was closed on Monday. Engineers will inspect the bridge."
    )
    assert draft.headline == "Storm closes Harlow bridge"
    assert "Extra." in draft.raw and "[headline]" in draft.raw


def test_a_title_in_the_evidence_is_not_rewritten_and_positions_stay_those_of_the_evidence(
    tmp_path,
):
    files = {
        "a.txt": FILES["a.txt"].replace("Bridge closed", "Storm winds close the Harlow bridge")
    }
    articles, _ = prepare(tmp_path, files, FakeEmbedder())
    story = Story("s", tuple(articles))
    [article] = articles
    assert article.title_sentence is not None
    evidence = Evidence("s", (article.sentences[0], article.title_sentence, article.sentences[1]))
    _, path = load_config()
    generator = FakeGenerator(
        "Headline: Storm closes Harlow bridge",
        rewrites={
            "Harlow bridge was closed": "The Harlow bridge was closed on Monday.",
            "Engineers": "Engineers will inspect the bridge.",
        },
    )
    draft = generate(story, evidence, load_prompts(path), generator)
    assert len(generator.rewrite_prompts()) == 2
    assert all("Storm winds" not in p for p in generator.rewrite_prompts())
    # the engineers' sentence rests on evidence position 2, past the title
    assert [s.evidence for s in draft.sentences] == [(0,), (2,)]
