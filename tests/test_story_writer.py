"""Story style: one call per story writes the headline and the summary from numbered
evidence, the lede first; the answer is parsed into sentences with the evidence they name;
every sentence is verified, the model's entailment judgement included."""

import datetime as dt

from conftest import FakeEmbedder, FakeStoryWriter, story_writer_config, write_files

from briefing.config import packaged_defaults
from briefing.pipeline import build_briefing, load_prompts
from briefing.stages.generate import parse_story_answer
from briefing.stages.render import render_markdown
from briefing.text import sentence_case, with_fixed_articles

FILES = {
    "ledger/tram.txt": (
        "Dunmore council approves tram line\n\n"
        "Dunmore city council voted 9 to 4 on Wednesday to build an 11-kilometre tram line.\n\n"
        "The project is expected to cost 340 million euros and will have 14 stops.\n\n"
        "Mayor Tomas Reyne said construction would begin in 2028.\n"
    ),
    "post/tram.txt": (
        "Dunmore council backs tram line\n\n"
        "Dunmore city council voted on Wednesday to build a tram line to Westfield.\n\n"
        "The tram line is expected to cost 340 million euros, the council said.\n\n"
        "The regional government has promised to pay 40 percent of the cost.\n"
    ),
}


def good_answer(numbered: list[str]) -> str:
    return (
        "Headline: Dunmore council votes to build tram line\n"
        "Summary:\n"
        "Dunmore city council voted on Wednesday to build a tram line to Westfield. [1]\n"
        "The project is expected to cost 340 million euros. [2]\n"
        "The regional government promised to pay 40 percent of the cost. [5]\n"
    )


def brief(tmp_path, writer, config):
    root = write_files(tmp_path / "in", FILES)
    prompts = load_prompts(packaged_defaults() / "models.yaml")
    return build_briefing(root, dt.date(2026, 11, 22), config, prompts, writer, FakeEmbedder())


def test_answer_is_parsed_into_sentences_with_their_evidence():
    raw = (
        "**Headline:** North Korea fires two missiles\n"
        "Summary:\n"
        "1. North Korea fired two missiles off its east coast on Wednesday. [1][3]\n"
        "2. One landed inside Japan's economic zone [2]. The other fell outside it (4).\n"
        "- Officials said talks would resume [1, 5, 12]\n"
    )
    headline, sentences = parse_story_answer(raw, 6)
    assert headline == "North Korea fires two missiles"
    assert [(s.text, s.evidence) for s in sentences] == [
        ("North Korea fired two missiles off its east coast on Wednesday.", (0, 2)),
        ("One landed inside Japan's economic zone.", (1,)),
        ("The other fell outside it.", (3,)),
        ("Officials said talks would resume.", (0, 4)),  # 12 is not an evidence number
    ]


def test_evidence_copied_back_in_its_own_form_is_parsed_without_its_labels():
    raw = (
        "Headline: Stocks fall as officials play down the sell-off\n"
        "Summary:\n"
        "[1] (source 1) White House officials played down the fall in the stock market.\n"
        "[3] (Harbour Post, 2026-11-20) The Dow fell 1,175 points on Monday. [3][4]\n"
        "[2] Analysts pointed to rising wages.\n"
    )
    headline, sentences = parse_story_answer(raw, 4)
    assert headline == "Stocks fall as officials play down the sell-off"
    assert [(s.text, s.evidence) for s in sentences] == [
        ("White House officials played down the fall in the stock market.", (0,)),
        ("The Dow fell 1,175 points on Monday.", (2, 3)),
        ("Analysts pointed to rising wages.", (1,)),
    ]


def test_answer_without_labels_or_numbers_still_parses():
    headline, sentences = parse_story_answer(
        "Council backs tram\nThe council voted for a tram line on Wednesday.", 3
    )
    assert headline == "Council backs tram"
    assert [s.evidence for s in sentences] == [()]


