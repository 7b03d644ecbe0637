"""A corpus of hostile inputs, generated here: every run completes, every skipped file is listed
with its reason, and every citation of an oddly named file is a footnote a reader can follow.
Fake models throughout."""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder, write_files

from briefing import pipeline
from briefing.records import Citation
from briefing.sources import ingest
from briefing.stages.render import md_escape

SENTENCE = "The council met on Tuesday and voted to close the old bridge after the flood damaged its piers. "
MAX_BYTES = 5_000_000


class CopyingGenerator:
    """Copies its source: a rewrite answers the evidence sentence, a headline its first words."""

    name = "fake-generator"

    def generate(
        self, messages, copy_from: str = "", max_new_tokens: int | None = None, max_seconds=None
    ) -> str:
        if "headline" in messages[-1]["content"].lower():
            return " ".join(copy_from.split()[:8])
        return copy_from


def run_briefing(monkeypatch, capsys, folder: Path, out: Path, *more: str) -> tuple[Path, str]:
    """`briefing run` on `folder` with fake models; (output folder, the Markdown)."""
    from test_cli import call_main

    monkeypatch.setattr(pipeline, "load_generator", lambda *a, **k: CopyingGenerator())
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: FakeEmbedder())
    code, _, err = call_main(
        monkeypatch, capsys, "run", str(folder), "--out", str(out), "--date", "2026-11-22", *more
    )
    assert code in (0, None, 6), err  # 6: written, with skipped inputs (README, exit codes)
    return out, (out / "2026-11-22.md").read_text(encoding="utf-8")


def article(title: str, topic: str) -> str:
    return (
        f"{title}\n\nThe {topic} was announced by the town council on Monday morning.\n\n"
        f"Officials said the {topic} would be reviewed again next spring.\n"
    )


ODD_NAMES = [
    "odd/a b [1] (x) #3 *s* `tick` <b>&amp; _u_.txt",
    "odd/line\nbreak.txt",
    "odd/新聞 速報.txt",
    "odd/خبر عاجل.md",
    "odd/#lead|pipe.txt",
]


