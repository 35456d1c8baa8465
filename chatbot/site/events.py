"""What the website's script needs beyond the chat API:

- `GET /api/conversations/{id}/events`: server-sent events with the messages of anyone other
  than the user and the bot (counsellors), read from our database, so it works whichever app
  instance the browser reaches. `Last-Event-ID` (sent by the browser on reconnect) or `?after=`
  says the last message id already shown.
- `POST /api/conversations/{id}/erase`: erasure for `navigator.sendBeacon` (the quick exit), which
  cannot send DELETE. Always 204, known or not.
- `GET /api/conversations/{id}/messages`: the conversation so far, to redraw it after a reload."""
from __future__ import annotations

import asyncio
import json
import re
import logging
from contextlib import contextmanager
from typing import Iterator

from aiohttp import web
from sqlalchemy import select

from ..api import ASSISTANT
from ..content import Context
from ..storage import Conversation, Message, Store
from . import headers, views
from .text import shown

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
_EVENT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits, small enough for any database

OWN_SENDERS = ("user", "bot")
STREAM_SECONDS = 300  # then the browser reconnects (EventSource does it by itself)
KEEPALIVE_SECONDS = 15
_streams: set[tuple[int, asyncio.Event]] = set()  # (id of the app, its stop signal)


async def end_streams(app: web.Application) -> None:
    """On shutdown: end every open stream now instead of holding the shutdown up."""
    for owner, stop in list(_streams):
        if owner == id(app):
            stop.set()


@contextmanager
def open_stream(request: web.Request) -> Iterator[asyncio.Event]:
    """The stop signal of one event stream (the chat's or the console's), set on shutdown."""
    entry = (id(request.app), asyncio.Event())
    _streams.add(entry)
    try:
        yield entry[1]
    finally:
        _streams.discard(entry)


def _new_messages(store: Store, conversation_id: str, after: int) -> list[dict] | None:
    """Messages from counsellors after `after`; None once the conversation is gone."""
    with store.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        rows = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after,
                   Message.sender.not_in(OWN_SENDERS))
            .order_by(Message.id)
            .limit(50)
        )
        # `state` after the message: a counsellor joined (human) or left (bot).
        return [{"id": m.id, "sender": m.sender, "text": m.text, "state": conversation.state} for m in rows]


def _last_seen(request: web.Request) -> int:
    values = [request.headers.get("Last-Event-ID", ""), request.query.get("after", "")]
    return max([int(v) for v in values if _EVENT_ID.fullmatch(v)] or [0])


@routes.get("/api/conversations/{id}/events")
async def events(request: web.Request) -> web.StreamResponse:
    assistant = request.app[ASSISTANT]
    conversation = assistant.store.find(request.match_info["id"])
    if conversation is None:
        return web.json_response({"error": "No such conversation."}, status=404)
    after = _last_seen(request)
    poll = max(0.05, views.config(request).events_poll_seconds)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    headers.apply(response, request.path, views.config(request).exit_url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    quiet_since = loop.time()
    with open_stream(request) as stop:
        try:
            await response.prepare(request)
            await response.write(b"retry: 2000\n\n")
            while not stop.is_set() and loop.time() < deadline:
                found = await asyncio.to_thread(_new_messages, assistant.store, conversation.id, after)
                if found is None:
                    await response.write(b"event: erased\ndata: {}\n\n")
                    break
                for message in found:
                    after = message["id"]
                    data = json.dumps(message, ensure_ascii=False)
                    await response.write(f"id: {after}\nevent: message\ndata: {data}\n\n".encode())
                    quiet_since = loop.time()
                if loop.time() - quiet_since > KEEPALIVE_SECONDS:
                    await response.write(b": keep-alive\n\n")
                    quiet_since = loop.time()
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll)
                except asyncio.TimeoutError:
                    pass
        except ConnectionError:
            pass  # the reader went away
    return response


@routes.post("/api/conversations/{id}/erase")
async def erase(request: web.Request) -> web.Response:
    store = request.app[ASSISTANT].store
    conversation = store.find(request.match_info["id"])
    if conversation is not None:
        store.erase([conversation.id])
    return web.Response(status=204)


@routes.get("/api/conversations/{id}/messages")
async def transcript(request: web.Request) -> web.Response:
    assistant = request.app[ASSISTANT]
    conversation = assistant.store.find(request.match_info["id"])
    if conversation is None:
        return web.json_response({"error": "No such conversation."}, status=404)
    messages = assistant.store.transcript(conversation.id)
    buttons: list[dict] = []
    if messages and messages[-1].sender == "bot" and messages[-1].topic in assistant.content.names:
        ctx = Context(**assistant.metadata(conversation))
        buttons = assistant.content.render(messages[-1].topic, ctx).buttons
    return web.json_response({
        "messages": [
            {"id": m.id, "sender": m.sender, "topic": m.topic,
             "text": shown(assistant.content, m.sender, m.text, conversation.lang)}
            for m in messages
        ],
        "buttons": buttons,
        "lang": conversation.lang,
    })
