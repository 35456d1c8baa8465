"""Parents over SMS, end to end: signed Twilio requests into the real app, a real Rasa behind it,
and Twilio's REST API captured at the HTTP boundary (no network)."""
import asyncio
import logging
import sqlite3
import threading
from contextlib import closing

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from chatbot.app import create_app
from chatbot.content import Context
from chatbot.sms import segments
from chatbot.sms.privacy import mask
from chatbot.sms.signature import sign
from chatbot.sms.twilio_client import RecordingHttpClient
from chatbot.storage import Conversation, Message
from chatbot.storage.models import SmsContact, SmsInbound, SmsOutbound
from conftest import free_port
from sms_support import (  # noqa: F401 (fixtures)
    PUBLIC, SERVICE_NUMBER, SPAIN, TOKEN, UK, US, Phone, sms_client, sms_config, spain, twilio_http, uk,
)


def count(phone: Phone, model) -> int:
    with phone.service.db.store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def only_conversation(phone: Phone) -> Conversation:
    with phone.service.db.store.session() as session:
        conversations = list(session.scalars(select(Conversation)))
    assert len(conversations) == 1
    return conversations[0]


def conversation_id_of(phone: Phone) -> str:
    return only_conversation(phone).id


def expected(phone: Phone, name: str, lang: str, country: str = "ES") -> str:
    """What the SMS for one answer looks like, composed the way the service composes it."""
    ctx = Context(lang=lang, channel="sms", audience="parent", country=country)
    reply = phone.service.content.render(name, ctx).as_dict()
    return phone.service.composer.compose([reply], ctx).messages[0].text


# -- signatures -------------------------------------------------------------------------------

async def test_a_signed_message_gets_one_short_plain_reply(spain, twilio_http):
    replies = await spain.text("hola")
    assert len(replies) == 1
    reply = replies[0]
    assert segments.count(reply) <= 3
    assert "**" not in reply and "<" not in reply
    assert "Responde 1, 2 o 3" in reply and "1. No pagues" in reply  # Spanish for +34, a menu
    assert "112" in reply
    sent = twilio_http.sent()[0]
    assert sent["To"] == SPAIN and sent["From"] == SERVICE_NUMBER
    assert sent["StatusCallback"] == f"{PUBLIC}/webhooks/twilio/status"
    assert only_conversation(spain).channel == "sms"
    assert only_conversation(spain).audience == "parent"


@pytest.mark.parametrize("how", ["unsigned", "wrong token", "tampered body", "other url"])
async def test_unsigned_or_badly_signed_is_403_and_not_processed(spain, twilio_http, how):
    params = spain.params("hola")
    signature = {
        "unsigned": None,
        "wrong token": sign("not-the-token", PUBLIC + "/webhooks/twilio/sms", params),
        "tampered body": sign(TOKEN, PUBLIC + "/webhooks/twilio/sms", params),
        "other url": sign(TOKEN, "https://evil.example.org/webhooks/twilio/sms", params),
    }[how]
    if how == "tampered body":
        params["Body"] = "something else"
    response = await spain.post("/webhooks/twilio/sms", params, signature=signature)
    assert response.status == 403
    assert twilio_http.requests == []
    assert count(spain, Conversation) == 0 and count(spain, SmsInbound) == 0


async def test_behind_a_proxy_the_forwarded_scheme_and_host_are_signed(rasa_config, tmp_path, twilio_http):
    config = sms_config(rasa_config, tmp_path, public_base_url="")
    async with TestClient(TestServer(create_app(config, twilio_http_client=twilio_http))) as client:
        phone = Phone(client, twilio_http, SPAIN, public="https://proxy.example.org")
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.org"}
        params = phone.params("hola")
        assert (await phone.post("/webhooks/twilio/sms", params)).status == 403  # we are on http://127...
        params = phone.params("hola")
        assert (await phone.post("/webhooks/twilio/sms", params, headers=forwarded)).status == 200
        assert twilio_http.sent()[0]["StatusCallback"] == "https://proxy.example.org/webhooks/twilio/status"


# -- idempotency ------------------------------------------------------------------------------

async def test_the_same_message_sid_twice_gets_one_reply(spain, twilio_http):
    params = spain.params("me piden dinero por una foto falsa de mi hija")
    for _ in range(2):
        assert (await spain.post("/webhooks/twilio/sms", params)).status == 200
    assert len(twilio_http.sent()) == 1
    assert count(spain, Message) == 2  # one user message, one reply: processed once


