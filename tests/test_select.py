from conftest import FakeEmbedder, prepare

from briefing.config import SelectSettings
from briefing.records import Story
from briefing.stages.select import concept_weights, concepts, select, sentence_concepts

FERRY = {
    "a/ferry.txt": (
        "Ferry strike\n\n"
        "Ferry crews in Portmoor walked out on Friday over a pay dispute.\n\n"
        "The harbour cafe on Quay Street had its busiest morning of the year.\n\n"
        "Ferry crews want a raise of 6 percent, the union said.\n"
    ),
    "b/ferry.txt": (
        "Portmoor ferries stop\n\n"
        "No ferries left Portmoor on Friday as crews walked out over a pay dispute.\n\n"
        "A local choir rehearsed in the church hall on Friday evening.\n"
    ),
    "c/ferry.txt": (
        "Strike halts Portmoor ferries\n\n"
        "Crews walked out on Friday in a pay dispute, stopping all Portmoor ferries.\n\n"
        "The union said ferry crews want a raise of 6 percent.\n"
    ),
}


def ferry_story(tmp_path):
    articles, vectors = prepare(tmp_path, FERRY, FakeEmbedder())
    return Story("s", tuple(articles)), vectors


def test_concepts_are_stemmed_word_pairs_without_stop_word_pairs():
    found = concepts("Crews walked out of the harbour")
    assert ("crew", "walk") in found and ("walk", "out") in found
    assert ("of", "the") not in found  # two stop words say nothing
    assert ("the", "harbour") in found


def test_a_concept_counts_once_per_other_article_that_shares_it(tmp_path):
    story, _ = ferry_story(tmp_path)
    weights = concept_weights(story, sentence_concepts(story))
    assert weights[("walk", "out")] == 2  # in all three articles
    assert weights[("pay", "disput")] == 2
    assert ("harbour", "cafe") not in weights  # one outlet only


def test_shared_facts_are_chosen_and_single_outlet_asides_left_out(tmp_path):
    story, vectors = ferry_story(tmp_path)
    evidence = select(story, vectors, SelectSettings(max_sentences=2, max_words=100))
    texts = [s.text for s in evidence.sentences]
    assert len(texts) == 2
    assert not any("cafe" in t or "choir" in t for t in texts)
    # the walk-out and the pay claim, not the same walk-out twice
    assert any("walked out" in t for t in texts) and any("6 percent" in t for t in texts)


def test_evidence_keeps_reading_order_and_the_word_budget(tmp_path):
    story, vectors = ferry_story(tmp_path)
    evidence = select(story, vectors, SelectSettings(max_sentences=5, max_words=30))
    assert sum(len(s.text.split()) for s in evidence.sentences) <= 30
    order = {a.id: i for i, a in enumerate(story.articles)}
    keys = [(order[s.article_id], s.index) for s in evidence.sentences]
    assert keys == sorted(keys)


def test_a_story_with_no_shared_pairs_still_gets_its_opening_sentences(tmp_path):
    articles, vectors = prepare(
        tmp_path,
        {
            "one.txt": (
                "Library opens\n\n"
                "The new library in Elmwick opened its doors on Saturday morning.\n\n"
                "Children queued for the reading corner before nine o'clock.\n"
            )
        },
        FakeEmbedder(),
    )
    evidence = select(Story("s", tuple(articles)), vectors, SelectSettings())
    assert evidence.sentences[0].text.startswith("The new library in Elmwick")


