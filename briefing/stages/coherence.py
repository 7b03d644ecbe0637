"""Does a sentence read right where it stands in the summary? Checks of context, not support.

A sentence can rest on its cited lines word for word and still mislead or stump a reader once
it is printed in a briefing: "She was notified ..." after a sentence about another woman,
"Shafer said" when no Shafer was introduced, "Have a look at our gallery" in the outlet's voice,
a politician's boast in quotation marks in the source printed as the briefing's own statement.
The rubric reading of the writer's briefings found these in every real story folder; verify asks
these questions of every sentence it would print, the quoted ones included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.records import Sentence
from briefing.text import (
    STOP_WORDS,
    content_words,
    opens_with_pronoun,
    quotations,
    unbalanced_quotes,
)

_QUOTED_SPAN = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
# Case matters: "US" is a country, "I" a pronoun only alone.
_READER_VOICE = re.compile(
    r"\b([Yy]ou|[Yy]our|[Yy]ours|[Yy]ourself|[Ww]e|us|[Oo]ur|[Oo]urs|I|[Mm]e|[Mm]y)\b"
)
# "..., he adds." / "She said." : the speaker is a pronoun.
_PRONOUN_SPEAKER = re.compile(
    r"[,”\"’]\s*(he|she|they)\s+(?:said|says|adds|added|told|explained|continued|wrote|noted)\b",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according to|added|adds|stated|states|wrote|writes|argued|"
    r"argues|insisted|insists|claimed|claims|announced|announces|explained|explains|noted|"
    r"notes|warned|warns|asked|asks|replied|recalled|recalls|tweeted|statement|interview)\b",
    re.I,
)
_ENDS_LIKE_A_SENTENCE = re.compile(r"[.!][\"”’')\]]*$")
# A reference may reach back this many sentences in its own article.
_REFERENCE_REACH = 2
MAX_QUOTE_WORDS = 60


def outside_quotations(text: str) -> str:
    """The sentence with its quoted passages left out: the briefing's own voice."""
    return _QUOTED_SPAN.sub(" ", text)


def voice_problem(text: str) -> str | None:
    """A sentence in the outlet's or the reader's voice ("share your thoughts", "our gallery")
    or a question is page furniture or a teaser, not news."""
    own = outside_quotations(text)
    for found in _READER_VOICE.finditer(own):
        before = own[: found.start()].split()
        if found.group(1) == "I" and before and before[-1][:1].isupper():
            continue  # "HP Bay Park I", "World War I": a name, not the speaker
        return f"speaks to the reader or as the outlet (“{found.group(1)}”)"
    if own.rstrip(" \"”’'").endswith("?"):
        return "a question, not news"
    return None


def dangling_reference(
    text: str, cited: Sequence[Sentence], previous: Sequence[Sentence] | None
) -> str | None:
    """A pronoun the summary gives nothing to refer to: the sentence opens with one, or names
    its speaker by one ("..., he adds"), and the sentence printed before it does not come from
    just before its cited line in the same article. `previous`: the cited lines of the
    sentence printed before (None for the first sentence)."""
    # "“I never saw so many dogs,” said Humane Officer Barbara Morgan." names its speaker.
    own = outside_quotations(text).strip() if text.lstrip()[:1] in '“"' else text
    pronoun = opens_with_pronoun(own) or _PRONOUN_SPEAKER.search(text) is not None
    if not pronoun:
        return None
    if previous and any(_just_before(p, c) for p in previous for c in cited):
        return None
    return "refers by a pronoun to someone the summary has not named just before"


def _just_before(earlier: Sentence, later: Sentence) -> bool:
    return (
        earlier.article_id == later.article_id
        and 0 <= later.index - earlier.index <= _REFERENCE_REACH
    )


_CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z][\w’'-]*")


def unintroduced_names(text: str, said: str, story_text: str) -> list[str]:
    """Surnames alone ("Shafer said", "echoed Shah's sentiment") that the story's articles give
    in full ("Raj Shah") while the summary so far (`said`: the headline and the sentences
    before) and the sentence itself have not: a reader meets a person they were never
    introduced to. Weekdays and months are no people."""
    missing = []
    for match in _CAPITALISED_WORD.finditer(text):
        word = re.sub(r"[’']s$", "", match.group(0))
        before = text[: match.start()].rstrip()
        after = text[match.end() :].lstrip()
        if not before or before in '“"‘' or before[-1] in ".!?" or word.lower() in _NOT_PEOPLE:
            continue  # a sentence's first word
        if _CAPITALISED_WORD.match(after) or (before.split() or [""])[-1][:1].isupper():
            continue  # part of a longer name: "Barbara Morgan"
        if re.search(rf"\b{re.escape(word)}\b", said):
            continue  # named before
        full = [
            m.group(1)
            for m in re.finditer(rf"\b([A-Z][a-z]+) {re.escape(word)}\b", story_text)
            if m.group(1).lower() not in STOP_WORDS and m.group(1).lower() not in _NOT_PEOPLE
        ]
        if full and not any(f"{first} {word}" in said + " " + before for first in full):
            missing.append(word)
    return sorted(set(missing))


_NOT_PEOPLE = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


_CLOSED_QUOTATION = re.compile(r"“([^“”]{20,})”|\"([^\"]{20,})\"")


def unattributed_speech(text: str, cited_text: str) -> str | None:
    """Words that stand in quotation marks in the cited lines, printed with neither quotation
    marks nor a speaker: a claim or a boast turned into the briefing's own statement."""
    if quotations(text) or _ATTRIBUTION.search(text):
        return None
    target = content_words(text)
    if len(target) < 4:
        return None
    spoken = [a or b for a, b in _CLOSED_QUOTATION.findall(cited_text)]
    for quoted in spoken:
        claims = _CLAIM.findall(quoted)
        if len(target & content_words(quoted)) >= 0.8 * len(target) and any(
            re.search(rf"\b{c}\b", text, re.I) for c in claims
        ):
            return (
                "prints as fact what the cited lines quote someone as claiming, without the speaker"
            )
    return None


# What makes quoted words a claim rather than a reported fact: a promise or prediction, a
# judgement. "died at the age of 42" may be printed from a family's statement; "will further
# enhance the economy" only as the press secretary's words.
_CLAIM = re.compile(
    r"\b(will|would|should|must|can|best|greatest|strong|stronger|strongest|exceptionally|"
    r"fully|committed|proud|never|always|unprecedented|historic|incredible|tremendous)\b",
    re.I,
)


def quotable(sentence: Sentence) -> str | None:
    """Why a source sentence cannot be quoted as a whole sentence of the briefing (None: it
    can): a piece of a quotation, a fragment, furniture in the outlet's voice, a quotation
    with no speaker, or a run-on paragraph."""
    text = sentence.text.strip()
    if unbalanced_quotes(text):
        return "a piece of a quotation"
    if not text[:1].isupper() and text[:1] not in "“\"‘'":
        return "starts mid-sentence"
    if not _ENDS_LIKE_A_SENTENCE.search(text):
        return "does not end like a sentence"
    count = len(text.split())
    if count < 6 or count > MAX_QUOTE_WORDS:
        return f"{count} words"
    problem = voice_problem(text)
    if problem:
        return problem
    own = outside_quotations(text)
    if quotations(text) and not _ATTRIBUTION.search(own) and len(own.split()) < 4:
        return "a quotation without its speaker"
    return None
