"""SMS without Rasa: segment counting, the budget of every topic, menus, keywords, the number."""
import shutil

import pytest

from chatbot.config import ROOT
from chatbot.content import Content, Context
from chatbot.sms import keywords, privacy, segments
from chatbot.sms.render import Composer, check_budget, plain_text


@pytest.fixture(scope="module")
def content() -> Content:
    return Content(ROOT / "content", reload_seconds=0)


# -- segments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, encoding, count", [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("{" * 80, "GSM-7", 1),  # an extension character costs two septets
    ("{" * 81, "GSM-7", 2),
    ("a" * 152 + "€" + "a" * 8, "GSM-7", 2),  # an escape pair is never split across segments
    ("ñandú", "UCS-2", 1),  # ú is not GSM-7 (ñ is)
    ("¿Qué? ¡Sí! ñ ü é", "UCS-2", 1),  # í
    ("¿Que pasa? ¡Hola! ñ ü é", "GSM-7", 1),
    ("á" * 70, "UCS-2", 1),
    ("á" * 71, "UCS-2", 2),
    ("á" * 134, "UCS-2", 2),
    ("á" * 135, "UCS-2", 3),
    ("🙂" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
    ("🙂" * 36, "UCS-2", 2),
    ("a" * 66 + "🙂", "UCS-2", 1),
    ("a" * 70 + "🙂", "UCS-2", 2),
])
def test_segments_are_counted_like_a_phone_network(text, encoding, count):
    assert segments.encoding(text) == encoding
    assert segments.count(text) == count


def test_accents_are_dropped_only_when_that_makes_the_text_cheaper():
    short = "Sí, aquí estamos."
    assert segments.fit(short, 3).text == short  # one segment either way: spelling kept
    long = "Guarda las pruebas y denúncialo en la comisaría. " * 5  # 250 characters
    fitted = segments.fit(long, 3)
    assert fitted.accents_dropped and fitted.encoding == "GSM-7" and fitted.segments == 2
    assert "denuncialo" in fitted.text and "comisaria" in fitted.text
    assert segments.count(long) == 4  # what it would have cost with its accents
    emoji = "Ánimo 🙂 " + "a" * 100
    assert segments.fit(emoji, 3).text.startswith("Ánimo")  # UCS-2 anyway: accents cost nothing


def test_typographic_punctuation_never_forces_ucs2():
    fitted = segments.fit("Don’t pay — “they” always ask for more…", 1)
    assert fitted.encoding == "GSM-7" and fitted.text == "Don't pay - \"they\" always ask for more..."


def test_too_long_does_not_fit():
    assert segments.fit("a" * 460, 3) is None and segments.fit("a" * 459, 3) is not None


# -- the budget of every topic ----------------------------------------------------------------

def test_every_topic_fits_the_default_budget_in_both_languages_and_every_country(content):
    assert check_budget(content, 3) == []


def test_the_budget_check_reports_what_does_not_fit(content):
    problems = check_budget(content, 1)
    assert problems and all("segments" in p for p in problems)
    assert any(p.startswith("preserve_evidence.yml sms (es, ES): too long") for p in problems)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_rendered_sms_are_plain_short_and_numbered(content, lang):
    composer = Composer(content, 3)
    for name in content.names:
        ctx = Context(lang=lang, channel="sms", audience="parent", country="ES")
        reply = content.render(name, ctx)
        out = composer.compose([reply.as_dict()], ctx)
        assert len(out.messages) == 1 and out.messages[0].segments <= 3, name
        text = out.messages[0].text
        assert "**" not in text and "<" not in text and "](" not in text, name
        if len(reply.buttons) >= 2:
            prompt = {"es": "Responde 1, 2 o 3", "en": "Reply 1, 2 or 3"}[lang]
            if len(reply.buttons) == 2:
                prompt = {"es": "Responde 1 o 2", "en": "Reply 1 or 2"}[lang]
            assert text.endswith(prompt), name
            assert "\n1. " in text and out.menu == [b["payload"][1:] for b in reply.buttons[:3]]


