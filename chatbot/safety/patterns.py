"""The lexicon pattern syntax, and its compilation to spaCy Matcher patterns.

A pattern is a line of words separated by spaces. Case, accents, apostrophes and repeated
letters never matter; common short forms are expanded the same way in patterns and messages
(see the ``abbreviations`` section), so "i'm", "im" and "i am" are one thing.

    word        that word (also its sound-alike spellings: quiero = kiero = qiero)
    a|b|c       any one of these words ("a|b c" is (a or b) followed by c)
    (a b|c d)   any one of these phrases; a phrase may use everything listed here
    word?       the word, or nothing; also a|b? for "a or b or nothing"
    pre*        any word that starts with "pre" (suicid* = suicidio, suicidarme, suicidal...);
                a * inside a word is any letters (*ando = any word ending in "ando")
    *           any one word, or none
    **          up to three words, or none
    !a|b        any one word except these
    #           any number
    .           a sentence break, or the start or end of the message
    @name       any of the phrases listed under ``words: name:`` in the same file;
                @name? also allows nothing

Gaps (* and **) never jump over the end of a sentence (. ! ? , ; : or a new line).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .normalize import BOUNDARY_KEY, key, surface

MAX_EXPANSIONS = 5000

Atom = tuple  # ("lit", frozenset) | ("rx", str) | ("not", frozenset) | ("any",) | ("num",)


class LexiconError(ValueError):
    """A lexicon file that cannot be compiled; the message says which pattern and why."""


@dataclass(frozen=True)
class Token:
    atom: Atom
    optional: bool = False

    def to_matcher(self) -> dict:
        kind = self.atom[0]
        if kind == "lit":
            values = sorted(self.atom[1])
            spec: dict = {"LOWER": values[0]} if len(values) == 1 else {"LOWER": {"IN": values}}
        elif kind == "rx":
            spec = {"LOWER": {"REGEX": self.atom[1]}}
        elif kind == "not":
            spec = {"LOWER": {"NOT_IN": sorted(self.atom[1])}}
        elif kind == "any":
            spec = {"LOWER": {"NOT_IN": [BOUNDARY_KEY]}}
        else:  # num
            spec = {"LOWER": {"REGEX": r"^\d+$"}}
        if self.optional:
            spec["OP"] = "?"
        return spec


Option = tuple  # a sequence of Token; an element of a pattern is a list of options


@dataclass
class Compiled:
    section: str
    source: str
    origin: str
    sequences: list[tuple[Token, ...]] = field(default_factory=list)

    def matcher_patterns(self) -> list[list[dict]]:
        return [[t.to_matcher() for t in seq] for seq in self.sequences]


_GLOB_BAD_END = re.compile(r"(c|q|qu|[aeiou]y)$")


class PatternCompiler:
    """Compiles the pattern strings of one lexicon file.

    ``words_of`` turns a literal word into the list of keys it stands for (abbreviations can
    make one word several, e.g. "gonna" -> going to).
    """

    def __init__(self, sets: dict, words_of: Callable[[str], list[str]], origin: str):
        self.raw_sets = sets or {}
        self.words_of = words_of
        self.origin = origin
        self._set_cache: dict[str, list[Option]] = {}
        self._resolving: set[str] = set()
        self.literal_words: set[str] = set()  # surface forms of every literal word seen

    # -- elements ---------------------------------------------------------------------------
    def _literal_option(self, word: str, where: str) -> Option:
        keys = self.words_of(word)
        if not keys:
            raise LexiconError(f"{where}: '{word}' has no letters or digits")
        self.literal_words.update(surface(word).split())
        return tuple(Token(("lit", frozenset([k]))) for k in keys)

    def _glob(self, alt: str, where: str) -> str:
        parts = alt.split("*")
        if not any(p.strip() for p in parts):
            raise LexiconError(f"{where}: '{alt}' needs letters around the *")
        regex = []
        for i, part in enumerate(parts):
            norm = surface(part) if part else ""
            if " " in norm:
                raise LexiconError(f"{where}: '{alt}' must be one word")
            if norm and i < len(parts) - 1 and _GLOB_BAD_END.search(norm):
                raise LexiconError(
                    f"{where}: in '{alt}' the letters before * end in '{norm[-2:]}', whose sound "
                    f"depends on the next letter; cut the word one letter earlier")
            regex.append(re.escape(key(norm)) if norm.isalpha() else re.escape(norm))
        return ".*".join(regex)

    def _alternatives(self, text: str, where: str) -> list[Option]:
        options: list[Option] = []
        lits: set[str] = set()
        globs: list[str] = []
        for alt in text.split("|"):
            alt = alt.strip()
            if not alt:
                raise LexiconError(f"{where}: empty alternative in '{text}'")
            if "*" in alt:
                globs.append(self._glob(alt, where))
                continue
            option = self._literal_option(alt, where)
            if len(option) == 1:
                lits.update(option[0].atom[1])
            else:
                options.append(option)
        if globs:
            alts = sorted(re.escape(x) for x in lits) + globs
            options.append((Token(("rx", "^(?:" + "|".join(alts) + ")$")),))
        elif lits:
            options.append((Token(("lit", frozenset(lits))),))
        return options

    def _set(self, name: str, where: str) -> list[Option]:
        if name in self._set_cache:
            return self._set_cache[name]
        if name not in self.raw_sets:
            raise LexiconError(f"{where}: @{name} is not defined under 'words:'")
        if name in self._resolving:
            raise LexiconError(f"{where}: @{name} refers to itself")
        self._resolving.add(name)
        raw = self.raw_sets[name]
        # a group is a list of phrases, or one line of phrases separated by |
        phrases = _split(raw, "|") if isinstance(raw, str) else list(raw or [])
        options: list[Option] = []
        for phrase in phrases:
            if not isinstance(phrase, str):
                raise LexiconError(f"words: {name}: every entry must be text, not {phrase!r}")
            for seq in self._sequences(phrase, f"words: {name}: '{phrase}'"):
                if any(t.optional for t in seq):
                    raise LexiconError(f"words: {name}: '{phrase}': no optional parts in a word group")
                options.append(seq)
        self._resolving.discard(name)
        self._set_cache[name] = _merge_single_literals(options)
        return self._set_cache[name]

    def _element(self, el: str, where: str) -> tuple[list[Option], bool]:
        """-> (options, optional)"""
        if el == "*":
            return [(Token(("any",), optional=True),)], False
        if el == "**":
            return [tuple(Token(("any",), optional=True) for _ in range(3))], False
        if el == "#":
            return [(Token(("num",)),)], False
        optional = el.endswith("?") and len(el) > 1
        if optional:
            el = el[:-1]
        if el == ".":
            return [(Token(("lit", frozenset([BOUNDARY_KEY]))),)], optional
        if el.startswith("(") and el.endswith(")"):
            options: list[Option] = []
            for alt in _split(el[1:-1], "|"):
                if not alt.strip():
                    raise LexiconError(f"{where}: empty alternative in '{el}'")
                options.extend(self._sequences(alt, where))
            return _merge_single_literals(options), optional
        if "(" in el or ")" in el:
            raise LexiconError(f"{where}: unbalanced or misplaced brackets in '{el}'")
        if el.startswith("@"):
            return self._set(el[1:], where), optional
        if el.startswith("!"):
            words: set[str] = set()
            for alt in el[1:].split("|"):
                keys = self.words_of(alt) if alt.strip() else []
                if len(keys) != 1:
                    raise LexiconError(f"{where}: after ! give single words, not '{alt}'")
                self.literal_words.update(surface(alt).split())
                words.add(keys[0])
            return [(Token(("not", frozenset(words))),)], optional
        return self._alternatives(el, where), optional

    def _sequences(self, pattern: str, where: str) -> list[tuple[Token, ...]]:
        elements = []
        for el in _split(pattern, " "):
            options, optional = self._element(el, where)
            if optional:
                if all(len(o) == 1 and o[0].atom[0] in ("lit", "rx") for o in options) and len(options) == 1:
                    options = [(Token(options[0][0].atom, optional=True),)]
                else:
                    options = list(options) + [()]
            elements.append(options)
        total = 1
        for options in elements:
            total *= max(1, len(options))
        if total > MAX_EXPANSIONS:
            raise LexiconError(f"{where}: expands to {total} variants (limit {MAX_EXPANSIONS}); "
                               "split it into several patterns")
        sequences = []
        for combo in itertools.product(*elements):
            seq = tuple(t for option in combo for t in option)
            seq = _trim(seq)
            if seq:
                sequences.append(seq)
        return sequences

    def compile(self, section: str, pattern: str, index: int) -> Compiled:
        where = f"{self.origin} {section} #{index + 1} '{pattern}'"
        if isinstance(pattern, int) and not isinstance(pattern, bool):
            pattern = str(pattern)  # YAML reads 988 as a number
        if not isinstance(pattern, str) or not pattern.strip():
            raise LexiconError(f"{where}: a pattern must be non-empty text")
        try:
            seqs = self._sequences(pattern.strip(), where)
        except LexiconError as exc:
            if where in str(exc) or str(exc).startswith("words:"):
                raise
            raise LexiconError(f"{where}: {exc}") from None
        seqs = [s for s in seqs if any(not t.optional for t in s)]
        if not seqs:
            raise LexiconError(f"{where}: every part is optional, so it would match anything")
        for seq in seqs:
            if all(t.atom[0] in ("any", "not", "num") or t.atom == ("lit", frozenset([BOUNDARY_KEY]))
                   for t in seq):
                raise LexiconError(f"{where}: needs at least one real word")
        # identical sequences can come from alternatives that sound alike
        unique = list(dict.fromkeys(seqs))
        return Compiled(section, pattern.strip(), self.origin, unique)


def _split(text: str, sep: str) -> list[str]:
    """Split on sep outside brackets: "a (b c|d) e" -> ["a", "(b c|d)", "e"]."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise LexiconError(f"unbalanced brackets in '{text}'")
        if ch == sep and depth == 0 or sep == " " and ch.isspace() and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth:
        raise LexiconError(f"unbalanced brackets in '{text}'")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()] if sep == " " else [p.strip() for p in parts]


def _trim(seq: tuple[Token, ...]) -> tuple[Token, ...]:
    """Drop leading and trailing gaps: they cannot change whether a pattern matches."""
    start, end = 0, len(seq)
    while start < end and seq[start].atom[0] == "any":
        start += 1
    while end > start and seq[end - 1].atom[0] == "any":
        end -= 1
    return seq[start:end]


def _merge_single_literals(options: Iterable[Option]) -> list[Option]:
    merged: set[str] = set()
    rest: list[Option] = []
    for option in options:
        if len(option) == 1 and option[0].atom[0] == "lit" and not option[0].optional:
            merged.update(option[0].atom[1])
        else:
            rest.append(option)
    if merged:
        rest.insert(0, (Token(("lit", frozenset(merged))),))
    return rest
