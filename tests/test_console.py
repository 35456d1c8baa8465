"""Counsellors: escalation from the bot, the risk-ordered queue, the console's API (login,
CSRF, claim, reply, notes, transfer, close, hand back, audit) on web chat and SMS, in and out of
hours. A real Rasa answers; Twilio is captured at its HTTP boundary."""
from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from chatbot.__main__ import main as cli
from chatbot.api import ASSISTANT
from chatbot.app import create_app
from chatbot.console import ACCOUNTS
from chatbot.handoff import Hours, has_deadline
from chatbot.storage.models import AuditEvent, ConsoleSession, Conversation, Message, Note
from conftest import say, start_conversation
from sms_support import SPAIN, Phone, sms_config, twilio_http  # noqa: F401 (fixture)

PASSWORD = "a long enough secret"
TEEN_ASKS = "quiero hablar con una persona de verdad"


def closed_hours() -> str:
    """Hours that do not include now (Madrid time): only on another weekday."""
    other = (Hours("mon-sun 00:00-24:00").local().weekday() + 3) % 7
    return f"{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[other]} 09:00-21:00"


def build(rasa_config, tmp_path, twilio_http, **changes):
    config = sms_config(rasa_config, tmp_path, **changes)
    app = create_app(config, twilio_http_client=twilio_http)
    for name, role in (("ana", "supervisor"), ("bea", "counsellor"), ("carla", "counsellor")):
        app[ACCOUNTS].create(name, PASSWORD, role)
    return app


@pytest.fixture
async def client(rasa_config, tmp_path, twilio_http):
    async with TestClient(TestServer(build(rasa_config, tmp_path, twilio_http))) as test_client:
        yield test_client


@pytest.fixture
async def closed_client(rasa_config, tmp_path, twilio_http):
    app = build(rasa_config, tmp_path, twilio_http, counsellor_hours=closed_hours())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


class Counsellor:
    """One browser: its own cookies, the CSRF token from the console page."""

    def __init__(self, client: TestClient):
        self.client = client
        self.http = ClientSession(cookie_jar=CookieJar(unsafe=True))
        self.csrf = ""

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def login(self, username: str, password: str = PASSWORD):
        form = await (await self.http.get(self.url("/console/login"))).text()
        token = re.search(r'name="token" value="([^"]+)"', form).group(1)
        response = await self.http.post(self.url("/console/login"), allow_redirects=False,
                                        data={"username": username, "password": password, "token": token})
        if response.status == 303:
            page = await (await self.http.get(self.url("/console"))).text()
            self.csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        return response

    async def get(self, path: str, **kwargs):
        return await self.http.get(self.url(path), **kwargs)

    async def post(self, path: str, body: dict | None = None, csrf: str | None = None, **kwargs):
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf, **kwargs.pop("headers", {})}
        return await self.http.post(self.url(path), json=body or {}, headers=headers, **kwargs)

    async def queue(self) -> dict:
        response = await self.get("/console/api/queue")
        assert response.status == 200
        return await response.json()

    async def act(self, conversation_id: str, action: str, body: dict | None = None, expect: int = 200):
        response = await self.post(f"/console/api/conversations/{conversation_id}/{action}", body)
        assert response.status == expect, await response.text()
        return await response.json()

    async def view(self, conversation_id: str):
        return await self.get(f"/console/api/conversations/{conversation_id}")

    async def close(self):
        await self.http.close()


@pytest.fixture
async def staff(client):
    people = []

    async def log_in(name: str) -> Counsellor:
        person = Counsellor(client)
        people.append(person)
        assert (await person.login(name)).status == 303
        return person

    yield log_in
    for person in people:
        await person.close()


def store_of(client):
    return client.server.app[ASSISTANT].store


def internal_id(client, public_id: str) -> str:
    return store_of(client).find(public_id).id


def transcript(client, conversation_id: str) -> list[tuple[str, str | None, str]]:
    return [(m.sender, m.topic, m.text) for m in store_of(client).transcript(conversation_id)]


def audit(client, conversation_id: str | None = None) -> list[str]:
    with store_of(client).session() as session:
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if conversation_id:
            query = query.where(AuditEvent.conversation_id == conversation_id)
        return list(session.scalars(query))


