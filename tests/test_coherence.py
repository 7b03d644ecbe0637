"""A sentence must read right where the summary prints it: the checks of stages/coherence, and
verify applying them to written and quoted sentences alike."""

import pytest
from conftest import prepare

from briefing.config import VerifySettings
from briefing.records import Draft, DraftSentence, Evidence, Sentence, Story
from briefing.stages.coherence import (
    acted_on,
    added_judgement,
    ambiguous_firm,
    attribution_after,
    borrowed_predicate,
    dangling_reference,
    dropped_article,
    dropped_believer,
    echo_of_unsaid,
    introduce_names,
    misattributed_speech,
    quotable,
    quotation_as_news,
    renamed_subject,
    restore_articles,
    restore_quotation_marks,
    reversed_roles,
    roles,
    unattributed_speech,
    unintroduced_names,
    unmarked_quotation,
    unstated_relation,
    voice_problem,
    without_said_parts,
)
from briefing.stages.verify import verify
from briefing.text import split_sentences


def line(text: str, index: int, article: str = "a1") -> Sentence:
    return Sentence(article, f"{article}.txt", index, text, index + 1, index + 1)


def one_article_story(tmp_path, embedder, path: str, text: str):
    """A story of the one article `text` saved at `path`: (story, its sentences, vectors)."""
    articles, vectors = prepare(tmp_path, {path: text}, embedder)
    return Story("s1", tuple(articles)), articles[0].sentences, vectors


@pytest.mark.parametrize(
    "text",
    [
        "Have a look at the eight top moments in our gallery, then share your thoughts.",
        "You can add location information to your Tweets.",
        "What will everyone be talking about on Monday?",
        "I did nothing morally or ethically wrong.",
    ],
)
def test_the_outlets_or_the_readers_voice_is_not_news(text):
    assert voice_problem(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Two EMTs were attacked outside the US Embassy in Baghdad.",
        "The owner HP Bay Park I is cooperating with the authorities.",
        '"We are ready for the winter," the mayor said.',
        "“I never saw so many dogs,” said Humane Officer Barbara Morgan.",
    ],
)
def test_a_country_a_name_or_a_quoted_speaker_is_not_the_outlets_voice(text):
    assert voice_problem(text) is None


def test_a_pronoun_needs_the_sentence_just_before_it_in_its_own_article():
    named = line("Amanda Longacre was stripped of her Miss Delaware title.", 4)
    other = line("Brittany Lewis was given the crown.", 1, "a2")
    she = line("She was told she could not compete in the Miss America pageant.", 5)
    assert dangling_reference(she.text, [she], None) is not None  # the story's first words
    assert dangling_reference(she.text, [she], [other]) is not None  # "she" would be Lewis
    assert dangling_reference(she.text, [she], [named]) is None
    he_adds = line("\"It's undeniable that we're good,\" he adds.", 9)
    assert dangling_reference(he_adds.text, [he_adds], [other]) is not None
    named_speaker = line('"I never saw so many dogs," said Humane Officer Barbara Morgan.', 3)
    assert dangling_reference(named_speaker.text, [named_speaker], [other]) is None


def test_a_surname_alone_needs_the_person_introduced_first():
    story = "Deputy Press Secretary Raj Shah said the economy was strong. Kelly Shafer runs the shelter."
    sentence = "Press Secretary Sarah Huckabee Sanders echoed Shah's sentiment."
    assert unintroduced_names(sentence, "Stocks plunge", story) == ["Shah"]
    assert unintroduced_names(sentence, "Raj Shah said the economy was strong.", story) == []
    assert unintroduced_names('"The dogs are doing well," Shafer said.', "Beagles", story) == [
        "Shafer"
    ]
    # introduced in the sentence itself, and weekdays are nobody
    assert (
        unintroduced_names("Kelly Shafer said on Monday that Shafer's dogs ate.", "", story) == []
    )


def test_a_quoted_claim_is_not_printed_as_the_briefings_own_statement():
    cited = (
        "Sanders said: \"The President's tax cuts and regulatory reforms will further enhance "
        'the U.S. economy and continue to increase prosperity."'
    )
    claim = "The President's tax cuts and regulatory reforms will further enhance the economy."
    assert unattributed_speech(claim, cited) is not None
    assert unattributed_speech(f"{claim[:-1]}, Sanders said.", cited) is None
    boast = (
        '"The harbour has smashed one record after another, adding 900 jobs," the mayor '
        "proudly stated."
    )
    assert unattributed_speech(
        "The harbour has smashed one record after another, adding 900 jobs.", boast
    )
    # a fact given in a family's statement may be printed as a fact
    statement = (
        '"We regret to inform you of the death of our friend Albert Johnson, known as Prodigy, '
        'who died at the age of 42," the publicist said.'
    )
    assert (
        unattributed_speech("Albert Johnson, known as Prodigy, died at the age of 42.", statement)
        is None
    )


def test_the_words_of_a_quotation_cut_into_sentences_are_not_printed_as_fact():
    # the splitter cuts one quoted post into sentences; the speaker comes in the last
    pieces = [
        "“Harbour traffic is looking better than ever with bookings at record levels.",
        "Port of Keswin at an all-time high.",
        "That doesn't just happen!” the mayor posted last August.",
    ]
    boast = "Harbour traffic is looking better than ever with bookings at record levels."
    assert "words of a quotation" in unattributed_speech(boast, [pieces[0]])
    assert "words of a quotation" in unattributed_speech(
        "The harbour has never seen so many fishing boats moored at the quay.",
        ['The harbour has never seen so many fishing boats moored at the quay," said the pilot.'],
    )
    # with its speaker, or as a quotation, it may be printed
    assert (
        unattributed_speech(f"The mayor posted that {boast[0].lower()}{boast[1:]}", [pieces[0]])
        is None
    )
    assert unattributed_speech(f"“{boast}”", [pieces[0]]) is None
    # a sentence of plain narration is no quotation
    assert (
        unattributed_speech(
            "Harbour traffic rose to record levels in August.",
            ["Harbour traffic rose to record levels in August, the port said."],
        )
        is None
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('I never saw so many dogs," said the officer.', "a piece of a quotation"),
        ("“Jimmy and I were just fooling around with the stuff we would play at home.”", "speaker"),
        ("scholarship money that was going to help her.", "mid-sentence"),
        ("Share your thoughts on the ceremony in the comments below.", "reader"),
        ("Heavy rain closed the road.", "words"),
    ],
)
def test_a_source_sentence_that_cannot_stand_alone_is_not_quoted(text, reason):
    assert reason in (quotable(line(text, 2)) or "")


