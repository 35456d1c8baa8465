"""SMS keywords: a whole message that is one of these words (any case, with or without accents,
punctuation around it ignored) is a command, not a question for the assistant."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..language import fold

STOP, START, HELP, HUMAN, ERASE = "stop", "start", "help", "human", "erase"


@dataclass(frozen=True)
class Keyword:
    action: str
    lang: str | None  # the language the word belongs to; None when it is both (STOP, INFO)


# Twilio's own opt-out and opt-in words are included, so our state agrees with the carrier's.
_WORDS = {
    STOP: {"stop": None, "stopall": "en", "unsubscribe": "en", "cancel": "en", "end": "en",
           "quit": "en", "baja": "es", "parar": "es"},
    START: {"start": None, "unstop": "en", "alta": "es"},
    HELP: {"help": "en", "info": None, "ayuda": "es"},
    HUMAN: {"human": "en", "persona": "es", "humano": "es"},
    ERASE: {"delete": "en", "borrar": "es"},
}
KEYWORDS = {word: Keyword(action, lang) for action, words in _WORDS.items() for word, lang in words.items()}
_AROUND = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def match(text: str | None) -> Keyword | None:
    if not text or len(text) > 40:
        return None
    word = _AROUND.sub("", fold(text))
    return KEYWORDS.get(word)
