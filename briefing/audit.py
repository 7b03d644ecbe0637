"""`briefing verify`: re-check a written briefing against the input files.

Every citation must still resolve to the same lines holding the same text (files changed or
gone since the run are reported), every sentence must still pass the verifier's checks against
the lines it cites, and the Markdown must still hold every sentence of the JSON manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.backends.base import Embedder
from briefing.config import VerifySettings
from briefing.errors import InputError
from briefing.records import Briefing, CitedSentence, briefing_from_data
from briefing.sources import Skip, reread_lines
from briefing.stages.render import md_escape
from briefing.stages.verify import measure_support
from briefing.text import normalize_space, words_in_order


@dataclass(frozen=True)
class SentenceCheck:
    story: int
    position: str  # "headline" or the sentence's number in the summary
    text: str
    kind: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Files:
    """Input files read once each (through their reader: an HTML page's citations count lines
    of its extracted text); a file that is gone or unreadable gives its reason."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[tuple[str, int | None], tuple[str, ...] | str] = {}

    def lines(self, rel: str, record: int | None = None) -> tuple[str, ...] | str:
        key = (rel, record)
        if key not in self.cache:
            try:
                self.cache[key] = reread_lines(self.root, rel, record)
            except FileNotFoundError:
                self.cache[key] = "file is gone"
            except (OSError, Skip) as exc:
                self.cache[key] = f"file cannot be read now ({exc})"
        return self.cache[key]


def _iter_sentences(briefing: Briefing) -> Iterator[tuple[int, str, CitedSentence]]:
    for number, summary in enumerate(briefing.summaries, start=1):
        yield number, "headline", summary.headline
        for index, sentence in enumerate(summary.sentences, start=1):
            yield number, str(index), sentence


def load_manifest(briefing_md: Path) -> tuple[str, Briefing]:
    manifest_path = briefing_md.with_suffix(".json")
    try:
        markdown_text = briefing_md.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {briefing_md}: {exc.strerror or exc}") from exc
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{manifest_path} is missing: `briefing verify` needs the JSON written beside the briefing"
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {manifest_path}: {exc}") from exc
    if not isinstance(manifest, dict) or "stories" not in manifest:
        raise InputError(f"{manifest_path} is not a briefing manifest")
    try:
        return markdown_text, briefing_from_data(manifest)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{manifest_path} is not a briefing manifest ({exc!r} missing or wrong)"
        ) from exc


def audit(
    briefing_md: Path, input_dir: Path, embedder: Embedder, settings: VerifySettings
) -> list[SentenceCheck]:
    if not input_dir.is_dir():
        raise InputError(f"input folder {input_dir} does not exist")
    markdown_text, briefing = load_manifest(briefing_md)
    files = _Files(input_dir)
    checks = []
    for story, position, sentence in _iter_sentences(briefing):
        problems: list[str] = []
        text, kind = sentence.text, sentence.kind
        if md_escape(text) not in markdown_text:
            problems.append("not in the Markdown any more (edited by hand?)")
        cited_texts = []
        if not sentence.citations:
            problems.append("has no citation")
        for citation in sentence.citations:
            label = f"{citation.path}:{citation.start_line}-{citation.end_line}"
            lines = files.lines(citation.path, citation.record)
            if isinstance(lines, str):
                problems.append(f"{citation.path}: {lines}")
                continue
            start, end = citation.start_line, citation.end_line
            if not 1 <= start <= end <= len(lines):
                problems.append(f"{label}: the file has only {len(lines)} lines now")
                continue
            span = normalize_space(" ".join(lines[start - 1 : end]))
            if citation.text and normalize_space(citation.text) not in span:
                problems.append(f"{label}: the cited text changed since the briefing was written")
            cited_texts.append(span)
        if cited_texts and not problems:
            problems += _recheck(
                text, kind, cited_texts, embedder, settings, position == "headline"
            )
        checks.append(SentenceCheck(story, position, text, kind, tuple(problems)))
    return checks


def _recheck(
    text: str,
    kind: str,
    cited: list[str],
    embedder: Embedder,
    settings: VerifySettings,
    headline: bool,
) -> list[str]:
    joined = " ".join(cited)
    if kind in ("quote", "title"):
        return (
            []
            if normalize_space(text.rstrip("…")) in normalize_space(joined)
            else ["quote not found verbatim"]
        )
    if kind == "extract":  # the lede's main clause: its words in order, asides left out
        return [] if words_in_order(text.rstrip("…"), joined) else ["extract not found in order"]
    vectors = embedder.embed([text, *cited])
    similarity = float(np.max(vectors[1:] @ vectors[0]))
    failure = measure_support(text, similarity, cited).failure(settings, headline=headline)
    return [failure] if failure else []


def format_report(checks: list[SentenceCheck], only_failures: bool = False) -> str:
    lines = []
    for check in checks:
        if only_failures and check.ok:
            continue
        where = f"story {check.story}, {check.position}"
        status = "ok  " if check.ok else "FAIL"
        detail = "" if check.ok else ": " + "; ".join(check.problems)
        lines.append(f"{status} {where} [{check.kind}]{detail}\n     {check.text}")
    failed = sum(not c.ok for c in checks)
    lines.append(f"{len(checks)} sentences checked, {failed} failed")
    return "\n".join(lines)
