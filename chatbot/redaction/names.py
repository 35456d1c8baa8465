"""People's names: spaCy's blank tokenizer, then spaCy's Matcher over a small "symbol"
document in which every token is replaced by its class (a listed given name, a name that is
also an ordinary word, a surname, a capitalised unknown word, an ordinary word...) and, for the
few words the patterns name, its folded form. The Matcher finds the contexts ("me llamo X",
"my son X", "X me está chantajeando", "Mr X"); a few rules in Python then decide, extend
"Lucía" to "Lucía García" and join "Hugo y Leo".

Matching on classes keeps the Matcher's vocabulary fixed (user words never enter it), and the
tokenizer's own vocabulary is renewed when it grows past a limit, so a long-running server does
not grow without bound.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field

# token classes (the ORTH of a symbol token)
GN_T, GN_L = "GN_T", "GN_L"  # listed given name, capitalised / lower case
AN_T, AN_L = "AN_T", "AN_L"  # listed name that is also an ordinary word
AF_T, AF_L = "AF_T", "AF_L"  # ... a function word: "ella", "mia", "will", "may", "dan"
SN_T, SN_L = "SN_T", "SN_L"  # listed surname
U_T, U_L = "U_T", "U_L"  # unknown word (not in the dictionary, not listed)
W_T, W_L = "W_T", "W_L"  # ordinary word (dictionary)
S_T, S_L = "S_T", "S_L"  # function word, chat word, laughter
NEVER = "NEVER"  # platform, organisation, month...
PH = "PH"  # already redacted by a structured detector
NUM, END, COMMA, SYM = "NUM", "END", "COMMA", "SYM"
CLASSES = (GN_T, GN_L, AN_T, AN_L, AF_T, AF_L, SN_T, SN_L, U_T, U_L, W_T, W_L, S_T, S_L, NEVER, PH, NUM,
           END, COMMA, SYM)
NOWORD = "_"

STRONG = [GN_T, GN_L, AN_T, AN_L, AF_T, SN_T, SN_L, U_T, U_L, W_T]
MEDIUM_EN = [GN_T, GN_L, AN_T, SN_T, U_T]
MEDIUM_ES = MEDIUM_EN + [AN_L]
SELF = [GN_T, GN_L, AN_T, U_T]
LISTED = [GN_T, GN_L, AN_T]
ANY = [GN_T, GN_L, AN_T, AN_L, AF_T, AF_L, SN_T, SN_L, U_T, U_L, W_T, W_L]

# -- the words the patterns name -----------------------------------------------------------------
REL_ES = """amigo amiga amigos amigas amiguito amiguita novio novia ex exnovio exnovia hermano
    hermana hermanastro hermanastra hija hijo primo prima compañero compañera compa compi colega
    vecino vecina profe profesor profesora maestro maestra tutor tutora entrenador entrenadora
    madre padre mama papa tio tia abuelo abuela sobrino sobrina chico chica chaval chavala nino
    nina pareja marido mujer esposo esposa crush cuñado cuñada""".split()
REL_EN = """friend friends bestie bff boyfriend girlfriend bf gf ex brother sister stepbrother
    stepsister daughter son kid child cousin classmate mate teacher coach tutor neighbour neighbor
    mum mom dad mother father aunt uncle niece nephew guy girl boy dude bro sis partner crush
    husband wife stepdad stepmum stepmom""".split()
PARENT_ES = """madre padre mama papa tutor tutora hermano hermana abuelo abuela tio tia profe
    profesor profesora amigo amiga novio novia ex vecino vecina prima primo""".split()
PARENT_EN = """mum mom mother dad father parent parents brother sister teacher friend""".split()
VERB_ES = """chantajea chantajeando chantajeado chantajeo amenaza amenazando amenazado amenazo
    extorsiona extorsionando extorsionado extorsiono acosa acosando acosado acoso pide pidiendo
    pedido pidio pedia manda mandando mandado mando envia enviando enviado envio pasa pasando
    pasado paso dice diciendo dicho dijo decia escribe escribiendo escrito escribio escribia sube
    subiendo subido subio publica publicando publicado publico comparte compartiendo compartido
    compartio difunde difundiendo difundido difundio hizo hace hecho haciendo quiere queria quiso
    obliga obligando obligo presiona presionando agrego añadio habla hablando hablado hablo cuenta
    contando contado conto insulta insulto graba grabo grabado robo hackeo bloqueo enseño enseña
    enseñando enseñado mostro muestra reenvio reenviado reenvia tiene tenia sabe sabia vio llamo
    llama llamado""".split()
AUX_ES = """ha han he habia está esta estan están estaba lleva llevan sigue va iba no ya tambien
    siempre nunca me nos te le les lo la los las se""".split()
VERB_EN = """blackmailing blackmailed blackmails blackmail threatening threatened threatens threaten
    harassing harassed harasses asking asked asks sending sent sends texting texted texts messaging
    messaged dming dmed dm'd saying said says posting posted posts sharing shared shares told tells
    telling wants wanted made makes making took leaked leaks leaking hacked uploaded showed shows
    forwarded screenshotted demanded demands found added follows followed knows knew started got
    put called calls runs ran wrote writes created snapchatted""".split()
AUX_EN = """is was has had have keeps kept just also still 's been now then literally basically
    won't wont didn't didnt doesn't doesnt never always""".split()
