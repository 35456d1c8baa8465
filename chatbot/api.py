"""The chat API: the contract the website, the tests and the evaluation use."""
from __future__ import annotations

import json
import re

from aiohttp import web

from .conversation import LANGS, Assistant, InvalidPayload

ASSISTANT = web.AppKey("assistant", Assistant)

MAX_TEXT = 2000
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
routes = web.RouteTableDef()


def user_text(raw: str) -> str:
    """A user's message as every channel handles it: no null bytes, no lone surrogates (valid
    JSON can carry them; no database can store them), no surrounding space."""
    return _LONE_SURROGATE.sub("\ufffd", raw.replace("\x00", "")).strip()


async def read_form(request: web.Request):
    """A form body, or 400 when it cannot be decoded (unknown charset, broken multipart)."""
    try:
        return await request.post()
    except (ValueError, LookupError) as error:  # UnicodeDecodeError is a ValueError
        raise web.HTTPBadRequest(text="The form could not be read.") from error


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def json_body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.text())
    except (ValueError, LookupError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": "The body must be JSON."}), content_type="application/json"
        )
    if not isinstance(body, dict):
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": "The body must be a JSON object."}), content_type="application/json"
        )
    return body


@routes.post("/api/conversations")
async def create_conversation(request: web.Request) -> web.Response:
    body = await json_body(request)
    lang, country = body.get("lang"), body.get("country")
    if lang is not None and lang not in LANGS:
        return _problem(422, "'lang' must be 'es' or 'en'.")
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        return _problem(422, "'country' must be a two-letter country code.")
    assistant = request.app[ASSISTANT]
    public_id = assistant.start("web", lang, country)
    return web.json_response({"id": public_id}, status=201)


@routes.post("/api/conversations/{id}/messages")
async def post_message(request: web.Request) -> web.Response:
    assistant = request.app[ASSISTANT]
    conversation = assistant.store.find(request.match_info["id"])
    if conversation is None:
        return _problem(404, "No such conversation.")
    body = await json_body(request)
    text, payload = body.get("text"), body.get("payload")
    if payload is not None:
        if not isinstance(payload, str):
            return _problem(422, "'payload' must be a string.")
        try:
            turn = await assistant.handle(conversation, payload=payload)
        except InvalidPayload:
            return _problem(422, "Unknown button payload.")
    else:
        text = user_text(text) if isinstance(text, str) else None
        if not text:
            return _problem(422, "Write a message: 'text' must not be empty.")
        if len(text) > MAX_TEXT:
            return _problem(422, f"The message is too long: at most {MAX_TEXT} characters.")
        turn = await assistant.handle(conversation, text=text)
    body = {"messages": turn.messages, "state": turn.state, "lang": turn.lang}
    if turn.handoff:
        body["handoff"] = turn.handoff
    return web.json_response(body)


@routes.delete("/api/conversations/{id}")
async def delete_conversation(request: web.Request) -> web.Response:
    assistant = request.app[ASSISTANT]
    conversation = assistant.store.find(request.match_info["id"])
    if conversation is None:
        return _problem(404, "No such conversation.")
    assistant.store.erase([conversation.id])
    return web.Response(status=204)


@routes.get("/healthz")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
