"""The crisis and emergency detector: lexicon loading, message normalisation, matching."""
from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import wordlist
from .normalize import BOUNDARY, BOUNDARY_KEY, clean, damerau1, deletes, key, surface
from .patterns import Compiled, LexiconError, PatternCompiler

log = logging.getLogger(__name__)

LEXICON_DIR = Path(__file__).parent / "lexicon"
SECTIONS = ("crisis", "emergency", "not_crisis")
OTHER_KEYS = {"words", "abbreviations", "typo_targets", "never_correct"}

UNKNOWN = "_"  # a word no pattern names: can only fill a gap
NUMBER = "0"  # a number no pattern names
SINGLE_LETTER_WORDS = frozenset("i a y o e u q k x".split())
# words too common to show that a run-together token hides a pattern ("iwanttodie")
FUNCTION_WORDS = frozenset("""the and you for are was his her its our not but can all any she him
    que por los las del una con para pero como mas muy sus mis tus les nos ese esa eso this that
    with from have has had""".split())
CHUNK = 4000  # tokens per Matcher call; long messages are matched in overlapping chunks
OVERLAP = 40
MAX_SEGMENT = 40
TOKENIZER_VOCAB_LIMIT = 200_000


@dataclass(frozen=True)
class Match:
    section: str
    pattern: str
    origin: str
    start: int
    end: int
    words: tuple[str, ...]
    cancelled: bool = False


