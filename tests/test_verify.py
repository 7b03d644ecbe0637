import dataclasses

import pytest
from conftest import prepare

from briefing.config import VerifySettings
from briefing.records import Draft, DraftSentence, Evidence, Story
from briefing.stages.verify import (
    hard_check_problems,
    headline_from_lede,
    measure_support,
    names,
    numbers,
    short_quote,
    verify,
)
from briefing.text import split_sentences

FERRY = {
    "courier/ferry.txt": (
        "Ferry hits barge in Port Keswin\n\n"
        "The ferry Marlow Star struck a container barge in Port Keswin harbour at 7:40 am on "
        "Thursday, injuring 14 passengers.\n\n"
        "The ferry was carrying 212 passengers when it hit the barge in thick fog, harbour "
        "master Ines Calder said.\n\n"
        "The harbour was closed to all traffic for six hours.\n"
    ),
    "daily/ferry.txt": (
        "Fourteen hurt in ferry collision\n\n"
        "Fourteen people were hurt when the Marlow Star ferry hit a barge in fog.\n\n"
        "The Maritime Accident Board opened an investigation into the collision.\n"
    ),
}


@pytest.fixture
def ferry(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, FERRY, fake_embedder)
    story = Story("s1", tuple(articles))
    evidence = Evidence("s1", tuple(s for a in articles for s in a.sentences))
    return story, evidence, vectors


def draft_of(headline: str, summary: str, raw: str = "") -> Draft:
    """A draft whose sentences are those of `summary`, as generate would hand them over."""
    sentences = tuple(DraftSentence(text) for text in split_sentences(summary))
    return Draft("s1", headline, sentences, raw)


def run_verify(ferry, fake_embedder, headline, summary):
    story, evidence, vectors = ferry
    draft = draft_of(headline, summary, f"Headline: {headline}\nSummary: {summary}")
    return verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())


def test_numbers_are_normalised():
    assert numbers("at 7.10am on day two, 1,200 people") == {"7:10", "2", "1200"}
    assert numbers("at 7:10 am") == {"7:10"}
    assert numbers("fourteen of 212 passengers, 4.2 million") == {"14", "212", "4.2", "1000000"}


def test_names_are_runs_of_capitalised_words():
    assert names("The harbour master Ines Calder told the Maritime Accident Board.") == {
        "ines calder",
        "maritime accident board",
    }


@pytest.mark.parametrize(
    ("sentence", "source", "problem"),
    [
        ("The ferry hit a barge at 7:50 am.", "The ferry hit a barge at 7:40 am.", "7:50"),
        ("Twelve people were hurt.", "Fourteen people were hurt.", "12"),
        ("Harbour master Ines Calder spoke.", "Harbour master Ina Calder spoke.", "ines calder"),
        ("Harlow Athletics lost.", "Harlow Athletic lost.", "harlow athletics"),
        # a small model looping: words or numbers said more often than the source says them
        ("Rovers won the 1998 cup of 1998.", "Rovers last won the cup in 1998.", "“1998”"),
        (
            "It struck at 7:40 am, the harbour master said in his 7:40 am.",
            "It struck at 7:40 am, the harbour master said.",
            "“7:40”",
        ),
        # a quotation the model never closed is still a quotation
        (
            'Lumora sold the e-bike, which was in a "british-bike-bike-bike-b.',
            "Lumora sold the e-bike in Britain.",
            "quotation",
        ),
    ],
)
def test_hard_checks_catch_changed_numbers_and_names(sentence, source, problem):
    problems = hard_check_problems(sentence, source)
    assert problems and problem in " ".join(problems)


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("It left at 7:10 am.", "It left at 7.10am."),
        ("Two missiles were fired.", "2 missiles were fired."),
        ("US officials said so.", "U.S. officials said so."),
        ("Japanese officials said so.", "Officials in Japan said so."),
        ("The United States agreed.", "The U.S. agreed."),
        ("The line has 14 stops and costs 14 million.", "It has 14 stops and costs 14 million."),
    ],
)
def test_hard_checks_accept_ordinary_variants(sentence, source):
    assert hard_check_problems(sentence, source) == []


def test_supported_sentences_are_kept_with_citations_to_real_lines(ferry, fake_embedder):
    summary = run_verify(
        ferry,
        fake_embedder,
        "Ferry hits barge in Port Keswin",
        "The ferry Marlow Star struck a container barge in Port Keswin harbour, injuring 14 "
        "passengers. The harbour was closed to all traffic for six hours.",
    )
    assert [s.kind for s in summary.sentences] == ["generated", "generated"]
    first, second = summary.sentences
    assert [(c.path, c.start_line) for c in first.citations] == [("courier/ferry.txt", 3)]
    assert [(c.path, c.start_line) for c in second.citations] == [("courier/ferry.txt", 7)]
    assert summary.headline.kind == "generated"


