"""The site's pages: home with the chat (`/`, `/en/`), the campaign pages (`/<slug>`,
`/en/<slug>`), the chat without JavaScript (`POST /chat`, `/en/chat`), the quick exit without
JavaScript (`POST /exit`) and the neutral page the quick exit leads to (`/weather`)."""
from __future__ import annotations

import logging

from aiohttp import web

from ..api import ASSISTANT, MAX_TEXT, read_form, user_text
from ..content import Context
from ..conversation import InvalidPayload
from ..storage import Message
from . import views
from .text import shown

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

SENDERS = {"user": "you", "bot": "bot", "system": "bot"}  # anyone else (a counsellor) is shown as the support team


def message_view(sender: str, text: str, t: dict) -> dict:
    kind = SENDERS.get(sender, "counsellor")
    return {"sender": kind, "label": t[kind], "text": text}


def chat_view(request: web.Request, lang: str, *, public_id: str = "",
              transcript: list[Message] | None = None, choices: list[dict] | None = None,
              notice: str = "", draft: str = "") -> dict:
    """What the chat panel shows. The greeting is not part of the stored conversation: it is the
    welcome text, shown to everyone before they write."""
    content = request.app[ASSISTANT].content
    ctx = views.context(request, lang)
    t = content.ui(lang, ctx)
    greeting = content.render("welcome", ctx)
    messages = [message_view(m.sender, shown(content, m.sender, m.text, lang), t) for m in transcript or []]
    return {
        "action": views.href(lang, "chat"),
        "id": public_id,
        "greeting": greeting.text,
        "messages": messages,
        "choices": greeting.buttons if choices is None else choices,
        "notice": notice,
        "draft": draft,
    }


def home(request: web.Request, lang: str, chat: dict, status: int = 200) -> web.Response:
    content = request.app[ASSISTANT].content
    page = content.page("home", views.context(request, lang))
    return views.render(request, "home.html", lang, page_name="home", page=page, chat=chat,
                        status=status)


@routes.get("/")
async def home_es(request: web.Request) -> web.Response:
    return home(request, "es", chat_view(request, "es"))


@routes.get("/en/")
async def home_en(request: web.Request) -> web.Response:
    return home(request, "en", chat_view(request, "en"))


@routes.get("/en")
async def en_without_slash(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/en/")


async def chat(request: web.Request, lang: str) -> web.Response:
    """The chat without JavaScript: every message is a form post; the conversation id travels in
    a hidden field (no cookie), and the page comes back with the whole conversation. If anything
    fails (the database, say), the page still comes back, with the helplines."""
    try:
        return await _chat(request, lang)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("the chat without JavaScript failed; answering with the helplines")
        content = request.app[ASSISTANT].content
        ctx = views.context(request, lang)
        view = chat_view(request, lang, notice=content.ui(lang, ctx)["send_failed"], choices=[])
        view["messages"] = [message_view("bot", content.render("unavailable", ctx).text,
                                         content.ui(lang, ctx))]
        return home(request, lang, view)


async def _chat(request: web.Request, lang: str) -> web.Response:
    assistant = request.app[ASSISTANT]
    store = assistant.store
    t = assistant.content.ui(lang, views.context(request, lang))
    form = await read_form(request)
    public_id = str(form.get("id") or "")
    text = user_text(str(form.get("text") or ""))
    payload = form.get("payload")
    conversation = store.find(public_id) if public_id else None
    if conversation is None:
        public_id = ""

    if form.get("action") == "delete":
        if conversation is not None:
            store.erase([conversation.id])
        return home(request, lang, chat_view(request, lang, notice=t["deleted"]))

    def again(notice: str, draft: str = "") -> web.Response:
        transcript = store.transcript(conversation.id) if conversation is not None else None
        return home(request, lang, chat_view(request, lang, public_id=public_id, transcript=transcript,
                                             choices=None if conversation is None else [],
                                             notice=notice, draft=draft))

    if payload is None and not text:
        return again(t["empty_message"])
    if len(text) > MAX_TEXT:
        return again(t["too_long"], draft=text)
    if conversation is None:
        public_id = assistant.start("web", lang, views.config(request).default_country)
        conversation = store.find(public_id)
    try:
        if payload is not None:
            turn = await assistant.handle(conversation, payload=str(payload))
        else:
            turn = await assistant.handle(conversation, text=text)
    except InvalidPayload:
        return again("")
    choices = turn.messages[-1]["buttons"] if turn.messages else []
    return home(request, lang, chat_view(request, lang, public_id=public_id,
                                         transcript=store.transcript(conversation.id), choices=choices))


@routes.post("/chat")
async def chat_es(request: web.Request) -> web.Response:
    return await chat(request, "es")


@routes.post("/en/chat")
async def chat_en(request: web.Request) -> web.Response:
    return await chat(request, "en")


@routes.get("/chat")
async def chat_get_es(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/#chat")


@routes.get("/en/chat")
async def chat_get_en(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/en/#chat")


@routes.post("/exit")
async def quick_exit(request: web.Request) -> web.Response:
    """The quick exit without JavaScript (a button of the chat form): erase, then leave."""
    form = await read_form(request)
    store = request.app[ASSISTANT].store
    conversation = store.find(str(form.get("id") or ""))
    if conversation is not None:
        store.erase([conversation.id])
    raise web.HTTPSeeOther(views.config(request).exit_url)


@routes.get("/weather")
async def weather(request: web.Request) -> web.Response:
    """The neutral page the quick exit leads to: nothing on it says what site this is."""
    content = request.app[ASSISTANT].content
    lang = views.config(request).default_lang
    t = content.ui(lang, Context(lang=lang))
    html = views.render_plain("weather.html", lang=lang, t=t)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def campaign_page(request: web.Request, lang: str) -> web.Response:
    content = request.app[ASSISTANT].content
    name = content.page_for_slug(request.match_info["slug"], lang)
    if name is None or name == "home":
        return views.render(request, "not_found.html", lang, status=404)
    page = content.page(name, views.context(request, lang))
    return views.render(request, "page.html", lang, page_name=name, page=page)


@routes.get("/en/{slug}")
async def page_en(request: web.Request) -> web.Response:
    return campaign_page(request, "en")


@routes.get("/{slug}")
async def page_es(request: web.Request) -> web.Response:
    return campaign_page(request, "es")
