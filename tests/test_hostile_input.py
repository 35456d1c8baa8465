"""Hostile input at every public endpoint, with hypothesis (issue 6, "Hostile input").

The endpoints (chatbot/api.py, chatbot/site/*.py, chatbot/sms/routes.py, the static files):

    POST   /api/conversations                     GET  /healthz
    POST   /api/conversations/{id}/messages       GET  /api/conversations/{id}/messages
    DELETE /api/conversations/{id}                POST /api/conversations/{id}/erase
    GET    /api/conversations/{id}/events (server-sent events)
    GET    /  /en/  /en  /{slug}  /en/{slug}  /weather  /chat  /en/chat  /static/{file}
    POST   /chat  /en/chat  /exit
    POST   /webhooks/twilio/sms  /webhooks/twilio/status  /webhooks/twilio/simulator/replies

Properties, for every input:
- never a 5xx (4xx, 429 included, is the right answer to malformed input);
- no crash: no exception reaches a last line of defence (the never-a-5xx middleware, the chat
  page's fallback, the SMS turn's fallback), i.e. nothing is logged at ERROR with a traceback;
- the server stays up (/healthz answers after every example);
- a well-formed message gets replies that each carry a known topic, and the user's message is
  stored exactly as the redactor makes it from the text after the endpoint's own normalisation
  (null bytes removed, stripped): nothing lost, nothing stored in clear.

The app under test has SMS on (sms_support.sms_client), so one app serves every endpoint.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from aiohttp.http_exceptions import BadHttpMessage
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from chatbot import redaction
from chatbot.api import ASSISTANT, MAX_TEXT
from chatbot.sms import keywords, privacy
from chatbot.sms.service import _CHOICE
from chatbot.sms.signature import HEADER, sign
from sms_support import (  # noqa: F401 (fixtures)
    ACCOUNT, PUBLIC, SERVICE_NUMBER, TOKEN, Phone, sms_client, twilio_http,
)

SETTINGS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                        HealthCheck.too_slow])
FEW = settings(max_examples=25, **SETTINGS)
SOME = settings(max_examples=40, **SETTINGS)

# -- what hostile input looks like ---------------------------------------------------------------

SNIPPETS = [
    "<script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>", "\"><svg/onload=alert(1)>",
    "'; DROP TABLE messages; --", "1 OR 1=1", "' UNION SELECT * FROM sms_contacts --", "%s%s%n",
    "{{ 7*7 }}", "{% raw %}", "${jndi:ldap://x}", "../../etc/passwd", "\\x00", "NULL", "None",
    "\x00", "\x00\x00", "\u202e", "\u200f", "\u200e", "\u200b", "\ufeff", "\u00ad", "\u2066", "\u200d",
    "مرحبا", "שלום", "😀", "👨‍👩‍👧", "🏳️‍🌈", "🇪🇸", "Z̷̢͉a̸̗͐l̶̩̓g̵͎̾o̴̥͝", "\r\n", "\t", "\x1b[31m", "\x7f",
    "me piden dinero por una foto falsa", "no puedo más", "STOP", "/dont_pay", "1",
    "llámame al 612 345 678", "mi correo es ana.garcia@example.com", "me llamo Lucía",
    "IBAN ES91 2100 0418 4502 0005 1332", "@ana_2009", "https://evil.example.com/x?y=1",
]
hostile_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)), min_size=1, max_size=6).map(" ".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=MAX_TEXT - 40, max_size=MAX_TEXT),
)
# A lone surrogate is valid JSON ("\ud800") but cannot be stored as UTF-8.
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def nested(depth: int) -> bytes:
    return b'{"text": ' + b"[" * depth + b"]" * depth + b"}"


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([
        b"", b"{", b"null", b"[]", b'"text"', b"1e999999", b'{"text": "\xff\xfe"}', b"\xef\xbb\xbf{}",
        b'{"text": "hola\\u0000"}', b'{"text": "\\ud800"}', b'{"text": 1' + b"0" * 5000 + b"}",
        nested(50), nested(100_000), b"[" * 200_000, b"a" * 70_000, b'{"text": "' + b"a" * 70_000 + b'"}',
        b'{"text": "a", "text": {"text": []}}', b'{"__proto__": {"text": "x"}}',
    ]),
    json_values.map(lambda v: json.dumps(v).encode()),
)
content_types = st.sampled_from([
    None, "application/json", "text/plain", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16", "application/x-www-form-urlencoded; charset=nope",
    "multipart/form-data", "multipart/form-data; boundary=xyz", "application/json; charset=latin-1",
    "text/html", "application/octet-stream", "image/jpeg", "*/*", ";;;", "application/json; charset=\u00e9",
])
path_ids = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(["..", ".", "%00", "null", "0", "-1", "' OR '1'='1", "<script>", "a" * 5000,
                     "\x00", "../../etc/passwd", "😀", "\u202e"]),
)
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


# -- helpers -------------------------------------------------------------------------------------

class Crashes(logging.Handler):
    """Records logged at ERROR with a traceback: an exception reached a last line of defence."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info:
            self.records.append(record)

    def describe(self) -> str:
        return "; ".join(f"{r.name}: {r.getMessage()} ({r.exc_info[0].__name__}: {r.exc_info[1]})"
                         for r in self.records)