# -- logging in ------------------------------------------------------------------------------


async def test_the_console_needs_a_login_and_its_cookie_is_locked_down(client):
    response = await client.get("/console", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    assert (await client.get("/console/api/queue")).status == 401
    person = Counsellor(client)
    try:
        assert (await person.login("ana", "wrong password!!")).status == 401
        assert (await person.login("nobody", PASSWORD)).status == 401
        response = await person.login("ana")
        assert response.status == 303
        cookie = response.cookies["console_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console"
        assert not cookie["secure"]  # plain HTTP here; TLS (or X-Forwarded-Proto: https) sets it
        assert (await person.queue())["me"]["username"] == "ana"
        assert audit(client) == ["login_failed", "login"]
    finally:
        await person.close()


async def test_the_login_form_refuses_a_post_without_its_token(client):
    response = await client.post("/console/login", data={"username": "ana", "password": PASSWORD},
                                 allow_redirects=False)
    assert response.status == 403


async def test_five_wrong_passwords_lock_the_account_for_a_while(client):
    person = Counsellor(client)
    try:
        for _ in range(5):
            assert (await person.login("bea", "not the password")).status == 401
        response = await person.login("bea")  # the right password, too late
        assert response.status == 429
        assert "Too many attempts" in await response.text()
        assert (await person.login("ana")).status == 303  # other accounts are not locked
    finally:
        await person.close()


async def test_every_state_change_needs_the_csrf_token_and_our_origin(client, staff):
    public_id = await start_conversation(client, lang="es")
    ana = await staff("ana")
    await say(client, public_id, TEEN_ASKS)
    cid = internal_id(client, public_id)
    assert (await ana.post(f"/console/api/conversations/{cid}/claim", csrf="")).status == 403
    assert (await ana.post(f"/console/api/conversations/{cid}/claim", csrf="forged")).status == 403
    evil = await ana.post(f"/console/api/conversations/{cid}/claim", headers={"Origin": "https://evil.example"})
    assert evil.status == 403
    assert store_of(client).find(public_id).state == "waiting"
    await ana.act(cid, "claim")


async def test_an_idle_session_ends(client, staff):
    bea = await staff("bea")
    with store_of(client).session() as session:
        session.execute(update(ConsoleSession).values(last_active_at=dt.datetime(2020, 1, 1)))
    assert (await bea.get("/console/api/queue")).status == 401
    assert client.server.app[ASSISTANT].handoff.on_duty() == []


async def test_logging_out_ends_the_session(client, staff):
    bea = await staff("bea")
    response = await bea.http.post(bea.url("/console/logout"), data={"csrf": bea.csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await bea.get("/console/api/queue")).status == 401
    assert audit(client)[-1] == "logout"


# -- the whole path on the web ---------------------------------------------------------------


async def test_a_teen_asks_for_a_person_and_a_counsellor_takes_over_then_hands_back(client, staff):
    bea = await staff("bea")
    public_id = await start_conversation(client, lang="es")
    await say(client, public_id, "me estan chantajeando con una foto falsa")
    turn = await say(client, public_id, TEEN_ASKS)
    assert turn["messages"][0]["topic"] == "talk_to_human"
    assert turn["state"] == "waiting"
    assert turn["handoff"]["open"] is True and turn["handoff"]["position"] == 1
    assert "eres el número 1" in turn["messages"][0]["text"]
    cid = internal_id(client, public_id)

    queue = await bea.queue()
    assert [entry["id"] for entry in queue["waiting"]] == [cid]
    entry = queue["waiting"][0]
    assert entry["channel"] == "web" and entry["lang"] == "es" and entry["country"] == "ES"
    assert "talk_to_human" in entry["topics"]
    assert entry["last_words"][-1] == TEEN_ASKS

    await bea.act(cid, "claim")
    assert store_of(client).find(public_id).state == "human"
    await bea.act(cid, "reply", {"text": "Hola, soy Bea. <b>Estoy aquí</b> contigo."})
    events = await client.get(f"/api/conversations/{public_id}/messages")
    shown = [(m["sender"], m["text"]) for m in (await events.json())["messages"]]
    assert shown[-2][0] == "system" and "se ha unido" in shown[-2][1]
    assert shown[-1] == ("counsellor", "Hola, soy Bea. <b>Estoy aquí</b> contigo.")

    turn = await say(client, public_id, "vale gracias, tengo miedo")
    assert turn["messages"] == [] and turn["state"] == "human"  # the bot keeps quiet
    detail = await (await bea.view(cid)).json()
    assert detail["messages"][-1]["sender"] == "user" and detail["messages"][-1]["text"] == "vale gracias, tengo miedo"
    assert detail["can_act"] and detail["canned"] and detail["canned"][0]["text"]

    await bea.act(cid, "note", {"text": "Miedo; derivar a ANAR si vuelve."})
    await bea.act(cid, "close", {"outcome": "helpline"})
    assert transcript(client, cid)[-1][0] == "system"
    assert "Vuelvo a contestarte yo" in transcript(client, cid)[-1][2]
    turn = await say(client, public_id, "como lo denuncio a la policia")
    assert turn["state"] == "bot" and turn["messages"][0]["topic"] == "report_police"
    assert audit(client, cid) == ["claim", "message", "view", "note", "close"]
    user_side = [m["text"] for m in (await (await client.get(f"/api/conversations/{public_id}/messages")).json())["messages"]]
    assert not any("ANAR si vuelve" in text for text in user_side)  # the note stays private


async def test_the_queue_is_ordered_by_risk_then_waiting_time(client, staff):
    bea = await staff("bea")
    normal = await start_conversation(client, lang="es")
    await say(client, normal, TEEN_ASKS)
    deadline = await start_conversation(client, lang="en")
    await say(client, deadline, "he says I have 24 hours to pay or he posts the fake pic")
    await say(client, deadline, "can I talk to a real person")
    later = await start_conversation(client, lang="es")
    await say(client, later, "necesito hablar con alguien del equipo")
    crisis = await start_conversation(client, lang="es")
    turn = await say(client, crisis, "no puedo mas, me quiero matar")
    assert turn["messages"][0]["topic"] == "crisis_support"  # the crisis lines come first
    assert turn["state"] == "waiting" and turn["handoff"]["position"] == 1

    waiting = (await bea.queue())["waiting"]
    order = [internal_id(client, c) for c in (crisis, deadline, normal, later)]
    assert [entry["id"] for entry in waiting] == order
    assert [entry["priority"] for entry in waiting] == ["crisis", "deadline", "normal", "normal"]
    assert "crisis" in waiting[0]["flags"] and "deadline" in waiting[1]["flags"]


async def test_two_counsellors_claiming_at_once_exactly_one_wins(client, staff):
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "I want to talk to a human")
    cid = internal_id(client, public_id)
    bea, carla = await staff("bea"), await staff("carla")
    responses = await asyncio.gather(
        bea.post(f"/console/api/conversations/{cid}/claim"),
        carla.post(f"/console/api/conversations/{cid}/claim"),
    )
    assert sorted(r.status for r in responses) == [200, 409]
    winner = "bea" if responses[0].status == 200 else "carla"
    assert (await (bea if winner == "bea" else carla).queue())["mine"][0]["id"] == cid
    assert audit(client, cid).count("claim") == 1


async def test_counsellors_see_the_queue_and_their_own_only_supervisors_see_all(client, staff):
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "I want to talk to a human please")
    cid = internal_id(client, public_id)
    ana, bea, carla = await staff("ana"), await staff("bea"), await staff("carla")
    assert (await carla.view(cid)).status == 200  # waiting: anyone on duty can triage it
    await bea.act(cid, "claim")
    await bea.act(cid, "note", {"text": "private"})
    assert (await carla.view(cid)).status == 404
    assert (await carla.queue())["others"] == [] and (await carla.queue())["waiting"] == []
    await carla.act(cid, "reply", {"text": "hi"}, expect=404)
    supervisor_view = await (await ana.view(cid)).json()
    assert supervisor_view["notes"][0]["text"] == "private"
    assert [entry["id"] for entry in (await ana.queue())["others"]] == [cid]


async def test_transfer_to_a_colleague_and_hand_back_to_the_bot(client, staff):
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "talk to a person")
    cid = internal_id(client, public_id)
    bea, carla = await staff("bea"), await staff("carla")
    await bea.act(cid, "claim")
    carla_id = next(c["id"] for c in (await bea.queue())["on_duty"] if c["username"] == "carla")
    await bea.act(cid, "transfer", {"to": carla_id})
    await bea.act(cid, "reply", {"text": "still me?"}, expect=404)
    await carla.act(cid, "reply", {"text": "Hi, I'm Carla, I'm taking over from my colleague."})
    await carla.act(cid, "handback")
    turn = await say(client, public_id, "how do I get the picture removed")
    assert turn["state"] == "bot" and turn["messages"][0]["topic"] == "remove_content"
    assert [a for a in audit(client, cid) if a != "view"] == ["claim", "transfer", "message", "handback"]


