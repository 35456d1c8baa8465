"""Helpers for the SMS tests: an app in front of the session's real Rasa, with Twilio's HTTP layer
replaced by a recorder, and a phone that sends requests signed like Twilio's."""
from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from chatbot.app import create_app
from chatbot.sms import SMS
from chatbot.sms.signature import HEADER, sign
from chatbot.sms.twilio_client import RecordingHttpClient

TOKEN = "test-auth-token-" + "x" * 16
ACCOUNT = "AC" + "a" * 32
SERVICE_NUMBER = "+15005550006"
PUBLIC = "https://ayuda.example.org"
SPAIN = "+34612345678"
UK = "+447700900123"
US = "+12025550143"


def sms_config(rasa_config, tmp_path, **changes):
    """The session's Rasa (and its tracker database), a fresh database of ours, Twilio on."""
    values = dict(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'chatbot.db'}",
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from_number=SERVICE_NUMBER,
        public_base_url=PUBLIC,
        phone_hmac_key=secrets.token_urlsafe(32),
        phone_encryption_key=Fernet.generate_key().decode(),
        sms_retry_backoff=0,
    )
    return replace(rasa_config, **{**values, **changes})


class Phone:
    """A parent's phone texting the campaign number, through Twilio as the app sees it."""

    def __init__(self, client: TestClient, http: RecordingHttpClient, number: str,
                 token: str = TOKEN, public: str = PUBLIC):
        self.client = client
        self.http = http
        self.number = number
        self.token = token
        self.public = public
        self._seen = 0

    @property
    def service(self):
        return self.client.server.app[SMS]

    def params(self, body: str, sid: str | None = None, media: int = 0, **extra) -> dict:
        sid = sid or "SM" + secrets.token_hex(16)
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT, "From": self.number,
                  "To": SERVICE_NUMBER, "Body": body, "NumMedia": str(media)}
        for index in range(media):
            params[f"MediaUrl{index}"] = (
                f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media/ME{index:032d}"
            )
            params[f"MediaContentType{index}"] = "image/jpeg"
        params.update(extra)
        return params

    async def post(self, path: str, params: dict, signature: str | None = "sign", headers=None):
        headers = dict(headers or {})
        if signature == "sign":
            signature = sign(self.token, self.public + path, params)
        if signature is not None:
            headers[HEADER] = signature
        response = await self.client.post(path, data=params, headers=headers)
        await self.service.outbox.drain()
        return response

    async def text(self, body: str = "", **kwargs) -> list[str]:
        """Sends a message and returns the bodies of the replies it caused."""
        response = await self.post("/webhooks/twilio/sms", self.params(body, **kwargs))
        assert response.status == 200, await response.text()
        assert "<Response>" in await response.text()
        return self.new_replies()

    def new_replies(self) -> list[str]:
        mine = [data for data in self.http.sent() if data["To"] == self.number]
        fresh, self._seen = mine[self._seen:], len(mine)
        return [data["Body"] for data in fresh]


@pytest.fixture
def twilio_http() -> RecordingHttpClient:
    return RecordingHttpClient()


@pytest.fixture
async def sms_client(rasa_config, tmp_path, twilio_http):
    app = create_app(sms_config(rasa_config, tmp_path), twilio_http_client=twilio_http)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
def spain(sms_client, twilio_http) -> Phone:
    return Phone(sms_client, twilio_http, SPAIN)


@pytest.fixture
def uk(sms_client, twilio_http) -> Phone:
    return Phone(sms_client, twilio_http, UK)