BE = "es is era was".split()
POSS = "mi my su his her tu your la el the a an un una our nuestra nuestro their".split()
TITLES = """sr sra srta señor señora señorita don doña dr dra mr mrs ms miss mx prof profe profesor
    profesora doctor doctora sir madam coach""".split()
THINGS = """app apps aplicacion web pagina grupo group groupchat site website page account cuenta
    server servidor canal channel chat juego game programa program bot ia ai serie pelicula show
    movie film song cancion team equipo club school colegio instituto insti academy academia
    tienda shop store marca brand perfil profile usuario user username""".split()
CALLED = "called named llamado llamada llamao llamá".split()
DETERMINERS = """el la los las un una unos unas the a an some this that esta este esa ese
    estas estos esas esos""".split()
MONTHS_AN = "april may june abril".split()
MONTH_PREP = """in on since until till by last next this early late mid of en de desde hasta para
    before after during from""".split()
PRONOUNS_EN = "i you he she it we they u ya this that there".split()
LONG_TOKEN = re.compile(r"\S{41,}")
CONTRACTIONS = {"m", "s", "re", "ve", "ll", "d", "t"}
END_CHARS = set(".!?…¿¡:;\"“”«»()[]{}*•·|")
LAUGH = re.compile(r"^(?:j+[aeiou]+){2,}j*$|^(?:h+[aeiou]+){2,}h*$|^(?:x+d+)+$|^(?:j+s+)+j*$|^l+o+l+$")

PATTERN_WORDS = set(
    REL_ES + REL_EN + PARENT_ES + PARENT_EN + VERB_ES + AUX_ES + VERB_EN + AUX_EN + BE + POSS
    + TITLES + THINGS + CALLED + DETERMINERS + MONTHS_AN + MONTH_PREP + PRONOUNS_EN
    + """me llamo yamo mi nombre es se llama llamaba llaman dicen de soy yo y e and & i am i'm im
    iam my name was 's : this it it's its call goes go by known as que that which is , will
    aqui aquí""".split()
)


def fold(word: str) -> str:
    """Lower case, no accents, straight apostrophes ("Lucía" -> "lucia")."""
    word = word.replace("’", "'").replace("`", "'").casefold()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    # keep ñ: "nino" and "niño" fold alike, which is what we want for matching
    return out


def _w(*words) -> dict:
    return {"LEMMA": {"IN": [fold(w) for w in words]}}


def _c(classes) -> dict:
    return {"ORTH": {"IN": list(classes)}}


def _opt(d: dict) -> dict:
    return {**d, "OP": "?"}


