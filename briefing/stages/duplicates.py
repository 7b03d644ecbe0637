"""Duplicates: the same text in two files (a wire story on two sites, a re-saved page) is one
source. Copies are set aside before clustering, so that they neither count twice as
corroboration nor fill the evidence with the same sentence, and come back into their story's
Sources list after it (`Story.copies`).

Identical cleaned text is a copy outright. Near-identical text is found with MinHash over word
5-grams and locality-sensitive hashing (datasketch): candidates in near-linear time however many
files there are, where comparing every pair would grow with the square. Each candidate pair is
then confirmed on the exact shingles: a copy when most of the shorter article's shingles are in
the longer one (a site that trims the last paragraphs, or adds a line, still copies the story).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence

from briefing.records import Article, Story
from briefing.text import words

log = logging.getLogger(__name__)

SHINGLE_WORDS = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.5  # estimated Jaccard for a pair to be checked at all
MIN_CONTAINMENT = 0.8  # share of the shorter article's shingles found in the longer one
MIN_SHINGLES = 8  # texts shorter than this are only ever exact copies


def _text(article: Article) -> list[str]:
    return words(" ".join(s.text for s in article.sentences).lower())


def _shingles(tokens: list[str]) -> set[str]:
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def _original_first(article: Article) -> tuple[int, str]:
    """Which of two copies stands for both: the longer text, then the first path."""
    return (-len(article.sentences), article.path)


def find_copies(articles: Sequence[Article]) -> dict[str, str]:
    """Article id -> id of the article it copies (its family's original), for every copy."""
    from datasketch import MinHash, MinHashLSH

    parent: dict[str, str] = {a.id: a.id for a in articles}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    by_digest: dict[str, str] = {}
    shingles: dict[str, set[str]] = {}
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for article in articles:
        tokens = _text(article)
        digest = hashlib.sha256(" ".join(tokens).encode()).hexdigest()
        if digest in by_digest:
            join(article.id, by_digest[digest])
            continue
        by_digest[digest] = article.id
        grams = _shingles(tokens)
        if len(grams) < MIN_SHINGLES:
            continue
        signature = MinHash(num_perm=NUM_PERM)
        signature.update_batch([g.encode() for g in grams])
        for other in lsh.query(signature):
            smaller, larger = sorted((grams, shingles[other]), key=len)
            if len(smaller & larger) >= MIN_CONTAINMENT * len(smaller):
                join(article.id, other)
        shingles[article.id] = grams
        lsh.insert(article.id, signature)

    families: dict[str, list[Article]] = {}
    for article in articles:
        families.setdefault(find(article.id), []).append(article)
    copies: dict[str, str] = {}
    for members in families.values():
        if len(members) < 2:
            continue
        original = min(members, key=_original_first)
        for member in members:
            if member is not original:
                copies[member.id] = original.id
    return copies


@dataclasses.dataclass(frozen=True)
class Copy:
    article: Article  # marked with `copy_of`, the path of the original
    original_id: str


def set_copies_aside(articles: Sequence[Article]) -> tuple[list[Article], list[Copy]]:
    """The originals, and the copies (each marked with the path of the article it copies)."""
    copies = find_copies(articles)
    path_of = {a.id: a.path for a in articles}
    originals, set_aside = [], []
    for article in articles:
        if article.id in copies:
            original = copies[article.id]
            set_aside.append(
                Copy(dataclasses.replace(article, copy_of=path_of[original]), original)
            )
            log.info(
                "%s is a copy of %s: listed once, counted once", article.path, path_of[original]
            )
        else:
            originals.append(article)
    return originals, set_aside


def bring_back_copies(stories: Sequence[Story], copies: Sequence[Copy]) -> list[Story]:
    """Each copy listed among the sources of the story that holds its original."""
    story_of = {a.id: n for n, story in enumerate(stories) for a in story.articles}
    extra: dict[int, list[Article]] = {}
    for copy in copies:
        if copy.original_id in story_of:
            extra.setdefault(story_of[copy.original_id], []).append(copy.article)
    return [
        dataclasses.replace(story, copies=(*story.copies, *extra.get(n, ())))
        for n, story in enumerate(stories)
    ]
