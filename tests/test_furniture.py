"""Page furniture, furniture-only files, titles that are titles, and copies of one story, as a
reader of the briefing sees them. Every text here was written for these tests."""

import datetime as dt
import json
import re

from conftest import FakeGenerator, write_files

from briefing.config import load_config
from briefing.pipeline import build_briefing, load_prompts, prepare_articles
from briefing.records import briefing_from_data
from briefing.sources import ingest
from briefing.stages.clean import clean, headline_problem
from briefing.stages.furniture import load_model, rule_reason, without_post_attribution
from briefing.stages.render import md_escape, render_json, render_markdown

# Furniture of the kinds the issue found on real scraped pages, written for these tests.
FURNITURE = [
    "Play Facebook",
    "Page 1 of 1",
    "Updated at 11:02 p.m. ET",
    "Please enable Javascript to watch this video",
    "Tweet with a location",
    "You can add location information to your Tweets, such as your city, from the web.",
    "The seed for Wide00017 was:",
    "Starting in 1996, a web archive has been donating its crawl data to the Wayback Machine.",
    "Story highlights The mayor said the tram would be built",
    "(Published Monday, Nov. 19, 2018)",
    "By Anna Keller",
    "The mayor waves to the crowd. (via Facebook)",
    "Have a look at the best moments in our gallery, then share your thoughts in the comments.",
    "Please email haveyoursay@example.org.",
    "Local News More>>",
    "Media playback is unsupported on your device",
    "Image copyright Example Images Image caption The bridge at dawn",
    "JUST WATCHED Bridge opens Replay More Videos ... MUST WATCH Bridge opens 01:22",
    "We use cookies to give you the best experience on our site.",
    "This feature is not available right now. Please try again later.",
    "The interactive transcript could not be loaded.",
    # embedded posts as a page saved as text shows them
    "— Anna Keller (@annakeller) Mar. 3, 2019",
    "Harbour Watch (@harbourwatch) March 3, 2019.",
    "pic.twitter.com/Ab12Cd34",
    "A post shared by Anna Keller (@anna.keller) on Mar 3, 2019 at 7:02am PST",
    "View this post on Instagram",
    "Add a location to your Tweets",
    "When you tweet with a location, the service stores that location.",
    "Join our mailing list to hear about new events first.",
    "This crawl was run at a level 2 (pages and their embeds).",
    "This post has been updated.",
    "Read on for the backstage reactions of the night's winners.",
    "Here's what you need to know:",
    "Here's a sampling of times the mayor took credit for the harbour's record year.",
    "Click to share on Twitter (Opens in new window)",
    # a video's caption under the player's close button
    "CLOSE The harbour was closed to ferries for six hours on Friday. (Nov. 20) HARBOUR TV",
]
# Article text that shares words with furniture, and must stay.
TEXT = [
    "The council will publish the tram plans on its website on Monday.",
    "The video, filmed by a passenger, shows the ferry striking the barge.",
    "She said the archive held letters from 1996 to 2004.",
    "Witnesses shared photos of the flood on Facebook.",
    "The court ruled that a language cannot be protected by copyright law.",
    "Updated figures published on Tuesday showed 300 homes were flooded.",
    # embeds reported in prose are the article's own words
    "The mayor wrote on his Twitter account (@keswinmayor) that the harbour would reopen.",
    "Harbour Watch (@harbourwatch) posted a photo of the barge on March 3, 2019, at dawn.",
    "The fire brigade shared a post on Instagram showing the damaged hull.",
    "Clicking noises were heard before the crash, police said.",
    "Watchdogs said the bank had broken the rules.",
    "Close to 300 homes were flooded on Tuesday.",
    "The mayor said here is where the tram will stop.",
    '"Read the report," the minister told the council.',
]


def test_furniture_lines_are_recognised_and_text_is_not():
    for line in FURNITURE:
        assert rule_reason(line), line
    for line in TEXT:
        assert rule_reason(line) is None, line


def test_the_shipped_classifier_loads_and_tells_furniture_from_text():
    model = load_model()
    assert model is not None
    from briefing.stages.furniture import LineContext

    lines = [
        "Sign up for breaking news alerts delivered to your phone",
        "Police said the driver, 34, had been arrested on suspicion of dangerous driving.",
    ]
    furniture, text = model.probabilities(lines, [LineContext(), LineContext()])
    assert furniture > 0.5 > text