async def test_with_a_counsellor_a_crisis_message_still_gets_the_crisis_lines_and_is_flagged(client, staff):
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "can I talk to someone real")
    cid = internal_id(client, public_id)
    bea = await staff("bea")
    await bea.act(cid, "claim")
    turn = await say(client, public_id, "i want to kill myself tonight")
    assert turn["state"] == "human"
    assert [m["topic"] for m in turn["messages"]] == ["crisis_support"]
    assert "024" in turn["messages"][0]["text"]  # Spain's suicide line (the conversation's country)
    detail = await (await bea.view(cid)).json()
    flagged = [m for m in detail["messages"] if m["flag"]]
    assert flagged and flagged[-1]["flag"] == "crisis" and flagged[-1]["sender"] == "user"


async def test_the_user_can_stop_waiting(client, staff):
    bea = await staff("bea")
    public_id = await start_conversation(client, lang="es")
    turn = await say(client, public_id, TEEN_ASKS)
    assert {"title": "Dejar de esperar", "payload": "/stop_waiting"} in turn["messages"][0]["buttons"]
    turn = await say(client, public_id, payload="/stop_waiting")
    assert turn["state"] == "bot" and turn["messages"][0]["topic"] == "stop_waiting"
    assert (await bea.queue())["waiting"] == []