class Detector:
    def __init__(self, lexicon_dir: Path = LEXICON_DIR, dictionary: bool = True):
        import spacy
        from spacy.matcher import Matcher
        from spacy.tokens import Doc

        self._spacy = spacy
        self._Doc = Doc
        self.files = sorted(Path(lexicon_dir).glob("*.yml"))
        if not self.files:
            raise LexiconError(f"no lexicon files in {lexicon_dir}")
        raw = {}
        for path in self.files:
            text = path.read_text(encoding="utf-8")
            _check_comments(text, path.name)
            sections = re.findall(r"(?m)^(\w+):", text)
            repeated = sorted({name for name in sections if sections.count(name) > 1})
            if repeated:  # YAML would silently keep only the last one
                raise LexiconError(f"{path.name}: {', '.join(repeated)} written twice; merge them into one")
            # BaseLoader keeps every value as text: "no", "on" and "988" are words, not booleans or numbers
            data = yaml.load(text, Loader=yaml.BaseLoader) or {}
            if not isinstance(data, dict):
                raise LexiconError(f"{path.name}: expected sections {SECTIONS}")
            unknown = set(data) - set(SECTIONS) - OTHER_KEYS
            if unknown:
                raise LexiconError(f"{path.name}: unknown sections {sorted(unknown)}")
            raw[path.name] = data

        # abbreviations first: patterns and messages both go through them
        self.abbreviations: dict[str, list[str]] = {}
        for name, data in raw.items():
            for short, long in (data.get("abbreviations") or {}).items():
                s = surface(str(short))
                expansion = surface(str(long)).split()
                if not s or " " in s or not expansion:
                    raise LexiconError(f"{name}: abbreviation '{short}: {long}' is not valid")
                if s in self.abbreviations and self.abbreviations[s] != expansion:
                    raise LexiconError(f"{name}: abbreviation '{short}' is defined twice differently")
                self.abbreviations[s] = expansion

        self.patterns: list[Compiled] = []
        self.literal_words: set[str] = set()
        self.target_words: set[str] = set()
        self.never_correct: set[str] = set()
        for name, data in raw.items():
            compiler = PatternCompiler(data.get("words") or {}, self._pattern_words, name)
            for section in SECTIONS:
                entries = data.get(section) or []
                if not isinstance(entries, list):
                    raise LexiconError(f"{name}: '{section}' must be a list of patterns")
                before = set(compiler.literal_words)
                for i, entry in enumerate(entries):
                    self.patterns.append(compiler.compile(section, entry, i))
                if section != "not_crisis":
                    self.target_words |= compiler.literal_words - before
            self.literal_words |= compiler.literal_words
            for w in data.get("typo_targets") or []:
                self.target_words.add(surface(str(w)))
                self.literal_words.add(surface(str(w)))
            for w in data.get("never_correct") or []:
                self.never_correct.add(surface(str(w)))

        # keys that any pattern names; every other message word becomes UNKNOWN
        self.pattern_keys: set[str] = set()
        globs = []
        for comp in self.patterns:
            for seq in comp.sequences:
                for tok in seq:
                    if tok.atom[0] in ("lit", "not"):
                        self.pattern_keys |= tok.atom[1]
                    elif tok.atom[0] == "rx":
                        globs.append(tok.atom[1])
        self._globs = {g: re.compile(g) for g in dict.fromkeys(globs)}
        self._glob_hits = functools.lru_cache(maxsize=50_000)(self._glob_hits_uncached)

        from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
        from spacy.lang.es.stop_words import STOP_WORDS as ES_STOP

        stop = {surface(w) for w in EN_STOP | ES_STOP}
        abbr_words = {w for exp in self.abbreviations.values() for w in exp}
        self.surface_vocab = (self.literal_words | stop | set(self.abbreviations) | abbr_words
                              | self.never_correct)
        self.surface_vocab.discard("")
        self.key_vocab = {key(w) for w in self.surface_vocab}
        # "waanna" reads as the key of "wanna", so it gets the same expansion
        self._abbr_by_key: dict[str, list[str]] = {}
        for short in sorted(self.abbreviations):
            self._abbr_by_key.setdefault(key(short), [key(e) for e in self.abbreviations[short]])
        self.segment_vocab = {w for w in self.surface_vocab if w.isalpha()}
        self.max_piece = max((len(w) for w in self.segment_vocab), default=1)
        self.anchors = {w for w in self.literal_words
                        if len(w) >= 3 and w.isalpha() and w not in FUNCTION_WORDS}

        # one-typo index of the words that matter: crisis and emergency words first, then
        # the words of idioms and abbreviations
        rank = {}
        for w in self.literal_words | set(self.abbreviations):
            if len(w) >= 5 and w.isalpha():
                rank[w] = 1
        for w in self.target_words:
            if len(w) >= 5 and w.isalpha():
                rank[w] = 0
        self._target_rank = rank
        self._fuzzy_surface: dict[str, set[str]] = {}
        self._fuzzy_key: dict[str, set[str]] = {}
        self._key_to_surface: dict[str, str] = {}
        for t in sorted(rank, key=lambda w: (rank[w], w)):
            for d in deletes(t):
                self._fuzzy_surface.setdefault(d, set()).add(t)
            kt = key(t)
            self._key_to_surface.setdefault(kt, t)
            if len(kt) >= 4:
                for d in deletes(kt):
                    self._fuzzy_key.setdefault(d, set()).add(kt)

        self._use_dictionary = dictionary

        self._tok_lock = threading.Lock()
        self._tokenizer_nlp = _tokenizer_nlp(spacy)
        self._nlp = spacy.blank("xx")  # its vocabulary only ever holds pattern words
        for w in (UNKNOWN, NUMBER, BOUNDARY_KEY):
            self._nlp.vocab.strings.add(w)
        # Matchers are split by "anchor": the least common word a pattern cannot do without.
        # A message only runs the matchers of the words it contains, and the not_crisis ones
        # only when something matched. Patterns made only of * endings go to the matchers
        # run when a message word fits a * ending. This keeps a message well under 1 ms.
        stop_keys = {key(w) for w in stop} | {BOUNDARY_KEY}
        buckets: dict[tuple[bool, str], dict[str, list[list[dict]]]] = {}
        self._by_id: dict[int, Compiled] = {}
        for i, comp in enumerate(self.patterns):
            label = f"{comp.section}|{comp.origin}|{i}"
            self._by_id[self._nlp.vocab.strings.add(label)] = comp
            negative = comp.section == "not_crisis"
            for seq in comp.sequences:
                pattern = [t.to_matcher() for t in seq]
                for a in _anchor(seq, stop_keys):
                    buckets.setdefault((negative, a), {}).setdefault(label, []).append(pattern)
        self._matchers: dict[tuple[bool, str], Matcher] = {}
        for bucket, grouped in buckets.items():
            m = Matcher(self._nlp.vocab, validate=False)  # patterns.py built them
            for label, pats in grouped.items():
                m.add(label, pats)
            self._matchers[bucket] = m
        self._canon = functools.lru_cache(maxsize=100_000)(self._canon_uncached)

    # -- words ------------------------------------------------------------------------------
    def _pattern_words(self, word: str) -> list[str]:
        out = []
        for w in surface(word).split():
            for e in self.abbreviations.get(w, [w]):
                out.append(key(e))
        return out

    def is_word(self, w: str) -> bool:
        return self._use_dictionary and wordlist.is_known(w)

    def _fuzzy(self, w: str) -> str | None:
        """The lexicon word one typo away from w (as written in the lexicon), or None.

        Likeliest first: a cut-off ending ("matarm" -> "matarme"), a dropped letter ("quiro"
        -> "quiero"), two letters swapped, a wrong letter, an extra letter; crisis and
        emergency words before idiom words. Four-letter words only gain a letter ("mtar")."""
        best = None
        for d in deletes(w) if len(w) >= 5 else {w}:
            for t in self._fuzzy_surface.get(d, ()):
                if t[0] == w[0] and damerau1(w, t):
                    cand = (_typo_kind(w, t), self._target_rank.get(t, 1), t)
                    best = cand if best is None or cand < best else best
        if best:
            return best[2]
        kw = key(w)
        if len(kw) >= 4:
            for d in deletes(kw) if len(kw) >= 5 else {kw}:
                for t in self._fuzzy_key.get(d, ()):
                    if t[0] == kw[0] and damerau1(kw, t):
                        surface_t = self._key_to_surface[t]
                        cand = (_typo_kind(kw, t), self._target_rank.get(surface_t, 1), surface_t)
                        best = cand if best is None or cand < best else best
        return best[2] if best else None

    def _segment(self, w: str) -> list[str] | None:
        """Split a run-together word ("mequieromorir") into lexicon words, or None."""
        n = len(w)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 1, min(n, i + self.max_piece) + 1):
                piece = w[i:j]
                if piece not in self.segment_vocab:
                    continue
                if len(piece) == 1 and piece not in SINGLE_LETTER_WORDS:
                    continue
                cand = best[i] + [piece]
                if best[j] is None or len(cand) < len(best[j]):
                    best[j] = cand
        pieces = best[n]
        if not pieces or len(pieces) < 2 or not any(p in self.anchors for p in pieces):
            return None
        return pieces

    def _canon_word(self, w: str) -> list[str]:
        if w in self.surface_vocab:
            return [key(w)]
        k = key(w)
        if k in self._abbr_by_key:
            return list(self._abbr_by_key[k])
        if k in self.key_vocab or not w.isalpha():
            return [k]
        if w in self.never_correct or self.is_word(w):
            return [k]
        if len(w) >= 4:
            fixed = self._fuzzy(w)
            if fixed:
                return [key(e) for e in self.abbreviations.get(fixed, [fixed])]
        if 6 <= len(w) <= MAX_SEGMENT:
            pieces = self._segment(w)
            if pieces:
                return [key(e) for p in pieces for e in self.abbreviations.get(p, [p])]
        return [k]

    def _canon_uncached(self, tok: str) -> tuple[str, ...]:
        if "*" in tok:
            tok = self._unstar(tok)
        out: list[str] = []
        for w in self.abbreviations.get(tok, [tok]):
            out.extend(self._canon_word(w))
        return tuple(out)

    def _unstar(self, tok: str) -> str:
        """'s*icide' -> 'suicide': try each vowel for a hidden letter."""
        first = tok.index("*")
        for v in "aeiou":
            cand = (tok[:first] + v + tok[first + 1:]).replace("*", "")
            if cand in self.surface_vocab or key(cand) in self.key_vocab:
                return cand
        return tok.replace("*", "")

    # -- messages ---------------------------------------------------------------------------
    def _tokenize(self, cleaned: str) -> list[str]:
        nlp = self._tokenizer_nlp
        if len(nlp.vocab.strings) > TOKENIZER_VOCAB_LIMIT:  # keep memory bounded
            with self._tok_lock:
                if self._tokenizer_nlp is nlp:
                    self._tokenizer_nlp = _tokenizer_nlp(self._spacy)
                nlp = self._tokenizer_nlp
        return [t.text for t in nlp.tokenizer(cleaned)]

    def keys(self, text: str) -> list[str]:
        """The message as the Matcher sees it (before unknown words are blanked)."""
        cleaned = clean(text)
        toks = _join_spelled_out(self._tokenize(cleaned), self)
        out = [BOUNDARY_KEY]
        for tok in toks:
            if tok == BOUNDARY:
                if out[-1] != BOUNDARY_KEY:
                    out.append(BOUNDARY_KEY)
                continue
            out.extend(self._canon(tok))
        if out[-1] != BOUNDARY_KEY:
            out.append(BOUNDARY_KEY)
        return out

    def _glob_hits_uncached(self, k: str) -> tuple[str, ...]:
        return tuple(g for g, rx in self._globs.items() if rx.match(k))

    def _blank(self, k: str) -> str:
        if k in self.pattern_keys or k == BOUNDARY_KEY or self._glob_hits(k):
            return k
        return NUMBER if k.isdigit() else UNKNOWN

    def _run(self, doc, words: list[str], negative: bool):
        present = set(words)
        for w in list(present):
            present.update(self._glob_hits(w))
        for k in present:
            matcher = self._matchers.get((negative, k))
            if matcher is not None:
                yield from matcher(doc)

    def matches(self, text: str, all_idioms: bool = False) -> list[Match]:
        """Every pattern matching the message. The not_crisis (idiom) patterns are run only
        when a crisis or emergency pattern matched, unless all_idioms is set."""
        return self._match_keys(self.keys(text), all_idioms)

    def _match_keys(self, keys: list[str], all_idioms: bool = False) -> list[Match]:
        words = [self._blank(k) for k in keys]
        found: dict[tuple, Match] = {}
        step = CHUNK - OVERLAP
        for offset in range(0, max(1, len(words) - OVERLAP), step):
            chunk = words[offset:offset + CHUNK]
            doc = self._Doc(self._nlp.vocab, words=chunk)
            hits = list(self._run(doc, chunk, negative=False))
            if hits or all_idioms:
                hits += list(self._run(doc, chunk, negative=True))
            for match_id, start, end in hits:
                comp = self._by_id[match_id]
                s, e = start + offset, end + offset
                found.setdefault((id(comp), s, e),
                                 Match(comp.section, comp.source, comp.origin, s, e,
                                       tuple(keys[s:e])))
        result = list(found.values())
        negatives = [m for m in result if m.section == "not_crisis"]
        out = []
        for m in result:
            if m.section != "not_crisis" and any(n.start < m.end and m.start < n.end for n in negatives):
                m = Match(m.section, m.pattern, m.origin, m.start, m.end, m.words, cancelled=True)
            out.append(m)
        out.sort(key=lambda m: (m.start, m.end, m.section))
        return out

    def assess(self, text: str) -> str | None:
        live = {m.section for m in self.matches(text) if not m.cancelled}
        if "crisis" in live:
            return "crisis"
        if "emergency" in live:
            return "emergency"
        return None

    def only_idioms(self, text: str) -> bool:
        """True when the message holds a known idiom or harmless use ("me muero de risa",
        "my mum will kill me", "suicide squad", "he follows me on insta"), no live crisis or
        emergency phrase, and no word that can signal danger outside the idioms' words.

        Used to overrule an NLU model that reads such a message as crisis or emergency: the
        lexicon then explains every alarming word of it. Anything else returns False.
        """
        keys = self.keys(text)
        found = self._match_keys(keys, all_idioms=True)
        if any(m.section != "not_crisis" and not m.cancelled for m in found):
            return False
        covered = {i for m in found if m.section == "not_crisis" for i in range(m.start, m.end)}
        if not covered:
            return False
        return not any(DANGER_KEY.match(k) for i, k in enumerate(keys) if i not in covered)


