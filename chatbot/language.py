"""Who is writing, read from the words: language (Spanish or English), an explicit request to
switch language, and whether a parent is writing about their child."""
from __future__ import annotations

import re
import unicodedata

_ES_WORDS = set(
    """que q k de del la el los las lo mi mis me te se le su sus es son esta estoy estan por para
    con sin una un unos y o pero porque xq pq tb tmb muy ya nada hacer hago hace dicen dice han ha
    he hay tengo tiene tienen quiero quieren puedo puede si no como cuando donde quien qué cómo
    hija hijo hijos niña niño foto fotos desnuda desnudo dinero pagar pago pague ayuda ayudame hola
    buenas gracias vale policia denuncia denunciar borrar subir grupo clase instituto colegio madre
    padre amiga amigo ahora noche miedo verguenza mucho algo alguien todo todos ella el ellos nos
    al tu yo ese esa esto eso mas otra otro van voy va dinero quitar redes sale salir chantaje
    amenaza amenazan piden pide hablar persona eres bot adios ayudar favor porfa""".split()
)
_EN_WORDS = set(
    """the i im i'm ive i've my you your is are was were to and of what how do does did don't dont
    they them he she it it's its this that there with for can cant can't will would should have has
    had want need pay paid help hi hello hey please pls plz thanks thank someone somebody photo
    photos pic pics picture nudes nude fake money police report daughter son kid child parent mum
    mom dad scared bye who are be been if but not now tonight friend school delete sent send talk
    person human bot am an at on from just like know get got about all any out up""".split()
)
_ES_CHARS = re.compile(r"[ñ¿¡áíóú]")

_TO_ENGLISH = re.compile(
    r"\b(in english|en ingles|english please|english pls|speak english|habla(?:s|r)? (?:en )?ingles"
    r"|switch to english|cambia(?:r)? (?:a|al) ingles|i don'?t speak spanish|^english\??$|^ingles\??$)\b"
)
_TO_SPANISH = re.compile(
    r"\b(in spanish|en espanol|en castellano|spanish please|speak spanish|habla(?:s|r)? (?:en )?espanol"
    r"|switch to spanish|cambia(?:r)? (?:a|al) espanol|no hablo ingles|no entiendo (?:el )?ingles"
    r"|^espanol\??$|^spanish\??$|^castellano\??$)\b"
)

_PARENT = re.compile(
    r"\b(mis? (?:hij[oa]s?|niñ[oa]s?|nin[oa]s?|chaval(?:a|es)?|peque|hijastr[oa])"
    r"|soy (?:su |la |el )?(?:madre|padre|mama|papa|tutor[a]?)|como (?:madre|padre)"
    r"|(?:my|our) (?:\d+ ?(?:yo|year old|-year-old) )?(?:daughter|son|kid|kids|child|children|teen|"
    r"teenager|stepdaughter|stepson|boy|girl)"
    r"|i'?m (?:a|her|his|their) (?:mum|mom|mother|dad|father|parent|guardian)|as a parent)\b"
)


def fold(text: str) -> str:
    """Lower case without accents (keeps ñ, which carries meaning)."""
    text = text.lower().replace("ñ", "\0")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.replace("\0", "ñ")


def detect(text: str) -> str | None:
    """'es' or 'en' when the words say so clearly, None when they do not."""
    lowered = text.lower()
    words = re.findall(r"[\w']+", fold(text))
    es = sum(w in _ES_WORDS for w in words) + 2 * len(_ES_CHARS.findall(lowered))
    en = sum(w in _EN_WORDS for w in words)
    if es > en:
        return "es"
    if en > es:
        return "en"
    return None


def switch_request(text: str) -> str | None:
    """The language asked for in a short message like 'in English please' or 'en español'."""
    folded = fold(text).strip(" .!?¿¡")
    if len(folded) > 60:
        return None
    if _TO_ENGLISH.search(folded.replace("ñ", "n")):
        return "en"
    if _TO_SPANISH.search(folded.replace("ñ", "n")):
        return "es"
    return None


def is_parent(text: str) -> bool:
    return bool(_PARENT.search(fold(text)))
