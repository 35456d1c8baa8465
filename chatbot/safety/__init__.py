"""Crisis and emergency detection: runs on every user message, before anything else.

    from chatbot.safety import assess
    assess("ya no puedo más, me quiero morir")   # -> "crisis"
    assess("he's outside my house right now")     # -> "emergency"
    assess("my mom is gonna kill me lol")         # -> None

``assess(text)`` returns "crisis" (suicide, self-harm, wanting to die or disappear, in direct,
indirect, slang or misspelled form, in Spanish or English), "emergency" (immediate physical
danger now) or None. When both apply it returns "crisis". It never raises: if the lexicon
cannot be loaded or matching fails, a deliberately broad keyword check answers instead, so a
broken lexicon file degrades to extra helpline offers, never to silence.

The phrases live in ``lexicon/en.yml`` and ``lexicon/es.yml`` (syntax at the top of each
file). Both languages are always checked, whatever language the conversation is in.
``explain(text)`` lists which patterns matched and which an idiom cancelled; ``only_idioms(text)``
says whether the lexicon explains every alarming word of a message as an idiom; ``python -m
chatbot.safety`` checks the lexicon files and tries messages from the command line.

Loading compiles the lexicons into spaCy Matchers and reads a Spanish and English word list
(spacy-lookups-data) that keeps real words from being "corrected": about 6 s of CPU on top of
importing spaCy (measured 2026-11-26), once per process, on first use or on ``warm_up()`` (call
it at server start). After that a message takes about 0.2-0.3 ms. Safe to call from many threads.
"""
from __future__ import annotations

import logging
import re
import threading
import time

from .normalize import clean, strip_accents

__all__ = ["assess", "explain", "only_idioms", "warm_up", "get_detector", "CRISIS", "EMERGENCY"]

CRISIS = "crisis"
EMERGENCY = "emergency"

log = logging.getLogger(__name__)

_lock = threading.Lock()
_detector = None
_load_failed = False
_failed_at = 0.0
RETRY_AFTER = 60.0  # seconds before trying again to load a lexicon that failed to load
MAX_CHARS = 50_000  # longer input is checked in overlapping slices of this size


def get_detector():
    """The shared Detector, loaded on first use. Raises if the lexicon cannot be compiled."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from .detector import Detector

                _detector = Detector()
    return _detector


def warm_up() -> bool:
    """Load now (for example at server start) instead of on the first message."""
    try:
        get_detector()
        from .. import wordlist

        wordlist.available()  # the known-words list the typo correction reads (~2 s to load)
        return True
    except Exception:  # noqa: BLE001
        _note_failure()
        return False


def assess(text: str) -> str | None:
    """'crisis', 'emergency' or None for one user message. Never raises."""
    try:
        text = _as_text(text)
        if not text or not text.strip():
            return None
        if _load_failed and _detector is None and time.monotonic() - _failed_at < RETRY_AFTER:
            return _fallback(text)
        det = get_detector()
        if len(text) <= MAX_CHARS:
            return det.assess(text)
        # very long input: every part is checked, in overlapping slices
        found = set()
        for start in range(0, len(text), MAX_CHARS - 1000):
            found.add(det.assess(text[start:start + MAX_CHARS]))
            if CRISIS in found:
                return CRISIS
        return EMERGENCY if EMERGENCY in found else None
    except Exception:  # noqa: BLE001 - the safety check must answer whatever happens
        _note_failure()
        try:
            return _fallback(text)
        except Exception:  # noqa: BLE001
            return None


def only_idioms(text: str) -> bool:
    """True when the lexicon reads the message as harmless: it holds a known idiom ("me muero
    de vergüenza", "my mum will kill me", "suicide squad"), no crisis or emergency phrase, and
    no word that can signal danger outside those idioms. The NLU guard
    (chatbot.rasa_plugins.CrisisIdiomGuard) uses it to overrule a crisis reading of such a
    message. Never raises: when in doubt, or if the lexicon fails, it says False."""
    try:
        text = _as_text(text)
        if not text or not text.strip() or len(text) > MAX_CHARS:
            return False
        return get_detector().only_idioms(text)
    except Exception:  # noqa: BLE001
        log.exception("crisis lexicon failed in only_idioms; keeping the NLU's reading")
        return False


def explain(text: str) -> list[dict]:
    """Which patterns matched the message, for staff and tests. May raise."""
    return [
        {"section": m.section, "pattern": m.pattern, "file": m.origin,
         "words": " ".join(m.words), "cancelled": m.cancelled}
        for m in get_detector().matches(_as_text(text))
    ]


def _as_text(text) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return text if isinstance(text, str) else str(text)


def _note_failure() -> None:
    global _load_failed, _failed_at
    if _detector is None:
        _load_failed = True
        _failed_at = time.monotonic()
    log.exception("crisis detector failed; using the keyword fallback")


# Broad on purpose: used only when the lexicon cannot be loaded or matching fails.
_FALLBACK_CRISIS = re.compile(
    r"suicid|suisid|\bkms\b|kill\s*(?:my|me)\s*self|unalive|self\s*harm|autolesi|"
    r"want\s*to\s*die|wanna\s*die|end\s*(?:my\s*life|it\s*all)|cut(?:ting)?\s*myself|"
    r"hurt(?:ing)?\s*myself|better\s*off\s*(?:dead|without\s*me)|disappear|"
    r"(?:quiero|kiero|qiero)\s*(?:morir|matarme|desaparecer)|me\s*(?:quiero|kiero)\s*(?:morir|matar)|"
    r"matarme|morirme|quitarme\s*la\s*vida|acabar\s*con\s*todo|no\s*quiero\s*vivir|"
    r"no\s*(?:puedo|aguanto)\s*mas|mejor\s*sin\s*mi|me\s*corto|cortarme|hacerme\s*dano|"
    r"me\s*voy\s*a\s*tirar|sobredosis|overdose")
_FALLBACK_EMERGENCY = re.compile(
    r"outside\s*my\s*(?:house|home|door|school)|following\s*me|coming\s*to\s*(?:hurt|kill|get)\s*me|"
    r"call\s*(?:the\s*)?(?:police|cops|911|999|112)|fuera\s*de\s*mi\s*casa|afuera\s*de\s*mi\s*casa|"
    r"me\s*esta\s*siguiendo|me\s*(?:esta|estan)\s*(?:pegando|persiguiendo)|"
    r"llam(?:a|ad|en)\s*a\s*la\s*policia|estoy\s*en\s*peligro|i\s*?a?m\s*in\s*danger")


def _fallback(text: str) -> str | None:
    flat = clean(text) if len(text) <= MAX_CHARS else strip_accents(text.casefold())
    flat = re.sub(r"([a-z])\1{2,}", r"\1", flat)
    if _FALLBACK_CRISIS.search(flat):
        return CRISIS
    if _FALLBACK_EMERGENCY.search(flat):
        return EMERGENCY
    return None