def build_patterns() -> dict[str, list[list[dict]]]:
    """Label -> Matcher patterns. Labels: L<strength> (the name is the last token),
    F<strength> (the first token), NL / NF (not a name: last / first token)."""
    P: dict[str, list[list[dict]]] = {k: [] for k in ("L4", "L3", "L2", "F2", "NL", "NF")}
    # first person, explicit: cannot be cancelled
    P["L4"] += [
        [_w("me"), _w("llamo", "yamo"), _c(STRONG)],
        [_w("mi"), _w("nombre"), _w("es", ":"), _c(STRONG)],
        [_w("my"), _w("name"), _w("is", "'s", ":"), _c(STRONG)],
        [_w("i", "i'm", "im"), _opt(_w("am")), _w("called"), _c(STRONG)],
    ]
    # third person, explicit
    P["L3"] += [
        [_w("se"), _w("llama", "llamaba", "llaman"), _c(STRONG)],
        [_w("nombre", "name"), _w("es", "is", "was", "'s", ":"), _c(STRONG)],
        [_w("de"), _w("nombre"), _c(STRONG)],
    ]
    # softer contexts: the slot must look like a name
    P["L2"] += [
        [_w(*CALLED), _c(MEDIUM_EN)],
        [_w("call"), _w("me"), _c(MEDIUM_EN)],
        [_w("goes", "go"), _w("by"), _c(MEDIUM_EN)],
        [_w("known"), _w("as"), _c(MEDIUM_EN)],
        [_w("me"), _w("dicen", "llaman"), _c(SELF)],
        [_w("soy"), _c(SELF)],
        [_w("i'm", "im", "iam"), _c(SELF)],
        [_w("i"), _w("am"), _c(SELF)],
        [_w("this", "it"), _w("is", "'s"), _c(SELF)],
        [_w("it's", "its"), _c(SELF)],
        [_w(*REL_ES), _opt(_w(*CALLED)), _opt({"ORTH": COMMA}), _c(MEDIUM_ES + [AF_T])],
        [_w(*REL_EN), _opt(_w(*CALLED)), _opt({"ORTH": COMMA}), _c(MEDIUM_EN + [AF_T])],
        [_w(*PARENT_ES), _w("de"), _c(MEDIUM_ES)],
        [_w(*PARENT_EN), _w("of"), _c(MEDIUM_EN)],
        [_w(*TITLES), _opt({"ORTH": END}), _c([SN_T, SN_L, U_T, GN_T, AN_T])],
        [_w("dijo", "mando", "paso", "envio", "subio", "conto", "escribio", "hizo", "publico"),
         _c([U_T, AN_T])],
    ]
    P["F2"] += [
        [_c(MEDIUM_ES), _opt(_w(*AUX_ES)), _opt(_w(*AUX_ES)), _opt(_w(*AUX_ES)), _w(*VERB_ES)],
        [_c(MEDIUM_EN), _opt(_w(*AUX_EN)), _opt(_w(*AUX_EN)), _w(*VERB_EN)],
        [_c(MEDIUM_ES), _w(*BE), _opt(_w(*POSS)), _w(*(REL_ES + REL_EN))],
        [_c(MEDIUM_EN), _w("'s"), _w(*(REL_EN + ["number", "phone", "account", "insta", "snap"]))],
        [_c(LISTED), _w("y", "e", "and", "&"), _w("yo", "i", "me")],
    ]
    # not a name
    P["NL"] += [
        [_w(*THINGS), _opt(_w("que", "that", "which")), _opt(_w("se", "is")), _w(*CALLED, "llama", "named"),
         _c(ANY)],
        [_w(*THINGS), _c(ANY)],
        [_w(*DETERMINERS), _c([AN_T, AN_L, AF_T, AF_L])],
        [_w(*MONTH_PREP), {"LEMMA": {"IN": MONTHS_AN}, "ORTH": {"IN": [AN_T, AN_L, AF_T, AF_L]}}],
        [{"ORTH": NUM}, {"LEMMA": {"IN": MONTHS_AN}, "ORTH": {"IN": [AN_T, AN_L, AF_T, AF_L]}}],
    ]
    P["NF"] += [
        [{"LEMMA": {"IN": MONTHS_AN}, "ORTH": {"IN": [AN_T, AN_L, AF_T, AF_L]}}, {"ORTH": NUM}],
        [{"LEMMA": {"IN": ["will", "may"]}, "ORTH": {"IN": [AF_T, AF_L]}}, _w(*PRONOUNS_EN)],
    ]
    return P


@dataclass
class NameLists:
    given: frozenset[str]
    ordinary: frozenset[str]
    surnames: frozenset[str]
    never: frozenset[str]  # single words
    never_phrases: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