# Words (as keys: see normalize.key) that can signal suicide, self-harm or danger in either
# language. only_idioms() says False when one of them stands outside every idiom of a message.
# Broad on purpose: a word here only keeps the NLU's crisis reading, it never raises an alarm.
DANGER_KEY = re.compile(r"""^(?:
    di|die|dies|died|diing|dying|ded|dead|deth|death|kil\w*|suis\w*|sui|sucid\w*|kms|kys|ctb|
    unalib\w*|self\w*|myself|mysef|myslf|harm\w*|hurt\w*|kut\w*|pil|pils|tablets|meds|
    oberdos\w*|od|jump\w*|hang\w*|nek|top|end|ending|ended|ends|alibe|libe|libing|lib|life|
    exist\w*|disap\w*|banish\w*|gone|wake|woke|born|burden|blead\w*|bled|bleed\w*|blod|
    knife|knibes|blade\w*|rasor\w*|rope|noose|bridge|gun|shot|shoot\w*|stab\w*|drown\w*|
    danger\w*|unsafe|folow\w*|stalk\w*|outside|polise|kops|911|999|112|024|988|ambulanse|
    help|sos|emergensi|emergensy|hit|hiting|beat\w*|atak\w*|rape\w*|kidnap\w*|trap\w*|
    lok\w*|hid\w*|tired|join|heaben|paracetamol|ibuprof\w*|aspirin\w*|tilenol|painkil\w*|
    antidepres\w*|poison\w*|benen\w*|ahog\w*|sielo|
    mor\w*|muer\w*|mat[aeo]\w*|mat|autoles\w*|lesion\w*|kort\w*|dano|lastim\w*|
    pastil\w*|tir[aeo]\w*|lans\w*|abent\w*|desapares\w*|bib\w*|bida|exist\w*|despert\w*|
    akab\w*|termin\w*|salida|karga|estorbo|sangr\w*|kuchil\w*|nabaja|kuerda|puente|
    bentana|balkon|asotea|peligro|polisia|poli|ayuda|sokoro|sig[aeiu]\w*|persig\w*|fuera|
    afuera|peg[aeou]\w*|golpe\w*|enser\w*|sekuestr\w*|ahork\w*|kolg\w*|sentido|
    despid\w*|adios|godbye|goodbye
)$""", re.VERBOSE)