def test_failed_sentences_are_replaced_by_quotes_or_dropped_with_reasons(ferry, fake_embedder):
    summary = run_verify(
        ferry,
        fake_embedder,
        "Ferry hits barge",
        "The ferry Marlow Star struck a container barge in Port Keswin harbour, injuring 40 "
        "passengers. Aliens from Mars landed at dawn. "
        "The harbour was closed to all traffic for six hours.",
    )
    texts = [s.text for s in summary.sentences]
    assert not any("injuring 40" in t or "Aliens" in t for t in texts)
    reasons = {r.text: r for r in summary.rejected}
    changed = reasons[
        "The ferry Marlow Star struck a container barge in Port Keswin harbour, injuring 40 passengers."
    ]
    assert "number(s) 40 not in the cited lines" in changed.reason
    source_line = FERRY["courier/ferry.txt"].splitlines()[2]
    assert changed.replaced_by == source_line
    assert summary.sentences[0].kind == "quote" and summary.sentences[0].text == source_line
    invented = reasons["Aliens from Mars landed at dawn."]
    assert invented.replaced_by is None
    assert "nothing in the sources is close to it" in invented.reason
    assert summary.sentences[-1].kind == "generated"
    assert summary.sentences[-1].text == "The harbour was closed to all traffic for six hours."


def test_repair_rewrites_from_the_closest_source_and_is_verified(ferry, fake_embedder):
    story, evidence, vectors = ferry
    draft = draft_of("", "The harbour stayed shut for 9 hours after the crash.")
    asked = []

    def good_repair(source):
        asked.append(source.text)
        return "The harbour was closed to all traffic for six hours."

    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings(), good_repair)
    assert asked == ["The harbour was closed to all traffic for six hours."]
    sentence = summary.sentences[0]
    assert sentence.kind == "repaired"
    # a summary shorter than min_sentences is topped up with quoted evidence
    assert [s.kind for s in summary.sentences[1:]] == ["quote"]
    assert sentence.citations[0].start_line == 7
    assert summary.rejected[-1].replaced_by == sentence.text

    def bad_repair(source):
        return "The harbour was closed for 9 hours."

    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings(), bad_repair)
    assert [s.kind for s in summary.sentences] == ["quote", "quote"]
    assert summary.sentences[0].text == "The harbour was closed to all traffic for six hours."


def test_when_nothing_survives_the_best_evidence_is_quoted(ferry, fake_embedder):
    summary = run_verify(ferry, fake_embedder, "", "Aliens landed in Paris on Monday.")
    assert summary.sentences and all(s.kind == "quote" for s in summary.sentences)
    _, evidence, _ = ferry
    evidence_texts = {s.text for s in evidence.sentences}
    assert all(s.text in evidence_texts for s in summary.sentences)
    # no headline from the model: the lede's main clause, verbatim, cited to its line (never a
    # title line, which on real pages is as often page furniture)
    assert summary.headline.kind == "extract"
    assert summary.headline.citations[0].start_line == 3
    assert summary.rejected[0].reason == "headline: the model wrote no headline"


def test_invented_headline_is_replaced_by_the_main_clause_of_the_lede(ferry, fake_embedder):
    summary = run_verify(
        ferry,
        fake_embedder,
        "Ferry captain arrested in Oslo",
        "The harbour was closed to all traffic for six hours.",
    )
    assert summary.headline.kind == "extract"
    assert summary.headline.text in {
        "The ferry Marlow Star struck a container barge in Port Keswin harbour",
        "Fourteen people were hurt when the Marlow Star ferry hit a barge in fog",
    }
    assert summary.rejected[0].text == "Ferry captain arrested in Oslo"


@pytest.mark.parametrize(
    ("lede", "headline"),
    [
        (
            "Dunmore Rovers won the county cup final on Saturday, beating Harlow Athletic 2-1 "
            "with a goal in the 88th minute.",
            "Dunmore Rovers won the county cup final on Saturday",
        ),
        (
            "SEOUL, South Korea (AP) — North Korea fired two ballistic missiles off its east "
            "coast on Wednesday, hours after it said it would resume talks.",
            "North Korea fired two ballistic missiles off its east coast on Wednesday",
        ),
        (
            "Engineers opened the floodgates of the Arden dam on Monday after 80 millimetres of "
            "rain fell overnight.",
            "Engineers opened the floodgates of the Arden dam on Monday",
        ),
        ("She said she had given up drugs for good this time, her agent said.", None),
        ("“We will rebuild,” the mayor said on Monday after the storm.", None),
    ],
)
def test_headline_from_lede_keeps_the_main_clause_verbatim(lede, headline):
    assert headline_from_lede(lede, 14) == headline


