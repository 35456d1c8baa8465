"""Shared fixtures: a real Rasa server (trained once, started once per test session) and our web
service in front of it, each test with its own fresh database."""
from __future__ import annotations

import os
import signal
import socket
import time
from contextlib import contextmanager
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chatbot import rasa_process
from chatbot.app import create_app
from chatbot.config import Config

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_config(data_dir: Path, **changes) -> Config:
    base = Config.from_env()
    data_dir.mkdir(parents=True, exist_ok=True)
    config = replace(
        base,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'chatbot.db'}",
        tracker_database_url=f"sqlite:///{data_dir / 'rasa.db'}",
        content_reload_seconds=0,
    )
    return replace(config, **changes)


def wait_for_http(url: str, process, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Rasa exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


@contextmanager
def running_rasa(config: Config):
    """A real Rasa server for `config` (trained if needed), stopped afterwards."""
    process = rasa_process.start(config, rasa_process.train(config))
    try:
        wait_for_http(f"{config.rasa_url}/", process)
        yield config
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def rasa_config(tmp_path_factory) -> Config:
    """A running Rasa server with its own SQLite tracker store."""
    with running_rasa(make_config(tmp_path_factory.mktemp("rasa"), rasa_url=f"http://127.0.0.1:{free_port()}")) as config:
        yield config


@pytest.fixture
async def client(rasa_config) -> TestClient:
    """Our web service in front of the shared Rasa server."""
    async with TestClient(TestServer(create_app(rasa_config))) as test_client:
        yield test_client


async def start_conversation(client: TestClient, **body) -> str:
    response = await client.post("/api/conversations", json=body)
    assert response.status == 201
    return (await response.json())["id"]


async def say(client: TestClient, conversation_id: str, text: str | None = None, payload: str | None = None) -> dict:
    body = {"text": text} if payload is None else {"payload": payload}
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json=body)
    assert response.status == 200, await response.text()
    return await response.json()
