"""Main-text extractors for saved news pages, scored against hand-written gold text.

Each page in benchmarks/data/html_pages/NAME.html has NAME.gold.txt beside it: the gold title
on line 1, a blank line, then the article's paragraphs one a line (the pages and their gold are
fiction written for this benchmark; see the folder's README.md). Every extractor gets the same
text, decoded as the HTML reader decodes it (`briefing.sources.base.decode`), and its output is
split into lines (blank lines dropped).

Matching, after normalising both sides (NFKC, case folded, quotes and dashes unified, only
letters and digits kept, spaces collapsed):
- a gold paragraph is *found* when it occurs whole in the output (so a paragraph merged with
  its neighbour into one line still counts); paragraph recall = found / gold paragraphs;
- an output line is *article* when it occurs in the gold text, else *furniture* let through;
  a line equal to the gold title is neither (extractors differ on keeping the headline in the
  body); line precision = article lines / (article + furniture lines);
- word precision and recall: the output's and the gold's words as multisets (a pull-quote that
  repeats a sentence costs precision here, though its line is "article" above);
- title: the extractor's title equal to the gold title after normalising (jusText gives none).

Time per page is the median wall time of --repeat calls, after one warm-up call per page.

    python benchmarks/html_extractors.py [--repeat 5] [--pages benchmarks/data/html_pages]

Needs `justext` (installed with trafilatura) and `selectolax`: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from briefing.records import SkippedInput
from briefing.sources.base import declared_encoding, decode

PAGES = Path(__file__).parent / "data" / "html_pages"

# The options briefing/sources/html.py passed to trafilatura.bare_extraction before this
# benchmark (its "defaults" below); the reader now tries favor_precision=True first.
READER_OPTIONS = dict(
    with_metadata=True,
    include_comments=False,
    include_tables=False,
    include_images=False,
    deduplicate=False,
)

Extracted = tuple[str | None, str]  # (title or None, text)


def trafilatura_extractor(**extra: bool) -> Callable[[str], Extracted]:
    import trafilatura

    def extract(html: str) -> Extracted:
        result = trafilatura.bare_extraction(html, **READER_OPTIONS, **extra)
        page = result if result is None or isinstance(result, dict) else result.as_dict()
        page = page or {}
        return page.get("title") or "", page.get("text") or ""

    return extract


def briefing_reader(html: str) -> Extracted:
    """briefing.sources.html as `briefing run` reads the page: title, blank line, paragraphs."""
    from briefing.sources.base import Skip
    from briefing.sources.html import read_html_file

    try:
        (article,) = read_html_file(Path("page.html"), "page.html", html.encode("utf-8"))
    except Skip:
        return "", ""
    assert not isinstance(article, SkippedInput)
    body = article.lines[2:] if article.title else article.lines
    return article.title, "\n".join(body)


def precision_then_reader() -> Callable[[str], Extracted]:
    """favor_precision, and the defaults where that finds no text at all."""
    precise, reader = trafilatura_extractor(favor_precision=True), trafilatura_extractor()

    def extract(html: str) -> Extracted:
        title, text = precise(html)
        return (title, text) if text.strip() else reader(html)

    return extract


def justext_extractor(**options: int) -> Callable[[str], Extracted]:
    import justext

    stoplist = justext.get_stoplist("English")

    def extract(html: str) -> Extracted:
        paragraphs = justext.justext(html.encode("utf-8"), stoplist, encoding="utf-8", **options)
        return None, "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return extract


BLOCK_TAGS = {
    "p", "div", "td", "th", "li", "blockquote", "pre", "dd", "section", "article", "main",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "tbody", "ul", "ol", "dl", "center",
}  # fmt: skip
DROPPED_TAGS = "script, style, noscript, nav, header, footer, aside, form, button, iframe, svg"


def selectolax_extract(html: str) -> Extracted:
    """The densest-text container, Readability-style and small: every paragraph-like block
    (a block element with no block inside it, or a run of text directly inside a block, as
    between <br>s) adds its length to its parent's score and half to its grandparent's; the
    paragraphs under the best-scoring element are the text."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title = None
    for selector, attribute in (('meta[property="og:title"]', "content"), ("h1", None)):
        node = tree.css_first(selector)
        if node is not None:
            title = node.attributes.get(attribute) if attribute else node.text(strip=True)
            if title:
                break
    if not title and tree.css_first("title") is not None:
        title = tree.css_first("title").text(strip=True)
    for node in tree.css(DROPPED_TAGS):
        node.decompose()
    body = tree.body
    if body is None:
        return title, ""

    paragraphs: list[tuple[object, str]] = []  # (parent node, text), in document order

    def has_block(node) -> bool:
        return any(child.tag in BLOCK_TAGS for child in node.traverse() if child is not node)

    def walk(node) -> None:
        if node.tag in BLOCK_TAGS and not has_block(node):
            text = " ".join(node.text(separator=" ").split())
            if text:
                paragraphs.append((node, text))
            return
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                text = " ".join((child.text_content or "").split())
                if len(text) >= 25:
                    paragraphs.append((child, text))
            else:
                walk(child)

    walk(body)
    scores: Counter = Counter()
    for node, text in paragraphs:
        if len(text) < 25:
            continue
        parent = node.parent
        if parent is not None:
            scores[parent.mem_id] += len(text)
            if parent.parent is not None:
                scores[parent.parent.mem_id] += len(text) / 2
    if not scores:
        return title, ""
    best = max(scores, key=scores.__getitem__)

    def under_best(node) -> bool:
        while node is not None:
            if node.mem_id == best:
                return True
            node = node.parent
        return False

    return title, "\n".join(text for node, text in paragraphs if under_best(node))


