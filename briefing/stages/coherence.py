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
from collections.abc import Callable, Sequence
from typing import NamedTuple

from briefing.records import Sentence
from briefing.stages.furniture import sentence_reason, teaser_reason
from briefing.text import (
    NOT_NAMES,
    STOP_WORDS,
    content_words,
    has_finite_verb,
    is_question,
    numbers,
    opens_with_pronoun,
    quotations,
    stem,
    strong_hedges,
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
    if is_question(own):
        return "a question, not news"
    furniture = sentence_reason(own.lstrip(" “\"‘'")) or teaser_reason(own)
    if furniture:
        return f"page furniture, not news ({furniture})"
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


# "Sarah Huckabee Sanders echoed Raj Shah's sentiment": words that only point at what someone
# else said, which the summary must have said first.
_ECHO = re.compile(
    r"\b(?:echoed|echoes|echoing|repeated|repeats|reiterated|reiterates|seconded|seconds|"
    r"agreed with|agrees with|shared|shares)\s+(?:(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)"
    r"[’']s\s+|(?P<pointer>that|this|the|those|these)\s+)(?:sentiments?|comments?|remarks?|views?|"
    r"words|message|point|assessment|concerns?|stance|position|warning|call)\b"
)


def echo_of_unsaid(
    text: str, cited: Sequence[Sentence], previous: Sequence[Sentence] | None, said: str
) -> str | None:
    """A sentence that echoes someone's words ("echoed Raj Shah's sentiment", "repeated that
    warning") the summary has not given: the reader is told of an agreement with nothing.
    Named, the person must be in the summary before (`said`); "that sentiment" must follow
    the line just before its cited one."""
    found = _ECHO.search(outside_quotations(text))
    if found is None:
        return None
    if found.group("name"):
        surname = found.group("name").split()[-1]
        if re.search(rf"\b{re.escape(surname)}\b", said):
            return None
    elif previous and any(_just_before(p, c) for p in previous for c in cited):
        return None
    return f"echoes words (“{found.group(0).strip()}”) the summary has not given"


# Nouns a report uses for a firm or body it named a line before.
_FIRM_NOUNS = frozenset(
    "company firm group retailer brand maker business chain carrier lender bank insurer "
    "manufacturer startup label studio network agency".split()
)


def ambiguous_firm(
    text: str, cited: Sequence[Sentence], previous: Sequence[Sentence] | None, said: str
) -> str | None:
    """ "The company makes three quarters of its revenue from shoes" where its source meant the
    firm of the line before (Jimmy Choo) and the summary has named several since (Michael
    Kors, Coach): a reader takes "the company" for the wrong one. It reads right after the
    sentence printed just before its cited line, or where the summary has said "company"
    itself, or named only one firm or person. `said`: the headline and the sentences before."""
    found = re.match(r"(?:The|This|That) ([a-z]+)\b", text.strip())
    if found is None or found.group(1) not in _FIRM_NOUNS:
        return None
    noun = found.group(1)
    if previous and any(_just_before(p, c) for p in previous for c in cited):
        return None
    if re.search(rf"\b{noun}\b", said, re.I):
        return None
    named = {name for _, _, name in _name_spans(said) if name.lower() not in STOP_WORDS}
    if len(named) < 2:
        return None
    return f"“{found.group(0)}” could be any of {len(named)} names the summary has given"


_DEFINITE_SUBJECT = re.compile(r"^(?:The|This|That|These|Those) ([a-z][a-z-]+)\b")


def renamed_subject(text: str, cited: Sequence[str]) -> str | None:
    """A sentence that opens with "The move" or "The company" where its cited lines never
    use the word: the writer has guessed what their "it" or "the deal" means ("But it has
    left companies like Michael Kors exposed" -> "The move has left ..."), and a guess about
    who or what acted is the one word a reader cannot check against the footnote."""
    found = _DEFINITE_SUBJECT.match(text.strip())
    if found is None:
        return None
    noun = found.group(1)
    cited_stems = {stem(w) for line in cited for w in re.findall(r"[\w-]+", line)}
    if stem(noun) in cited_stems:
        return None
    return f"calls its subject “{found.group(0).lower()}”, a word its cited lines never use"


# Words of praise or weight a small writer adds to make a sentence sound like news ("were a
# highlight of the year"): an editor's judgement, printed only where a cited line makes it.
_JUDGEMENTS = frozenset(
    stem(w)
    for w in (
        "highlight memorable remarkable notable significant historic landmark crucial stunning "
        "dramatic shocking tragic devastating unprecedented impressive surprising iconic "
        "legendary beloved renowned prestigious milestone breakthrough "
        # and a guilt the sources do not state: "Trayvon Martin's killer" for a man facing a
        # murder charge
        "killer murderer terrorist thief criminal rapist abuser fraudster extremist thug"
    ).split()
)


def added_judgement(text: str, cited: Sequence[str]) -> str | None:
    """A word of judgement ("highlight", "historic", "tragic") that no cited line uses."""
    own = outside_quotations(text)
    cited_stems = {stem(w) for line in cited for w in re.findall(r"[\w-]+", line)}
    for word in re.findall(r"[A-Za-z-]+", own):
        if stem(word) in _JUDGEMENTS and stem(word) not in cited_stems:
            return f"adds a judgement (“{word}”) that its cited lines do not make"
    return None


def quotation_as_news(headline: str, cited: Sequence[str]) -> str | None:
    """A headline that says, as what happened, what its cited lines give only as someone's
    words: "White House focuses on long-term economic resilience" from a spokesman's "The
    President's focus is on our long-term economic fundamentals". Half its words found in
    the lines, two at least, stand there only inside quotation marks."""
    own = content_words(outside_quotations(headline))
    anywhere = set().union(*(content_words(line) for line in cited)) if cited else set()
    unquoted = set().union(*(content_words(outside_quotations(line)) for line in cited))
    found = own & anywhere
    quoted_only = found - unquoted
    if len(quoted_only) >= 2 and len(quoted_only) >= 0.5 * len(found):
        return "gives as the news what its cited lines only quote someone as saying"
    return None


# A small writer shortening a line drops its articles ("A baby died in elevator shaft." from
# "... plunged down an empty elevator shaft"; "abusive to medical team" from "to a medical
# team"): telegraphic English, fine in a headline, broken in a summary.
_DETERMINERS = frozenset(
    "a an the this that these those its his her their our my your each every another".split()
)
_BEFORE_NOUN_PHRASE = frozenset(
    "in on at to from with into onto down up over under through near by for of about after "
    "before during inside outside against".split()
)
_LOWER_WORD_RUN = re.compile(r"[a-z][a-z-]*")


# A comma, a dash or a full stop ends a phrase: "pull her to safety, police said" has no
# noun pair "safety police".
_PHRASE_BREAK = "|"


def _phrase_words(text: str) -> list[str]:
    """The words of a text in order, with `_PHRASE_BREAK` where punctuation stands between two."""
    return [
        token if token[0] not in ",;:.!?()[]—–" else _PHRASE_BREAK
        for token in re.findall(r"[\w’'-]+|[,;:.!?()\[\]—–]", text)
    ]


def _words_after_preposition(words_: list[str]) -> list[str]:
    """The words before a noun pair that belong to its own phrase: none from before a
    preposition or a phrase break ("her to safety": "her" is not the determiner of "safety")."""
    for k in range(len(words_) - 1, -1, -1):
        if words_[k] in _BEFORE_NOUN_PHRASE or words_[k] == _PHRASE_BREAK:
            return words_[k + 1 :]
    return words_


def _dropped_articles(text: str, cited: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """Where the sentence drops an article its cited lines give: (the preposition, the two
    words after it, the determiner the first cited line writing them puts before them)."""
    found = _phrase_words(outside_quotations(text))
    source = [_phrase_words(line) for line in cited]
    dropped = []
    for i in range(len(found) - 2):
        preposition, first, second = found[i].lower(), found[i + 1], found[i + 2]
        if _PHRASE_BREAK in (first, second):
            continue
        if preposition not in _BEFORE_NOUN_PHRASE or first.lower() in _DETERMINERS:
            continue
        if not (_LOWER_WORD_RUN.fullmatch(first) and _LOWER_WORD_RUN.fullmatch(second)):
            continue  # a name, a number, a capitalised word: no article needed
        if second in _BEFORE_NOUN_PHRASE or not content_words(second):
            continue  # "to prison for life": a bare noun before a function word is English
        if second.endswith("s") or numbers(first) or first.endswith(("ing", "ed", "er")):
            # plurals, counts and adjectives go bare in English ("ten children", "developing
            # countries", "higher risk"): only a bare singular noun pair is
            # telegraphic, "in elevator shaft", "to medical team"
            continue
        before = [
            _words_after_preposition([w.lower() for w in line[max(0, j - 2) : j]])
            for line in source
            for j in range(len(line) - 1)
            if line[j] == first and line[j + 1] == second
        ]
        if before and all(_DETERMINERS & set(words_) for words_ in before):
            determiner = next(w for w in reversed(before[0]) if w in _DETERMINERS)
            dropped.append((found[i], first, second, determiner))
    return dropped + _dropped_name_articles(found, source)


_VERB_AFTER_NAME = re.compile(
    r"said|says|told|added|is|was|are|were|has|had|have|will|would|could|can|did|[a-z]+ed"
)


def _capitalised_runs(words_: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of capitalised words."""
    runs, start = [], None
    for k, word in enumerate([*words_, _PHRASE_BREAK]):
        capital = word != _PHRASE_BREAK and word[:1].isupper()
        if capital and start is None:
            start = k
        elif not capital and start is not None:
            runs.append((start, k))
            start = None
    return runs


def _dropped_name_articles(
    found: list[str], source: list[list[str]]
) -> list[tuple[str, str, str, str]]:
    """An institution's name of two words or more that ends its phrase after a preposition
    without the "the" every cited line writing it gives ("according to South Korean Defence
    Ministry" from "the South Korean Defence Ministry said"). A person's name never has
    "the" before it in a line, and "South Korean officials" is no name ending its phrase."""
    dropped = []
    for start, end in _capitalised_runs(found):
        if end - start < 2 or start == 0 or found[start - 1].lower() not in _BEFORE_NOUN_PHRASE:
            continue
        if end < len(found) and found[end] != _PHRASE_BREAK:
            continue
        run = found[start:end]
        # in the line too the name ends its phrase or comes before its verb: "the" of "the
        # Dunmore Road area" is the area's
        before = [
            line[j - 1].lower() if j > 0 else ""
            for line in source
            for j, k in _capitalised_runs(line)
            if line[j:k] == run
            and (k == len(line) or line[k] == _PHRASE_BREAK or _VERB_AFTER_NAME.fullmatch(line[k]))
        ]
        if before and all(b == "the" for b in before):
            dropped.append((found[start - 1], run[0], run[1], "the"))
    return dropped


def _dropped_opening_article(text: str, cited: Sequence[str]) -> str | None:
    """The determiner every cited line writes before the sentence's first two words, which the
    sentence opens without ("Recall covers batteries sold ..." from "The recall covers ...")."""
    found = _phrase_words(outside_quotations(text))
    if len(found) < 2 or _PHRASE_BREAK in found[:2] or not found[0][:1].isupper():
        return None
    first, second = found[0].lower(), found[1]
    if first in _DETERMINERS or not content_words(first) or not _LOWER_WORD_RUN.fullmatch(second):
        return None
    before = [
        [w.lower() for w in line[max(0, j - 1) : j]]
        for line in (_phrase_words(c) for c in cited)
        for j in range(len(line) - 1)
        if line[j].lower() == first and line[j + 1] == second
    ]
    if before and all(b and b[0] in _DETERMINERS for b in before):
        return before[0][0]
    return None


def dropped_article(text: str, cited: Sequence[str]) -> str | None:
    """A preposition followed by two words that every cited line writing them gives an
    article or possessive ("an empty elevator shaft"), the sentence none; or a sentence that
    opens without the article its cited lines write ("Recall covers ...")."""
    if _dropped_opening_article(text, cited):
        return f"opens without the article of “{text.split()[0]}” (telegraphic)"
    dropped = _dropped_articles(text, cited)
    if not dropped:
        return None
    _, first, second, _ = dropped[0]
    return f"drops the article of “{first} {second}” (telegraphic)"


def restore_articles(text: str, cited: Sequence[str]) -> str:
    """The sentence with the articles it dropped put back as its cited lines write them
    ("abusive to medical team" -> "abusive to a medical team"); "a" or "an" as the next word
    needs. Unchanged when nothing was dropped."""
    opening = _dropped_opening_article(text, cited)
    if opening:
        if opening in ("a", "an"):
            opening = "an" if text[0].lower() in "aeiou" else "a"
        text = f"{opening.capitalize()} {text[0].lower()}{text[1:]}"
    for preposition, first, second, determiner in _dropped_articles(text, cited):
        if determiner in ("a", "an"):
            determiner = "an" if first[0] in "aeiou" else "a"
        text = re.sub(
            rf"(?<![\w’'-])({re.escape(preposition)}\s+)({re.escape(first)} {re.escape(second)})"
            r"(?![\w’'-])",
            rf"\g<1>{determiner} \g<2>",
            text,
            count=1,
        )
    return text


# "At least that's what pageant officials are saying." after "Amanda Longacre has been
# stripped of her title because she's too old.": the line after a claim says whose it is.
_SAYING = (
    r"(?:(?:is|are|was|were|has been|have been)\s+)?(?:say|says|saying|said|claim|claims|"
    r"claiming|claimed|allege|alleges|alleging|alleged|report|reports|reporting|reported|"
    r"contend|contends|insist|insists|insisting)\b"
)
_ATTRIBUTED_AFTER = re.compile(
    r"(?:(?:or\s+)?at\s+least,?\s+|or\s+so\s+)?(?:that[’']?s|that\s+is|this\s+is)\s+"
    rf"(?:what\s+(?P<who>[^,.;]+?)\s+{_SAYING}|according\s+to\s+(?P<source>[^,.;]+))"
    r"|(?:or\s+)?so\s+(?:say|says|said|claim|claims)\s+(?P<sayer>[^,.;]+)",
    re.I,
)


def attribution_after(line: str) -> str | None:
    """Who a line that only attributes the one before it names ("At least that's what
    pageant officials are saying" -> "pageant officials"), or None for any other line."""
    found = _ATTRIBUTED_AFTER.match(line.strip())
    if found is None:
        return None
    who = found.group("who") or found.group("source") or found.group("sayer")
    # "... what pageant officials are saying less than two weeks after": the sayer only
    return re.split(r"\s+(?:less|more|just|only|days?|weeks?|after|before|since)\b", who)[0]


def attributed_after(
    text: str, cited: Sequence[Sentence], line_after: Callable[[Sentence], Sentence | None]
) -> str | None:
    """The sentence states as fact what the line after its cited one in the source attributes
    to someone ("..., because she's too old. At least that's what pageant officials are
    saying."): it must say whose claim it is. `line_after`: the next line of a sentence's
    article, if any."""
    if _ATTRIBUTION.search(outside_quotations(text)):
        return None
    for line in cited:
        after = line_after(line)
        who = attribution_after(after.text) if after is not None else None
        if who:
            return f"states as fact what its source attributes to {who} in the line after"
    return None


def with_attribution(
    text: str, cited: Sequence[Sentence], line_after: Callable[[Sentence], Sentence | None]
) -> tuple[str, Sentence] | None:
    """The sentence with the attribution of the line after its cited one added ("...,
    according to pageant officials."), and that line; None when there is none or the
    sentence does not end as a plain statement."""
    if not text.endswith(".") or text.endswith(("”.", '".')):
        return None
    for line in cited:
        after = line_after(line)
        who = attribution_after(after.text) if after is not None else None
        if after is not None and who:
            return f"{text[:-1]}, according to {who}.", after
    return None


def _just_before(earlier: Sentence, later: Sentence) -> bool:
    return (
        earlier.article_id == later.article_id
        and 0 <= later.index - earlier.index <= _REFERENCE_REACH
    )


# "Shafer", "O'Mara", "McCain"
_CAPITALISED_WORD = re.compile(r"\b[A-Z](?:[a-z]|[’'][A-Z])[\w’'-]*")


# "the Dow Jones ...", "S&P Dow Jones Indices" (but "President Moon Jae-in" is a person)
_INSIDE_A_LONGER_NAME = re.compile(r"(?:\b[Tt]he|\S*&\S*)\s+$")


def unintroduced_names(text: str, said: str, story_text: str) -> list[str]:
    """Surnames alone ("Shafer said", "echoed Shah's sentiment") that the story's articles give
    in full ("Raj Shah") while the summary so far (`said`: the sentences before; verify leaves
    the headline out, whose bare surnames introduce no one) and the sentence itself have not:
    a reader meets a person they were never introduced to. Weekdays and months are no people."""
    return sorted(_unintroduced(text, said, story_text))


def introduce_names(text: str, said: str, story_text: str) -> tuple[str, list[str]]:
    """The sentence with each unintroduced surname written in full at its first mention, where
    the story gives one full name for it ("The suit claims CNN knew Damon ..." -> "... knew
    Arwa Damon ..."), and the full names written in. A surname the story gives two full names
    for is left as it is: which person it means is not the writer's to guess."""
    introduced = []
    for surname, full in _unintroduced(text, said, story_text).items():
        # "Minister Choe" and "Choe Son Hui" are one person, named in full by the second
        given = {n for n in full if n.split()[0].lower() not in _TITLES} or set(full)
        if len(given) > 1 and any(full.count(n) > 1 for n in given):
            # "Let Trump take the credit" opens a sentence: a capitalised verb, no given name,
            # beside the "Donald Trump" the story writes twice or more
            given = {
                n for n in given if full.count(n) > 1 or not _only_opening_sentences(n, story_text)
            }
        if len(given) != 1:
            continue
        (name,) = given
        found = re.search(rf"(?<![\w’'-]){re.escape(surname)}(?![\w-]|[’'](?![sS]\b))", text)
        if found is None:
            continue
        # "Minister Choe": a title is there already, only the given name is missing
        titled = re.search(r"[A-Z][a-z]+\s$", text[: found.start()])
        written = name if titled else _with_title(name, story_text)
        mended = f"{text[: found.start()]}{written}{text[found.end() :]}"
        if mended != text:
            text = mended
            introduced.append(name)
    return text, introduced


def _with_title(name: str, story_text: str) -> str:
    """The name as the story first introduces it with a title of capitalised words
    ("Vice Foreign Minister Choe Son Hui", "Chief Cabinet Secretary Yoshihide Suga"): who an
    unknown name is, as news style says at first mention. The name alone where the story
    gives it no such title."""
    for match in re.finditer(rf"\b((?:[A-Z][a-z]+\s+){{1,3}}){re.escape(name)}\b", story_text):
        title = match.group(1).split()
        while title and (title[0].lower() in STOP_WORDS or title[0].lower() not in _TITLE_WORDS):
            title = title[1:]  # "The", "Japanese": no part of the title
        if title and title[-1].lower() in _TITLES:
            return f"{' '.join(title)} {name}"
    return name


def _only_opening_sentences(name: str, story_text: str) -> bool:
    """Every time the story writes the name, it opens a sentence or a line."""
    places = [m.start() for m in re.finditer(rf"\b{re.escape(name)}\b", story_text)]
    return all(
        not story_text[:at].strip()
        or re.search(r"(?:[.!?][\"”’']*|\n|[\"“‘])\s*$", story_text[:at])
        for at in places
    )


# words a title of office may open with before its head ("Vice Foreign Minister")
_TITLE_WORDS_EXTRA = frozenset(
    "vice deputy first foreign prime chief cabinet state defence defense interior finance "
    "health attorney supreme high special executive".split()
)
_TITLES = frozenset(
    "president minister senator sen rep governor gov judge justice mayor chief general gen "
    "sheriff detective sergeant sgt captain capt colonel col lieutenant lt officer prince "
    "princess king queen pope father rev bishop professor prof dr mr mrs ms miss lord lady sir "
    "dame chancellor premier secretary commissioner coach director ambassador speaker".split()
)
_TITLE_WORDS = _TITLES | _TITLE_WORDS_EXTRA


def _unintroduced(text: str, said: str, story_text: str) -> dict[str, list[str]]:
    """`unintroduced_names`, each with the full names the story gives it."""
    missing: dict[str, list[str]] = {}
    lower_words = {
        re.sub(r"[’']s$", "", w.lower()) for w in re.findall(r"\b[a-z][\w’'-]*", story_text)
    }
    for match in _CAPITALISED_WORD.finditer(text):
        word = re.sub(r"[’']s$", "", match.group(0))
        before = text[: match.start()].rstrip()
        after = text[match.end() :].lstrip()
        if word.lower() in _NOT_PEOPLE:
            continue
        first_word = not before or before in '“"‘' or before[-1] in ".!?"
        # A sentence's first word is capitalised anyway: a surname only when the story never
        # writes it in lower case ("Choe accused ...", not "Police said ...").
        if first_word and (word.lower() in lower_words or word.lower() in STOP_WORDS):
            continue
        if _CAPITALISED_WORD.match(after) or (before.split() or [""])[-1][:1].isupper():
            continue  # part of a longer name: "Barbara Morgan"
        if _ALIAS_BEFORE.search(before):
            continue  # the sentence introduces the name: "Albert Johnson, better known as Prodigy"
        if re.search(rf"\b{re.escape(word)}\b", said):
            continue  # named before
        # the full names the story gives: "Raj Shah", and surname first, "Choe Son Hui"; a
        # word the story also writes in lower case is no given name ("the rapper's death":
        # "Rapper Prodigy" is no full name of a rapper known by one name)
        full = [
            f"{m.group(1)} {word}"
            for m in re.finditer(rf"\b([A-Z][a-z]+) {re.escape(word)}\b", story_text)
            if m.group(1).lower() not in STOP_WORDS | _NOT_PEOPLE | lower_words
        ] + [
            # surname first only with a given name of two parts: "Choe Son Hui", "Moon Jae-in";
            # "Westfield Road" is a place, and a name inside a longer one ("the Dow Jones
            # Industrial Average", "S&P Dow Jones Indices") or after "the" no person
            f"{word} {m.group(1)}"
            for m in re.finditer(
                rf"\b{re.escape(word)} ([A-Z][a-z]+(?: [A-Z][a-z]+|-[a-z]+))\b(?! [A-Z])",
                story_text,
            )
            if m.group(1).split()[0].lower() not in STOP_WORDS | _NOT_PEOPLE | lower_words
            and not _INSIDE_A_LONGER_NAME.search(story_text[: m.start()])
        ]
        if full and not any(name in said + " " + before for name in full):
            missing.setdefault(word, []).extend(full)
    return missing


_ALIAS_BEFORE = re.compile(r"\b(?:known as|aka|a\.k\.a\.|nicknamed|who goes by)\s*[“\"‘']?$", re.I)

_NOT_PEOPLE = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


_CLOSED_QUOTATION = re.compile(r"“([^“”]{20,})”|\"([^\"]{20,})\"")


def unattributed_speech(text: str, cited: str | Sequence[str]) -> str | None:
    """Words that stand in quotation marks in the cited lines, printed with neither quotation
    marks nor a speaker: a claim or a boast turned into the briefing's own statement. A cited
    sentence that is a piece of a quotation (its speaker named in the next sentence: '“Stock
    Market at an all-time high.') is someone's words whatever they say."""
    if quotations(text) or _ATTRIBUTION.search(text):
        return None
    target = content_words(text)
    if len(target) < 4:
        return None
    pieces = [cited] if isinstance(cited, str) else list(cited)

    def said_in(quoted: str) -> bool:
        return len(target & content_words(quoted)) >= 0.8 * len(target)

    for quoted in (a or b for a, b in _CLOSED_QUOTATION.findall(" ".join(pieces))):
        claims = _CLAIM.findall(quoted)
        if said_in(quoted) and any(re.search(rf"\b{c}\b", text, re.I) for c in claims):
            return (
                "prints as fact what the cited lines quote someone as claiming, without the speaker"
            )
    for piece in pieces:
        inside = _inside_open_quotation(piece)
        if inside and said_in(inside):
            return "prints as fact the words of a quotation, without quotation marks or speaker"
    return None


_SPEECH_VERB = re.compile(
    r"\b(?:said|says|told|tells|stated|states|added|adds|explained|explains|noted|notes)\b"
)


def misattributed_speech(text: str, cited: Sequence[str]) -> str | None:
    """Words a cited line quotes one person as saying, given to another: "Barbara Morgan, an
    officer with the Humane Society, said the dogs are doing pretty good" where the line is
    '"The dogs are doing pretty good ...," Shafer said.' and Morgan speaks in another line. The
    sentence's speaker is the names before its verb of saying; the line's, the names outside
    its quotation marks. Either unnamed (a pronoun, "officials"): nothing to compare."""
    own = outside_quotations(text)
    verb = _SPEECH_VERB.search(own)
    if verb is None:
        return None
    lines = " ".join(cited)
    speaker = {
        w
        for start, _, n in _name_spans(own[: verb.start()])
        # "Shelter staff said": a capitalised first word is a name only where the lines
        # write it so too
        if start > 0 or " " in n or re.search(rf"\b{re.escape(n)}\b", lines)
        for w in content_words(n)
    }
    reported = content_words(own[verb.end() :]) | content_words(" ".join(quotations(text)))
    if not speaker or len(reported) < 3:
        return None
    for line in cited:
        quoted = " ".join(quotations(line))
        if len(reported & content_words(quoted)) < 0.6 * len(reported):
            continue
        spans = _name_spans(outside_quotations(line))
        theirs = {w for *_, n in spans for w in content_words(n)}
        if theirs and not theirs & speaker and not speaker & content_words(line):
            names_ = ", ".join(n for *_, n in spans)
            return f"gives words its cited line quotes from {names_} to someone else"
    return None


# Why or when one thing happened is a fact of its own: "Customers are advised to stop charging
# their batteries immediately as the recall covers batteries sold between March 2025 and June
# 2026" joins two lines with a cause neither gives. Each connective with the words a line may
# state the same relation in.
_RELATIONS = {
    "because": ("because", "since", "as", "due to", "after", "following", "over"),
    "since": ("since", "because", "as", "after", "following"),
    "as": ("as", "because", "since", "while", "when"),
    "after": ("after", "following", "when", "since", "because", "over"),
    "due to": ("due to", "because", "after", "following", "over"),
    "prompting": ("prompting", "prompted", "leading", "led", "after", "so"),
    "leading to": ("leading to", "led to", "prompting", "prompted", "after", "so"),
}
_CONNECTIVE = re.compile(
    r"\s(because|since|after|due to|prompting|leading to)\s"
    # "as" is a connective only before a clause: "as it recalls", not "as chairman"
    r"|(?<!\bsuch)(?<!\bwell)\s(as)\s(?!well\s+as\b)(?=(?:it|they|he|she)\s|(?:(?:the|a|an|its|their)\s+)?(?:[A-Z][\w’'-]*\s+|"
    r"[a-z]+\s+){1,2}(?:is|are|was|were|has|have|had|will|would|could|[a-z]+ed|[a-z]+s)\b)"
)


def unstated_relation(text: str, cited: Sequence[str]) -> str | None:
    """The sentence says why or after what something happened, and no cited line states that
    relation: none has the connective (or one of its kin) with most of what the sentence puts
    after it following it in that line."""
    own = outside_quotations(text)
    match = _CONNECTIVE.search(own)
    if match is None:
        return None
    connective = match.group(1) or match.group(2)
    # what the connective governs: up to the clause's end ("because she is too old, according
    # to pageant officials": the attribution is no part of the cause)
    clause = re.split(r",\s|;\s|\s[—–-]\s", own[match.end() :])[0]
    after = content_words(clause) | numbers(clause)
    if len(after) < 2:
        return None
    for line in cited:
        for kin in _RELATIONS[connective]:
            for place in re.finditer(rf"\b{kin}\b", line, re.I):
                rest = line[place.end() :]
                if len(after & (content_words(rest) | numbers(rest))) >= 0.5 * len(after):
                    return None
    return f"joins what its lines say with “{connective}”, a relation none of them states"


# a subject and a finite verb within the first few words: what follows the connective is a
# clause ("the recall covers ...", "its engineers found ..."), not a noun phrase ("after 23
# reports of overheating", "after 17 fires in the north")
_CLAUSE_START = re.compile(
    r"^(?:the|a|an|its|their|his|her|our|this|these|those|it|they|he|she|we|[A-Z][\w’'-]*)\s+"
    r"(?:[\w’'-]+\s+){0,3}?(?:is|are|was|were|has|have|had|will|would|could|can|did|found|"
    r"said|told|made|took|gave|began|became|left|led|hit|met|saw|won|lost|got|went|came|held|"
    r"paid|sold|kept|fell|struck|brought|bought|[a-z]+ed|[a-z]{2,}s)\b"
)


def relation_parts(text: str) -> tuple[str, str] | None:
    """The two statements a sentence joins with a connective of `unstated_relation`, each as a
    sentence of its own ("Customers are advised to stop charging their batteries
    immediately." and "The recall covers batteries sold between March 2025 and June 2026."
    from "... immediately as the recall covers ..."): "A because B", "A as B", "A after B"
    state A and B, so each holds where the whole does. None when the connective is not
    followed by a clause or either part is too short to stand alone."""
    own = outside_quotations(text)
    if own != text:
        return None  # a quotation's words are not split
    match = _CONNECTIVE.search(text)
    if match is None or (match.group(1) or match.group(2)) not in (
        "because",
        "since",
        "after",
        "as",
    ):
        return None
    first = text[: match.start()].rstrip(" ,;")
    second = text[match.end() :].strip()
    if not _CLAUSE_START.match(second) or len(first.split()) < 4 or len(second.split()) < 4:
        return None
    if not second.endswith((".", "!")):
        second += "."
    return f"{first}.", second[0].upper() + second[1:]


# "didn’t appear to violate a United Nations ban" printed as "was reportedly a violation of a
# United Nations ban": the entailment judge passed it, the words are all there but "not"
_NEGATION = re.compile(r"\b(?:not|never|no longer|neither|nor|cannot)\b|n[’']t\b", re.I)
_NEGATED_WORDS = 5  # content words after a negation that say what it denies


def dropped_negation(text: str, cited: Sequence[str]) -> str | None:
    """The sentence states what a cited line denies: it has most of the first content words
    after one of the line's negations (up to the clause's end) and no negation of its own."""
    own = outside_quotations(text)
    if _NEGATION.search(own):
        return None
    mine = content_words(own)
    for line in cited:
        for negation in _NEGATION.finditer(line):
            clause = re.split(r"[,;:.!?]\s|\s[—–-]\s|\bbut\b", line[negation.end() :])[0]
            denied = [
                stem(w)
                for w in re.findall(r"[\w’'-]+", clause)
                if w.lower() not in STOP_WORDS and not w[0].isdigit() and len(w) > 1
            ][:_NEGATED_WORDS]
            if len(denied) >= 2 and sum(w in mine for w in denied) >= 0.6 * len(denied):
                return f"states what its cited line denies (“{negation.group(0)} {clause.strip()[:60]}”)"
    return None


# "Entomologist Lena Voss said the species had probably survived in the woods because they
# have never been ploughed." printed without her: the hedge survives, but the guess becomes the
# briefing's own.
# "<Name> said ...", "<Name>, an officer with the Humane Society, says ..." (the comma
# closing the description is often missing), "..., <Name> said."
_REPORTED_VIEW = re.compile(
    r"^(?P<speaker>(?:[A-Z][\w’'.-]*\s+){2,5}?|(?:[A-Z][\w’'.-]*\s+){1,4}[A-Z][\w’'.-]*(?=,))"
    r"(?:,\s+[a-z][^,]{2,80}?,?\s+)?(?:said|says|believes|thinks|told\s+\w+)\s+"
    r"(?:that\s+)?(?P<claim>.+)$"
    r"|^(?P<claim2>.+?),\s+(?P<speaker2>[^,]{3,60}?)\s+(?:said|says)\.?$"
)


# "she expects to file charges" is her plan; printed as "is expected to" it is no one's
_EXPECTS = re.compile(r"\bexpects?\b")
_RELATIVE_TAIL = re.compile(r",?\s+(?:where|which|who|whom|whose)\s+")


def dropped_believer(text: str, cited: Sequence[str]) -> str | None:
    """A person's belief or guess (a cited line "<Name> said <claim with probably, may,
    believed ...>") printed without who holds it: the sentence has no attribution and most of
    the claim's content words."""
    if _ATTRIBUTION.search(outside_quotations(text)):
        return None
    target = content_words(text)
    for line in cited:
        match = _REPORTED_VIEW.match(line.strip())
        if match is None:
            continue
        speaker = (match.group("speaker") or match.group("speaker2") or "").strip()
        claim = match.group("claim") or match.group("claim2") or ""
        if not _name_spans(speaker) or not (strong_hedges(claim) or _EXPECTS.search(claim)):
            continue
        # the claim less a relative clause closing it ("... the home where the dogs were
        # discovered"), which a shortened sentence leaves out
        claimed = content_words(_RELATIVE_TAIL.split(claim, maxsplit=1)[0])
        if claimed and len(target & claimed) >= 0.6 * len(claimed):
            return f"states as its own a view or plan that {speaker} said"
    return None


# "Jon Cryer, who won Best Comedy Actor, had to pretend ...": a person's name opening the
# sentence, an aside about them, what the sentence says they did
_NAMED_SUBJECT = re.compile(
    r"^(?P<name>[A-Z][a-z][\w’'-]*(?:\s+[A-Z][\w’'.-]*){1,2})(?:,\s+[^,]{3,80},)?\s+(?P<rest>[a-z].+)$"
)
# a line whose subject is such a reference may be about the named person
_REFERS_BACK = re.compile(r"\b(?:he|she|him|his|her)\b|^(?:The|This|That) [a-z]+\b", re.I)


def borrowed_predicate(text: str, cited: Sequence[str]) -> str | None:
    """What one cited line says of others or of no one, said of a person another line names:
    "Jon Cryer, who won Best Comedy Actor, had to pretend he was just being mentioned
    alongside his fellow nominees" from a line naming Cryer as the winner and one about all
    the night's winners "pretending once again that the real honor is just being mentioned".
    The lines that say most of what the person did (60% of its content words) never name
    the person nor refer to anyone by "he", "she" or "the <noun>"."""
    match = _NAMED_SUBJECT.match(outside_quotations(text).strip())
    if match is None or len(cited) < 2:
        return None
    name = match.group("name")
    surname = name.split()[-1].lower().strip(".’'")
    if surname in STOP_WORDS or surname in _NOT_PEOPLE:
        return None
    done = content_words(match.group("rest")) - content_words(name)
    if len(done) < 3:
        return None
    carrying = [line for line in cited if len(done & content_words(line)) >= 0.6 * len(done)]
    naming = [line for line in cited if surname in line.lower()]
    if not carrying or not naming:
        return None
    if any(surname in line.lower() or _REFERS_BACK.search(line) for line in carrying):
        return None
    return f"says of {name} what its cited lines say of others"


# Abbreviations a reader of English news knows without their expansion. No library lists
# them; this is the common core of wire copy (agencies, time zones, offices, leagues).
_KNOWN_ABBREVIATIONS = frozenset(
    """
    US USA UK EU UN NATO OPEC IMF WHO WTO OECD UNESCO UNICEF ECB GMT UTC EST EDT PST PDT CET
    BST CEO CEOs CFO COO CTO NASA FBI CIA NSA CNN BBC NBC CBS ABC NPR AP AFP MSNBC HBO ESPN NFL
    NBA NHL MLB FIFA UEFA NCAA HIV AIDS DNA GDP MP MPs TV GPS ICU SUV CCTV PhD MBA LGBT ISIS FDA
    CDC EPA IRS DOJ SEC FCC FAA NTSB DEA ICE TSA NYPD LAPD MIT UCLA NYU BMW IBM EMT EMTs DPRK
    GOP MEP MEPs PR AM PM OK NHS USS TMZ MTV WSJ VIP FOX USDA THC RIP KFC JFK ADHD PTSD SWAT
    DHS CNBC DVD PDF CPU
    """.split()
)
# as a sentence's subject: who said or did what ("The JCS said ...", "KCNA reported ...")
# (not a dateline or a heading in capitals: "ROME (Reuters) -", "NEW YORK -", "BREAKING NEWS")
_ABBREVIATION = re.compile(r"^(?:The\s+)?([A-Z]{3,5}s?)\b(?![’'-])(?!\s*(?:[,(—–:-]|[A-Z]{2,}))")
_ROMAN_NUMERAL = re.compile(r"^[IVXLCDM]+$")


def unexplained_abbreviation(text: str, story_text: str) -> str | None:
    """A sentence whose subject is an abbreviation the story never spells out, and no reader
    knows without it: "The JCS said the South Korean military is monitoring the situation"
    where no article says "Joint Chiefs of Staff". Spelled out means "(JCS)" after the words, or capitalised words whose
    initials are its letters."""
    for match in _ABBREVIATION.finditer(outside_quotations(text).strip()):
        short = match.group(1)
        if _ROMAN_NUMERAL.match(short):
            continue
        letters = short.rstrip("s") if short.endswith("s") and len(short) > 3 else short
        if short in _KNOWN_ABBREVIATIONS or letters in _KNOWN_ABBREVIATIONS:
            continue
        # a word in capitals ("LONDON (Reuters) -", "THE identity of ..."), no abbreviation
        if re.search(rf"\b(?:{letters.title()}|{letters.lower()})\b", story_text):
            continue
        if f"({short})" in story_text or f"({letters})" in story_text:
            continue
        initials = r"\s+(?:of\s+|the\s+|and\s+|for\s+)?".join(rf"{c}[a-z]+" for c in letters)
        if re.search(rf"\b{initials}\b", story_text):
            continue
        return f"uses the abbreviation {short}, which the story never spells out"
    return None


# "<speaker> say(s) <claim>": a named speaker, or people described by name words first
# ("South Korean military officials say ...")
_REPORTER = re.compile(
    r"^(?P<speaker>(?:[A-Z][\w’'.-]*\s+){1,5}(?:[a-z][\w-]*\s+){0,3}?)"
    r"(?:say|says|said|told\s+\w+|reported)\s+(?:that\s+)?(?P<claim>.+)$"
)


def speaker_made_agent(text: str, cited: Sequence[str]) -> str | None:
    """Those who reported an event printed as the ones who did it: "South Korean military
    officials fired two projectiles toward the sea" from "South Korean military officials say
    two projectiles were fired toward the sea". The sentence opens with the speaker of a
    cited line "<speaker> say(s)/said <claim>", says most of the claim, and says no one said
    it."""
    own = outside_quotations(text).strip()
    if _ATTRIBUTION.search(own):
        return None
    for line in cited:
        match = _REPORTER.match(line.strip())
        if match is None:
            continue
        speaker = content_words(match.group("speaker"))
        opening = content_words(" ".join(own.split()[: len(match.group("speaker").split()) + 1]))
        claimed = content_words(_RELATIVE_TAIL.split(match.group("claim"), maxsplit=1)[0])
        if (
            len(speaker) >= 1
            and len(speaker & opening) >= 0.6 * len(speaker)
            and claimed
            and len(claimed & content_words(own)) >= 0.5 * len(claimed)
        ):
            return f"makes {match.group('speaker').strip()}, who reported it, the doer"
    return None


def _unmarked_quotations(text: str, cited: Sequence[str]) -> list[tuple[str, str, str]]:
    """The quotations of the cited lines (six words or more) that the sentence repeats word
    for word outside quotation marks, with the marks the line gives them: (words, open, close)."""
    own = outside_quotations(text)
    found = []
    for match in _CLOSED_QUOTATION.finditer(" ".join(cited)):
        inner = (match.group(1) or match.group(2)).strip().rstrip(",.;:!?").strip()
        if len(inner.split()) >= 6 and inner in own:
            found.append((inner, *(("“", "”") if match.group(1) else ('"', '"'))))
    return found


def unmarked_quotation(text: str, cited: Sequence[str]) -> str | None:
    """Someone's words, with the speaker named, printed without the quotation marks the
    cited line gives them ("The stock market has smashed one record after another, gaining
    $8 trillion in value, the president proudly stated."): the briefing would put its own
    words in the speaker's mouth, or the speaker's in its own."""
    if not _ATTRIBUTION.search(outside_quotations(text)) or not _unmarked_quotations(text, cited):
        return None
    return "repeats a quotation without its quotation marks"


def restore_quotation_marks(text: str, cited: Sequence[str]) -> str:
    """The sentence with the quotation marks put back around the quoted words it repeats, the
    punctuation that ends them inside, as news style and the cited line write them."""
    if not _ATTRIBUTION.search(outside_quotations(text)):
        return text
    for inner, opening, closing in _unmarked_quotations(text, cited):
        match = re.search(re.escape(inner) + r"([,.!?]?)", text)
        if match:
            text = f"{text[: match.start()]}{opening}{inner}{match.group(1)}{closing}{text[match.end() :]}"
    return text


def speaker_dropped(text: str, source: str) -> str | None:
    """A shortened copy of a source sentence that quotes someone, printed with neither the
    quotation marks nor a word of who said it: the speaker's remark becomes the briefing's
    own statement ("Dogs are learning to adjust." from '"They're all learning to adjust,"
    Shafer said.')."""
    if not quotations(source) or quotations(text) or _ATTRIBUTION.search(text):
        return None
    inside = " ".join(quotations(source))
    target = content_words(text)
    if target and len(target & content_words(inside)) >= 0.5 * len(target):
        return "drops who said the quoted words it repeats"
    return None


def _inside_open_quotation(sentence: str) -> str | None:
    """The quoted part of a sentence cut from inside a quotation: after an opening mark that
    is never closed, or before a closing mark that was never opened."""
    if not unbalanced_quotes(sentence):
        return None
    if sentence.count('"') % 2 == 1:
        mark = sentence.find('"')
        return sentence[mark + 1 :] if not sentence[:mark].strip() else sentence[:mark]
    opening, closing = sentence.rfind("“"), sentence.find("”")
    if opening >= 0 and sentence.find("”", opening) < 0:
        return sentence[opening + 1 :]
    if closing >= 0 and sentence.rfind("“", 0, closing) < 0:
        return sentence[:closing]
    return None


# What makes quoted words a claim rather than a reported fact: a promise or prediction, a
# judgement. "died at the age of 42" may be printed from a family's statement; "will further
# enhance the economy" only as the press secretary's words.
_CLAIM = re.compile(
    r"\b(will|would|should|must|can|best|greatest|strong|stronger|strongest|exceptionally|"
    r"fully|committed|proud|never|always|unprecedented|historic|incredible|tremendous|"
    # a boast of success: "The stock market has smashed one record after another"
    r"records?|ever|all-time|smashed|great|greater|amazing|perfect|booming|thriving|"
    r"success|successful)\b",
    re.I,
)


def quotable(sentence: Sentence) -> str | None:
    """Why a source sentence cannot be quoted as a whole sentence of the briefing (None: it
    can): a piece of a quotation, a fragment, furniture in the outlet's voice, a quotation
    with no speaker, or a run-on paragraph."""
    text = sentence.text.strip()
    if sentence.is_title:
        return "the page's headline, not a sentence"
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


# --- who did what to whom ------------------------------------------------------------------
# "CNN sues two EMTs" from "CNN is being sued by two EMTs": every word and name is in the
# source, and the entailment judge scores both directions alike (0.76 against 0.78 on that
# pair), so the direction is read from the words: a name, a verb, a name, or the passive
# "X was <verb>ed by Y", compared with the story's own sentences.
_NAME_SPAN = re.compile(r"[A-Z][\w’'&.-]*(?:\s+(?:[A-Z][\w’'&.-]*|of|de|van|von|al|bin))*")
_PASSIVE_BY = re.compile(
    r"\b(?:is|are|was|were|be|been|being)\s+(?:(?:being|been|also|reportedly|allegedly|later|"
    r"then|now|first)\s+)*([a-z]+)\s+by\s+"
)


# Verbs whose two sides may change places without changing the news.
def _verb_key(word: str) -> str:
    """One key for a verb's forms: the Snowball stems of "sued" and "sues" are "su" and "sue"."""
    return stem(word).rstrip("e")


_SYMMETRIC = frozenset(
    _verb_key(w)
    for w in "meet met meets meeting marry married marries speak spoke speaks talk talked talks "
    "play played plays face faced faces draw drew tie tied join joined negotiate negotiated "
    "agree agreed clash clashed compete competed debate debated partner partnered merge "
    "merged".split()
)


class Role(NamedTuple):
    agent: frozenset[str]  # the name's words, lower-cased
    verb: str  # _verb_key of the verb
    patient: frozenset[str]
    agent_name: str  # as written
    patient_name: str


_PHRASE_END = re.compile(
    r"[,;:()\"“”.!?]|\b(?:who|whom|which|that|after|before|when|while|because|over|in|on|at|"
    r"for|with|from|to|of|and|or|but|as|is|are|was|were|has|have|had|said|says)\b"
)


def _phrase_after(text: str, position: int, max_words: int = 4) -> str:
    """The words after `position` up to the end of their noun phrase, at most `max_words`."""
    rest = text[position:]
    end = _PHRASE_END.search(rest)
    return " ".join((rest[: end.start()] if end else rest).split()[:max_words])


def _phrase_before(text: str, position: int, max_words: int = 4) -> str:
    head = text[:position]
    ends = list(_PHRASE_END.finditer(head))
    return " ".join(head[ends[-1].end() if ends else 0 :].split()[-max_words:])


def _name_spans(text: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), m.group())
        for m in _NAME_SPAN.finditer(text)
        if any(
            t[:1].isupper() and t.lower().strip(".’'") not in NOT_NAMES for t in m.group().split()
        )
    ]


_NEXT_WORD = re.compile(r"\s+([a-z]+)\s+")
_BE = frozenset("is are was were".split())
_AUXILIARY = _BE | {"has", "have", "had"}
_ANY_AUXILIARY = _AUXILIARY | {"be", "been", "being"}


def _passive_patient(own: str, position: int) -> str:
    """Who the passive verb phrase at `position` was done to: the noun phrase before it, or,
    where an appositive stands between ("George Zimmerman, the volunteer facing charges, is
    being sued by ..."), the sentence's first name."""
    patient = _phrase_before(own, position)
    if not content_words(patient):
        spans = [span for span in _name_spans(own[:position]) if span[0] < 3]
        patient = spans[0][2] if spans else patient
    return patient


def roles(text: str) -> list[Role]:
    """The (agent, verb, patient) triples a sentence states: a name, the verb right after it
    and the noun phrase it acts on ("CNN sues two EMTs"), and the passive "A is <verb>ed by B"
    read as B acting on A. Agent and patient are compared by their content words."""
    own = outside_quotations(text)
    found: list[Role] = []
    for _, end, name in _name_spans(own):
        verb = _NEXT_WORD.match(own, end)
        if verb is not None and verb.group(1) in _AUXILIARY:
            # "CNN is suing two EMTs", "CNN has sued two EMTs": the verb after the auxiliary
            after = _NEXT_WORD.match(own, verb.end() - 1)
            form = ("ing",) if verb.group(1) in _BE else ("ed", "en")
            verb = after if after and after.group(1).endswith(form) else None
        if verb is None or verb.group(1) in STOP_WORDS:
            continue
        if own[verb.end() :].startswith("by "):
            continue  # a headline's passive, "Calder sued by a security firm"
        patient = _phrase_after(own, verb.end())
        agent_words, patient_words = (
            frozenset(content_words(name)),
            frozenset(content_words(patient)),
        )
        if agent_words and patient_words and not agent_words & patient_words:
            found.append(Role(agent_words, _verb_key(verb.group(1)), patient_words, name, patient))
    for match in _PASSIVE_BY.finditer(own):
        agent = _phrase_after(own, match.end())
        patient = _passive_patient(own, match.start())
        agent_words, patient_words = (
            frozenset(content_words(agent)),
            frozenset(content_words(patient)),
        )
        if agent_words and patient_words and not agent_words & patient_words:
            found.append(
                Role(agent_words, _verb_key(match.group(1)), patient_words, agent, patient)
            )
    return found


_PASSIVE_NO_AGENT = re.compile(
    r"\b(?:is|are|was|were|been|being)\s+(?:(?:being|been|also|reportedly|allegedly|later|"
    r"then|now|first)\s+)*([a-z]+ed)\b(?!\s+by\b)"
)


def acted_on(text: str) -> list[Role]:
    """Who a sentence's passive without an agent says was acted on ("Amanda Longacre, a
    24-year-old Bear resident, was stripped of her title"), as triples with no agent; a pronoun
    ("she was told") names no one and gives none."""
    own = outside_quotations(text)
    found: list[Role] = []
    for match in _PASSIVE_NO_AGENT.finditer(own):
        patient = _passive_patient(own, match.start())
        words_ = frozenset(content_words(patient))
        if words_:
            found.append(Role(frozenset(), _verb_key(match.group(1)), words_, "", patient))
    return found


# A headline's passive has no auxiliary: "Zimmerman's security firm sued for $27,000" says
# the firm was sued, whoever sued it.
_HEADLINE_PASSIVE = re.compile(
    r"^(.+?)\s+([a-z]+ed)(?:\s+(?:for|over|after|in|on|at|of|from|with|to|as)\b|$)"
)


def headline_roles(headline: str) -> list[Role]:
    """The triples of a headline: those of a sentence, plus its bare passive read as someone
    (no agent) acting on the noun phrase before the verb."""
    found = roles(headline)
    match = _HEADLINE_PASSIVE.match(outside_quotations(headline).strip())
    if match and not _ANY_AUXILIARY & {w.lower() for w in match.group(1).split()}:
        # its head: "Zimmerman's ... company" is the company, not Zimmerman
        patient = frozenset(content_words(match.group(1).split()[-1]))
        if patient:
            found.append(Role(frozenset(), _verb_key(match.group(2)), patient, "", match.group(1)))
    return found


def reversed_roles(text: str, source_roles: Sequence[Role], headline: bool = False) -> str | None:
    """Why the sentence turns round who did what to whom in its sources (None: it does not,
    or the sources do not say): a triple of the sentence whose reverse the sources state and
    which they never state as written. A headline's bare passive has no agent: it is turned
    round when the one it says was acted on is who acts in the sources, never who is acted on."""
    for said in headline_roles(text) if headline else roles(text):
        same_verb = [r for r in source_roles if r.verb == said.verb]
        if not said.agent:
            acting = [r for r in same_verb if r.agent & said.patient]
            if any(r.patient & said.patient for r in same_verb):
                continue
            if acting:
                return (
                    f"turns round who did what to whom: in the sources “{acting[0].agent_name}” "
                    f"acts on “{acting[0].patient_name}”"
                )
            if same_verb:
                # "Miss Delaware 2014 pageant stripped of title" where she was stripped of it
                return (
                    f"says “{said.patient_name}” was acted on: in the sources it is "
                    f"“{same_verb[0].patient_name}”"
                )
            continue
        if said.verb in _SYMMETRIC:
            continue
        reverse = [r for r in same_verb if r.agent & said.patient and r.patient & said.agent]
        confirmed = any(r.agent & said.agent and r.patient & said.patient for r in same_verb)
        if reverse and not confirmed:
            return (
                f"turns round who did what to whom: in the sources “{reverse[0].agent_name}” "
                f"acts on “{reverse[0].patient_name}”"
            )
    return None


# --- what the summary has said already ------------------------------------------------------
# The writer restates a fact of an earlier sentence on its way to a new one ("Lumora has received
# 23 reports of batteries overheating, ..., and three riders suffered minor burns" after the
# recall "after 23 reports of batteries overheating"; "The baby girl, identified as Areej Ali, of
# Brooklyn, was pronounced dead" after the sentence that named her). Dropping the sentence loses
# its new fact; printing it says the old one twice. The said part goes, the new one stays.
_APPOSITION_LINKS = frozenset(
    stem(w) for w in "identified named called aged age known nicknamed".split()
)
_LIST_CONTINUES = re.compile(r"(?:and|or|nor|as well as|plus)\b")
_NEW_CLAUSE = re.compile(r",\s+(?:and|but)\s+")
_CAPITALISED_AFTER_START = re.compile(r"\s[A-Z]")
_NOUN_PHRASE_START = re.compile(r"(?:a|an|the)\s", re.I)


def _facts(text: str) -> set[str]:
    return content_words(text) | numbers(text)


def _aside_said(aside: str, head: str, said: Sequence[str]) -> bool:
    """An aside about the word before it ("Stallone, 70,") that one earlier sentence gives
    together with that word: an identity said again, not a new fact."""
    if not 1 <= len(aside.split()) <= 8 or any(q in aside for q in '"“”'):
        return False
    if not (
        numbers(aside)
        or _CAPITALISED_AFTER_START.search(f" {aside}")
        or (_NOUN_PHRASE_START.match(aside) and not has_finite_verb(aside))
    ):
        return False  # "last week", "still burning": a fact of its own, not an identity
    facts = _facts(aside) - _APPOSITION_LINKS
    head_words = content_words(head.split()[-1]) if head.split() else set()
    return bool(facts) and bool(head_words) and any(facts | head_words <= _facts(s) for s in said)


def _without_said_asides(text: str, said: Sequence[str]) -> str:
    parts = text.split(", ")
    i = 1
    while i < len(parts) - 1:
        j = i
        while j < len(parts) - 1 and _aside_said(parts[j], parts[i - 1], said):
            j += 1
        # parts[i:j] are said; the part after them must not go on a list ("Homeland, Modern
        # Family, and other shows")
        if j > i and not _LIST_CONTINUES.match(parts[j]):
            return _without_said_asides(", ".join(parts[:i]) + " " + ", ".join(parts[j:]), said)
        i = j + 1
    return text


def _without_said_opening(text: str, said: Sequence[str], coverage: float) -> str:
    match = _NEW_CLAUSE.search(text)
    if match is None or any(q in text[: match.end()] for q in '"“”'):
        return text
    opening, rest = text[: match.start()], text[match.end() :]
    facts = _facts(opening)
    if not facts or not any(
        numbers(opening) <= numbers(s) and len(facts & _facts(s)) >= coverage * len(facts)
        for s in said
    ):
        return text
    # what stays must be a sentence of its own, not "it caught fire" with nothing for "it"
    if len(rest.split()) < 3 or opens_with_pronoun(rest) or not has_finite_verb(rest):
        return text
    return rest[0].upper() + rest[1:]


def without_said_parts(text: str, said: Sequence[str], coverage: float) -> str:
    """The sentence without what earlier sentences of the summary (`said`) already say: asides
    between commas that one of them gives with the same head word ("Mr. Stallone, 70, last week"
    -> "Mr. Stallone last week"), and an opening clause that one of them says (all its figures,
    `coverage` of its content words) before ", and" or ", but" and a clause of its own. The text
    as it is when nothing is said already, or when what is new could not stand alone."""
    if not said:
        return text
    return _without_said_opening(_without_said_asides(text, said), said, coverage)