async def test_the_same_message_sid_on_two_instances_gets_one_reply(rasa_config, tmp_path, twilio_http):
    config = sms_config(rasa_config, tmp_path)
    async with TestClient(TestServer(create_app(config, twilio_http_client=twilio_http))) as first, \
            TestClient(TestServer(create_app(config, twilio_http_client=twilio_http))) as second:
        one, two = Phone(first, twilio_http, SPAIN), Phone(second, twilio_http, SPAIN)
        params = one.params("hola")
        responses = await asyncio.gather(
            one.post("/webhooks/twilio/sms", params), two.post("/webhooks/twilio/sms", params)
        )
        assert [r.status for r in responses] == [200, 200]
        await asyncio.gather(one.service.outbox.drain(), two.service.outbox.drain())
        assert len(twilio_http.sent()) == 1


# -- keywords ---------------------------------------------------------------------------------

@pytest.mark.parametrize("word, number, lang", [
    ("STOP", SPAIN, "es"), ("baja", SPAIN, "es"), ("Parar.", SPAIN, "es"), ("BAJA", UK, "es"),
    ("stop", UK, "en"), (" Stop! ", UK, "en"),
])
async def test_stop_confirms_once_then_nothing_until_start(sms_client, twilio_http, word, number, lang):
    phone = Phone(sms_client, twilio_http, number)
    await phone.text("hola" if number == SPAIN else "hello")
    confirmation = await phone.text(word)
    assert confirmation == [expected(phone, "sms_stop", lang, only_conversation(phone).country)]
    assert await phone.text(word) == []  # confirmed once
    assert await phone.text("hola") == []  # opt-out honoured
    assert await phone.text("me piden dinero, que hago") == []
    with phone.service.db.store.session() as session:
        contact = session.scalars(select(SmsContact)).one()
        assert contact.opted_out and contact.phone_encrypted is None  # no number kept once out
    start = "ALTA" if lang == "es" else "START"
    assert len(await phone.text(start)) == 1
    assert len(await phone.text("hola")) == 1


async def test_twilio_advanced_opt_out_is_not_confirmed_twice(spain, twilio_http):
    assert await spain.text("STOP", OptOutType="STOP") == []  # Twilio already answered
    assert await spain.text("hola") == []
    assert await spain.text("START", OptOutType="START") == []
    assert len(await spain.text("hola")) == 1


async def test_a_crisis_message_is_answered_even_after_stop(spain):
    await spain.text("BAJA")
    replies = await spain.text("no puedo más, me quiero morir")
    assert len(replies) == 1 and "024" in replies[0]


@pytest.mark.parametrize("word, number, lang, must", [
    ("AYUDA", SPAIN, "es", ["PERSONA", "BORRAR", "BAJA", "112"]),
    ("ayúda!", SPAIN, "es", ["PERSONA"]),
    ("Info", SPAIN, "es", ["PERSONA"]),
    ("HELP", UK, "en", ["HUMAN", "DELETE", "STOP", "999"]),
    ("info", US, "en", ["HUMAN", "911"]),
    ("help", SPAIN, "en", ["HUMAN", "112"]),  # a parent in Spain writing English
])
async def test_help_says_what_this_is_with_the_countrys_helplines(sms_client, twilio_http, word, number, lang, must):
    phone = Phone(sms_client, twilio_http, number)
    replies = await phone.text(word)
    assert len(replies) == 1
    assert replies == [expected(phone, "sms_help", lang, only_conversation(phone).country)]
    for needle in must:
        assert needle in replies[0]


@pytest.mark.parametrize("word, number, lang", [
    ("PERSONA", SPAIN, "es"), ("humano", SPAIN, "es"), ("Humano.", UK, "es"), ("HUMAN", UK, "en"),
    ("human", SPAIN, "en"),
])
async def test_asking_for_a_person_reaches_the_counsellor_path(sms_client, twilio_http, word, number, lang):
    phone = Phone(sms_client, twilio_http, number)
    replies = await phone.text(word)
    assert len(replies) == 1
    # Nobody is logged in to the console here: said honestly, and the request stays queued.
    assert replies[0].startswith("Ahora no hay nadie del equipo" if lang == "es" else "Nobody from our team")
    assert "tomorrow at" not in replies[0] and "mañana a las" not in replies[0]  # within hours: no promise
    with phone.service.db.store.session() as session:
        topics = list(session.scalars(select(Message.topic).where(Message.sender == "bot")))
        assert session.scalars(select(Conversation.state)).one() == "waiting"
    assert topics == ["talk_to_human"]