def hostile_corpus(root: Path, outside: Path) -> dict[str, str | None]:
    """Writes the corpus under `root`: relative path -> the reason it is skipped for (a part
    of it), or None for a file that must be read."""
    expected: dict[str, str | None] = {}

    def put(rel: str, content: str | bytes, reason: str | None) -> None:
        write_files(root, {rel: content})
        expected[rel] = reason

    put("empty.txt", b"", "empty file")
    put("whitespace.txt", b" \n\t\r\n  \n", "empty file")
    put("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000), "binary file")
    put("nul-bytes.txt", b"Title\n\nSome text\x00with a NUL byte.\n", "binary file")
    put("invalid-utf8.txt", bytes(range(0x80, 0x100)) * 20, "not valid UTF-8")
    big = root / "over-the-cap.txt"
    with big.open("wb") as handle:  # sparse: costs no disk and is never read
        handle.truncate(MAX_BYTES + 1)
    expected["over-the-cap.txt"] = "larger than the 5.0 MB limit"
    put("one-paragraph.txt", "One paragraph\n\n" + SENTENCE * (1_000_000 // len(SENTENCE)), None)
    put("run-on.txt", "Run on\n\n" + "and the water kept rising " * 40_000, "only page furniture")
    put(
        "truncated.html",
        "<html><head><title>Flood closes bridge</title></head><body><article><p>"
        + SENTENCE * 3
        + "</p><p>Engineers will inspect the structure this week and report to the co",
        None,
    )
    put("malformed.json", '{"title": "Bridge", "text": "The bridge', "not valid JSON")
    put("malformed.jsonl", '{"title": "x", "text": \n[1, 2\n', "no usable JSON record")
    put("malformed.xml", '<?xml version="1.0"?>\n<rss><channel><item><titl', "not a readable feed")
    put(
        "bomb.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n'
            for i in range(1, 10)
        )
        + ']>\n<rss version="2.0"><channel><item><title>x</title><description>&lol9;'
        "</description></item></channel></rss>\n",
        "declares entities",
    )
    # links: a loop, a loop of folders, out of the folder (file and folder), dangling
    os.symlink("self-loop.txt", root / "self-loop.txt")
    expected["self-loop.txt"] = "symbolic link loop"
    (root / "loops").mkdir()
    os.symlink("..", root / "loops" / "up")
    expected["loops/up"] = "symbolic link to a folder"
    (outside / "secret.txt").write_text(article("Outside title", "secret plan"))
    os.symlink(outside / "secret.txt", root / "outside.txt")
    expected["outside.txt"] = "outside the input folder"
    os.symlink(outside, root / "outside-folder")
    expected["outside-folder"] = "outside the input folder"
    os.symlink(root / "missing.txt", root / "dangling.txt")
    expected["dangling.txt"] = "broken symbolic link"
    os.mkfifo(root / "pipe.txt")
    expected["pipe.txt"] = "not a regular file"
    put("unreadable.txt", article("Unreadable", "closed file"), "cannot read: Permission denied")
    (root / "unreadable.txt").chmod(0)
    deep = "/".join(["deep"] * 200)
    put(f"{deep}/bottom.txt", article("Deep bottom", "deep tunnel project"), None)
    for number, name in enumerate(ODD_NAMES):
        put(name, article(f"Odd name story {number}", f"odd festival number {number}"), None)
    put("readable.txt", article("Harbour reopens", "harbour reopening"), None)
    return expected


@pytest.fixture
def unreadable_even_as_root(monkeypatch):
    """chmod 0 does not stop root from reading: then make that one file fail as it would."""
    real_open = Path.open

    def open_(self, mode="r", *args, **kwargs):
        if self.name == "unreadable.txt" and mode == "rb" and os.geteuid() == 0:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


def skipped_section(markdown: str) -> list[str]:
    section = markdown.split("## Skipped inputs\n\n", 1)[1].split("\n\n", 1)[0]
    return section.split("\n")


def test_every_run_completes_and_every_hostile_file_is_listed_with_its_reason(
    tmp_path, monkeypatch, capsys, unreadable_even_as_root
):
    folder, outside = tmp_path / "in", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    expected = hostile_corpus(folder, outside)
    started = time.monotonic()
    out, markdown = run_briefing(monkeypatch, capsys, folder, tmp_path / "out")
    elapsed = time.monotonic() - started
    listed = skipped_section(markdown)
    reasons = {rel: reason for rel, reason in expected.items() if reason}
    assert len(listed) == len(reasons), "\n".join(listed)
    for rel, reason in reasons.items():
        line = next((x for x in listed if x.startswith(f"- {md_escape(rel)}: ")), None)
        assert line is not None, f"{rel!r} not listed in {listed}"
        assert md_escape(reason) in line, line
    assert "secret plan" not in markdown  # nothing read through the link out of the folder
    for rel, reason in expected.items():
        if reason is None:
            assert md_escape(rel) in markdown, f"{rel!r} was not read"
    assert elapsed < 120  # the 1 MB paragraph and the rest; measured about 10 s on 2 busy cores


def test_a_one_megabyte_paragraph_becomes_sentences_of_at_most_80_words(tmp_path):
    from briefing.pipeline import prepare_articles

    write_files(
        tmp_path,
        {
            "sentences.txt": "Para\n\n" + SENTENCE * (1_000_000 // len(SENTENCE)),
            "clauses.txt": "Clauses\n\n"
            + ", ".join(
                f"the river rose {n} centimetres at the gauge of mill {n}" for n in range(1500)
            )
            + ".",
        },
    )
    started = time.monotonic()
    articles, _ = prepare_articles(tmp_path)
    assert time.monotonic() - started < 60
    lengths = [len(s.text.split()) for a in articles for s in a.sentences]
    assert lengths and max(lengths) <= 80
    clauses = next(a for a in articles if a.path == "clauses.txt")
    assert clauses.sentences and all(s.text.startswith("the river rose") for s in clauses.sentences)


def test_ten_thousand_small_files(tmp_path):
    from briefing.pipeline import prepare_articles

    for number in range(10_000):
        folder = tmp_path / f"day-{number // 1000}"
        folder.mkdir(exist_ok=True)
        (folder / f"story-{number}.txt").write_text(
            f"Story {number}\n\nThe council of ward {number} met on Tuesday to vote on item {number}.\n"
        )
    started = time.monotonic()
    articles, skipped = prepare_articles(tmp_path)
    elapsed = time.monotonic() - started
    assert len(articles) == 10_000 and skipped == []
    # measured 22 s for ingest and clean on 2 cores, 250 s with a load average of 15
    assert elapsed < 600


def _rendered_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_file_names_make_footnotes_that_resolve(name):
    """Python-Markdown (the HTML page) and CommonMark (GitHub, editors) both print the label
    as the file is named (a line break shown as \\n), and the reference resolves."""
    import markdown
    from markdown_it import MarkdownIt

    from briefing.stages.render import _footnote_text

    citation = Citation(name, 3, 4, "id")
    label = citation.label().replace("\n", "\\n")
    source = f"A sentence.[^1]\n\n[^1]: {_footnote_text(citation)}\n"
    page = markdown.markdown(source, extensions=["footnotes"])
    assert 'href="#fn:1"' in page
    note = re.search(r'<li id="fn:1">\s*<p>(.*?)&#160;<a', page, re.S)
    assert note is not None, page
    assert _rendered_text(note.group(1)) == label
    commonmark = MarkdownIt("commonmark").render(_footnote_text(citation))
    assert _rendered_text(commonmark) == label


def test_a_citation_url_becomes_a_link_and_a_hostile_one_stays_text():
    import markdown

    from briefing.stages.render import _footnote_text

    good = Citation(
        "f.rss", 1, 1, "id", record=2, url="https://x.example/a_b?c=1&d=2", copy="sources/ab.txt"
    )
    page = markdown.markdown(f"x[^1]\n\n[^1]: {_footnote_text(good)}\n", extensions=["footnotes"])
    assert 'href="https://x.example/a_b?c=1&amp;d=2"' in page
    assert "f.rss, entry 2, text in sources/ab.txt, lines 1" not in page  # one line: "line 1"
    assert "f.rss, entry 2, text in sources/ab.txt, line 1" in page
    bad = Citation("f.rss", 1, 1, "id", url='javascript:alert(1)"><script>')
    page = markdown.markdown(f"x[^1]\n\n[^1]: {_footnote_text(bad)}\n", extensions=["footnotes"])
    assert "<script>" not in page and 'href="javascript' not in page


def test_include_list_applies_the_same_rules(tmp_path):
    write_files(tmp_path / "in", {"a.txt": article("A title", "harbour plan")})
    os.symlink(tmp_path / "outside.txt", tmp_path / "in" / "link.txt")
    (tmp_path / "outside.txt").write_text(article("Out", "outside plan"))
    articles, [skip] = ingest(tmp_path / "in", include=["a.txt", "link.txt"])
    assert [a.path for a in articles] == ["a.txt"]
    assert skip.path == "link.txt" and "outside the input folder" in skip.reason


def test_a_mixed_folder_gives_one_briefing_whose_stories_cross_formats(
    tmp_path, monkeypatch, capsys, unreadable_even_as_root
):
    """Issue 16's folder: the examples (txt, md), the format fixtures (HTML, JSON lines, JSON,
    RSS, Atom, cp1252 and UTF-16 text), a syndicated copy and the hostile corpus, in one input
    folder. One briefing; a story mixes formats; the skipped list names exactly the hostile
    files (and the examples' empty download); the citations pass `briefing verify`."""
    import json
    import shutil

    from conftest import REPO

    from briefing.audit import audit
    from briefing.config import VerifySettings

    folder, outside = tmp_path / "in", tmp_path / "outside"
    shutil.copytree(REPO / "examples" / "articles", folder)
    shutil.copytree(REPO / "tests" / "fixtures" / "inputs", folder / "formats")
    ferry = next(folder.glob("keswin-courier/*ferry*.txt"))
    (folder / "syndicated").mkdir()
    (folder / "syndicated" / "ferry-wire.txt").write_text(ferry.read_text(encoding="utf-8"))
    outside.mkdir()
    (folder / "hostile").mkdir()
    expected = hostile_corpus(folder / "hostile", outside)
    out, markdown = run_briefing(monkeypatch, capsys, folder, tmp_path / "out")

    hostile = {f"hostile/{rel}" for rel, reason in expected.items() if reason}
    listed = {line[2:].split(": ", 1)[0] for line in skipped_section(markdown)}
    malformed_records = {  # the fixture's JSON lines file holds two broken records on purpose
        "formats/wire/2026-11-19.jsonl, line 3",
        "formats/wire/2026-11-19.jsonl, line 4",
    }
    assert listed == {md_escape(p) for p in hostile} | malformed_records | {
        "inbox/download-failed.txt"
    }

    data = json.loads((out / "2026-11-22.json").read_text())
    suffixes = [
        {src["path"].rsplit(".", 1)[-1] for src in story["sources"]} for story in data["stories"]
    ]
    extracted = {"html", "jsonl", "json", "rss", "xml"}
    # an event told in a saved page or a feed and in plain text files, as one story
    assert any(s & extracted and s & {"txt", "md"} for s in suffixes), suffixes
    ferry_story = next(
        story
        for story in data["stories"]
        if any(src["path"] == "syndicated/ferry-wire.txt" for src in story["sources"])
    )
    assert any(
        src["path"] == ferry.relative_to(folder).as_posix() for src in ferry_story["sources"]
    )
    checks = audit(out / "2026-11-22.md", folder, FakeEmbedder(), VerifySettings())
    assert checks and [c for c in checks if not c.ok and "file" in " ".join(c.problems)] == []