EXTRACTORS: dict[str, Callable[[], Callable[[str], Extracted]]] = {
    "trafilatura defaults (the reader before)": lambda: trafilatura_extractor(),
    "trafilatura favor_precision": lambda: trafilatura_extractor(favor_precision=True),
    "trafilatura favor_recall": lambda: trafilatura_extractor(favor_recall=True),
    "trafilatura favor_precision, else defaults": precision_then_reader,
    "briefing reader (sources/html.py now)": lambda: briefing_reader,
    "jusText (English stoplist)": lambda: justext_extractor(),
    # jusText's defaults call a paragraph good only past 200 characters; news paragraphs of
    # one or two sentences are shorter. Lowered after seeing the first run, so tuned on this set.
    "jusText length_low=40 length_high=100": lambda: justext_extractor(
        length_low=40, length_high=100
    ),
    "selectolax densest block": lambda: selectolax_extract,
}

QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTES).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass
class Score:
    paragraphs: int = 0
    found: int = 0
    article_lines: int = 0
    furniture_lines: int = 0
    word_overlap: int = 0
    output_words: int = 0
    gold_words: int = 0
    titles: int = 0
    titles_right: int = 0
    seconds: list[float] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in vars(self):
            value = getattr(self, name)
            setattr(self, name, value + getattr(other, name))


def score_page(title: str | None, text: str, gold_title: str, gold: list[str]) -> Score:
    score = Score(paragraphs=len(gold))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    output = norm(" ".join(lines))
    gold_text = norm(" ".join(gold))
    for paragraph in gold:
        if norm(paragraph) in output:
            score.found += 1
        else:
            score.missed.append(paragraph)
    for line in lines:
        key = norm(line)
        if not key or key == norm(gold_title):
            continue
        if key in gold_text:
            score.article_lines += 1
        else:
            score.furniture_lines += 1
            score.furniture.append(line)
    out_words, gold_words = Counter(output.split()), Counter(gold_text.split())
    score.word_overlap = sum((out_words & gold_words).values())
    score.output_words, score.gold_words = sum(out_words.values()), sum(gold_words.values())
    if title is not None:
        score.titles = 1
        score.titles_right = int(norm(title) == norm(gold_title))
    return score


def read_page(path: Path) -> tuple[str, str, list[str]]:
    data = path.read_bytes()
    html = decode(data, declared_encoding(data))
    gold_title, _, *gold = path.with_suffix(".gold.txt").read_text(encoding="utf-8").splitlines()
    return html, gold_title, [line for line in gold if line.strip()]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def row(name: str, s: Score) -> str:
    ms = f"{statistics.median(s.seconds) * 1000:.1f}" if s.seconds else "-"
    title = f"{s.titles_right}/{s.titles}" if s.titles else "none"
    return (
        f"| {name} | {s.found}/{s.paragraphs} ({ratio(s.found, s.paragraphs)}) | "
        f"{ratio(s.article_lines, s.article_lines + s.furniture_lines)} | {s.furniture_lines} | "
        f"{ratio(s.word_overlap, s.output_words)} | {ratio(s.word_overlap, s.gold_words)} | "
        f"{title} | {ms} |"
    )


HEADER = (
    "| extractor | gold paragraphs found (recall) | line precision | furniture lines "
    "| word precision | word recall | title right | ms/page (median) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--per-page", action="store_true", help="a table per extractor")
    parser.add_argument("--show", action="store_true", help="print furniture and missed lines")
    args = parser.parse_args()
    pages = sorted(args.pages.glob("*.html"))
    loaded = {path.stem: read_page(path) for path in pages}
    print(f"{len(pages)} pages, {sum(len(g) for _, _, g in loaded.values())} gold paragraphs\n")
    totals: dict[str, Score] = {}
    for name, make in EXTRACTORS.items():
        extract = make()
        total = Score()
        per_page = []
        for stem, (html, gold_title, gold) in loaded.items():
            title, text = extract(html)  # warm-up, and the output scored
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                extract(html)
                times.append(time.perf_counter() - start)
            score = score_page(title, text, gold_title, gold)
            score.seconds = times
            total.add(score)
            per_page.append((stem, score))
        totals[name] = total
        if args.per_page:
            print(f"### {name}\n\n{HEADER.replace('extractor', 'page')}")
            for stem, score in per_page:
                print(row(stem, score))
            print()
        if args.show:
            for stem, score in per_page:
                for line in score.furniture:
                    print(f"  [{name}] {stem} furniture: {line[:100]}")
                for line in score.missed:
                    print(f"  [{name}] {stem} missed: {line[:100]}")
            print()
    print(f"All pages\n\n{HEADER}")
    for name, total in totals.items():
        print(row(name, total))


if __name__ == "__main__":
    main()
