"""Page furniture: the lines of a saved page that are not the article (menus, share and
subscribe call-outs, captions, bylines, time stamps, video-player and cookie notices, crawl
notes). Three layers, each catching what the one before lets through:

1. rules: patterns for the common kinds (`rule_reason`);
2. repetition: a line found in files of one outlet (or one folder, for files that name no
   outlet) that are not copies of one story (`repeated_lines`);
3. a line classifier: a logistic regression over hashed words, character n-grams and the
   line's shape, trained by benchmarks/train_furniture.py on lines labelled by hand
   (briefing/data/furniture_labels.tsv) and shipped as JSON coefficients (`FurnitureModel`).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from briefing.records import Article
from briefing.text import words

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

SECTION_LABEL = "section label"
EMBEDDED_POST = "embedded social-media post"
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_POST_DATE = _MONTHS + r"\s+\d{1,2},?\s+\d{4}(\s+at\s+\d{1,2}:\d{2}\s*[ap]\.?m\.?(\s+[a-z]{2,4})?)?"
# An embedded post as a page saved as text shows it: the post's words, then its attribution,
# "— Name (@handle) June 20, 2017" (Twitter) or "A post shared by Name (@handle) on Jun 20,
# 2017 at 10:33am PDT" (Instagram), with the post's picture and short links before it. The
# words are quoted text (briefing/data/furniture_labels.tsv labels them so); the attribution
# and the links are furniture.
_POST_ATTRIBUTION = re.compile(
    r"(\s*(https?://t\.co/\S+|pic\.twitter\.com/\S+))*"
    r"(\s*([—–]|-{1,2})\s*[^—–()]{0,60}?\s*\(@[\w.]{1,30}\)\s+"
    + _POST_DATE
    + r"|\s*\ba post shared by\b.{0,80}?\(@[\w.]{1,30}\)\s+on\s+"
    + _POST_DATE
    + r")\s*\.?$",
    re.I,
)
# the attribution alone, its dash lost to a sentence split: "Ghostface Killah (@ghostface) June
# 20, 2017."
_BARE_ATTRIBUTION = re.compile(
    r"[^—–()!?-]{1,40}?\(@[\w.]{1,30}\)\s+" + _POST_DATE + r"\s*\.?", re.I
)
_POST_LINKS = re.compile(r"(\s*(https?://t\.co/\S+|pic\.twitter\.com/\S+))+\s*$", re.I)
POST_TAIL_CHARS = 200  # an attribution and its links fit in this many characters


def without_post_attribution(line: str) -> str:
    """The line without the attribution and links of an embedded post it ends with (the
    line itself when it ends with none)."""
    if _BARE_ATTRIBUTION.fullmatch(line.strip()):
        return ""
    tail_start = max(len(line) - POST_TAIL_CHARS, 0)
    tail = line[tail_start:]
    found = _POST_ATTRIBUTION.search(tail) or _POST_LINKS.search(tail)
    if found is None:
        return line
    return line[: tail_start + found.start()].rstrip()


# "Here's what you need to know", "here are ten of the most memorable things he heard": the
# page introducing what it holds.
_HERE_IS = (
    r"here(['’]s| is| are) (a look|what|how|(the|our) (full|complete) \w+|"
    r"(a|an|our) (sampling|list|roundup|rundown|selection|timeline|recap|breakdown|guide)\b|"
    r"(some|all|\w+) of (the|our) (most|best|top)\b|the (\d+|\w+) (most|best|top)\b)"
)
# "Celebuzz compiled a list of the best and worst moments": the page's list, not the event.
_OWN_LIST = re.compile(
    r"\b(compiled|compiles|compiling|put together|rounded up|rounds up|picked|selected)\b[^.]{0,30}"
    r"\b(list|roundup|round-up|rundown|selection|gallery) of (the |our |its )?"
    r"(best|worst|top|most|biggest|favou?rite)\b",
    re.I,
)
# Within a sentence ("X was there, and here are ten of the most memorable things he heard"),
# not within a line: a paragraph holding such a sentence keeps its other sentences.
_HERE_IS_INSIDE = re.compile(r"\b" + _HERE_IS, re.I)
OWN_CONTENT = "the page introducing its own content"
CALL_TO_READ = "call to read, click or watch"
# The outlet turning to its reader: how to help, donate, learn more or tip off the police.
# Sentence by sentence, never a whole paragraph: "Anyone with information is asked to call
# police. The man, 34, was ..." keeps its news. Someone's words are news: "The public can
# help by ..., the mayor said" stays.
_ATTRIBUTED = re.compile(r"\b(said|says|told|according to)\b", re.I)
_APPEAL = re.compile(
    r"^(the public|readers|viewers|members of the public|you|anyone|those)"
    r"( who| interested| wishing| wanting)?[^.]{0,40}? (can|may|could|should|are|is) (also )?"
    r"(help|donate|contribute|(asked|encouraged|urged|invited) to (call|contact|email|donate|"
    r"visit|submit|send|help|reach))\b"
    r"|^(to|if you (want|would like|wish) to) (donate|help|volunteer|learn more|find out more|"
    r"get involved|adopt|register|apply|contribute|contact|report)\b[^.]{0,60}, "
    r"(visit|call|go to|see|contact|email|e-mail|text|click)\b"
    r"|^for more (information|details|info)\b[^.]{0,40}, (visit|call|go to|see|contact|email|"
    r"click|log on)\b"
    r"|^(anyone|those) with (any )?information\b"
    r"|^if you (or someone you know|have (any )?information|need help)\b",
    re.I,
)
APPEAL_TO_READER = "appeal to the reader (help, donate, call, learn more)"

_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "comment form",
        re.compile(
            r"^(leave a (reply|comment)|post comment|submit comment|cancel reply)\b"
            r"|your email address will not be published|required fields are marked"
            r"|^(name|email|website|comment)\s*\*?$|^\d+ comments?\b|comments? (for this post )?"
            r"(are|is) (now )?closed|\bshare your (own )?(thoughts|views|comments)\b"
            r"|\b(tell|let) us (know )?in the comments\b|\bposting them in the comments\b",
            re.I,
        ),
    ),
    (
        "call to follow or subscribe",
        re.compile(
            r"\b(join|follow|subscribe|sign up|like us|download)\b.{0,60}"
            r"\b(telegram|whatsapp|twitter|facebook|instagram|youtube|tiktok|channel|newsletter|"
            r"us on|our app|\w+ app|podcast|alerts)\b"
            r"|^(follow|like) (us|me|\w+)( at| on)?:? ?(https?://|\w+\.com)"
            r"|\b(email|e-mail) sign up\b|\bin your inbox\b|\bbreaking news (emails|alerts)\b"
            r"|\bjoin our mailing list\b",
            re.I,
        ),
    ),
    (
        "e-mail or contact call-out",
        re.compile(
            r"^(please )?(e-?mail|write to|contact|send)\b.{0,80}@[\w-]+\.\w"
            r"|^[\w.+-]+@[\w-]+\.[\w.]+$|\bcan be reached at\b|^have your say\b"
            r"|\bsend us your (images|photos|pictures|videos?|stories)\b",
            re.I,
        ),
    ),
    (
        "navigation",
        re.compile(
            r"^(latest|related|trending|top|more|recommended|popular|breaking|editor'?s picks?|"
            r"local|most read|most popular)"
            r"( news| stories| articles| posts| reads| headlines| videos| news articles)?\s*"
            r"(:|more\s*>+|>+)?$"
            r"|^(read|see) (more|next|also)\b|^(advertisement|sponsored( content)?|skip to content)"
            r"(\s+continue reading the main story)?$"
            r"|^share (this|on)\b|\bclick here\b|^(previous|next) (post|article|story)\b"
            r"|^tags?:|^filed under\b|^(more|related|also read|our view|other views|read more "
            r"about)\s*:|\bmore\s*>>|^page \d+ of \d+$|^print( this (article|page|story))?$"
            r"|^(text size|font size)\b|^story continued below$|^slideshow \(\d+ images?\)$"
            r"|^\W+$|\bread or share this story\b|^(home|news|sport|weather)( \| \w+){2,}",
            re.I,
        ),
    ),
    (
        "video or media player",
        re.compile(
            r"\b(enable|turn on) javascript\b|\bjavascript (is )?(required|disabled)\b"
            r"|\bbrowser (does not|doesn't) support\b|\bhtml5 capable browser\b"
            r"|^(play|watch|replay)( video| now)?$|^play (facebook|twitter|video)\b|\bjust watched\b"
            r"|\breplay more videos\b|\bmust watch\b|^skip in skip\b|\bmedia playback is "
            r"unsupported\b|^close (video|skip)\b|\bautoplay\b|\bloading (the )?video\b"
            r"|\bvideo (is )?unavailable\b|\brating is available when the video has been rented\b"
            r"|^scroll down for video\b|^\[?video:|\bembed code\b|\bcopy this code to your\b"
            r"|^this feature is not available right now\b|\binteractive transcript could not be "
            r"loaded\b",
            re.I,
        ),
    ),
    (
        # a video's caption under the player's close button ("CLOSE The Dow Jones industrial
        # average plunged ... (Feb. 5) USA TODAY"): in capitals, unlike the verb opening news
        "video or media player",
        re.compile(r"^CLOSE [A-Z\"“]"),
    ),
    (
        "cookie or consent notice",
        re.compile(r"\b(we|this site) uses? cookies\b|\baccept (all )?cookies\b", re.I),
    ),
    (
        "social-media widget",
        re.compile(
            r"^tweet with a location$|\badd (a )?location( information)? to your tweets\b"
            r"|\bwhen you tweet with a location\b|\btweet location history\b"
            r"|^a post shared by\b|^view this post on instagram$"
            r"|^(facebook|twitter|pinterest|email|share)( (facebook|twitter|pinterest|email|"
            r"share|copy link))+\b",
            re.I,
        ),
    ),
    (
        "web-archive crawl note",
        re.compile(
            r"\bcrawl (data|start|end)\b|^crawl of\b|\bcrawls are part of an effort\b|\bwayback machine\b"
            r"|\barchive-?it\b|\bweb (wide )?crawl\b|\bseed ?list\b|\bthe seed for \w+\b"
            r"|\bwide\d{5}\b|\bwarc files?\b|\binternet archive\b.{0,80}\bcrawl"
            r"|^this crawl (was|is)\b|\bcrawls (were )?performed by\b",
            re.I,
        ),
    ),
    (
        "time stamp",
        re.compile(
            r"^\(?(updated|published|posted|last updated|first published|modified)\b[\s:|,]*"
            r"(at |on )?[\w.,: ]{0,40}(\d{1,2}[:.]\d{2}|\d{4}|\bago\b)[^!?]{0,25}\)?$"
            r"|^\(?(updated|published|posted)( on| at)?\b.{0,40}\)$"
            r"|^\(published \w+day\b.*\)$|\(published \w+day, \w+\.? \d{1,2}, \d{4}\)",
            re.I,
        ),
    ),
    (
        "byline",
        # a name of two to five capitalised words, perhaps a role: "By Anna Keller, Staff Writer"
        # ("By Tuesday, the river had risen." is a sentence)
        re.compile(r"^[Bb][Yy]\s+[A-Z][\w.'’-]+(\s+(and\s+)?[A-Z][\w.'’-]+){1,4}(,.{0,40}[^.])?$"),
    ),
    (
        # The outlet telling its reader what to do next or what its page holds: "Read on for
        # the night's best moments", "Click through the gallery", "..., and here are ten of
        # the most memorable things he heard". Anchored at the start (a quotation mark aside),
        # as "Witnesses shared photos" or '"Read the report," she said' are news.
        CALL_TO_READ,
        re.compile(
            r"^[\"“‘']?(read on|read more|keep reading|click|tap|scroll|swipe|check out|sign up|"
            r"subscribe|follow us|take a look|see more|see the|find out|don't miss|watch the|"
            r"watch our|listen to|download|share this|like us)\b"
            r"|^(and |so )?" + _HERE_IS,
            re.I,
        ),
    ),
    (
        "story highlights or teaser",
        re.compile(r"^story highlights\b|^image \d+ of \d+$", re.I),
    ),
    (
        # The name of a site's section standing alone: over an article it is a heading, over
        # one short paragraph and nothing else it marks a section-front teaser (clean skips
        # such a file).
        SECTION_LABEL,
        re.compile(
            r"^(features?|entertainment|lifestyle|opinion|sports?|business|politics|world|"
            r"culture|arts|style|travel|health|tech|technology|science|celebrity|celebrities|"
            r"tv|movies|music|local|national|u\.?s\.?|news|top stories|in pictures)$",
            re.I,
        ),
    ),
    (
        "credit line",
        re.compile(
            r"^(thanks to the )?courtesy( of)?\b|^(additional )?reporting by\b"
            r"|^(editing|edited|writing|compiled) by\b|^(photo|image|picture|video)s?( credit)?:"
            r"|^credits?\s*:"
            r"|\((reporting|editing) by\b",
            re.I,
        ),
    ),
    (
        # A line addressed to a summarising model is never article text, and citing it would
        # hand the attacker a citation.
        "instruction to a model (prompt injection)",
        re.compile(
            r"\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all|any)\b.{0,20}"
            r"\b(instructions?|prompts?|rules)\b|\bsystem prompt\b"
            r"|\byou are (now )?(an? )?(ai|language model|chatbot|assistant)\b",
            re.I,
        ),
    ),
    (
        "photo caption",
        re.compile(
            r"getty images|\bafp\s*/|/\s*afp\b|\bap photo\b|shutterstock|\breuters\s*/|/tns\)"
            r"|^image copyright\b|\bimage caption\b|^file photo:|\((photo|image|via)"
            r"( via)?:? [\w .,'/-]{1,40}\)$|\((via )?(facebook|twitter|instagram)\)$"
            r"|^(in this|this)\b.{0,50}\bphoto\b|\benlarge this image\b|\(courtesy of [^)]{1,60}\)$"
            r"|\btoggle caption\b|\bphoto illustration by\b|\bread caption\b",
            re.I,
        ),
    ),
    (
        "gallery teaser",
        re.compile(r"\bin (our|the) (photo )?gallery\b|\bphotos?:? see (more|the)\b", re.I),
    ),
    (
        "copyright or syndication",
        re.compile(
            # "copyright" alone is also a subject of news (a court case on copyrighting a
            # language), so only its notice forms count
            r"©|\(c\)\s*\d{4}|^copyright\b|\bcopyright (\d{4}|by|of)\b|all rights reserved"
            r"|\bdistributed by\b"
            r"|\bcontent agency\b|\bsyndicat(ed|ion)\b"
            r"|this (article|story|post|page|report) (was |first |has been )?(originally )?(appeared|published|"
            r"updated)|\bfirst appeared in the\b",
            re.I,
        ),
    ),
]
# "0 3 min 2 yrs", "5 min read", "2 hours ago": stamps of a page template, not sentences.
_STAMP = re.compile(
    r"^[\d\s|·•:/-]*(\d+\s*(min|mins|minutes?|hrs?|hours?|days?|wks?|weeks?|yrs?|years?)"
    r"(\s*(read|ago))?[\s|·•]*)+$",
    re.I,
)
# A list of linked teasers repeats each headline: "Fire Displaces 18 Fire Displaces 18 A fire..."
_REPEATED_OPENING = re.compile(r"^(?P<head>(\S+\s+){3,15}?)(?P=head)")


# A paragraph that opens as furniture (a gallery, a list of teasers, a video player) is
# furniture; one that only holds a furniture sentence ("CLICK HERE to ...", "© 2015 Wiley")
# keeps its other sentences, since clean checks every sentence again. Judging long lines by
# their opening also keeps a megabyte-long paragraph from costing seconds of regex time.
LONG_LINE_CHARS = 450
OPENING_CHARS = 300


def rule_reason(line: str) -> str | None:
    """Why a line is page furniture by the general rules, or None."""
    text = line.strip()
    if not text:
        return None
    if not without_post_attribution(text).strip(" .-—–"):
        return EMBEDDED_POST  # an embedded post's attribution or picture link on its own
    if len(text) > LONG_LINE_CHARS:
        text = text[:OPENING_CHARS]
    for reason, pattern in _RULES:
        if pattern.search(text):
            return reason
    if _STAMP.match(text):
        return "page stamp"
    if _REPEATED_OPENING.match(text + " "):
        return "linked teaser (headline repeated)"
    return None


def sentence_reason(sentence: str) -> str | None:
    """Why one sentence is furniture: the line rules, the page announcing its own content
    anywhere in the sentence, and an appeal to the reader."""
    reason = rule_reason(sentence)
    if reason is None and _HERE_IS_INSIDE.search(sentence[:OPENING_CHARS]):
        return OWN_CONTENT
    opening = sentence.lstrip(" \"“‘'")[:OPENING_CHARS]
    if reason is None and _APPEAL.search(opening) and not _ATTRIBUTED.search(opening):
        return APPEAL_TO_READER
    return reason


def teaser_reason(sentence: str) -> str | None:
    """Why a sentence may stay in an article (it names who and what, and links the files of
    one event) but is never printed as news: the outlet's own list ("From Julia
    Louis-Dreyfus' speech to Jon Cryer's win, Celebuzz has compiled a list of the best and
    worst moments")."""
    return OWN_CONTENT if _OWN_LIST.search(sentence[:OPENING_CHARS]) else None