def test_a_story_never_opens_with_a_pronoun(ferry, fake_embedder):
    summary = run_verify(
        ferry,
        fake_embedder,
        "",
        "It was carrying 212 passengers when it hit the barge in thick fog, harbour master "
        "Ines Calder said.",
    )
    assert not summary.sentences[0].text.startswith("It ")
    assert summary.sentences[0].kind == "quote"


def test_a_dropped_hedge_fails():
    cited = "The project is expected to cost 340 million euros, the mayor said."
    [problem] = hard_check_problems("The project will cost 340 million euros.", cited)
    assert "states as fact what the cited lines hedge (expected)" in problem
    assert hard_check_problems("The project is expected to cost 340 million euros.", cited) == []


def test_a_deal_agreed_is_not_a_deal_done():
    cited = (
        "The ferry operator Marlow Lines agreed to buy its rival Keswin Boats for 12 million euros."
    )
    assert hard_check_problems("Marlow Lines has bought Keswin Boats for 12 million euros.", cited)
    assert not hard_check_problems(
        "Marlow Lines has agreed to buy Keswin Boats for 12 million euros.", cited
    )
    cited = "Ferry unions and operators are scheduled to hold talks on Friday in Keswin."
    assert hard_check_problems("Ferry unions and operators hold talks in Keswin.", cited)
    cited = "The two ferry operators agreed that fares would not rise this winter."
    assert not hard_check_problems("Two ferry operators agreed fares will not rise.", cited)


def test_plans_as_a_noun_is_no_hedge():
    cited = "Dunmore's city council approved plans for a tram line on Wednesday."
    assert hard_check_problems("Dunmore city council approves tram line", cited) == []
    cited = "The council plans to open a tram line in 2031."
    assert hard_check_problems("The council will open a tram line in 2031.", cited)


def test_a_sentence_that_says_all_an_earlier_one_said_repeats_it(ferry, fake_embedder):
    story, evidence, vectors = ferry
    first = "The harbour was closed to all traffic for six hours."
    again = "The harbour was closed to all traffic for six hours after the ferry hit the barge."
    summary = run_verify(ferry, fake_embedder, "Ferry hits barge", f"{first} {again}")
    assert [s.text for s in summary.sentences].count(first) == 1
    assert again not in [s.text for s in summary.sentences]
    assert any(r.text == again and "repeats" in r.reason for r in summary.rejected)


def test_the_first_sentence_may_state_what_the_headline_names(ferry, fake_embedder):
    headline = "The ferry Marlow Star struck a container barge in Port Keswin harbour"
    lede = "The ferry Marlow Star struck a container barge in Port Keswin harbour on Thursday."
    summary = run_verify(ferry, fake_embedder, headline, lede)
    assert summary.headline.kind == "generated"
    assert [s.text for s in summary.sentences][0] == lede
    assert summary.sentences[0].kind == "generated"


def test_a_headline_that_judges_what_no_source_judges_is_replaced(ferry, fake_embedder):
    lede = "The ferry Marlow Star struck a container barge in Port Keswin harbour on Thursday."
    headline = "Ferry Marlow Star in dramatic collision with barge in Port Keswin harbour"
    summary = run_verify(ferry, fake_embedder, headline, lede)
    assert summary.headline.text != headline
    assert "judgement" in summary.rejected[0].reason


def test_a_headline_may_have_one_word_of_its_own_a_sentence_may_not():
    cited = ["The fare from Keswin to Dunmore rose by a third on Monday, to 12 euros."]
    headline = measure_support("Keswin fare soars to 12 euros", 0.9, cited)
    assert headline.uncovered == 1 and headline.coverage < VerifySettings().min_coverage
    assert headline.failure(VerifySettings(), headline=True) is None
    assert headline.failure(VerifySettings()) is not None  # as a summary sentence
    two_new = measure_support("Keswin fare soars, angering commuters", 0.9, cited)
    assert two_new.failure(VerifySettings(), headline=True) is not None