@pytest.fixture
def crashes():
    handler = Crashes()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@pytest.fixture
def app(sms_client):
    return sms_client


def refused_by_the_parser(record: logging.LogRecord) -> bool:
    """aiohttp's HTTP parser refused the request: a 400, not a crash."""
    return isinstance(record.exc_info[1], BadHttpMessage)


@contextmanager
def no_crash(crashes: Crashes):
    crashes.records.clear()
    yield
    unknown = [r for r in crashes.records if not refused_by_the_parser(r)]
    assert not unknown, crashes.describe()


async def still_up(client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200


def assert_status(response, allowed=None) -> None:
    assert response.status < 500, f"{response.method} {response.url.path}: {response.status}"
    if allowed is not None:
        assert response.status in allowed, f"{response.method} {response.url.path}: {response.status}"


def topics(client) -> set[str]:
    content = client.server.app[ASSISTANT].content
    return {content.topic_of(name) for name in content.names}


def assert_topics(client, messages: list[dict]) -> None:
    assert messages, "no reply at all"
    known = topics(client)
    for message in messages:
        assert message.get("topic") in known, message


def stored_user_texts(client, public_id: str) -> list[str]:
    store = client.server.app[ASSISTANT].store
    conversation = store.find(public_id)
    assert conversation is not None
    return [m.text for m in store.transcript(conversation.id) if m.sender == "user"]


def normalised(text: str) -> str:
    """What the chat API and the chat page do to a message before anything else."""
    return text.replace("\x00", "").strip()


async def new_conversation(client, **body) -> str:
    response = await client.post("/api/conversations", json=body)
    assume(response.status != 429)  # a rate limit: not this example's subject
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


def raw_json(value) -> bytes:
    """JSON as the standard library writes it, lone surrogates escaped (valid JSON)."""
    return json.dumps(value).encode()


# -- the chat API --------------------------------------------------------------------------------

@SOME
@given(text=hostile_text)
@example(text="<script>alert(1)</script> '; DROP TABLE messages; -- 😀\u202e mi móvil es 612 345 678")
@example(text="  \x00hola\x00  ")
@example(text="\u200b")
@example(text="a" * MAX_TEXT)
async def test_a_well_formed_message_is_answered_and_stored_exactly_as_redacted(app, crashes, text):
    assume(normalised(text))  # empty after normalisation: not well-formed (see the next test)
    public_id = await new_conversation(app)
    with no_crash(crashes):
        response = await app.post(f"/api/conversations/{public_id}/messages", json={"text": text})
    assume(response.status != 429)
    if len(text) > MAX_TEXT:
        assert response.status == 422
        return
    assert response.status == 200, await response.text()
    body = await response.json()
    assert_topics(app, body["messages"])
    assert stored_user_texts(app, public_id) == [redaction.redact(normalised(text))]
    await still_up(app)


@FEW
@given(text=st.lists(st.sampled_from(["\x00", " ", "\t", "\n", "\r"]), min_size=1, max_size=8).map("".join))
@example(text="\x00")
async def test_a_message_empty_after_normalisation_is_refused_like_an_empty_one(app, crashes, text):
    assume(not normalised(text))
    public_id = await new_conversation(app)
    with no_crash(crashes):
        response = await app.post(f"/api/conversations/{public_id}/messages", json={"text": text})
    assert_status(response, {422, 429})
    assert stored_user_texts(app, public_id) == []


@FEW
@given(prefix=st.text(max_size=10), bad=surrogates)
@example(prefix="", bad="\ud800")
async def test_a_lone_surrogate_in_valid_json_is_no_crash(app, crashes, prefix, bad):
    public_id = await new_conversation(app)
    with no_crash(crashes):
        response = await app.post(f"/api/conversations/{public_id}/messages",
                                  data=raw_json({"text": prefix + bad + " hola"}),
                                  headers={"Content-Type": "application/json"})
    assert_status(response, {200, 422, 429})
    if response.status == 200:
        assert_topics(app, (await response.json())["messages"])
        assert len(stored_user_texts(app, public_id)) == 1, "the turn was stored"
        for stored in stored_user_texts(app, public_id):
            assert "hola" in stored
            stored.encode("utf-8")  # what was stored is text
    await still_up(app)


@SOME
@given(body=raw_bodies, content_type=content_types)
@example(body=nested(100_000), content_type="application/json")
@example(body=b"a" * 70_000, content_type="application/json")
@example(body=b'{"text": "\xff\xfe"}', content_type="application/json")
async def test_any_body_to_the_chat_api_is_no_5xx(app, crashes, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    public_id = await new_conversation(app)
    with no_crash(crashes):
        created = await app.post("/api/conversations", data=body, headers=headers)
        assert_status(created)
        if created.status == 201:
            assert isinstance((await created.json())["id"], str)
        sent = await app.post(f"/api/conversations/{public_id}/messages", data=body, headers=headers)
        assert_status(sent)
        if sent.status == 200:
            assert_topics(app, (await sent.json())["messages"])
        elif len(body) > 64 * 1024:
            assert sent.status == 413
    await still_up(app)


@SOME
@given(body=st.dictionaries(st.sampled_from(["text", "payload", "lang", "country", "id"]), json_values, max_size=3))
@example(body={"text": None, "payload": None})
@example(body={"text": ["hola"]})
@example(body={"text": {"$ne": None}})
@example(body={"payload": "/../../etc"})
@example(body={"payload": "/" + "a" * 40})
@example(body={"payload": 1})
async def test_wrong_json_types_are_a_4xx_never_a_crash(app, crashes, body):
    public_id = await new_conversation(app)
    with no_crash(crashes):
        response = await app.post(f"/api/conversations/{public_id}/messages", json=body)
    text, payload = body.get("text"), body.get("payload")
    well_formed = (isinstance(payload, str) and payload) if payload is not None else (
        isinstance(text, str) and text.strip() and len(text) <= MAX_TEXT)
    if not well_formed:
        assert_status(response, {422, 429})
        return
    assert_status(response, {200, 422, 429})  # 422: a payload that is no button of ours
    if response.status == 200:
        assert_topics(app, (await response.json())["messages"])
    await still_up(app)


@SOME
@given(options=st.dictionaries(st.sampled_from(["lang", "country"]), json_values | st.text(max_size=3), max_size=2))
@example(options={"country": "ﬀ"})
@example(options={"lang": "EN"})
async def test_conversation_options_are_checked(app, crashes, options):
    with no_crash(crashes):
        response = await app.post("/api/conversations", json=options)
    assert_status(response, {201, 422, 429})
    if response.status != 201:
        return
    public_id = (await response.json())["id"]
    conversation = app.server.app[ASSISTANT].store.find(public_id)
    assert conversation.lang in ("es", "en")
    with no_crash(crashes):
        reply = await app.post(f"/api/conversations/{public_id}/messages", json={"text": "hola"})
    assert reply.status in (200, 429)
    if reply.status == 200:
        assert_topics(app, (await reply.json())["messages"])


@pytest.mark.parametrize("country", ["ßa", "عر", "éS"])
async def test_a_country_is_two_ascii_letters_or_a_422(app, crashes, country):
    with no_crash(crashes):
        response = await app.post("/api/conversations", json={"country": country})
    assert response.status in (201, 422)
    if response.status == 201:
        conversation = app.server.app[ASSISTANT].store.find((await response.json())["id"])
        assert re.fullmatch("[A-Z]{2}", conversation.country), conversation.country


@SOME
@given(conversation_id=path_ids, method_path=st.sampled_from([
    ("POST", "/api/conversations/{}/messages"), ("GET", "/api/conversations/{}/messages"),
    ("DELETE", "/api/conversations/{}"), ("POST", "/api/conversations/{}/erase"),
    ("GET", "/api/conversations/{}/events"), ("PUT", "/api/conversations/{}"),
    ("PATCH", "/api/conversations/{}/messages"),
]))
async def test_a_random_conversation_id_is_a_4xx(app, crashes, conversation_id, method_path):
    method, template = method_path
    path = template.format(quote(conversation_id, safe=""))
    with no_crash(crashes):
        response = await app.request(method, path, json={"text": "hola"})
    if method_path == ("POST", "/api/conversations/{}/erase"):
        # always 204 by design (sendBeacon); a 4xx when the id makes the path no route ("." is dropped)
        assert_status(response, {204} | set(range(400, 500)))
    else:
        assert_status(response, set(range(400, 500)))
    await still_up(app)


@FEW
@given(after=st.one_of(header_values, st.text(max_size=8),
                       st.sampled_from(["²", "¹²³", "٣", "9" * 30, "9" * 5000, "-1", "0x10", " 1"])),
       where=st.sampled_from(["query", "header"]))
@example(after="9" * 30, where="header")
@example(after="²", where="query")
async def test_the_event_stream_takes_any_last_event_id(app, crashes, after, where):
    public_id = await new_conversation(app)
    path = f"/api/conversations/{public_id}/events"
    with no_crash(crashes):
        if where == "query":
            response = await app.get(path, params={"after": after})
        else:
            assume(after.isascii())
            response = await app.get(path, headers={"Last-Event-ID": after})
        try:
            assert_status(response, {200, 400, 429})
            if response.status == 200 and not crashes.records:
                assert response.headers["Content-Type"].startswith("text/event-stream")
                assert (await response.content.readline()).startswith(b"retry:")
                await asyncio.sleep(0.3)  # the stream's first look at the database
        finally:
            response.close()
    await still_up(app)


@pytest.mark.parametrize("after, where", [("²", "query"), ("9" * 20, "header"), ("9" * 5000, "query")])
async def test_the_event_stream_ignores_an_event_id_that_is_no_message_id(app, crashes, after, where):
    public_id = await new_conversation(app)
    path = f"/api/conversations/{public_id}/events"
    with no_crash(crashes):
        if where == "query":
            response = await app.get(path, params={"after": after})
        else:
            response = await app.get(path, headers={"Last-Event-ID": after})
        try:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            assert (await response.content.readline()).startswith(b"retry:")
            await asyncio.sleep(0.3)
        finally:
            response.close()


@pytest.mark.parametrize("path, content_type, body", [
    ("/api/conversations", "application/json; charset=nope", b"{}"),
    ("/chat", "multipart/form-data", b"text=hola"),
    ("/chat", "application/x-www-form-urlencoded", b"text=\xff\xfe"),
    ("/exit", "application/x-www-form-urlencoded; charset=nope", b"id=x"),
    ("/webhooks/twilio/sms", "multipart/form-data", b""),
])
async def test_an_undecodable_body_is_a_400(app, crashes, path, content_type, body):
    with no_crash(crashes):
        response = await app.post(path, data=body, headers={"Content-Type": content_type}, allow_redirects=False)
    assert response.status in (400, 415, 422), response.status


async def test_a_very_long_static_file_name_is_a_404(app, crashes):
    with no_crash(crashes):
        response = await app.get("/static/" + "a" * 300)
    assert response.status == 404


# -- the website ----------------------------------------------------------------------------------

@SOME
@given(text=hostile_text, lang=st.sampled_from(["es", "en"]))
@example(text="<script>alert(1)</script>\x00 ana@example.com", lang="es")
async def test_the_chat_without_javascript_stores_exactly_the_redacted_message(app, crashes, text, lang):
    path = "/chat" if lang == "es" else "/en/chat"
    with no_crash(crashes):
        response = await app.post(path, data={"id": "", "text": text})
    assert_status(response, {200, 429})
    html = await response.text()
    assert "<script>alert" not in html  # escaped, never markup
    if response.status != 200 or not normalised(text) or len(normalised(text)) > MAX_TEXT:
        return
    store = app.server.app[ASSISTANT].store
    from chatbot.storage import Conversation, Message
    from sqlalchemy import select
    with store.session() as session:  # the newest conversation with this exact user message
        expected = redaction.redact(normalised(text))
        found = session.scalars(select(Message).where(Message.sender == "user", Message.text == expected)).all()
    assert found, f"not stored as {expected!r}"
    await still_up(app)


@SOME
@given(form=st.dictionaries(st.sampled_from(["id", "text", "payload", "action", "other"]),
                            st.one_of(st.text(max_size=30), st.sampled_from(SNIPPETS)), max_size=4),
       path=st.sampled_from(["/chat", "/en/chat", "/exit"]),
       multipart=st.booleans())
@example(form={"payload": "/../x", "text": "hola"}, path="/chat", multipart=False)
@example(form={"action": "delete", "id": "x" * 3000}, path="/chat", multipart=False)
async def test_any_form_to_the_site_is_no_5xx(app, crashes, form, path, multipart):
    if multipart:
        from aiohttp import FormData
        data = FormData()
        for key, value in form.items():
            data.add_field(key, value.encode("utf-8", "surrogatepass"), filename="x.txt",
                           content_type="image/jpeg")
    else:
        data = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
    with no_crash(crashes):
        response = await app.post(path, data=data, allow_redirects=False)
    assert_status(response, {200, 303, 413, 422, 429} if path != "/exit" else {303, 400, 413, 429})
    await still_up(app)


@FEW
@given(body=raw_bodies.filter(lambda b: len(b) < 60_000), content_type=content_types,
       path=st.sampled_from(["/chat", "/en/chat", "/exit", "/webhooks/twilio/sms", "/webhooks/twilio/status",
                             "/webhooks/twilio/simulator/replies"]))
@example(body=b"text=%FF%FE&id=", content_type="application/x-www-form-urlencoded", path="/chat")
@example(body=b"text=\xff", content_type="application/x-www-form-urlencoded", path="/webhooks/twilio/sms")
async def test_any_raw_body_to_a_form_endpoint_is_no_5xx(app, crashes, body, content_type, path):
    headers = {"Content-Type": content_type} if content_type else {}
    with no_crash(crashes):
        response = await app.post(path, data=body, headers=headers, allow_redirects=False)
    assert_status(response)
    await still_up(app)


@SOME
@given(slug=path_ids, prefix=st.sampled_from(["/", "/en/", "/static/", "/api/", "/webhooks/twilio/"]),
       method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "TRACE"]))
