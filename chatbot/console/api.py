"""The console's JSON API and its live updates (server-sent events). Every state change goes
through chatbot/handoff.py (one UPDATE the database decides) and is written to the audit log."""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web
from sqlalchemy import func, select

from ..api import ASSISTANT, MAX_TEXT, json_body, user_text
from ..handoff import HUMAN, PRIORITY_LABELS, WAITING
from ..redaction import redact
from ..sms import SMS
from ..sms.signature import public_base
from ..storage import Conversation, Message
from ..storage.models import Counsellor, Note, utcnow
from ..site import headers
from ..site.events import open_stream
from .access import ACCOUNTS, COOKIE, api, can_act, can_read, problem
from .auth import Person

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

OUTCOMES = {
    "advice": "Advice given",
    "helpline": "Referred to a helpline",
    "police": "Helped to report to the police",
    "removal": "Helped to get it taken down",
    "crisis": "Crisis: referred to crisis or emergency services",
    "no_reply": "The user stopped answering",
    "other": "Other",
}
STREAM_SECONDS = 300


def _assistant(request: web.Request):
    return request.app[ASSISTANT]


def _load(request: web.Request, person: Person, conversation_id: str, allowed=can_read) -> Conversation:
    with _assistant(request).store.session() as session:
        conversation = session.get(Conversation, conversation_id)
    if conversation is None or not allowed(person, conversation):
        # The same answer for "gone" and "not yours": nothing leaks about others' conversations.
        raise web.HTTPNotFound(text=json.dumps({"error": "No such conversation (or not yours)."}),
                               content_type="application/json")
    return conversation


def _names(request: web.Request) -> dict[int, str]:
    with _assistant(request).store.session() as session:
        return dict(session.execute(select(Counsellor.id, Counsellor.username)).all())


def _summaries(request: web.Request, conversations: list[Conversation]) -> list[dict]:
    """What the queue shows of each conversation: channel, language, country, topics covered,
    risk flags, wait, and the user's last words (redacted when stored)."""
    ids = [c.id for c in conversations]
    topics: dict[str, list[str]] = {i: [] for i in ids}
    last: dict[str, list[str]] = {i: [] for i in ids}
    latest: dict[str, int] = {}
    alarms: dict[str, int] = {}
    if ids:
        with _assistant(request).store.session() as session:
            for cid, topic in session.execute(
                select(Message.conversation_id, Message.topic).where(
                    Message.conversation_id.in_(ids), Message.topic.isnot(None)).distinct()
            ):
                topics[cid].append(topic)
            for cid, text in session.execute(
                select(Message.conversation_id, Message.text)
                .where(Message.conversation_id.in_(ids), Message.sender == "user").order_by(Message.id)
            ):
                last[cid] = (last[cid] + [text])[-3:]
            latest = dict(session.execute(
                select(Message.conversation_id, func.max(Message.id))
                .where(Message.conversation_id.in_(ids)).group_by(Message.conversation_id)
            ).all())
            alarms = dict(session.execute(
                select(Message.conversation_id, func.max(Message.id))
                .where(Message.conversation_id.in_(ids), Message.flag.isnot(None)).group_by(Message.conversation_id)
            ).all())
    names = _names(request)
    now = utcnow()
    return [{
        "id": c.id,
        "state": c.state,
        "channel": c.channel,
        "lang": c.lang,
        "country": c.country,
        "audience": c.audience,
        "priority": PRIORITY_LABELS.get(c.priority, "normal"),
        "flags": sorted(set(filter(None, [c.risk, *(c.flags or "").split()]))),
        "topics": sorted(topics[c.id]),
        "waiting_seconds": int((now - c.queued_at).total_seconds()) if c.queued_at else 0,
        "counsellor": names.get(c.counsellor_id),
        "last_words": last[c.id],
        "latest_message": latest.get(c.id, 0),  # the console marks what is new since it last looked
        "latest_alarm": alarms.get(c.id, 0),  # the newest crisis or emergency message: a sound
        "quiet_seconds": int((now - c.last_activity_at).total_seconds()),
    } for c in conversations]


