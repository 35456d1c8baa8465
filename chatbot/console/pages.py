"""The console's pages: log in, log out, and the console itself (a page its script fills from
the JSON API). Plain HTML forms for logging in, so it works before any script runs."""
from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..api import ASSISTANT, read_form
from .access import ACCOUNTS, COOKIE, person_of, same_origin, secure, set_cookie
from .auth import Accounts, LoginRefused, same_secret

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "console"
LOGIN_COOKIE = "console_login"  # a double-submit token: nobody can log you in to their account
routes = web.RouteTableDef()
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined)


def _page(template: str, status: int = 200, **values) -> web.Response:
    html = _env.get_template(template).render(**values)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = _page("login.html", status, error=error, token=token)
    response.set_cookie(LOGIN_COOKIE, token, path="/console", httponly=True, samesite="Strict",
                        secure=secure(request))
    return response


@routes.get("/console/login")
async def login_form(request: web.Request) -> web.Response:
    if person_of(request):
        raise web.HTTPSeeOther("/console")
    return _login_page(request)


@routes.post("/console/login")
async def login(request: web.Request) -> web.Response:
    form = await read_form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not same_origin(request) or not same_secret(expected, str(form.get("token", ""))):
        return _login_page(request, "The form expired. Please try again.", 403)
    accounts: Accounts = request.app[ACCOUNTS]
    try:
        # The client's address only counts attempts, in memory; it is never logged or stored.
        # Behind a proxy every request comes from the proxy: the client is the first forwarded
        # address (which a client could fake only to escape this count, never to block others;
        # the per-account lock still holds).
        client = request.headers.get("X-Forwarded-For", "").split(",")[0].strip() or request.remote or ""
        token = await asyncio.to_thread(  # argon2 takes tens of milliseconds: not on the event loop
            accounts.login, str(form.get("username", "")), str(form.get("password", "")), client)
    except LoginRefused as refused:
        return _login_page(request, str(refused), 429 if refused.limited else 401)
    response = web.HTTPSeeOther("/console")
    set_cookie(request, response, token)
    response.del_cookie(LOGIN_COOKIE, path="/console")
    raise response


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.Response:
    person = person_of(request)
    form = await read_form(request)
    if person and Accounts.csrf_ok(person, str(form.get("csrf", ""))):
        request.app[ACCOUNTS].logout(request.cookies.get(COOKIE, ""))
        # Their conversations go back to the queue (unless they are still logged in elsewhere).
        request.app[ASSISTANT].handoff.requeue_absent()
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(COOKIE, path="/console")
    raise response


@routes.get("/console")
async def console(request: web.Request) -> web.Response:
    person = person_of(request)
    if person is None:
        raise web.HTTPSeeOther("/console/login")
    return _page("console.html", person=person)