# --- layer 2: lines repeated across files ---------------------------------------------------

REPEAT_MIN_FILES = 3  # a sentence-like line must repeat in this many unrelated files
REPEAT_MIN_FILES_SHORT = 2  # a line that is not a sentence: two unrelated files are enough
MAX_REPEATED_LINE_WORDS = 60
_COPY_LINE_WORDS = 8  # lines this long shared by two files make them copies of one story
_SENTENCE_END = re.compile(r"[.!?\"”’)]\s*$")


def normal_line(line: str) -> str:
    return " ".join(words(line.lower()))


def _group(article: Article) -> str:
    """Files of one outlet, or, where no outlet is named, of one folder."""
    if article.outlet:
        return "outlet:" + article.outlet
    return "folder:" + article.path.rpartition("/")[0]


class _Families:
    """Union-find over articles: files that share two or more long lines (the same wire story
    on two sites, a re-saved copy) form one family, and count once when a line repeats."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def repeated_lines(articles: Sequence[Article]) -> dict[str, set[str]]:
    """Per outlet or folder (`_group`), the normalised lines that are furniture because they
    repeat in files that are not copies of one another."""
    by_group: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_group[_group(article)].append(article)
    repeated: dict[str, set[str]] = {}
    for group, members in by_group.items():
        if len(members) < REPEAT_MIN_FILES_SHORT:
            continue
        files_with: dict[str, set[str]] = defaultdict(set)
        for article in members:
            for line in article.lines:
                norm = normal_line(line)
                if norm and len(norm.split()) <= MAX_REPEATED_LINE_WORDS:
                    files_with[norm].add(article.id)
        families = _Families()
        shared_long: dict[tuple[str, str], int] = defaultdict(int)
        for norm, ids in files_with.items():
            if len(ids) < 2 or len(norm.split()) < _COPY_LINE_WORDS or len(ids) > 50:
                continue
            ordered = sorted(ids)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    shared_long[(a, b)] += 1
        for (a, b), count in shared_long.items():
            if count >= 2:
                families.join(a, b)
        found = set()
        for norm, ids in files_with.items():
            if len(ids) < REPEAT_MIN_FILES_SHORT:
                continue
            distinct = len({families.find(i) for i in ids})
            sentence_like = len(norm.split()) > 6
            need = REPEAT_MIN_FILES if sentence_like else REPEAT_MIN_FILES_SHORT
            if distinct >= need:
                found.add(norm)
        if found:
            repeated[group] = found
    return repeated


def group_of(article: Article) -> str:
    return _group(article)


# --- layer 3: the line classifier -------------------------------------------------------------

MODEL_FILE = "furniture_model.json"
MAX_CLASSIFIED_WORDS = 60  # longer lines are paragraphs: the rules judge them, not the model
WORD_FEATURES = 2**12
CHAR_FEATURES = 2**12
_VERB = re.compile(
    r"\b(is|are|was|were|be|been|has|have|had|do|does|did|will|would|can|could|may|might|"
    r"must|should|said|says|say|told|tells|\w{3,}ed|\w{3,}es)\b",
    re.I,
)
_URL = re.compile(r"https?://|www\.|\.com\b|\.org\b|\.ly/", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?|gmt|et|bst|utc)?\b", re.I)
_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I
)

SHAPE_FEATURES = (
    "log_words",
    "log_chars",
    "ends_like_sentence",
    "has_verb",
    "capitalised_share",
    "digit_share",
    "all_caps",
    "has_url",
    "has_email",
    "has_at_or_hash",
    "has_pipe_or_arrows",
    "has_clock",
    "has_month_day",
    "starts_with_quote",
    "in_brackets",
    "position",
    "first_line",
    "last_line",
)


def shape_features(line: str, position: float, first: bool, last: bool) -> list[float]:
    text = line.strip()
    tokens = text.split()
    count = max(len(tokens), 1)
    letters = [t for t in tokens if t[:1].isalpha()]
    return [
        math.log1p(len(tokens)),
        math.log1p(len(text)) / 5,
        float(bool(_SENTENCE_END.search(text))),
        float(bool(_VERB.search(text))),
        sum(t[:1].isupper() for t in letters) / max(len(letters), 1),
        sum(ch.isdigit() for ch in text) / max(len(text), 1),
        float(text.isupper() and any(ch.isalpha() for ch in text)),
        float(bool(_URL.search(text))),
        float(bool(_EMAIL.search(text))),
        float("@" in text or "#" in text),
        float("|" in text or ">>" in text or "»" in text or "➜" in text),
        float(bool(_CLOCK.search(text))),
        float(bool(_MONTH.search(text))),
        float(text[:1] in "\"“‘'"),
        float(text[:1] in "([" and text[-1:] in ")]"),
        position,
        float(first),
        float(last) / count**0.5,
    ]


def _vectorizers() -> tuple:
    # Hashing needs no vocabulary to ship: the same function at training and at run time.
    from sklearn.feature_extraction.text import HashingVectorizer

    word = HashingVectorizer(
        n_features=WORD_FEATURES,
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",
        alternate_sign=False,
        norm="l2",
    )
    char = HashingVectorizer(
        n_features=CHAR_FEATURES,
        analyzer="char_wb",
        ngram_range=(3, 4),
        alternate_sign=False,
        norm="l2",
    )
    return word, char


@dataclass(frozen=True)
class LineContext:
    """Where a line sits in its file: position in 0..1 among the non-empty lines, and whether
    it is the first or the last of them."""

    position: float = 0.5
    first: bool = False
    last: bool = False


def feature_matrix(lines: Sequence[str], contexts: Sequence[LineContext]) -> csr_matrix:
    """The classifier's features: hashed words and word pairs, hashed character 3-4-grams,
    and the shape of each line."""
    from scipy.sparse import csr_matrix, hstack

    word, char = _vectorizers()
    shapes = [
        shape_features(line, c.position, c.first, c.last)
        for line, c in zip(lines, contexts, strict=True)
    ]
    return hstack([word.transform(lines), char.transform(lines), csr_matrix(shapes)]).tocsr()


def line_contexts(lines: Sequence[str]) -> list[LineContext]:
    """The context of every line of a file (empty lines get the default)."""
    filled = [n for n, line in enumerate(lines) if line.strip()]
    contexts = [LineContext()] * len(lines)
    for rank, n in enumerate(filled):
        contexts[n] = LineContext(
            rank / max(len(filled) - 1, 1), rank == 0, rank == len(filled) - 1
        )
    return contexts


@dataclass(frozen=True)
class FurnitureModel:
    coefficients: tuple[float, ...]
    intercept: float
    threshold: float

    @classmethod
    def from_data(cls, data: dict) -> FurnitureModel:
        expected = WORD_FEATURES + CHAR_FEATURES + len(SHAPE_FEATURES)
        coefficients = tuple(float(x) for x in data["coefficients"])
        if len(coefficients) != expected or data.get("shape_features") != list(SHAPE_FEATURES):
            raise ValueError("furniture model does not match this version's features")
        return cls(coefficients, float(data["intercept"]), float(data["threshold"]))

    def probabilities(self, lines: Sequence[str], contexts: Sequence[LineContext]) -> list[float]:
        if not lines:
            return []
        import numpy as np

        scores = feature_matrix(lines, contexts) @ np.asarray(self.coefficients) + self.intercept
        return [1.0 / (1.0 + math.exp(-float(s))) for s in scores]


@cache
def load_model() -> FurnitureModel | None:
    """The shipped classifier, or None when the data file is missing (then only the rules and
    the repetition layer run)."""
    try:
        text = resources.files("briefing.data").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return FurnitureModel.from_data(json.loads(text))