def test_the_lede_is_the_report_that_states_the_event_not_a_hook_or_a_quotation(tmp_path):
    # The feature opens with a hook and the other with a quotation; each would be the lede by
    # closeness in meaning alone (two articles tie). The report states what the others share.
    files = {
        "a/feature.txt": (
            "Harbour town hopes\n\n"
            "Portmoor has had better weeks for anyone hoping to cross the water.\n\n"
            "Ferry crews walked out on Friday over a pay dispute, and no ferry sailed.\n"
        ),
        "b/quote.txt": (
            "Union speaks\n\n"
            '"We have waited two years for a fair offer," the union leader said on Friday.\n\n'
            "Ferry crews in Portmoor walked out on Friday over a pay dispute.\n"
        ),
        "c/report.txt": (
            "Strike halts Portmoor ferries\n\n"
            "Ferry crews in Portmoor walked out on Friday over a pay dispute, stopping all "
            "sailings.\n\n"
            "The union said crews had waited two years for a fair offer.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, FakeEmbedder())
    for pair in ([0, 2], [2, 0], [1, 2], [2, 1]):
        story = Story("s", tuple(articles[i] for i in pair))
        evidence = select(story, vectors, SelectSettings(max_sentences=3, max_words=60))
        assert evidence.sentences[0].text.startswith("Ferry crews in Portmoor walked out"), pair
        assert evidence.sentences[0].path == "c/report.txt"


def test_an_article_opening_with_a_question_is_not_the_lede(tmp_path):
    # The column shares most of the story's words in its opening, but asks the reader a
    # question after it: a hook. The report states the event and leads.
    files = {
        "a/column.txt": (
            "Ferries and pay\n\n"
            "Ferry crews in Portmoor have often walked out over pay. Will the crews of the ferries "
            "ever stop?\n\n"
            "Crews walked out on Friday over a pay dispute, and no ferry sailed.\n"
        ),
        "b/report.txt": (
            "Strike halts Portmoor ferries\n\n"
            "Crews of the Portmoor ferries stopped work on Friday, cancelling every sailing.\n\n"
            "The union said crews walked out over a pay dispute.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, FakeEmbedder())
    for pair in ([0, 1], [1, 0]):
        story = Story("s", tuple(articles[i] for i in pair))
        evidence = select(story, vectors, SelectSettings(max_sentences=3, max_words=60))
        assert evidence.sentences[0].path == "b/report.txt", pair
        lede = evidence.sentences[: evidence.lede]
        assert not any(s.text.endswith("?") for s in lede)
    # a story of one such article keeps its opening, but the question ends the lede
    evidence = select(Story("s", (articles[0],)), vectors, SelectSettings(max_sentences=3))
    assert [s.text for s in evidence.sentences[: evidence.lede]] == [
        "Ferry crews in Portmoor have often walked out over pay."
    ]


def test_a_page_opening_with_someones_words_is_led_by_the_sentence_stating_its_title(tmp_path):
    files = {
        "wire/launch.txt": (
            "Velora fires 2 test rockets after offering talks\n\n"
            'A spokeswoman for the port said: "We have no meetings to announce at this time."\n\n'
            "Velora agreed in June to reopen talks with its neighbours, but none have been held.\n\n"
            "Officials said two rockets were fired toward the sea at 7:00 on Tuesday.\n\n"
            "Velora has fired rockets in recent weeks in protest against the port.\n"
        )
    }
    articles, vectors = prepare(tmp_path, files, FakeEmbedder())
    evidence = select(Story("s", tuple(articles)), vectors, SelectSettings())
    assert evidence.sentences[0].text.startswith("Officials said two rockets were fired")
    # the title, which says who fired, comes right after the lede, not in it
    title = evidence.sentences[evidence.lede]
    assert title.is_title and title.text == "Velora fires 2 test rockets after offering talks"
    assert title.start_line == 1
    assert sum(s.is_title for s in evidence.sentences) == 1
    # a page that opens with the event keeps its opening as the lede
    files = {
        "wire/launch.txt": files["wire/launch.txt"].replace("A spokeswoman for", "The head of")
    }
    files["wire/launch.txt"] = files["wire/launch.txt"].replace(
        'the port said: "We have no meetings to announce at this time."',
        "the port closed the harbour on Tuesday after the launch.",
    )
    articles, vectors = prepare(tmp_path / "2", files, FakeEmbedder())
    evidence = select(Story("s", tuple(articles)), vectors, SelectSettings())
    assert evidence.sentences[0].text.startswith("The head of the port closed the harbour")
    assert not any(s.is_title for s in evidence.sentences)