def test_one_call_per_story_with_numbered_evidence_lede_first(tmp_path):
    shown: list[list[str]] = []

    def answer(numbered):
        shown.append(numbered)
        return good_answer(numbered)

    writer = FakeStoryWriter("fake-writer", answer)
    briefing = brief(tmp_path, writer, story_writer_config())
    [summary] = briefing.summaries
    # the lede: the opening of the most central article, with its outlet folder and date
    assert shown[0][0].startswith("[1] (")
    assert "Dunmore city council voted" in shown[0][0]
    assert summary.headline.kind == "generated"
    assert summary.headline.text == "Dunmore council votes to build tram line"
    assert [s.kind for s in summary.sentences] == ["generated"] * 3
    assert summary.sentences[0].text.startswith("Dunmore city council voted on Wednesday")
    text = render_markdown(briefing)
    assert "[^" in text.split("\n## 1. ")[1]
    # the sentence the writer rephrased was put to the judge with the line it cites; the two it
    # copied word for word were not (a string comparison shows them); the headline was asked in
    # the same batch
    assert [sentence for _, sentence in writer.judged] == [
        summary.sentences[2].text,
        summary.headline.text,
    ]
    assert "has promised to pay 40 percent" in writer.judged[0][0]


def test_a_sentence_the_judge_rejects_is_repaired_or_quoted(tmp_path):
    def judge(premise, sentence):
        return 0.1 if "promised" in sentence else 0.9

    writer = FakeStoryWriter("fake-writer", good_answer, judge)
    briefing = brief(tmp_path, writer, story_writer_config())
    [summary] = briefing.summaries
    rejected = [r for r in summary.rejected if "promised" in r.text]
    assert rejected and "does not find it in the cited lines" in rejected[0].reason
    assert all(s.kind != "generated" or "promised" not in s.text for s in summary.sentences)


def test_stories_are_written_in_batches(tmp_path):
    files = dict(FILES)
    files["courier/ferry.txt"] = (
        "Ferry hits barge\n\n"
        "The ferry Marlow Star struck a container barge in Port Keswin harbour on Thursday.\n\n"
        "Fourteen passengers were hurt, the harbour master said.\n"
    )
    root = write_files(tmp_path / "in", files)
    writer = FakeStoryWriter("fake-writer", good_answer)
    prompts = load_prompts(packaged_defaults() / "models.yaml")
    config = story_writer_config(batch_size=4)
    briefing = build_briefing(root, dt.date(2026, 11, 22), config, prompts, writer, FakeEmbedder())
    assert len(briefing.summaries) == 2
    assert writer.batches == [2]


def test_a_failing_writer_costs_only_quotes(tmp_path):
    def broken(numbered):
        raise RuntimeError("out of memory")

    briefing = brief(tmp_path, FakeStoryWriter("fake-writer", broken), story_writer_config())
    [summary] = briefing.summaries
    assert summary.sentences and all(s.kind == "quote" for s in summary.sentences)
    assert summary.rejected[0].reason.startswith("the model failed")


def test_a_title_case_headline_is_put_in_sentence_case_before_its_names_are_checked():
    source = "North Korea has fired a series of short-range missiles to pressure the United States."
    assert (
        sentence_case("North Korea Fires Short-Range Missiles To Pressure US", source)
        == "North Korea fires short-range missiles to pressure US"
    )
    assert sentence_case("Council backs tram line", source) == "Council backs tram line"


def test_a_title_case_headline_loses_the_capitals_of_words_the_sources_never_capitalise():
    source = "The average cost of a wedding rose to 31,213 dollars, up 4.5% on the year before."
    assert (
        sentence_case("Wedding Costs Surge to 31,213 Dollars, Up 4.5%", source)
        == "Wedding costs surge to 31,213 dollars, up 4.5%"
    )


