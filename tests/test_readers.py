"""The readers for each input format, and what a reader of the briefing gets from them: titles,
dates, outlets and URLs from metadata, and citations that resolve to real lines of a file
saved beside the briefing."""

import codecs
import datetime as dt
import html
import json
import re
import shutil

import pytest
from conftest import REPO, FakeEmbedder, write_files

from briefing.audit import audit
from briefing.config import VerifySettings
from briefing.pipeline import prepare_articles
from briefing.sources import ingest

FIXTURES = REPO / "tests" / "fixtures" / "inputs"


@pytest.fixture(scope="module")
def fixture_articles():
    articles, skipped = ingest(FIXTURES)
    return {a.where: a for a in articles}, skipped


def test_html_page_gives_main_text_title_date_site_and_url(fixture_articles):
    articles, _ = fixture_articles
    page = articles["harbour-gazette/marlow-star-ferry.html"]
    assert page.title == "Divers inspect Marlow Star hull after harbour collision"
    assert page.date == dt.date(2026, 11, 19)
    assert page.outlet == "Harbour Gazette"
    assert page.url == "https://harbour-gazette.example/2026/11/19/marlow-star-hull"
    text = "\n".join(page.lines)
    assert "Divers spent six hours inspecting the hull" in text
    assert "ferry’s radar records" in text  # &rsquo; decoded
    for furniture in ("Home", "Most read", "Tide tables", "All rights reserved", "dataLayer"):
        assert furniture not in text
    assert page.copy == f"sources/{page.id}.txt"


HTML_PAGES = REPO / "benchmarks" / "data" / "html_pages"


