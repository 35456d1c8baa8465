"""Renders the site's HTML: a normal autoescaping Jinja2 environment for the layout only. Every
word on a page comes from `content/` (the content engine); every text goes through `text.blocks`
and is escaped by the templates."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..api import ASSISTANT
from ..content import Context
from .text import blocks

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
LANG_PREFIX = {"es": "", "en": "/en"}
OTHER = {"es": "en", "en": "es"}

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["blocks"] = blocks


def config(request: web.Request):
    from ..app import CONFIG  # here, not at the top: chatbot.app imports this package

    return request.app[CONFIG]


def href(lang: str, slug: str) -> str:
    return f"{LANG_PREFIX[lang]}/{slug}"


def context(request: web.Request, lang: str) -> Context:
    return Context(lang=lang, channel="web", audience="teen", country=config(request).default_country)


def reviewed(date, lang: str) -> str:
    if lang == "es":
        return date.strftime("%d/%m/%Y")
    return f"{date.day} {date.strftime('%B %Y')}"


def render(request: web.Request, template: str, lang: str, *, page_name: str | None = None,
           status: int = 200, **extra) -> web.Response:
    content = request.app[ASSISTANT].content
    ctx = context(request, lang)
    current_slug = content.slugs(page_name)[lang] if page_name else None
    nav = [
        {"href": href(lang, item["slug"]), "label": item["label"], "current": item["name"] == page_name}
        for item in content.menu(ctx)
    ]
    other = OTHER[lang]
    switch_href = href(other, content.slugs(page_name)[other]) if page_name else href(other, "")
    html = _env.get_template(template).render(
        lang=lang,
        other_lang=other,
        t=content.ui(lang, ctx),
        nav=nav,
        home_href=href(lang, ""),
        chat_href=href(lang, "") + "#chat",
        privacy_href=href(lang, content.slugs("privacy")[lang]),
        switch_href=switch_href,
        current_slug=current_slug,
        exit_url=config(request).exit_url,
        reviewed=reviewed,
        **extra,
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def render_plain(template: str, **values) -> str:
    """A page outside the site's layout (the neutral exit page)."""
    return _env.get_template(template).render(**values)
