"""The project's one text toolkit: words, stems, stop words, sentences, numbers, names and
quotations. Every stage takes these from here, so that "a word" or "a name" means the same thing
in cleaning, clustering, selection, verification and the audit.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.U)
_LOWER_WORD = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*[\w]|\b[A-Z]\b")
_CLUSTER_NUMBER = re.compile(r"\b\d[\d,.:]*\d\b|\b\d\b")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
_TOKEN = re.compile(r"[\w'’.-]*\w", re.U)
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:([.:])(\d+))?\s*(a\.?m\.?|p\.?m\.?|st|nd|rd|th)?(?![\w])",
    re.I,
)
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.I)
_QUOTED = re.compile(r"[“\"]([^”\"]{8,})(?:[”\"]|$)")
_REPEATABLE = re.compile(r"\d+(?:[.:,]\d+)*|[^\W\d_]+", re.U)
_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "pair": 2,
    "twice": 2,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
# Capitalised for other reasons than being a name: sentence starts, titles, labels.
# Capitalised words that open sentences or name nothing in particular. The clustering's names
# signal leaves out these (and weekdays); the verifier's name check leaves out NOT_NAMES.
SENTENCE_OPENERS = frozenset(
    """
    the a an in on at it he she they we i but and or this that these those his her its their
    our as after before while when if for from with by of to mr mrs ms dr meanwhile however
    also there here what who why how last next earlier later since some many more most one
    two three other
    """.split()
)
# Capitalised for other reasons than being a name: sentence starts, titles, labels.
NOT_NAMES = SENTENCE_OPENERS | set(
    """
    both according officials police authorities residents during despite until under over
    about all no not so then now today yesterday tomorrow headline summary four five
    """.split()
)
_ALIAS_GROUPS = [
    ("us", "usa", "united states", "america", "united states of america"),
    ("uk", "united kingdom", "britain", "great britain"),
    ("un", "united nations"),
    ("eu", "european union"),
]
_ALIASES = {name: group for group in _ALIAS_GROUPS for name in group}


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "say", "told", "according"}


STOP_WORDS = _stopwords()


def stem(word: str) -> str:
    """Snowball (Porter 2) stem, so that "fired", "fires" and "firing" compare equal."""
    return _stemmer().stemWord(word.lower().strip("'’.-"))


def content_words(text: str) -> set[str]:
    return {
        stem(t)
        for t in _TOKEN.findall(text)
        if t.lower() not in STOP_WORDS and not t[0].isdigit() and len(t) > 1
    }


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def numbers(text: str, words: bool = True) -> set[str]:
    """Numbers in a text, normalised so that 7.10am = 7:10 am, 1,000 = 1000 and two = 2;
    `words=False`: only the figures written in digits ("one-half" is no figure)."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        whole, sep, frac, suffix = match.groups()
        whole = whole.replace(",", "")
        suffix = (suffix or "").lower()
        if suffix in ("st", "nd", "rd", "th"):
            found.add(_ordinal(int(whole)))
        elif suffix or sep == ":":
            found.add(f"{int(whole)}:{frac or '00'}")
        elif frac is not None:
            found.add(f"{whole}.{frac}")
        else:
            found.add(str(int(whole)))
    if not words:
        return found
    for match in _NUMBER_WORD.finditer(text):
        found.add(str(_NUMBER_WORDS[match.group(1).lower()]))
    for match in _ORDINAL_WORD.finditer(text):
        found.add(_ordinal(_ORDINAL_WORDS[match.group(1).lower()]))
    return found


def _bare(token: str) -> str:
    return token.replace(".", "").replace("’", "'").removesuffix("'s").lower()


def names(text: str) -> set[str]:
    """Proper names: runs of capitalised tokens, without sentence-starting function words."""
    result: set[str] = set()
    run: list[str] = []
    for token in [*_TOKEN.findall(text), ""]:
        bare = _bare(token) if token else ""
        if token and token[0].isupper() and bare not in NOT_NAMES and bare not in _NUMBER_WORDS:
            run.append(bare)
            continue
        if run:
            result.add(" ".join(run))
            run = []
    return {name for name in result if len(name) > 1}


def bare_words(text: str) -> set[str]:
    return {_bare(t) for t in _TOKEN.findall(text)}