_UNQUOTED_HASH = re.compile(r"""^\s*-\s+[^'"\s#].*\s#""")


def _check_comments(text: str, name: str) -> None:
    """A ' #' in an unquoted pattern starts a YAML comment and silently cuts the pattern."""
    for number, line in enumerate(text.splitlines(), 1):
        if _UNQUOTED_HASH.match(line):
            raise LexiconError(
                f"{name} line {number}: '#' after a space starts a YAML comment and cuts this "
                f"pattern short; put the pattern in quotes, or the comment on its own line")


def _typo_kind(typed: str, target: str) -> int:
    """0 cut-off ending, 1 dropped letter, 2 swapped letters, 3 wrong letter, 4 extra letter."""
    if target.startswith(typed):
        return 0
    if len(target) == len(typed) + 1:
        return 1
    if len(target) == len(typed):
        diff = [i for i, (a, b) in enumerate(zip(typed, target)) if a != b]
        return 2 if len(diff) == 2 and diff[1] == diff[0] + 1 else 3
    return 4


def _tokenizer_nlp(spacy):
    """spaCy's multi-language tokenizer. Only token texts are used, so the lexical attributes
    spaCy would compute for every new word (half the cost of a new word) are switched off."""
    nlp = spacy.blank("xx")
    nlp.vocab.lex_attr_getters = {}
    return nlp