def tracker_events(rasa_config, sender_id: str) -> int:
    path = rasa_config.tracker_database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0]


@pytest.mark.parametrize("word, lang", [("BORRAR", "es"), ("borrar", "es"), ("DELETE", "en"), ("Delete.", "en")])
async def test_erase_removes_the_conversation_the_number_and_rasas_tracker(spain, twilio_http, rasa_config, word, lang):
    await spain.text("hola")
    await spain.text("me piden dinero o publican una foto falsa de mi hija")
    conversation = only_conversation(spain)
    assert tracker_events(rasa_config, conversation.id) > 0
    replies = await spain.text(word)
    assert replies == [expected(spain, "sms_erased", lang)]
    assert tracker_events(rasa_config, conversation.id) == 0
    for model in (Conversation, Message, SmsContact):
        assert count(spain, model) == 0, model.__name__
    with spain.service.db.store.session() as session:  # only the confirmation, linked to nothing
        assert [(o.conversation_id, o.status) for o in session.scalars(select(SmsOutbound))] == [(None, "queued")]
    with spain.service.db.store.session() as session:
        assert session.scalars(select(SmsInbound.conversation_id).where(
            SmsInbound.conversation_id.isnot(None))).first() is None
    # our copies at Twilio are deleted too (messages in and out of this conversation)
    assert len([url for url in twilio_http.deleted() if "/Messages/" in url and "/Media/" not in url]) >= 4
    await spain.text("hola")  # a new text starts from scratch
    assert only_conversation(spain).id != conversation.id


async def test_erase_from_an_unknown_number_keeps_nothing(spain):
    assert len(await spain.text("BORRAR")) == 1
    assert count(spain, Conversation) == 0 and count(spain, SmsContact) == 0


# -- menus ------------------------------------------------------------------------------------

async def test_a_number_selects_that_option_of_the_last_menu(spain):
    first = (await spain.text("hola"))[0]
    assert "2. Guardar pruebas" in first
    assert await spain.text("2") == [expected(spain, "preserve_evidence", "es")]
    with spain.service.db.store.session() as session:
        topics = list(session.scalars(select(Message.topic).where(Message.sender == "bot").order_by(Message.id)))
    assert topics == ["welcome", "preserve_evidence"]
    # preserve_evidence's own menu is now the one that counts: 1 = report_police
    assert await spain.text(" 1. ") == [expected(spain, "report_police", "es")]


async def test_a_number_without_a_menu_is_just_a_message(spain):
    replies = await spain.text("7")
    assert len(replies) == 1  # the assistant's answer to "7", whatever it is; never silence


# -- pictures ---------------------------------------------------------------------------------

async def test_a_picture_is_deleted_unopened_and_refused_once(spain, twilio_http):
    params = spain.params("", media=2)
    for _ in range(2):  # Twilio retrying the webhook
        assert (await spain.post("/webhooks/twilio/sms", params)).status == 200
    replies = spain.new_replies()
    assert replies == [expected(spain, "sms_picture", "es")]
    deleted = twilio_http.deleted()
    sid = params["MessageSid"]
    assert sorted(deleted) == sorted(
        f"https://api.twilio.com/2010-04-01/Accounts/{twilio_http.requests[0].url.split('/Accounts/')[1].split('/')[0]}"
        f"/Messages/{sid}/Media/ME{i:032d}.json" for i in range(2)
    )
    assert not [r for r in twilio_http.requests if r.method == "GET"]  # never downloaded
    with spain.service.db.store.session() as session:
        stored = " ".join(session.scalars(select(Message.text)))
    assert "MediaUrl" not in stored and "api.twilio.com" not in stored and "ME0" not in stored


async def test_a_picture_with_words_gets_the_refusal_and_the_answer(spain):
    replies = await spain.text("me piden dinero o la publican", media=1)
    joined = "\n\n".join(replies)
    assert joined.startswith(expected(spain, "sms_picture", "es"))
    assert "No pagues" in joined
    assert all(segments.count(reply) <= 3 for reply in replies)


# -- length -----------------------------------------------------------------------------------

async def test_an_overlong_message_still_gets_a_reply_within_budget(spain):
    replies = await spain.text("mi hija tiene miedo porque le piden dinero " * 120)  # ~5,000 characters
    assert len(replies) == 1 and segments.count(replies[0]) <= 3
    with spain.service.db.store.session() as session:
        stored = session.scalars(select(Message.text).where(Message.sender == "user")).one()
    assert len(stored) == 2000


