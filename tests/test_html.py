"""The HTML page: a page a person reads on a phone, citations that lead to the cited lines, and
no markup from an input ever reaching it."""

import datetime as dt
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLES, FakeEmbedder, FakeStoryWriter, story_writer_config, write_files

from briefing import pipeline
from briefing.config import packaged_defaults
from briefing.pipeline import RunOptions

HOSTILE = {
    "hostile/ferry-update.txt": (
        "Ferry <script>alert('title')</script> back in service\n\n"
        "The ferry Marlow Star <script>document.title='pwned'</script> returned to service on "
        "Monday after repairs to its bow, Elsholm Lines said.\n\n"
        'Passengers <img src=x onerror="alert(1)"> were offered free crossings for a week, '
        "the operator said.\n\n"
        "A spokesperson said &lt;b&gt;all&lt;/b&gt; safety checks were passed "
        '<a href="javascript:alert(2)">[link]</a>.\n'
    ),
}


def story_answer(numbered: list[str]) -> str:
    """A writer that copies its evidence: the lede's opening words as the headline, the first
    three sentences as the summary."""
    texts = [re.sub(r"^\[\d+\] \([^)]*\) ", "", line) for line in numbered]
    headline = " ".join(texts[0].split()[:9]).rstrip(",.;:")
    summary = "\n".join(f"{text} [{n}]" for n, text in enumerate(texts[:3], start=1))
    return f"Headline: {headline}\nSummary:\n{summary}"


def write_briefing(tmp_path: Path, monkeypatch) -> Path:
    """examples/articles plus a hostile file, briefed with fake models, with --html."""
    articles = tmp_path / "articles"
    shutil.copytree(EXAMPLES, articles)
    write_files(articles, HOSTILE)
    writer = FakeStoryWriter("fake-writer", story_answer)
    config = story_writer_config()
    shipped = packaged_defaults() / "models.yaml"
    monkeypatch.setattr(pipeline, "check_run", lambda *a, **k: (config, shipped))
    monkeypatch.setattr(pipeline, "load_generator", lambda *a, **k: writer)
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    out = tmp_path / "briefings"
    options = RunOptions(articles, out, dt.date(2026, 11, 22), html=True)
    return pipeline.run(options).paths["html"]


class Page(HTMLParser):
    """The tags, attributes and links of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def hrefs(self) -> list[str]:
        return [str(a["href"]) for tag, a in self.tags if tag == "a" and a.get("href")]


@pytest.fixture
def page(tmp_path, monkeypatch) -> Path:
    return write_briefing(tmp_path, monkeypatch)


def every_page(page: Path) -> list[Path]:
    return [page, *sorted(page.parent.glob("*.sources/*.html"))]


def test_no_input_markup_reaches_any_page(page):
    pages = every_page(page)
    assert len(pages) > 2
    hostile_seen = False
    for path in pages:
        text = path.read_text()
        parsed = Page(text)
        assert not [t for t, _ in parsed.tags if t in ("script", "img", "iframe")], path
        assert not [a for _, a in parsed.tags if any(k.startswith("on") for k in a)], path
        assert not [h for h in parsed.hrefs() if h.lower().startswith("javascript:")], path
        assert "<script" not in text and "<img" not in text
        hostile_seen |= "&lt;script&gt;" in text or "&lt;img" in text
    assert hostile_seen  # the hostile text is shown, as text


def test_page_has_viewport_style_and_contents_of_the_stories(page):
    text = page.read_text()
    parsed = Page(text)
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in (
        parsed.tags
    )
    assert "<style>" in text
    headings = re.findall(r'<h2 id="([^"]+)">(\d+)\. ', text)
    assert len(headings) >= 6
    contents = text.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    for anchor, number in headings:
        assert f'href="#{anchor}">{number}. ' in contents


def test_every_citation_links_to_the_cited_line_of_a_source_copy(page):
    markdown = page.with_suffix(".md").read_text()
    cited = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", markdown, flags=re.M))
    text = page.read_text()
    links = re.findall(
        r'<li id="fn:(\d+)">\s*<p><a href="(2026-11-22\.sources/\d+\.html)#L(\d+)">', text
    )
    assert len(links) == len(cited)
    for number, copy, line in links:
        label = cited[number].replace("\\_", "_")
        rel = label.split(", line")[0]
        source = (page.parent / copy).read_text()
        assert f"<h1>{rel}</h1>" in source
        row = re.search(rf'<div id="L{line}" class="line cited">.*?<span>(.*?)</span>', source)
        assert row, (copy, line)
        original = (page.parent.parent / "articles" / rel).read_text().split("\n")
        # the anchored line is the cited line of the input file, escaped
        assert html.unescape(row.group(1)) == original[int(line) - 1]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package")
def test_page_loads_in_headless_chromium_without_console_errors(page, tmp_path):
    for path in every_page(page)[:2]:
        result = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "</body>" in result.stdout
        console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
        assert not console, console
        title = re.search(r"<title>(.*?)</title>", result.stdout)
        assert title and "pwned" not in title.group(1)  # no script of an input ran