# "Japanese" is supported by "Japan", "Korean" by "Korea"; nothing else may differ, so that
# "Harlow Athletics" is not supported by "Harlow Athletic".
_DEMONYM_ENDINGS = ("ese", "ian", "an", "n", "i", "ish")


def _word_found(word: str, source_words: set[str]) -> bool:
    if word in source_words:
        return True
    return any(
        word.startswith(w) and word[len(w) :] in _DEMONYM_ENDINGS
        for w in source_words
        if len(w) >= 4
    )


def name_found(name: str, source_words: set[str], source_text: str) -> bool:
    lowered = " ".join(_bare(t) for t in _TOKEN.findall(source_text))
    if f" {name} " in f" {lowered} ":
        return True
    aliases = _ALIASES.get(name, ())
    if any(f" {_bare(alias)} " in f" {lowered} " for alias in aliases):
        return True
    # A name written in part or in another order ("Kim", "Suga Yoshihide") is found when
    # each of its words is.
    return all(_word_found(word, source_words) for word in name.split())


def squash_words(text: str) -> str:
    """Bare lower-case tokens joined by single spaces: the form quotations are compared in."""
    return " ".join(_bare(t) for t in _TOKEN.findall(text))


def quotations(text: str) -> list[str]:
    """Quoted passages of at least eight characters, closed or running to the end of the text."""
    return _QUOTED.findall(text)


def repeatable_tokens(text: str) -> list[str]:
    """Numbers (with their separators) and runs of letters: the units a looping model repeats."""
    return _REPEATABLE.findall(text)


# --- words -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Runs of word characters: the unit of lengths and line comparisons."""
    return _WORD.findall(text)


def tokens(text: str) -> list[str]:
    """Words with their inner apostrophes, dots and hyphens ("U.S.", "O'Neill", "long-term")."""
    return _TOKEN.findall(text)


def lower_words(text: str) -> list[str]:
    """Lower-case ASCII letters and digits, the tokens of word-pair concepts."""
    return _LOWER_WORD.findall(text.lower())


# Zero-width spaces and joiners, word joiners, soft hyphens and stray byte-order marks: pages
# scatter them through words ("A\u200brwa Damon"), where they hide names from every check.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def remove_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


_TITLE_WORD = re.compile(r"[A-Z][a-z’']+(?:-[A-Za-z]+)*")


def sentence_case(headline: str, source_text: str) -> str:
    """A headline the model wrote in Title Case, in sentence case, so that the name check judges
    only real names. A capitalised word after the first is lower-cased when the sources write
    its stem in lower case ("Launches Short-Range Missiles" -> "launches short-range
    missiles"; "mother Dies" -> "mother dies"), or, in a headline whose longer words are
    mostly capitalised ("Wedding Costs Surge to $31,213"), when the sources never capitalise
    it inside a sentence or as the first word of a longer name ("North Korea fired ...")."""
    tokens_ = headline.split()
    if len(tokens_) < 2:
        return headline
    # names are matched with one apostrophe and without their possessive: the source's
    # "Jon Cryer’s" is the headline's "Jon Cryer's"
    source_text = source_text.replace("’", "'")
    cores = [re.sub(r"'s$", "", t.strip("\"“”‘’'(),:;.!?").replace("’", "'")) for t in tokens_[1:]]
    lower_stems = {stem(t) for t in tokens(source_text) if t[:1].islower()}
    capitalised = [bool(_TITLE_WORD.fullmatch(w)) for w in cores]
    # Title Case leaves short function words as they are ("Surge to $31,213, Up 4.5% from")
    judged = [c for w, c in zip(cores, capitalised, strict=True) if w.isalpha() and len(w) > 3]
    title_case = len(judged) >= 2 and sum(judged) >= 0.6 * len(judged)
    names = {m.group(0) for m in re.finditer(r"(?<=[\w,;:)\]%] )[A-Z][\w’'-]*", source_text)}
    names |= {m.group(1) for m in re.finditer(r"\b([A-Z][\w’'-]*) [A-Z][a-z]", source_text)}
    out = tokens_[:1]
    for n, (token, core) in enumerate(zip(tokens_[1:], cores, strict=True)):
        # part of a longer name the sources write ("Maritime Accident Board")
        before = f"{tokens_[n].strip(',:;')} {core}"
        after = f"{core} {cores[n + 1]}" if n + 1 < len(cores) else ""
        in_name = before in source_text or bool(after and after in source_text)
        ordinary = not in_name and (stem(core) in lower_stems or (title_case and core not in names))
        if core[:1].isupper() and not core.isupper() and not out[-1].endswith(":") and ordinary:
            token = token.replace(core, core.lower(), 1)
        out.append(token)
    return " ".join(out)