async def test_an_overlong_text_in_the_content_is_cut_to_the_budget(rasa_config, tmp_path, twilio_http, content_copy):
    path = content_copy / "topics" / "sms_help.yml"
    path.write_text(path.read_text().replace("  en: |-\n", "  en: |-\n    " + "Very long words. " * 80 + "\n", 1))
    config = sms_config(rasa_config, tmp_path, content_dir=content_copy)
    async with TestClient(TestServer(create_app(config, twilio_http_client=twilio_http))) as client:
        replies = await Phone(client, twilio_http, UK).text("HELP")
    assert len(replies) == 1 and segments.count(replies[0]) <= 3 and replies[0].endswith("...")


# -- language and country ---------------------------------------------------------------------

async def test_spanish_for_spain_unless_the_parent_writes_english(sms_client, twilio_http):
    spanish = Phone(sms_client, twilio_http, SPAIN)
    assert "Responde 1, 2 o 3" in (await spanish.text("hola"))[0]
    english = Phone(sms_client, twilio_http, "+34699111222")
    reply = (await english.text("my daughter is being blackmailed with a fake nude"))[0]
    assert "Reply 1, 2 or 3" in reply


async def test_a_uk_parent_gets_english_and_uk_crisis_lines(uk):
    reply = (await uk.text("my son says he wants to kill himself"))[0]
    assert "116 123" in reply and "999" in reply


# -- privacy ----------------------------------------------------------------------------------

FORMS = ["612345678", "612 34 56 78", "612 345 678", "+34612345678", "34612345678"]


async def test_the_number_is_never_in_clear_in_the_databases_or_the_logs(spain, caplog, rasa_config, tmp_path):
    caplog.set_level(logging.DEBUG)
    await spain.text("hola")
    await spain.text("me piden 200 euros o publican una foto falsa de mi hija, llamadme al 612 34 56 78")
    await spain.text("2")
    await spain.text("AYUDA")
    await spain.text("", media=1)
    await spain.post("/webhooks/twilio/status", {"MessageSid": "SM" + "1" * 32, "MessageStatus": "undelivered",
                                                 "ErrorCode": "30003", "To": SPAIN, "From": SERVICE_NUMBER})
    # Our database: the raw files, write-ahead log included (no other connection is open).
    spain.service.db.store.engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("chatbot.db")]
    assert files
    for path in files:
        raw = path.read_bytes()
        for form in FORMS:
            assert form.encode() not in raw, f"{form} in {path.name}"
    # Rasa's tracker: Rasa has it open, so read it through SQLite (opening and closing its files
    # behind SQLite's back would drop its locks), every table dumped.
    with closing(sqlite3.connect(rasa_config.tracker_database_url.removeprefix("sqlite:///"))) as connection:
        dump = "\n".join(connection.iterdump())
    assert conversation_id_of(spain) in dump
    for form in FORMS:
        assert form not in dump
    for form in FORMS:
        assert form not in caplog.text
    assert "SMS" in caplog.text or "sms" in caplog.text  # the logs were captured
    # kept encrypted, readable only with the key, and shown masked
    with spain.service.db.store.session() as session:
        contact = session.scalars(select(SmsContact)).one()
    assert spain.service.vault.open(contact.phone_encrypted) == SPAIN
    assert len(contact.phone_hmac) == 64 and SPAIN not in contact.phone_hmac
    assert spain.service.masked_number(contact.conversation_id) == mask(SPAIN) == "+34 ••• ••• •78"


async def test_rasa_sees_only_the_pseudonymous_id(spain, rasa_config):
    await spain.text("hola")
    conversation = only_conversation(spain)
    path = rasa_config.tracker_database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        senders = {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}
    assert conversation.id in senders
    assert not [s for s in senders if "612345678" in s or "+" in s]


async def test_quiet_numbers_are_forgotten_and_come_back_with_the_next_text(spain):
    await spain.text("hola")
    assert await spain.service.housekeeping(hours=0) == 1
    with spain.service.db.store.session() as session:
        assert session.scalars(select(SmsContact.phone_encrypted)).one() is None
    await spain.text("gracias")
    with spain.service.db.store.session() as session:
        assert session.scalars(select(SmsContact.phone_encrypted)).one() is not None


async def test_retention_erase_takes_the_sms_rows_with_the_conversation(spain):
    await spain.text("hola")
    spain.service.db.store.erase([only_conversation(spain).id])
    assert count(spain, SmsContact) == 0 and count(spain, SmsOutbound) == 0


