"""How many SMS segments a text costs: GSM-7 (160 characters, 153 in each part of a longer
message) or UCS-2 (70, 67 in each part) as soon as one character is outside GSM-7.

Two substitutions keep replies cheap:
- typographic punctuation ("curly quotes", dashes, ellipsis, non-breaking space) always becomes
  its plain GSM-7 equivalent: same meaning, and one curly apostrophe no longer triples the cost;
- á í ó ú (and capitals), which are not in GSM-7 (é, ñ, ü, ¿, ¡ are), become a i o u when that
  makes the whole text GSM-7 and so cheaper: one "á" turns a 300-character answer from 2 segments
  into 5, and can push it over the budget. Accents are kept when they cost nothing (the text is
  UCS-2 anyway, e.g. an emoji, or it fits one segment either way). Spanish without those accents
  stays readable (it is how many people text); a wrong price or a cut-off helpline is worse.
  See `fit()`.
"""
from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # each costs two septets (escape + character)

GSM7 = "GSM-7"
UCS2 = "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
MULTIPART = {GSM7: 153, UCS2: 67}

PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
    "\u00a0": " ", "\u2022": "-", "\u00b7": "-", "\t": " ",
})
SPANISH_ACCENTS = str.maketrans("áíóúÁÍÓÚ", "aiouAIOU")


def encoding(text: str) -> str:
    return GSM7 if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else UCS2


def _units(text: str, enc: str) -> list[int]:
    """The cost of each character: septets for GSM-7, UTF-16 code units for UCS-2."""
    if enc == GSM7:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> int:
    """Segments the text costs (an escape pair or a surrogate pair is never split)."""
    enc = encoding(text)
    units = _units(text, enc)
    if sum(units) <= SINGLE[enc]:
        return 1
    segments, used = 1, 0
    for unit in units:
        if used + unit > MULTIPART[enc]:
            segments, used = segments + 1, 0
        used += unit
    return segments


@dataclass(frozen=True)
class Fitted:
    text: str
    encoding: str
    segments: int
    accents_dropped: bool = False


def plain(text: str) -> str:
    return text.translate(PUNCTUATION)


def fit(text: str, budget: int) -> Fitted | None:
    """The text as it will be sent (á í ó ú accents dropped when that makes it cheaper), or None
    when it does not fit `budget` segments."""
    text = plain(text)
    cost = count(text)
    folded = text.translate(SPANISH_ACCENTS)
    if folded != text and encoding(folded) == GSM7 and count(folded) < cost:
        text, cost, dropped = folded, count(folded), True
    else:
        dropped = False
    return Fitted(text, encoding(text), cost, dropped) if cost <= budget else None
