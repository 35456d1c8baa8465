"""Structured personal data found with regular expressions and checked with the numbers' own
rules: URLs, e-mails, IBANs (mod 97), card numbers (Luhn), identity numbers (DNI/NIE letter,
US SSN, UK National Insurance), phone numbers, long numbers, social-media handles and street
addresses.

Every detector works on a `Masked` text: what an earlier detector took is replaced by a
private-use character of the same length, so positions never move and no detector can match
inside another one's find. The order in `STRUCTURED` is the priority.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

MASK = "\ue000"  # private-use character: what an earlier detector already took


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str


class Masked:
    """The text with already-found spans blanked out (same length, same positions)."""

    def __init__(self, text: str):
        self.text = text
        self.chars = list(text)
        self.spans: list[Span] = []

    @property
    def current(self) -> str:
        return "".join(self.chars)

    def add(self, start: int, end: int, label: str) -> bool:
        if start >= end or any(c == MASK for c in self.chars[start:end]):
            return False
        self.spans.append(Span(start, end, label))
        self.chars[start:end] = MASK * (end - start)
        return True


# -- helpers ---------------------------------------------------------------------------------
TRAILING = ".,;:!?¡¿)]}>»\"'’”…"


def _strip_trailing(text: str, start: int, end: int) -> int:
    """End of a URL without the sentence punctuation after it (a ")" stays if "(" is inside)."""
    while end > start and text[end - 1] in TRAILING:
        if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break
        end -= 1
    return end


def digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(number: str, letter: str) -> bool:
    return DNI_LETTERS[int(number) % 23] == letter.upper()


IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21,
    "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MA": 28,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TR": 26,
}


def iban_ok(compact: str) -> bool:
    compact = compact.upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    if not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# -- URLs and e-mails ---------------------------------------------------------------------------
TLDS = sorted(
    """com net org es eu uk co.uk org.uk ac.uk gov.uk sch.uk me.uk io me co us info biz cat gal eus
    tv gg ly app link xyz site online store shop page blog dev ai de fr it pt mx ar cl pe ve ec uy
    ru ch nl be live club top vip fm ws cc to la gov edu onion tk ml ga cf gq""".split(),
    key=len,
    reverse=True,
)
_TLD = "|".join(re.escape(t) for t in TLDS)
# Top-level domains that are also ordinary words: "hola.me", "vale.es" are a missing space.
WORD_TLDS = {"es", "me", "co", "to", "be", "it", "de", "la", "us", "eu", "fm", "ml", "ga", "io"}

URL_SCHEME = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']+", re.IGNORECASE)
URL_WWW = re.compile(r"(?<![\w.@/-])www\d{0,3}\.[^\s<>\"']+", re.IGNORECASE)
URL_BARE = re.compile(
    rf"(?<![\w.@/:-])((?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLD}))"
    r"(?::\d{2,5})?(/[^\s<>\"']*)?(?![\w@-])",
    re.IGNORECASE,
)
EMAIL = re.compile(
    r"(?<![\w.%+-])[\w][\w.%+-]{0,63}@[^\W_](?:[\w-]{0,61}[^\W_])?(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}(?![\w-])"
)
# "ana arroba gmail punto com", "dan.harris at gmail dot com", "ana(at)gmail.com"
EMAIL_SPELLED = re.compile(
    r"(?<![\w.])[\w][\w.+-]{0,63}(?:\s(?:dot|punto)\s[\w][\w+-]{0,30}){0,3}"
    r"\s*(?:@|\(at\)|\[at\]|\{at\}|\s(?:at|arroba)\s)\s*[\w-]{2,63}"
    r"(?:\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|\s(?:dot|punto)\s)\s*(?:com|es|net|org|co|uk|me|io|eu|cat|edu)\b)+",
    re.IGNORECASE,
)


def find_urls(m: Masked, allowed_hosts: frozenset[str], allowed_urls: frozenset[str], **_) -> None:
    text = m.current
    for rx in (URL_SCHEME, URL_WWW):
        for match in rx.finditer(text):
            end = _strip_trailing(text, match.start(), match.end())
            url = text[match.start():end]
            if _public_url(url, allowed_hosts, allowed_urls):
                continue
            m.add(match.start(), end, "URL")


def find_bare_domains(m: Masked, allowed_hosts: frozenset[str], allowed_urls: frozenset[str],
                      is_word: Callable[[str], bool], never_names: frozenset[str], **_) -> None:
    text = m.current
    for match in URL_BARE.finditer(text):
        host, path = match.group(1), match.group(2) or ""
        end = _strip_trailing(text, match.start(), match.end())
        labels = host.lower().split(".")
        if not path:
            if _public_url(host, allowed_hosts, allowed_urls):
                continue
            # "hola.me", "vale.es", "que.la": two words with a missing space, not a site
            if len(labels) == 2 and labels[1] in WORD_TLDS and (
                    is_word(labels[0]) or labels[0] in never_names or labels[0].isdigit()):
                continue
            if all(label.isdigit() for label in labels[:-1]):
                continue
        if _public_url(text[match.start():end], allowed_hosts, allowed_urls):
            continue
        m.add(match.start(), end, "URL")


def _public_url(url: str, allowed_hosts: frozenset[str], allowed_urls: frozenset[str]) -> bool:
    """A helpline or platform home page, or a page our own content links to: not personal."""
    u = url.lower()
    u = re.sub(r"^(?:https?|ftp)://", "", u)
    u = re.sub(r"^www\d{0,3}\.", "", u)
    host, _, rest = u.partition("/")
    host = host.split(":")[0]
    if host in allowed_hosts and rest.strip("/") == "":
        return True
    return u.rstrip("/") in allowed_urls


def find_emails(m: Masked, **_) -> None:
    for rx in (EMAIL, EMAIL_SPELLED):
        text = m.current
        for match in rx.finditer(text):
            m.add(match.start(), match.end(), "EMAIL")


# -- bank and card numbers, identity numbers -------------------------------------------------------
IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,32}")


def find_ibans(m: Masked, **_) -> None:
    text = m.current
    for match in IBAN_CANDIDATE.finditer(text):
        if MASK in match.group():
            continue
        positions = [match.start() + i for i, c in enumerate(match.group()) if c.isalnum()]
        compact = "".join(text[p] for p in positions).upper()
        lengths = [IBAN_LENGTHS[compact[:2]]] if compact[:2] in IBAN_LENGTHS else range(len(compact), 14, -1)
        for length in lengths:
            if length <= len(compact) and iban_ok(compact[:length]):
                end = positions[length - 1] + 1
                if end < len(text) and text[end].isalnum():
                    continue  # ends inside a word
                m.add(match.start(), end, "IBAN")
                break


CARD = re.compile(
    r"(?<![\d\w])(?:\d{4}([ \-]?)\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ \-]?)\d{6}\2\d{4,5}|\d{13,19})(?!\d)"
)


def find_cards(m: Masked, **_) -> None:
    text = m.current
    for match in CARD.finditer(text):
        number = digits(match.group())
        if 13 <= len(number) <= 19 and luhn(number) and len(set(number)) > 1:
            m.add(match.start(), match.end(), "CARD")


DNI = re.compile(r"(?<![\w.])(\d{8}|\d{1,2}\.\d{3}\.\d{3})(\s?[-.]?\s?)([A-Za-z])(?![\w])")
NIE = re.compile(r"(?<![\w])([XYZxyz])[-\s]?(\d{7})(\s?[-.]?\s?)([A-Za-z])(?![\w])")
SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
UK_NINO = re.compile(r"(?<![\w])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])")
ID_CONTEXT = re.compile(r"(?:dni|nie|documento|identidad|carn[eé]t?|pasaporte|passport|\bid)\W{0,3}(?:\w+\W+){0,3}$",
                        re.IGNORECASE)


def find_ids(m: Masked, **_) -> None:
    text = m.current
    for match in DNI.finditer(text):
        number, sep, letter = match.group(1).replace(".", ""), match.group(2), match.group(3)
        context = bool(ID_CONTEXT.search(text[max(0, match.start() - 40):match.start()]))
        # "llamé al 12345678 a las 5": a lower-case one-letter word after a space is a word
        if sep.strip() == "" and sep and letter.islower() and not context:
            continue
        if dni_ok(number, letter) or context:
            m.add(match.start(), match.end(), "ID")
    for match in NIE.finditer(text):
        prefix, number, letter = match.group(1), match.group(2), match.group(4)
        full = str("XYZ".index(prefix.upper())) + number
        context = bool(ID_CONTEXT.search(text[max(0, match.start() - 40):match.start()]))
        if dni_ok(full, letter) or context:
            m.add(match.start(), match.end(), "ID")
    for rx in (SSN, UK_NINO):
        for match in rx.finditer(m.current):
            m.add(match.start(), match.end(), "ID")


# -- phone numbers and other long numbers ---------------------------------------------------------
# Digit groups with exactly one separator between them (a space, a dash or dot with optional
# spaces, or a bracket): each way of reading a candidate is unique, so matching stays linear.
_SEP = r"(?:[ \t]?[\-–.][ \t]?|[ \t]|[ \t]?\([ \t]?|[ \t]?\)[ \t]?)"
PHONE = re.compile(
    rf"(?<![\w+/.,\-])(?:\+[ \t]?|(?<!\d)00[ \t]?)?(?:\([ \t]?\d+[ \t]?\)[ \t]?)?\d+(?:{_SEP}\d+)*\)?(?![\w/])"
)
LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){6,}(?!\d)")
DATE = re.compile(r"^\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}$|^\d{4}[./\-]\d{1,2}[./\-]\d{1,2}$")
YEAR_RANGE = re.compile(r"^(?:19|20)\d\d\s*[\-–/]\s*(?:19|20)\d\d$")
THOUSANDS = re.compile(r"^\d{1,3}(?:([.,  ])\d{3})+(?:[.,]\d{1,2})?$")
CURRENCY_AFTER = re.compile(
    r"^\s*(?:de\s+)?(?:€|\$|£|eur(?:o|os)?\b|usd\b|gbp\b|d[oó]lar(?:es)?\b|dollars?\b|pounds?\b|libras?\b|"
    r"pavos\b|pesos\b|bucks\b|quid\b|k\b|mil\b|millones\b|million\b|robux\b|v-?bucks\b|btc\b)",
    re.IGNORECASE,
)
CURRENCY_BEFORE = re.compile(r"(?:€|\$|£|eur|usd|gbp)\s*$", re.IGNORECASE)
COUNTRY_CODES = ("34", "44", "1", "33", "351", "39", "49", "52", "54", "57")


class Helplines:
    """Public helpline numbers: not personal data, left as typed."""

    def __init__(self, numbers: Iterable[str]):
        self.numbers = frozenset(n for n in numbers if n)

    def __contains__(self, number: str) -> bool:
        n = number
        candidates = {n}
        if n.startswith("00"):
            n = n[2:]
        for cc in COUNTRY_CODES:
            if n.startswith(cc):
                rest = n[len(cc):]
                candidates |= {rest, "0" + rest}
        candidates.add(n)
        return bool(candidates & self.numbers)


def _is_amount(text: str, start: int, end: int, candidate: str) -> bool:
    if CURRENCY_BEFORE.search(text[max(0, start - 5):start]):
        return True
    if CURRENCY_AFTER.match(text[end:end + 16]):
        return True
    return False


def _phone_like(candidate: str, text: str, start: int, end: int, helplines: Helplines) -> str | None:
    """'PHONE', or None when the digits are a date, an amount, a helpline, a list of small
    numbers, or too few or too many digits for a phone number."""
    d = digits(candidate)
    plus = candidate.lstrip().startswith("+")
    if not (7 <= len(d) <= 15) or "\n" in candidate:
        return None
    core = candidate.strip()
    if DATE.match(core) or YEAR_RANGE.match(core) or "/" in core:
        return None
    if THOUSANDS.match(core) and _is_amount(text, start, end, core):
        return None
    if _is_amount(text, start, end, core) and not plus:
        return None
    groups = re.findall(r"\d+", core)
    if d in helplines or all(g in helplines for g in groups):
        return None
    # one-digit groups: "6 1 2 3 4 5 6 7 8" is a phone number written out, "1 2 3 4 5 6 7" a count
    if all(len(g) == 1 for g in groups) and len(d) < 9:
        return None
    if not plus and len(groups) > 1 and max(len(g) for g in groups) <= 2 and len(d) < 8:
        return None
    return "PHONE"


def find_phones(m: Masked, helplines: Helplines, **_) -> None:
    text = m.current
    for match in PHONE.finditer(text):
        start, end = match.start(), match.end()
        candidate = match.group()
        # trim separators and a lone opening bracket at the edges
        while candidate and candidate[-1] in " \t.-–(":
            candidate, end = candidate[:-1], end - 1
        if candidate.endswith(")") and candidate.count("(") < candidate.count(")"):
            candidate, end = candidate[:-1], end - 1
        if _phone_like(candidate, text, start, end, helplines):
            m.add(start, end, "PHONE")


def find_long_numbers(m: Masked, helplines: Helplines, **_) -> None:
    """The safety net: any other run of 7 or more digits (an order number, a card number with a
    typo, a phone number glued to a word) is masked, unless it is a date, an amount or a helpline."""
    text = m.current
    for match in LONG_NUMBER.finditer(text):
        candidate, start, end = match.group(), match.start(), match.end()
        core = candidate.strip()
        if DATE.match(core) or YEAR_RANGE.match(core):
            continue
        if THOUSANDS.match(core) and _is_amount(text, start, end, core):
            continue
        if _is_amount(text, start, end, core):
            continue
        if digits(core) in helplines:
            continue
        m.add(start, end, "NUMBER")


# -- social-media handles -----------------------------------------------------------------------
AT_HANDLE = re.compile(r"(?<![\w@.+\-/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])")
HANDLE_TRIGGER = re.compile(
    r"(?i)\b(?:insta(?:gram)?|ig|snap(?:chat)?|sc|tik ?tok|tt|twitter|twitch|discord|telegram|kik|"
    r"threads|bereal|roblox|fortnite|minecraft|psn|xbox|steam|epic|reddit|onlyfans|facebook|fb|face|"
    r"youtube|yt|wattpad|pinterest|usuari[oa]|user(?:name)?|nick(?:name)?|gamertag|alias|perfil|"
    r"profile|cuenta|account|handle|se hace llamar|se hacen llamar|goes by|go by|calls (?:him|her)self)\b"
)
# what may stand between the trigger and the handle: "mi insta es", "account is called", "en discord como"
HANDLE_LINK = re.compile(
    r"(?i)(?:\s*(?::|=|->|→|-)|\s+(?:es|is|was|era|de|del|on|en|in|my|mi|su|his|her|their|the|el|la|que|that|"
    r"called|named|llamad[oa]|como|as|by|se llama|is called|name is|handle is)(?=\s))"
)
EXPLICIT_LINK = re.compile(r"(?i)(?::|=|->|→|\bes\b|\bis\b|\bwas\b|\bera\b|\bcalled\b|\bnamed\b|"
                           r"\bllamad[oa]\b|\bcomo\b|\bas\b|\bby\b|\bllama\b|se hace llamar|goes by|go by|self)")
HANDLE_WORD = re.compile(r"\s*(@?[A-Za-z0-9_][A-Za-z0-9_.]{0,28}[A-Za-z0-9_]|@?[A-Za-z0-9_]{2})(?![\w@])")


def _handle_like(word: str) -> bool:
    """Looks made up: digits, underscores, an inner dot, or a capital inside ("xXdarkXx")."""
    return (any(c.isdigit() for c in word) or "_" in word or "." in word.strip(".")
            or any(c.isupper() for c in word[1:]) and any(c.islower() for c in word))


def find_handles(m: Masked, is_word: Callable[[str], bool], stop_words: frozenset[str],
                 never_names: frozenset[str], **_) -> None:
    text = m.current
    for match in AT_HANDLE.finditer(text):
        name = match.group(1)
        if re.fullmatch(r"\d{1,2}(?:[:.]\d\d)?(?:am|pm|h)?", name, re.IGNORECASE):
            continue  # "@5pm"
        m.add(match.start(), match.end(), "HANDLE")
    text = m.current
    for trigger in HANDLE_TRIGGER.finditer(text):
        pos = trigger.end()
        explicit = trigger.group().lower().startswith(("se hace", "se hacen", "goes", "go ", "calls"))
        for _ in range(3):
            link = HANDLE_LINK.match(text, pos)
            if not link:
                break
            explicit = explicit or bool(EXPLICIT_LINK.search(link.group()))
            pos = link.end()
        word_match = HANDLE_WORD.match(text, pos)
        if not word_match:
            continue
        word = word_match.group(1).lstrip("@")
        folded = word.lower()
        if folded in stop_words or folded in never_names or HANDLE_TRIGGER.fullmatch(word):
            continue
        if _handle_like(word) or (explicit and not is_word(folded)):
            m.add(word_match.start(1), word_match.end(1), "HANDLE")


# -- street addresses ---------------------------------------------------------------------------
ES_TRIGGER_WORD = (r"calle|avenida|plaza|paseo|camino|carretera|ronda|traves[ií]a|urbanizaci[oó]n|"
                   r"glorieta|callej[oó]n|rambla|carrer|pasaje|bulevar|barriada|pol[ií]gono")
ES_TRIGGER_ABBR = (r"c/|c\.|cl\.|cll\.|avda\.?|avd\.?|av\.|pza\.|plza\.|pl\.|pº|p\.º|ctra\.|cno\.|rda\.|"
                   r"trav\.|urb\.|gta\.|c\\")
ES_TRIGGER = re.compile(rf"(?i)(?<![\w/])(?:(?P<word>{ES_TRIGGER_WORD})\b|(?P<abbr>{ES_TRIGGER_ABBR}))")
ES_CONNECTOR = {"de", "del", "la", "las", "los", "el", "d'", "y", "i", "sant", "san", "santa"}
TOKEN = re.compile(r"\s*(,)?\s*([^\s,;:()!?¿¡\"]+)")
ES_NUMBER = re.compile(r"(?i)^(?:n[º°o]\.?|n\.[º°]|núm\.?|num\.?|número|numero|#)?(\d{1,4}[a-zA-Z]?)$")
ES_NUMBER_WORD = re.compile(r"(?i)^(?:n[º°o]\.?|n\.[º°]|núm\.?|num\.?|número|numero|#)$")
ES_FLOOR = re.compile(
    r"(?i)^(?:\d{1,2}\s?[º°ª](?:-?[a-z]|\d{1,2}[º°ª]?)?|[a-h]|izq(?:da|uierda)?\.?|dcha\.?|derecha|"
    r"dch\.?|centro|ctro\.?|bajo|bj\.?|[áa]tico|entresuelo|entlo\.?|principal|pral\.?|\d{1,2}-?[a-h])$"
)
ES_FLOOR_WORD = re.compile(r"(?i)^(?:piso|planta|puerta|pta\.?|esc(?:alera)?\.?|portal|bloque|blq\.?)$")
POSTCODE_ES = re.compile(r"^\d{5}$")

EN_SUFFIX_FULL = (r"street|road|avenue|lane|drive|close|crescent|terrace|boulevard|gardens|grove|"
                  r"square|place|court|way|row|mews|hill|walk|parade|rise|circle|parkway|highway|"
                  r"trail|wynd|hollow")
EN_SUFFIX_ABBR = r"St|Rd|Ave|Av|Ln|Dr|Cres|Ter|Terr|Blvd|Gdns|Sq|Pl|Ct|Pkwy|Hwy"
EN_UNIT = r"(?:flat|apt|apartment|unit|suite|#)\.?\s*#?\w{1,4}"
EN_WITH_NUMBER = re.compile(
    rf"(?:(?i:{EN_UNIT}),?\s+)?(?<![\w£$€.,])\d{{1,5}}[A-Za-z]?,?\s+"
    rf"(?P<words>(?:[A-Za-z][\w'’-]*\s+){{1,3}})"
    rf"(?:(?i:{EN_SUFFIX_FULL})\b|(?:{EN_SUFFIX_ABBR})\b\.?)"
    rf"(?:,?\s+(?i:{EN_UNIT}))?"
)
EN_NO_NUMBER = re.compile(
    r"(?<![\w])(?P<words>(?:[A-Z][a-z'’-]+\s+){1,3})(?:Street|Road|Avenue|Lane|Drive|Close|Crescent|"
    r"Terrace|Boulevard|Gardens|Grove|Square|Mews|Parade|Way)\b"
)
EN_LIVE_ON = re.compile(
    rf"(?i)\b(?:live|lives|living|lived|house|home|address)\s+(?:is\s+)?(?:on|at|in)\s+"
    rf"(?P<addr>(?P<words>(?:[a-z][\w'’-]*\s+){{1,3}})(?:{EN_SUFFIX_FULL}))\b"
)
UK_POSTCODE = re.compile(r"(?<![\w])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}(?![\w])")
ADDRESS_IS = re.compile(
    r"(?i)\b(?:mi|su|tu|my|his|her|their|our|the)\s+(?:direcci[oó]n|domicilio|address)\s+(?:es|is)\s*:?\s*"
)


def find_addresses(m: Masked, stop_words: frozenset[str], **_) -> None:
    _spanish_addresses(m, stop_words)
    _english_addresses(m, stop_words)
    text = m.current
    for match in UK_POSTCODE.finditer(text):
        m.add(match.start(), match.end(), "ADDRESS")
    _address_is(m)


def _spanish_addresses(m: Masked, stop_words: frozenset[str]) -> None:
    text = m.current
    for trig in ES_TRIGGER.finditer(text):
        abbr = trig.group("abbr") is not None
        pos = trig.end()
        name_end = None
        name_words = 0
        first_capital = None
        end = None
        number = False
        state = "name"
        pending_floor_word = False
        while True:
            tok = TOKEN.match(text, pos)
            if not tok:
                break
            comma, word = tok.group(1), tok.group(2)
            low = word.rstrip(".").lower()
            if MASK in word:
                break
            if state == "name":
                if comma:
                    break
                if ES_NUMBER.match(word) and not ES_NUMBER_WORD.match(word) and name_words:
                    number, end, state, pos = True, tok.end(), "floor", tok.end()
                    continue
                if ES_NUMBER_WORD.match(word) and name_words:
                    pos, state = tok.end(), "number"
                    continue
                if low in ES_CONNECTOR:
                    pos = tok.end()
                    continue
                if re.fullmatch(r"[^\W\d_][\w'’\-]*\.?", word) and name_words < 5:
                    capital = word[0].isupper()
                    if first_capital is None:
                        first_capital = capital
                    if not capital and (low in stop_words or (first_capital and name_words)):
                        break
                    name_words += 1
                    name_end = tok.start(2) + len(word.rstrip("."))
                    pos = tok.end()
                    continue
                break
            if state == "number":
                if re.fullmatch(r"\d{1,4}[a-zA-Z]?", word):
                    number, end, state, pos = True, tok.end(), "floor", tok.end()
                    continue
                break
            if state == "floor":
                if pending_floor_word:
                    if re.fullmatch(r"\w{1,3}\.?", word):
                        end, pos, pending_floor_word = tok.end(), tok.end(), False
                        continue
                    break
                if ES_FLOOR_WORD.match(word):
                    pending_floor_word, pos = True, tok.end()
                    continue
                if ES_FLOOR.match(word) or (re.fullmatch(r"\d{1,2}", word) and re.match(r"\s*[º°ª]", text[tok.end():])):
                    end, pos = tok.end(), tok.end()
                    continue
                if POSTCODE_ES.match(word):
                    end, pos = tok.end(), tok.end()
                    break
                break
        if name_words == 0:
            continue
        # "en la calle" is not an address; "calle Mayor", "calle mayor 12" and "c/ toledo" are
        if not (abbr or number or first_capital):
            continue
        stop = end if end is not None else name_end
        if stop is None:
            continue
        m.add(trig.start(), stop, "ADDRESS")


def _english_addresses(m: Masked, stop_words: frozenset[str]) -> None:
    text = m.current
    for rx in (EN_WITH_NUMBER, EN_NO_NUMBER):
        for match in rx.finditer(text):
            words = match.group("words").split()
            if any(w.lower() in stop_words for w in words):
                continue
            m.add(match.start(), match.end(), "ADDRESS")
        text = m.current
    for match in EN_LIVE_ON.finditer(text):
        words = match.group("words").split()
        if any(w.lower() in stop_words for w in words):
            continue
        m.add(match.start("addr"), match.end("addr"), "ADDRESS")


def _address_is(m: Masked) -> None:
    """'mi dirección es ...' / 'my address is ...': up to the end of the clause, if it has a number."""
    text = m.current
    for match in ADDRESS_IS.finditer(text):
        start = match.end()
        stop = re.search(r"[.!?\n]|\s(?:y|and|pero|but|por|porque|because)\s", text[start:start + 80])
        end = start + (stop.start() if stop else min(len(text) - start, 80))
        chunk = text[start:end].rstrip(" ,;")
        if chunk and re.search(r"\d", chunk) and MASK not in chunk:
            m.add(start, start + len(chunk), "ADDRESS")


STRUCTURED = (
    find_urls,
    find_emails,
    find_bare_domains,
    find_ibans,
    find_cards,
    find_ids,
    find_phones,
    find_handles,
    find_addresses,
    find_long_numbers,
)
