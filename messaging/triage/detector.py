"""Explainable risk detector for between-session messages (pure Python, no Django).

``detect(text)`` answers two questions for a clinician: *which category* does the
message belong to (crisis / urgent / clinical / logistics) and *why* - every
piece of evidence is a ``Match`` pointing at the client's own words, and every
piece of evidence that was discounted (negated, in the past, about someone else,
a figure of speech) is kept in ``suppressed`` with the reason, so nothing is
hidden.

How a message is read
---------------------
1. Normalise: lower case, no apostrophes, curly quotes straightened, letters
   repeated three or more times squeezed ("sooo" -> "so"), near-miss spellings
   of key words corrected ("sucide" -> "suicide"). A map back to the original
   characters is kept so highlights land on what the client actually typed.
2. Find signals: every rule in ``lexicon`` is matched (intent, plan, method,
   timing, goodbye, burden, hopelessness, self-harm, harm to others, being
   harmed, command hallucinations; urgent, clinical and logistics signals).
   Besides single phrases, the lexicon has *families of meaning* for indirect
   risk: a farewell that sums up the relationship, arrangements for after
   death (pets, passwords, letters, a will), absence from the future ("won't
   be needing", "not coming back"), getting or keeping the means, an
   undirected "it" with a time, burden, a place people go to die.
3. Discount with modifiers: figure of speech, someone else said or posted it,
   a film, article or dream, someone else's risk (or someone else's risk long
   ago), in the past, negated, plans to be in touch ("see you thursday" - but
   not "I won't be around for our next session"), an everyday reason for an
   everyday action ("rope for the climbing wall", "updated my will after the
   baby was born"), an upbeat message for weak signs, or the client says they
   will not act (only for thoughts, and only when nothing else points to
   danger).
4. Combine: the weights of each crisis signal add up (capped per signal), some
   pairs add a bonus ("a method together with hopelessness", "arrangements
   together with a goodbye"). 1.0 or more is a crisis. A very short message
   (six words or fewer) that is nothing but a risk sign of 0.5 or more is also
   a crisis ("made my peace with it"), except hopelessness alone. Below that,
   urgent evidence, or any real risk evidence (>= 0.5), makes it urgent;
   otherwise clinical vs logistics is decided by which has more evidence,
   clinical when in doubt.

The detector may raise a category, never lower one: when a message talks about
the client's own current risk and the evidence is unclear, it says crisis.

Long messages
-------------
A message longer than ``limits.PASSAGE_CHARS`` (normalised) is read passage by passage:
whole sentences, each passage exactly as a short message would be read (its own negations,
safety statements and everyday reasons), and the message is as severe as its most severe
passage. Evidence is weighed per passage, so weak signs spread through a long ordinary text
never add up to a crisis, and a crisis sentence anywhere is read as one. Every rule still
reads every sentence, in time linear in the length of the text: normalising is a few regex
passes, and the lexicon's patterns are tried only where one of their beginnings stands
(``wordscan``), with exactly the matches ``re.finditer`` would give.

Second opinion
--------------
5. When the rules do not say crisis, a small offline language model is asked too
   (``second_opinion``: a logistic-regression head on all-MiniLM-L6-v2 embeddings, trained
   on our labelled dev messages). If it reads the message as a crisis, the category becomes
   crisis and the evidence says so plainly, pointing at the whole message because no single
   phrase triggered it. The model never lowers a rule decision, its verdict is kept in
   ``Detection.model_opinion``, and ``detect(text, use_model=False)`` is the rules alone.
   A long message is not read whole by the model: it reads at most ``limits.MODEL_WINDOWS``
   windows - the start, the end and where the rules found the strongest signs of risk - and
   ``Detection.model_windows`` records which.
   Without the model package installed the rules stand alone (one warning per process).
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from messaging.triage import lexicon, limits, readability, spanish, wordscan
from messaging.triage.categories import Category
from messaging.triage.lexicon import Rule

if TYPE_CHECKING:
    from messaging.triage.second_opinion import Opinion

logger = logging.getLogger(__name__)

try:
    from messaging.triage import second_opinion as _second_opinion
except ImportError as _error:  # numpy is not installed: the rules alone
    _second_opinion = None
    logger.warning(
        "Crisis second opinion is off (%s is not installed); using the rules alone.",
        _error.name,
    )

MODEL_SIGNAL = "language_model"
MODEL_UNSURE_SIGNAL = "language_model_unsure"
NOT_READ_SIGNAL = "not_read_automatically"
NEGATED_WHY = "negated "
SAFETY_WHY = "the client says they will not act"
SPANISH_SIGNAL = "crisis_words_spanish"


@dataclass(frozen=True)
class Match:
    """One piece of evidence, located in the original message text."""

    phrase: str
    start: int
    end: int
    signal: str
    category: Category
    weight: float
    reason: str


@dataclass(frozen=True)
class Detection:
    category: Category
    score: float  # strength of evidence for ``category``, 0..1
    matches: tuple[Match, ...]
    suppressed: tuple[Match, ...]
    # The language model's verdict when it was asked (the rules did not say crisis and the
    # model is installed); None when it was not asked.
    model_opinion: Opinion | None = None
    # The spans of the message the model read (the whole of a short message; for a long
    # one, at most ``limits.MODEL_WINDOWS`` windows chosen by the rules); () when not asked.
    model_windows: tuple[tuple[int, int], ...] = ()
    # What the language check made of the message (``readability``): which language, and
    # whether the model's opinion may count.
    reading: readability.Reading | None = None

    @property
    def not_read_automatically(self) -> bool:
        return any(m.signal == NOT_READ_SIGNAL for m in self.matches)

    @property
    def reasons(self) -> list[str]:
        """Plain-language reasons, strongest first, then what was discounted."""
        counted = [m.reason for m in self.matches]
        discounted = [f"not counted: {m.reason}" for m in self.suppressed]
        return list(dict.fromkeys(counted + discounted))


# ---------------------------------------------------------------------------
# Normalisation with a map back to the original offsets
# ---------------------------------------------------------------------------

_APOSTROPHES = frozenset("'`\u00b4\u2018\u2019\u201a\u201b\u02bc\u2032")
_DOUBLE_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u2033")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015")


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, for each of its characters, the original span."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


_APOSTROPHE_CLASS = "".join(sorted(_APOSTROPHES))
# What does not stay one character for one: apostrophes (dropped); runs of white space,
# also across apostrophes (one space, or one newline if the run has one); a lone white
# space other than " "; and the two capitals whose lower case is not one plain letter
# ("İ" lowers to two characters, "Σ" to a final or a middle sigma).
_NOT_ONE_FOR_ONE = re.compile(
    rf"\s(?:[\s{_APOSTROPHE_CLASS}]*\s)|[^\S ]|[{_APOSTROPHE_CLASS}]|[\u0130\u03a3]"
)
_QUOTES_AND_DASHES = str.maketrans(
    {**dict.fromkeys(_DOUBLE_QUOTES, '"'), **dict.fromkeys(_DASHES, "-")}
)
_REPEATED = re.compile(r"(.)\1{2,}", re.DOTALL)


class _Rewriting:
    """A text being rewritten, with each character's span in the original message."""

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends

    def rewrite(self, replacements: Iterable[tuple[int, int, str]]) -> _Rewriting:
        """Replace text[start:end] by each replacement (in order, not overlapping); every
        character of a replacement points at the whole of what it replaced."""
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for start, end, replacement in replacements:
            pieces.append(self.text[position:start])
            starts.extend(self.starts[position:start])
            ends.extend(self.ends[position:start])
            pieces.append(replacement)
            starts.extend([self.starts[start]] * len(replacement))
            ends.extend([self.ends[end - 1]] * len(replacement))
            position = end
        if position == 0:
            return self
        pieces.append(self.text[position:])
        starts.extend(self.starts[position:])
        ends.extend(self.ends[position:])
        return _Rewriting("".join(pieces), starts, ends)