async def test_after_two_misunderstandings_a_person_is_offered_not_forced(client):
    public_id = await start_conversation(client, lang="es")
    first = await say(client, public_id, "zxqv plorf wibble")
    assert [m["topic"] for m in first["messages"]] == ["fallback"]
    second = await say(client, public_id, "xkcd 927 lorem ipsum")
    assert [m["topic"] for m in second["messages"]] == ["fallback", "talk_to_human"]
    assert second["state"] == "bot"
    assert any(b["payload"] == "/talk_to_human" for b in second["messages"][-1]["buttons"])


async def test_when_the_counsellor_leaves_the_conversation_goes_back_to_the_queue_and_the_bot_answers(client, staff):
    bea, carla = await staff("bea"), await staff("carla")
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "i need to talk to a real person")
    cid = internal_id(client, public_id)
    await bea.act(cid, "claim")
    response = await bea.http.post(bea.url("/console/logout"), data={"csrf": bea.csrf}, allow_redirects=False)
    assert response.status == 303
    assert [entry["id"] for entry in (await carla.queue())["waiting"]] == [cid]  # at once, on logout
    turn = await say(client, public_id, "hello? how do i get the picture taken down")
    assert turn["state"] == "waiting"
    assert [m["topic"] for m in turn["messages"]][-1] == "remove_content"  # not silence


async def test_a_counsellor_gone_idle_is_noticed_on_the_users_next_message(client, staff):
    bea = await staff("bea")
    public_id = await start_conversation(client, lang="es")
    await say(client, public_id, TEEN_ASKS)
    cid = internal_id(client, public_id)
    await bea.act(cid, "claim")
    with store_of(client).session() as session:
        session.execute(update(ConsoleSession).values(last_active_at=dt.datetime(2020, 1, 1)))
    turn = await say(client, public_id, "hola? sigues ahi? me piden dinero")
    assert turn["state"] == "waiting"
    assert "ha tenido que irse" in turn["messages"][0]["text"]
    assert turn["messages"][-1]["topic"] == "dont_pay"


