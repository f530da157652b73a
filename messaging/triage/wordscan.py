"""Word-bounded lexicon patterns found quickly in long texts (pure Python, no Django).

Every lexicon pattern is compiled as ``(?<![a-z0-9])(?:...)(?![a-z0-9])``. Python's ``re``
tries such a pattern at every character of the text, and the detector has some 700 of them,
so reading a 1 MB message pattern by pattern takes seconds.

Here each pattern is read once, with the standard library's own regular-expression parser,
for how its matches can begin: "kill?(?:ing|ed)? myself" begins "kil ", "kill ", "kiling",
"killin", "kiled ", "killed"; "celebrat\\w*" begins "celebr". All those beginnings go into
one character trie, compiled as a single regular expression that finds, in one pass, every
place where some pattern could match; each pattern is then tried only at the places its own
beginnings stand. The matches are exactly those of ``pattern.finditer`` - same spans, same
order - because a match can only start where one of its beginnings does. A pattern whose
beginning cannot be spelled out (it starts with ``\\w``, or may match nothing) is scanned
the ordinary way, and only in texts that contain one of the words every match of it must
contain.

    patterns = PatternSet()
    murder = patterns.add(r"(?:is|was) murder")
    index = patterns.index(text)
    spans = [m.span() for m in index.finditer(murder)]
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator

# The standard library's own parser (``sre_parse`` before Python 3.11).
from re import _compiler as sre_compiler  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

# How many characters of each match's beginning are spelled out.
BEGINNING_LENGTH = 6
# More spellings than this and the shorter beginnings stand for them.
_MAX_SPELLINGS = 2048
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SPACES = frozenset(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
_LARGEST_SPELLED_CLASS = 64
_MAX_CACHED_WINDOWS = 200_000
_OTHER_DIGITS = re.compile(r"[^\D0-9]")


def compile_word_bounded(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")


class WordPattern:
    """One compiled word-bounded pattern, and how its matches can begin."""

    def __init__(self, source: str, ident: int) -> None:
        self.source = source
        self.ident = ident
        self.regex, parsed = _compile_and_parse(source)
        self.anchored = parsed is not None and _anchored_at_start(parsed)
        beginnings = None if parsed is None or self.anchored else _beginnings(parsed)
        self.beginnings: frozenset[str] = beginnings or frozenset()
        self.scanned = not self.anchored and beginnings is None
        # Beginnings spell ``\\d`` as 0-9; a text with other scripts' digits is scanned.
        self.reads_digits = "\\d" in source
        # A scanned pattern is only scanned in texts holding one of these (None: always).
        self.required = _required_literals(parsed) if self.scanned and parsed else None

    def __repr__(self) -> str:
        return f"WordPattern({self.source!r})"


class PatternSet:
    """Patterns sharing one trie of beginnings (one set per detector)."""

    def __init__(self) -> None:
        self._patterns: list[WordPattern] = []
        self._by_beginning: dict[str, list[int]] = defaultdict(list)
        self._lengths: tuple[int, ...] = ()
        self._locator: re.Pattern[str] | None = None
        self._by_window: dict[str, tuple[int, ...]] = {}

    def add(self, source: str) -> WordPattern:
        pattern = WordPattern(source, len(self._patterns))
        self._patterns.append(pattern)
        for beginning in pattern.beginnings:
            self._by_beginning[beginning].append(pattern.ident)
        self._locator = None
        self._by_window.clear()
        return pattern

    def index(self, text: str) -> TextIndex:
        return TextIndex(self, text)

    def locator(self) -> re.Pattern[str]:
        """Zero-width matches wherever some pattern's beginning stands after a word break."""
        if self._locator is None:
            self._lengths = tuple(sorted({len(b) for b in self._by_beginning}))
            trie = _trie_regex(self._by_beginning)
            self._locator = re.compile(rf"(?<![a-z0-9])(?={trie})" if trie else r"(?!)")
        return self._locator

    def candidates_at(self, text: str, position: int) -> tuple[int, ...]:
        """The patterns whose beginnings stand at ``position``."""
        window = text[position : position + BEGINNING_LENGTH]
        found = self._by_window.get(window)
        if found is None:
            found = tuple(
                ident
                for length in self._lengths
                if length <= len(window)
                for ident in self._by_beginning.get(window[:length], ())
            )
            if len(self._by_window) < _MAX_CACHED_WINDOWS:
                self._by_window[window] = found
        return found


