"""The website from the server's side (no browser): headers, pages, the chat without JavaScript,
erasure, live counsellor messages (server-sent events) and what the logs keep."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from sqlalchemy import text as sql

from chatbot.api import ASSISTANT
from chatbot.app import PrivateAccessLogger, create_app
from chatbot.config import ROOT
from chatbot.content import Context
from chatbot.storage import Message
from conftest import say, start_conversation

def esc(text: str) -> str:
    return str(escape(text))


PAGES = ["home", "what_to_do", "deepfake", "parents", "friends", "helplines", "privacy"]


@pytest.fixture
async def fast_client(rasa_config):
    """The app with a quick poll for counsellor messages."""
    async with TestClient(TestServer(create_app(replace(rasa_config, events_poll_seconds=0.05)))) as client:
        yield client


def content_of(client):
    return client.server.app[ASSISTANT].content


def store_of(client):
    return client.server.app[ASSISTANT].store


def page_path(client, name: str, lang: str) -> str:
    slug = content_of(client).slugs(name)[lang]
    return ("/en/" if lang == "en" else "/") + slug


def tracker_events(client, conversation_id: str) -> int:
    with store_of(client).tracker_engine.connect() as connection:
        return connection.execute(
            sql("SELECT count(*) FROM events WHERE sender_id = :id"), {"id": conversation_id}
        ).scalar()


# -- headers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/en/"), ("GET", "/que-hacer"), ("GET", "/en/helplines"),
    ("GET", "/weather"), ("GET", "/no-such-page"), ("POST", "/api/conversations"),
    ("GET", "/healthz"), ("GET", "/static/site.css"), ("POST", "/chat"),
])
async def test_every_response_carries_the_privacy_headers(client, method, path):
    response = await client.request(method, path, allow_redirects=False)
    assert response.status < 500
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response.headers
    if path.startswith("/static/"):
        assert "no-store" not in response.headers["Cache-Control"]
    else:
        assert response.headers["Cache-Control"] == "no-store"


# -- pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("name", PAGES)
async def test_every_page_renders_from_content_with_a_language_switch(client, name, lang):
    content = content_of(client)
    response = await client.get(page_path(client, name, lang))
    assert response.status == 200
    html = await response.text()
    assert f'<html lang="{lang}">' in html
    page = content.page(name, Context(lang=lang))
    assert f"<h1>{esc(page.title)}</h1>" in html
    other = "es" if lang == "en" else "en"
    assert f'href="{page_path(client, name, other)}" lang="{other}"' in html
    ui = content.ui(lang)
    assert ui["quick_exit"] in html
    # Every asset is ours, and no script or style is inline.
    for url in re.findall(r"<(?:script|img|link)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", html):
        assert url.startswith("/"), url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    assert "onclick" not in html.lower()


async def test_helplines_page_lists_every_country_with_hours(client):
    html = await (await client.get("/en/helplines")).text()
    content = content_of(client)
    for country in content.helpline_directory("en"):
        assert esc(country["name"]) in html
        for line in country["lines"]:
            assert esc(line["name"]) in html
            if line["hours"]:
                assert esc(line["hours"]) in html
    assert 'href="tel:116123"' in html  # Samaritans, dialable from a phone


async def test_privacy_page_says_how_long_in_plain_words(client):
    html = await (await client.get("/privacidad")).text()
    days = content_of(client).retention_days
    assert f"{days} días" in html
    assert "IP" in html and "cookies" in html.lower()


async def test_unknown_page_is_a_friendly_404(client):
    response = await client.get("/en/nope")
    assert response.status == 404
    html = await response.text()
    assert esc(content_of(client).ui("en")["not_found_title"]) in html
    assert 'href="/en/"' in html


async def test_neutral_exit_page_says_nothing_about_us(client):
    html = await (await client.get("/weather")).text()
    ui = content_of(client).ui("es")
    assert ui["weather_heading"] in html
    for word in ("deepfake", "chat", ui["site_name"], "script"):
        assert word.lower() not in html.lower()


# -- the chat without JavaScript ----------------------------------------------------------------

def hidden_id(html: str) -> str:
    return re.search(r'<input type="hidden" name="id" value="([^"]*)">', html).group(1)


async def test_the_chat_works_as_plain_html_forms(client):
    store = store_of(client)
    page = await client.post("/en/chat", data={"id": "", "text": "they want money or they post a fake nude of me"})
    assert page.status == 200
    html = await page.text()
    public_id = hidden_id(html)
    assert public_id and store.find(public_id) is not None
    content = content_of(client)
    dont_pay = content.render("dont_pay", Context(lang="en")).text.splitlines()[0]
    assert esc(dont_pay) in html
    assert "they want money or they post a fake nude of me" in html
    assert html.count('class="msg msg-you"') == 1 and html.count('class="msg msg-bot"') >= 2
    assert 'name="payload" value="/preserve_evidence"' in html
    # a button
    html = await (await client.post("/en/chat", data={"id": public_id, "payload": "/preserve_evidence"})).text()
    evidence = content.render("preserve_evidence", Context(lang="en")).text.splitlines()[0]
    assert esc(evidence) in html
    assert hidden_id(html) == public_id
    senders = [m.sender for m in store.transcript(store.find(public_id).id)]
    assert senders[:2] == ["user", "bot"] and senders.count("user") == 2
    # delete
    html = await (await client.post("/en/chat", data={"id": public_id, "action": "delete"})).text()
    assert store.find(public_id) is None
    assert hidden_id(html) == ""
    assert content.ui("en")["deleted"] in html


async def test_an_empty_message_asks_again_and_starts_nothing(client):
    html = await (await client.post("/chat", data={"id": "", "text": "   "})).text()
    assert hidden_id(html) == ""
    assert content_of(client).ui("es")["empty_message"] in html


async def test_hostile_text_is_escaped_in_the_server_rendered_chat(client):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> "quotes" & <b>bold</b>'
    html = await (await client.post("/chat", data={"id": "", "text": hostile})).text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_the_no_js_quick_exit_erases_and_leaves(client):
    html = await (await client.post("/chat", data={"id": "", "text": "hola"})).text()
    public_id = hidden_id(html)
    assert 'formaction="/exit"' in html  # the quick exit is a button of the chat form now
    response = await client.post("/exit", data={"id": public_id}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/weather"
    assert store_of(client).find(public_id) is None


# -- erasure and the transcript for the script -------------------------------------------------

async def test_the_beacon_erases_from_our_database_and_rasas_tracker(client):
    public_id = await start_conversation(client, lang="es")
    await say(client, public_id, "hola")
    conversation_id = store_of(client).find(public_id).id
    assert tracker_events(client, conversation_id) > 0
    response = await client.post(f"/api/conversations/{public_id}/erase")
    assert response.status == 204
    assert store_of(client).find(public_id) is None
    assert tracker_events(client, conversation_id) == 0
    assert (await client.post(f"/api/conversations/{public_id}/erase")).status == 204
    assert (await client.post("/api/conversations/never-existed/erase")).status == 204


async def test_the_transcript_comes_back_with_the_last_buttons(client):
    public_id = await start_conversation(client, lang="en")
    reply = await say(client, public_id, "they want 200 euros or they share the pic")
    response = await client.get(f"/api/conversations/{public_id}/messages")
    data = await response.json()
    assert [m["sender"] for m in data["messages"]][0] == "user"
    assert data["messages"][-1]["text"] == reply["messages"][-1]["text"]
    assert data["buttons"] == reply["messages"][-1]["buttons"]
    assert (await client.get("/api/conversations/nope/messages")).status == 404


# -- live counsellor messages --------------------------------------------------------------------

async def next_event(response, timeout: float = 5.0) -> dict:
    event: dict = {}
    while True:
        line = (await asyncio.wait_for(response.content.readline(), timeout)).decode().rstrip("\n")
        if line == "":
            if "event" in event or "data" in event:
                return event
            continue
        if line.startswith(":") or line.startswith("retry:"):
            continue
        key, _, value = line.partition(": ")
        event[key] = value


async def test_counsellor_messages_stream_as_server_sent_events(fast_client):
    client = fast_client
    store = store_of(client)
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "i want to talk to a person")
    conversation_id = store.find(public_id).id
    response = await client.get(f"/api/conversations/{public_id}/events")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Cache-Control"] == "no-store"
    with store.session() as session:
        session.add(Message(conversation_id=conversation_id, sender="counsellor", text="Hi, I'm Ana. <b>hi</b>"))
    event = await next_event(response)
    assert event["event"] == "message"
    data = json.loads(event["data"])
    assert data["sender"] == "counsellor" and data["text"] == "Hi, I'm Ana. <b>hi</b>"
    assert event["id"] == str(data["id"])
    response.close()

    # A reconnect with Last-Event-ID gets only what is new, never the user's or the bot's messages.
    with store.session() as session:
        session.add(Message(conversation_id=conversation_id, sender="counsellor", text="Second"))
    again = await client.get(f"/api/conversations/{public_id}/events", headers={"Last-Event-ID": event["id"]})
    second = await next_event(again)
    assert json.loads(second["data"])["text"] == "Second"
    store.erase([conversation_id])
    assert (await next_event(again))["event"] == "erased"
    again.close()
    assert (await client.get(f"/api/conversations/{public_id}/events")).status == 404


# -- logs --------------------------------------------------------------------------------------

async def test_logs_keep_no_message_text_and_no_address(rasa_config, caplog):
    """What the service logs, access log included (as `serve` runs it), holds no message text, no
    conversation id and no IP address."""
    secret = "my-secret-words-zqx"
    server = TestServer(create_app(rasa_config))
    await server.start_server(access_log_class=PrivateAccessLogger)
    with caplog.at_level(logging.DEBUG):
        async with TestClient(server) as client:
            public_id = await start_conversation(client, lang="es")
            await say(client, public_id, f"me piden dinero {secret}")
            await client.post("/chat", data={"id": "", "text": f"hola {secret}"})
            events = await client.get(f"/api/conversations/{public_id}/events")
            events.close()
            await client.post(f"/api/conversations/{public_id}/erase")
    assert any("/chat" in record.getMessage() for record in caplog.records), "the access log ran"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in logged
    assert public_id not in logged
    assert "127.0.0.1" not in logged


# -- staff edit the words -------------------------------------------------------------------------

async def test_a_staff_edit_of_a_page_goes_live(rasa_config, tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    app = create_app(replace(rasa_config, content_dir=copy, content_reload_seconds=0))
    async with TestClient(TestServer(app)) as client:
        assert "Edited by staff" not in await (await client.get("/en/what-to-do")).text()
        path = copy / "pages" / "what_to_do.yml"
        path.write_text(path.read_text().replace("  en: What to do, step by step", "  en: Edited by staff"))
        await asyncio.sleep(0.01)
        assert "<h1>Edited by staff</h1>" in await (await client.get("/en/what-to-do")).text()
        site = copy / "site.yml"
        site.write_text(site.read_text().replace("en: Quick exit", "en: Leave now"))
        await asyncio.sleep(0.01)
        assert "Leave now" in await (await client.get("/en/")).text()


async def test_the_no_js_chat_degrades_to_helplines_when_the_database_fails(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(store_of(client), "find", broken)
    response = await client.post("/en/chat", data={"id": "whatever", "text": "help"})
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    unavailable = content_of(client).render("unavailable", Context(lang="en")).text.splitlines()[0]
    assert esc(unavailable) in html
    assert "112" in html