@example(slug="..%2F..%2Fchatbot%2Fconfig.py", prefix="/static/", method="GET")
async def test_random_pages_are_a_4xx(app, crashes, slug, prefix, method):
    assume(prefix in ("/", "/en/") or slug not in (".", ".."))  # "/static/.." is "/", the home page
    with no_crash(crashes):
        response = await app.request(method, prefix + quote(slug, safe=""), allow_redirects=False)
    assert_status(response)
    if response.status == 200:
        assert method in ("GET", "HEAD") and prefix in ("/", "/en/")  # a real page's slug
    await still_up(app)


@FEW
@given(headers=st.dictionaries(
    st.sampled_from(["Accept-Language", "Accept", "Cookie", "User-Agent", "X-Forwarded-For", "Forwarded",
                     "X-Forwarded-Host", "X-Forwarded-Proto", "Range", "If-None-Match", "Referer",
                     "Content-Language"]),
    header_values, min_size=1, max_size=4),
    path=st.sampled_from(["/", "/en/", "/weather", "/healthz", "/chat", "/static/chat.js"]))
@example(headers={"Range": "bytes=99999999999-"}, path="/static/chat.js")
@example(headers={"Forwarded": "for=\"[::1\";proto=;;"}, path="/")
async def test_odd_headers_are_no_5xx(app, crashes, headers, path):
    with no_crash(crashes):
        response = await app.get(path, headers=headers, allow_redirects=False)
    assert_status(response)
    await still_up(app)