def test_a_line_repeated_across_a_folders_unrelated_files_is_dropped_but_not_a_wire_copy(
    tmp_path,
):
    bodies = [
        "Flood waters rose in Millbrook on Tuesday after a night of heavy rain.",
        "The tram line will cost 340 million euros, the council said on Wednesday.",
    ]
    wire = (
        "A ferry struck a container barge at the mouth of Port Keswin harbour on Thursday.\n\n"
        "Fourteen of the 212 passengers were treated for minor injuries in hospital.\n\n"
        "The harbour was closed for six hours while divers inspected the hull of the ferry.\n\n"
        "Officials said the ferry would stay out of service until repairs were complete.\n"
    )
    files = {f"in/{n}.txt": f"{body}\n\nValley Gazette newsroom\n" for n, body in enumerate(bodies)}
    # the same wire story on two sites: its lines repeat, and they are news
    files["in/site-a.txt"] = wire
    files["in/site-b.txt"] = wire + "\nHarbour master Ines Calder said visibility was poor.\n"
    write_files(tmp_path, files)
    articles = {a.path: a for a in clean(ingest(tmp_path)[0])}
    for n in range(2):
        article = articles[f"in/{n}.txt"]
        assert [s.text for s in article.sentences] == [bodies[n]]
        assert "repeated across files of this folder" in article.boilerplate.values()
    assert len(articles["in/site-a.txt"].sentences) == 4