class NameFinder:
    TOKENIZER_VOCAB_LIMIT = 100_000

    def __init__(self, lists: NameLists, is_word, stop_words: frozenset[str]):
        import spacy
        from spacy.matcher import Matcher
        from spacy.tokens import Doc

        self.lists = lists
        self.is_word = is_word
        self.stop_words = stop_words
        self._spacy = spacy
        self._Doc = Doc
        self._lock = threading.Lock()
        self._tokenizer_nlp = spacy.blank("xx")
        self._nlp = spacy.blank("xx")  # its vocabulary holds only classes and pattern words
        self.pattern_words = {fold(w) for w in PATTERN_WORDS}
        for words in lists.never_phrases:
            self.pattern_words.update(words)
        for w in (*CLASSES, NOWORD, *self.pattern_words):
            self._nlp.vocab.strings.add(w)
        self.matcher = Matcher(self._nlp.vocab)
        for label, patterns in build_patterns().items():
            self.matcher.add(label, patterns)
        protect = [[{"LEMMA": w} for w in phrase] for phrase in lists.never_phrases if len(phrase) > 1]
        if protect:
            self.matcher.add("P", protect)
        self._labels = {self._nlp.vocab.strings[k]: k for k in ("L4", "L3", "L2", "F2", "NL", "NF", "P")}

    # -- tokens ----------------------------------------------------------------------------
    def _tokens(self, text: str) -> list[tuple[str, int]]:
        # No name is 40 characters long, and spaCy's tokenizer is quadratic on long runs of
        # punctuation ("((((((..."): blank them out, keeping every position.
        text = LONG_TOKEN.sub(lambda m: " " * len(m.group()), text)
        with self._lock:
            doc = self._tokenizer_nlp.make_doc(text)
            tokens = [(t.text, t.idx) for t in doc]
            if len(self._tokenizer_nlp.vocab.strings) > self.TOKENIZER_VOCAB_LIMIT:
                self._tokenizer_nlp = self._spacy.blank("xx")
        return tokens

    def classify(self, word: str, mask: str) -> tuple[str, str]:
        """(class, pattern word or '_') of one token."""
        if mask in word:
            return PH, NOWORD
        if word.isspace():
            return END, NOWORD
        f = fold(word)
        lemma = f if f in self.pattern_words else (f.rstrip(".") if f.rstrip(".") in self.pattern_words else NOWORD)
        if not any(c.isalnum() for c in word):
            if word == ",":
                return COMMA, lemma
            if any(c in END_CHARS for c in word) or not word.isascii():
                return END, lemma  # sentence punctuation, emoji
            return SYM, lemma
        if word.isdigit() or re.fullmatch(r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th|º|ª|h|am|pm)?", word, re.I):
            return NUM, lemma
        title = word[0].isupper()
        suffix = "_T" if title else "_L"
        if f in self.lists.never or LAUGH.match(f):
            return NEVER, lemma
        if "'" in f:
            tail = f.rpartition("'")[2]
            if tail in CONTRACTIONS:
                return "S" + suffix, lemma  # "I'm", "don't", "they'll"
        if len(f) < 2 or not re.fullmatch(r"[^\W\d_]+(?:['\-][^\W\d_]+)*\.?", word):
            return ("S" + suffix if len(f) < 2 else SYM), lemma
        f = f.rstrip(".")
        if f in self.lists.ordinary:
            return ("AF" if f in self.stop_words else "AN") + suffix, lemma
        if f in self.lists.given:
            return "GN" + suffix, lemma
        if f in self.stop_words:
            return "S" + suffix, lemma
        if f in self.lists.surnames:
            return "SN" + suffix, lemma
        if self.is_word(f):
            return "W" + suffix, lemma
        return "U" + suffix, lemma

    # -- finding ---------------------------------------------------------------------------
    def find(self, text: str, mask: str) -> list[tuple[int, int]]:
        tokens = self._tokens(text)
        if not tokens:
            return []
        classes, lemmas = [], []
        for word, _ in tokens:
            c, lemma = self.classify(word, mask)
            classes.append(c)
            lemmas.append(lemma)
        n = len(tokens)
        with self._lock:
            doc = self._Doc(self._nlp.vocab, words=classes, lemmas=lemmas)
            matches = self.matcher(doc)

        strength: dict[int, int] = {}
        cancelled: set[int] = set()
        protected: set[int] = set()
        for match_id, start, end in matches:
            label = self._labels[match_id]
            if label == "P":
                protected.update(range(start, end))
            elif label == "NL":
                cancelled.add(end - 1)
            elif label == "NF":
                cancelled.add(start)
            else:
                i = end - 1 if label[0] == "L" else start
                strength[i] = max(strength.get(i, 0), int(label[1]))

        starts = [self._sentence_start(i, tokens, classes) for i in range(n)]
        capitalised_mode = self._mostly_capitalised(classes, starts)
        for i, c in enumerate(classes):
            if c in (GN_T, GN_L):
                strength[i] = max(strength.get(i, 0), 1)
            elif c in (AN_T, AF_T) and not starts[i] and not capitalised_mode and not self._in_title_phrase(i, classes, starts):
                strength[i] = max(strength.get(i, 0), 1)

        accepted = {i for i, s in strength.items()
                    if i not in protected and (s >= 4 or i not in cancelled)}
        accepted = self._extend(accepted, tokens, classes, protected)
        return self._spans(sorted(accepted), tokens)

    @staticmethod
    def _sentence_start(i: int, tokens, classes) -> bool:
        if i == 0:
            return True
        prev = classes[i - 1]
        return prev == END or (prev == SYM and tokens[i - 1][0] in "-—–*>")

    @staticmethod
    def _mostly_capitalised(classes, starts) -> bool:
        words = [c for c, s in zip(classes, starts) if not s and c[-2:] in ("_T", "_L")]
        if len(words) < 3:
            return False
        return sum(c.endswith("_T") for c in words) / len(words) >= 0.6

    @staticmethod
    def _in_title_phrase(i: int, classes, starts) -> bool:
        """'Amazing Grace', 'Cruz Roja': next to a capitalised word that is not a name."""
        blockers = (W_T, U_T, NEVER, S_T)
        if i > 0 and classes[i - 1] in blockers and not starts[i - 1]:
            return True
        return i + 1 < len(classes) and classes[i + 1] in (W_T, U_T, NEVER)

    @staticmethod
    def _extend(accepted: set[int], tokens, classes, protected) -> set[int]:
        """'Lucía' -> 'Lucía García'; 'Hugo y Leo'; 'Lucía de la Fuente'."""
        result = set(accepted)
        queue = sorted(accepted)
        while queue:
            i = queue.pop(0)
            title = classes[i].endswith("_T") or classes[i] in (GN_T, AN_T, SN_T, U_T)
            j = i + 1
            # surnames and further names right after
            if j < len(tokens) and j not in result and j not in protected:
                c = classes[j]
                if c in (SN_T, GN_T, GN_L, AN_T) or (c == U_T and title) or (c == SN_L and not title):
                    result.add(j)
                    queue.append(j)
                    continue
                # particles: "de", "del", "de la" before a surname
                k = j
                while k < len(tokens) and k - j < 2 and fold(tokens[k][0]) in ("de", "del", "la", "los", "las"):
                    k += 1
                if k > j and k < len(tokens) and classes[k] in (SN_T, U_T) and title:
                    result.update(range(j, k + 1))
                    queue.append(k)
                    continue
            # coordination backwards: "Ruby and Jack" when Jack is a name
            if (i >= 2 and fold(tokens[i - 1][0]) in ("y", "e", "and", "&")
                    and classes[i - 2] in LISTED and i - 2 not in result and i - 2 not in protected):
                result.add(i - 2)
                queue.append(i - 2)
            # coordination: "Hugo y Leo", "Ana, Pablo"
            if (j + 1 < len(tokens) and fold(tokens[j][0]) in ("y", "e", "and", "&", ",")
                    and classes[j + 1] in LISTED and j + 1 not in result and j + 1 not in protected):
                result.add(j + 1)
                queue.append(j + 1)
        return result

    @staticmethod
    def _spans(indices: list[int], tokens) -> list[tuple[int, int]]:
        spans: list[list[int]] = []
        last = None
        for i in indices:
            word, start = tokens[i]
            end = start + len(word.rstrip(".") or word)  # "Lucía." -> "Lucía"
            if last is not None and i == last + 1 and spans:
                spans[-1][1] = end
            else:
                spans.append([start, end])
            last = i
        return [(s, e) for s, e in spans]