def test_a_crisis_reply_stays_first_and_whole_when_the_turn_has_two_answers(content):
    ctx = Context(lang="es", channel="sms", audience="parent", country="ES")
    crisis = content.render("crisis_support", ctx).as_dict()
    topic = content.render("preserve_evidence", ctx).as_dict()
    out = Composer(content, 3).compose([crisis, topic], ctx)
    assert len(out.messages) == 2
    assert "024" in out.messages[0].text
    assert all(m.segments <= 3 for m in out.messages)
    assert out.menu == ["talk_to_human", "helplines", "not_your_fault"]  # the crisis answer's choices


def test_markdown_never_reaches_a_phone():
    assert plain_text("**No pagues**\n\n\n\n`nunca`") == "No pagues\n\nnunca"


def test_the_sms_texts_are_part_of_the_content_check(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    path = tmp_path / "content" / "topics" / "sms_stop.yml"
    path.write_text(path.read_text().replace("ALTA", "{{ alta_keyword }}"))
    problems = Content(tmp_path / "content").check()
    assert any("sms_stop" in p and "alta_keyword" in p for p in problems)


# -- keywords ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, action, lang", [
    ("STOP", "stop", None), ("stop", "stop", None), (" Stop. ", "stop", None), ("BAJA", "stop", "es"),
    ("baja!", "stop", "es"), ("Parar", "stop", "es"), ("unsubscribe", "stop", "en"),
    ("START", "start", None), ("alta", "start", "es"),
    ("AYUDA", "help", "es"), ("ayúda", "help", "es"), ("HELP", "help", "en"), ("Info?", "help", None),
    ("PERSONA", "human", "es"), ("humano", "human", "es"), ("Human", "human", "en"),
    ("BORRAR", "erase", "es"), ("bórrar", "erase", "es"), ("delete", "erase", "en"),
])
def test_keywords_in_any_case_with_or_without_accents(text, action, lang):
    keyword = keywords.match(text)
    assert keyword is not None and (keyword.action, keyword.lang) == (action, lang)


@pytest.mark.parametrize("text", ["stop it please", "no quiero que lo borren", "necesito ayuda",
                                  "ayuda por favor mi hija", "", None, "persona " * 20])
def test_sentences_are_not_keywords(text):
    assert keywords.match(text) is None


# -- the number -------------------------------------------------------------------------------

def test_the_number_gives_country_and_language():
    assert (privacy.parse("+34 612 34 56 78").country, privacy.parse("+34612345678").lang) == ("ES", "es")
    assert (privacy.parse("+447700900123").country, privacy.parse("+447700900123").lang) == ("GB", "en")
    assert privacy.parse("+525512345678").lang == "es"
    assert privacy.parse("+12025550143").country == "US"
    assert privacy.parse("not a number") is None and privacy.parse("") is None


def test_the_lookup_key_is_an_hmac_and_the_number_is_encrypted():
    from cryptography.fernet import Fernet

    phone = privacy.parse("+34612345678")
    key = Fernet.generate_key().decode()
    vault = privacy.PhoneVault("secret", key)
    assert vault.key(phone) == privacy.PhoneVault("secret", key).key(phone)  # stable lookups
    assert vault.key(phone) != privacy.PhoneVault("other secret", key).key(phone)
    sealed = vault.seal(phone)
    assert "612345678" not in sealed and vault.open(sealed) == "+34612345678"
    rotated = privacy.PhoneVault("secret", f"{Fernet.generate_key().decode()},{key}")
    assert rotated.open(sealed) == "+34612345678"  # an old key still opens
    with pytest.raises(ValueError):
        privacy.PhoneVault("secret", "not a fernet key")


@pytest.mark.parametrize("written", ["612345678", "612 34 56 78", "612-345-678", "+34 612 345 678",
                                     "0034612345678", "(+34) 612 34 56 78"])
def test_the_senders_own_number_is_redacted_from_what_they_write(written):
    phone = privacy.parse("+34612345678")
    redacted = privacy.redact(f"llamadme al {written} por la noche", phone)
    assert redacted.startswith("llamadme al ") and "612" not in redacted and "[…]" in redacted
    assert privacy.redact("me piden 200 euros, el 091 no contesta", phone) == "me piden 200 euros, el 091 no contesta"


def test_the_console_sees_the_number_masked():
    assert privacy.mask("+34612345678") == "+34 ••• ••• •78"
    assert privacy.mask("+447700900123") == "+44 • ••• ••• •23"