_SCORE_CACHE: dict[frozenset, tuple[int, int]] = {}


def _lit_score(words: frozenset, stop_keys: set[str]) -> tuple[int, int]:
    score = _SCORE_CACHE.get(words)
    if score is None:
        # common words make poor anchors; among the others, longer words are rarer
        score = (sum(100 if w in stop_keys or len(w) < 3 else 1 for w in words),
                 -min(len(w) for w in words))
        _SCORE_CACHE[words] = score
    return score


def _anchor(seq, stop_keys: set[str]) -> list[str]:
    """The words of the least common required token of a pattern: its anchors.

    A pattern needing no particular word but a * ending ("suicid*") is anchored on that
    ending's regular expression, which is run on each new message word once.
    """
    best, best_score = [], None
    for tok in seq:
        if tok.optional or tok.atom[0] not in ("lit", "rx"):
            continue
        if tok.atom[0] == "rx":
            words, score = [tok.atom[1]], (50, 0)
        else:
            words = tok.atom[1]
            score = _lit_score(words, stop_keys)
        if best_score is None or score < best_score:
            best, best_score = words, score
    return sorted(best)


def _join_spelled_out(toks: list[str], det: Detector) -> list[str]:
    """'s u i c i d e' -> 'suicide', 'k m s' -> 'kms'."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        j = i
        while j < n and len(toks[j]) == 1 and toks[j].isalpha() and toks[j] != BOUNDARY:
            j += 1
        if j - i >= 3:
            joined = "".join(toks[i:j])
            if j - i >= 4 or joined in det.surface_vocab or key(joined) in det.key_vocab:
                out.append(joined)
                i = j
                continue
        if j > i:
            out.extend(toks[i:j])
            i = j
        else:
            out.append(toks[i])
            i += 1
    return out
