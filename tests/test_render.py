import datetime as dt
import json
import re

import markdown
from conftest import FakeGenerator, write_files

from briefing.config import load_config
from briefing.pipeline import build_briefing, load_prompts
from briefing.stages.html import render_html
from briefing.stages.render import md_escape, render_json, render_markdown

FILES = {
    "river/flood_1.txt": (
        "Valley river floods after storm\n\n"
        "The Arden river burst its banks on Tuesday after 80 millimetres of rain fell overnight.\n\n"
        "About 300 homes in Millbrook were evacuated, the fire service said.\n\n"
        "Leave a Reply\n"
    ),
    "post/flood.txt": (
        "Homes evacuated as Arden floods\n\n"
        "About 300 homes in Millbrook were evacuated on Tuesday when the Arden river burst its banks.\n\n"
        "Follow us on Telegram for live updates.\n"
    ),
    "empty.txt": "",
}


def make_briefing(tmp_path, fake_embedder, rewrites, headline="Arden river floods"):
    root = write_files(tmp_path / "in", FILES)
    config, path = load_config()
    generator = FakeGenerator(headline, rewrites=rewrites)
    briefing = build_briefing(
        root, dt.date(2026, 11, 22), config, load_prompts(path), generator, fake_embedder
    )
    return briefing, generator


def test_markdown_has_title_overview_stories_sources_and_skipped(tmp_path, fake_embedder):
    briefing, generator = make_briefing(
        tmp_path,
        fake_embedder,
        {
            "the fire service said": "About 300 homes in Millbrook were evacuated.",
            "after 80 millimetres": "The mayor resigned over 12 complaints.",
        },
    )
    text = render_markdown(briefing)
    assert text.startswith("# Briefing for 2026-11-22\n")
    assert "1 story from 2 articles; 1 input skipped" in text
    assert "## 1. Arden river floods[^1]" in text
    assert "The mayor resigned" not in text
    assert "- river/flood\\_1.txt: Valley river floods after storm" in text
    assert "## Skipped inputs\n\n- empty.txt: empty file" in text
    # each evidence sentence reached the model on its own
    asked = generator.rewrite_prompts()
    assert any("About 300 homes in Millbrook" in p and "Arden river burst" not in p for p in asked)


def test_every_footnote_resolves_to_a_real_line(tmp_path, fake_embedder):
    briefing, _ = make_briefing(
        tmp_path,
        fake_embedder,
        {"the fire service said": "About 300 homes in Millbrook were evacuated."},
    )
    text = render_markdown(briefing)
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    definitions = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", text, re.M))
    assert refs == set(definitions)
    for label in definitions.values():
        path, lines = label.replace("\\", "").rsplit(", ", 1)
        start = int(re.findall(r"\d+", lines)[0])
        source = (tmp_path / "in" / path).read_text().splitlines()
        assert source[start - 1].strip()
    html = markdown.markdown(text, extensions=["footnotes"])
    for ref in refs:
        assert f'href="#fn:{ref}"' in html and f'id="fn:{ref}"' in html
    assert "Leave a Reply" not in text and "Telegram" not in text


def test_json_holds_the_same_content(tmp_path, fake_embedder):
    briefing, _ = make_briefing(
        tmp_path,
        fake_embedder,
        {"after 80 millimetres": "Twelve bridges collapsed."},
    )
    data = json.loads(render_json(briefing))
    assert data["date"] == "2026-11-22"
    assert data["article_count"] == 2 and data["story_count"] == 1
    [story] = data["stories"]
    assert story["headline"]["text"] == "Arden river floods"
    assert story["sentences"][0]["citations"][0]["path"] in {"river/flood_1.txt", "post/flood.txt"}
    assert {s["path"] for s in story["sources"]} == {"river/flood_1.txt", "post/flood.txt"}
    assert story["rejected"][0]["text"] == "Twelve bridges collapsed."
    assert data["skipped"] == [{"path": "empty.txt", "reason": "empty file"}]
    assert "[headline]" in story["model_output"]
    assert "<sup" in render_html(briefing, {})


def test_markdown_escaping_keeps_source_text_literal():
    assert md_escape("a_b *c* [d]") == "a\\_b \\*c\\* \\[d\\]"
    assert md_escape("# not a heading") == "\\# not a heading"


def test_two_cited_sentences_on_one_line_give_one_footnote_marker():
    from briefing.records import Citation
    from briefing.stages.render import _Footnotes

    first = Citation("post/pageant.txt", 12, 12, "a1", "She was told on Tuesday.")
    second = Citation("post/pageant.txt", 12, 12, "a1", "She lost her title.")
    other = Citation("post/pageant.txt", 14, 14, "a1", "She will appeal.")
    footnotes = _Footnotes()
    assert footnotes.refs((first, second, other)) == "[^1][^2]"
    assert len(footnotes.definitions()) == 2


def test_a_quotation_inside_a_quoted_sentence_takes_single_marks():
    from briefing.records import Citation, CitedSentence
    from briefing.stages.render import _Footnotes, _sentence

    line = '"Look, markets do fluctuate in the short term," Raj Shah told reporters on Monday.'
    quoted = CitedSentence(line, (Citation("wh.txt", 4, 4, "a1", line),), "quote", 1.0)
    text = _sentence(quoted, _Footnotes())
    assert text == (
        "“‘Look, markets do fluctuate in the short term,’ Raj Shah told reporters on Monday.”[^1]"
    )
    generated = CitedSentence(
        'The elevator passed a "once-every-5-years inspection".', quoted.citations, "generated", 1.0
    )
    assert _sentence(generated, _Footnotes()).startswith('The elevator passed a "once')
