"""Counsellor hand-off, measured on a running service (Rasa + our web service, SQLite):

- a turn that asks for a person (queued, status computed) against an ordinary turn;
- a counsellor's reply until the teen's live stream (server-sent events) shows it;
- claim races: two counsellors through two app instances on the same database, many times.

    .venv/bin/python bench/handoff.py          (from the project root; about a minute)
"""
from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chatbot.api import ASSISTANT  # noqa: E402
from chatbot.app import create_app  # noqa: E402
from chatbot.console import ACCOUNTS  # noqa: E402
from conftest import free_port, make_config, running_rasa  # noqa: E402

ROUNDS = 40


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    return f"{name}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms (n={len(values)})"


async def timed(client: TestClient, method: str, path: str, **kwargs):
    started = time.perf_counter()
    response = await client.request(method, path, **kwargs)
    body = await response.json()
    return (time.perf_counter() - started) * 1000, response.status, body


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    config = make_config(data_dir, rasa_url=f"http://127.0.0.1:{free_port()}", events_poll_seconds=1.0)
    with running_rasa(config):
        first_app, second_app = create_app(config), create_app(config)
        async with TestClient(TestServer(first_app)) as first, TestClient(TestServer(second_app)) as second:
            accounts = first_app[ACCOUNTS]
            for name in ("ana", "bea"):
                accounts.create(name, "a long enough secret")
            ids = [c.id for c in accounts.list()]
            handoffs = [first_app[ASSISTANT].handoff, second_app[ASSISTANT].handoff]
            for i in range(5):  # warm up Rasa and the detectors
                _, _, body = await timed(first, "POST", "/api/conversations", json={"lang": "es"})
                await timed(first, "POST", f"/api/conversations/{body['id']}/messages", json={"text": "hola"})

            ordinary, asking, delivery, races = [], [], [], []
            for _ in range(ROUNDS):
                _, _, body = await timed(first, "POST", "/api/conversations", json={"lang": "es"})
                path = f"/api/conversations/{body['id']}/messages"
                elapsed, _, _ = await timed(first, "POST", path, json={"text": "me piden dinero por una foto falsa"})
                ordinary.append(elapsed)
                elapsed, _, turn = await timed(first, "POST", path, json={"text": "quiero hablar con una persona"})
                assert turn["state"] == "waiting", turn
                asking.append(elapsed)
                conversation = first_app[ASSISTANT].store.find(body["id"])
                wins = await asyncio.gather(*(asyncio.to_thread(h.claim, conversation.id, i)
                                              for h, i in zip(handoffs, ids)))
                races.append(sum(wins))
                # The counsellor's reply, then the teen's stream on the other instance.
                stream = await second.get(f"/api/conversations/{body['id']}/events", timeout=aiohttp.ClientTimeout(total=10))
                await stream.content.readline()  # retry:
                await asyncio.sleep(random.uniform(0, 1.0))  # any moment of the stream's poll cycle
                sent = time.perf_counter()
                first_app[ASSISTANT].store.add_message(conversation.id, "counsellor", "Hola, soy Ana.")
                while True:
                    chunk = (await stream.content.readline()).decode()
                    if chunk.startswith("data:") and "Hola, soy Ana." in chunk:
                        break
                delivery.append((time.perf_counter() - sent) * 1000)
                stream.close()
                handoffs[0].release(conversation.id, None)

    print(line("ordinary turn", ordinary))
    print(line("turn asking for a person (queued + status)", asking))
    print(line("counsellor reply -> teen's live stream (poll 1 s, other instance)", delivery))
    print(f"claim races (two instances at once): exactly one winner in {races.count(1)}/{len(races)}")


if __name__ == "__main__":
    asyncio.run(main())