def test_a_file_that_is_only_furniture_or_too_short_is_skipped_with_its_reason(tmp_path):
    write_files(
        tmp_path,
        {
            "tweet.txt": "\nTweet with a location\n\nYou can add location information to your "
            "Tweets, such as your city or precise location, from the web. Learn more\n",
            "crawl.txt": "\nThe seed for Wide00017 was:\n\n- Slash pages from every domain on "
            "the web, ranked by the crawl of Wide00016\n",
            "stub.txt": "\nRain.\n",
            "index.txt": "\nLocal News More>>\n\n"
            + "".join(
                f"Fire In Town {n} Displaces Families Fire In Town {n} Displaces Families A fire "
                f"destroyed homes in town {n}.\n\n"
                for n in range(4)
            )
            + "Showers today, sun tomorrow and a mild weekend ahead for the region.\n",
            "news.txt": "Ferry hits barge in fog\n\nA ferry struck a barge in thick fog on "
            "Thursday, injuring 14 passengers, the harbour master said.\n",
        },
    )
    articles, skipped = prepare_articles(tmp_path)
    assert [a.path for a in articles] == ["news.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["tweet.txt"] == "only page furniture (social-media widget)"
    assert reasons["crawl.txt"].startswith("only page furniture (web-archive crawl note")
    assert reasons["stub.txt"] == "too short to be news (1 words of text)"
    assert reasons["index.txt"].startswith(
        "only page furniture and teasers left after cleaning (linked teaser"
    )
    # the count says how little of the file is text, not how long the file is
    assert re.search(r"; \d+ of its \d+ words are article text\)$", reasons["index.txt"])


def test_an_embedded_posts_attribution_is_not_a_sentence_but_its_words_are_quoted_text(
    tmp_path,
):
    long_post = " ".join(
        f"Crossing {n}: the fog was so thick that the bow lights vanished at {n} knots."
        for n in range(8)
    )
    write_files(
        tmp_path,
        {
            "posts.txt": "Mayor answers critics of the harbour\n\n"
            "The mayor of Port Keswin answered critics of the harbour authority on Sunday in a "
            "series of posts:\n\n"
            "The harbour reopens at noon, and the first ferry leaves for Elsholm at one. Thanks "
            "to the divers! — Mayor Ruth Alden (@keswinmayor) March 3, 2019\n\n"
            "Safe crossings everyone https://t.co/Ab12 pic.twitter.com/Xy12Zz — Mayor Ruth "
            "Alden (@keswinmayor) March 3, 2019\n\n"
            f"{long_post} A post shared by Ferry Fan (@ferry.fan) on Mar 3, 2019 at 7:02am PST\n\n"
            "The quay is closed until noon.\n"
            "— Harbour Watch (@harbourwatch) March 3, 2019\n\n"
            "Her office said the ferry company would pay for the repairs to the quay.\n",
        },
    )
    articles, skipped = prepare_articles(tmp_path)
    assert skipped == []
    article = articles[0]
    sentences = [s.text for s in article.sentences]
    assert not any("(@" in s or "pic.twitter" in s or "t.co/" in s for s in sentences)
    assert "Thanks to the divers!" in sentences
    assert "Crossing 7: the fog was so thick that the bow lights vanished at 7 knots." in sentences
    assert article.boilerplate[12] == "embedded social-media post"
    # a post's words still cite the line they are on
    quay = next(s for s in article.sentences if s.text == "The quay is closed until noon.")
    assert (quay.start_line, quay.end_line) == (11, 11)
    assert sentences[-1].startswith("Her office said")


def test_the_attribution_of_an_embedded_post_is_cut_from_its_line():
    assert (
        without_post_attribution(
            "Stay safe out there — Harbour Watch (@harbourwatch) March 3, 2019"
        )
        == "Stay safe out there"
    )
    assert (
        without_post_attribution("Fog again - Anna Keller (@annakeller) Mar. 3, 2019")
        == "Fog again"
    )
    assert without_post_attribution("Foggy crossing today pic.twitter.com/Ab12Cd34") == (
        "Foggy crossing today"
    )
    assert (
        without_post_attribution(
            "Morning crossing A post shared by Anna Keller (@anna.keller) on Mar 3, 2019 at 7:02am PST"
        )
        == "Morning crossing"
    )
    for line in TEXT:
        assert without_post_attribution(line) == line


def test_a_section_teaser_is_skipped_but_an_article_under_a_section_label_stays(tmp_path):
    story = (
        "A ferry struck a barge in thick fog on Thursday, injuring 14 passengers. "
        "The harbour master said the ferry had left Elsholm on time. "
        "Divers inspected the hull for six hours before the harbour reopened. "
    )
    write_files(
        tmp_path,
        {
            "teaser.txt": "\nTravel\n\nThis spring the island ferries celebrate fifty years "
            "of crossings, and a few lucky passengers will win a season ticket of their own.\n",
            "section.txt": "\nTravel\n\n" + story * 4 + "\n",
        },
    )
    articles, skipped = prepare_articles(tmp_path)
    assert [a.path for a in articles] == ["section.txt"]
    assert [(s.path, s.reason) for s in skipped] == [
        ("teaser.txt", "a section teaser, not an article (a “Travel” label over 23 words of text)")
    ]


def test_a_pull_quote_or_a_quotation_is_not_a_title(tmp_path):
    write_files(
        tmp_path,
        {
            "pull.txt": '\n"I did not see the barge until it was too late."\n\nThe captain of '
            "the Marlow Star spoke to reporters at the quay on Friday. “I did not see the barge "
            "until it was too late,” he said.\n",
            "quote-lede.txt": "\n“We are proud of every diver who worked through the night,” "
            "Harbour Master Ines Vale said on Friday. “The quay is safe again.”\n",
            "quote-then-text.txt": "\n“It was like driving into a wall,” said one passenger. "
            "The ferry struck a barge in thick fog on Thursday.\n",
        },
    )
    articles = {a.path: a for a in prepare_articles(tmp_path)[0]}
    pull = articles["pull.txt"]
    assert pull.title == ""
    assert pull.lede_title.startswith("The captain of the Marlow Star spoke")
    # the pull-quote repeats the text below it, so it is furniture, not a sentence
    assert pull.boilerplate[2] == "pull-quote (repeated in the text)"
    assert articles["quote-lede.txt"].lede_title == (
        "Harbour Master Ines Vale: ‘We are proud of every diver who worked…’"
    )
    assert articles["quote-then-text.txt"].lede_title == (
        "The ferry struck a barge in thick fog on Thursday."
    )


def test_titles_are_headlines_else_the_ledes_opening_words_marked_as_such(tmp_path):
    write_files(
        tmp_path,
        {
            "headline.txt": "Ferry hits barge in fog off Port Keswin\n\nA ferry struck a barge "
            "in thick fog on Thursday, injuring 14 passengers.\n",
            "furniture-first.txt": "Play Facebook\n\nA ferry struck a barge in thick fog on "
            "Thursday, injuring 14 passengers, the harbour master said on Friday.\n\nThe "
            "harbour was closed.\n",
            "dateline.txt": "\nPORT KESWIN (AP) — A ferry struck a barge in thick fog on Thursday."
            "\n\nFourteen passengers were hurt.\n",
            "byline.txt": "By Anna Keller\n\nUpdated at 11:02 p.m. ET\n\nThe harbour was closed "
            "for six hours on Thursday while divers inspected the ferry's hull.\n",
        },
    )
    articles = {a.path: a for a in prepare_articles(tmp_path)[0]}
    assert articles["headline.txt"].display_title == "Ferry hits barge in fog off Port Keswin"
    assert articles["furniture-first.txt"].title == ""
    assert articles["furniture-first.txt"].display_title == (
        "“A ferry struck a barge in thick fog on Thursday, injuring 14…” "
        "(opening words; no headline in the file)"
    )
    # the dateline is not part of the title, and the lede stays a sentence
    assert articles["dateline.txt"].lede_title == "A ferry struck a barge in thick fog on Thursday."
    assert articles["dateline.txt"].sentences[0].start_line == 2
    assert articles["byline.txt"].lede_title.startswith("The harbour was closed")
    assert all(a.display_title != "(untitled)" for a in articles.values())


def test_headline_check():
    assert headline_problem("Lumora recalls 80,000 e-bike batteries after fires") is None
    assert headline_problem("Updated at 11:02 p.m. ET")
    assert headline_problem("By Anna Keller")
    assert headline_problem("LONDON — Michael Kors has picked out some new shoes.")
    assert headline_problem(
        "The ferry was carrying 212 passengers and 9 crew on its morning crossing from Elsholm."
    )
    assert headline_problem("Features")
    # quotations and cut-off lines are not headlines...
    assert headline_problem('"I\'m as shocked as you people."') == "pull-quote, not a headline"
    assert headline_problem("“We will rebuild the quay”") == "pull-quote, not a headline"
    assert headline_problem("I never saw the barge until it was too late.")
    assert headline_problem("Ferry captain says he could not have seen the barge in…")
    assert headline_problem("Ferry captain says he could not have seen the barge ...")
    assert headline_problem(
        "“I did not see the barge,” the captain of the ferry told the inquiry on Friday."
    )
    # ...but headlines that quote someone, or speak in the first person with a speaker, are
    for headline in (
        'Trump: "I will not resign"',
        "I was wrong, says minister",
        "'Several die' in island ferry crash",
        '"Avatar" sequel breaks box-office record',
        "I Love Lucy star dies at 90",
        "‘We will rebuild’: Keswin mayor vows to reopen harbour",
    ):
        assert headline_problem(headline) is None, headline


WIRE = (
    "Marlow Star ferry hits barge\n\n"
    "The passenger ferry Marlow Star struck a container barge at the mouth of Port Keswin "
    "harbour at 7:40 am on Thursday, injuring 14 passengers.\n\n"
    "The ferry was carrying 212 passengers and 9 crew on its morning crossing from Elsholm "
    "when it collided with the barge in thick fog.\n\n"
    "All 14 injured passengers were treated for minor injuries at Keswin General Hospital.\n\n"
    "The harbour was closed to all traffic for six hours while divers inspected the hull.\n"
)


def test_copies_of_one_story_are_listed_in_its_sources_and_counted_once(tmp_path, fake_embedder):
    root = write_files(
        tmp_path / "in",
        {
            "wire/ferry.txt": WIRE,
            # the same wire story on another site, with its own headline and furniture
            "site/ferry.txt": WIRE.replace("Marlow Star ferry hits barge", "Fog crash in harbour")
            + "\nFollow us on Telegram for breaking news from the coast!\n",
            # a byte-identical re-saved copy
            "saved/ferry (1).txt": WIRE,
            "other/tram.txt": "Dunmore approves tram line\n\nDunmore city council voted 9 to 4 "
            "on Wednesday evening to build an 11-kilometre tram line.\n",
        },
    )
    config, path = load_config()
    briefing = build_briefing(
        root,
        dt.date(2026, 11, 22),
        config,
        load_prompts(path),
        FakeGenerator("Ferry hits barge", "Tram approved", rewrites={}),
        fake_embedder,
    )
    [ferry] = [s for s in briefing.summaries if any("ferry" in a.path for a in s.story.articles)]
    paths = {"wire/ferry.txt", "site/ferry.txt", "saved/ferry (1).txt"}
    assert len(ferry.story.articles) == 1 and len(ferry.story.copies) == 2
    assert {a.path for a in (*ferry.story.articles, *ferry.story.copies)} == paths
    assert briefing.skipped == ()
    text = render_markdown(briefing)
    assert "Sources (1, and 2 copy(ies) counted once):" in text
    original = ferry.story.articles[0].path
    for copy in ferry.story.copies:
        assert copy.copy_of == original
        assert f"same text as {original}" in text
    for name in paths:
        assert f"- {md_escape(name)}: " in text
    # every cited line comes from the one counted article, not from its copies
    cited = {c.path for s in ferry.sentences for c in s.citations}
    assert cited <= {original}
    # the manifest keeps the copies apart
    back = briefing_from_data(json.loads(render_json(briefing)))
    [ferry_back] = [s for s in back.summaries if s.story.id == ferry.story.id]
    assert len(ferry_back.story.copies) == 2 and len(ferry_back.story.articles) == 1
