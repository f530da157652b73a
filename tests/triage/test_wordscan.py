"""The word index finds exactly what ``re.finditer`` finds, only faster on long texts.

Every word-bounded pattern of the detector (rules, figures of speech, the modifiers' markers)
is checked against the plain regex on the labelled messages, on random slices of them and on
generated texts, so a lexicon edit that the index could not read is caught here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.triage import detector, wordscan

DATA = Path(__file__).resolve().parents[2] / "messaging" / "triage" / "data"
DETECTOR_PATTERNS = list(detector._PATTERNS._patterns)


def labelled_texts() -> list[str]:
    texts = []
    for name in ("dev.jsonl", "heldout.jsonl", "heldout_v2.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(detector.normalise(json.loads(line)["text"]).text)
    return texts


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_the_detector_indexes_nearly_every_pattern() -> None:
    scanned = [p for p in DETECTOR_PATTERNS if p.scanned]
    assert len(DETECTOR_PATTERNS) > 600
    assert len(scanned) <= 12, [p.source[:60] for p in scanned]


def test_every_detector_pattern_matches_as_finditer_on_the_labelled_messages() -> None:
    texts = labelled_texts()
    texts.append(" ".join(texts))  # one long text crossing every message boundary
    for text in texts:
        index = detector._PATTERNS.index(text)
        for pattern in DETECTOR_PATTERNS:
            assert spans(index.finditer(pattern)) == spans(pattern.regex.finditer(text)), (
                pattern.source,
                text,
            )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_slices_match_as_finditer_with_pos_and_endpos(data: st.DataObject) -> None:
    texts = labelled_texts()
    text = texts[data.draw(st.integers(0, len(texts) - 1))]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    index = detector._PATTERNS.index(text)
    for pattern in DETECTOR_PATTERNS:
        expected = spans(pattern.regex.finditer(text, start, end))
        assert spans(index.finditer(pattern, start, end)) == expected, (pattern.source, start, end)


PIECES = [
    *"abcdegiklmnoprstuwy '.,!?\n-\u2019\u0663\u00e9_",
    *("kill myself ", "im not going to ", "pills ", "\U0001f48a", "30 ", "3pm ", "used to "),
    *("tonight ", "my friend ", "lol ", "is murder ", "\u26b0\ufe0f", "$40 ", "i want to die"),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_generated_texts_match_as_finditer(text: str) -> None:
    index = detector._PATTERNS.index(text)
    for pattern in DETECTOR_PATTERNS:
        assert spans(index.finditer(pattern)) == spans(pattern.regex.finditer(text)), pattern.source


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        (r"kill?(?:ing|ed)? myself", "skill myself, killing myself", [(14, 28)]),
        (r"celebrat\w*", "we celebrated", [(3, 13)]),
        (r"\d+ mins", "in 5 mins or \u0665 mins", [(3, 9), (13, 19)]),  # Arabic-Indic 5 too
        (r"^(?:ok|thanks)\W*", "ok thanks", [(0, 2)]),
        (r"(?:\w+ )?pills", "my pills", [(0, 8)]),
        (r"a(?:b|)c", "ac abc", [(0, 2), (3, 6)]),
    ],
)
def test_one_pattern(source: str, text: str, expected: list[tuple[int, int]]) -> None:
    patterns = wordscan.PatternSet()
    pattern = patterns.add(source)
    assert spans(patterns.index(text).finditer(pattern)) == expected
    assert spans(pattern.regex.finditer(text)) == expected


def test_a_pattern_that_can_start_anywhere_is_scanned() -> None:
    patterns = wordscan.PatternSet()
    assert patterns.add(r"\w+ knows where").scanned
    assert patterns.add(r"(?:x)?").scanned  # may match nothing
    assert not patterns.add(r"(?:i|we) (?:will|shall)").scanned


def test_normalisation_is_unchanged_on_awkward_characters() -> None:
    """The one-pass normaliser keeps the per-character rules: apostrophes dropped, a run of
    white space (also across apostrophes) one space or newline, capital I with a dot two
    characters, sigma one, quotes and dashes straightened, repeats squeezed, typos fixed."""
    text = "I\u2019M \u2019 \r\n so\u2014\u201cSOOO\u201d  \u0130\u03a3 gonna sucide\t!!!"
    norm = detector.normalise(text)
    assert norm.text == 'im\nso-"so" i\u0307\u03c3 going to suicide !!!'
    assert [norm.original_span(i, i + 1) for i in range(3)] == [(0, 1), (2, 3), (3, 9)]
    going = norm.text.index("going")
    assert norm.original_span(going, going + 8) == (text.index("gonna"), text.index("gonna") + 5)
