"""The HTML page of a briefing, and a copy of each cited source a reader can follow a citation to.

`<out>/<date>.html` is the Markdown briefing rendered with the `markdown` package, a small
embedded stylesheet, a viewport for phones and a table of contents of the stories; each
footnote links to `<out>/<date>.sources/<n>.html#L<line>`, a numbered, escaped copy of the
cited input file with an anchor on every line and the cited lines marked.

Nothing from an input reaches the pages as markup: the Markdown escapes `<`, `>` and the other
special characters of source text (render.md_escape), and the source copies go through
html.escape. Files are numbered, not named after their paths, so odd file names never end up
in a URL.
"""

from __future__ import annotations

import html
from pathlib import Path

from briefing.records import Briefing, Citation, record_name
from briefing.sources import Skip, reread_lines
from briefing.stages.render import render_markdown

STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fdfdfc; --muted: #5c636b;
  --rule: #d8dadd; --accent: #0b5cad; --mark: #fff2b3; --target: #ffd75e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e3; --bg: #16181b; --muted: #a0a6ad;
  --rule: #3a3e44; --accent: #7db4ff; --mark: #3b3420; --target: #6b5518; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 44rem; padding: 1.25rem 1rem 3rem; color: var(--fg);
  background: var(--bg); font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", sans-serif; overflow-wrap: anywhere; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.2rem; line-height: 1.35; margin: 2.25rem 0 0.5rem; padding-top: 1rem;
  border-top: 1px solid var(--rule); }
h1 + p, .note { color: var(--muted); }
nav.toc { margin: 1rem 0 0; padding: 0.75rem 1rem; border: 1px solid var(--rule);
  border-radius: 0.5rem; }
nav.toc h2 { margin: 0 0 0.25rem; padding: 0; border: 0; font-size: 0.95rem;
  color: var(--muted); }
nav.toc ul { margin: 0; padding: 0; list-style: none; }
nav.toc li { margin: 0.3rem 0; }
sup { line-height: 0; }
sup a { text-decoration: none; padding: 0 0.1em; }
ul { padding-left: 1.25rem; }
li { margin: 0.2rem 0; }
em { color: var(--muted); }
.footnote { font-size: 0.875rem; color: var(--muted); margin-top: 2.5rem; }
.footnote hr { border: 0; border-top: 1px solid var(--rule); }
.footnote ol { padding-left: 1.75rem; }
.footnote ol::before { content: "Citations: the input file and lines each sentence rests on";
  display: block; margin: 0 0 0.5rem -1.75rem; font-weight: 600; }
p > em:only-child { font-size: 0.9375rem; }
.footnote p { margin: 0.15rem 0; }
.footnote-backref { text-decoration: none; }
.source .lines { margin-top: 1rem; }
.source .line { display: grid; grid-template-columns: 2.75rem 1fr; column-gap: 0.75rem;
  padding: 0 0.25rem; scroll-margin-top: 30vh; }
.source .line > a { color: var(--muted); text-align: right; text-decoration: none;
  font-variant-numeric: tabular-nums; font-size: 0.875rem; padding-top: 0.15em;
  user-select: none; }