def normalise(text: str) -> NormalisedText:
    """Lower case, no apostrophes, one space (or newline) for each run of white space,
    straight quotes and dashes, letters repeated three or more times squeezed, text-speak
    expanded and near-misses of key words corrected - with each character's span in
    ``text``. Linear in the length of the text, most of it in the regex engine."""
    rewriting = _Rewriting(text, range(len(text)), range(1, len(text) + 1))
    rewriting = rewriting.rewrite(
        (found.start(), found.end(), _one_for(found.group()))
        for found in _NOT_ONE_FOR_ONE.finditer(text)
    )
    # Everything left is one character for one: lower case and straighten it in one go.
    rewriting.text = rewriting.text.lower().translate(_QUOTES_AND_DASHES)
    rewriting = rewriting.rewrite(
        (found.start(), found.end(), found.group(1))
        for found in _REPEATED.finditer(rewriting.text)
        if found.group(1).isalpha()
    )
    rewriting = rewriting.rewrite(_corrections(rewriting.text))
    return NormalisedText(text=rewriting.text, starts=rewriting.starts, ends=rewriting.ends)


def _one_for(characters: str) -> str:
    """What a character (or run of white space) that is not kept as it is becomes."""
    if not characters[0].isspace():
        return "" if characters in _APOSTROPHES else characters.lower()
    return "\n" if "\n" in characters or "\r" in characters else " "


def _corrections(text: str) -> Iterator[tuple[int, int, str]]:
    """Text-speak ("gonna") expanded and near-misses of key risk words ("sucide",
    "overdoes", "mysefl") read as the word."""
    corrected = {
        word: replacement
        for word in set(_TOKEN.findall(text))
        if (replacement := lexicon.SLANG_EXPANSIONS.get(word) or _closest_fuzzy_term(word))
    }
    if not corrected:
        return
    for token in _TOKEN.finditer(text):
        replacement = corrected.get(token.group())
        if replacement is not None:
            yield token.start(), token.end(), replacement


@lru_cache(maxsize=4096)
def _closest_fuzzy_term(word: str) -> str | None:
    if (
        len(word) < 5
        or not word.isalpha()
        or word in lexicon.FUZZY_TERMS
        or word in lexicon.FUZZY_EXCEPTIONS
    ):
        return None
    for term in lexicon.FUZZY_TERMS:
        if abs(len(term) - len(word)) <= 1 and _within_one_edit(word, term):
            return term
    return None


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


# ---------------------------------------------------------------------------
# Compiled lexicon
# ---------------------------------------------------------------------------


# Word-bounded patterns are found through one shared index (``wordscan``): the same matches
# as ``re.finditer``, without trying every pattern at every character of a long text.
_PATTERNS = wordscan.PatternSet()
_Pattern = wordscan.WordPattern | re.Pattern[str]


def _compile(pattern: str, word_bounded: bool = True) -> _Pattern:
    return _PATTERNS.add(pattern) if word_bounded else re.compile(pattern)


def _compile_any(patterns: Iterable[str]) -> wordscan.WordPattern:
    return _PATTERNS.add("|".join(f"(?:{p})" for p in patterns))


_ALL_RULES: tuple[Rule, ...] = (
    lexicon.CRISIS_RULES + lexicon.URGENT_RULES + lexicon.CLINICAL_RULES + lexicon.LOGISTICS_RULES
)
_RULE_PATTERNS: tuple[tuple[Rule, tuple[_Pattern, ...]], ...] = tuple(
    (r, tuple(_compile(p, r.word_bounded) for p in r.patterns)) for r in _ALL_RULES
)
# (order in the lexicon, rule, pattern): by a pattern's ident, and those always tried.
_RULE_ORDER: dict[int, tuple[int, Rule, wordscan.WordPattern]] = {}
_RULES_ALWAYS_TRIED: list[tuple[int, Rule, _Pattern]] = []
for _order, (_rule, _pattern) in enumerate(
    (rule, pattern) for rule, patterns in _RULE_PATTERNS for pattern in patterns
):
    if isinstance(_pattern, wordscan.WordPattern) and not (
        _pattern.scanned or _pattern.anchored or _pattern.reads_digits
    ):
        _RULE_ORDER[_pattern.ident] = (_order, _rule, _pattern)
    else:
        _RULES_ALWAYS_TRIED.append((_order, _rule, _pattern))