@routes.get("/console/api/queue")
@api
async def queue(request: web.Request, person: Person) -> web.Response:
    handoff = _assistant(request).handoff
    held = handoff.held_by(None if person.supervisor else person.id)
    mine = [c for c in held if c.counsellor_id == person.id]
    others = [c for c in held if c.counsellor_id != person.id]
    on_duty = handoff.on_duty()
    return web.json_response({
        "me": {"id": person.id, "username": person.username, "role": person.role},
        "open": handoff.hours.is_open(),
        "hours": handoff.hours.spec,
        "on_duty": [{"id": c.id, "username": c.username} for c in on_duty],
        "waiting": _summaries(request, handoff.queue()),
        "mine": _summaries(request, mine),
        "others": _summaries(request, others),
        "outcomes": [{"key": key, "label": label} for key, label in OUTCOMES.items()],
    })


@routes.get("/console/api/conversations/{cid}")
@api
async def conversation(request: web.Request, person: Person) -> web.Response:
    conversation = _load(request, person, request.match_info["cid"])
    assistant = _assistant(request)
    store = assistant.store
    acting = can_act(person, conversation)
    with store.session() as session:
        messages = list(session.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)))
        notes = list(session.scalars(
            select(Note).where(Note.conversation_id == conversation.id).order_by(Note.id))) if acting else []
    names = _names(request)
    body = _summaries(request, [conversation])[0]
    body.update({
        "messages": [{"id": m.id, "sender": m.sender, "text": m.text, "topic": m.topic, "flag": m.flag,
                      "at": m.created_at.isoformat() + "Z"} for m in messages],
        "notes": [{"id": n.id, "author": names.get(n.counsellor_id, "?"), "text": n.text,
                   "at": n.created_at.isoformat() + "Z"} for n in notes],
        "can_claim": conversation.state == WAITING,
        "can_act": acting,
        "canned": assistant.content.canned(assistant.context(conversation)) if acting else [],
        "number": request.app[SMS].masked_number(conversation.id)
        if acting and conversation.channel == "sms" else None,
    })
    request.app[ACCOUNTS].audit_view(person, conversation.id)
    return web.json_response(body)


def _say_to_user(request: web.Request, conversation: Conversation, sender: str, text: str,
                 topic: str | None = None) -> str | None:
    """Delivers a message outside a turn: the web chat reads it from the database (live events),
    SMS sends it. None when delivered, otherwise why not."""
    if conversation.channel == "sms":
        sms = request.app[SMS]
        error = sms.relay(conversation.id, text, public_base(request, sms.public_base_url))
        if error:
            return error
    _assistant(request).store.add_message(conversation.id, sender, text, topic)
    return None


def _bot_line(request: web.Request, conversation: Conversation, name: str) -> None:
    assistant = _assistant(request)
    reply = assistant.content.render(name, assistant.context(conversation))
    error = _say_to_user(request, conversation, "system", reply.text, reply.topic)
    if error:
        log.warning("console: the %s message did not reach the user: %s", name, error)


@routes.post("/console/api/conversations/{cid}/claim")
@api
async def claim(request: web.Request, person: Person) -> web.Response:
    # Anyone on duty may try; the database decides who gets it.
    conversation = _load(request, person, request.match_info["cid"], allowed=lambda *_: True)
    if not _assistant(request).handoff.claim(conversation.id, person.id):
        return problem(409, "Someone else has already taken this conversation, or the user stopped waiting.")
    request.app[ACCOUNTS].audit(person, "claim", conversation.id,
                                f"waited {int((utcnow() - conversation.queued_at).total_seconds())} s"
                                if conversation.queued_at else None)
    _bot_line(request, conversation, "handoff_joined")
    return web.json_response({"ok": True})


def _held(request: web.Request, person: Person) -> Conversation:
    conversation = _load(request, person, request.match_info["cid"])
    if conversation.state != HUMAN or not can_act(person, conversation):
        raise web.HTTPConflict(text=json.dumps({"error": "You are not handling this conversation."}),
                               content_type="application/json")
    return conversation


def _text(body: dict, field: str = "text") -> str:
    text = user_text(body.get(field)) if isinstance(body.get(field), str) else ""
    if not text:
        raise web.HTTPUnprocessableEntity(text=json.dumps({"error": "Write something first."}),
                                          content_type="application/json")
    if len(text) > MAX_TEXT:
        raise web.HTTPUnprocessableEntity(text=json.dumps({"error": f"At most {MAX_TEXT} characters."}),
                                          content_type="application/json")
    return text