def test_a_sentence_that_only_puts_two_said_things_together_repeats_them(ferry, fake_embedder):
    said = [
        "The ferry was carrying 212 passengers when it hit the barge in thick fog.",
        "The harbour was closed to all traffic for six hours.",
    ]
    joined = "The harbour was closed for six hours after the ferry hit the barge in thick fog."
    summary = run_verify(ferry, fake_embedder, "Ferry hits barge", " ".join([*said, joined]))
    assert [s.text for s in summary.sentences] == said
    assert any(r.text == joined and "repeats" in r.reason for r in summary.rejected)


def test_no_draft_at_all_still_gives_a_cited_story(ferry, fake_embedder):
    story, evidence, vectors = ferry
    summary = verify(None, story, evidence, vectors, fake_embedder, VerifySettings())
    assert summary.sentences and all(s.citations for s in summary.sentences)
    assert summary.headline.citations


def test_short_quote_cuts_at_a_clause():
    text = (
        "North Korea fired off a pair of cruise missiles off the west coast on Sunday, "
        "with officials confirming the same on Tuesday against the backdrop of visits."
    )
    assert short_quote(text) == (
        "North Korea fired off a pair of cruise missiles off the west coast on Sunday…"
    )
    assert short_quote("Short one.") == "Short one."


def test_a_headline_from_an_attributed_lede_is_what_was_said():
    lede = (
        "A US State Department spokeswoman said North Korea fired two projectiles off its east "
        "coast on Wednesday, hours after offering talks."
    )
    assert headline_from_lede(lede, 14) == (
        "North Korea fired two projectiles off its east coast on Wednesday"
    )


def test_a_hedge_counts_only_where_the_sentence_takes_its_words():
    cited = (
        "North Korea fired two missiles on Wednesday, hours after it said it would resume "
        "stalled talks with the U.S."
    )
    assert hard_check_problems("North Korea fired two missiles on Wednesday.", cited) == []
    assert hard_check_problems("North Korea will resume stalled talks with the U.S.", cited)


def test_a_piece_of_a_quotation_fails():
    cited = (
        '"I never saw so many dogs in one little space in my life," said Officer Barbara Morgan.'
    )
    problems = hard_check_problems(
        'I never saw so many dogs in one little space in my life," said Officer Barbara Morgan.',
        cited,
    )
    assert any("quotation marks do not pair up" in p for p in problems)


def test_a_headline_extract_skips_an_opening_subordinate_clause():
    lede = (
        "If wedding costs are an indicator of consumer confidence, then Americans are feeling "
        "flush again."
    )
    assert headline_from_lede(lede, 14) == "Americans are feeling flush again"


def test_a_headline_cut_from_the_lede_keeps_its_verb():
    lede = (
        "Former runner-up for the Miss Delaware pageant, Brittany Lewis, was awarded the crown "
        "after original winner, Amanda Longacre, was stripped of her crown due to her age."
    )
    assert headline_from_lede(lede, 14) == (
        "Former runner-up for the Miss Delaware pageant, Brittany Lewis, awarded the crown"
    )


def test_a_teaser_is_dropped_not_repaired(ferry, fake_embedder):
    story, evidence, vectors = ferry
    asked: list[str] = []

    def repair(source):
        asked.append(source.text)
        return "The harbour was closed for six hours."

    teaser = "What will everyone be talking about after the ferry hit the barge?"
    draft = draft_of("Ferry hits barge", teaser)
    summary = verify(
        draft, story, evidence, vectors, fake_embedder, VerifySettings(), repair=repair
    )
    assert asked == []
    assert teaser not in [s.text for s in summary.sentences]
    assert [r.replaced_by for r in summary.rejected if r.text == teaser] == [None]


LAWSUIT = {
    "courier/lawsuit.txt": (
        "Pilots take the Courier to court\n\n"
        "The Keswin Courier is being sued by two harbour pilots who say a reporter for the "
        "paper followed them home.\n\n"
        "The pilots, Dana Holt and Erik Sand, each seek 50,000 euros in damages.\n"
    ),
}


def test_a_headline_that_turns_round_who_sued_whom_is_not_printed(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, LAWSUIT, fake_embedder)
    story = Story("s1", tuple(articles))
    evidence = Evidence("s1", tuple(s for a in articles for s in a.sentences))
    wrong = "The Keswin Courier sues two harbour pilots"
    draft = draft_of(
        wrong, "The Keswin Courier sues two harbour pilots who say a reporter followed them home."
    )
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert summary.headline.text != wrong and summary.headline.kind != "generated"
    assert "turns round who did what" in summary.rejected[0].reason
    assert all("Courier sues" not in s.text for s in summary.sentences)
    right = "Two harbour pilots sue the Keswin Courier"
    summary = verify(
        draft_of(right, "Two harbour pilots are suing the Keswin Courier."),
        story,
        evidence,
        vectors,
        fake_embedder,
        VerifySettings(),
    )
    assert all("turns round" not in r.reason for r in summary.rejected)


