"""Text normalisation shared by the lexicon compiler and the detector.

Two levels of form are used:

* the *surface* form of a word: lower case, no accents, letters repeated three or more times
  collapsed to one ("nooooo" -> "no"), leetspeak undone ("k1ll" -> "kill").
* the *key* of a word: the surface form folded further so that spellings that sound alike in
  Spanish (and common English slips) meet: "quiero" / "kiero" / "qiero" -> "kiero",
  "suicidio" / "suisidio" -> "suisidio", "voy" / "voi" -> "boi", "disappear" / "dissapear" ->
  "disapear". Patterns and messages are both reduced to keys, so a staff member writes patterns
  in normal spelling and never sees keys.

Everything here is pure string work: no spaCy, no I/O, and it never raises on a str.
"""
from __future__ import annotations

import re
import unicodedata

BOUNDARY = "B"  # marks a sentence break; cannot come from text, which is lower-cased first
BOUNDARY_KEY = "<b>"  # how a sentence break appears among the keys given to the Matcher

_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʼʹ′"), None)
_REPEATS_3 = re.compile(r"([a-z])\1{2,}")
_DOUBLES = re.compile(r"([a-z])\1+")
_ELLIPSIS = re.compile(r"\.{2,}")
# a dot between single letters ("k.m.s", "s.u.i.c.i.d.e") is not a sentence break
_LETTER_DOTS = re.compile(r"(?<![a-z0-9])([a-z])\.(?=[a-z](?:[.\s]|$))")
_BREAKS = re.compile(r"[.!?;:,¿¡\n\r\u2028\u2029]+")
_NOT_WORD = re.compile(r"[^a-zB0-9*@$\s]+")
_SPACES = re.compile(r"\s+")
# "!" or "|" inside a word stands for an i ("k!ll", "d!e"); "*" hides a letter ("s*icide")
_BANG_IN_WORD = re.compile(r"(?<=[a-z])[!|](?=[a-z])")
_LEET_TABLE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                             "@": "a", "$": "s"})
# numbers with a unit or an ordinal are not leetspeak: 3am, 24h, 5km, 2nd, 1º (-> 1o), 10pm
_UNIT = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|h|hs|hr|hrs|min|mins|k|km|kms|m|mm|cm|kg|g|gb|mb|"
                   r"x|s|yo|y|o|a|er|do|da|ro|ra|to|ta|mo|ma|vo|va|no|na|e|eur|euros|k)$")
_HAS_ALPHA = re.compile(r"[a-z]")
_LEET_CHARS = re.compile(r"[0-9@$]")
_LEET_ANY = re.compile(r"[@$]|[a-z][0-9]|[0-9][a-z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _accent_table() -> dict[int, str]:
    table = {}
    for cp in range(0xC0, 0x250):
        c = chr(cp)
        base = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        if base != c and base.isascii():
            table[cp] = base
    return table


_ACCENTS = _accent_table()


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = text.translate(_ACCENTS)
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


_CONTRACTIONS = [
    (re.compile(r"\bcan['’]t\b", re.I), "can not"),
    (re.compile(r"\bwon['’]t\b", re.I), "will not"),
    (re.compile(r"\bain['’]t\b", re.I), "am not"),
    (re.compile(r"\bshan['’]t\b", re.I), "shall not"),
    (re.compile(r"n['’]t\b", re.I), " not"),
    (re.compile(r"['’]ll\b", re.I), " will"),
    (re.compile(r"['’]re\b", re.I), " are"),
    (re.compile(r"['’]ve\b", re.I), " have"),
    (re.compile(r"\b(i)['’]m\b", re.I), r"\1 am"),
    (re.compile(r"['’]d\b", re.I), " would"),
]


def _expand_contractions(text: str) -> str:
    """English contractions written with an apostrophe: "he'll" -> "he will" (without the
    apostrophe it would read "hell"). Apostrophes left over are dropped later ("he's" -> "hes",
    which the abbreviations turn into "he is")."""
    for rx, repl in _CONTRACTIONS:
        text = rx.sub(repl, text)
    return text


def _clean_char(c: str) -> str:
    cat = unicodedata.category(c)
    if cat == "Cf":  # zero-width joiners, right-to-left marks, soft hyphens: invisible, drop
        return ""
    if cat in ("Cc", "Co", "Cs", "Cn", "Zl", "Zp"):
        return "\n" if c in "\n\r\x0b\x0c\x85\u2028\u2029" else " "
    return c


def _unleet(word: str) -> str:
    word = word.lstrip("@")  # a leading @ is a mention
    if _LEET_CHARS.search(word) and _HAS_ALPHA.search(word) and not _UNIT.match(word):
        word = word.translate(_LEET_TABLE)
    return word.replace("@", "").replace("$", "")


def clean(text: str) -> str:
    """Message -> lower-case ASCII words separated by spaces, with BOUNDARY at sentence breaks.

    Keeps '*' inside words (a hidden letter, as in "s*icide") for the detector to resolve.
    """
    if "'" in text or "’" in text:
        text = _expand_contractions(text)
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii() or _CONTROL.search(text):
        text = "".join(_clean_char(c) for c in text)
    text = strip_accents(text.casefold())
    text = _BANG_IN_WORD.sub("i", text)
    if ".." in text:
        text = _ELLIPSIS.sub(" ", text)
    text = _LETTER_DOTS.sub(r"\1", text)
    text = _BREAKS.sub(f" {BOUNDARY} ", text)
    text = _NOT_WORD.sub(" ", text)
    if _LEET_ANY.search(text):
        text = " ".join(_unleet(w) if _LEET_ANY.search(w) else w for w in text.split())
    text = _REPEATS_3.sub(r"\1", text)
    if "*" in text:
        text = " ".join(w.strip("*") for w in text.split())
    return " ".join(text.split())


def surface(word: str) -> str:
    """Normalise one pattern or lexicon word the way clean() normalises message words."""
    out = clean(word).replace(BOUNDARY, " ").split()
    return " ".join(out)


def key(word: str) -> str:
    """Surface word -> sound-alike key (see module docstring). Numbers pass unchanged."""
    if not word.isalpha():
        return word
    w = word.replace("ph", "f")
    w = re.sub(r"qu(?=[eiy])", "k", w)
    w = w.replace("q", "k")
    w = re.sub(r"c(?=[eiy])", "s", w)
    w = re.sub(r"c(?!h)", "k", w)
    w = w.replace("z", "s").replace("v", "b")
    w = re.sub(r"(?<=[aeiou])y$", "i", w)
    w = _DOUBLES.sub(r"\1", w)
    return w or word


def damerau1(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    if la > lb:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


def deletes(word: str) -> set[str]:
    """The word and every form of it with one letter removed."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}
