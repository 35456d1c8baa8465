"""Who may do what in the console: the session cookie, CSRF on every state change, and the rule
that counsellors see the queue and their own conversations while supervisors see everything."""
from __future__ import annotations

import functools

from aiohttp import web

from ..handoff import BOT, WAITING
from ..storage import Conversation
from .auth import Accounts, Person

ACCOUNTS = web.AppKey("console_accounts", Accounts)
COOKIE = "console_session"
CSRF_HEADER = "X-CSRF-Token"
BACKGROUND_HEADER = "X-Console-Background"  # live refreshes: not activity for the idle timeout


def secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, path="/console", httponly=True, samesite="Strict",
                        secure=secure(request))


def same_origin(request: web.Request) -> bool:
    """Browsers send Origin on POST; when they do, it must be this site."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    host = request.headers.get("X-Forwarded-Host") or request.host
    return origin.split("://", 1)[-1] == host


def problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def person_of(request: web.Request) -> Person | None:
    # The live stream reconnects by itself (and cannot send headers): never activity either.
    background = request.headers.get(BACKGROUND_HEADER) == "1" or request.path == "/console/api/events"
    return request.app[ACCOUNTS].person(request.cookies.get(COOKIE), active=not background)


def api(handler):
    """JSON endpoints: a valid session, and for anything but GET the CSRF token and our origin."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        person = person_of(request)
        if person is None:
            return problem(401, "Your session has ended. Log in again.")
        if request.method != "GET":
            if not same_origin(request) or not Accounts.csrf_ok(person, request.headers.get(CSRF_HEADER)):
                return problem(403, "The request was refused (security token missing or wrong). Reload the page.")
        return await handler(request, person)

    return wrapper


def can_read(person: Person, conversation: Conversation) -> bool:
    """The queue is everyone's to triage; a held conversation is its counsellor's; supervisors see
    every conversation that was ever handed to a person, never one that only talked to the bot."""
    handed_over = conversation.state != BOT or conversation.queued_at is not None
    return (conversation.state == WAITING or conversation.counsellor_id == person.id
            or (person.supervisor and handed_over))


def can_act(person: Person, conversation: Conversation) -> bool:
    return conversation.counsellor_id == person.id or (person.supervisor and conversation.counsellor_id is not None)
