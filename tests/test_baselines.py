from conftest import FakeEmbedder, FakeGenerator, prepare, write_files

from briefing.eval.baselines import cut_to_words, lead_3, lexrank, textrank
from briefing.records import Story

FLOOD = {
    "a/flood.txt": (
        "River Arden floods Kelby\n\n"
        "The River Arden burst its banks in Kelby on Monday, flooding 40 homes.\n\n"
        "Firefighters pumped water from the flooded homes in Kelby through the night.\n\n"
        "The bakery on Mill Street sold out of bread by noon.\n\n"
        "Residents of the flooded homes were moved to the Kelby school hall.\n"
    ),
    "b/flood.txt": (
        "Floods in Kelby\n\n"
        "Floods from the River Arden reached 40 homes in Kelby on Monday.\n\n"
        "The flooded homes in Kelby will be inspected by engineers on Tuesday.\n"
    ),
}


def story_of(tmp_path):
    articles, _ = prepare(tmp_path, FLOOD, FakeEmbedder())
    return Story("s", tuple(articles))


def test_cut_to_words_stops_at_the_budget():
    assert cut_to_words(["one two three.", "four five six."], 4) == "one two three. four"
    assert cut_to_words(["one two three."], 10) == "one two three."
    assert cut_to_words(["one two"], 0) == ""


def test_lead_3_is_the_first_three_sentences_of_the_first_article(tmp_path):
    story = story_of(tmp_path)
    assert lead_3(story, 100) == (
        "The River Arden burst its banks in Kelby on Monday, flooding 40 homes. "
        "Firefighters pumped water from the flooded homes in Kelby through the night. "
        "The bakery on Mill Street sold out of bread by noon."
    )
    assert len(lead_3(story, 10).split()) == 10


def test_graph_baselines_take_source_sentences_within_the_budget(tmp_path):
    story = story_of(tmp_path)
    sources = [s.text for a in story.articles for s in a.sentences]
    for summarise in (lexrank, textrank):
        assert len(summarise(story, 12).split()) == 12
        # best-ranked first, printed in document order: whole sentences, then the cut one
        chosen = summarise(story, 30)
        assert chosen.startswith(tuple(sources)) and len(chosen.split()) == 30
        # a budget that fits every sentence takes them all, in document order
        sources = [s.text for a in story.articles for s in a.sentences]
        assert summarise(story, 500) == " ".join(sources)


def test_summary_evaluation_scores_every_system_at_one_budget(tmp_path):
    import json

    from briefing.config import load_config
    from briefing.eval.summary import evaluate_summaries
    from briefing.pipeline import load_prompts

    files = {"clusters/c1/a.txt": FLOOD["a/flood.txt"], "clusters/c1/b.txt": FLOOD["b/flood.txt"]}
    files["clusters/c1/REFERENCE.md"] = (
        "– The River Arden burst its banks in Kelby on Monday; the flooded homes will be "
        "inspected by engineers on Tuesday."
    )
    root = write_files(tmp_path, files)
    config, path = load_config()
    # the model copies two sentences and writes nothing for the others
    generator = FakeGenerator(
        "River Arden floods Kelby",
        rewrites={"Firefighters": "", "bakery": "", "Floods from": "", "Residents": ""},
    )
    report = evaluate_summaries(root, config, load_prompts(path), generator, FakeEmbedder())
    assert report.clusters == 1
    assert set(report.f1) == {"briefing", "lead-3", "lexrank", "textrank"}
    budget = report.per_cluster[0]["budget"]
    assert 20 <= budget == report.words["briefing"] <= 30  # two or three short sentences
    assert report.words["lexrank"] == report.words["textrank"] == budget
    # the reference itself was built from the two sentences the fake model chose
    assert report.f1["briefing"]["rouge2"] > report.f1["lead-3"]["rouge2"]
    markdown = report.markdown()
    assert "| briefing (fake-generator) |" in markdown and "x LexRank" in markdown
    data = json.loads(json.dumps(report.as_dict()))
    assert data["rouge2_ratio_to_lexrank"] == report.ratio("briefing", "lexrank")