def test_html_page_leaves_out_teasers_of_other_stories_and_newsletter_pitch(tmp_path):
    """Measured in benchmarks/html_extractors.py: trafilatura's default extraction let the
    full-sentence teasers under a short article through as if they were its paragraphs; an old
    table layout, where favor_precision finds nothing, must still give its text."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("06-short-brief.html", "04-courier-tables.html"):
        shutil.copy(HTML_PAGES / name, folder / name)
    articles, skipped = ingest(folder)
    assert not skipped
    pages = {a.where: "\n".join(a.lines) for a in articles}
    brief = pages["06-short-brief.html"]
    assert "Elsholm Lines will not raise ferry fares next year" in brief
    assert "A return crossing for a car and two adults will stay at 64 euros." in brief
    for teaser in ("Engineers will replace a bridge", "The 14-kilometre path", "Two airlines"):
        assert teaser not in brief
    assert "Get our travel newsletter" not in brief
    beetle = pages["04-courier-tables.html"]
    for paragraph in ("The bark beetle that has killed", "Walkers are asked not to take"):
        assert paragraph in beetle


def test_jsonl_one_article_per_line_and_malformed_lines_skipped(fixture_articles):
    articles, skipped = fixture_articles
    tram = articles["wire/2026-11-19.jsonl, record 1"]
    assert tram.title == "Dunmore council approves tram line to the station"
    assert tram.date == dt.date(2026, 11, 18)
    assert tram.outlet == "Wire Desk"
    assert tram.url == "https://wire.example/dunmore-tram"
    recall = articles["wire/2026-11-19.jsonl, record 2"]
    assert recall.date == dt.date(2026, 11, 20)  # RFC 822 date
    assert recall.outlet == "Wire Desk"  # {"name": ...}
    assert "<p>" not in "\n".join(recall.lines)  # HTML in the text reduced to text
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["wire/2026-11-19.jsonl, line 3"].startswith("not valid JSON")
    assert reasons["wire/2026-11-19.jsonl, line 4"].startswith("no text field")


def test_json_list_with_other_field_names(fixture_articles):
    articles, _ = fixture_articles
    cup = articles["wire/desk.json, record 1"]
    assert cup.title == "Late Moreno goal gives Dunmore Rovers the county cup"
    assert cup.url == "https://desk.example/rovers-cup"
    assert cup.outlet == "Sports Desk"
    assert cup.date == dt.date(2026, 11, 21)


def test_rss_prefers_full_content_and_reduces_html(fixture_articles):
    articles, _ = fixture_articles
    cup = articles["feeds/coast-news.rss, entry 1"]
    text = "\n".join(cup.lines)
    assert "Luis Moreno scored the winner" in text  # content:encoded, not the one-line summary
    assert "track()" not in text and "<p>" not in text
    assert cup.outlet == "Coast News"
    assert cup.url == "https://coast-news.example/rovers-cup"
    assert cup.date == dt.date(2026, 11, 21)
    beetle = articles["feeds/coast-news.rss, entry 2"]
    assert "two millimetres long" in "\n".join(beetle.lines)  # the summary, as text


def test_atom_feed_saved_as_xml_is_sniffed(fixture_articles):
    articles, _ = fixture_articles
    traders = articles["feeds/valley-post-atom.xml, entry 1"]
    assert traders.title.startswith("Traders fear months of disruption")
    assert traders.outlet == "Valley Post"


def test_legacy_encodings_are_decoded(fixture_articles):
    articles, _ = fixture_articles
    library = articles["legacy/ashgrove-library-cp1252.txt"]
    assert "its café now serves" in library.lines[2]
    assert library.lines[4].startswith("“We missed our readers,” said librarian Zoë Ferrand")
    assert not any("\r" in line for line in library.lines)
    recall = articles["legacy/lumora-utf16.txt"]
    assert recall.lines[0] == "Lumora battery recall widens"
    assert "René Aubert" in recall.lines[4]


def test_xml_that_is_not_a_feed_is_skipped(tmp_path):
    write_files(tmp_path, {"sitemap.xml": '<?xml version="1.0"?><urlset><url>x</url></urlset>'})
    _, [skip] = ingest(tmp_path)
    assert skip.reason == "XML that is not an RSS or Atom feed (<urlset>)"


def test_entity_declarations_are_refused_before_parsing(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>Bomb</title>'
        "<description>&b;&b;&b; is here.</description></item></channel></rss>\n"
    )
    write_files(tmp_path, {"bomb.rss": bomb})
    articles, [skip] = ingest(tmp_path)
    assert articles == []
    assert "declares entities" in skip.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            "Caf\u00c3\u00a9 menu \u00e2\u20ac\u201c th\u00c3\u00a9 \u00c3\u00a0 la carte, \u00c3\u00a9t\u00c3\u00a9.\n".encode(),
            "mojibake",
        ),
        (("Title\n\n" + "\ufffd\ufffd text \ufffd" * 30 + "\n").encode(), "replacement characters"),
        (b"Title\n\n" + bytes(range(1, 9)) * 50, "binary file"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "not valid UTF-16"),
    ],
)
def test_a_decode_that_looks_wrong_is_skipped_with_the_reason(tmp_path, data, reason):
    write_files(tmp_path, {"bad.txt": data})
    articles, [skip] = ingest(tmp_path)
    assert articles == []
    assert reason in skip.reason


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + "Title\r\n\r\nCafé opens.\r\n".encode(),
        "Title\n\nCafé opens.\n".encode("utf-16"),
        "Title\rCafé opens.\r".encode(),
        "Title\n\nCafé opens.".encode()[:-1] + "é".encode()[:1],  # cut off mid-character
    ],
)
def test_utf8_with_or_without_bom_utf16_and_line_ends(tmp_path, data):
    write_files(tmp_path, {"a.txt": data})
    [article], skipped = ingest(tmp_path)
    assert skipped == []
    assert article.lines[0] == "Title"
    assert any(line.startswith("Café opens") for line in article.lines)


def test_json_object_nested_too_deeply_is_skipped(tmp_path):
    write_files(tmp_path, {"deep.json": "[" * 100_000 + "]" * 100_000})
    _, [skip] = ingest(tmp_path)
    assert "nested too deeply" in skip.reason


def test_json_lines_saved_as_json_are_read_as_lines(tmp_path):
    lines = [json.dumps({"title": f"T{i}", "text": f"Text number {i}."}) for i in (1, 2)]
    write_files(tmp_path, {"x.json": "\n".join(lines) + "\n"})
    articles, skipped = ingest(tmp_path)
    assert [a.where for a in articles] == ["x.json, record 1", "x.json, record 2"]


def test_every_format_is_cited_with_lines_of_a_file_beside_the_briefing(
    tmp_path, monkeypatch, capsys
):
    """One briefing from the fixture folder: each citation of an extracted article names its
    text copy, whose cited lines hold the cited sentence; `briefing verify` passes."""
    from test_hostile_inputs import run_briefing

    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder)
    out, markdown = run_briefing(monkeypatch, capsys, folder, tmp_path / "out", "--html")
    manifest = json.loads((out / "2026-11-22.json").read_text())
    citations = [
        c
        for story in manifest["stories"]
        for s in [story["headline"], *story["sentences"]]
        for c in s["citations"]
    ]
    formats = {re.sub(r".*\.", ".", c["path"]) for c in citations}
    assert {".html", ".jsonl", ".json", ".rss", ".xml"} <= formats
    for c in citations:
        if c["path"].endswith(".txt"):
            assert c["copy"] is None
            continue
        copy = out / c["copy"]
        lines = copy.read_text(encoding="utf-8").split("\n")
        cited = " ".join(lines[c["start_line"] - 1 : c["end_line"]])
        assert " ".join(c["text"].split()) in " ".join(cited.split())
        assert f"text in {c['copy']}" in markdown
        if c["url"]:
            assert f"<{c['url']}>" in markdown
    assert "feeds/coast-news.rss, entry 1" in markdown
    # the HTML page's copies of extracted sources hold the extracted text, by the same lines
    page = (out / "2026-11-22.html").read_text(encoding="utf-8")
    for c in citations:
        if c["copy"]:
            anchor = f'#L{c["start_line"]}">[^<]*{re.escape(c["copy"])}'
            link = re.search(r'href="(2026-11-22\.sources/\d+\.html)' + anchor, page)
            assert link, c
            source_page = (out / link.group(1)).read_text(encoding="utf-8")
            row = re.search(f'<div id="L{c["start_line"]}"[^>]*>.*?<span>(.*?)</span>', source_page)
            assert row and c["text"][:30] in html.unescape(row.group(1))
    checks = audit(out / "2026-11-22.md", folder, FakeEmbedder(), VerifySettings())
    assert checks and [c for c in checks if not c.ok and "file" in " ".join(c.problems)] == []


def test_prepare_articles_keeps_record_locators_on_sentences(tmp_path):
    shutil.copytree(FIXTURES / "feeds", tmp_path / "feeds")
    articles, _ = prepare_articles(tmp_path)
    entry = next(a for a in articles if a.record == 2)
    assert all(s.record == 2 and s.copy == entry.copy for s in entry.sentences)
    assert entry.sentences[0].url == "https://coast-news.example/tarrow-beetle"
