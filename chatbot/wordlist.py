"""Known Spanish and English word forms (from spacy-lookups-data), loaded once and shared by
the crisis detector (never 'correct' a real word) and the redactor (a real word is not a name)."""
from __future__ import annotations

import array
import bisect
import functools
import gzip
import json
import logging
import unicodedata
from pathlib import Path

log = logging.getLogger(__name__)


def fold(word: str) -> str:
    """Lower case without accents: the form words are looked up in."""
    word = word.lower()
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=None)
def _hashes() -> array.array:
    words: set[str] = set()
    try:
        import spacy_lookups_data

        base = Path(spacy_lookups_data.__file__).parent / "data"
        for name in ("es_lemma_lookup", "en_lemma_lookup", "en_lemma_index", "en_lemma_exc"):
            with gzip.open(base / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
                table = json.load(fh)
            if name.endswith("lookup"):
                words.update(table.keys())
                words.update(table.values())
            else:
                for pos in table.values():
                    words.update(pos if isinstance(pos, list) else pos.keys())
    except Exception as exc:  # noqa: BLE001 - optional data: callers degrade, never fail
        log.warning("no Spanish/English word list (%s): typo correction and name detection are less careful", exc)
    # one pass over one big string is much faster than folding half a million words one by one
    folded = fold("\n".join(words)).split("\n")
    return array.array("q", sorted({hash(w) for w in folded if w.isalpha()}))


def is_known(word: str) -> bool:
    """Whether the word (any case, with or without accents) is an ordinary Spanish or English word."""
    table = _hashes()
    h = hash(fold(word))
    i = bisect.bisect_left(table, h)
    return i < len(table) and table[i] == h


def available() -> bool:
    return len(_hashes()) > 0
