"""Cite and verify: every sentence of a draft gets citations to the evidence that supports it,
or never reaches the page.

For each generated sentence the verifier picks the evidence sentences that cover it best
(meaning by embedding cosine, content words by overlap), keeps only citations that add
coverage, and then applies hard checks against the union of the cited lines: every number
and every proper name of the sentence must occur there. A sentence that fails is dropped and
recorded with the reason; if nothing survives, the story quotes its most central evidence
verbatim, cited.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from briefing.backends.base import Embedder, Judge
from briefing.config import VerifySettings
from briefing.records import (
    Article,
    Citation,
    CitedSentence,
    Draft,
    Evidence,
    Rejection,
    Sentence,
    Story,
    Summary,
)
from briefing.stages.coherence import (
    Role,
    acted_on,
    added_judgement,
    ambiguous_firm,
    attributed_after,
    borrowed_predicate,
    dangling_reference,
    dropped_article,
    dropped_believer,
    dropped_negation,
    echo_of_unsaid,
    introduce_names,
    misattributed_speech,
    outside_quotations,
    quotable,
    quotation_as_news,
    relation_parts,
    renamed_subject,
    restore_articles,
    restore_quotation_marks,
    reversed_roles,
    roles,
    speaker_dropped,
    speaker_made_agent,
    unattributed_speech,
    unexplained_abbreviation,
    unintroduced_names,
    unmarked_quotation,
    unstated_relation,
    voice_problem,
    with_attribution,
    without_said_parts,
)
from briefing.stages.embed import ArticleVectors, unit
from briefing.stages.select import is_quotation
from briefing.text import (
    STOP_WORDS,
    bare_words,
    content_words,
    has_finite_verb,
    hedges,
    name_found,
    names,
    numbers,
    opens_with_pronoun,
    quotations,
    repeatable_tokens,
    split_sentences,
    squash_words,
    strong_hedges,
    unbalanced_quotes,
)


def hard_check_problems(sentence: str, cited_text: str) -> list[str]:
    """What in the sentence the cited text does not contain: numbers, names (weekdays and
    months included), and quotations, which must stand in the cited lines word for word."""
    problems = []
    missing_numbers = numbers(sentence) - numbers(cited_text)
    if missing_numbers:
        problems.append(f"number(s) {', '.join(sorted(missing_numbers))} not in the cited lines")
    source_words = bare_words(cited_text)
    missing_names = sorted(
        n for n in names(sentence) if not name_found(n, source_words, cited_text)
    )
    if missing_names:
        problems.append(f"name(s) {', '.join(missing_names)} not in the cited lines")
    squashed = f" {squash_words(cited_text)} "
    for quoted in quotations(sentence):
        if f" {squash_words(quoted)} " not in squashed:
            problems.append(f"quotation “{quoted.strip()}” not in the cited lines")
    repeated = _repeated_words(sentence, cited_text)
    if repeated:
        problems.append(f"repeats {', '.join(repeated)} more often than the cited lines")
    if unbalanced_quotes(sentence):
        problems.append("its quotation marks do not pair up (a piece of a quotation)")
    dropped = strong_hedges(cited_text, about=content_words(sentence))
    if dropped and not hedges(sentence):
        problems.append(f"states as fact what the cited lines hedge ({', '.join(sorted(dropped))})")
    return problems


def _repeated_words(sentence: str, cited_text: str) -> list[str]:
    """Words or numbers the sentence says at least twice and more often than the cited lines:
    the mark of a small model looping ("bike-bike-bike", "the 1998 cup of 1998")."""
    said = Counter(w.lower() for w in repeatable_tokens(sentence))
    cited = Counter(w.lower() for w in repeatable_tokens(cited_text))
    return sorted(
        f"“{w}”"
        for w, n in said.items()
        if n >= 2 and n > cited[w] and (w.isdigit() or (w not in STOP_WORDS and len(w) > 2))
    )


@dataclass(frozen=True)
class Support:
    score: float
    similarity: float  # best embedding cosine between the sentence and a cited sentence
    coverage: float  # share of the sentence's content words found in the cited sentences
    cited: tuple[Sentence, ...]
    problems: tuple[str, ...]
    best: Sentence | None = None  # the single evidence sentence closest to the text
    uncovered: int = 0  # content words found in none of the cited sentences

    def failure(self, settings: VerifySettings, headline: bool = False) -> str | None:
        """Why this support is not enough, or None when the sentence may be printed. A headline
        has few content words, so one word of its own ("Wedding costs surge to $31,213")
        is allowed where the rest stand in the cited lines; the entailment question judges it."""
        min_similarity = settings.headline_min_similarity if headline else settings.min_similarity
        if self.problems:
            return "; ".join(self.problems)
        headline_word = headline and self.uncovered <= 1 and self.coverage >= 0.6
        if self.coverage < settings.min_coverage and not headline_word:
            return (
                f"only {self.coverage:.0%} of its content words are in the cited lines "
                f"(needs {settings.min_coverage:.0%})"
            )
        if self.similarity < min_similarity:
            return f"meaning too far from the cited lines (cosine {self.similarity:.2f})"
        return None


def _coverage(target: set[str], pool: Sequence[Sentence], words_of: dict[int, set[str]]) -> float:
    if not target:
        return 1.0
    covered = set().union(*(words_of[id(s)] for s in pool)) if pool else set()
    return len(target & covered) / len(target)


def find_support(
    text: str,
    vector: np.ndarray,
    pool: Sequence[Sentence],
    pool_vectors: np.ndarray,
    settings: VerifySettings,
) -> Support:
    """The evidence that best supports `text`, its score, and what the hard checks found."""
    if not pool:
        return Support(0.0, 0.0, 0.0, (), ("no evidence to cite",))
    target = content_words(text)
    words_of = {id(s): content_words(s.text) for s in pool}
    semantic = pool_vectors @ vector
    lexical = np.array([_coverage(target, [s], words_of) for s in pool])
    ranked = np.argsort(-(0.5 * semantic + 0.5 * lexical))

    def fit(citations: list[Sentence]) -> tuple[float, int]:
        """How much of the sentence these citations cover, and how many hard checks fail."""
        joined = " ".join(s.text for s in citations)
        return _coverage(target, citations, words_of), len(hard_check_problems(text, joined))

    cited = [pool[int(ranked[0])]]
    current = fit(cited)
    # Add citations while they cover more of the sentence's words, numbers or names.
    for index in ranked[1:]:
        if len(cited) >= settings.max_citations:
            break
        trial_cited = [*cited, pool[int(index)]]
        trial = fit(trial_cited)
        if trial[0] > current[0] + settings.min_citation_gain or trial[1] < current[1]:
            cited, current = trial_cited, trial
    # Drop citations that add nothing once the others are there.
    for sentence in list(cited):
        rest = [s for s in cited if s is not sentence]
        if not rest:
            break
        trial = fit(rest)
        if trial[0] >= current[0] and trial[1] <= current[1]:
            cited, current = rest, trial
    best_semantic = float(max(semantic[pool.index(s)] for s in cited))
    measured = measure_support(text, best_semantic, [s.text for s in cited])
    return dataclasses.replace(
        measured, cited=tuple(sorted(cited, key=_reading_order)), best=pool[int(ranked[0])]
    )


def measure_support(text: str, similarity: float, cited_texts: Sequence[str]) -> Support:
    """The support of `text` by the cited lines, whose closest one has cosine `similarity` to
    it: content-word coverage and the hard checks. `briefing run` and `briefing verify` both
    judge a sentence by this."""
    target = content_words(text)
    joined = " ".join(cited_texts)
    coverage = len(target & content_words(joined)) / len(target) if target else 1.0
    return Support(
        round(0.5 * similarity + 0.5 * coverage, 3),
        round(similarity, 3),
        round(coverage, 3),
        (),
        tuple(hard_check_problems(text, joined)),
        uncovered=len(target - content_words(joined)),
    )


def _reading_order(sentence: Sentence) -> tuple[str, int]:
    return sentence.path, sentence.start_line


def _quote(sentence: Sentence) -> CitedSentence:
    """The sentence verbatim, less its dateline and a hook before a colon ("Here's one sign of
    the recovery few will cheer: The average cost of a wedding just hit a five-year high."):
    what follows the colon is the news, and still the source's own words."""
    hook = _HOOK.match(sentence.text)
    text = sentence.text[hook.end() :] if hook else sentence.text
    # "NEW YORK (AP) — " is where the wire filed, not what it says
    undated = _DATELINE.sub("", text, count=1)
    text = undated if len(undated.split()) >= 4 else text
    return CitedSentence(text, (Citation.of(sentence),), "quote", 1.0)


def central_evidence(evidence: Evidence, vectors: ArticleVectors, count: int) -> list[Sentence]:
    """The `count` evidence sentences closest to the evidence centroid, in reading order."""
    if not evidence.sentences:
        return []
    matrix = np.stack([vectors.of(s) for s in evidence.sentences])
    order = np.argsort(-(matrix @ unit(matrix.mean(axis=0))))
    best = [evidence.sentences[int(i)] for i in order[:count]]
    return sorted(best, key=lambda s: evidence.sentences.index(s))


@dataclass(frozen=True)
class HeadlineCheck:
    text: str  # the draft's headline, shortened where it was too long
    support: Support | None
    failure: str | None  # why it cannot be printed, before the entailment question


def check_headline(
    headline: str,
    story: Story,
    evidence: Evidence,
    vector: np.ndarray | None,
    vectors: ArticleVectors,
    settings: VerifySettings,
    story_roles: Sequence[Role] | None = None,
) -> HeadlineCheck:
    """The draft's headline, shortened to the word limit where an aside can go, and what its
    support by the evidence (or a source title) lacks. `story_roles`: who does what to whom
    in the story's sentences (default: read from the story)."""
    headline = shorten_headline(headline, settings.max_headline_words)
    titles = [a.title_sentence for a in story.articles if a.title_sentence is not None]
    pool = [*titles, *evidence.sentences]
    if not headline or vector is None or not pool:
        return HeadlineCheck(headline, None, "the model wrote no headline")
    if len(headline.split()) > settings.max_headline_words:
        return HeadlineCheck(headline, None, f"longer than {settings.max_headline_words} words")
    support = find_support(
        headline, vector, pool, np.stack([vectors.of(s) for s in pool]), settings
    )
    if story_roles is None:
        story_roles = story_role_triples(story)
    return HeadlineCheck(
        headline,
        support,
        support.failure(settings, headline=True)
        or voice_problem(headline)
        or reversed_roles(headline, story_roles, headline=True)
        or added_judgement(headline, [s.text for s in support.cited])
        or quotation_as_news(headline, [s.text for s in support.cited]),
    )


def story_role_triples(story: Story) -> list[Role]:
    """Every (agent, verb, patient) its articles' sentences state."""
    return [
        r for a in story.articles for s in a.sentences for r in (*roles(s.text), *acted_on(s.text))
    ]


def headline_from_evidence(
    evidence: Evidence, vectors: ArticleVectors, settings: VerifySettings
) -> CitedSentence:
    """Never a title line: on real pages titles are as often page furniture ("Play Facebook",
    "Story highlights") as headlines. The lede's main clause says who did what."""
    lede = lede_sentence(evidence, vectors, settings.max_headline_words)
    # The lede, then the other articles' openings, then what else the evidence holds, in the
    # order of their articles: a quoted stub ("George Zimmerman, the neighborhood watch
    # volunteer facing…") is the last resort.
    others = sorted(
        (
            s
            for s in evidence.sentences
            if s is not lede and not s.is_title and not opens_with_pronoun(s.text)
        ),
        key=lambda s: s.index,
    )
    for sentence in (lede, *others):
        extract = headline_from_lede(sentence.text, settings.max_headline_words)
        if extract:
            return CitedSentence(extract, (Citation.of(sentence),), "extract", 1.0)
    return CitedSentence(short_quote(lede.text), (Citation.of(lede),), "quote", 1.0)


def verify_headline(
    drafted: str,
    check: HeadlineCheck,
    evidence: Evidence,
    vectors: ArticleVectors,
    settings: VerifySettings,
    judged: str | None = None,
) -> tuple[CitedSentence, Rejection | None]:
    """The draft's headline if its check found nothing and the judge's answer (`judged`) is no
    failure, else the lede's main clause."""
    reason = check.failure or judged
    if reason is None and check.support is not None:
        citations = tuple(Citation.of(s) for s in check.support.cited)
        return CitedSentence(check.text, citations, "generated", check.support.score), None
    replacement = headline_from_evidence(evidence, vectors, settings)
    return replacement, Rejection(drafted, f"headline: {reason}", replacement.text)


_ASIDE = re.compile(r",\s[^,]{3,90},\s|\s\([^)]{1,60}\)")


# In a lede, only a description of a name is an aside ("George Zimmerman, the neighborhood
# watch volunteer ..., is being protected"): ", Brittany Lewis," names the one who acted, and
# "Like every year, the 2012 Emmys had ..., predictable winners" describes no name.
_DESCRIPTION = re.compile(
    r"\b[A-Z][\w.’'-]*(,\s(?:the|a|an|who|which|whose|one of)\s[^,“”\"]{3,140},\s)(?=[a-z])"
)


def _without_descriptions(text: str, max_words: int) -> str:
    """The lede without the descriptions of its names, longest first, while over the limit."""
    while len(text.split()) > max_words:
        found = list(_DESCRIPTION.finditer(text))
        if not found:
            break
        longest = max(found, key=lambda m: len(m.group(1)))
        text = " ".join(f"{text[: longest.start(1)]} {text[longest.end(1) :]}".split())
    return text


def shorten_headline(headline: str, max_words: int) -> str:
    """A headline over the limit without its asides ("Prodigy, one-half of ... Mobb Deep, dies
    at 42" -> "Prodigy dies at 42"), longest first, while it is over; else as written."""
    text = headline.strip()
    while len(text.split()) > max_words:
        asides = sorted(_ASIDE.finditer(text), key=lambda m: -len(m.group(0)))
        if not asides:
            break
        aside = asides[0]
        text = f"{text[: aside.start()]} {text[aside.end() :]}".strip()
        text = " ".join(text.split())
    return text


def lede_sentence(evidence: Evidence, vectors: ArticleVectors, max_words: int) -> Sentence:
    """The story's lede (see `find_lede`)."""
    return find_lede(evidence, vectors, max_words)[0]


def find_lede(evidence: Evidence, vectors: ArticleVectors, max_words: int) -> tuple[Sentence, bool]:
    """The story's lede, and whether it is the opening select chose: the first sentence of
    the lede select chose (the opening of the most central article) that can stand first and
    be quoted, as `sized_lede` finds it told with its figures (True); failing that, of the
    evidence sentences that come earliest in their articles and do not open with a pronoun,
    the one closest to the evidence centroid (False)."""
    for sentence in evidence.sentences[: evidence.lede]:
        if not opens_with_pronoun(sentence.text) and quotable(sentence) is None:
            return sized_lede(sentence, evidence, max_words), True
    body = [s for s in evidence.sentences if not s.is_title]
    candidates = [s for s in body if not opens_with_pronoun(s.text)] or body
    earliest = min(s.index for s in candidates)
    first = [s for s in candidates if s.index == earliest]
    if len(first) == 1:
        return first[0], False
    centre = unit(np.mean([vectors.of(s) for s in evidence.sentences], axis=0))
    return max(first, key=lambda s: float(vectors.of(s) @ centre)), False


def sizes(text: str) -> set[str]:
    """The figures a text gives in digits, less years: "2012" in "the 2012 Emmys" sizes
    nothing, "$31,213" does."""
    return {n for n in numbers(text, words=False) if not re.fullmatch(r"(19|20)\d\d", n)}


RESTATED_SHARE = 0.6  # of a sentence's content words the lede says, where it says no more
SIZED_LEDE_INDEX = 2  # how early in its article another outlet's telling of the event stands


def sized_lede(lede: Sentence, evidence: Evidence, max_words: int) -> Sentence:
    """The lede as another outlet tells it with the event's size, where the lede gives none:
    "The average cost of a wedding just hit a five-year high" is "The average cost of a
    wedding last year exceeded $31,213, ..." in the report that has the figure. Such a line
    opens its article, and its main clause has figures (`sizes`) and shares half the content
    words of the shorter of the two main clauses (three at least)."""
    if sizes(lede.text):
        return lede
    main = content_words(headline_from_lede(lede.text, max_words) or lede.text)
    if len(main) < 3:
        return lede
    for sentence in evidence.sentences:
        if (
            sentence.article_id == lede.article_id
            or sentence.index > SIZED_LEDE_INDEX
            or opens_with_pronoun(sentence.text)
            or quotable(sentence) is not None
        ):
            continue
        clause = headline_from_lede(sentence.text, max_words) or ""
        theirs = content_words(clause)
        shared = len(theirs & main)
        if sizes(clause) and shared >= max(3, 0.5 * min(len(main), len(theirs))):
            return sentence
    return lede


_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’ ]{2,}(?:,\s*[A-Z][\w.' ]+)?\s*(?:\([^)]{1,30}\))?\s*[-—–]+\s+"
    r"|\([A-Za-z ]{2,30}\)\s*[-—–]+\s+)"
)
_SUBORDINATE_OPENING = re.compile(
    r"^(?:if|for|when|while|as|after|before|although|though|because|since|in|on|at|with|despite|"
    r"amid|following|according to|like)\b[^,]{0,120},\s+(?:then\s+)?",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"^[A-Z][\w’'.\- ]{0,80}? (?:(?:said|says|reported|announced|confirmed)(?: on \w+day)?(?: that)?"
    r"|told [\w ]{1,30}? that)[,:]?\s+(?=[A-Z\"“])"
)
_HOOK = re.compile(
    r"^(?:here(?:['’]s| is| are)|this is|these are|that['’]s|it['’]s)\b[^:]{0,140}:\s+(?=[A-Z])",
    re.I,
)
_CLAUSE_BREAK = re.compile(r",\s|;\s|:\s|\s[—–]\s|\s-\s")
# Words a headline may stop before: what follows them is a circumstance, not the main event.
_PHRASE_BREAK = re.compile(
    r"\s(?=(?:after|as|when|while|because|following|amid|despite|before|since|until|which|who|"
    r"where|but|with|in|on|at|for|from|by|near|over|during|linking|including|saying|claiming|"
    r"alleging)\s)"
)


def headline_from_lede(text: str, max_words: int, min_words: int = 5) -> str | None:
    """The lede's main clause, verbatim, as a headline: the dateline dropped, cut at the first
    clause boundary, else at the last phrase boundary, that leaves `min_words` to `max_words`
    words; no full stop. None when there is no such cut (the caller quotes the lede's opening)."""
    text = _DATELINE.sub("", text.strip()).strip()
    if not text[:1].isupper() and not text[:1].isdigit():
        return None  # "on those she failed to thank ...": a piece of a line, not a sentence
    # "Here's one sign of the recovery few will cheer: The average cost of a wedding just hit a
    # five-year high." The news follows the hook.
    hook = _HOOK.match(text)
    if hook:
        text = text[hook.end() :]
    # "If wedding costs are ..., then couples are ...", "For fans of Led Zeppelin, the band ...":
    # the main clause follows the opening one.
    opener = _SUBORDINATE_OPENING.match(text)
    if opener:
        text = text[opener.end() :]
        text = text[:1].upper() + text[1:]
    # "A State Department spokeswoman said North Korea fired ...": the news is what was said.
    reported = _ATTRIBUTION.match(text)
    if reported and len(text[reported.end() :].split()) >= min_words:
        text = text[reported.end() :]
        text = text[0].upper() + text[1:]
    if opens_with_pronoun(text) or text.startswith(("“", '"', "‘", "'")):
        return None
    # "Average Wedding Cost: $31,213 (excludes honeymoon)": a list item or a caption, no lede
    is_sentence = bool(re.search(r"[.!?][\"”’')]*$", text)) or has_finite_verb(text)
    text = text.rstrip(" .!?")
    if len(text.split()) > max_words:
        # "George Zimmerman, the neighborhood watch volunteer facing ..., is being protected":
        # the main clause closes round its asides.
        text = _without_descriptions(text, max_words)
    text = headlinese(text)
    if min_words <= len(text.split()) <= max_words and is_sentence and not _open_that(text):
        return text
    clause_cuts = []
    for match in _CLAUSE_BREAK.finditer(text):
        count = len(text[: match.start()].split())
        if count > max_words:
            break
        clause_cuts.append(match.start())
    phrase_cuts = sorted((m.start() for m in _PHRASE_BREAK.finditer(text)), reverse=True)
    # "Former runner-up for the Miss Delaware pageant" names no event: a cut must keep a verb.
    for cut in [*clause_cuts, *phrase_cuts]:
        clause = text[:cut].rstrip(" ,;:")
        if _ends_in_reduced_relative(clause):  # "... of ground beetle found": cut before it
            clause = clause.rsplit(" ", 1)[0]
        if (
            min_words <= len(clause.split()) <= max_words
            and has_finite_verb(clause)
            and not _unfinished_relative(clause)
            and not _open_that(clause)
            and clause.split()[-1].lower() not in _DANGLING_ENDS
        ):
            return clause
    return None


_IRREGULAR_PARTICIPLES_WORDS = (
    "found made held seen taken given known shown built sold born caught left kept shot sent "
    "bought brought written stolen spent put set hidden thrown driven chosen".split()
)
# A cut after a relative pronoun leaves its clause unfinished ("CNN is being sued by two EMTs
# who say a foreign correspondent"): the cut goes before it or elsewhere.
_RELATIVE = re.compile(r"\s(?:who|whom|whose|which|where)\s")
_REPORTING = frozenset("say says said claim claims claimed allege alleges alleged".split())


def _unfinished_relative(clause: str) -> bool:
    """The clause ends inside a relative clause: no verb after "who", or a reporting verb
    with nothing it reports ("... EMTs who say a foreign correspondent"). "CNN sued by two
    EMTs who say a foreign correspondent bit them" is finished."""
    found = list(_RELATIVE.finditer(clause))
    if not found:
        return False
    rest = clause[found[-1].end() :].split()
    if rest and rest[0].lower() in _REPORTING:
        rest = rest[1:]
    return not has_finite_verb(" ".join(rest))


# Headline style: no auxiliary before the main verb's participle ("CNN is being sued" ->
# "CNN sued", "Amanda Longacre has been stripped" -> "Amanda Longacre stripped").
_PASSIVE_AUXILIARY = re.compile(
    r"\b(?:(?:is|are|was|were) being|(?:has|have|had) been|was|were)\s+"
    r"(?=(?:\w{2,}ed|" + "|".join(sorted(_IRREGULAR_PARTICIPLES_WORDS)) + r"|sued)\b)"
)


def headlinese(text: str) -> str:
    """A main clause in the style of a headline; what it says does not change."""
    return _PASSIVE_AUXILIARY.sub("", text)


def _open_that(clause: str) -> bool:
    """A "that" clause cut before its verb: "The rap world is reeling from the news that
    Prodigy"."""
    _, found, rest = clause.rpartition(" that ")
    return bool(found) and not has_finite_verb(rest)


# "... made phone calls from jail in": a headline does not end on a word that needs another.
_DANGLING_ENDS = frozenset("in on at for from by of to with the a an and or but as than".split())
_AUXILIARIES = frozenset("is are was were be been being has have had get got gets".split())
_IRREGULAR_PARTICIPLES = frozenset(_IRREGULAR_PARTICIPLES_WORDS)


def _ends_in_reduced_relative(clause: str) -> bool:
    """ "Researchers have described a new species of ground beetle found": a participle that
    opens a clause about the last noun, cut off from what it says. "The Dow plunged" or "A
    man was killed" end in their main verb."""
    *rest, last = clause.split()
    last = last.lower()
    if not rest or rest[-1].lower() in _AUXILIARIES:
        return False
    participle = last in _IRREGULAR_PARTICIPLES or (last.endswith("ed") and len(last) > 4)
    return participle and has_finite_verb(" ".join(rest))


def short_quote(text: str, max_words: int = 16) -> str:
    """The opening of a sentence, cut at a clause boundary, for use as a headline."""
    tokens = text.split()
    if len(tokens) <= max_words:
        return text
    opening = " ".join(tokens[:max_words])
    cut = max(opening.rfind(","), opening.rfind(";"), opening.rfind(" – "), opening.rfind(" — "))
    if cut > len(opening) // 2:
        opening = opening[:cut]
    return opening.rstrip(" ,;:–—") + "…"


def _best_title(story: Story, vectors: ArticleVectors) -> Sentence | None:
    titled = [a for a in story.articles if a.title_sentence is not None]
    if not titled:
        return None
    if len(titled) == 1:
        return titled[0].title_sentence

    def centrality(article: Article) -> float:
        own = [vectors.of(s) for s in article.sentences] or [np.zeros(1)]
        return float(
            np.mean(own, axis=0)
            @ np.mean([vectors.of(s) for a in story.articles for s in a.sentences], axis=0)
        )

    return max(titled, key=centrality).title_sentence


Repairer = Callable[[Sentence], str]


def verify(
    draft: Draft | None,
    story: Story,
    evidence: Evidence,
    vectors: ArticleVectors,
    embedder: Embedder,
    settings: VerifySettings,
    repair: Repairer | None = None,
    judge: Judge | None = None,
) -> Summary:
    """Cite every sentence of the draft or replace it; nothing uncited reaches the summary.

    A sentence that fails is repaired when it is about something the evidence says: the model
    gets one more try, rewriting only the closest evidence sentence (`repair`), and that try is
    verified like any other. If it fails too, the evidence sentence is quoted verbatim.
    """
    pool = list(evidence.sentences)
    pool_vectors = np.stack([vectors.of(s) for s in pool]) if pool else np.zeros((0, 1))
    # The draft's own sentences, as generate wrote them: never split again or matched by text.
    drafted = [s.text for s in draft.sentences] if draft else []
    story_sentences = [s for a in story.articles for s in a.sentences]
    story_text = " ".join(s.text for s in story_sentences)
    by_position = {(s.article_id, s.index): s for s in story_sentences}

    def line_after(sentence: Sentence) -> Sentence | None:
        if sentence.is_title:
            return None  # the page's opening line says nothing about its headline's claim
        return by_position.get((sentence.article_id, sentence.index + 1))

    drafted_headline = draft.headline if draft else ""
    texts = [drafted_headline] if drafted_headline else []
    embedded = embedder.embed(texts + drafted) if (texts or drafted) else np.zeros((0, 1))
    headline_vector = embedded[0] if texts else None
    sentence_vectors = embedded[len(texts) :]

    supports = [
        find_support(text, vector, pool, pool_vectors, settings)
        for text, vector in zip(drafted, sentence_vectors, strict=True)
    ]
    story_roles = story_role_triples(story) if draft else []
    check = check_headline(
        drafted_headline, story, evidence, headline_vector, vectors, settings, story_roles
    )
    # One batched question for the sentences and the headline (the last).
    asked = [(s, t) for s, t in zip(supports, drafted, strict=True)]
    if check.support is not None and check.failure is None:
        asked.append((check.support, check.text))
    failures = _entailment_failures(judge, asked, settings)
    headline_judged = failures[len(drafted)] if len(asked) > len(drafted) else None
    headline, headline_rejection = verify_headline(
        drafted_headline, check, evidence, vectors, settings, headline_judged
    )
    final_headline_vector = (
        headline_vector
        if headline.kind == "generated" and headline_vector is not None
        else embedder.embed([headline.text])[0]
    )
    kept: list[CitedSentence] = []
    kept_vectors: list[np.ndarray] = []
    # A generated headline counts as said once the summary has its first sentence: a later
    # sentence that repeats it adds nothing, but the first one states the event the headline
    # names, as a lede does. A headline cut from the lede never counts: the summary still
    # states the lede in full.
    headline_said = [final_headline_vector] if headline.kind == "generated" else []
    rejected: list[Rejection] = []

    def same_facts(text: str, other: str) -> bool:
        """Most content words of the shorter of the two stand in the other."""
        mine, theirs = content_words(text), content_words(other)
        shorter = min(len(mine), len(theirs))
        return shorter >= 4 and len(mine & theirs) >= settings.repeat_coverage * shorter

    def repeats(vector: np.ndarray, text: str) -> bool:
        """Too close in meaning to what is said, or saying nothing new: most of its content
        words stand in one kept sentence (the same vote "by nine votes to four" twice)."""
        said_vectors = [*kept_vectors, *headline_said] if kept else []
        if (
            said_vectors
            and max(float(vector @ v) for v in said_vectors) > settings.repeat_similarity
        ):
            return True
        # Either way round: a sentence that says all an earlier one said and a little more
        # ("The line will have 14 stops ... and cost 340 million euros") repeats it too.
        words_ = content_words(text)
        if len(words_) < 4:
            return False
        if any(same_facts(text, s.text) for s in kept):
            return True
        said_each = [content_words(s.text) for s in kept]
        # Or it only puts two said things together ("Lumora told owners to stop charging as
        # it recalls 80,000 units" after the recall and the advice to stop charging).
        said_all: set[str] = set().union(*said_each)
        return len(words_) >= 5 and len(words_ & said_all) >= settings.repeat_coverage * len(words_)

    def out_of_context(text: str, cited: Sequence[Sentence], quoted: bool = False) -> str | None:
        """Why the sentence would read wrong after what the summary has said (coherence). A
        quoted line is the source's own claim, in its words: whose it is may follow."""
        said = " ".join([headline.text, *(s.text for s in kept)])
        previous = kept_cited[-1] if kept_cited else None
        # a headline's bare surname ("Zimmerman sued ...") introduces no one: as on a news
        # page, the summary names a person in full at first mention
        missing = unintroduced_names(text, " ".join(s.text for s in kept), story_text)
        cited_texts = [s.text for s in cited]
        return (
            voice_problem(text)
            or dangling_reference(text, cited, previous)
            or ambiguous_firm(text, cited, previous, said)
            or echo_of_unsaid(text, cited, previous, said)
            or renamed_subject(text, cited_texts)
            or added_judgement(text, cited_texts)
            or dropped_article(text, cited_texts)
            or (
                f"names {', '.join(missing)}, whom the summary has not introduced"
                if missing
                else None
            )
            or unattributed_speech(text, cited_texts)
            or unmarked_quotation(text, cited_texts)
            or misattributed_speech(text, cited_texts)
            or unstated_relation(text, cited_texts)
            or dropped_negation(text, cited_texts)
            or dropped_believer(text, cited_texts)
            or borrowed_predicate(text, cited_texts)
            or speaker_made_agent(text, cited_texts)
            or unexplained_abbreviation(text, story_text)
            or (None if quoted else attributed_after(text, cited, line_after))
            or reversed_roles(text, story_roles)
        )

    def mend(text: str, support: Support) -> tuple[str, tuple[Sentence, ...]] | None:
        """The sentence with what a reader would miss put back from the sources, when that is
        all that is wrong with it: the articles its cited lines give ("abusive to a medical
        team"), a person's full name at first mention ("knew Arwa Damon had ..."), whose claim
        it is where the line after says so ("..., according to pageant officials"), the
        quotation marks of a speaker's words the writer copied without them; the lines that
        give a name or a claimant are cited too. None when nothing can be put back or it
        still fails."""
        cited_texts = [s.text for s in support.cited]
        mended = restore_quotation_marks(restore_articles(text, cited_texts), cited_texts)
        mended, full_names = introduce_names(mended, " ".join(s.text for s in kept), story_text)
        cited = list(support.cited)
        attributed = with_attribution(mended, cited, line_after)
        if attributed is not None and attributed_after(mended, cited, line_after):
            mended = attributed[0]
            cited.append(attributed[1])
        if mended == text:
            return None
        introducing = _lines_introducing(full_names, [s.text for s in cited], story_sentences)
        if introducing is None:
            return None
        cited += introducing
        cited.sort(key=_reading_order)
        check = measure_support(mended, support.similarity, [s.text for s in cited])
        if check.failure(settings) or out_of_context(mended, cited):
            return None
        return mended, tuple(cited)

    def split_relation(
        text: str, support: Support
    ) -> list[tuple[str, tuple[Sentence, ...], np.ndarray]] | None:
        """The two statements of a sentence that joins its lines with a relation none of them
        states ("Customers are advised to stop charging ... as the recall covers ..."), each
        cited to the lines that give its words and checked as a sentence of its own; those
        that pass, or None when it joins nothing that way or neither passes."""
        cited_texts = [s.text for s in support.cited]
        parts = relation_parts(text)
        if parts is None or unstated_relation(text, cited_texts) is None:
            return None
        # each part cited to the fewest of the sentence's lines that give its words
        lines = list(support.cited)
        line_vectors = np.stack([vectors.of(s) for s in lines])
        passed = []
        for part, vector in zip(parts, embedder.embed(list(parts)), strict=True):
            found = find_support(part, vector, lines, line_vectors, settings)
            if found.failure(settings) or out_of_context(part, found.cited):
                continue
            passed.append((part, found.cited, vector))
        return passed or None

    def quote_failure(source: Sentence) -> str | None:
        return quotable(source) or out_of_context(source.text, [source], quoted=True)

    def keep(sentence: CitedSentence, vector: np.ndarray, cited: Sequence[Sentence]) -> None:
        kept.append(sentence)
        kept_vectors.append(vector)
        kept_cited.append(tuple(cited))

    kept_cited: list[tuple[Sentence, ...]] = []
    # the lede select chose, or another outlet's telling of it with its figures (not the
    # centroid's pick where no lede sentence could stand first)
    lede, lede_is_opening = (
        find_lede(evidence, vectors, settings.max_headline_words)
        if evidence.sentences
        else (None, False)
    )
    for index, (text, vector) in enumerate(zip(drafted, sentence_vectors, strict=True)):
        if len(kept) >= settings.max_sentences:
            rejected.append(Rejection(text, "over the summary's sentence limit", None, index))
            continue
        trimmed = without_said_parts(text, [s.text for s in kept], settings.said_part_coverage)
        if trimmed != text:
            # the part an earlier sentence says goes. What is left (a clause of the sentence,
            # or the sentence less an aside) says nothing the sentence did not, so its support
            # holds; a short part of a long line would fall below the cosine a whole one meets
            vector, text = embedder.embed([trimmed])[0], trimmed
            # a line that only gave the part that went is no citation of what is left
            facts = content_words(text) | numbers(text, words=False)
            still = tuple(
                s
                for s in supports[index].cited
                if facts & (content_words(s.text) | numbers(s.text, words=False))
            )
            if still:
                supports[index] = dataclasses.replace(supports[index], cited=still)
        if repeats(vector, text):
            rejected.append(Rejection(text, "repeats an earlier sentence", None, index))
            continue
        support = supports[index]
        failure = (
            support.failure(settings) or failures[index] or out_of_context(text, support.cited)
        )
        # what only lacks an article or a first name is mended, not rewritten or quoted
        mendable = failure and not support.failure(settings) and not failures[index]
        mended = mend(text, support) if mendable else None
        split = split_relation(text, support) if mendable and mended is None else None
        if split is not None and failure:
            # each part goes in as a sentence of the writer's; the second must not repeat
            # what is said by then, the first part included
            parts = []
            for part, cited, part_vector in split:
                if len(kept) >= settings.max_sentences or repeats(part_vector, part):
                    continue
                citations = tuple(Citation.of(s) for s in cited)
                sentence = CitedSentence(part, citations, "generated", support.score, index)
                keep(sentence, part_vector, cited)
                parts.append(part)
            rejected.append(Rejection(text, failure, " ".join(parts) or None, index))
            continue
        if failure is None or mended is not None:
            text, cited = mended or (text, support.cited)
            citations = tuple(Citation.of(s) for s in cited)
            keep(CitedSentence(text, citations, "generated", support.score, index), vector, cited)
            continue
        source = support.best
        if not kept and lede is not None and lede in support.cited:
            # A first sentence that rests on the lede was to say what happened: repaired or
            # quoted, it becomes the lede, not the detail closest to its wording ("Areej Ali
            # ... died at Coney Island Hospital" for a baby whose stroller fell down a shaft).
            source = lede
        # a teaser or a call-out is furniture, and a remark about others pinned on a person
        # is no fact of the story: nothing to repair
        if (
            voice_problem(text)
            or borrowed_predicate(text, [s.text for s in support.cited])
            or unexplained_abbreviation(text, story_text)
        ):
            rejected.append(Rejection(text, failure, None, index))
            continue
        if source is None or support.similarity < settings.min_repair_similarity:
            rejected.append(
                Rejection(text, f"{failure}; nothing in the sources is close to it", None, index)
            )
            continue
        replacement = _repaired(source, repair, embedder, pool, pool_vectors, settings, judge)
        if replacement is not None:
            # a rewrite that only dropped an article its line gives ("Recall covers ...") gets
            # it back, as a writer's sentence does
            written, _, rewritten_from = replacement
            restored = restore_articles(written.text, [s.text for s in rewritten_from])
            if restored != written.text:
                replacement = (dataclasses.replace(written, text=restored), *replacement[1:])
        if replacement is not None and out_of_context(replacement[0].text, replacement[2]):
            replacement = None
        if replacement is None:
            why_not = quote_failure(source)
            if why_not:
                rejected.append(
                    Rejection(
                        text, f"{failure}; its source cannot be quoted ({why_not})", None, index
                    )
                )
                continue
            replacement = (_quote(source), vectors.of(source), (source,))
        sentence, replacement_vector, cited = replacement
        if repeats(replacement_vector, sentence.text):
            rejected.append(
                Rejection(text, f"{failure}; its source is already in the summary", None, index)
            )
            continue
        keep(dataclasses.replace(sentence, draft_index=index), replacement_vector, cited)
        rejected.append(Rejection(text, failure, replaced_by=sentence.text, draft_index=index))

    # Too short a summary is filled up with the most central evidence, quoted.
    fillers = central_evidence(evidence, vectors, settings.min_sentences + 2)
    if lede is not None and not kept:
        fillers = [lede, *(s for s in fillers if s is not lede)]
    for source in fillers:
        if len(kept) >= settings.min_sentences:
            break
        if (
            not repeats(vectors.of(source), source.text)
            and all(source.text != s.text for s in kept)
            and quote_failure(source) is None
        ):
            keep(_quote(source), vectors.of(source), (source,))
    if not kept and evidence.sentences:
        source = lede or central_evidence(evidence, vectors, 1)[0]
        keep(_quote(source), vectors.of(source), (source,))

    # The first sentence says what happened. A summary that states the lede (its first
    # sentence: the second one says more about the event, not what it was) further down moves
    # that sentence up; one that never states it opens with the lede, quoted (a mayor's
    # quotation or a shopkeeper's hope is no story's first line), and loses what only repeats
    # it.
    def states(n: int, lede: Sentence) -> bool:
        """Sentence n states the lede: it cites it or says all of it, and it says the lede's
        main clause (two of its content words in five, and its figures), not only an aside
        ("Zimmerman, a neighborhood watch volunteer, is facing murder charges" from a lede
        about a lawsuit) nor the event without its size ("The average cost of a wedding just
        hit a five-year high" from "... last year exceeded $31,213, up 4.5% ...")."""
        if not (lede in kept_cited[n] or same_facts(kept[n].text, lede.text)):
            return False
        clause = headline_from_lede(lede.text, settings.max_headline_words) or ""
        main = content_words(clause)
        return len(main & content_words(kept[n].text)) >= 0.4 * len(main) and sizes(
            clause
        ) <= numbers(kept[n].text, words=False)

    if kept and evidence.lede and lede is not None and not states(0, lede):
        vector_of = {s.text: v for s, v in zip(kept, kept_vectors, strict=True)}
        # the figures written in digits: "one-half" of "Prodigy, one-half of Mobb Deep, died
        # at 42" is no figure of the event
        lede_vector, lede_numbers = vectors.of(lede), numbers(lede.text, words=False)

        def restates(sentence: CitedSentence) -> bool:
            """Says the lede's event again: all its figures, and close to it in meaning
            ("Albert Johnson, better known as Prodigy ..., died at the age of 42")."""
            return (
                bool(lede_numbers)
                and lede_numbers <= numbers(sentence.text)
                and float(vector_of[sentence.text] @ lede_vector) >= settings.restate_similarity
            )

        def says_less(sentence: CitedSentence) -> bool:
            """Says the lede's event with less, close to it in meaning: no figure the lede
            lacks and most of its content words the lede's ("The average cost of a wedding
            just hit a five-year high, according to a survey of 15,800 brides" after the lede
            quoted with $31,213 and the same survey)."""
            mine = content_words(sentence.text)
            return (
                numbers(sentence.text, words=False) <= lede_numbers
                and len(mine & content_words(lede.text)) >= RESTATED_SHARE * len(mine)
                and float(vector_of[sentence.text] @ lede_vector) >= settings.restate_similarity
            )

        stating = [n for n in range(len(kept)) if states(n, lede)]
        if stating:
            kept.insert(0, kept.pop(stating[0]))
            kept = [kept[0], *(s for s in kept[1:] if not restates(s))]
        elif lede_is_opening and quote_failure(lede) is None:
            kept = [_quote(lede)] + [
                s
                for s in kept
                if s.text != lede.text
                and not same_facts(s.text, lede.text)
                and not restates(s)
                and not says_less(s)
            ]
            kept = kept[: settings.max_sentences]
    if (
        kept
        and opens_with_pronoun(kept[0].text)
        and lede is not None
        and not opens_with_pronoun(lede.text)
    ):
        # "She", "It", "His team" mean nothing as a story's first words: the lede goes first.
        kept = [s for s in kept if s.text != lede.text]
        kept = [_quote(lede), *kept][: settings.max_sentences]
    if kept and lede is not None and lede_is_opening:
        # The rest of the lede select chose tells the event as the first sentence leaves it
        # ("... fired from Wonsan on the eastern coast", "Three riders suffered minor burns"):
        # a summary that never states it says what happened without where or to whom, so it
        # follows the first sentence, quoted, and the last sentence goes.
        for more in reversed(_rest_of_lede(evidence, lede)):
            if (
                any(_cites(s, more) or same_facts(s.text, more.text) for s in kept)
                or repeats(vectors.of(more), more.text)
                or quote_failure(more) is not None
            ):
                continue
            kept = [kept[0], _quote(more), *kept[1:]][: settings.max_sentences]
    kept = _named_in_order(kept, story_sentences, story_text)
    if headline_rejection:
        rejected.insert(0, headline_rejection)
    return Summary(story, headline, tuple(kept), tuple(rejected), draft)


def _rest_of_lede(evidence: Evidence, lede: Sentence) -> list[Sentence]:
    """The lede's sentences after `lede`, of its article, that state the event rather than
    someone's words about it (a quotation is a reaction, never the lede's news)."""
    return [
        s
        for s in evidence.sentences[: evidence.lede]
        if s.article_id == lede.article_id
        and s.index > lede.index
        and not s.is_title
        and not is_quotation(s)
    ]


def _cites(sentence: CitedSentence, source: Sentence) -> bool:
    return any(
        c.article_id == source.article_id and c.start_line <= source.start_line <= c.end_line
        for c in sentence.citations
    )


def _lines_introducing(
    full_names: Sequence[str], cited_texts: Sequence[str], story_sentences: Sequence[Sentence]
) -> list[Sentence] | None:
    """The story's lines to cite for the full names a mend wrote in, one per name the cited
    lines do not already give; None when a name stands in no line (it cannot be cited)."""
    lines: list[Sentence] = []
    for name in full_names:
        if any(name in t for t in [*cited_texts, *(line.text for line in lines)]):
            continue
        introducing = next((s for s in story_sentences if name in s.text), None)
        if introducing is None:
            return None
        lines.append(introducing)
    return lines


def _named_in_order(
    kept: Sequence[CitedSentence], story_sentences: Sequence[Sentence], story_text: str
) -> list[CitedSentence]:
    """The summary with each person named in full at first mention once its order is final: a
    sentence moved up to state the lede may name by surname someone a later sentence introduced
    ("Zimmerman is being sued ..." before "George Zimmerman, a neighborhood watch volunteer,
    ..."). The first mention gets the full name, cited where the story gives it, and a later
    one written by the model goes back to the surname; a quoted line stays as the source has it."""
    named: list[CitedSentence] = []
    introduced: list[str] = []
    for sentence in kept:
        text, citations = sentence.text, list(sentence.citations)
        if sentence.kind in ("generated", "repaired"):
            for full in introduced:
                # said in full already: the surname will do, as on a news page
                if full in outside_quotations(text) and full.count(" ") >= 1:
                    text = text.replace(full, full.split()[-1], 1)
            text, full_names = introduce_names(text, " ".join(s.text for s in named), story_text)
            introducing = _lines_introducing(
                full_names, [c.text for c in citations], story_sentences
            )
            if introducing is None:  # cannot be cited: the sentence stays as it was
                text, citations = sentence.text, list(sentence.citations)
            else:
                citations += [Citation.of(s) for s in introducing]
            introduced += full_names
        if text != sentence.text:
            sentence = dataclasses.replace(sentence, text=text, citations=tuple(citations))
        named.append(sentence)
    return named


def _repaired(
    source: Sentence,
    repair: Repairer | None,
    embedder: Embedder,
    pool: Sequence[Sentence],
    pool_vectors: np.ndarray,
    settings: VerifySettings,
    judge: Judge | None = None,
) -> tuple[CitedSentence, np.ndarray, tuple[Sentence, ...]] | None:
    """The model's rewrite of one source sentence, if it passes verification: the sentence,
    its vector and its cited lines."""
    if repair is None:
        return None
    try:
        attempt = split_sentences(repair(source))
    except Exception:  # a failed repair falls back to quoting, never loses the story
        return None
    if not attempt:
        return None
    text = attempt[0]
    if speaker_dropped(text, source.text):
        return None  # quoted verbatim instead, speaker and all
    vector = embedder.embed([text])[0]
    support = find_support(text, vector, pool, pool_vectors, settings)
    if support.failure(settings) is not None:
        return None
    if _entailment_failures(judge, [(support, text)], settings)[0] is not None:
        return None
    citations = tuple(Citation.of(s) for s in support.cited)
    return CitedSentence(text, citations, "repaired", support.score), vector, support.cited


def _verbatim(text: str, cited: Sequence[Sentence]) -> bool:
    """The sentence is a stretch of one cited line word for word (the question would cost a
    model call to confirm what a string comparison shows)."""
    core = squash_words(text)
    return len(core.split()) >= 6 and any(f" {core} " in f" {squash_words(s.text)} " for s in cited)


def _entailment_failures(
    judge: Judge | None, checked: list[tuple[Support, str]], settings: VerifySettings
) -> list[str | None]:
    """For each sentence that passed the other checks, why the judge does not find it in its
    cited lines (None: it does, or there is no judge). One batched question for all."""
    failures: list[str | None] = [None] * len(checked)
    if judge is None:
        return failures
    asked = [
        i
        for i, (support, text) in enumerate(checked)
        if support.failure(settings) is None and not _verbatim(text, support.cited)
    ]
    if not asked:
        return failures
    pairs = [(" ".join(s.text for s in checked[i][0].cited), checked[i][1]) for i in asked]
    try:
        scores = judge.entailment(pairs)
    except Exception as exc:  # no judgement is no support: the sentence is repaired or quoted
        return [
            f"the entailment check failed ({exc})" if i in asked else None
            for i in range(len(checked))
        ]
    for i, score in zip(asked, scores, strict=True):
        if score < settings.min_entailment:
            failures[i] = f"the model does not find it in the cited lines (p(yes) {score:.2f})"
    return failures