_INDEXED_ORDERS = frozenset(order for order, _rule, _pattern in _RULE_ORDER.values())
_IDIOMS = tuple((_PATTERNS.add(i.pattern), i.needs_laughter) for i in lexicon.FIGURES_OF_SPEECH)
_REPORTED_SPEECH = _compile_any(lexicon.REPORTED_SPEECH)
_SAFETY = _compile_any(lexicon.SAFETY_STATEMENTS)
_FUTURE_PLANS = _compile_any(lexicon.FUTURE_PLANS)
_EVERYDAY_REASONS = _compile_any(lexicon.EVERYDAY_REASONS)
_UPBEAT = _compile_any(lexicon.UPBEAT_MARKERS)
_THIRD_PARTY_NOT_SERIOUS = _compile_any(lexicon.THIRD_PARTY_NOT_SERIOUS)
_HISTORY = _compile_any(lexicon.HISTORY_MARKERS)
_RECENCY = _compile_any(lexicon.RECENCY_MARKERS)
_EVENT_RECENCY = _compile_any(lexicon.EVENT_RECENCY_MARKERS)
_IMMEDIACY = _compile_any(lexicon.IMMEDIACY_MARKERS)
_SOON = _compile_any(lexicon.SOON_MARKERS)
_NO_RUSH = _compile_any(lexicon.NO_RUSH_MARKERS)
_HYPOTHETICAL = _compile_any(lexicon.HYPOTHETICAL_MARKERS)
_HYPOTHETICAL_STRONG = _PATTERNS.add(lexicon.HYPOTHETICAL_STRONG)
_SELF_INCLUSION = _PATTERNS.add(lexicon.SELF_INCLUSION)
_MEDIA = _PATTERNS.add(lexicon.MEDIA_MARKERS)
_LAUGHTER = re.compile(lexicon.LAUGHTER)
_SENTENCE_BREAK = re.compile(r"[.!?\n]+")
_CLAUSE_BREAK = re.compile(
    r"[.!?\n;:,]+|\s(?:but|though|although|anyway|however|except|whereas)\s|\s-\s"
)
_WORD = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"[a-z0-9]+")

# Signals that show danger beyond words about feelings; their presence keeps a
# safety statement ("I'm safe") from discounting thoughts of dying.
_DANGER_BEYOND_THOUGHTS = frozenset(
    {
        "plan",
        "means_at_hand",
        "overdose",
        "self_harm",
        "being_harmed",
        "command_hallucination",
        "timing",
        "intent",
    }
)


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    start: int  # offsets in the normalised text
    end: int


@dataclass(frozen=True)
class _Discount:
    hit: _Hit
    kind: str  # idiom, reported, media, future, everyday, third_party, history, negated,
    # contained, safety
    why: str


def detect(text: str, use_model: bool = True) -> Detection:
    """Read ``text``: the rules; then, for a message in a language the detector does not
    read, Spanish crisis words and the "not read automatically" flag (at least urgent); then
    (unless ``use_model`` is False) the language model's second opinion, only on text it can
    read (``readability``). Each may raise the category, never lower it."""
    detection = _detect_by_rules(text)
    reading = readability.read(text)
    detection = replace(detection, reading=reading)
    if reading.not_read or (reading.language != "en" and len(text) <= limits.PASSAGE_CHARS):
        detection = _not_read_automatically(text, detection, reading)
    if (
        not use_model
        or detection.category is Category.CRISIS
        or not text.strip()
        or not reading.model_may_count
    ):
        return detection
    return _with_second_opinion(text, detection)


def _not_read_automatically(
    text: str, detection: Detection, reading: readability.Reading
) -> Detection:
    """Spanish crisis words make a crisis; a message the detector cannot read is delivered to
    a clinician now (at least urgent) with a reason that says so - when unsure, the safer
    category, never a guess that holds it."""
    found = [
        Match(
            phrase=text[start:end],
            start=start,
            end=end,
            signal=SPANISH_SIGNAL,
            category=Category.CRISIS,
            weight=1.0,
            reason=f"Spanish: {reason} ({text[start:end]})",
        )
        for start, end, reason in spanish.crisis_phrases(text)
    ]
    if found:
        return replace(
            detection, category=Category.CRISIS, score=1.0, matches=(*found, *detection.matches)
        )
    if not reading.not_read or detection.category is Category.CRISIS:
        return detection  # read, or a crisis the rules found anyway: it escalates
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    language = (
        f"seems to be written in {reading.language_name}"
        if reading.other_language
        else "is not in words the detector knows"
    )
    flag = Match(
        phrase=text[start:end],
        start=start,
        end=end,
        signal=NOT_READ_SIGNAL,
        category=Category.URGENT,
        weight=1.0,
        reason=(
            f"Not read automatically: the message {language}. Delivered to a clinician now "
            "to read, because the detector cannot tell whether it is urgent"
        ),
    )
    category = max((detection.category, Category.URGENT), key=lambda c: c.severity)
    return replace(detection, category=category, matches=(flag, *detection.matches))


def _with_second_opinion(text: str, detection: Detection) -> Detection:
    if _second_opinion is None:
        return detection
    windows = _model_windows(text, detection)
    opinions = [(_second_opinion.second_opinion(text[a:b]), (a, b)) for a, b in windows]
    if any(opinion is None for opinion, _ in opinions):
        return detection  # the model is not available
    opinion, (start, end) = max(opinions, key=lambda found: found[0].probability)
    detection = replace(detection, model_opinion=opinion, model_windows=tuple(windows))
    if not (opinion.says_crisis or opinion.unsure):
        return detection
    said_safe = _says_not_at_risk(detection)
    whole = len(windows) == 1
    if whole:  # a short message: the whole of it, without surrounding blanks
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
    confidence = f"{opinion.probability:.2f}"
    where = "whole message" if whole else "highlighted passage and the message around it"
    if opinion.says_crisis and not said_safe:
        category, signal = Category.CRISIS, MODEL_SIGNAL
        reason = (
            "A language model trained on our labelled messages reads this as a crisis "
            f"(probability {confidence}). No single phrase triggered this; please read the " + where
        )
    else:
        # The uncertain band - or a crisis reading against the client's own words that the
        # rules read as negated ("not hurting myself, promise"): the model cannot rule a
        # crisis out, so the safer of the two categories: delivered to a clinician now.
        category, signal = Category.URGENT, MODEL_UNSURE_SIGNAL
        against = f'; the client says otherwise ("{said_safe}")' if said_safe else ""
        reason = (
            "A language model trained on our labelled messages cannot rule out a crisis "
            f"(probability {confidence}{against}), so this is delivered to a clinician now rather "
            "than "
            f"held. No single phrase triggered this; please read the {where}"
        )
    evidence = Match(
        phrase=text[start:end],
        start=start,
        end=end,
        signal=signal,
        category=category,
        weight=round(opinion.probability, 3),
        reason=reason,
    )
    if category.severity <= detection.category.severity:
        return replace(detection, matches=(*detection.matches, evidence))
    return replace(
        detection,
        category=category,
        score=round(opinion.probability, 3),
        matches=(evidence, *detection.matches),
    )


