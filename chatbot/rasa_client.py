"""Our one client for the Rasa server, over its private, token-protected channel on loopback."""
from __future__ import annotations

import asyncio
import logging

import aiohttp

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered nonsense."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float):
        self.url = f"{base_url.rstrip('/')}/webhooks/private/webhook"
        self.parse_url = f"{base_url.rstrip('/')}/model/parse"
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self.headers, timeout=self.timeout)
        return self._session

    async def send(self, sender: str, message: str, metadata: dict) -> list[dict]:
        payload = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self._client().post(self.url, json=payload) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"status {response.status}")
                messages = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(messages, list) or not messages:
            raise RasaUnavailable("no messages")
        return messages

    async def intent(self, text: str) -> tuple[str | None, float]:
        """What the NLU alone makes of a message (no dialogue, nothing stored): the intent and
        its confidence; (None, 0.0) on failure."""
        try:
            async with self._client().post(self.parse_url, params={"token": self.token},
                                          json={"text": text}) as response:
                parsed = await response.json() if response.status == 200 else {}
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return None, 0.0
        intent = (parsed if isinstance(parsed, dict) else {}).get("intent") or {}
        return intent.get("name"), float(intent.get("confidence") or 0.0)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