async def test_the_live_stream_does_not_keep_an_idle_session_alive(client, staff):
    bea = await staff("bea")
    long_ago = dt.datetime(2020, 1, 1)
    with store_of(client).session() as session:
        session.execute(update(ConsoleSession).values(last_active_at=dt.datetime.utcnow() - dt.timedelta(minutes=29)))
    stream = await bea.get("/console/api/events")
    assert stream.status == 200
    stream.close()
    with store_of(client).session() as session:
        (active,) = session.scalars(select(ConsoleSession.last_active_at)).all()
    assert long_ago < active < dt.datetime.utcnow() - dt.timedelta(minutes=28)


async def test_transfer_only_to_a_colleague_on_duty(client, staff):
    bea = await staff("bea")
    public_id = await start_conversation(client, lang="en")
    await say(client, public_id, "talk to a person")
    cid = internal_id(client, public_id)
    await bea.act(cid, "claim")
    offline = next(c.id for c in client.server.app[ACCOUNTS].list() if c.username == "carla")
    error = await bea.act(cid, "transfer", {"to": offline}, expect=422)
    assert "on duty" in error["error"]


async def test_supervisors_never_see_a_conversation_that_only_talked_to_the_bot(client, staff):
    ana = await staff("ana")
    public_id = await start_conversation(client, lang="es")
    await say(client, public_id, "me piden dinero por una foto")
    assert (await ana.view(internal_id(client, public_id))).status == 404


async def test_notes_are_redacted_and_views_audited_whatever_the_client_says(client, staff):
    bea = await staff("bea")
    public_id = await start_conversation(client, lang="es")
    await say(client, public_id, TEEN_ASKS)
    cid = internal_id(client, public_id)
    await bea.act(cid, "claim")
    await bea.act(cid, "note", {"text": "Su madre es Lucía, móvil 612 345 678"})
    with store_of(client).session() as session:
        (note,) = session.scalars(select(Note.text)).all()
    assert "612 345 678" not in note and "[PHONE]" in note
    await bea.get(f"/console/api/conversations/{cid}", headers={"X-Console-Background": "1"})
    assert "view" in audit(client, cid)


# -- out of hours ------------------------------------------------------------------------------


async def test_out_of_hours_the_web_user_is_told_honestly_and_gets_the_lines_now(closed_client):
    public_id = await start_conversation(closed_client, lang="en", country="GB")
    turn = await say(closed_client, public_id, "I want to talk to a real person")
    assert turn["state"] == "waiting" and turn["handoff"]["open"] is False
    text = turn["messages"][0]["text"]
    assert "nobody from our team is online" in text.lower()
    assert "116 123" in text and "999" in text  # Samaritans and the emergency number, for the UK
    assert re.search(r"We're back (today|tomorrow|on \w+day) at 09:00", text)


async def test_nobody_logged_in_counts_as_closed_even_within_hours(client):
    public_id = await start_conversation(client, lang="es")
    turn = await say(client, public_id, TEEN_ASKS)
    assert turn["handoff"]["open"] is False
    assert "no hay nadie de nuestro equipo conectado" in turn["messages"][0]["text"]


# -- SMS ------------------------------------------------------------------------------------------


