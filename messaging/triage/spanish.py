"""Crisis words in Spanish (pure, no Django).

The detector's rules and model read English. A message in another language is delivered to a
clinician promptly and flagged "not read automatically" (``detector``); these phrases make a
Spanish message that says it plainly a crisis, so it escalates instead of waiting for someone
to read it. They are matched on the message lower-cased with accents removed ("está" →
"esta", "daño" → "dano"), so a phone that drops accents is read the same.

Each rule is (pattern, plain-language reason shown to the clinician, in English).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

PILLS = r"(?:pastillas|pildoras|medicinas|medicamentos|comprimidos|tabletas)"

CRISIS_PHRASES: tuple[tuple[str, str], ...] = (
    (r"suicid\w*", "talks about suicide"),
    (
        r"(?:me )?quiero morir(?:me)?|ganas de morir(?:me)?|(?:prefiero|quisiera|desearia)"
        r" (?:estar )?muert[oa]|no quiero (?:seguir )?vivir|no vale la pena (?:seguir )?vivir",
        "says they want to die",
    ),
    (
        r"matarme|me (?:quiero|voy a) matar|se va a matar|se quiere matar|tirarme"
        r"|quitarme la vida|acabar con mi vida|acabar con todo|terminar con todo"
        r"|terminar con mi vida|no quiero despertar",
        "says they want to end their life",
    ),
    (
        rf"(?:me )?(?:tome|trague|tomado|tragado|tomar|tomarme|voy a tomar) (?:todas |todos )?"
        rf"(?:las |los |mis )?{PILLS}"
        rf"|sobredosis|(?:tengo|junte|guarde) (?:todas )?(?:las |mis )?{PILLS}"
        r"|(?:tengo|compre) (?:una|la) (?:cuerda|soga|pistola)|(?:tengo|compre) un arma",
        "has taken or has the means (pills, a rope, a weapon)",
    ),
    (
        r"(?:me )?(?:corte|cortando|voy a cortar)(?:me)?(?: las venas| los brazos)?|cortarme"
        r"|hacerme dano|lastimarme",
        "describes hurting themself",
    ),
    (
        r"estoy (?:en|arriba de|encima de) (?:el|la) (?:puente|techo|tejado|azotea|borde|vias"
        r"|acantilado|anden)|no (?:pienso|voy a) (?:regresar|volver)|me despido|despedirme"
        r"|cartas? de despedida"
        r"|adios para siempre",
        "a goodbye or a place people go to end their life",
    ),
    (
        r"me (?:esta|estan) (?:golpeando|pegando|amenazando|lastimando)|me va a matar"
        r"|me quiere matar|me encerre|tengo miedo de que me mate",
        "is being harmed or threatened now",
    ),
    (r"las voces me (?:dicen|piden|ordenan)", "hears voices telling them what to do"),
    (r"voy a matar(?:lo|la|le|los)?|quiero matar a", "says they will harm someone"),
)

# Not counted: a phrase negated just before it ("no voy a hacerme daño"), or a sentence about
# the past ("hace años intenté quitarme la vida"). The message is still delivered to a
# clinician now, as every message the detector does not read is.
_NEGATED_BEFORE = re.compile(r"(?<!\w)(?:no|nunca|jamas|ni)(?: \w+){0,2} $")
_PAST = re.compile(
    r"(?<!\w)(?:hace (?:\w+ )?anos|hace mucho|cuando era|de (?:nino|nina|joven|adolescente)"
    r"|ya no pienso en eso)(?!\w)"
)
_SENTENCE = re.compile(r"[.!?\n]")

_COMPILED = tuple(
    (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), reason) for pattern, reason in CRISIS_PHRASES
)


def without_accents(text: str) -> str:
    """Lower case with accents removed, one character for one (offsets stay the same)."""
    if text.isascii():
        return text.lower()
    return "".join(_plain(ch.lower()[:1]) for ch in text)


def _plain(character: str) -> str:
    base = unicodedata.normalize("NFD", character)[:1]
    return base if len(base) == 1 and base.isascii() else character


def crisis_phrases(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, reason) of each Spanish crisis phrase in ``text``."""
    plain = without_accents(text)
    for pattern, reason in _COMPILED:
        for found in pattern.finditer(plain):
            start, end = found.span()
            sentence_start = max((m.end() for m in _SENTENCE.finditer(plain, 0, start)), default=0)
            sentence_end = next((m.start() for m in _SENTENCE.finditer(plain, end)), len(plain))
            if _NEGATED_BEFORE.search(plain[max(sentence_start, start - 30) : start]):
                continue
            if _PAST.search(plain, sentence_start, sentence_end):
                continue
            yield start, end, reason