# -- sending and delivery ---------------------------------------------------------------------

@pytest.mark.parametrize("failures", [[503], [429, 500], [requests.ConnectionError("refused")]])
async def test_temporary_twilio_errors_are_retried(spain, twilio_http, failures):
    twilio_http.failures = list(failures)
    assert len(await spain.text("hola")) == 1
    posts = [r for r in twilio_http.requests if r.method == "POST"]
    assert len(posts) == len(failures) + 1
    with spain.service.db.store.session() as session:
        assert session.scalars(select(SmsOutbound.status)).one() == "queued"


async def test_a_permanent_twilio_error_is_recorded_not_retried(spain, twilio_http, caplog):
    twilio_http.failures = [400]
    assert await spain.text("hola") == []
    assert len([r for r in twilio_http.requests if r.method == "POST"]) == 1
    with spain.service.db.store.session() as session:
        row = session.scalars(select(SmsOutbound)).one()
    assert row.status == "failed" and row.message_sid is None and row.conversation_id
    assert SPAIN not in caplog.text


async def test_replies_are_sent_off_the_event_loop(rasa_config, tmp_path):
    threads = []

    class Spy(RecordingHttpClient):
        def request(self, *args, **kwargs):
            threads.append(threading.get_ident())
            return super().request(*args, **kwargs)

    spy = Spy()
    async with TestClient(TestServer(create_app(sms_config(rasa_config, tmp_path), twilio_http_client=spy))) as client:
        assert len(await Phone(client, spy, SPAIN).text("hola")) == 1
    assert threads and threading.get_ident() not in threads


async def test_failed_deliveries_are_recorded_from_the_signed_status_callback(spain, twilio_http, caplog):
    await spain.text("hola")
    with spain.service.db.store.session() as session:
        sid = session.scalars(select(SmsOutbound.message_sid)).one()
    status = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003",
              "To": SPAIN, "From": SERVICE_NUMBER, "AccountSid": "AC" + "a" * 32}
    assert (await spain.post("/webhooks/twilio/status", status, signature=None)).status == 403
    assert (await spain.post("/webhooks/twilio/status", status)).status == 204
    late = dict(status, MessageStatus="sent", ErrorCode="")
    assert (await spain.post("/webhooks/twilio/status", late)).status == 204  # out of order
    failures = spain.service.db.failures()
    assert [(f.message_sid, f.status, f.error_code) for f in failures] == [(sid, "undelivered", "30003")]
    assert failures[0].conversation_id == only_conversation(spain).id
    assert "undelivered" in caplog.text and SPAIN not in caplog.text


# -- degraded and disabled --------------------------------------------------------------------

async def test_rasa_down_still_texts_the_helplines(rasa_config, tmp_path, twilio_http):
    config = sms_config(rasa_config, tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}")
    async with TestClient(TestServer(create_app(config, twilio_http_client=twilio_http))) as client:
        replies = await Phone(client, twilio_http, SPAIN).text("me piden dinero por una foto")
    assert len(replies) == 1 and "024" in replies[0] and segments.count(replies[0]) <= 3


async def test_our_database_down_still_texts_the_helplines(spain, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(spain.service.db, "claim", broken)
    monkeypatch.setattr(spain.service.db, "find", broken)
    replies = await spain.text("me piden dinero por una foto")
    assert replies == [expected(spain, "unavailable", "es")]


async def test_without_twilio_credentials_sms_is_off_with_one_log_line(rasa_config, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config = sms_config(rasa_config, tmp_path, twilio_account_sid="", twilio_auth_token="")
    async with TestClient(TestServer(create_app(config))) as client:
        phone = Phone(client, RecordingHttpClient(), SPAIN)
        assert (await phone.post("/webhooks/twilio/sms", phone.params("hola"))).status == 404
        assert (await client.get("/healthz")).status == 200
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS: off")]
    assert len(lines) == 1 and "CHATBOT_TWILIO_ACCOUNT_SID" in lines[0]


async def test_the_database_schema_has_no_column_for_a_clear_number(spain):
    with spain.service.db.store.engine.connect() as connection:
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(sms_contacts)"))}
    assert columns == {"phone_hmac", "conversation_id", "phone_encrypted", "opted_out", "last_menu",
                       "last_inbound_at"}


@pytest.fixture
def content_copy(tmp_path):
    import shutil

    from chatbot.config import ROOT

    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"