def test_sentence_case_keeps_names_the_sources_capitalise():
    sources = (
        "North Korea fired two missiles, Japan said. The Lehigh County Humane Society took in dogs."
    )
    assert sentence_case("Japan Says North Korea Fired Two Missiles", sources) == (
        "Japan says North Korea fired two missiles"
    )
    assert sentence_case("Lehigh County Humane Society Takes In Dogs", sources) == (
        "Lehigh County Humane Society takes in dogs"
    )
    # a name the sources write, though one of its words is also an ordinary word
    sources += " The Maritime Accident Board opened an inquiry. The board will report."
    assert sentence_case("Maritime Accident Board Opens Inquiry", sources) == (
        "Maritime Accident Board opens inquiry"
    )
    # a headline in sentence case already keeps its capitals
    assert sentence_case("Shelter takes in dogs from Lehigh County", sources) == (
        "Shelter takes in dogs from Lehigh County"
    )


def test_the_writers_a_before_a_vowel_sound_becomes_an():
    assert with_fixed_articles("Dunmore approved a 11-kilometre tram line.") == (
        "Dunmore approved an 11-kilometre tram line."
    )
    assert with_fixed_articles("A e-bike maker recalled a 80,000 batteries.") == (
        "An e-bike maker recalled an 80,000 batteries."
    )
    for right in ("a one-off payment", "a European team", "a university", "Plan A is off"):
        assert with_fixed_articles(right) == right


def test_an_answer_cut_off_mid_sentence_loses_the_fragment():
    raw = "Headline: Tram approved\nThe council approved the tram line on Wednesday. [1]\nThe mayor said"
    _, sentences = parse_story_answer(raw, 3)
    assert [s.text for s in sentences] == ["The council approved the tram line on Wednesday."]


def test_an_answer_cut_off_mid_sentence_keeps_its_finished_sentences():
    raw = (
        "Headline: North Korea fires missiles\nSummary:\n"
        "North Korea fired two missiles on Wednesday, hours after it said it would resume talks "
        "with the U. S. over its program. Japan said one landed in its economic zone. The two "
        "sides agreed to have a"
    )
    headline, sentences = parse_story_answer(raw, 5)
    assert headline == "North Korea fires missiles"
    assert [s.text for s in sentences] == [
        "North Korea fired two missiles on Wednesday, hours after it said it would resume talks "
        "with the U.S. over its program.",
        "Japan said one landed in its economic zone.",
    ]


def test_the_prompt_dates_a_source_only_by_its_publication_not_by_when_it_was_saved(tmp_path):
    shown: list[list[str]] = []

    def answer(numbered):
        shown.append(numbered)
        return good_answer(numbered)

    files = {
        "ledger/2026-11-18-tram.txt": FILES["ledger/tram.txt"],
        "post/tram.txt": FILES["post/tram.txt"],  # no date in name or text: only its mtime
    }
    root = write_files(tmp_path / "in", files)
    prompts = load_prompts(packaged_defaults() / "models.yaml")
    writer = FakeStoryWriter("fake-writer", answer)
    build_briefing(
        root, dt.date(2026, 11, 22), story_writer_config(), prompts, writer, FakeEmbedder()
    )
    labels = {line.split(") ")[0] + ")" for line in shown[0]}
    assert "(ledger, 2026-11-18)" in {label.split(" ", 1)[1] for label in labels}
    assert "(post)" in {label.split(" ", 1)[1] for label in labels}


def test_an_attribution_to_a_source_label_is_left_to_the_footnote():
    from briefing.records import DraftSentence
    from briefing.stages.generate import without_outlet_attribution

    names = ["Northshore Daily", "valley-post", "source 3"]
    drafted = (
        DraftSentence(
            "The Northshore Daily reported that Dunmore's council approved the plan.", (0,)
        ),
        DraftSentence("The line will have 14 stops, valley-post said.", (1,)),
        DraftSentence("According to Northshore Daily, the vote was nine to four.", (0,)),
        DraftSentence("Mayor Tomas Reyne said construction would begin in 2028.", (2,)),
        DraftSentence("The harbour reopened after six hours, according to source 3.", (3,)),
        DraftSentence("It will cost 340 million euros, according to the valley-post.", (1,)),
        DraftSentence("The ferry sails to the U.S. according to source 3.", (3,)),
    )
    assert [s.text for s in without_outlet_attribution(drafted, names)] == [
        "Dunmore's council approved the plan.",
        "The line will have 14 stops.",
        "The vote was nine to four.",
        "Mayor Tomas Reyne said construction would begin in 2028.",
        "The harbour reopened after six hours.",
        "It will cost 340 million euros.",
        "The ferry sails to the U.S.",
    ]
    assert [s.evidence for s in without_outlet_attribution(drafted, names)] == [
        (0,),
        (1,),
        (0,),
        (2,),
        (3,),
        (1,),
        (3,),
    ]


