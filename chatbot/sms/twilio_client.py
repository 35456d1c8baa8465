"""The one client for Twilio's REST API: sending a reply, deleting a picture's media, deleting a
message. Blocking (the twilio library uses `requests`): call it off the event loop (see outbox.py).

Temporary failures (HTTP 429, 5xx, a connection that could not be made) are retried with
exponential backoff. A read timeout after a message was posted is not retried: Twilio may have
accepted it, and a parent must not get the same text twice.

The HTTP layer is injectable: `RecordingHttpClient` answers like Twilio without the network. The
tests use it to capture outgoing calls, and the SMS simulator uses it to record replies instead of
sending them."""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

log = logging.getLogger(__name__)
# The library logs every request's URL and headers at INFO: nothing personal, but noise.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

T = TypeVar("T")


class TwilioError(Exception):
    """A call that failed for good. Only the HTTP status and Twilio's error code are kept: the
    message Twilio returns can contain the phone number."""

    def __init__(self, status: int | None, code: int | None, what: str):
        super().__init__(f"{what}: HTTP {status}, Twilio error {code}")
        self.status = status
        self.code = code


def _temporary(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


class TwilioGateway:
    def __init__(self, account_sid: str, auth_token: str, from_number: str = "",
                 messaging_service_sid: str = "", http_client: HttpClient | None = None,
                 attempts: int = 4, backoff: float = 0.5, timeout: float = 10.0):
        if not (from_number or messaging_service_sid):
            raise ValueError("a sender is needed: a from number or a messaging service sid")
        self.client = Client(
            account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout)
        )
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.attempts = max(1, attempts)
        self.backoff = backoff

    def _call(self, what: str, call: Callable[[], T], retry_read_timeout: bool) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except TwilioRestException as error:
                status, code = error.status, error.code
                if not _temporary(status) or attempt == self.attempts:
                    raise TwilioError(status, code, what) from None
            except requests.ReadTimeout:
                if not retry_read_timeout or attempt == self.attempts:
                    raise TwilioError(None, None, f"{what} (read timeout)") from None
                status, code = None, "read timeout"
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt == self.attempts:
                    raise TwilioError(None, None, f"{what} ({type(error).__name__})") from None
                status, code = None, type(error).__name__
            delay = self.backoff * 2 ** (attempt - 1)
            log.warning("twilio %s: temporary failure (%s %s), retry %d in %.1fs",
                        what, status, code, attempt, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")

    def send(self, to: str, body: str, status_callback: str | None = None) -> Sent:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid else {"from_": self.from_number}
        )
        extra = {"status_callback": status_callback} if status_callback else {}
        message = self._call(
            "send", lambda: self.client.messages.create(to=to, body=body, **sender, **extra),
            retry_read_timeout=False,
        )
        return Sent(sid=message.sid, status=message.status or "queued")

    def delete_media(self, message_sid: str, media_sid: str) -> None:
        self._call(
            "delete media", lambda: self.client.messages(message_sid).media(media_sid).delete(),
            retry_read_timeout=True,
        )

    def delete_message(self, message_sid: str) -> None:
        self._call(
            "delete message", lambda: self.client.messages(message_sid).delete(),
            retry_read_timeout=True,
        )


@dataclass
class Recorded:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    status: int | None = None  # what we answered (None: an exception was raised)


class RecordingHttpClient(HttpClient):
    """Stands in for Twilio's HTTP layer: records every request and answers as Twilio would.

    `failures` is a list of HTTP statuses (or exceptions to raise) to return first, one per
    request, to exercise the retries."""

    def __init__(self, failures: list | None = None):
        super().__init__(logging.getLogger("twilio.http_client"), is_async=False, timeout=None)
        self.requests: list[Recorded] = []
        self.failures = list(failures or [])
        self._lock = threading.Lock()

    def request(self, method, url, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False) -> Response:
        recorded = Recorded(method.upper(), url, dict(data or {}))
        with self._lock:
            self.requests.append(recorded)
            failure = self.failures.pop(0) if self.failures else None
        if isinstance(failure, BaseException):
            raise failure
        if failure is not None:
            response = Response(failure, json.dumps({"code": 20000 + failure, "message": "simulated failure",
                                                     "status": failure}))
        elif recorded.method == "POST" and url.endswith("/Messages.json"):
            sid = "SM" + secrets.token_hex(16)
            response = Response(201, json.dumps({"sid": sid, "status": "queued", "body": recorded.data.get("Body")}))
        elif recorded.method == "DELETE":
            response = Response(204, "")
        else:
            response = Response(404, json.dumps({"code": 20404, "message": "not found", "status": 404}))
        recorded.status = response.status_code
        return response

    @staticmethod
    def _is_message(r: Recorded) -> bool:
        return r.method == "POST" and r.url.endswith("/Messages.json") and r.status == 201

    def sent(self) -> list[dict]:
        """The messages Twilio accepted so far: each one's form fields (To, Body, From, ...)."""
        with self._lock:
            return [r.data for r in self.requests if self._is_message(r)]

    def deleted(self) -> list[str]:
        with self._lock:
            return [r.url for r in self.requests if r.method == "DELETE" and r.status == 204]

    def take(self, to: str) -> tuple[list[dict], list[str]]:
        """Removes and returns the messages posted to `to` and every deletion so far (simulator)."""
        with self._lock:
            mine = [r for r in self.requests if self._is_message(r) and r.data.get("To") == to]
            deletions = [r for r in self.requests if r.method == "DELETE"]
            self.requests = [r for r in self.requests if r not in mine and r not in deletions]
        return [r.data for r in mine], [r.url for r in deletions]
