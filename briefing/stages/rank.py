"""Rank: which stories a briefing summarises when it may summarise only N (`--max-stories`).

A story matters more the more outlets report it (distinct outlets; an article that names none
counts its file), then the more articles it has, then the newer its latest article. Near-
identical copies (`Story.copies`) count once, as everywhere else. The stories past N are not
dropped: the briefing lists each by its best title with a citation, after the stories.
"""

from __future__ import annotations

import datetime as dt

from briefing.records import Article, Citation, ListedStory, Story

MAX_LISTED_CITATIONS = 3  # footnotes on one listed story's line


def outlets(story: Story) -> int:
    """Distinct outlets among the story's articles (an article naming none: its file)."""
    return len({a.outlet.casefold() if a.outlet else f"file:{a.path}" for a in story.articles})


def importance(story: Story) -> tuple[int, int, dt.date]:
    """Larger is more important: corroboration, then article count, then recency."""
    latest = max((a.date for a in story.articles if a.date is not None), default=dt.date.min)
    return outlets(story), len(story.articles), latest


def top_stories(stories: list[Story], limit: int) -> tuple[list[int], list[int]]:
    """The positions of the `limit` most important stories, in their given order, and of the
    others, most important first (ties keep the given order). `limit` 0: every story."""
    if limit <= 0 or len(stories) <= limit:
        return list(range(len(stories))), []
    ranked = sorted(range(len(stories)), key=lambda i: (_descending(importance(stories[i])), i))
    return sorted(ranked[:limit]), ranked[limit:]


def _descending(key: tuple[int, int, dt.date]) -> tuple[int, int, int]:
    outlet_count, article_count, latest = key
    return -outlet_count, -article_count, -latest.toordinal()


def _where(article: Article) -> Citation | None:
    """Where a reader finds the article: its title line, else its first sentence."""
    sentence = article.title_sentence or (article.sentences[0] if article.sentences else None)
    return Citation.of(sentence) if sentence is not None else None


def listed_story(story: Story) -> ListedStory:
    """The story as one line: the best title (a headline from one of its files, else the
    opening words of its first article) and where its articles stand."""
    titled = [a for a in story.articles if a.title]
    best = titled[0] if titled else story.articles[0]
    ordered = [best, *(a for a in story.articles if a is not best)]
    citations = [c for a in ordered if (c := _where(a)) is not None]
    return ListedStory(story, best.display_title, tuple(citations[:MAX_LISTED_CITATIONS]))