def test_sentence_case_keeps_a_possessive_name_whatever_its_apostrophe():
    source = "Rovers won the cup with Ines Calder’s late goal, and Tom Reed's team lost."
    assert (
        sentence_case("Ines Calder's Late Goal Wins Cup as Tom Reed’s Team Loses", source)
        == "Ines Calder's late goal wins cup as Tom Reed’s team loses"
    )


def test_a_title_naming_who_acted_is_shown_after_a_lede_that_does_not(tmp_path):
    files = {
        "wire/launch.txt": (
            "Velora fires 2 test rockets after offering talks\n\n"
            'A spokeswoman for the port said: "We have no meetings to announce at this time."\n\n'
            "Velora agreed in June to reopen talks with its neighbours, but none have been held.\n\n"
            "Port officials say two test rockets were fired toward the sea at 7:00 on Tuesday.\n\n"
            "Velora has fired rockets in recent weeks in protest against the port.\n"
        )
    }
    shown: list[list[str]] = []

    def answer(numbered):
        shown.append(numbered)
        return (
            "Headline: Velora fires 2 test rockets after offering talks\n"
            "Summary:\n"
            "Velora fired two test rockets toward the sea at 7:00 on Tuesday. [1][3]\n"
        )

    writer = FakeStoryWriter("fake-writer", answer)
    root = write_files(tmp_path / "in", files)
    prompts = load_prompts(packaged_defaults() / "models.yaml")
    briefing = build_briefing(
        root, dt.date(2026, 11, 22), story_writer_config(), prompts, writer, FakeEmbedder()
    )
    assert shown[0][0].startswith("[1] (wire) Port officials say two test rockets")
    # after the lede (its opening sentences), labelled as the page's headline
    [title] = [n for n, line in enumerate(shown[0]) if "(wire, headline)" in line]
    assert title > 0 and shown[0][title].endswith(
        ") Velora fires 2 test rockets after offering talks"
    )
    [summary] = briefing.summaries
    first = summary.sentences[0]
    assert first.text == "Velora fired two test rockets toward the sea at 7:00 on Tuesday."
    assert {c.start_line for c in first.citations} == {1, 7}
    # the title is the page's headline: never a sentence of the summary
    assert all(
        s.text != "Velora fires 2 test rockets after offering talks" for s in summary.sentences
    )


def test_an_answer_may_end_only_once_it_holds_two_summary_sentences():
    from briefing.stages.generate import may_end_after

    may_end = may_end_after(2, evidence_count=6)
    assert not may_end("Headline: Council votes for tram\nSummary:\n")
    assert not may_end("Headline: Council votes for tram\nSummary:\nThe council voted 9 to 4. [1]")
    # a second sentence still being written is no sentence yet
    assert not may_end("Headline: x\nSummary:\nThe council voted 9 to 4. [1]\nThe project is exp")
    assert may_end("Headline: x\nSummary:\nThe council voted 9 to 4. [1]\nIt will cost more. [2]")
    # evidence of one sentence: one summary sentence is all the writer can state
    assert may_end_after(2, evidence_count=1)("Summary:\nThe council voted 9 to 4. [1]")


def test_every_story_is_asked_for_with_its_end_check_even_alone(tmp_path):
    writer = FakeStoryWriter("fake-writer", good_answer)
    brief(tmp_path, writer, story_writer_config())
    assert writer.batches == [1]  # one story: still a batch call, the one that takes may_end
    [check] = writer.may_end
    assert not check("Headline: x\nSummary:\nDunmore city council voted on Wednesday. [1]")
    assert check(good_answer([]))
