"""Long ordinary message bodies for the long-message tests and the benchmark.

``ordinary_prose(size)`` is a diary-like text of short everyday sentences, the same for the
same seed. It is full of the words that weak rules react to on their own ("now", "today",
"tired", "work", "the car", "my phone is dead") so that a long body really tests that weak
signs do not add up across it.
"""

from __future__ import annotations

import random

SENTENCES = (
    "I went to the shop and got some bread and milk.",
    "The bus was late again so I walked the last bit.",
    "Work was busy today but it was fine.",
    "My sister came round for tea and we watched a film.",
    "I am a bit tired now, it has been a long week.",
    "The dog needs a walk before it gets dark.",
    "We had pasta for dinner and it was nice.",
    "I read a few pages of my book in bed.",
    "It rained all day so I stayed in and did the washing.",
    "My phone was dead so I charged it in the car.",
    "The car is in the garage for its service.",
    "I rang my mum and we had a good chat.",
    "We went to the park and fed the ducks.",
    "I need to pay the gas bill at the end of the month.",
    "The kids were loud but it was a good day.",
    "I did some work in the garden and cut the grass.",
    "Tomorrow I have to get up early for work.",
    "I made a list of things to do this week.",
    "My friend sent me a funny video and I laughed.",
    "The trains were on time for once.",
    "I cleaned the kitchen and put the bins out.",
    "We played cards after lunch.",
    "I got a new coat in the sale.",
    "The cat sat on the sofa all day.",
    "I think I will try the new cafe next week.",
)


def ordinary_prose(size: int, seed: int = 1) -> str:
    """Exactly ``size`` characters of everyday sentences, cut at a sentence end."""
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence)
        length += len(sentence) + 1
    text = " ".join(parts)[:size]
    cut = text.rfind(". ", 0, size - 1)
    return (text[: cut + 1] + " " * (size - cut - 1)) if cut > 0 else text


def with_sentence(body: str, sentence: str, where: str) -> str:
    """``body`` with ``sentence`` at its start, in its middle (at a sentence end) or at its
    end; the length of ``body`` plus that of ``sentence`` and a space."""
    if where == "start":
        return f"{sentence} {body}"
    if where == "end":
        return f"{body.rstrip()} {sentence}" + " " * (len(body) - len(body.rstrip()))
    middle = body.index(". ", len(body) // 2) + 1
    return f"{body[:middle]} {sentence}{body[middle:]}"