async def test_a_parent_by_sms_reaches_a_counsellor_who_texts_back(client, staff, twilio_http):
    bea = await staff("bea")
    parent = Phone(client, twilio_http, SPAIN)
    await parent.text("hola, chantajean a mi hija con fotos falsas")
    replies = await parent.text("PERSONA")
    assert "te escribira por aqui" in " ".join(replies)  # accents dropped: cheaper SMS
    cid = (await bea.queue())["waiting"][0]["id"]
    detail = await (await bea.view(cid)).json()
    assert detail["channel"] == "sms" and detail["number"] is None  # masked number: only once claimed
    await bea.act(cid, "claim")
    detail = await (await bea.view(cid)).json()
    assert detail["number"].startswith("+34") and "612345678" not in detail["number"]
    await parent.service.outbox.drain()
    assert any("persona del equipo" in body for body in parent.new_replies())
    await bea.act(cid, "reply", {"text": "Hola, soy Bea. ¿Tu hija está contigo ahora?"})
    await parent.service.outbox.drain()
    assert parent.new_replies() == ["Hola, soy Bea. ¿Tu hija está contigo ahora?"]
    assert await parent.text("si, la tengo a mi lado") == []  # no bot reply while Bea has it
    assert (await (await bea.view(cid)).json())["messages"][-1]["text"] == "si, la tengo a mi lado"
    await bea.act(cid, "close", {"outcome": "advice"})
    await parent.service.outbox.drain()
    assert any("asistente automático" in body or "asistente automatico" in body for body in parent.new_replies())
    assert (await parent.text("como denuncio"))  # the bot answers again


async def test_out_of_hours_an_sms_parent_is_texted_back_when_the_service_opens(closed_client, twilio_http):
    parent = Phone(closed_client, twilio_http, SPAIN)
    replies = await parent.text("PERSONA")
    text = " ".join(replies)
    assert "Ahora no hay nadie del equipo conectado" in text and "te escribiremos por aqui" in text
    # Later, when the service opens: the entry is still queued and a counsellor texts back.
    person = Counsellor(closed_client)
    try:
        assert (await person.login("bea")).status == 303
        queue = await person.queue()
        assert queue["open"] is False and len(queue["waiting"]) == 1
        cid = queue["waiting"][0]["id"]
        await person.act(cid, "claim")
        await person.act(cid, "reply", {"text": "Buenos días, soy Bea, del equipo. Te escribo como te prometimos."})
        await parent.service.outbox.drain()
        assert "Buenos días, soy Bea, del equipo. Te escribo como te prometimos." in parent.new_replies()
    finally:
        await person.close()


async def test_a_counsellor_cannot_text_a_parent_who_opted_out(client, staff, twilio_http):
    bea = await staff("bea")
    parent = Phone(client, twilio_http, SPAIN)
    await parent.text("PERSONA")
    cid = (await bea.queue())["waiting"][0]["id"]
    await bea.act(cid, "claim")
    await parent.text("STOP")
    error = await bea.act(cid, "reply", {"text": "hola?"}, expect=409)
    assert "no longer kept" in error["error"]


# -- limits ---------------------------------------------------------------------------------------


async def test_too_many_messages_a_minute_are_refused_kindly_but_a_crisis_never_is(rasa_config, tmp_path, twilio_http):
    app = build(rasa_config, tmp_path, twilio_http, messages_per_minute=3)
    async with TestClient(TestServer(app)) as test_client:
        public_id = await start_conversation(test_client, lang="en")
        for text in ("hi", "what is a deepfake", "should I pay"):
            assert (await say(test_client, public_id, text))["messages"][0]["topic"] != "rate_limited"
        limited = await say(test_client, public_id, "how do I report it")
        assert [m["topic"] for m in limited["messages"]] == ["rate_limited"]
        assert "wait a minute" in limited["messages"][0]["text"]
        crisis = await say(test_client, public_id, "I'm going to kill myself")
        assert crisis["messages"][0]["topic"] == "crisis_support"


@pytest.mark.parametrize("limit", [{"messages_per_minute": 2}, {"sms_per_hour": 2}])
async def test_too_many_texts_get_one_explanation_then_silence(rasa_config, tmp_path, twilio_http, limit):
    """Per conversation a minute, or per number an hour: every text costs, so it is said once."""
    app = build(rasa_config, tmp_path, twilio_http, **limit)
    async with TestClient(TestServer(app)) as test_client:
        parent = Phone(test_client, twilio_http, SPAIN)
        assert await parent.text("hola")
        assert await parent.text("que hago")
        assert "demasiados mensajes" in " ".join(await parent.text("otra vez"))
        assert await parent.text("y otra") == []
        assert await parent.text("me quiero suicidar")  # a crisis is always answered


# -- the parts ----------------------------------------------------------------------------------