@pytest.mark.parametrize(
    ("lede", "headline"),
    [
        # a cut inside the relative clause left it unfinished
        (
            "The Keswin Courier is being sued by two harbour pilots who say a reporter for the "
            "paper followed them home in a hired car.",
            "The Keswin Courier sued by two harbour pilots",
        ),
        # the main clause closes round its aside
        (
            "Ines Calder, the harbour master who has run Port Keswin for eleven years and "
            "trained most of its pilots, resigned on Friday after the ferry inquiry.",
            "Ines Calder resigned on Friday after the ferry inquiry",
        ),
    ],
)
def test_a_headline_from_the_lede_never_ends_inside_a_clause(lede, headline):
    assert headline_from_lede(lede, 14) == headline


@pytest.mark.parametrize(
    ("lede", "headline"),
    [
        # a long description of the name, then the main clause with what the suit is for,
        # in headline style (no "is being")
        (
            "Tomas Reyne, the former harbour master facing two charges of negligence over the "
            "collision of the Marlow Star in the autumn fog, is being sued by a Keswin security "
            "firm claiming it is owed 27,000 euros.",
            "Tomas Reyne sued by a Keswin security firm claiming it is owed 27,000 euros",
        ),
        # "Like every year," opens a circumstance, not the subject
        (
            "Like every year, the Harbour Film Awards had their share of surprises, safe "
            "winners and long speeches.",
            "The Harbour Film Awards had their share of surprises, safe winners and long speeches",
        ),
        # a "that" clause cut before its verb says nothing: no headline from this sentence
        # (the caller tries the next one)
        (
            "The harbour is reeling from the news that Ines Calder, its master for eleven "
            "years, has resigned.",
            None,
        ),
        # "told owners of the Glide 3" is not "X said: ...": the object is no new subject
        (
            "Lumora has told owners of the Glide 3 e-bike to stop charging its battery at once.",
            "Lumora has told owners of the Glide 3 e-bike to stop charging its battery",
        ),
        # "died" is a verb however short: a dateline, then the event
        (
            "KESWIN (AP) — A six-week-old seal pup died Thursday when its pen flooded during "
            "the storm surge in the old harbour basin.",
            "A six-week-old seal pup died Thursday when its pen flooded during the storm surge",
        ),
        # a list item or a caption is no lede
        ("Average Ticket Price: 14 euros (excludes booking fee)", None),
        # the news after a hook and a colon
        (
            "Here's one sign of the recovery that few ferry users will cheer: The fare from "
            "Keswin to Dunmore just rose by a third.",
            "The fare from Keswin to Dunmore just rose by a third",
        ),
        # a piece of a line is not a sentence
        ("on those she failed to thank for the harbour award she won on Sunday", None),
        # a participle about the last noun goes with its phrase, not alone at the end
        (
            "Divers from Port Keswin have recovered a bronze bell of the old lighthouse found "
            "in the silt north of the harbour wall.",
            "Divers from Port Keswin have recovered a bronze bell of the old lighthouse",
        ),
        # a main verb at the end stays
        (
            "The ferry fare rose on Monday after a week of talks in the town hall between the "
            "council and the operator of the harbour line.",
            "The ferry fare rose on Monday after a week of talks",
        ),
    ],
)
def test_a_headline_from_the_lede_is_its_main_clause_not_a_fragment(lede, headline):
    assert headline_from_lede(lede, 14) == headline


def test_when_the_lede_gives_no_headline_another_articles_opening_does(tmp_path, fake_embedder):
    articles, vectors = prepare(
        tmp_path,
        {
            "courier/calder.txt": (
                "The harbour is reeling from the news that Ines Calder, its master for eleven "
                "years, has resigned.\n\nShe trained most of the port's pilots.\n"
            ),
            "daily/calder.txt": (
                "Ines Calder resigned as harbour master of Port Keswin on Friday.\n\n"
                "The council will appoint a successor in January.\n"
            ),
        },
        fake_embedder,
    )
    story = Story("s1", tuple(articles))
    evidence = Evidence("s1", tuple(s for a in articles for s in a.sentences), lede=1)
    draft = draft_of("", "Ines Calder resigned as harbour master of Port Keswin on Friday.")
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert summary.headline.kind == "extract"
    assert (
        summary.headline.text == "Ines Calder resigned as harbour master of Port Keswin on Friday"
    )
    assert "…" not in summary.headline.text


