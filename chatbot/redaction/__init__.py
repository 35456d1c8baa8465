"""Redaction before storage: personal data in a user's message is replaced by a typed
placeholder before the message is stored anywhere (our database, Rasa's tracker store, logs)
or sent to Rasa.

    from chatbot.redaction import redact
    redact("me llamo Lucía, mi móvil es 612 345 678")   # -> "me llamo [NAME], mi móvil es [PHONE]"

Placeholders: [PHONE] [EMAIL] [HANDLE] [URL] [ADDRESS] [ID] [IBAN] [CARD] [NUMBER] [NAME].
[NUMBER] is the safety net for any other run of seven or more digits.

What stays as typed, because it is not personal data and the assistant needs it:
- helpline and emergency numbers (112, 091, 016, 017, 024, 900 20 20 10, 0800 1111, 988,
  741741...): the built-in list below plus every number in content/helplines/*.yml;
- amounts, dates, times, ages, years ("1.500 euros", "12/03/2024", "23:40", "15 años");
- home pages of platforms and services ("instagram.com", "takeitdown.ncmec.org") and the pages
  our own content links to. A URL with any other path ("tiktok.com/@ana") is redacted;
- names of platforms and organisations (Instagram, Take It Down, Guardia Civil...) and ordinary
  words that are also names ("rosa", "hope", "will") when the context says they are words.

Invisible characters that could hide a number from the detectors (zero-width spaces and joiners
next to letters or digits, direction marks, soft hyphens) and control characters (NUL...) are
removed; the rest of the text is kept exactly.

``redact(text)`` never raises. The lists load once, on first use or on ``warm_up()``, in
about two seconds (spaCy and the Spanish and English word lists of spacy-lookups-data); after that
a typical message takes a few tenths of a millisecond. Safe to call from many threads. If the
lists cannot be loaded, or a message makes a detector fail, a stricter fallback that needs no
lists answers instead (numbers, e-mails, handles, URLs and every capitalised word in mid-sentence
are masked), and if even that fails the whole message becomes "[REDACTED]": losing the words of
one message is better than storing a phone number.

``find(text)`` returns what was found, for tests and the benchmark; ``python -m
chatbot.redaction "text"`` shows it from the command line.
"""
from __future__ import annotations

import logging
import re
import threading

from .patterns import Span

__all__ = ["redact", "find", "warm_up", "redactor", "clean", "Span", "PLACEHOLDERS"]

log = logging.getLogger(__name__)

PLACEHOLDERS = ("PHONE", "EMAIL", "HANDLE", "URL", "ADDRESS", "ID", "IBAN", "CARD", "NUMBER", "NAME")
CHUNK = 20_000  # longer messages are redacted in pieces cut at whitespace

_lock = threading.Lock()
_redactor = None
_load_failed = False

# Invisible format characters: zero-width space/non-joiner/joiner, word joiner, direction marks
# and embeddings/isolates, BOM, soft hyphen. The joiner (U+200D) is kept between two non-ASCII
# characters (emoji sequences such as 👨‍👩‍👧).
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_JOINER_NEAR_ASCII = re.compile(r"\u200d(?=[\x00-\x7f])|(?<=[\x00-\x7f])\u200d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000]")


def clean(text: str) -> str:
    """The text without invisible and control characters (what the detectors see)."""
    text = _INVISIBLE.sub("", text)
    text = _JOINER_NEAR_ASCII.sub("", text)
    return _CONTROL.sub("", text)


def redactor():
    """The shared Redactor, loaded on first use. Raises if it cannot be built."""
    global _redactor
    if _redactor is None:
        with _lock:
            if _redactor is None:
                from .engine import Redactor

                _redactor = Redactor()
    return _redactor


def warm_up() -> bool:
    """Load now (for example at server start) instead of on the first message."""
    global _load_failed
    try:
        redactor()
        return True
    except Exception:  # noqa: BLE001
        _load_failed = True
        log.exception("redaction lists failed to load; using the strict fallback")
        return False


def find(text: str) -> list[Span]:
    """Spans of personal data in ``clean(text)``, in order. May raise."""
    text = clean(_as_text(text))
    r = redactor()
    spans: list[Span] = []
    for offset, piece in _pieces(text):
        spans += [Span(s.start + offset, s.end + offset, s.label) for s in r.find(piece)]
    return spans


def redact(text: str) -> str:
    """The message with personal data replaced by placeholders. Never raises."""
    try:
        text = clean(_as_text(text))
        if not text.strip():
            return text
        if _load_failed and _redactor is None:
            return _fallback(text)
        return apply(text, find(text))
    except Exception:  # noqa: BLE001 - a message must never be stored in clear because of a bug
        _note_failure()
        try:
            return _fallback(clean(_as_text(text)))
        except Exception:  # noqa: BLE001
            return "[REDACTED]"


def apply(text: str, spans: list[Span]) -> str:
    out, pos = [], 0
    for span in sorted(spans):
        if span.start < pos:
            continue
        out.append(text[pos:span.start])
        out.append(f"[{span.label}]")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _pieces(text: str):
    if len(text) <= CHUNK:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK)
        if end < len(text):
            end = _cut(text, start + CHUNK // 2, end)
        yield start, text[start:end]
        start = end


_SENTENCE_END = re.compile(r"[.!?\n]\s")
_BETWEEN_WORDS = re.compile(r"[^\W\d_]\s[^\W\d_]")


def _cut(text: str, low: int, high: int) -> int:
    """Where to cut a long message: after the last sentence end in [low, high), else at a space
    between two letters (never inside a phone number), else at high."""
    window = text[low:high]
    for rx in (_SENTENCE_END, _BETWEEN_WORDS):
        last = None
        for last in rx.finditer(window):
            pass
        if last is not None:
            return low + last.start() + 1
    return high


def _as_text(text) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return text if isinstance(text, str) else str(text)


def _note_failure() -> None:
    global _load_failed
    if _redactor is None:
        _load_failed = True
    # never log the message itself
    log.exception("redaction failed on a message; used the strict fallback")


_FALLBACK_RULES = (
    (re.compile(r"\S+@\S+\.\w+"), "[EMAIL]"),
    (re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|es|uk|me|io|ly|tv|gg)/\S*"), "[URL]"),
    (re.compile(r"(?<![\w@])@\w[\w.]*"), "[HANDLE]"),
    (re.compile(r"\+?\d(?:[\s().\-]{0,3}\d){6,}"), "[NUMBER]"),
    (re.compile(r"(?<=[^\s.!?¿¡])(\s+)[A-ZÁÉÍÓÚÑ][\w'-]+"), r"\1[NAME]"),
)


def _fallback(text: str) -> str:
    for rx, placeholder in _FALLBACK_RULES:
        text = rx.sub(placeholder, text)
    return text