class TextIndex:
    """One text's candidate places, and each pattern's matches in it as ``finditer``
    finds them."""

    def __init__(self, patterns: PatternSet, text: str) -> None:
        self.text = text
        self._patterns = patterns
        self._starts: dict[int, list[int]] | None = None
        self._matches: dict[int, list[re.Match[str]]] = {}
        self._other_digits: bool | None = None

    def finditer(
        self, pattern: WordPattern, start: int = 0, end: int | None = None
    ) -> Iterator[re.Match[str]]:
        """``pattern.regex.finditer(text, start, end)``, without trying every character."""
        if end is None:
            end = len(self.text)
        if pattern.anchored:  # "^...": only the very start of the text
            found = pattern.regex.match(self.text, 0, end) if start == 0 else None
            return iter((found,) if found is not None else ())
        if pattern.scanned or (pattern.reads_digits and self._has_other_digits()):
            if (
                pattern.scanned
                and pattern.required is not None
                and not any(literal in self.text for literal in pattern.required)
            ):
                return iter(())
            return pattern.regex.finditer(self.text, start, end)
        if start == 0 and end == len(self.text):
            return iter(self.matches(pattern))
        return self._matches_between(pattern, start, end)

    def matches(self, pattern: WordPattern) -> list[re.Match[str]]:
        """``list(finditer(pattern))`` for a pattern that is neither scanned nor anchored
        (kept: the modifiers ask for the same markers again and again)."""
        matches = self._matches.get(pattern.ident)
        if matches is None:
            matches = []
            match, text, resume = pattern.regex.match, self.text, 0
            for position in self._candidate_starts().get(pattern.ident, ()):
                if position < resume:
                    continue  # inside the previous match: finditer goes on from its end
                found = match(text, position)
                if found is not None:
                    matches.append(found)
                    resume = found.end() if found.end() > found.start() else position + 1
            self._matches[pattern.ident] = matches
        return matches

    def candidates(self) -> Iterable[int]:
        """The idents of the patterns that have a beginning somewhere in the text (so
        others, unless scanned or anchored, have no match in it)."""
        return self._candidate_starts().keys()

    def may_match(self, pattern: WordPattern) -> bool:
        """False when ``pattern`` certainly has no match in the text."""
        return (
            pattern.scanned
            or pattern.anchored
            or pattern.reads_digits
            or pattern.ident in self._candidate_starts()
        )

    def search(
        self, pattern: WordPattern, start: int = 0, end: int | None = None
    ) -> re.Match[str] | None:
        return next(self.finditer(pattern, start, end), None)

    def _has_other_digits(self) -> bool:
        if self._other_digits is None:
            self._other_digits = _OTHER_DIGITS.search(self.text) is not None
        return self._other_digits

    def _matches_between(
        self, pattern: WordPattern, start: int, end: int
    ) -> Iterator[re.Match[str]]:
        starts = self._candidate_starts().get(pattern.ident, [])
        resume = start
        for position in starts[bisect_left(starts, start) :]:
            if position >= end:
                break
            if position < resume:
                continue  # inside the previous match: finditer goes on from its end
            found = pattern.regex.match(self.text, position, end)
            if found is not None:
                yield found
                resume = found.end() if found.end() > found.start() else position + 1

    def _candidate_starts(self) -> dict[int, list[int]]:
        if self._starts is None:
            text, candidates_at = self.text, self._patterns.candidates_at
            starts: dict[int, list[int]] = defaultdict(list)
            for place in self._patterns.locator().finditer(text):
                position = place.start()
                for ident in candidates_at(text, position):
                    starts[ident].append(position)
            self._starts = starts
        return self._starts


# ---------------------------------------------------------------------------
# Reading a pattern
# ---------------------------------------------------------------------------


def _compile_and_parse(source: str) -> tuple[re.Pattern[str], list | None]:
    """The word-bounded regex, and the parse of ``source`` inside it (parsed once: parsing
    700 patterns twice would slow every process start)."""
    wrapped = sre_parse.parse(rf"(?<![a-z0-9])(?:{source})(?![a-z0-9])")
    regex = sre_compiler.compile(wrapped)
    if wrapped.state.flags & ~sre.SRE_FLAG_UNICODE:
        return regex, None  # inline flags such as (?i): not spelled out
    return regex, list(wrapped)[1:-1]  # without the two word-break assertions


def _anchored_at_start(items: list) -> bool:
    while items and items[0][0] is sre.SUBPATTERN and not any(items[0][1][1:3]):
        items = list(items[0][1][3])
    return bool(items) and items[0] == (sre.AT, sre.AT_BEGINNING)