# "a 11-kilometre line", "a e-bike": the writer's article before a vowel sound. Only "a"
# before a, e, i, o or a number said with a vowel (8, 11, 18, 80-89); "a university", "a one-off"
# and "a European" are right as they are.
_VOWEL_SOUND = (
    r"(?=(?!(?:one|once|eu|Eu|ewe)\w*)(?:[aeioAEIO][a-z]|e-|8|11\b|11[-,.]|18\b|18[-,.]))"
)
# "a" after a word, or "A" opening a sentence ("Plan A is" names a plan)
_A_BEFORE_VOWEL = re.compile(r"(?:(?<=[a-z,;:] )|^)a " + _VOWEL_SOUND)
_CAPITAL_A_BEFORE_VOWEL = re.compile(r"(?:(?<=[.!?] )|^)A " + _VOWEL_SOUND)


def with_fixed_articles(text: str) -> str:
    return _CAPITAL_A_BEFORE_VOWEL.sub("An ", _A_BEFORE_VOWEL.sub("an ", text))


# Reuters instrument codes and exchange tickers: "Michael Kors (KORS.N)", "Jimmy Choo CHOO.L",
# "(NYSE: KORS)". A reader of a briefing wants the company, not its code; left in, they also
# split sentences ("Kate Spade & Co. KATE.N, as ...").
_RIC_SUFFIX = r"(?:N|O|OQ|L|PA|DE|T|HK|TO|AX|K|KS|MI|AS|SW|SS|SZ|BO|NS|F|MC|ST|CO|HE|OL|BR|VI|SI)"
_TICKER = re.compile(
    r"\s*\((?:[A-Z0-9]{2,6}\." + _RIC_SUFFIX + r"|(?:NYSE|NASDAQ|Nasdaq|LSE|TSX|AMEX|OTC)"
    r"(?:\s*American)?\s*:\s*[A-Z][A-Z.]{0,6})\)"
    r"|(?<=[A-Za-z&.)]) [A-Z0-9]{2,6}\." + _RIC_SUFFIX + r"(?=[\s,;:)]|\.?$)"
)


def without_tickers(text: str) -> str:
    return _TICKER.sub("", text)


def normalize_space(text: str) -> str:
    return " ".join(remove_invisible(text).split())


# --- names and numbers as clustering counts them ---------------------------------------

_NAME_STOP = {w.capitalize() for w in SENTENCE_OPENERS} | set(WEEKDAYS)


def capitalised_names(text: str) -> list[str]:
    """Capitalised tokens that may be names, lower-cased, one entry per mention."""
    found = []
    for match in _CAPITALISED.finditer(text):
        token = match.group().strip(".'’")
        if token and token not in _NAME_STOP and len(token) > 1:
            found.append(token.lower().replace(".", ""))
    return found


def number_tokens(text: str) -> list[str]:
    """Numbers as written (thousands separators dropped), one entry per mention."""
    return [m.group().replace(",", "") for m in _CLUSTER_NUMBER.finditer(text)]


def weekdays_named(text: str) -> list[str]:
    return [m.group(1) for m in _WEEKDAY.finditer(text)]


# --- sentences ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


# pysbd's time grows with the square of the text it is given (a 96 KB paragraph took 20 s, a
# 1 MB one would take hours): a longer paragraph is cut at likely sentence ends into pieces of
# about this many characters, each split by pysbd.
PYSBD_CHUNK = 2000
# A paragraph longer than this is no news paragraph (scraped junk, a page dumped on one line):
# it is cut at likely sentence ends alone, without pysbd, in linear time.
PYSBD_MAX_PARAGRAPH = 20_000
_LIKELY_END = re.compile(r"[.!?][\"”’)\]]?\s+(?=[\"“‘(\[]?[A-Z0-9])")


