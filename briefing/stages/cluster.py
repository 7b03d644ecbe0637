"""Cluster: articles about the same event become one Story.

One cosine threshold on one embedding cannot tell two missile launches a year apart from two
reports of the same launch (0.80 against 0.91 on the seeds), so the similarity of two articles
combines four signals:

- meaning of the lead: cosine of title+lead embeddings;
- shared facts: for each article, its sentences' best matches in the other, top few averaged
  (two reports of one event restate the same facts; two events of one kind do not);
- names and numbers: TF-IDF cosine over the proper names and numbers each article mentions,
  so that shared rare names (a town, an official) count and ubiquitous ones (a country) do not;
- time: articles that date their event to different weekdays (the weekday each names most) or
  whose metadata dates lie far apart lose `time_penalty`;

and average-linkage agglomerative clustering (scikit-learn) cuts at one threshold over that
combined score. Weights and threshold were chosen on ECB+ dev, Multi-News and the seeds
(benchmarks/RESULTS.md).

Scale: no n-by-n matrix is built for the whole batch. The cheap signals (lead, names, time) are
scored in row blocks and each article keeps its `candidates` best partners; shared facts, the
costly signal, is scored for those pairs only. Average linkage can only join two groups when
some pair across them scores above the threshold, so every story lies inside one connected
component of the graph of such pairs: linkage runs on each component alone, with the exact
similarity of all its pairs. With at most `candidates` + 1 articles every pair is a candidate and
the result is that of linkage over the full matrix.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
from scipy import sparse

from briefing.config import ClusterSettings
from briefing.records import Article, Story
from briefing.stages.embed import ArticleVectors
from briefing.text import WEEKDAYS, capitalised_names, number_tokens, weekdays_named

_ROW_BLOCK = 512  # rows of the cheap score computed at once: 512 x n float32
# `exact` multiplies at most this many articles' sentences (and at most this many sentences,
# unless one article has more) with a component's at once: 512 x 64,000 float32 is 131 MB
_SENTENCE_BLOCK = 512
_ARTICLE_BLOCK = 64


def _top_mean(values: np.ndarray, segments: np.ndarray, sizes: np.ndarray, top: int) -> np.ndarray:
    """For each row of `values` and each segment of its columns (`segments`: the segment of
    each column, sorted; `sizes`: the columns of each), the mean of the `top` largest values
    (of all of them when a segment is smaller)."""
    rows, n_segments = len(values), len(sizes)
    # one sort per row: the segment number in the integer part orders segments, the value
    # (in [-1, 1], so the offset of 4 keeps it inside its segment) orders within one
    keys = np.sort(segments * 4.0 - values.astype(np.float64), axis=1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = np.minimum(sizes, top)
    taken = np.zeros((rows, n_segments))
    for rank in range(top):
        present = rank < counts
        column = (starts + np.minimum(rank, sizes - 1))[present]
        taken[:, present] += segments[column] * 4.0 - keys[:, column]
    return (taken / counts).astype(np.float32)


def _shared_facts(
    cosine: np.ndarray,
    row_sizes: np.ndarray,
    column_sizes: np.ndarray,
    column_owner: np.ndarray,
    top: int,
) -> np.ndarray:
    """Shared facts of each row article with each column article, from the cosines of their
    sentences (rows: the row articles' sentences, article after article, `row_sizes` each;
    columns likewise, `column_owner` naming each column's article): the mean of the `top`
    best matches of each side's sentences in the other, the two directions averaged."""
    row_starts = np.concatenate([[0], np.cumsum(row_sizes)[:-1]])
    column_starts = np.concatenate([[0], np.cumsum(column_sizes)[:-1]])
    row_owner = np.repeat(np.arange(len(row_sizes)), row_sizes)
    # forward: each row sentence's best match in each column article, top few per row article
    best_in = np.maximum.reduceat(cosine, column_starts, axis=1)  # (row sentences, columns)
    forward = _top_mean(best_in.T, row_owner, row_sizes, top).T
    # backward: each column sentence's best match in each row article, top few per column one
    best_of = np.maximum.reduceat(cosine, row_starts, axis=0)  # (row articles, column sents)
    backward = _top_mean(best_of, column_owner, column_sizes, top)
    return (forward + backward) / 2


def names_and_numbers(article: Article) -> list[str]:
    """Proper-name tokens and numbers of an article, lower-cased, one entry per mention."""
    found: list[str] = []
    texts = ([article.title] if article.title else []) + [s.text for s in article.sentences]
    for text in texts:
        found += capitalised_names(text)
        found += number_tokens(text)
    return found


def event_day(article: Article) -> str | None:
    """The weekday the article names most often (the first of those on a tie): reports say
    again and again on which day their event happened, and mention other days in passing."""
    texts = [article.title, *(s.text for s in article.sentences)]
    named = [day for text in texts for day in weekdays_named(text)]
    if not named:
        return None
    counts = Counter(named)
    return next(day for day in named if counts[day] == max(counts.values()))


class PairScorer:
    """Scores article pairs: everything it needs is computed once per batch."""

    def __init__(self, articles: list[Article], vectors: ArticleVectors, settings: ClusterSettings):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.settings = settings
        self.lead = vectors.lead_matrix(articles).astype(np.float32)
        self.lead_weight = 1.0 - settings.entity_weight - settings.facts_weight
        docs = [names_and_numbers(a) for a in articles]
        if any(docs):
            vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True)
            self.names = vectorizer.fit_transform(docs).astype(np.float32).tocsr()
        else:
            self.names = sparse.csr_matrix((len(articles), 1), dtype=np.float32)
        days = [event_day(a) for a in articles]
        self.days = np.array([WEEKDAYS.index(d) + 1 if d else 0 for d in days])
        self.dates = np.array(
            [a.date.toordinal() if a.date else np.nan for a in articles], dtype=float
        )
        self.sentences = [
            np.stack([vectors.of(s) for s in a.sentences]).astype(np.float32)
            if a.sentences
            else self.lead[i : i + 1]
            for i, a in enumerate(articles)
        ]

    def cheap(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Lead and names-and-numbers similarity minus the time penalty, rows x cols."""
        s = self.settings
        score = self.lead_weight * (self.lead[rows] @ self.lead[cols].T)
        score += s.entity_weight * (self.names[rows] @ self.names[cols].T).toarray()
        day_a, day_b = self.days[rows][:, None], self.days[cols][None, :]
        apart = (day_a > 0) & (day_b > 0) & (day_a != day_b)
        with np.errstate(invalid="ignore"):
            apart |= (
                np.abs(self.dates[rows][:, None] - self.dates[cols][None, :]) > s.max_days_apart
            )
        return score - s.time_penalty * apart

    def facts(self, i: int, partners: np.ndarray) -> np.ndarray:
        """Shared facts of article i with each partner: the mean of the `facts_top` best
        sentence matches, taken both ways."""
        top = self.settings.facts_top
        blocks = [self.sentences[j] for j in partners]
        sizes = np.array([len(b) for b in blocks])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        cosine = self.sentences[i] @ np.concatenate(blocks).T  # (sentences of i, all partners')
        # forward: each sentence of i against each partner, best match; top few averaged
        forward = np.sort(np.maximum.reduceat(cosine, offsets, axis=1), axis=0)[::-1][:top]
        # backward: each partner sentence's best match in i, top few of each partner averaged
        best = cosine.max(axis=0)
        owner = np.repeat(np.arange(len(partners)), sizes)
        padded = np.full((len(partners), sizes.max()), -np.inf, dtype=np.float32)
        padded[owner, np.arange(len(best)) - offsets[owner]] = best
        backward_top = np.sort(padded, axis=1)[:, ::-1][:, :top]
        counts = np.minimum(sizes, top)
        backward = np.where(np.isfinite(backward_top), backward_top, 0).sum(axis=1) / counts
        return (forward.mean(axis=0) + backward) / 2

    def scores(self, i: int, partners: np.ndarray) -> np.ndarray:
        """The full similarity of article i with each partner."""
        cheap = self.cheap(np.array([i]), partners)[0]
        return cheap + self.settings.facts_weight * self.facts(i, partners)

    def exact(self, members: np.ndarray) -> np.ndarray:
        """Full similarity matrix among `members`.

        A component of a large batch can hold thousands of articles. Its sentences are stacked
        once and multiplied in blocks of rows (one row of sentences at a time would re-read all
        of them per article, and copy them: at 10,000 articles that took a minute), each block
        against the sentences of its own and later articles. Shared facts is symmetric, so the
        upper triangle is computed and mirrored."""
        m = len(members)
        score = np.eye(m, dtype=np.float32)
        if m < 2:
            return score
        blocks = [self.sentences[j] for j in members]
        sizes = np.array([len(b) for b in blocks])
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        stacked = np.concatenate(blocks)
        owner = np.repeat(np.arange(m), sizes)
        facts = np.zeros((m, m), dtype=np.float32)
        start = 0
        while start < m - 1:
            stop = int(np.searchsorted(offsets, offsets[start] + _SENTENCE_BLOCK, side="right"))
            stop = min(max(stop - 1, start + 1), start + _ARTICLE_BLOCK, m - 1)
            cosine = stacked[offsets[start] : offsets[stop]] @ stacked[offsets[start] :].T
            facts[start:stop, start:] = _shared_facts(
                cosine,
                sizes[start:stop],
                sizes[start:],
                owner[offsets[start] :] - start,
                self.settings.facts_top,
            )
            start = stop
        facts = np.triu(facts, 1)
        facts += facts.T
        cheap = np.empty((m, m), dtype=np.float32)
        for first in range(0, m, _ROW_BLOCK):
            cheap[first : first + _ROW_BLOCK] = self.cheap(
                members[first : first + _ROW_BLOCK], members
            )
        score = cheap + self.settings.facts_weight * facts
        np.fill_diagonal(score, 1.0)
        return score

    def candidate_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each article's `candidates` best partners by the cheap score, as pairs i < j."""
        n = len(self.lead)
        k = min(self.settings.candidates, n - 1)
        everyone = np.arange(n)
        firsts, seconds = [], []
        for start in range(0, n, _ROW_BLOCK):
            rows = everyone[start : start + _ROW_BLOCK]
            score = self.cheap(rows, everyone)
            score[np.arange(len(rows)), rows] = -np.inf
            best = np.argpartition(-score, k - 1, axis=1)[:, :k]
            firsts.append(np.repeat(rows, k))
            seconds.append(best.ravel())
        a, b = np.concatenate(firsts), np.concatenate(seconds)
        pairs = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1), axis=0)
        return pairs[:, 0], pairs[:, 1]

    def linked_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs whose full similarity reaches the threshold."""
        firsts, seconds = self.candidate_pairs()
        keep_first, keep_second = [], []
        bounds = np.flatnonzero(np.diff(firsts)) + 1
        for group in np.split(np.arange(len(firsts)), bounds):
            i, partners = firsts[group[0]], seconds[group]
            linked = partners[self.scores(i, partners) >= self.settings.threshold]
            keep_first += [i] * len(linked)
            keep_second += linked.tolist()
        return np.array(keep_first, dtype=int), np.array(keep_second, dtype=int)


def story_id(articles: list[Article]) -> str:
    return hashlib.sha256("|".join(sorted(a.id for a in articles)).encode()).hexdigest()[:12]


def cluster_labels(
    articles: list[Article], vectors: ArticleVectors, settings: ClusterSettings
) -> np.ndarray:
    """A story label per article."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.cluster import AgglomerativeClustering

    n = len(articles)
    if n < 2:
        return np.zeros(n, dtype=int)
    scorer = PairScorer(articles, vectors, settings)
    firsts, seconds = scorer.linked_pairs()
    graph = sparse.coo_matrix((np.ones(len(firsts)), (firsts, seconds)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    labels = np.empty(n, dtype=int)
    next_label = 0
    order = np.argsort(component, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(component[order])) + 1):
        if len(members) == 1:
            local = np.zeros(1, dtype=int)
        else:
            distance = np.clip(1.0 - scorer.exact(members), 0.0, None).astype(np.float64)
            np.fill_diagonal(distance, 0.0)
            local = AgglomerativeClustering(
                n_clusters=None,
                metric="precomputed",
                linkage="average",
                distance_threshold=1.0 - settings.threshold,
            ).fit_predict(distance)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    return labels


def cluster(
    articles: list[Article], vectors: ArticleVectors, settings: ClusterSettings
) -> list[Story]:
    """Stories, largest first (ties: by earliest path), each with its articles in path order."""
    groups: dict[int, list[Article]] = {}
    for label, article in zip(cluster_labels(articles, vectors, settings), articles, strict=True):
        groups.setdefault(int(label), []).append(article)
    stories = [
        Story(story_id(members), tuple(sorted(members, key=lambda a: a.path)))
        for members in groups.values()
    ]
    return sorted(stories, key=lambda s: (-len(s.articles), s.articles[0].path))