def _story_of(tmp_path, files, fake_embedder, lede: int):
    """The story of `files`, its evidence every sentence of its articles, the first `lede` of
    them its lede."""
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    sentences = tuple(s for a in articles for s in a.sentences)
    return Story("s1", tuple(articles)), Evidence("s1", sentences, lede=lede), vectors


def _with_lede(ferry, sentences: int = 1):
    story, evidence, vectors = ferry
    return story, Evidence(evidence.story_id, evidence.sentences, lede=sentences), vectors


def test_a_summary_that_states_the_lede_late_opens_with_it(ferry, fake_embedder):
    summary = run_verify(
        _with_lede(ferry),
        fake_embedder,
        "",
        "The harbour was closed to all traffic for six hours. The ferry Marlow Star struck a "
        "container barge in Port Keswin harbour at 7:40 am on Thursday, injuring 14 passengers.",
    )
    assert summary.sentences[0].text.startswith("The ferry Marlow Star struck a container barge")
    assert summary.sentences[1].text == "The harbour was closed to all traffic for six hours."


def test_a_summary_that_never_states_the_lede_opens_with_it_quoted(ferry, fake_embedder):
    summary = run_verify(
        _with_lede(ferry),
        fake_embedder,
        "",
        "The harbour was closed to all traffic for six hours. The Maritime Accident Board "
        "opened an investigation into the collision.",
    )
    assert summary.sentences[0].kind == "quote"
    assert summary.sentences[0].text.startswith("The ferry Marlow Star struck a container barge")
    assert [s.text for s in summary.sentences[1:]] == [
        "The harbour was closed to all traffic for six hours.",
        "The Maritime Accident Board opened an investigation into the collision.",
    ]


def test_a_first_sentence_that_gives_only_an_aside_of_the_lede_does_not_state_it(
    ferry, fake_embedder
):
    # it cites the lede's line, but says who was hurt, not that the ferry struck a barge
    summary = run_verify(
        _with_lede(ferry),
        fake_embedder,
        "",
        "Fourteen passengers were injured at 7:40 am on Thursday. The harbour was closed to "
        "all traffic for six hours.",
    )
    assert summary.sentences[0].kind == "quote"
    assert summary.sentences[0].text.startswith("The ferry Marlow Star struck a container barge")
    assert summary.sentences[-1].text == "The harbour was closed to all traffic for six hours."


@pytest.mark.parametrize(
    ("lede", "quoted"),
    [
        # a hook before a colon
        (
            "Here's one sign of the recovery that few ferry users will cheer: The fare from "
            "Keswin to Dunmore just rose by a third.",
            "The fare from Keswin to Dunmore just rose by a third.",
        ),
        # a dateline
        (
            "KESWIN (HW) — The fare from Keswin to Dunmore rose by a third on Monday.",
            "The fare from Keswin to Dunmore rose by a third on Monday.",
        ),
    ],
)
def test_a_quoted_lede_loses_its_hook_or_dateline(tmp_path, fake_embedder, lede, quoted):
    files = {"a/fares.txt": f"Fares\n\n{lede}\n\nThe harbour cafe reopened on Monday.\n"}
    story, evidence, vectors = _story_of(tmp_path, files, fake_embedder, lede=1)
    draft = draft_of("", "The harbour cafe reopened on Monday.")
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert summary.sentences[0].kind == "quote"
    assert summary.sentences[0].text == quoted
    assert summary.sentences[0].citations[0].start_line == 3


def test_the_lede_first_means_its_first_sentence_not_its_second(ferry, fake_embedder):
    summary = run_verify(
        _with_lede(ferry, 2),
        fake_embedder,
        "",
        "The ferry was carrying 212 passengers when it hit the barge in thick fog, harbour "
        "master Ines Calder said. The harbour was closed to all traffic for six hours.",
    )
    assert summary.sentences[0].text.startswith("The ferry Marlow Star struck a container barge")


LEDE = (
    "The ferry Marlow Star struck a container barge in Port Keswin harbour at 7:40 am on "
    "Thursday, injuring 14 passengers."
)
SECOND = (
    "The ferry was carrying 212 passengers when it hit the barge in thick fog, harbour master "
    "Ines Calder said."
)