class _Spelling:
    """Beginnings still being spelled (``growing``) and those finished (``done``: long
    enough, the match ended, or what follows cannot be spelled out)."""

    def __init__(self, growing: set[str]) -> None:
        self.growing = growing
        self.done: set[str] = set()


def _beginnings(parsed) -> frozenset[str] | None:
    spelling = _spell_sequence(list(parsed), {""})
    done = spelling.done | spelling.growing
    if "" in done:
        return None  # a match may begin with anything, or be empty
    return frozenset(done)


def _spell_sequence(items: list, growing: set[str]) -> _Spelling:
    spelling = _Spelling(set(growing))
    for op, av in items:
        if not spelling.growing:
            break
        step = _spell_item(op, av, spelling.growing)
        spelling.done |= step.done
        spelling.growing = set()
        for word in step.growing:
            (spelling.done if len(word) >= BEGINNING_LENGTH else spelling.growing).add(word)
        if len(spelling.growing) > _MAX_SPELLINGS:
            spelling.done |= spelling.growing
            spelling.growing = set()
    return spelling


def _stop(growing: set[str]) -> _Spelling:
    spelling = _Spelling(set())
    spelling.done = set(growing)
    return spelling


def _spell_item(op, av, growing: set[str]) -> _Spelling:
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _Spelling(set(growing))  # zero width: the beginning goes on
    if op is sre.LITERAL:
        return _Spelling({word + chr(av) for word in growing})
    if op is sre.IN:
        characters = _character_class(av)
        if characters is None:
            return _stop(growing)
        return _Spelling({word + c for word in growing for c in characters})
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        if add_flags or del_flags:
            return _stop(growing)
        return _spell_sequence(list(body), growing)
    if op is sre.BRANCH:
        merged = _Spelling(set())
        for alternative in av[1]:
            branch = _spell_sequence(list(alternative), growing)
            merged.done |= branch.done
            merged.growing |= branch.growing
        return merged
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = av
        # Every copy adds a character or nothing, so BEGINNING_LENGTH copies spell it out.
        result = _Spelling(set(growing) if low == 0 else set())
        current = set(growing)
        for count in range(1, min(high, BEGINNING_LENGTH) + 1):
            step = _spell_sequence(list(body), current)
            result.done |= step.done
            current = step.growing
            if count >= low:
                result.growing |= current
            if not current:
                break
        if low > BEGINNING_LENGTH:
            result.done |= current
        return result
    return _stop(growing)  # ., [^x], back-references, ...


def _character_class(av) -> set[str] | None:
    """The characters a class matches, or None when there are too many to spell out."""
    characters: set[str] = set()
    for op, value in av:
        if op is sre.LITERAL:
            characters.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < _LARGEST_SPELLED_CLASS:
            characters |= {chr(c) for c in range(value[0], value[1] + 1)}
        elif op is sre.CATEGORY and value in (sre.CATEGORY_SPACE, sre.CATEGORY_UNI_SPACE):
            characters |= _SPACES
        elif op is sre.CATEGORY and value in (sre.CATEGORY_DIGIT, sre.CATEGORY_UNI_DIGIT):
            characters |= set("0123456789")  # other digits: see ``WordPattern.reads_digits``
        else:
            return None  # negated classes, \w, wide ranges
    return characters


def _trie_regex(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words`` at its start (a character trie;
    a word that another one begins with is enough on its own)."""
    trie: dict = {}
    for word in sorted(words, key=len):
        node = trie
        for character in word:
            if node.get("") is True:
                break  # a shorter word already stands for this one
            node = node.setdefault(character, {})
        else:
            node.clear()
            node[""] = True
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    if node.get("") is True:
        return ""
    branches = [re.escape(c) + _node_regex(child) for c, child in sorted(node.items())]
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


# ---------------------------------------------------------------------------
# What every match of a scanned pattern must contain
# ---------------------------------------------------------------------------


def _required_literals(parsed) -> frozenset[str] | None:
    """Strings at least one of which every match contains, or None if unknown."""
    required = _required_in_sequence(list(parsed))
    if not required or any(len(r) < 2 for r in required):
        return None
    return frozenset(required)


def _required_in_sequence(items: list) -> set[str] | None:
    best: set[str] | None = None
    run = ""

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        consider({run} if run else None)
        run = ""
        if op is sre.SUBPATTERN:
            consider(_required_in_sequence(list(av[3])))
        elif op is sre.BRANCH:
            alternatives = [_required_in_sequence(list(a)) for a in av[1]]
            if all(alternatives):
                consider(set().union(*alternatives))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_required_in_sequence(list(av[2])))
    consider({run} if run else None)
    return best