def _says_not_at_risk(detection: Detection) -> str | None:
    """The client's words, when the rules read a sign of risk as negated or as a safety
    statement ("I'm not going to hurt myself"): the model alone does not overrule them."""
    for match in detection.suppressed:
        if match.category is Category.CRISIS and (
            f"discounted: {NEGATED_WHY}" in match.reason or SAFETY_WHY in match.reason
        ):
            return match.phrase
    return None


def _model_windows(text: str, detection: Detection) -> list[tuple[int, int]]:
    """What the model reads: a short message whole; of a long one, at most
    ``MODEL_WINDOWS`` windows - its start, its end, and around the strongest signs of risk
    the rules found, counted or discounted (a discounted "I'd never kill myself" is just
    where a second reader helps), one window to a passage's length of text."""
    if len(text) <= limits.PASSAGE_CHARS:
        return [(0, len(text))]
    size = limits.MODEL_WINDOW_CHARS
    windows = [_window(text, 0, size), _window(text, len(text) - size, len(text))]
    signs = sorted(
        (
            m
            for m in detection.matches + detection.suppressed
            if m.category in (Category.CRISIS, Category.URGENT)
        ),
        key=lambda m: (-m.category.severity, -m.weight, m.start),
    )
    for sign in signs:
        if len(windows) >= limits.MODEL_WINDOWS:
            break
        if any(
            a - limits.PASSAGE_CHARS <= sign.start < b + limits.PASSAGE_CHARS for a, b in windows
        ):
            continue  # a window already reads this part of the message
        middle = (sign.start + sign.end) // 2
        windows.append(_window(text, middle - size // 2, middle + size // 2))
    return sorted(set(windows))


_LONGEST_WORD = 40


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` within the text, widened to whole words (by a word's length at
    most: a text without spaces is simply cut)."""
    start, end = max(start, 0), min(end, len(text))
    before = text.rfind(" ", max(start - _LONGEST_WORD, 0), start)
    after = text.find(" ", end, end + _LONGEST_WORD)
    return (before + 1 if before >= 0 else start), (after if after >= 0 else end)


def _detect_by_rules(text: str) -> Detection:
    """The rules, sentence by sentence: a message is as severe as its most severe sentence,
    each sentence read with a bounded window around it (see ``limits``).

    A message of at most ``limits.WHOLE_READ_CHARS`` is one window and read whole. A longer
    one is first read passage by passage (whole sentences, at most ``PASSAGE_CHARS``) to find
    where the signs of risk are; each sign is then read again in its own window - its
    sentence and the sentences either side, at most ``WINDOW_CHARS`` - so weak signs in
    different paragraphs never add up, while "I have the pills. Tonight." still reads as one.
    A passage with no sign of risk keeps its own reading (clinical or logistics)."""
    norm = normalise(text)
    if len(norm.text) <= limits.WHOLE_READ_CHARS:
        return _read_passage(norm, text, norm.text)
    readings = []
    for passage in _passages(norm):
        survey = _read_passage(passage, text, norm.text)
        windows = _risk_windows(norm, passage, survey)
        if not windows:
            readings.append(survey)
            continue
        readings += [_read_passage(window, text, norm.text) for window in windows]
    if len(readings) == 1:
        return readings[0]
    return _most_severe_reading(readings)


_SENTENCE_END = re.compile(r"[.!?\n]+\s*")


def _risk_windows(
    norm: NormalisedText, passage: NormalisedText, survey: Detection
) -> list[NormalisedText]:
    """The windows of ``passage`` around each sign of risk its survey found (counted, or
    discounted at full weight): the sign's sentence with its neighbours, within
    ``WINDOW_CHARS`` and within its paragraph (line); at most ``WINDOWS_PER_PASSAGE``,
    strongest signs first. None when
    the passage is one window already, or when its survey counted no risk and discounted
    no sign strong enough to be a crisis on its own (its reading then stands)."""
    if len(passage.text) <= limits.WINDOW_CHARS:
        return []
    strong_discounted = [
        m for m in survey.suppressed if m.category is Category.CRISIS and m.weight >= 1.0
    ]
    if survey.category not in (Category.CRISIS, Category.URGENT) and not strong_discounted:
        return []  # nothing to weigh again: no sign of risk counted, none strong discounted
    signs = sorted(
        [m for m in survey.matches if m.category in (Category.CRISIS, Category.URGENT)]
        + strong_discounted,
        key=lambda m: (-m.category.severity, -m.weight, m.start),
    )
    if not signs:
        return []
    ends = [found.end() for found in _SENTENCE_END.finditer(passage.text)]
    bounds = [0, *(e for e in ends if e < len(passage.text)), len(passage.text)]
    spans: list[tuple[int, int]] = []
    for sign in signs:
        if len(spans) >= limits.WINDOWS_PER_PASSAGE:
            break
        position = bisect.bisect_right(passage.starts, sign.start) - 1
        index = max(bisect.bisect_right(bounds, max(position, 0)) - 1, 0)
        start = bounds[max(index - 1, 0)]
        end = bounds[min(index + 2, len(bounds) - 1)]
        # Not across a line break: a paragraph's sentences are read together, not the next one's.
        own_start, own_end = bounds[index], bounds[min(index + 1, len(bounds) - 1)]
        line_before = passage.text.rfind("\n", start, own_start)
        if line_before >= 0:
            start = line_before + 1
        line_after = passage.text.find("\n", own_end, end)
        if line_after >= 0:
            end = line_after
        if end - start > limits.WINDOW_CHARS:  # long sentences: the sign's own, cut around it
            middle = max(position, 0)
            start = max(bounds[index], middle - limits.WINDOW_CHARS // 2)
            end = min(
                bounds[index + 1] if index + 1 < len(bounds) else end, start + limits.WINDOW_CHARS
            )
        if any(a <= start and end <= b for a, b in spans):
            continue
        spans.append((start, end))
    return [
        NormalisedText(passage.text[a:b], passage.starts[a:b], passage.ends[a:b])
        for a, b in sorted(spans)
    ]


def _passages(norm: NormalisedText) -> list[NormalisedText]:
    """Whole sentences, at most ``PASSAGE_CHARS`` characters each (a longer sentence is cut
    at a space, a text without one anywhere)."""
    text = norm.text
    if len(text) <= limits.PASSAGE_CHARS:
        return [norm]
    passages = []
    start = 0
    while start < len(text):
        end = start + limits.PASSAGE_CHARS
        if end < len(text):
            sentence_end = None
            for found in _SENTENCE_BREAK.finditer(text, start, end):
                sentence_end = found.end()
            end = sentence_end or (text.rfind(" ", start, end) + 1) or end
        passages.append(
            NormalisedText(text[start:end], norm.starts[start:end], norm.ends[start:end])
        )
        start = end
    return passages


def _most_severe_reading(readings: list[Detection]) -> Detection:
    """A long message is as severe as its most severe passage; its evidence is that
    passage's (or those passages'), plus every sign of risk anywhere. Between clinical and
    logistics, the evidence of all the passages is weighed as for a short message."""
    category = max((r.category for r in readings), key=lambda c: c.severity)
    if category in (Category.CRISIS, Category.URGENT):
        deciding = [r for r in readings if r.category is category]
        score = max(r.score for r in deciding)
    else:
        clinical = sum(r.score for r in readings if r.category is Category.CLINICAL)
        logistics = sum(r.score for r in readings if r.category is Category.LOGISTICS)
        category = Category.LOGISTICS if logistics > clinical else Category.CLINICAL
        deciding = [r for r in readings if r.category is category]
        score = max(clinical, logistics)
    risk = (Category.CRISIS, Category.URGENT)
    matches = [
        m for r in readings for m in r.matches if r.category is category or m.category in risk
    ]
    # Overlapping windows find the same words more than once: keep each once.
    return Detection(
        category=category,
        score=round(float(min(score, 1.0)), 3),
        matches=tuple(_by_importance(dict.fromkeys(matches))),
        suppressed=tuple(dict.fromkeys(m for r in readings for m in r.suppressed)),
    )


def _read_passage(norm: NormalisedText, text: str, message: str) -> Detection:
    """The rules on one passage (a short message is one): ``text`` is the original message,
    ``message`` its whole normalised text."""
    context = _Context(norm.text, message)
    hits = _deduplicate(_find_hits(context.index))

    kept, discounted = _apply_modifiers(hits, context)
    kept, discounted = _discount_words_inside_discounted(kept, discounted)
    kept, discounted = _apply_safety_statement(kept, discounted, context)

    matches = [_to_match(norm, text, hit) for hit in kept]
    matches += _third_party_urgent_matches(norm, text, discounted, context)
    suppressed = [
        _to_match(norm, text, d.hit, f"{_reason(norm, text, d.hit)} - discounted: {d.why}")
        for d in discounted
    ]
    category, score, matches = _decide(matches, context)
    return Detection(
        category=category,
        score=round(float(min(score, 1.0)), 3),
        matches=tuple(_by_importance(matches)),
        suppressed=tuple(sorted(suppressed, key=lambda m: m.start)),
    )


def _apply_modifiers(hits: list[_Hit], ctx: _Context) -> tuple[list[_Hit], list[_Discount]]:
    kept: list[_Hit] = []
    discounted: list[_Discount] = []
    for hit in hits:
        discount = _discount(hit, ctx)
        if discount is None:
            kept.append(hit)
        else:
            discounted.append(_Discount(hit, *discount))
    return kept, discounted


def _discount_words_inside_discounted(
    kept: list[_Hit], discounted: list[_Discount]
) -> tuple[list[_Hit], list[_Discount]]:
    """ "kill" inside a negated "not going to kill myself" goes with it."""
    still_kept = []
    for hit in kept:
        container = next(
            (
                d
                for d in discounted
                if d.hit.rule.category is hit.rule.category
                and d.hit.start <= hit.start
                and hit.end <= d.hit.end
                and hit.rule.weight < d.hit.rule.weight
            ),
            None,
        )
        if container is None:
            still_kept.append(hit)
        else:
            discounted.append(_Discount(hit, "contained", container.why))
    return still_kept, discounted


def _apply_safety_statement(
    kept: list[_Hit], discounted: list[_Discount], ctx: _Context
) -> tuple[list[_Hit], list[_Discount]]:
    """ "I'd never act on it" discounts thoughts, never acts, plans, means or timing."""
    if not ctx.safety_statement or any(
        h.rule.signal in _DANGER_BEYOND_THOUGHTS for h in kept if h.rule.category is Category.CRISIS
    ):
        return kept, discounted
    why = f'{SAFETY_WHY} ("{ctx.safety_statement}")'
    discounted = discounted + [_Discount(h, "safety", why) for h in kept if h.rule.ideation]
    return [h for h in kept if not h.rule.ideation], discounted


def _find_hits(index: wordscan.TextIndex) -> list[_Hit]:
    """Every rule's matches, in the order of the lexicon (rule, pattern, position). Only
    the patterns with a beginning in the text are tried, and those that need a scan."""
    tried = sorted(
        [_RULE_ORDER[ident] for ident in index.candidates() if ident in _RULE_ORDER]
        + _RULES_ALWAYS_TRIED
    )
    hits = []
    for order, rule, pattern in tried:
        found_all = (
            index.matches(pattern) if order in _INDEXED_ORDERS else _finditer(index, pattern)
        )
        for found in found_all:
            if found.end() > found.start():
                hits.append(_Hit(rule, found.start(), found.end()))
    return hits


def _finditer(
    index: wordscan.TextIndex, pattern: _Pattern, start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    if isinstance(pattern, wordscan.WordPattern):
        return index.finditer(pattern, start, end)
    return pattern.finditer(index.text, start, len(index.text) if end is None else end)


def _deduplicate(hits: list[_Hit]) -> list[_Hit]:
    """Count the same words once: drop a hit that lies inside a stronger (or equal) hit of
    the same signal, or inside a stronger crisis hit of another signal ("pills" inside
    "got my pills out")."""
    ordered = sorted(hits, key=lambda h: (-h.rule.weight, h.start, -(h.end - h.start)))
    kept: list[_Hit] = []
    for hit in ordered:
        if any(_explains(k, hit) for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _explains(stronger: _Hit, hit: _Hit) -> bool:
    if not (stronger.start <= hit.start and hit.end <= stronger.end):
        return False
    if stronger.rule.signal == hit.rule.signal:
        return True
    # Timing is its own dimension ("planned for tonight" is a plan *and* a time).
    return (
        stronger.rule.category is Category.CRISIS
        and hit.rule.category is Category.CRISIS
        and hit.rule.signal != "timing"
        and stronger.rule.weight > hit.rule.weight
    )


class _Context:
    """Facts about the message (or, in a long one, the passage) that modifiers need, each
    found when first needed (most passages have no risk words, and then none is)."""

    def __init__(self, text: str, message: str) -> None:
        self.text = text
        self.index = _PATTERNS.index(text)
        self._message = message  # the whole message, when this is one passage of it

    @cached_property
    def message_words(self) -> int:
        return len(_WORD.findall(self._message))

    @cached_property
    def idioms(self) -> tuple[tuple[int, int], ...]:
        laughs = bool(_LAUGHTER.search(self.text))
        return tuple(
            found.span()
            for pattern, needs_laughter in _IDIOMS
            if (laughs or not needs_laughter) and self.index.may_match(pattern)
            for found in self.index.finditer(pattern)
        )

    @cached_property
    def reported_speech(self) -> tuple[tuple[int, int], ...]:
        return tuple(f.span() for f in self.index.finditer(_REPORTED_SPEECH))

    @cached_property
    def sentence_breaks(self) -> tuple[tuple[int, int], ...]:
        return tuple(f.span() for f in _SENTENCE_BREAK.finditer(self.text))

    @cached_property
    def clause_breaks(self) -> tuple[tuple[int, int], ...]:
        return tuple(f.span() for f in _CLAUSE_BREAK.finditer(self.text))

    @cached_property
    def safety_statement(self) -> str | None:
        safety = self.index.search(_SAFETY)
        return safety.group() if safety else None

    @cached_property
    def future_plans(self) -> str | None:
        future = next(
            (
                f
                for f in self.index.finditer(_FUTURE_PLANS)
                if not _negated_plan(self.text, f.start())
            ),
            None,
        )
        return future.group() if future else None

    @cached_property
    def upbeat(self) -> str | None:
        upbeat = self.index.search(_UPBEAT)
        return upbeat.group() if upbeat else None

    @cached_property
    def soon(self) -> str | None:
        soon = self.index.search(_SOON)
        return soon.group() if soon else None

    @cached_property
    def no_rush(self) -> str | None:
        no_rush = self.index.search(_NO_RUSH)
        return no_rush.group() if no_rush else None

    @cached_property
    def recent(self) -> bool:
        return self.index.search(_EVENT_RECENCY) is not None

    def sentence(self, hit: _Hit) -> tuple[int, int]:
        return _segment(self.sentence_breaks, hit.start, len(self.text))

    def clause(self, hit: _Hit) -> tuple[int, int]:
        return _segment(self.clause_breaks, hit.start, len(self.text))


def _negated_plan(text: str, position: int) -> bool:
    """ "I won't be around for our next session" is not a plan to be in touch."""
    clause_start = 0
    for found in _CLAUSE_BREAK.finditer(text, 0, position):
        clause_start = found.end()
    before = _WORD.findall(text, clause_start, position)[-6:]
    for index, word in enumerate(before):
        following = before[index + 1 : index + 2]
        if word in lexicon.NEGATORS and not (
            following and following[0] in lexicon.NEGATION_BREAKERS
        ):
            return True
    return False


def _segment(breaks: Sequence[tuple[int, int]], position: int, length: int) -> tuple[int, int]:
    start, end = 0, length
    for break_start, break_end in breaks:
        if break_end <= position:
            start = break_end
        elif break_start > position:
            end = break_start
            break
    return start, end


def _discount(hit: _Hit, ctx: _Context) -> tuple[str, str] | None:
    """(kind, plain-language why) this hit should not count, or None if it counts."""
    category = hit.rule.category
    if category not in (Category.CRISIS, Category.URGENT):
        return None
    text = ctx.text
    for start, end in ctx.idioms:
        if start < hit.end and hit.start < end:
            return "idiom", f'said as a figure of speech ("{text[start:end].strip()}")'
    if category is Category.CRISIS:
        for start, end in ctx.reported_speech:
            if start <= hit.start and hit.end <= end and hit.rule.signal != "bullying":
                return "reported", "someone else said this to the client, not their own intent"
        sentence_start, _ = ctx.sentence(hit)
        if ctx.index.search(_MEDIA, sentence_start, hit.start):
            return "media", "about a story, film or the news, not the client"
        if (
            hit.rule.signal in lexicon.FUTURE_DISCOUNTED
            and hit.rule.weight < 1.0
            and ctx.future_plans
        ):
            return "future", f'the client talks about future contact ("{ctx.future_plans}")'
        if hit.rule.everyday:
            everyday = _everyday_reason(hit, ctx)
            if everyday:
                return "everyday", everyday
        someone_else = _third_party_subject(hit, ctx)
        if someone_else:
            history = _history_marker(hit, ctx) if hit.rule.signal != "timing" else None
            if history:  # someone else, long ago: not a reason to contact the client now
                return (
                    "history",
                    f'about someone else ("{someone_else}"), in the past ("{history}")',
                )
            return "third_party", f'about someone else ("{someone_else}"), not the client'
    if hit.rule.signal != "timing":
        history = _history_marker(hit, ctx)
        if history:
            return "history", f'in the past ("{history}")'
    if hit.rule.negatable:
        negator = _negator(hit, ctx)
        if negator:
            return "negated", f'{NEGATED_WHY}("{negator}")'
    if category is Category.CRISIS:
        # "is it normal to think about ..." discounts a thought; only an explicit
        # "hypothetically" / "in theory" discounts talk of an act.
        sentence_start, _ = ctx.sentence(hit)
        markers = _HYPOTHETICAL if hit.rule.ideation else _HYPOTHETICAL_STRONG
        hypothetical = ctx.index.search(markers, max(sentence_start - 120, 0), hit.start)
        if hypothetical:
            return "hypothetical", f'asked as a hypothetical ("{hypothetical.group().strip()}")'
    return None


def _third_party_subject(hit: _Hit, ctx: _Context) -> str | None:
    """The other person this risk belongs to, if it is not the client's own."""
    rule = hit.rule
    if not (rule.about_self or rule.about_other):
        return None
    text = ctx.text
    if any(word in lexicon.SELF_SUBJECTS for word in _WORD.findall(text, hit.start, hit.end)):
        return None  # the words themselves say "i" or "me": "when i'm not here"
    clause_start, _ = ctx.clause(hit)
    if rule.about_other:
        subject: str | None = text[hit.start : hit.end]
    else:
        subject = None
        for word in reversed(_WORD.findall(text, clause_start, hit.start)):
            if word in lexicon.SELF_SUBJECTS:
                return None
            if word in lexicon.THIRD_PARTY_SUBJECTS:
                subject = word
                break
        if subject is None:
            return None  # no subject named: assume the client (never lower)
    if ctx.index.search(_SELF_INCLUSION, hit.end):
        return None  # "... and so do i"
    if rule.act and ctx.index.search(_IMMEDIACY) and not _history_marker(hit, ctx):
        return None  # someone is in danger right now: still a crisis
    return subject


def _everyday_reason(hit: _Hit, ctx: _Context) -> str | None:
    """An ordinary reason for an everyday action ("rope for the climbing wall"), looked for
    in the hit's sentence; weak hits are also explained by an upbeat message."""
    sentence_start, sentence_end = ctx.sentence(hit)
    start, end = (0, len(ctx.text)) if hit.rule.weight < 1.0 else (sentence_start, sentence_end)
    reason = next(
        (
            found
            for found in ctx.index.finditer(_EVERYDAY_REASONS, start, end)
            # not the hit's own words ("giving stuff away" is no reason to give things away)
            if not (hit.start <= found.start() and found.end() <= hit.end)
        ),
        None,
    )
    if reason is not None:
        return f'explained by an everyday reason ("{reason.group().strip()}")'
    if ctx.upbeat and hit.rule.weight < 1.0:
        return f'the message is upbeat ("{ctx.upbeat}")'
    return None


def _history_marker(hit: _Hit, ctx: _Context) -> str | None:
    sentence_start, sentence_end = ctx.sentence(hit)
    histories = list(ctx.index.finditer(_HISTORY, sentence_start, sentence_end))
    if not histories:
        return None
    history = min(histories, key=lambda found: _distance(hit, found.span()))
    clause_start, clause_end = ctx.clause(hit)
    for recency in ctx.index.finditer(_RECENCY, clause_start, clause_end):
        # "I tried again last night" is not history; but in "tried three years ago and
        # he's doing well now" the "now" describes today, the nearer marker the event.
        if _distance(hit, recency.span()) <= _distance(hit, history.span()):
            return None
    return history.group()


def _distance(hit: _Hit, span: tuple[int, int]) -> int:
    start, end = span
    if end <= hit.start:
        return hit.start - end
    if start >= hit.end:
        return start - hit.end
    return 0


def _negator(hit: _Hit, ctx: _Context) -> str | None:
    clause_start, _ = ctx.clause(hit)
    before = _WORD.findall(ctx.text, clause_start, hit.start)
    scope = before
    for index in range(len(before) - 1, -1, -1):
        if before[index] in lexicon.NEGATION_SCOPE_ENDS:
            scope = before[index + 1 :]
            break
    window = scope[-lexicon.NEGATION_WINDOW :]
    if any(word in lexicon.NEGATION_DOUBTERS for word in before[-6:]):
        return None  # "can't promise I won't" is not a safety statement
    for index, word in enumerate(window):
        if word not in lexicon.NEGATORS:
            continue
        following = window[index + 1 : index + 3]
        if following[:1] == ["feel"] and following[1:] and following[1] in lexicon.FEEL_NEGATED:
            return word  # "I don't feel like hurting myself": the feeling is what is negated
        if following and following[0] in lexicon.NEGATION_BREAKERS:
            continue  # "can't stop thinking about ..."
        return word
    return None


def _reason(norm: NormalisedText, text: str, hit: _Hit) -> str:
    start, end = norm.original_span(hit.start, hit.end)
    return hit.rule.reason.format(phrase=text[start:end])


def _to_match(norm: NormalisedText, text: str, hit: _Hit, reason: str | None = None) -> Match:
    start, end = norm.original_span(hit.start, hit.end)
    phrase = text[start:end]
    return Match(
        phrase=phrase,
        start=start,
        end=end,
        signal=hit.rule.signal,
        category=hit.rule.category,
        weight=hit.rule.weight,
        reason=reason or hit.rule.reason.format(phrase=phrase),
    )


def _third_party_urgent_matches(
    norm: NormalisedText, text: str, discounted: list[_Discount], ctx: _Context
) -> list[Match]:
    """Someone close to the client is at risk: support the client before the session."""
    risks = [
        d.hit
        for d in discounted
        if d.kind == "third_party"
        and d.hit.rule.weight >= 0.6
        and d.hit.rule.signal in lexicon.THIRD_PARTY_RISK_SIGNALS
    ]
    if not risks or ctx.index.search(_THIRD_PARTY_NOT_SERIOUS):
        return []
    hit = max(risks, key=lambda h: h.rule.weight)
    start, end = norm.original_span(hit.start, hit.end)
    if ctx.recent:
        weight, when = lexicon.THIRD_PARTY_RISK_RECENT_URGENT, "recently "
    else:
        weight, when = lexicon.THIRD_PARTY_RISK_URGENT, ""
    return [
        Match(
            phrase=text[start:end],
            start=start,
            end=end,
            signal="someone_else_at_risk",
            category=Category.URGENT,
            weight=weight,
            reason=f"someone the client knows was {when}at risk ({text[start:end]})"
            " - the client may need support",
        )
    ]


# ---------------------------------------------------------------------------
# Combining evidence into a category
# ---------------------------------------------------------------------------


def _signal_totals(matches: Iterable[Match]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for m in matches:
        totals[m.signal] += m.weight
    return {
        signal: min(total, lexicon.SIGNAL_CAPS.get(signal, lexicon.DEFAULT_SIGNAL_CAP))
        for signal, total in totals.items()
    }


def _crisis_score(matches: list[Match]) -> tuple[float, list[Match]]:
    """Sum of capped crisis signals plus combination bonuses; reasons are rewritten
    to say what combined with what ("mentions a method (pills) together with intent")."""
    crisis = [m for m in matches if m.category is Category.CRISIS]
    totals = _signal_totals(crisis)
    score = sum(totals.values())
    for combination in lexicon.COMBINATIONS:
        if combination.signal not in totals:
            continue
        partner = next(
            (
                p
                for p in combination.partners
                if totals.get(p, 0.0) >= max(combination.partner_min, 1e-9)
            ),
            None,
        )
        if partner is None or partner == combination.signal:
            continue
        score += combination.bonus
        strongest = max(
            (m for m in matches if m.signal == combination.signal), key=lambda m: m.weight
        )
        reason = combination.reason.format(
            phrase=strongest.phrase, partner=lexicon.SIGNAL_LABELS.get(partner, partner)
        )
        matches = [replace(m, reason=reason) if m is strongest else m for m in matches]
    return score, matches


def _decide(matches: list[Match], ctx: _Context) -> tuple[Category, float, list[Match]]:
    crisis_score, matches = _crisis_score(matches)
    if crisis_score >= lexicon.CRISIS_THRESHOLD:
        return Category.CRISIS, crisis_score, matches

    if ctx.no_rush:
        # "no rush", "it can wait": the client's word that paperwork or a call can wait.
        waits = f' - but the client says it can wait ("{ctx.no_rush.strip()}")'
        matches = [
            replace(m, category=Category.CLINICAL, weight=0.0, reason=m.reason + waits)
            if m.category is Category.URGENT and m.signal in lexicon.NO_RUSH_SIGNALS
            else m
            for m in matches
        ]
    urgent = _signal_totals(m for m in matches if m.category is Category.URGENT)
    urgent_score = sum(urgent.values())
    if urgent and ctx.recent:
        urgent_score += lexicon.RECENT_EVENT_BONUS
    needs = [
        m
        for m in matches
        if m.category is Category.URGENT
        and m.signal in lexicon.TIME_BOUND_NEEDS
        and m.weight >= lexicon.TIME_BOUND_MIN_WEIGHT
    ]
    if needs and urgent_score < lexicon.URGENT_THRESHOLD and ctx.soon:
        # "need the letter" can wait for the session; "need the letter by friday" cannot.
        urgent_score += lexicon.TIME_BOUND_BONUS
        strongest = max(needs, key=lambda m: m.weight)
        reason = f'{strongest.reason} - and it is needed soon ("{ctx.soon.strip()}")'
        matches = [replace(m, reason=reason) if m is strongest else m for m in matches]
    if urgent_score >= lexicon.URGENT_THRESHOLD:
        return Category.URGENT, urgent_score, matches
    substantive_risk = sum(
        total
        for signal, total in _signal_totals(
            m for m in matches if m.category is Category.CRISIS
        ).items()
        if signal not in lexicon.WEAK_RISK_SIGNALS
    )
    short_message_risk = sum(
        total
        for signal, total in _signal_totals(
            m for m in matches if m.category is Category.CRISIS
        ).items()
        if signal not in lexicon.WEAK_RISK_SIGNALS | lexicon.NOT_RAISED_WHEN_SHORT
    )
    if (
        short_message_risk >= lexicon.SHORT_MESSAGE_RISK
        and ctx.message_words <= lexicon.SHORT_MESSAGE_WORDS
    ):
        # "i'm ready to go", "made my peace with it": a very short text that is only a risk
        # sign leaves nothing to rule the risk out - when in doubt, crisis.
        return Category.CRISIS, substantive_risk, _mark_short(matches)
    if substantive_risk >= lexicon.RISK_FLOOR_FOR_URGENT:
        return Category.URGENT, substantive_risk, matches

    clinical = sum(_signal_totals(m for m in matches if m.category is Category.CLINICAL).values())
    logistics = sum(_signal_totals(m for m in matches if m.category is Category.LOGISTICS).values())
    if logistics > clinical:
        return Category.LOGISTICS, logistics, matches
    if not clinical and ctx.message_words <= lexicon.NOTHING_TO_HOLD_WORDS:
        # Nothing to hold for the session: the safer of the two is to deliver it.
        return Category.LOGISTICS, 0.0, matches
    return Category.CLINICAL, clinical, matches


def _mark_short(matches: list[Match]) -> list[Match]:
    ignored = lexicon.WEAK_RISK_SIGNALS | lexicon.NOT_RAISED_WHEN_SHORT
    risk = [m for m in matches if m.category is Category.CRISIS and m.signal not in ignored]
    strongest = max(risk, key=lambda m: m.weight)
    reason = f"{strongest.reason} - in a very short message that says nothing else"
    return [replace(m, reason=reason) if m is strongest else m for m in matches]


def _by_importance(matches: Iterable[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (-m.category.severity, -m.weight, m.start))
