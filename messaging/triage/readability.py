"""Can the detector read this message? A small language and gibberish check (pure, no Django).

The rules and the language model were written and trained on English. On anything else they
are guessing: in a fuzz run the model raised keyboard mashes, emoji and "gracias" to crisis.
``read(text)`` says what the message is, so that the detector only lets the model count on
text it can read, and a message in another language is delivered to a clinician promptly,
flagged "not read automatically", instead of being guessed at.

How it decides, on the message's words (runs of letters; digits, emoji and punctuation are
not words). Word frequencies come from ``wordfreq`` (pinned; its word lists ship inside the
package, nothing is downloaded; the "small" lists, see ``WORDLIST``):

* an **English word** is one with a Zipf frequency of at least ``ENGLISH_MIN_ZIPF`` in English
  (about once in ten million words or more: "ok", "thx", "dont" and "pills" are; "asdfghjkl",
  "nsdjkfh" are not);
* a word **of another language** is at least ``OTHER_MIN_ZIPF`` in one of ``OTHER_LANGUAGES``
  and ``OTHER_MARGIN`` more frequent there than in English ("quiero", "pastillas"; "matar"
  counts for Spanish and Portuguese); a word in a script other than Latin (Cyrillic, Arabic,
  CJK, ...) is also of another language;
* **language**: ``"none"`` with no words at all (only emoji, digits, punctuation); ``"en"``
  when at least ``ENGLISH_MIN_SHARE`` of the words are English; otherwise the other language
  most of its words belong to (``"es"``, ``"fr"``, ..., or ``"other"`` for another script)
  when at least ``OTHER_MIN_SHARE`` of the words (and, in the Latin alphabet, at least two)
  are of it; otherwise ``"unknown"``: not words the check knows well in any one language
  (gibberish, keyboard mash, heavy typos, or a language it has no list for);
* **not read automatically**: another language, or ``"unknown"`` with at least
  ``UNREAD_MIN_WORDS`` words (a real message the detector cannot read; a shorter unknown text
  is read as noise, by the rules alone);
* the model **may count** only on English with at least ``MIN_REAL_WORDS`` English words.

A long message is judged on its first ``SAMPLE_WORDS`` words (and its last as many): the
check stays fast on a 1 MB body, and a long message is rarely in two languages at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

# wordfreq's "small" lists (the most common words of each language, about 3 MB each in
# memory, loaded in ~10 ms): the "best" lists would take 0.8 s and 220 MB per process.
WORDLIST = "small"
ENGLISH_MIN_ZIPF = 2.5
ENGLISH_MIN_SHARE = 0.6
OTHER_LANGUAGES: tuple[str, ...] = ("es", "fr", "pt", "de", "it")
OTHER_MIN_ZIPF = 3.0
OTHER_MARGIN = 1.0
OTHER_MIN_SHARE = 0.4
MIN_REAL_WORDS = 4
UNREAD_MIN_WORDS = 5
SAMPLE_WORDS = 300

LANGUAGE_NAMES = {
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "de": "German",
    "it": "Italian",
    "other": "a script other than the Latin alphabet",
}

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Reading:
    words: int  # words looked at (at most twice SAMPLE_WORDS)
    english_words: int
    language: str  # "en", "none", "unknown", "other" or a code from OTHER_LANGUAGES

    @property
    def english_share(self) -> float:
        return self.english_words / self.words if self.words else 0.0

    @property
    def model_may_count(self) -> bool:
        """The second opinion counts only on English with enough real words."""
        return self.language == "en" and self.english_words >= MIN_REAL_WORDS

    @property
    def other_language(self) -> bool:
        """Written in a language the detector does not read."""
        return self.language in LANGUAGE_NAMES

    @property
    def not_read(self) -> bool:
        """A message the detector cannot read: another language, or many unknown words."""
        return self.other_language or (
            self.language == "unknown" and self.words >= UNREAD_MIN_WORDS
        )

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)

    @property
    def why_model_not_counted(self) -> str | None:
        if self.model_may_count:
            return None
        if self.language == "none":
            return "it has no words (only emoji, digits or punctuation)"
        if self.language == "unknown":
            return "its words are not ones it knows well in any language"
        if self.other_language:
            return f"it seems to be written in {self.language_name}"
        return f"it has fewer than {MIN_REAL_WORDS} real words"


def read(text: str) -> Reading:
    words = _sample(text)
    if not words:
        return Reading(words=0, english_words=0, language="none")
    english = 0
    others: dict[str, int] = {}
    for word in words:
        languages = _languages_of(word)
        if languages == ("en",):
            english += 1
        for code in languages:
            if code != "en":
                others[code] = others.get(code, 0) + 1
    if english / len(words) >= ENGLISH_MIN_SHARE:
        language = "en"
    elif others and _clearly_other(
        best := max(sorted(others), key=others.__getitem__), others, words
    ):
        language = best
    else:
        language = "unknown"
    return Reading(words=len(words), english_words=english, language=language)


def _clearly_other(code: str, others: dict[str, int], words: list[str]) -> bool:
    enough = 1 if code == "other" else 2  # one CJK run can be a whole sentence
    return others[code] >= enough and others[code] / len(words) >= OTHER_MIN_SHARE


def _sample(text: str) -> list[str]:
    words = []
    for found in _WORD.finditer(text):
        words.append(found.group().lower())
        if len(words) >= SAMPLE_WORDS:
            break
    if len(words) < SAMPLE_WORDS:
        return words
    tail = [w.lower() for w in _WORD.findall(text[-20 * SAMPLE_WORDS :])][-SAMPLE_WORDS:]
    return words + tail


@lru_cache(maxsize=65536)
def _languages_of(word: str) -> tuple[str, ...]:
    """("en",), the other languages the word clearly belongs to ("matar": Spanish and
    Portuguese), ("other",) for another script, or (): a word the check does not know."""
    if not word.isascii() and not all(_latin(ch) for ch in word):
        return ("other",)
    english = zipf_frequency(word, "en", wordlist=WORDLIST)
    # A word common in both ("no", "me") is English unless clearly more common elsewhere.
    others = tuple(
        code
        for code in OTHER_LANGUAGES
        if (other := zipf_frequency(word, code, wordlist=WORDLIST)) >= OTHER_MIN_ZIPF
        and other >= english + OTHER_MARGIN
    )
    if others:
        return others
    return ("en",) if english >= ENGLISH_MIN_ZIPF else ()


def _latin(character: str) -> bool:
    # Latin letters with accents are below U+0250 (Latin Extended-B ends there).
    return ord(character) < 0x250