.source .line > span { white-space: pre-wrap; min-height: 1.55em; }
.source .cited { background: var(--mark); }
.source .line:target { background: var(--target); }
""".strip()

_HEAD = (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<title>{title}</title>\n<style>\n{style}\n</style>\n</head>\n"
)


def _page(title: str, body: str, body_class: str = "") -> str:
    opening = f'<body class="{body_class}">' if body_class else "<body>"
    head = _HEAD.format(title=html.escape(title), style=STYLE)
    return f"{head}{opening}\n{body}\n</body>\n</html>\n"


def sources_folder_name(briefing: Briefing) -> str:
    return f"{briefing.date.isoformat()}.sources"


Source = tuple[str, int | None]  # a file, and the record or feed entry in it


def cited_lines(briefing: Briefing) -> dict[Source, set[int]]:
    """Every cited line, by file (and record), in order of first citation."""
    lines: dict[Source, set[int]] = {}
    citations = [
        c
        for summary in briefing.summaries
        for sentence in (summary.headline, *summary.sentences)
        for c in sentence.citations
    ]
    citations += [c for listed in briefing.listed for c in listed.citations]
    for c in citations:
        where = (c.path, c.record)
        lines.setdefault(where, set()).update(range(c.start_line, c.end_line + 1))
    return lines


def read_source_lines(input_dir: Path, source: Source) -> list[str] | None:
    """The lines as the run read them (numbered as citations number them: the text a reader
    extracts from an HTML page, JSON record or feed entry), or None when it is gone or
    unreadable now."""
    try:
        return list(reread_lines(input_dir, *source))
    except (OSError, Skip):
        return None


def render_source_page(
    briefing: Briefing, source: Source, lines: list[str], cited: set[int]
) -> str:
    path, record = source
    rel = path if record is None else f"{path}, {record_name(path, record)}"
    back = f"../{briefing.date.isoformat()}.html"
    rows = []
    for number, line in enumerate(lines, start=1):
        mark = ' class="line cited"' if number in cited else ' class="line"'
        rows.append(
            f'<div id="L{number}"{mark}><a href="#L{number}">{number}</a>'
            f"<span>{html.escape(line)}</span></div>"
        )
    body = (
        f'<p class="note"><a href="{back}">← Briefing for {briefing.date.isoformat()}</a></p>\n'
        f"<h1>{html.escape(rel)}</h1>\n"
        '<p class="note">A copy of the input file as the briefing read it. Lines the briefing '
        "cites are marked; the line a citation points to is highlighted.</p>\n"
        f'<div class="lines">\n{chr(10).join(rows)}\n</div>'
    )
    return _page(f"{rel} (source of the briefing for {briefing.date.isoformat()})", body, "source")


def _contents(markdown_html: str, toc_tokens: list[dict]) -> str:
    """The table of contents: the stories (and skipped inputs), linked to their headings."""
    entries = [
        f'<li><a href="#{token["id"]}">{token["name"]}</a></li>'
        for token in toc_tokens  # toc_depth "2-2": the level-2 headings, in order
    ]
    if not entries:
        return markdown_html
    # toc's names are already escaped HTML text; numbered headings keep their number in the
    # name, so a plain list reads "1. Headline".
    nav = '<nav class="toc" aria-label="Stories">\n<h2>Contents</h2>\n<ul>\n'
    nav += "\n".join(entries) + "\n</ul>\n</nav>"
    # The page opens with the title and the overview paragraph; the contents follow them.
    return markdown_html.replace("</p>", "</p>\n" + nav, 1)


def render_html(briefing: Briefing, links: dict[Source, int]) -> str:
    """The briefing page; `links` numbers the source copies footnotes may link to."""
    import markdown

    folder = sources_folder_name(briefing)

    def href(citation: Citation) -> str | None:
        number = links.get((citation.path, citation.record))
        return None if number is None else f"{folder}/{number}.html#L{citation.start_line}"

    converter = markdown.Markdown(
        extensions=["footnotes", "toc"], extension_configs={"toc": {"toc_depth": "2-2"}}
    )
    # render.md_escape escapes these too (as CommonMark allows); Python-Markdown would print
    # the backslash before them.
    converter.ESCAPED_CHARS.extend(c for c in "<|=" if c not in converter.ESCAPED_CHARS)
    body = converter.convert(render_markdown(briefing, cite_href=href))
    body = _contents(body, getattr(converter, "toc_tokens", []))
    return _page(f"Briefing for {briefing.date.isoformat()}", body)


def html_files(briefing: Briefing, input_dir: Path, page: Path) -> dict[Path, str]:
    """The page and a copy of each cited source beside it (`<date>.sources/<n>.html`)."""
    files: dict[Path, str] = {}
    links: dict[Source, int] = {}
    folder = page.parent / sources_folder_name(briefing)
    for source, cited in cited_lines(briefing).items():
        lines = read_source_lines(input_dir, source)
        if lines is None:  # gone since it was read: the footnote stays plain text
            continue
        links[source] = len(links) + 1
        files[folder / f"{links[source]}.html"] = render_source_page(briefing, source, lines, cited)
    files[page] = render_html(briefing, links)
    return files