def test_the_rest_of_the_lede_never_stated_follows_the_first_sentence_quoted(ferry, fake_embedder):
    summary = run_verify(
        _with_lede(ferry, 2),
        fake_embedder,
        "",
        f"{LEDE} The harbour was closed to all traffic for six hours.",
    )
    assert [s.text for s in summary.sentences] == [
        LEDE,
        SECOND,
        "The harbour was closed to all traffic for six hours.",
    ]
    assert summary.sentences[1].kind == "quote"
    assert summary.sentences[1].citations[0].start_line == 5  # courier/ferry.txt, its line


def test_the_rest_of_the_lede_displaces_the_last_sentence_at_the_limit(ferry, fake_embedder):
    story, evidence, vectors = _with_lede(ferry, 2)
    draft = draft_of("", f"{LEDE} The harbour was closed to all traffic for six hours.")
    settings = VerifySettings(max_sentences=2)
    summary = verify(draft, story, evidence, vectors, fake_embedder, settings)
    assert [s.text for s in summary.sentences] == [LEDE, SECOND]


def test_the_rest_of_the_lede_already_written_is_not_quoted_again(ferry, fake_embedder):
    written = "The ferry was carrying 212 passengers when it hit the barge in thick fog."
    summary = run_verify(_with_lede(ferry, 2), fake_embedder, "", f"{LEDE} {written}")
    assert [s.text for s in summary.sentences] == [LEDE, written]
    assert all(s.kind == "generated" for s in summary.sentences)


def test_a_quotation_in_the_lede_is_no_part_of_the_event_to_add(tmp_path, fake_embedder):
    files = {
        "a/fares.txt": (
            "Fares rise\n\nThe fare from Keswin to Dunmore rose by a third on Monday.\n\n"
            '"We had no choice," the operator\'s spokeswoman Mila Brandt said.\n\n'
            "The harbour cafe reopened on Monday.\n"
        )
    }
    story, evidence, vectors = _story_of(tmp_path, files, fake_embedder, lede=2)
    draft = draft_of(
        "",
        "The fare from Keswin to Dunmore rose by a third on Monday. "
        "The harbour cafe reopened on Monday.",
    )
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert [s.text for s in summary.sentences] == [
        "The fare from Keswin to Dunmore rose by a third on Monday.",
        "The harbour cafe reopened on Monday.",
    ]


def test_a_failed_first_sentence_that_rests_on_the_lede_is_repaired_from_the_lede(
    ferry, fake_embedder
):
    story, evidence, vectors = ferry
    evidence = Evidence("s1", evidence.sentences, lede=1)
    # closest to the harbour line, resting on the lede too, and it invents the hours
    draft = draft_of(
        "",
        "The harbour was closed to all traffic for nine hours after the Marlow Star struck a barge.",
    )
    asked = []

    def repair(source):
        asked.append(source.text)
        return source.text

    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings(), repair)
    assert asked and asked[0].startswith("The ferry Marlow Star struck a container barge")
    assert summary.sentences[0].text.startswith("The ferry Marlow Star struck")


def test_a_repair_that_drops_the_speaker_of_a_quotation_is_not_printed(tmp_path, fake_embedder):
    files = {
        "post/beagles.txt": (
            "Beagles rescued from home\n\n"
            "The Lehigh County Humane Society rescued 71 beagles from a home near Allentown.\n\n"
            '"The dogs are doing pretty good. They are all learning to adjust," Shafer said.\n'
        )
    }
    story, evidence, vectors = _story_of(tmp_path, files, fake_embedder, lede=1)
    draft = draft_of(
        "",
        "The Lehigh County Humane Society rescued 71 beagles from a home near Allentown. "
        "The dogs are all learning to adjust after 3 weeks.",
    )
    summary = verify(
        draft,
        story,
        evidence,
        vectors,
        fake_embedder,
        VerifySettings(),
        lambda source: "The dogs are all learning to adjust.",
    )
    texts = [s.text for s in summary.sentences]
    assert "The dogs are all learning to adjust." not in texts
    assert any("Shafer said" in t for t in texts)  # quoted with its speaker instead