def _chunks(text: str) -> list[tuple[int, int]]:
    chunks = []
    start = 0
    while len(text) - start > PYSBD_CHUNK:
        limit = start + PYSBD_CHUNK
        cut = None
        for match in _LIKELY_END.finditer(text, start + PYSBD_CHUNK // 2, limit):
            cut = match.end()
        if cut is None:  # no sentence end in reach: cut between words
            space = text.rfind(" ", start + 1, limit)
            cut = space + 1 if space > start else limit
        chunks.append((start, cut))
        start = cut
    chunks.append((start, len(text)))
    return chunks


def split_paragraph(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph (pysbd's rules)."""
    if len(text) > PYSBD_MAX_PARAGRAPH:
        return _split_at_likely_ends(text)
    spans: list[tuple[int, int]] = []
    for offset, chunk_end in _chunks(text):
        chunk = text[offset:chunk_end]
        cursor = 0
        # pysbd's segment() then finds each sentence again with a regex of its own over the
        # whole text (quadratic, and one compiled pattern per sentence); the processor's
        # sentences are the same strings, and they are found below with str.find.
        for piece in _segmenter().processor(chunk).process() if chunk.strip() else []:
            piece = piece.strip()
            if not piece:
                continue
            start = chunk.find(piece, cursor)
            if start < 0:  # pysbd changed the text; fall back to the rest of the chunk
                piece = chunk[cursor:].strip()
                if not piece:
                    break
                start = chunk.find(piece, cursor)
            if spans and _CONTINUES.match(piece):
                # pysbd ends a sentence at "U.S." even in "U.S.-North Korea ties"; a piece that
                # starts with a hyphen, a closing mark or a lower-case word continues the last one.
                spans[-1] = (spans[-1][0], offset + start + len(piece))
            else:
                spans.append((offset + start, offset + start + len(piece)))
            cursor = start + len(piece)
    return spans


def _split_at_likely_ends(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _LIKELY_END.finditer(text):
        end = match.start() + len(match.group().rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


# Where a run-on sentence may be cut: after a semicolon, colon, dash or comma.
_CLAUSE_END = re.compile(r"(?<=[;:,])\s+|\s+[—–]\s+|\s+-\s+")


def cap_sentence(text: str, max_words: int) -> list[tuple[int, int]]:
    """Character spans of `text` with at most `max_words` words each: the whole text when it is
    short enough, else its clauses joined greedily up to the limit; a clause longer than the
    limit on its own is left out (run-on text is never handed on whole)."""
    if len(text.split()) <= max_words:
        return [(0, len(text))]
    clauses = []
    start = 0
    for match in _CLAUSE_END.finditer(text):
        clauses.append((start, match.start()))
        start = match.end()
    clauses.append((start, len(text)))
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    current_words = 0
    for clause_start, clause_end in clauses:
        count = len(text[clause_start:clause_end].split())
        if current is not None and current_words + count <= max_words:
            current = (current[0], clause_end)
            current_words += count
            continue
        if current is not None:
            spans.append(current)
        current, current_words = (clause_start, clause_end), count
        if count > max_words:
            current, current_words = None, 0
    if current is not None:
        spans.append(current)
    return spans


_CONTINUES = re.compile(r"^(?:[-–—,;:)\]]|[a-z])")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, whitespace normalised."""
    if not text.strip():
        return []
    flat = normalize_space(text)
    return [flat[a:b] for a, b in split_paragraph(flat)]


# --- hedges and attributions -------------------------------------------------------------

# Words that make a claim less than a fact: a belief, an allegation, a plan, a possibility, a
# report. A sentence that rests on lines holding one must keep one (any of them, or an
# attribution), or it states as fact what the source only reports.
_HEDGE = re.compile(
    r"\b(believed?|believes|allegedly|alleged|reportedly|suspected|apparently|possibly|"
    r"probably|likely|unlikely|may|might|could|would|expected|plans?|planned|proposed|"
    r"intends?|aims?|hopes?|claims?|claimed|accused|denied|denies|estimated|about|"
    r"around|nearly|almost|up to|at least|more than|according to|said|says|told|"
    r"insisted|suggest|suggests|suggested|warned|feared|fears|thought|promised?|promises|"
    r"pledged?|claim|sues|sued|alleges|agreed|agrees|agree|scheduled)\b",
    re.I,
)
# Of those, the ones whose loss changes what is claimed (quantifiers and attributions alone
# are left to the other checks: "about 40" keeps its number, "said" its name).
_STRONG_HEDGES = frozenset(
    """
    believed believe believes allegedly alleged reportedly suspected apparently possibly
    probably likely unlikely may might could would expected plan plans planned proposed intend
    intends aim aims hope hopes claim claims claimed accused denied denies estimated feared
    fears thought suggested alleges agreed agrees agree scheduled
    """.split()
)


# Nouns as often as verbs: a hedge only as "plans to", "hopes that".
_HEDGE_ONLY_AS_VERBS = frozenset("plan plans aim aims hope hopes".split())
# A deal agreed is not a deal done ("agreed to buy Jimmy Choo" is no "acquired Jimmy Choo"),
# nor talks scheduled talks held; but "agreed that" or "the scheduled flight" plans nothing.
_HEDGE_ONLY_BEFORE_TO = frozenset("agreed agrees agree scheduled".split())


def hedges(text: str) -> set[str]:
    """The hedge and attribution words of a text, lower-cased ("up to" and "according to" as
    written)."""
    return {m.group(1).lower() for m in _HEDGE.finditer(text)}


def strong_hedges(text: str, about: set[str] | None = None, window: int = 4) -> set[str]:
    """The hedges of a text that mark a claim as belief, allegation, plan or possibility; with
    `about` (content-word stems), only hedges with one of those stems within `window` words:
    "it said it would resume talks" hedges the talks, not the launch in the same sentence."""
    found = set()
    tokens_ = tokens(text)
    lowered = [t.lower() for t in tokens_]
    for i, word in enumerate(lowered):
        if word not in _STRONG_HEDGES:
            continue
        if word in _HEDGE_ONLY_AS_VERBS and lowered[i + 1 : i + 2] not in (["to"], ["that"]):
            continue  # "approved plans for a tram line": a plan approved, not a plan to
        if word in _HEDGE_ONLY_BEFORE_TO and lowered[i + 1 : i + 2] != ["to"]:
            continue

        if about is not None:
            near = tokens_[max(0, i - window) : i + window + 1]
            if not content_words(" ".join(near)) & about:
                continue
        found.add(word)
    return found


# --- sentence openings -------------------------------------------------------------------

_PRONOUN_OPENING = re.compile(
    r"^[\"“‘']?(he|she|it|they|we|i|his|her|its|their|our|this|these|those|him|them)\b", re.I
)


def unbalanced_quotes(text: str) -> bool:
    """True when a sentence closes a quotation it never opened, or the reverse: a piece cut
    from inside a quoted passage ('I never saw so many dogs," said the officer.')."""
    opening = text.count("“") + text.count("‘")
    closing = text.count("”") + text.count("’") - len(re.findall(r"\w’\w", text))
    straight = text.count('"')
    return opening != closing or straight % 2 == 1


def is_question(text: str) -> bool:
    """The text ends in a question mark (closing quotation marks aside)."""
    return text.rstrip(" \"”’'").endswith("?")


def opens_with_pronoun(text: str) -> bool:
    """True when a sentence starts with a pronoun, which means nothing as a story's opening."""
    return bool(_PRONOUN_OPENING.match(text.strip()))


# Words that make a clause say that something happened: auxiliaries and common irregular
# pasts; regular pasts are found by their ending. (No part-of-speech tagger ships offline in
# a small package; a headline needs only this much.)
_FINITE_VERBS = frozenset(
    """
    is are was were has have had will would can could may might must shall should does did
    says won fell hit struck said told took made found gave went came ran saw left lost began
    broke brought bought built caught chose drove fought flew got grew held kept knew led met
    paid put rose sold sent set shot shut sought spoke spent stood stole swore taught threw
    understood woke wore wrote bit ate dies wins falls hits says sues
    """.split()
)


def has_finite_verb(text: str) -> bool:
    return any(
        w in _FINITE_VERBS or (len(w) > 3 and w.endswith("ed"))
        for w in (t.lower() for t in words(text))
    )


def words_in_order(part: str, whole: str) -> bool:
    """Every word of `part` stands in `whole`, in the same order (words may be left out
    between them, none added): a clause cut from a line with its asides and auxiliaries
    left out ("Two cubs born at the zoo" from "Two cubs were born at the zoo")."""
    rest = iter(w.lower() for w in words(whole))
    return all(any(w == x for x in rest) for w in (t.lower() for t in words(part)))