def test_a_plain_report_can_be_quoted():
    assert quotable(line("The ferry Marlow Star struck a barge in Port Keswin harbour.", 1)) is None


def test_a_pages_title_is_never_quoted_as_a_sentence():
    # "North Korea fires 2 projectiles after offering talks with U.S." ends like a sentence
    title = line("Velora fires 2 test rockets after offering talks with the U.S.", -1)
    assert "headline" in (quotable(title) or "")


SHELTER = {
    "lehigh/beagles.txt": (
        "Seventy-one beagles rescued\n\n"
        "The Lehigh County Humane Society rescued 71 beagles from a home in Upper Saucon.\n\n"
        "Shelter manager Kelly Shafer said the dogs were thin but friendly.\n\n"
        '"The dogs are doing pretty good," Shafer said.\n'
    ),
}


def test_verify_never_prints_a_surname_the_summary_has_not_introduced(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, SHELTER, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, manager, quote = articles[0].sentences
    evidence = Evidence("s1", (lede, quote), lede=1)
    draft = Draft(
        "s1",
        "Humane Society rescues 71 beagles",
        (DraftSentence(lede.text, (0,)), DraftSentence(quote.text, (1,))),
        "",
    )
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    printed = [s.text for s in summary.sentences]
    assert quote.text not in printed  # written with the full name, and the line giving it cited
    assert printed[1] == '"The dogs are doing pretty good," Kelly Shafer said.'
    assert [c.start_line for c in summary.sentences[1].citations] == [5, 7]
    # a surname two people of the story share cannot be written in full: not printed
    files = {"lehigh/beagles.txt": SHELTER["lehigh/beagles.txt"] + "Tom Shafer drove the van.\n"}
    articles, vectors = prepare(tmp_path / "two", files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, manager, quote, _ = articles[0].sentences
    evidence = Evidence("s1", (lede, quote), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert quote.text not in [s.text for s in summary.sentences]
    assert any("not introduced" in r.reason for r in summary.rejected if r.text == quote.text)
    # with the manager introduced first, the same sentence reads right and is printed
    evidence = Evidence("s1", (lede, manager, quote), lede=1)
    draft = Draft(
        "s1",
        "Humane Society rescues 71 beagles",
        tuple(DraftSentence(s.text, (i,)) for i, s in enumerate((lede, manager, quote))),
        "",
    )
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert quote.text in [s.text for s in summary.sentences]


def test_verify_drops_a_sentence_whose_subject_is_the_writers_guess(tmp_path, fake_embedder):
    articles, vectors = prepare(tmp_path, SHELTER, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, manager, _ = articles[0].sentences
    guessed = "The charity's shelter manager Kelly Shafer said the dogs were thin but friendly."
    draft = Draft(
        "s1",
        "Humane Society rescues 71 beagles",
        (DraftSentence(lede.text, (0,)), DraftSentence(guessed, (1,))),
        "",
    )
    evidence = Evidence("s1", (lede, manager), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    assert guessed not in [s.text for s in summary.sentences]
    assert any("never use" in r.reason for r in summary.rejected if r.text == guessed)


@pytest.mark.parametrize(
    ("sentence", "source", "reversed_"),
    [
        # the passive of the source read the wrong way round (CNN "sues" the EMTs suing it)
        (
            "The Keswin Courier sues two harbour pilots",
            "The Keswin Courier is being sued by two harbour pilots who say it lied.",
            True,
        ),
        (
            "Two harbour pilots sue the Keswin Courier",
            "The Keswin Courier is being sued by two harbour pilots.",
            False,
        ),
        # the same turned round with an auxiliary: "is suing", "has sued"
        (
            "The Keswin Courier is suing two harbour pilots over a report",
            "The Keswin Courier is being sued by two harbour pilots who say it lied.",
            True,
        ),
        (
            "The Keswin Courier has sued two harbour pilots",
            "The Keswin Courier is being sued by two harbour pilots.",
            True,
        ),
        (
            "Two harbour pilots are suing the Keswin Courier",
            "The Keswin Courier is being sued by two harbour pilots.",
            False,
        ),
        ("Harlow Athletic beat Dunmore Rovers", "Dunmore Rovers beat Harlow Athletic 2-1.", True),
        (
            "Dunmore Rovers beat Harlow Athletic in the final",
            "Dunmore Rovers beat Harlow Athletic 2-1.",
            False,
        ),
        # a meeting reads the same either way round
        ("Joao Ferreira met Anna Kell", "Anna Kell met Joao Ferreira in Lisbon.", False),
        # both directions in the sources: the sentence says one of them
        (
            "Harlow Athletic beat Dunmore Rovers",
            "Dunmore Rovers beat Harlow Athletic 2-1. Harlow Athletic beat Dunmore Rovers in 1998.",
            False,
        ),
        # the sources say nothing of who did it: nothing to turn round
        ("Harlow Athletic beat Dunmore Rovers", "The final was played at Keswin Park.", False),
    ],
)
def test_a_sentence_may_not_turn_round_who_did_what_to_whom(sentence, source, reversed_):
    source_roles = [r for s in split_sentences(source) for r in roles(s)]
    assert (reversed_roles(sentence, source_roles) is not None) == reversed_


def test_an_echo_needs_the_words_it_echoes_in_the_summary_first():
    first = line("Harbour master Ines Calder said the pier was safe.", 2)
    echo = line("Mayor Tom Reed echoed Ines Calder's sentiment on Monday.", 3)
    other = line("Storm winds reached 120 km/h.", 1, "a2")
    said = "Storm closes Harlow pier. Storm winds reached 120 km/h."
    assert echo_of_unsaid(echo.text, [echo], [other], said) is not None
    assert echo_of_unsaid(echo.text, [echo], [other], said + " " + first.text) is None
    pointed = line("Mayor Tom Reed repeated that warning on Monday.", 3)
    assert echo_of_unsaid(pointed.text, [pointed], [other], said) is not None
    assert echo_of_unsaid(pointed.text, [pointed], [first], said) is None
    assert echo_of_unsaid("Tom Reed shared the prize.", [pointed], [other], said) is None


def test_the_company_needs_one_firm_to_be_or_the_line_before_it():
    deal = line("Harbourline agreed to buy the ferry maker Solway Boats for 40 million euros.", 2)
    rival = line("Two months ago rival Keswin Marine bought Dunmore Yachts.", 4)
    firm = line("The company makes most of its money from building ferries.", 3)
    said = f"Harbourline buys Solway Boats {deal.text} {rival.text}"
    assert ambiguous_firm(firm.text, [firm], [rival], said) is not None
    # the line before it in its article came just before: "the company" is the one it names
    assert ambiguous_firm(firm.text, [firm], [deal], f"{deal.text}") is None
    # one firm named, or the summary says "company" itself: a reader knows which
    assert ambiguous_firm(firm.text, [firm], [rival], "Harbourline grows") is None
    assert ambiguous_firm(firm.text, [firm], [rival], said + " A company in Solway") is None
    assert ambiguous_firm("The move surprised Keswin.", [firm], [rival], said) is None


@pytest.mark.parametrize(
    ("line_", "who"),
    [
        ("At least that's what pageant officials are saying, two weeks on.", "pageant officials"),
        (
            "At least that’s what pageant officials are saying less than two weeks after.",
            "pageant officials",
        ),  # fmt: skip
        ("That is according to the harbour police.", "the harbour police"),
        ("Or so says the mayor.", "the mayor"),
        ("At least, that is what the company claims.", "the company"),
        ("That is the plan for the pier.", None),
        ("Officials said the pier was closed.", None),
    ],
)
def test_a_line_that_only_says_whose_claim_the_line_before_is(line_, who):
    assert attribution_after(line_) == who


def test_verify_says_whose_claim_a_sentence_is_where_the_line_after_its_source_does(
    tmp_path, fake_embedder
):
    files = {
        "pageant/title.txt": (
            "Miss Keswin stripped of title\n\n"
            "Ines Calder has been stripped of her title as Miss Keswin because she is too old.\n\n"
            "At least that's what pageant officials are saying.\n\n"
            "Calder said she had given her birth date on every form.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    claim, _, answer = articles[0].sentences
    drafted = "Ines Calder was stripped of her title as Miss Keswin because she is too old."
    draft = Draft("s1", "", (DraftSentence(drafted, ()), DraftSentence(answer.text, ())), "")
    evidence = Evidence("s1", (claim, answer), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    first = summary.sentences[0]
    assert first.text == (
        "Ines Calder was stripped of her title as Miss Keswin because she is too old, "
        "according to pageant officials."
    )
    assert [c.start_line for c in first.citations] == [3, 5]
    # quoted, the line is the outlet's own words and may be printed as they are
    summary = verify(None, story, evidence, vectors, fake_embedder, VerifySettings())
    assert summary.sentences[0].text == claim.text
    assert summary.sentences[0].kind == "quote"


def test_a_surname_opening_a_sentence_or_written_first_needs_its_introduction_too():
    story = (
        "Harbour minister Choe Son Hui accused the council of neglect. Police said the pier "
        "was closed. Ines Calder resigned on Friday."
    )
    assert unintroduced_names("Choe accused the council of neglect.", "", story) == ["Choe"]
    assert unintroduced_names("Calder resigned on Friday.", "", story) == ["Calder"]
    assert unintroduced_names("Calder resigned on Friday.", "Ines Calder quits", story) == []
    # a place followed by its kind is no name written surname first
    place = story + " The line runs along Westfield Road."
    assert unintroduced_names("Trams will reach Westfield.", "", place) == []
    # a word the story also writes in lower case opens sentences as a word, not a name
    assert unintroduced_names("Police said the pier was closed.", "", story + " police") == []
    # the first word of a long name is no surname: "Dow Jones Industrial Average"
    index = story + " The Keswin Harbour Shipping Index fell 4%."
    assert unintroduced_names("Keswin shares fell on Monday.", "", index) == []
    agency = story + " Figures came from S&P Keswin Harbour Indices."
    assert unintroduced_names("Keswin shares fell on Monday.", "", agency) == []
    titled = "President Moon Jae-in met the council."
    assert unintroduced_names("Moon met the council.", "", titled) == ["Moon"]


def test_a_surname_with_an_apostrophe_needs_its_introduction_too():
    story = "His lawyer Mark O'Mara said the police protect George Zimmerman."
    assert unintroduced_names("He is protected, O'Mara said.", "", story) == ["O'Mara"]
    assert unintroduced_names("He is protected, Mark O'Mara said.", "", story) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Read on for the backstage reactions of the night's winners.",
        "Click through the gallery to see the winners.",
        "Sign up for the daily newsletter.",
        "Watch the moment unfold below:",
        "The editor was there, and here are ten of the most memorable things he heard.",
        "The public can help by adopting a dog or donating to the shelter.",
        "Anyone with information is asked to call the harbour police.",
        "For more information, visit the council's website.",
        "The Courier compiled a list of the best and worst moments from Sunday's ceremony.",
    ],
)
def test_the_outlet_telling_its_reader_what_to_do_is_no_news(sentence):
    assert "page furniture, not news" in voice_problem(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Clicking noises were heard before the crash, police said.",
        "Downloads of the app rose 40 percent in a week.",
        "Watchdogs said the bank had broken the rules.",
        "Residents can help the town by keeping dogs on a lead, the mayor said.",
        "Those who donated to the fund will get their money back, the bank said.",
        "Police compiled a list of 40 witnesses to the collision.",
    ],
)
def test_news_that_starts_like_a_call_out_is_news(sentence):
    assert voice_problem(sentence) is None


@pytest.mark.parametrize(
    "sentence, cited, renamed",
    [
        # the source's "it" meant the shoppers' move online; the writer made it the merger
        (
            "The merger has left chains like Harrow & Finch exposed.",
            "But it has left chains like Harrow & Finch exposed.",
            True,
        ),
        ("The move was announced on Friday.", "Harrow & Finch announced it on Friday.", True),
        # the cited line names the subject (in any inflection): nothing guessed
        ("The chains have lost customers.", "Chains like Harrow & Finch lost customers.", False),
        ("The company recalled 80,000 batteries.", "Two companies recalled batteries.", False),
        ("Harrow & Finch has left the market.", "It has left the market.", False),
    ],
)
def test_a_subject_the_cited_lines_never_name_is_the_writers_guess(sentence, cited, renamed):
    assert (renamed_subject(sentence, [cited]) is not None) == renamed


@pytest.mark.parametrize(
    "sentence, cited, judged",
    [
        (
            "The county cup final, with a late winner and a full stadium, was a highlight of the year.",
            "Dunmore Rovers won the county cup final on Saturday with a goal in the 88th minute.",
            True,
        ),
        ("The tragic collision injured 14.", "The collision injured 14 passengers.", True),
        (
            "The skipper's killer, Tom Reed, faces a lawsuit.",
            "Tom Reed, facing a murder charge over the skipper's death, is being sued.",
            True,
        ),
        ("The killer was jailed for life.", "The skipper's killer was jailed for life.", False),
        # the source's own word, or someone's quoted words, are no judgement of the briefing
        ("The historic vote passed.", "The council called it a historic vote.", False),
        ('Moreno called it "a remarkable night".', 'Moreno said: "A remarkable night."', False),
        ("Rovers won the final 2-1.", "Rovers won the final 2-1 on Saturday.", False),
    ],
)
def test_a_judgement_no_cited_line_makes_is_the_writers_own(sentence, cited, judged):
    assert (added_judgement(sentence, [cited]) is not None) == judged


@pytest.mark.parametrize(
    "sentence, cited, telegraphic",
    [
        (
            "A baby died in elevator shaft.",
            "A 6-week-old baby died Thursday when her stroller plunged down an empty elevator "
            "shaft in a Brooklyn building.",
            True,
        ),
        (
            "The correspondent was abusive to medical team stationed at the embassy.",
            "She was abusive to a medical team stationed on the grounds of the embassy.",
            True,
        ),
        # the article kept, or the line itself bare, or a bare noun that English allows
        (
            "The ferry struck a container barge in Port Keswin harbour.",
            "The ferry struck a container barge at the mouth of Port Keswin harbour.",
            False,
        ),
        ("Rovers won with late goal kick.", "Rovers won with late goal kicks and a header.", False),
        # a sentence opening without the article its line gives, and one whose line has none
        ("Recall covers scooters sold in 2025.", "The recall covers scooters sold in 2025.", True),
        ("Owners can claim a refund.", "Owners can claim a refund of 450 euros.", False),
        ("He was sent to prison for life.", "He was sent to the prison for life.", False),
        ("Shops closed in Dunmore Road.", "Shops closed in the Dunmore Road area.", False),
        # a comma ends the phrase, and a word before the source's own preposition is not
        # the article of what follows it ("her to safety")
        (
            "A mechanic heard the screams and helped pull the mother to safety, police said.",
            "A mechanic heard the mother's screams and helped pull her to safety, police said.",
            False,
        ),
        (
            "Divers worked near the hull to dawn shift change.",
            "Divers worked near her to dawn shift change.",
            False,
        ),
        # an institution's name needs the "the" its line gives; a person's never has one,
        # and "Keswin Harbour officials" is no name ending its phrase
        (
            "The rockets flew over the sea, according to Keswin Harbour Board.",
            "The rockets flew over the sea, the Keswin Harbour Board said on Monday.",
            True,
        ),
        (
            "The test was confirmed by Ines Calder.",
            "The test was confirmed on Monday, said Ines Calder.",
            False,
        ),
        (
            "The rockets flew over the sea, according to Keswin Harbour officials.",
            "The rockets flew over the sea, the Keswin Harbour officials said.",
            False,
        ),
    ],
)
def test_a_sentence_that_drops_the_articles_of_its_source_is_telegraphic(
    sentence, cited, telegraphic
):
    assert (dropped_article(sentence, [cited]) is not None) == telegraphic


def test_verify_puts_back_the_article_a_telegraphic_sentence_dropped(tmp_path, fake_embedder):
    files = {
        "brooklyn/stroller.txt": (
            "Baby dies in elevator shaft\n\n"
            "A baby died on Thursday when her stroller plunged down an empty elevator shaft.\n\n"
            "A mechanic heard the mother's screams and helped pull her to safety.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, mechanic = articles[0].sentences
    telegraphic = "A baby died on Thursday after her stroller plunged down empty elevator shaft."
    draft = Draft("s1", "Baby dies in elevator shaft", (DraftSentence(telegraphic, (0,)),), "")
    evidence = Evidence("s1", (lede, mechanic), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    first = summary.sentences[0]
    assert first.text == (
        "A baby died on Thursday after her stroller plunged down an empty elevator shaft."
    )
    assert first.kind == "generated"
    assert [(c.path, c.start_line) for c in first.citations] == [("brooklyn/stroller.txt", 3)]
    assert not any(r.text == telegraphic for r in summary.rejected)


@pytest.mark.parametrize(
    ("sentence", "cited", "restored"),
    [
        (
            "She was abusive to medical team at the embassy.",
            "Damon was abusive to a medical team stationed at the embassy.",
            "She was abusive to a medical team at the embassy.",
        ),
        # the source's article may stand before an adjective the sentence left out too
        (
            "The stroller fell down elevator shaft.",
            "Her stroller plunged down an empty elevator shaft.",
            "The stroller fell down an elevator shaft.",
        ),
        (
            "The ferry sank near harbour wall.",
            "The ferry sank near the old harbour wall.",
            "The ferry sank near the harbour wall.",
        ),
        (
            "Rovers won with late goal kick.",
            "Rovers won with late goal kicks and a header.",
            "Rovers won with late goal kick.",
        ),
        (
            "Recall covers scooters sold in 2025.",
            "The recall covers scooters sold in 2025.",
            "The recall covers scooters sold in 2025.",
        ),
        (
            "The rockets flew over the sea, according to Keswin Harbour Board.",
            "The rockets flew over the sea, the Keswin Harbour Board said on Monday.",
            "The rockets flew over the sea, according to the Keswin Harbour Board.",
        ),
    ],
)
def test_restore_articles_puts_back_what_the_cited_line_writes(sentence, cited, restored):
    assert restore_articles(sentence, [cited]) == restored


def test_introduce_names_writes_a_surname_in_full_where_the_story_gives_one_full_name():
    story = (
        "Arwa Damon, a senior correspondent, bit two medics, the suit says. His lawyer "
        "Mark O'Mara spoke. Minister Choe Son Hui accused the council. Ines Calder and "
        "Tom Calder run the ferry."
    )
    assert introduce_names("The suit claims Damon's team knew Damon drank.", "", story) == (
        "The suit claims Arwa Damon's team knew Damon drank.",
        ["Arwa Damon"],
    )
    assert introduce_names("He is bound, O'Mara says.", "", story) == (
        "He is bound, Mark O'Mara says.",
        ["Mark O'Mara"],
    )
    # with the title the story introduces the person with
    assert introduce_names("Choe spoke.", "", story) == (
        "Minister Choe Son Hui spoke.",
        ["Choe Son Hui"],
    )
    # introduced already, or two people of that name: left as written
    assert introduce_names("Damon bit them.", "Arwa Damon sued", story) == ("Damon bit them.", [])
    assert introduce_names("Calder resigned.", "", story) == ("Calder resigned.", [])


def test_verify_introduces_a_person_by_the_full_name_and_cites_the_line_that_gives_it(
    tmp_path, fake_embedder
):
    files = {
        "baghdad/suit.txt": (
            "Medics sue broadcaster\n\n"
            "Two medics are suing a broadcaster over a bite outside the embassy in Baghdad.\n\n"
            "Arwa Damon, a senior correspondent, was abusive to the medics, the suit says.\n\n"
            "The suit claims the broadcaster knew Damon had a history of abusive behaviour.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, correspondent, history = articles[0].sentences
    drafted = [
        "Two medics are suing a broadcaster over a bite outside the embassy in Baghdad.",
        "The suit claims the broadcaster knew Damon had a history of abusive behaviour.",
    ]
    draft = Draft("s1", "", tuple(DraftSentence(t, ()) for t in drafted), "")
    evidence = Evidence("s1", (lede, history), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    second = summary.sentences[1]
    assert second.text == (
        "The suit claims the broadcaster knew Arwa Damon had a history of abusive behaviour."
    )
    assert [c.start_line for c in second.citations] == [5, 7]


def test_a_surname_in_the_headline_does_not_introduce_the_person_to_the_summary(
    tmp_path, fake_embedder
):
    files = {
        "orlando/suit.txt": (
            "Security firm sues over bill\n\n"
            "Pavel Marsh is being sued by a security company over an unpaid bill of 27,000 euros.\n\n"
            "The company says Marsh never paid for 21 days of protection.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, days = articles[0].sentences
    drafted = "Marsh is being sued by a security company over an unpaid bill of 27,000 euros."
    draft = Draft("s1", "Marsh sued over unpaid security bill", (DraftSentence(drafted, (0,)),), "")
    summary = verify(draft, story, Evidence("s1", (lede, days), lede=1), vectors, fake_embedder,
                     VerifySettings())  # fmt: skip
    first = summary.sentences[0]
    assert first.text == (
        "Pavel Marsh is being sued by a security company over an unpaid bill of 27,000 euros."
    )
    assert first.kind == "generated"


@pytest.mark.parametrize(
    ("headline", "reversed_"),
    [
        # a headline's passive has no auxiliary: the firm "sued" is the one that sued
        ("Harbourside Security's firm sued for 27,000 euros", True),
        ("Security firm sued over unpaid bill", True),
        ("Ines Calder sued for 27,000 euros", False),
        ("Ines Calder sued by security firm over unpaid bill", False),
        ("Harbourside Security sues Ines Calder for 27,000 euros", False),
    ],
)
def test_a_headline_passive_may_not_turn_round_who_was_acted_on(headline, reversed_):
    # the subject stands before an appositive: the passive's patient is the first name
    source = (
        "Ines Calder, the harbour master facing an inquiry over the collision, is being sued "
        "by a private security firm claiming it is owed 27,000 euros."
    )
    source_roles = roles(source)
    assert (reversed_roles(headline, source_roles, headline=True) is not None) == reversed_


def test_a_one_word_name_is_no_surname_of_a_capitalised_common_word_before_it():
    story = (
        "Brio, half of the rap duo Mobb Street, died on Tuesday. The rapper's label confirmed "
        "it. Rapper Brio was 42. Alan Jones, better known as Brio, grew up in Queens."
    )
    assert unintroduced_names("Brio died on Tuesday at 42.", "", story) == []
    # "Related Brio" of a link line is no full name either; "known as" introduces the alias
    story += " Related Brio: his ten best tracks."
    assert unintroduced_names("Alan Jones, better known as Brio, died.", "", story) == []
    # a real given name still makes the surname one that needs its introduction
    assert unintroduced_names("Jones grew up in Queens.", "", story) == ["Jones"]


def test_a_quotation_printed_without_its_marks_gets_them_back():
    line = (
        '"The harbour has never been busier, with more ferries than ever before," the mayor '
        "proudly said."
    )
    bare = (
        "The harbour has never been busier, with more ferries than ever before, the mayor "
        "proudly said."
    )
    assert unmarked_quotation(bare, [line]) is not None
    assert restore_quotation_marks(bare, [line]) == line
    # already marked, or a few common words, or no speaker (another check's business)
    assert unmarked_quotation(line, [line]) is None
    assert unmarked_quotation("The harbour has never been busier, the mayor said.", [line]) is None
    assert unmarked_quotation("The harbour has never been busier, with more ferries than ever "
                              "before.", [line]) is None  # fmt: skip
    curly = "“The council will vote on the new tram line next spring,” Mayor Reyne said."
    assert (
        restore_quotation_marks(
            "The council will vote on the new tram line next spring, Mayor Reyne said.", [curly]
        )
        == curly
    )


def test_verify_prints_a_quotation_the_writer_left_unmarked_in_its_marks(tmp_path, fake_embedder):
    files = {
        "harbour/ferries.txt": (
            "Ferries return to Portmoor\n\n"
            "Ferries returned to Portmoor harbour on Monday after a week-long strike.\n\n"
            '"The harbour has never been busier, with more ferries than ever before," the mayor '
            "proudly said.\n"
        ),
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    lede, boast = articles[0].sentences
    bare = (
        "The harbour has never been busier, with more ferries than ever before, the mayor "
        "proudly said."
    )
    draft = Draft("s1", "", (DraftSentence(lede.text, (0,)), DraftSentence(bare, (1,))), "")
    summary = verify(draft, story, Evidence("s1", (lede, boast), lede=1), vectors, fake_embedder,
                     VerifySettings())  # fmt: skip
    second = summary.sentences[1]
    assert second.text == boast.text
    assert second.kind == "generated"


def test_a_capitalised_word_opening_a_sentence_is_no_rival_given_name():
    story = (
        "President Donald Trump spoke on Monday. Donald Trump has long cited the market. "
        "Let Trump take the credit, one analyst wrote."
    )
    assert introduce_names("Trump took credit for the market.", "", story) == (
        "President Donald Trump took credit for the market.",
        ["Donald Trump"],
    )
    # two people, each named once: not guessed, wherever their names stand
    story = "Tom Marsh drove the van. The mayor thanked Kelly Marsh."
    assert introduce_names("Marsh drove the van.", "", story) == ("Marsh drove the van.", [])


RECALL = (
    "Velora, a scooter maker, is recalling 40,000 batteries sold with its Swift 2 model after "
    "17 reports of batteries overheating and catching fire."
)


@pytest.mark.parametrize(
    ("sentence", "trimmed"),
    [
        # an opening clause the recall sentence says, before a new fact of its own
        (
            "Velora has received 17 reports of batteries overheating, some of which caught fire, "
            "and two riders suffered minor burns.",
            "Two riders suffered minor burns.",
        ),
        # who the maker is, said again between commas
        (
            "Velora, a scooter maker, will replace every battery free of charge.",
            "Velora will replace every battery free of charge.",
        ),
        # new facts, a time of its own, a list, a new clause that needs the old one: as written
        (
            "Velora sold the batteries between March 2025 and June 2026.",
            "Velora sold the batteries between March 2025 and June 2026.",
        ),
        (
            "Velora, on Monday, told owners to stop charging.",
            "Velora, on Monday, told owners to stop charging.",
        ),
        (
            "The recall covers the Swift 2, Swift 3, and Swift Cargo models.",
            "The recall covers the Swift 2, Swift 3, and Swift Cargo models.",
        ),
        (
            "Velora has received 17 reports of batteries overheating, and it apologised.",
            "Velora has received 17 reports of batteries overheating, and it apologised.",
        ),
    ],
)
def test_a_part_the_summary_has_said_goes_and_the_new_fact_stays(sentence, trimmed):
    assert without_said_parts(sentence, [RECALL], 0.7) == trimmed
    assert without_said_parts(sentence, [], 0.7) == sentence


def test_verify_prints_only_the_new_fact_of_a_sentence_that_says_an_old_one_again(
    tmp_path, fake_embedder
):
    story, (recall, burns), vectors = one_article_story(
        tmp_path,
        fake_embedder,
        "velora/recall.txt",
        f"Velora recalls scooter batteries\n\n{RECALL}\n\n"
        "Two riders suffered minor burns, the company said.\n",
    )
    # the second sentence rests on both lines: the recall again, then the burns
    repeating = (
        "Velora is recalling 40,000 batteries sold with its Swift 2 model, and two riders "
        "suffered minor burns."
    )
    draft = Draft(
        "s1", "", (DraftSentence(recall.text, (0,)), DraftSentence(repeating, (0, 1))), ""
    )
    summary = verify(draft, story, Evidence("s1", (recall, burns), lede=1), vectors,
                     fake_embedder, VerifySettings())  # fmt: skip
    assert [s.text for s in summary.sentences] == [recall.text, "Two riders suffered minor burns."]
    # only the line that says what is left is cited for it
    assert [c.start_line for c in summary.sentences[1].citations] == [5]


def test_verify_names_a_person_in_full_where_the_sentence_moved_first_mentions_them(
    tmp_path, fake_embedder
):
    story, (lede, charges), vectors = one_article_story(
        tmp_path,
        fake_embedder,
        "orlando/suit.txt",
        "Harbour pilot sued over security bill\n\n"
        "Pavel Marsh is being sued by a security company over an unpaid bill of 27,000 euros.\n\n"
        "Pavel Marsh, a harbour pilot, faces charges over the ferry collision.\n",
    )
    drafted = (
        "Pavel Marsh, a harbour pilot, faces charges over the ferry collision.",
        "Marsh is being sued by a security company over an unpaid bill of 27,000 euros.",
    )
    draft = Draft("s1", "", tuple(DraftSentence(t, ()) for t in drafted), "")
    summary = verify(draft, story, Evidence("s1", (lede, charges), lede=1), vectors,
                     fake_embedder, VerifySettings())  # fmt: skip
    # the lawsuit is the lede and goes first; the person is named in full there, not after
    assert [s.text for s in summary.sentences] == [
        "Pavel Marsh is being sued by a security company over an unpaid bill of 27,000 euros.",
        "Marsh, a harbour pilot, faces charges over the ferry collision.",
    ]


@pytest.mark.parametrize(
    ("headline", "wrong"),
    [
        ("Miss Portmoor 2025 pageant stripped of title", True),
        ("Lena Halvorsen stripped of Portmoor title", False),
        # the sources never say who was or was not "crowned": nothing to compare
        ("Miss Portmoor 2025 pageant crowned new winner", False),
    ],
)
def test_a_headline_passive_names_who_the_sources_say_was_acted_on(headline, wrong):
    sources = [
        "Lena Halvorsen, a 25-year-old nurse, was stripped of her title as Miss Portmoor 2025 "
        "because she was too old, pageant officials said.",
        "She was told that she was being stripped of her title and all prizes.",
    ]
    source_roles = [r for s in sources for r in (*roles(s), *acted_on(s))]
    assert (reversed_roles(headline, source_roles, headline=True) is not None) == wrong


@pytest.mark.parametrize(
    ("sentence", "misattributed"),
    [
        # the shelter director's words, given to the officer who speaks in the other line
        (
            "Tomas Brandt, an officer with the animal shelter, said the horses are calm and eating "
            "well again.",
            True,
        ),  # fmt: skip
        ("Ilse Varga said the horses are calm and eating well again.", False),
        ("Tomas Brandt said he expects to file charges against the farm's owner.", False),
        # no name to compare: a capitalised first word is no name the lines write
        ("Shelter staff said the horses are calm and eating well again.", False),
    ],
)
def test_a_speakers_words_are_not_given_to_another_person(sentence, misattributed):
    lines = [
        '"The horses are calm now. They are eating well again," Varga said.',
        "Tomas Brandt, an officer with the animal shelter, says he expects to file charges "
        "against the farm's owner.",
    ]
    assert (misattributed_speech(sentence, lines) is not None) == misattributed


@pytest.mark.parametrize(
    ("sentence", "unstated"),
    [
        # two lines joined with a cause neither gives
        (
            "Owners are told to stop charging at once as the recall covers scooters sold in 2025.",
            True,
        ),  # fmt: skip
        ("Velora recalled the batteries because the recall covers scooters sold in 2025.", True),
        # the line states it, or a kin of it ("following" for "after")
        ("Velora told owners to stop charging at once as it recalls 40,000 units.", False),
        ("Velora recalled 40,000 batteries after 17 fires.", False),
        # "as" before a noun is no connective
        ("Velora named Ines Calder as its new safety chief.", False),
        ("Velora recalled 40,000 batteries as well as the chargers sold in 2025.", False),
    ],
)
def test_a_cause_or_sequence_must_be_one_a_cited_line_states(sentence, unstated):
    lines = [
        "Velora has told owners to stop charging at once as it recalls 40,000 units.",
        "The recall covers scooters sold in 2025.",
        "Following 17 fires, Velora recalled 40,000 batteries and named Ines Calder safety chief.",
    ]
    assert (unstated_relation(sentence, lines) is not None) == unstated


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        (
            "Owners are told to stop charging at once as the recall covers scooters sold in 2025.",
            (
                "Owners are told to stop charging at once.",
                "The recall covers scooters sold in 2025.",
            ),
        ),
        (
            "Velora recalled the batteries because its engineers found a faulty cell.",
            ("Velora recalled the batteries.", "Its engineers found a faulty cell."),
        ),
        # a noun phrase after the connective is no statement of its own; "if" asserts nothing
        ("Velora recalled 40,000 batteries after 17 fires in the north.", None),
        ("Velora will recall the batteries if its engineers find a faulty cell.", None),
        ('"We recalled them because the cells failed," the chief said.', None),
    ],
)
def test_a_sentence_joining_two_statements_splits_into_both(sentence, parts):
    from briefing.stages.coherence import relation_parts

    assert relation_parts(sentence) == parts


def test_verify_prints_both_statements_of_a_sentence_joining_them_by_an_unstated_relation(
    tmp_path, fake_embedder
):
    files = {
        "post/recall.txt": (
            "Velora recalls scooter batteries\n\n"
            "Velora has told owners to stop charging their scooters at once as it recalls 40,000 units.\n\n"
            "The recall covers scooters sold between March 2025 and June 2026.\n"
        )
    }
    articles, vectors = prepare(tmp_path, files, fake_embedder)
    story = Story("s1", tuple(articles))
    told, covers = articles[0].sentences
    joined = (
        "Owners were told to stop charging their scooters at once as the recall covers "
        "scooters sold between March 2025 and June 2026."
    )
    draft = Draft("s1", "", (DraftSentence(told.text, (0,)), DraftSentence(joined, (0, 1))), "")
    evidence = Evidence("s1", (told, covers), lede=1)
    summary = verify(draft, story, evidence, vectors, fake_embedder, VerifySettings())
    printed = [(s.text, [c.start_line for c in s.citations]) for s in summary.sentences]
    assert printed[1:] == [
        ("The recall covers scooters sold between March 2025 and June 2026.", [5]),
    ]  # "Owners were told to stop charging ..." repeats the first sentence: not printed twice
    assert summary.sentences[1].kind == "generated"  # the writer's part, not a quoted line
    assert any("relation" in r.reason for r in summary.rejected if r.text == joined)


@pytest.mark.parametrize(
    ("sentence", "dropped"),
    [
        # her guess, hedge and all, printed as the briefing's own
        ("The moth has probably survived because the meadows were never mown.", True),
        ("The moth was found in the meadows south of Ashgrove.", False),
        (
            "Ecologist Marta Sand said the moth had probably survived because the meadows were "
            "never mown.",
            False,
        ),  # fmt: skip
        ("The moth has probably survived because the meadows were never mown, Sand said.", False),
    ],
)
def test_a_persons_view_keeps_who_holds_it(sentence, dropped):
    lines = [
        "A rare moth was found in the meadows south of Ashgrove.",
        "Ecologist Marta Sand said the moth had probably survived because the meadows were "
        "never mown.",
    ]
    assert (dropped_believer(sentence, lines) is not None) == dropped


@pytest.mark.parametrize(
    ("sentence", "dropped"),
    [
        # her plan, made the society's expectation with no one holding it
        (
            "The Ashgrove Animal Trust is expected to file charges against the owner of the farm.",
            True,
        ),
        ("Rita Vos says she expects to file charges against the owner of the farm.", False),
        ("Many of the dogs were sickly and underweight.", False),
    ],
)
def test_a_plan_said_by_a_described_person_keeps_who_holds_it(sentence, dropped):
    lines = [
        "Rita Vos, an officer with the Ashgrove Animal Trust says she expects to file charges "
        "against the owner of the farm near Keswin where the dogs were found.",
        "Many of the dogs were sickly and underweight.",
    ]
    assert (dropped_believer(sentence, lines) is not None) == dropped


@pytest.mark.parametrize(
    ("headline", "quoted"),
    [
        # the spokesman's words made the news
        ("Port board focuses on long-term harbour strength", True),
        ("Port board plays down the ferry strike", False),
        ('Port board says its "focus is on long-term harbour strength"', False),
    ],
)
def test_a_headline_does_not_give_someones_words_as_the_news(headline, quoted):
    lines = [
        "The Keswin port board played down the ferry strike on Monday.",
        '"The board\'s focus is on long-term harbour strength," spokesman Ivo Lund said.',
    ]
    assert (quotation_as_news(headline, lines) is not None) == quoted


@pytest.mark.parametrize(
    ("sentence", "borrowed"),
    [
        # what the line says of all the night's winners, said of the one the other line names
        (
            "Ines Calder, who won best pilot, had to pretend she was just glad to be "
            "mentioned alongside the other nominees.",
            True,
        ),
        ("Ines Calder won best pilot at the harbour awards on Sunday.", False),
        # the line that says it refers to her
        ("Tomas Reyne thanked the crews of the Marlow Star for their calm.", False),
    ],
)
def test_a_remark_about_others_is_not_pinned_on_a_person(sentence, borrowed):
    lines = [
        "Ines Calder won best pilot at the harbour awards on Sunday.",
        "For an instant the winners gloat, before pretending they are just glad to be "
        "mentioned alongside the other nominees.",
        "Tomas Reyne was named harbour master of the year.",
        "In a short speech he thanked the crews of the Marlow Star for their calm.",
    ]
    assert (borrowed_predicate(sentence, lines) is not None) == borrowed


def test_a_person_named_in_full_gets_the_title_the_story_introduces_them_with():
    story = (
        "The news agency quoted Vice Foreign Minister Ines Calder as saying talks would resume. "
        "The two sides agreed to meet the day before the talks, Calder is quoted as saying. "
        "Tomas Reyne runs the harbour."
    )
    assert introduce_names("The sides will meet first, Calder said.", "", story) == (
        "The sides will meet first, Vice Foreign Minister Ines Calder said.",
        ["Ines Calder"],
    )
    # a title already written keeps its place; a name the story gives no title stays bare
    assert introduce_names("Minister Calder and Reyne spoke.", "", story)[0] == (
        "Minister Calder and Tomas Reyne spoke."
    )


@pytest.mark.parametrize(
    ("sentence", "unexplained"),
    [
        ("The JPC said the harbour would stay closed until Friday.", True),
        # spelled out in the story, known to every reader, or a dateline in capitals
        ("The KHA said the harbour would stay closed until Friday.", False),
        ("The FBI said the harbour would stay closed until Friday.", False),
        ("KESWIN (AP) - The harbour will stay closed until Friday.", False),
        ("Port officials said the JPC would meet on Friday.", False),  # not its subject
    ],
)
def test_a_sentence_led_by_an_abbreviation_never_spelled_out_is_unexplained(sentence, unexplained):
    from briefing.stages.coherence import unexplained_abbreviation

    story = (
        "The Keswin Harbour Authority closed the port. The JPC said the harbour would stay "
        "closed until Friday. KESWIN (AP) - The harbour will stay closed until Friday."
    )
    assert (unexplained_abbreviation(sentence, story) is not None) == unexplained


@pytest.mark.parametrize(
    ("sentence", "made_agent"),
    [
        # the officials reported the launch; printed, they launched
        ("Keswin port officials fired two flares toward the sea on Tuesday.", True),
        ("Keswin port officials say two flares were fired toward the sea on Tuesday.", False),
        ("Two flares were fired toward the sea on Tuesday, Keswin port officials said.", False),
        ("Mayor Tomas Reyne will open the tram line in 2031.", True),
        ("Mayor Tomas Reyne said the tram line would open in 2031.", False),
    ],
)
def test_who_reported_an_event_is_not_printed_as_who_did_it(sentence, made_agent):
    from briefing.stages.coherence import speaker_made_agent

    lines = [
        "Keswin port officials say two flares were fired toward the sea on Tuesday.",
        "Mayor Tomas Reyne said the tram line would open in 2031.",
    ]
    assert (speaker_made_agent(sentence, lines) is not None) == made_agent


@pytest.mark.parametrize(
    ("sentence", "denied"),
    [
        ("The launch was reportedly a violation of a harbour ban on night sailings.", True),
        ("The launch appeared to violate the harbour ban on night sailings.", True),
        # the negation kept, or another part of the line
        ("The launch did not appear to violate the harbour ban on night sailings.", False),
        ("Officials confirmed the test of a short-range rocket.", False),
        ("Velora has never been fined.", False),
    ],
)
def test_a_sentence_never_states_what_its_line_denies(sentence, denied):
    from briefing.stages.coherence import dropped_negation

    lines = [
        "Officials confirmed the test of a short-range rocket, adding that the launch didn’t "
        "appear to violate a harbour ban on night sailings.",
        "Velora has never been fined.",
    ]
    assert (dropped_negation(sentence, lines) is not None) == denied