# -- SMS ------------------------------------------------------------------------------------------

def random_spanish_mobile() -> str:
    return "+346" + "".join(secrets.choice("0123456789") for _ in range(8))


@FEW
@given(body=hostile_text)
@example(body="<script>alert(1)</script> '; DROP TABLE sms_contacts; -- 😀\u202e")
@example(body="\x00 hola \x00")
@example(body="a" * (MAX_TEXT + 500))
async def test_a_signed_sms_with_any_body_is_answered_and_stored_exactly_as_redacted(
        app, twilio_http, crashes, body):
    number = random_spanish_mobile()  # a new parent each time: no opt-out or rate limit carries over
    phone = Phone(app, twilio_http, number)
    with no_crash(crashes):
        response = await phone.post("/webhooks/twilio/sms", phone.params(body))
    assume(response.status != 429)
    assert response.status == 200, await response.text()
    assert "<Response>" in await response.text()
    await still_up(app)
    text = body.replace("\x00", "").strip()[:MAX_TEXT]
    if not text or keywords.match(text) or _CHOICE.match(text):
        return  # nothing to say, or a command: other tests cover those
    replies = phone.new_replies()
    assert replies and all(reply.strip() for reply in replies)
    store = app.server.app[ASSISTANT].store
    from chatbot.storage import Message
    from sqlalchemy import select
    expected = redaction.redact(privacy.redact(text, privacy.parse(number)))
    with store.session() as session:
        users = [m.text for m in session.scalars(select(Message).where(Message.sender == "user"))]
        bots = session.scalars(select(Message).where(Message.sender == "bot")).all()
    assert expected in users, f"not stored as {expected!r}"
    assert all(m.topic in topics(app) for m in bots)


