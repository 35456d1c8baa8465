"""If Rasa is down or slow, users still get the helplines for their country within 2 seconds."""
import asyncio
import time
from dataclasses import replace

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from chatbot import redaction, safety
from chatbot.app import create_app
from conftest import free_port, make_config, say, start_conversation


async def _ask(config, text="me piden dinero", **create):
    # timed from a started server: the lexicons and word lists are loaded, as after start-up
    safety.warm_up()
    redaction.warm_up()
    async with TestClient(TestServer(create_app(config))) as client:
        conversation = await start_conversation(client, **create)
        started = time.monotonic()
        reply = await say(client, conversation, text)
        return reply, time.monotonic() - started


async def test_rasa_down_gives_helplines_fast(tmp_path):
    config = make_config(tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}")
    reply, elapsed = await _ask(config, country="GB")
    assert elapsed < 2
    first = reply["messages"][0]
    assert first["topic"] == "helplines"
    assert "0800 1111" in first["text"]


async def test_rasa_slow_gives_helplines_within_two_seconds(tmp_path):
    async def hang(request):
        await asyncio.sleep(10)
        return web.json_response([])

    slow = web.Application()
    slow.router.add_post("/webhooks/private/webhook", hang)
    async with TestServer(slow) as server:
        config = make_config(tmp_path, rasa_url=str(server.make_url("")))
        reply, elapsed = await _ask(config, lang="es")
    assert elapsed < 2
    assert reply["messages"][0]["topic"] == "helplines"
    assert "900 20 20 10" in reply["messages"][0]["text"]


async def test_rasa_down_still_answers_a_crisis_with_crisis_lines(tmp_path):
    config = make_config(tmp_path, rasa_url=f"http://127.0.0.1:{free_port()}")
    reply, _ = await _ask(config, text="i want to kill myself", lang="en", country="US")
    assert reply["messages"][0]["topic"] == "crisis_support"
    assert "988" in reply["messages"][0]["text"]


async def test_rasa_answering_garbage_gives_helplines(tmp_path):
    async def garbage(request):
        return web.Response(text="<html>oops</html>", status=500)

    broken = web.Application()
    broken.router.add_post("/webhooks/private/webhook", garbage)
    async with TestServer(broken) as server:
        config = replace(make_config(tmp_path), rasa_url=str(server.make_url("")))
        reply, _ = await _ask(config)
    assert reply["messages"][0]["topic"] == "helplines"
