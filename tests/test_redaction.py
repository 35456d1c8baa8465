"""Redaction before storage (chatbot/redaction).

The cases below are the DEVELOPMENT set the rules were written against. The held-out set is
bench/data/redaction_{es,en}.yml, measured by bench/redaction.py and never used here.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import yaml

from chatbot import redaction
from chatbot.redaction import clean, find, redact
from chatbot.redaction.engine import NAMES_FILE, load_lists
from chatbot.redaction.names import fold
from chatbot.redaction.patterns import dni_ok, iban_ok, luhn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def loaded():
    assert redaction.warm_up()


def check(text: str, expected: str) -> None:
    assert redact(text) == expected, find(text)


# -- development cases, per type and language --------------------------------------------------
PHONES = [
    ("mi movil es 611 223 344", "mi movil es [PHONE]"),
    ("llamame al 699-88-77-66 porfa", "llamame al [PHONE] porfa"),
    ("su numero: +34 622 11 22 33", "su numero: [PHONE]"),
    ("me escribe desde el 0034 655 443 322", "me escribe desde el [PHONE]"),
    ("el fijo de casa es 93 412 34 56", "el fijo de casa es [PHONE]"),
    ("whatsapp 677.665.544", "whatsapp [PHONE]"),
    ("tlf: 612345678.", "tlf: [PHONE]."),
    ("un numero de argentina +54 9 11 2345 6789", "un numero de argentina [PHONE]"),
    ("call me on 07911 123456", "call me on [PHONE]"),
    ("my cell (212) 555-0147", "my cell [PHONE]"),
    ("text +44 7911 123 456 tonight", "text [PHONE] tonight"),
    ("his number is 917.555.0123", "his number is [PHONE]"),
    ("it says 1-800-555-0199", "it says [PHONE]"),
    ("+1 (646) 555-0133 keeps calling", "[PHONE] keeps calling"),
    ("ring 0161 496 0000", "ring [PHONE]"),
    ("6 5 4 3 2 1 0 9 8 es su numero", "[PHONE] es su numero"),
]
EMAILS = [
    ("mi correo es pablito.2011@gmail.com", "mi correo es [EMAIL]"),
    ("escribidme a LUCIA_M@HOTMAIL.ES", "escribidme a [EMAIL]"),
    ("su mail es ana (at) gmail.com", "su mail es [EMAIL]"),
    ("mandalo a juan arroba hotmail punto es", "mandalo a [EMAIL]"),
    ("my email is tom_h@outlook.com.", "my email is [EMAIL]."),
    ("its jess dot m at gmail dot com", "its [EMAIL]"),
    ("<kate.b+school@icloud.com>", "<[EMAIL]>"),
]
HANDLES = [
    ("mi insta es @marta.rg_", "mi insta es [HANDLE]"),
    ("me sigue una cuenta que se llama lucia.fotos99", "me sigue una cuenta que se llama [HANDLE]"),
    ("agregame al snap: pablo_rz", "agregame al snap: [HANDLE]"),
    ("su tiktok es el.chino.07", "su tiktok es [HANDLE]"),
    ("mi usuario de roblox es NinjaKid2012", "mi usuario de roblox es [HANDLE]"),
    ("my insta is @sam.rivers_", "my insta is [HANDLE]"),
    ("add me on snap: katie_b22", "add me on snap: [HANDLE]"),
    ("his gamertag is DarkKnight420", "his gamertag is [HANDLE]"),
    ("the account is called leaks.school.official", "the account is called [HANDLE]"),
    ("i go by lexi_xo on tiktok", "i go by [HANDLE] on tiktok"),
    ("me escribio @elreydelinsti", "me escribio [HANDLE]"),
]
URLS = [
    ("mira esto https://t.me/joinchat/AbCdEf123", "mira esto [URL]"),
    ("lo subio a www.pornfakes.xyz/v/123", "lo subio a [URL]"),
    ("su perfil es instagram.com/lucia.perez.05", "su perfil es [URL]"),
    ("join https://discord.gg/abc123XYZ.", "join [URL]."),
    ("see www.leaks-site.net/u/katie", "see [URL]"),
    ("(youtube.com/watch?v=dQw4w9WgXcQ)", "([URL])"),
    ("it's on katiebrown.co.uk", "it's on [URL]"),
]
ADDRESSES = [
    ("vivo en c/ Alfonso XII nº 3, 1ºD", "vivo en [ADDRESS]"),
    ("me espera en la Avenida de Andalucía 45", "me espera en la [ADDRESS]"),
    ("mi direccion es calle Sevilla 8, 2º B, 06200", "mi direccion es [ADDRESS]"),
    ("en la plaza Mayor 1 hay una camara", "en la [ADDRESS] hay una camara"),
    ("sabe que vivo en la Calle de Santa Engracia", "sabe que vivo en la [ADDRESS]"),
    ("i live at 14 Park Road", "i live at [ADDRESS]"),
    ("he knows my address: 7 Kingfisher Close, Reading RG1 2AB",
     "he knows my address: [ADDRESS], Reading [ADDRESS]"),
    ("he waited outside 3 Mill Lane", "he waited outside [ADDRESS]"),
    ("we live on Elm Grove", "we live on [ADDRESS]"),
    ("he lives on maple drive", "he lives on [ADDRESS]"),
]
IDS = [
    ("mi dni: 59081935H", "mi dni: [ID]"),
    ("dni 88220482-A", "dni [ID]"),
    ("NIE X8275367J", "NIE [ID]"),
    ("mi dni es 12345678A", "mi dni es [ID]"),  # wrong letter, but it says DNI
    ("ssn 123-45-6789", "ssn [ID]"),
    ("NI number AB 12 34 56 C", "NI number [ID]"),
]
BANK = [
    ("paga a ES85 7529 1703 4236 6712 7684 ya", "paga a [IBAN] ya"),
    ("iban: GB52 BARC 9336 3387 5004 74", "iban: [IBAN]"),
    ("la tarjeta 4983 4788 7838 4834", "la tarjeta [CARD]"),
    ("card 5165-8948-1131-1444 exp 09/27", "card [CARD] exp 09/27"),
    ("amex 3740 234483 47823", "amex [CARD]"),
    ("4983478878384835 no pasa la comprobación", "[NUMBER] no pasa la comprobación"),
]
NAMES = [
    ("me llamo Nerea y tengo 13", "me llamo [NAME] y tengo 13"),
    ("soy Gonzalo", "soy [NAME]"),
    ("mi novio Iñaki me la pidio", "mi novio [NAME] me la pidio"),
    ("Borja me esta amenazando", "[NAME] me esta amenazando"),
    ("mi hija Estrella esta muy asustada", "mi hija [NAME] esta muy asustada"),
    ("Hola Rocío, gracias", "Hola [NAME], gracias"),
    ("se lo dije a mi amiga Sol", "se lo dije a mi amiga [NAME]"),
    ("mi hijo se llama Marco", "mi hijo se llama [NAME]"),
    ("me llamo Ana Belén García", "me llamo [NAME]"),
    ("Pedro y Lucas me la pasaron", "[NAME] y [NAME] me la pasaron"),
    ("un tal Kike me escribe", "un tal [NAME] me escribe"),
    ("mi madre Mercedes no sabe nada", "mi madre [NAME] no sabe nada"),
    ("me llamo lucia y tengo miedo", "me llamo [NAME] y tengo miedo"),
    ("ME LLAMO CARMEN", "ME LLAMO [NAME]"),
    ("my name is Priya", "my name is [NAME]"),
    ("i'm Callum and i'm 15", "i'm [NAME] and i'm 15"),
    ("my brother Jude saw it", "my brother [NAME] saw it"),
    ("Travis keeps texting me", "[NAME] keeps texting me"),
    ("my daughter Poppy is 12", "my daughter [NAME] is 12"),
    ("My friend Summer got it too", "My friend [NAME] got it too"),
    ("Mr. Davies my teacher", "Mr. [NAME] my teacher"),
    ("Ms Green said to message you", "Ms [NAME] said to message you"),
    ("Logan Price sent it", "[NAME] sent it"),
    ("Ruby and Jack have it", "[NAME] and [NAME] have it"),
    ("his name is Kwame", "his name is [NAME]"),
    ("Thanks, Grace", "Thanks, [NAME]"),
]

ORDINARY = [
    # Spanish words that are also names, helplines, amounts, dates, platforms
    "la foto es rosa y azul",
    "tengo mucha esperanza",
    "me duele la cabeza y tengo dolores",
    "leo los mensajes cada noche",
    "ella me dijo que no pagara",
    "es mia la foto",
    "me dan miedo",
    "llama al 112 o al 016",
    "el 024 es gratis?",
    "le he escrito al 017 y al 900 116 117",
    "el 600 50 51 52 es de ANAR?",
    "lo llamé al 900 20 20 10",
    "me piden 1.000 euros",
    "me piden 2.000.000 de euros",
    "quiere 250€ o 300 $",
    "paso a las 23:40 del 12/05/2024",
    "tengo 14 años y estoy en 3º de la ESO",
    "vale, gracias",
    "la luz de mi cuarto",
    "en abril",
    "vivo en Badajoz",
    "justo eso me pasó",
    "el domingo me escribió",
    "unos marcos de fotos",
    "estoy en la calle",
    "me lo encontre en la calle",
    "estaba en la calle con mis amigas",
    "me pegaron en la calle hace 2 dias",
    "como denuncio en instagram.com?",
    "he visto la web de incibe.es",
    "he llamado a la Guardia Civil y a la Policía Nacional",
    "Instagram me ha bloqueado la cuenta",
    "lo he subido a Take It Down",
    "su perfil es privado",
    "mi insta es normal, no tiene nada",
    "tengo un Mercedes",
    "hola.me puedes ayudar",
    "todos los amig@s del insti lo han visto",
    "no sale el sol",
    "tengo un marco de fotos",
    "la estrella del equipo",
    "del 2019-2023 no pasó nada",
    # English
    "will you help me please",
    "I will report it",
    "my son will be fine",
    "hope you can help",
    "there is hope",
    "please mark it as read",
    "May I ask something",
    "it happened on May 3rd",
    "it happened in June",
    "this summer was awful",
    "the green button",
    "it's called Take It Down",
    "I reported it to Instagram and Snapchat",
    "my snap is down",
    "my account is private",
    "report it at takeitdown.ncmec.org",
    "call 999 or 0800 1111",
    "I called 911 and 988",
    "text HOME to 741741",
    "they want $2,000,000",
    "he walked 2 miles down the road",
    "down the road from school",
    "I'm scared",
    "I'm 14",
    "a bill came",
    "it's a grace period",
    "meet @5pm",
]


@pytest.mark.parametrize("text, expected", PHONES)
def test_phones(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", EMAILS)
def test_emails(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", HANDLES)
def test_handles(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", URLS)
def test_urls(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", ADDRESSES)
def test_addresses(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", IDS)
def test_identity_numbers(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", BANK)
def test_bank_and_card_numbers(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text, expected", NAMES)
def test_names(text, expected):
    check(text, expected)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_are_left_alone(text):
    assert redact(text) == text, find(text)


# -- checks on the number rules ---------------------------------------------------------------
def test_check_digits():
    assert dni_ok("59081935", "H") and not dni_ok("59081935", "A")
    assert iban_ok("ES8575291703423667127684") and not iban_ok("ES8575291703423667127685")
    assert luhn("4983478878384834") and not luhn("4983478878384835")


def test_a_dni_with_a_wrong_letter_and_no_context_is_still_masked_as_a_number():
    assert redact("12345678A") == "[NUMBER]A"


def test_a_lower_case_word_after_eight_digits_is_not_a_dni_letter():
    assert redact("me llamó el 12345678 a las 5") == "me llamó el [PHONE] a las 5"


# -- the name list file -------------------------------------------------------------------
def test_name_lists_are_consistent():
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    given = {fold(w) for lang in data["given_names"].values() for w in lang}
    ordinary = {fold(w) for w in data["ordinary_word_names"]}
    assert not given & ordinary, "a name is both always-redacted and ordinary-word"
    assert len(given) >= 500  # a few hundred per language
    lists = load_lists()
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES

    stop = {fold(w) for w in EN | ES}
    assert not lists.given & stop, "a given name that is a function word must be an ordinary-word name"


# -- robustness ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [None, "", " ", "\n\n", "😭😭😭", "\x00", "\x00" * 1000, "[NAME]", "@", "@@@", "....", "((((",
     "\u202e\u200f", b"bytes 612 345 678", 612345678, "👨‍👩‍👧 ok", "ا" * 500, "\ud800"],
)
def test_never_raises(value):
    assert isinstance(redact(value), str)


def test_invisible_characters_cannot_hide_a_number():
    assert redact("mi movil 6\u200b1\u200b2 3\u200d45 6\u200e78") == "mi movil [PHONE]"
    assert redact("612\x00345\x00678") == "[PHONE]"
    assert redact("\u202bana@gmail.com\u202c") == "[EMAIL]"


def test_control_characters_are_removed_and_emoji_kept():
    assert redact("hola\x00 👨‍👩‍👧\x07") == "hola 👨‍👩‍👧"


def test_huge_input_is_redacted_in_pieces_quickly():
    text = ("me piden dinero y no se que hacer, mi numero es 612 345 678 y me llamo Lucía. " * 6000)
    started = time.perf_counter()
    out = redact(text)
    assert time.perf_counter() - started < 20
    assert "612 345 678" not in out and "Lucía" not in out
    assert out.count("[PHONE]") == 6000


@pytest.mark.parametrize(
    "text",
    ["1" * 100_000, "a." * 50_000, "@a" * 30_000, "1 " * 50_000, "ES12 " * 20_000, "calle " * 20_000,
     "Ana " * 20_000, "me llamo " * 20_000, "(" * 50_000 + "1" * 50_000],
    ids=["digits", "dots", "ats", "spaced-digits", "iban-starts", "calle", "names", "me-llamo", "brackets"],
)
def test_pathological_input_is_fast(text):
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 10


def test_redacting_twice_changes_nothing_more():
    for text, _ in PHONES + EMAILS + HANDLES + URLS + ADDRESSES + IDS + BANK + NAMES:
        once = redact(text)
        assert redact(once) == once, text


def test_clean_keeps_ordinary_text():
    assert clean("¿Qué tal? ñandú – «ok»") == "¿Qué tal? ñandú – «ok»"


def test_fast_after_loading():
    messages = [t for t, _ in PHONES + EMAILS + NAMES + ADDRESSES] + ORDINARY
    redact("warm")
    started = time.perf_counter()
    for _ in range(5):
        for m in messages:
            redact(m)
    per_message = (time.perf_counter() - started) / (5 * len(messages))
    assert per_message < 0.001, f"{per_message * 1000:.3f} ms per message"


def test_thread_safe():
    messages = [t for t, _ in PHONES + EMAILS + NAMES + ADDRESSES + HANDLES] * 20
    expected = [redact(m) for m in messages]
    results: list[list[str]] = []

    def work():
        results.append([redact(m) for m in messages])

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_a_broken_redactor_falls_back_to_the_strict_rules(monkeypatch):
    class Broken:
        def find(self, text):
            raise RuntimeError("boom")

    monkeypatch.setattr(redaction, "_redactor", Broken())
    out = redact("hola, soy de Madrid y mi numero es 612 345 678, ana@gmail.com @ana_22")
    assert "612 345 678" not in out and "ana@gmail.com" not in out and "@ana_22" not in out
    assert "Madrid" not in out
    monkeypatch.setattr(redaction, "_fallback", lambda text: 1 / 0)
    assert redact("mi numero es 612 345 678") == "[REDACTED]"


# -- integration: what leaves Assistant.handle() -------------------------------------------------
PHONE, EMAIL, NAME = "611 987 654", "ximena.test.4471@gmail.com", "Ximena"
SECRET_MESSAGE = (f"me llamo {NAME}, me piden 200 euros o suben una foto falsa mia, "
                  f"mi numero es {PHONE} y mi correo {EMAIL}")
SECRETS = (PHONE, PHONE.replace(" ", ""), EMAIL, NAME)


async def test_rasa_and_our_database_get_the_redacted_text_and_the_checks_the_original(
        tmp_path, monkeypatch):
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from chatbot import conversation as conversation_module
    from chatbot.api import ASSISTANT
    from chatbot.app import create_app
    from conftest import make_config, say, start_conversation

    sent_to_rasa, seen_by_checks = [], []

    async def fake_rasa(request):
        sent_to_rasa.append((await request.json())["message"])
        return web.json_response([{"text": "ok", "topic": "dont_pay", "buttons": []}])

    for module, name in ((conversation_module.safety, "assess"), (conversation_module.language, "detect"),
                         (conversation_module.language, "is_parent"),
                         (conversation_module.language, "switch_request")):
        original = getattr(module, name)

        def spy(text, _original=original):
            seen_by_checks.append(text)
            return _original(text)

        monkeypatch.setattr(module, name, spy)

    rasa = web.Application()
    rasa.router.add_post("/webhooks/private/webhook", fake_rasa)
    async with TestServer(rasa) as server:
        config = make_config(tmp_path, rasa_url=str(server.make_url("")))
        async with TestClient(TestServer(create_app(config))) as client:
            conversation = await start_conversation(client, lang="es")
            reply = await say(client, conversation, SECRET_MESSAGE)
            store = client.server.app[ASSISTANT].store
            stored = [m.text for m in store.transcript(store.find(conversation).id) if m.sender == "user"]

    assert reply["messages"][0]["topic"] == "dont_pay"
    expected = ("me llamo [NAME], me piden 200 euros o suben una foto falsa mia, "
                "mi numero es [PHONE] y mi correo [EMAIL]")
    assert sent_to_rasa == [expected]
    assert stored == [expected]
    assert seen_by_checks and all(text == SECRET_MESSAGE for text in seen_by_checks)


def _raw_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_personal_data_is_absent_from_our_database_and_rasas_tracker(client, rasa_config):
    from chatbot.api import ASSISTANT
    from conftest import say, start_conversation

    conversation = await start_conversation(client, lang="es")
    reply = await say(client, conversation, SECRET_MESSAGE)
    crisis = await say(client, conversation, f"soy {NAME} y ya no puedo mas, me quiero morir. {PHONE}")

    # the user still gets normal answers, crisis lines included
    assert reply["state"] == "bot" and reply["messages"][0]["text"].strip()
    assert reply["messages"][0]["topic"] == "dont_pay"
    assert crisis["messages"][0]["topic"] == "crisis_support"

    internal_id = client.server.app[ASSISTANT].store.find(conversation).id
    with sqlite3.connect(rasa_config.database_url.removeprefix("sqlite:///")) as db:
        ours = [row[0] for row in db.execute(
            "SELECT text FROM messages WHERE conversation_id = ? AND sender = 'user'", (internal_id,))]
    with sqlite3.connect(rasa_config.tracker_database_url.removeprefix("sqlite:///")) as db:
        tracker = [row[0] for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ?", (internal_id,))]
    assert len(ours) == 2 and "[PHONE]" in ours[0] and "[NAME]" in ours[0] and "[EMAIL]" in ours[0]
    assert any("[PHONE]" in row and "[EMAIL]" in row for row in tracker), "Rasa stored the turn"
    for secret in SECRETS:
        assert not any(secret in text for text in ours)
        assert not any(secret in row for row in tracker)
        for url in (rasa_config.database_url, rasa_config.tracker_database_url):
            assert secret.encode() not in _raw_bytes(url), (secret, url)


def test_the_nlu_training_examples_are_almost_all_left_alone():
    """A guard against rules that break ordinary words: the NLU examples are ordinary messages
    (bench/redaction.py lists every change for review; at the last review there were none)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_redaction", ROOT / "bench" / "redaction.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for lang in ("es", "en"):
        examples = bench.nlu_examples(lang)
        changed = [e for e in examples if redact(e) != clean(e)]
        assert len(examples) > 1000
        assert len(changed) <= len(examples) // 200, changed