@routes.post("/console/api/conversations/{cid}/reply")
@api
async def reply(request: web.Request, person: Person) -> web.Response:
    conversation = _held(request, person)
    text = _text(await json_body(request))
    error = _say_to_user(request, conversation, "counsellor", text)
    if error:
        return problem(409, error)
    request.app[ACCOUNTS].audit(person, "message", conversation.id)
    return web.json_response({"ok": True})


@routes.post("/console/api/conversations/{cid}/note")
@api
async def note(request: web.Request, person: Person) -> web.Response:
    conversation = _held(request, person)
    text = _text(await json_body(request))
    with _assistant(request).store.session() as session:  # notes are redacted like everything else
        session.add(Note(conversation_id=conversation.id, counsellor_id=person.id, text=redact(text)))
    request.app[ACCOUNTS].audit(person, "note", conversation.id)
    return web.json_response({"ok": True})


@routes.post("/console/api/conversations/{cid}/transfer")
@api
async def transfer(request: web.Request, person: Person) -> web.Response:
    conversation = _held(request, person)
    to = (await json_body(request)).get("to")
    on_duty = {c.id: c for c in _assistant(request).handoff.on_duty()}
    colleague = on_duty.get(to) if type(to) is int else None  # not True, which Python counts as 1
    if colleague is None or colleague.id == conversation.counsellor_id:
        return problem(422, "Choose a colleague who is on duty now.")
    holder = None if person.supervisor else person.id
    if not _assistant(request).handoff.transfer(conversation.id, holder, colleague.id):
        return problem(409, "The conversation changed meanwhile; reload.")
    request.app[ACCOUNTS].audit(person, "transfer", conversation.id, f"to {colleague.username}")
    return web.json_response({"ok": True})


async def _release(request: web.Request, person: Person, action: str, detail: str | None) -> web.Response:
    conversation = _held(request, person)
    holder = None if person.supervisor else person.id
    if not _assistant(request).handoff.release(conversation.id, holder):
        return problem(409, "The conversation changed meanwhile; reload.")
    request.app[ACCOUNTS].audit(person, action, conversation.id, detail)
    _bot_line(request, conversation, "handoff_end")
    return web.json_response({"ok": True})


@routes.post("/console/api/conversations/{cid}/close")
@api
async def close(request: web.Request, person: Person) -> web.Response:
    outcome = (await json_body(request)).get("outcome")
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        return problem(422, "Choose an outcome.")
    return await _release(request, person, "close", f"outcome {outcome}")


@routes.post("/console/api/conversations/{cid}/handback")
@api
async def handback(request: web.Request, person: Person) -> web.Response:
    return await _release(request, person, "handback", None)


def _fingerprint(request: web.Request, person: Person) -> tuple:
    """Changes whenever the queue, a held conversation or its messages change."""
    with _assistant(request).store.session() as session:
        rows = session.execute(
            select(Conversation.id, Conversation.state, Conversation.priority, Conversation.counsellor_id)
            .where(Conversation.state.in_((WAITING, HUMAN)))
        ).all()
        ids = [row.id for row in rows if row.state == WAITING or person.supervisor
               or row.counsellor_id == person.id]
        newest = session.scalar(select(func.max(Message.id)).where(Message.conversation_id.in_(ids))) if ids else 0
    visible = tuple(sorted(tuple(row) for row in rows if row.id in ids))
    return visible, newest


@routes.get("/console/api/events")
@api
async def events(request: web.Request, person: Person) -> web.StreamResponse:
    """`changed` whenever something the counsellor can see changed (the page then reloads its
    data); `ended` when the session does. Also keeps the counsellor on duty while it is open."""
    from ..app import CONFIG  # here: chatbot.app imports this package

    poll = max(0.05, request.app[CONFIG].events_poll_seconds)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    headers.apply(response, request.path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    seen = None
    with open_stream(request) as stop:
        try:
            await response.prepare(request)
            await response.write(b"retry: 2000\n\n")
            while not stop.is_set() and loop.time() < deadline:
                if request.app[ACCOUNTS].person(request.cookies.get(COOKIE), active=False) is None:
                    await response.write(b"event: ended\ndata: {}\n\n")
                    break
                current = await asyncio.to_thread(_fingerprint, request, person)
                if current != seen:
                    seen = current
                    await response.write(b"event: changed\ndata: {}\n\n")
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll)
                except asyncio.TimeoutError:
                    pass
        except ConnectionError:
            pass  # the console was closed
    return response
