"""Twilio's request signature (X-Twilio-Signature): an HMAC-SHA1, keyed with the account's auth
token, of the full URL Twilio called and the POST parameters. Checked with the twilio library's
own RequestValidator.

The URL is the one Twilio called, not the one we see: behind a proxy or a tunnel, that is the
configured public base URL, or else the scheme and host the proxy forwarded (Forwarded, or
X-Forwarded-Proto and X-Forwarded-Host). Trusting those headers is safe here: whoever sets them
still cannot sign without the auth token."""
from __future__ import annotations

from aiohttp import web
from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


def _first(value: str | None) -> str | None:
    return value.split(",")[0].strip() if value else None


def public_base(request: web.Request, configured: str = "") -> str:
    """scheme://host[:port] as the outside world reaches us."""
    if configured:
        return configured.rstrip("/")
    forwarded = request.forwarded[0] if request.forwarded else {}
    scheme = forwarded.get("proto") or _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
    host = forwarded.get("host") or _first(request.headers.get("X-Forwarded-Host")) or request.host
    return f"{scheme}://{host}"


def public_url(request: web.Request, configured: str = "") -> str:
    return public_base(request, configured) + request.path_qs


def valid(token: str, url: str, params, signature: str | None) -> bool:
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


def sign(token: str, url: str, params: dict) -> str:
    """What Twilio would send: for the simulator and the tests."""
    return RequestValidator(token).compute_signature(url, params)
