"""Privacy and security headers on every response of the service: the site, the API and the
static files. No inline script or style and no third-party origin; never framed; no referrer; no
caching of anything but our static files."""
from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

_BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def content_security_policy(exit_url: str = "/weather") -> str:
    """The policy; an absolute exit address is allowed as a form target (the no-JS quick exit
    redirects there after its POST), nothing else from outside."""
    parts = urlsplit(exit_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{_BASE_POLICY} {parts.scheme}://{parts.netloc}"
    return _BASE_POLICY


def apply(response: web.StreamResponse, path: str, exit_url: str = "/weather") -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(exit_url)
    headers["X-Frame-Options"] = "DENY"
    # The console checks the Origin of every POST, which browsers send as "null" under no-referrer.
    headers["Referrer-Policy"] = "same-origin" if path.startswith("/console") else "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-cache")  # revalidate: a deploy changes them
    else:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"


def _exit_url(request: web.Request) -> str:
    from ..app import CONFIG  # here, not at the top: chatbot.app imports this package

    config = request.app.get(CONFIG)
    return config.exit_url if config is not None else "/weather"


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as error:
        apply(error, request.path, _exit_url(request))
        raise
    if not response.prepared:  # a stream (server-sent events) sets them itself before it starts
        apply(response, request.path, _exit_url(request))
    return response