def test_a_sentence_restating_the_lede_quoted_first_is_not_printed_after_it(
    tmp_path, fake_embedder
):
    files = {
        "queens/rapper.txt": (
            "Rapper dies at 42\n\n"
            "Brio, one-half of the Queens rap duo Mobb Street, died on Tuesday at the age of 42.\n\n"
            "The publicist of Mobb Street confirmed the death in a statement.\n\n"
            "The statement read that Alan Jones, known to fans as Brio of the rap duo Mobb "
            "Street, died at the age of 42 after 3 days in hospital.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, publicist, statement = articles[0].sentences
    restating = (
        "Alan Jones, known to fans as Brio of the rap duo Mobb Street, died at the age of 42."
    )
    draft = Draft(
        "s1",
        "",
        (DraftSentence(publicist.text, (1,)), DraftSentence(restating, (2,))),
        "",
    )
    evidence = Evidence("s1", (lede, publicist, statement), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    printed = [s.text for s in summary.sentences]
    assert printed[0] == lede.text  # the lede, quoted: no sentence said what happened
    assert restating not in printed
    assert publicist.text in printed
    # with a number of the lede left out it is a detail, not the event again
    detail = "Alan Jones, known to fans as Brio of the rap duo Mobb Street, died in hospital."
    draft = dataclasses.replace(
        draft, sentences=(DraftSentence(publicist.text, (1,)), DraftSentence(detail, (2,)))
    )
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert detail in [s.text for s in summary.sentences]


FARES = {
    # the central report says the event without its size; another outlet gives the figure
    "courier/fares.txt": (
        "Keswin fares at a ten-year high\n\n"
        "Here's one sign of the ferry boom that few commuters will cheer: The fare from Keswin "
        "to Dunmore just hit a ten-year high.\n"
    ),
    "daily/fares.txt": (
        "Fares rise again\n\n"
        "The fare from Keswin to Dunmore rose to 14.50 euros on Monday, up 30% from last year, "
        "according to a survey of 900 commuters by the Keswin Ferry Company.\n\n"
        "The harbour cafe on the Dunmore pier reopened on Monday after a refit.\n"
    ),
}


def _fares(tmp_path, fake_embedder, summary: str):
    articles, vectors = prepare(tmp_path, FARES, fake_embedder)
    story = Story("s1", tuple(articles))
    sentences = {a.path: a.sentences for a in articles}
    lede = sentences["courier/fares.txt"][0]
    rest = [s for s in sentences["daily/fares.txt"]]
    evidence = Evidence("s1", (lede, *rest), lede=1)
    return verify(draft_of("", summary), story, evidence, vectors, fake_embedder, VerifySettings())


def test_a_lede_without_its_size_is_told_first_by_the_outlet_that_gives_it(tmp_path, fake_embedder):
    summary = _fares(
        tmp_path,
        fake_embedder,
        "The fare from Keswin to Dunmore just hit a ten-year high, according to a survey of 900 "
        "commuters by the Keswin Ferry Company. The harbour cafe on the Dunmore pier reopened on Monday after a refit.",
    )
    printed = [s.text for s in summary.sentences]
    assert printed[0].startswith("The fare from Keswin to Dunmore rose to 14.50 euros on Monday")
    assert summary.sentences[0].citations[0].path == "daily/fares.txt"
    # the first draft sentence said that event less its figure: it is not printed after it
    assert not any("ten-year high" in t for t in printed)
    assert printed[-1].startswith("The harbour cafe")


def test_a_first_sentence_with_the_ledes_figure_states_it(tmp_path, fake_embedder):
    summary = _fares(
        tmp_path,
        fake_embedder,
        "The fare from Keswin to Dunmore rose to 14.50 euros on Monday, up 30% from last year. "
        "The harbour cafe on the Dunmore pier reopened on Monday after a refit.",
    )
    assert summary.sentences[0].kind == "generated"
    assert summary.sentences[0].text.startswith("The fare from Keswin to Dunmore rose to 14.50")


def test_a_year_is_no_size_the_first_sentence_must_repeat():
    from briefing.stages.verify import sizes

    assert sizes("The 2012 Emmy Awards featured surprises") == set()
    assert sizes("The average cost of a wedding exceeded $31,213 in 2014") == {"31213"}


@pytest.mark.parametrize(
    ("lede", "headline"),
    [
        # a relative clause that says what was claimed is finished, and says why
        (
            "Two pilots are being sued by the Keswin Courier, which says the pilots leaked "
            "its files.",
            "Two pilots sued by the Keswin Courier, which says the pilots leaked its files",
        ),
        # the auxiliary goes, the tense of an active verb stays
        (
            "Amanda Vos has been stripped of her title as Miss Keswin because she was too old.",
            "Amanda Vos stripped of her title as Miss Keswin because she was too old",
        ),
        (
            "The harbour master was fired on Monday by the port board.",
            "The harbour master fired on Monday by the port board",
        ),
        (
            "The ferry Marlow Star struck a barge on Thursday.",
            "The ferry Marlow Star struck a barge on Thursday",
        ),
    ],
)
def test_a_headline_from_the_lede_is_in_headline_style(lede, headline):
    assert headline_from_lede(lede, 14) == headline