def test_hours_are_read_in_madrid_time_and_say_when_they_open():
    hours = Hours("mon-fri 09:00-21:00; sat 10:00-14:00", "Europe/Madrid")
    monday_8_utc = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)  # 09:00 in Madrid (CET)
    assert hours.is_open(monday_8_utc)
    assert not hours.is_open(dt.datetime(2026, 11, 23, 7, 59, tzinfo=dt.timezone.utc))
    saturday_night = dt.datetime(2026, 11, 28, 22, 0, tzinfo=dt.timezone.utc)
    assert not hours.is_open(saturday_night)
    assert hours.describe_opening("es", saturday_night) == "el lunes a las 09:00"
    assert hours.describe_opening("en", dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.timezone.utc)) == "tomorrow at 10:00"
    with pytest.raises(ValueError):
        Hours("weekdays 9-5")


@pytest.mark.parametrize("text, expected", [
    ("dice que tengo 24 horas para pagar o lo publica", True),
    ("si no le pago antes de mañana lo sube a instagram", True),
    ("he wants $500 by tonight or he sends it to my school", True),
    ("you have 2 hours to pay", True),
    ("mañana tengo examen", False),
    ("tonight I'm going to tell my mum everything", False),
])
def test_blackmail_with_a_deadline_is_recognised(text, expected):
    assert has_deadline(text) is expected


def test_accounts_are_made_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert cli(["counsellor", "add", "dora", "--role", "supervisor", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert cli(["counsellor", "add", "eva", "--password-stdin"]) == 1
    assert cli(["counsellor", "disable", "dora"]) == 0
    assert cli(["counsellor", "list"]) == 0
    out = capsys.readouterr().out
    assert "dora\tsupervisor\tdisabled" in out and "eva" not in out


def test_erasing_a_conversation_removes_its_notes_and_the_details_of_its_audit(tmp_path):
    from chatbot.storage import Store

    store = Store(f"sqlite:///{tmp_path / 'c.db'}", f"sqlite:///{tmp_path / 'r.db'}")
    store.create_all()
    _, conversation = store.new_conversation("web", "es", "ES")
    with store.session() as session:
        session.add(Note(conversation_id=conversation.id, text="private"))
        session.add(AuditEvent(action="claim", conversation_id=conversation.id, detail="waited 5 s"))
        session.add(Message(conversation_id=conversation.id, sender="counsellor", text="hola"))
    store.erase([conversation.id])
    with store.session() as session:
        assert session.scalars(select(Note)).all() == []
        (event,) = session.scalars(select(AuditEvent)).all()
        assert (event.action, event.conversation_id, event.detail) == ("claim", None, None)
        assert session.get(Conversation, conversation.id) is None


def test_a_database_from_the_previous_version_gets_the_new_columns(tmp_path):
    import sqlite3

    from chatbot.storage import Store

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the conversations and messages tables as they were
        db.execute("CREATE TABLE conversations (id VARCHAR(32) PRIMARY KEY, public_id_hash VARCHAR(64) NOT NULL UNIQUE, "
                   "channel VARCHAR(8) NOT NULL, lang VARCHAR(2) NOT NULL, audience VARCHAR(8) NOT NULL, "
                   "country VARCHAR(2) NOT NULL, state VARCHAR(16) NOT NULL, risk VARCHAR(16), "
                   "created_at DATETIME NOT NULL, last_activity_at DATETIME NOT NULL)")
        db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id VARCHAR(32) NOT NULL, "
                   "sender VARCHAR(12) NOT NULL, text TEXT NOT NULL, topic VARCHAR(32), created_at DATETIME NOT NULL)")
        db.execute("INSERT INTO conversations VALUES ('c1', 'h', 'web', 'es', 'teen', 'ES', 'bot', NULL, "
                   "'2026-11-01 10:00:00', '2026-11-01 10:00:00')")
    store = Store(f"sqlite:///{path}", f"sqlite:///{tmp_path / 'r.db'}")
    store.create_all()
    with store.session() as session:
        old = session.get(Conversation, "c1")
        assert (old.misunderstood, old.priority, old.flags) == (0, None, None)
    assert store.user_messages_since("c1", dt.timedelta(days=1)) == 0