@SOME
@given(params=st.dictionaries(
    st.sampled_from(["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MediaUrl1",
                     "MessageStatus", "ErrorCode", "OptOutType", "AccountSid", "Extra"]),
    st.one_of(st.text(max_size=30), st.sampled_from(["99999999999999999999", "-1", "²", "1e9", "+34", "00",
                                                      "+346", "STOP", "<script>", "\x00", "😀"])),
    max_size=8),
    path=st.sampled_from(["/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/twilio/simulator/replies"]),
    signed=st.sampled_from(["sign", "wrong", None]))
@example(params={"MessageSid": "SM1", "From": "+34612345678", "NumMedia": "9" * 5000}, path="/webhooks/twilio/sms",
         signed="sign")
@example(params={"MessageSid": "SM1", "From": "+34612345678", "NumMedia": "3", "MediaUrl0": "/"},
         path="/webhooks/twilio/sms", signed="sign")
async def test_any_twilio_webhook_is_no_5xx(app, twilio_http, crashes, params, path, signed):
    phone = Phone(app, twilio_http, params.get("From", ""))
    params = {k: v.encode("utf-8", "replace").decode() for k, v in params.items()}
    signature = "sign" if signed == "sign" else ("x" * 28 if signed == "wrong" else None)
    with no_crash(crashes):
        response = await phone.post(path, params, signature=signature)
    if signed != "sign":
        assert_status(response, {403, 404, 429})
    else:
        assert_status(response)
    await still_up(app)


async def test_the_server_is_still_up_after_a_burst_of_hostile_requests(app, crashes):
    """Many malformed requests at once (2 cores): every one answered below 500, then a normal chat."""
    bodies = [nested(100_000), b"a" * 70_000, b"\xff" * 1000, b"{}", b'{"text": "\\ud800"}'] * 6
    public_id = await new_conversation(app)
    with no_crash(crashes):
        responses = await asyncio.gather(*[
            app.post(f"/api/conversations/{public_id}/messages", data=body,
                     headers={"Content-Type": "application/json"}) for body in bodies
        ])
    assert all(r.status < 500 for r in responses), [r.status for r in responses]
    reply = await app.post(f"/api/conversations/{public_id}/messages", json={"text": "hola"})
    assert reply.status in (200, 429)
    await still_up(app)
