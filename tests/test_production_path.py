"""The production path: PostgreSQL for our tables and Rasa's tracker, Redis for Rasa's lock
store, and two web instances serving one conversation."""
import asyncio
import os
import secrets

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, select, text

from chatbot import rasa_process
from chatbot.api import ASSISTANT
from chatbot.app import create_app
from chatbot.console import ACCOUNTS
from chatbot.storage.models import Counsellor
from chatbot.storage import Store
from conftest import free_port, make_config, running_rasa, say, start_conversation

POSTGRES = os.environ.get("CHATBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("CHATBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh schema in the test database, dropped afterwards."""
    schema = f"t_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES, future=True)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as error:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {error}")
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="module")
def production_config(tmp_path_factory, postgres_url):
    config = make_config(
        tmp_path_factory.mktemp("production"),
        database_url=postgres_url,
        tracker_database_url=postgres_url,
        redis_url=REDIS,
        rasa_url=f"http://127.0.0.1:{free_port()}",
    )
    with running_rasa(config):
        yield config


async def test_two_instances_serve_one_conversation_on_postgres_and_redis(production_config):
    async with TestClient(TestServer(create_app(production_config))) as first, \
            TestClient(TestServer(create_app(production_config))) as second:
        conversation = await start_conversation(first, lang="en")
        reply = await say(first, conversation, "someone wants money or they'll post a fake nude of me")
        assert reply["messages"][0]["topic"] == "dont_pay"
        # The second instance knows the conversation and its language, and Rasa its history.
        follow_up = await say(second, conversation, payload="/preserve_evidence")
        assert follow_up["lang"] == "en"
        assert follow_up["messages"][0]["topic"] == "preserve_evidence"

    store = Store(production_config.database_url, production_config.tracker_database_url)
    stored = store.find(conversation)
    transcript = store.transcript(stored.id)
    assert [m.sender for m in transcript] == ["user", "bot", "user", "bot"]
    with store.tracker_engine.connect() as connection:
        events = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": stored.id}
        ).scalar()
    assert events > 0, "Rasa's tracker lives in PostgreSQL"

    store.erase([stored.id])
    assert store.find(conversation) is None
    with store.tracker_engine.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": stored.id}
        ).scalar()
    assert left == 0


async def test_two_instances_two_counsellors_one_claim_on_postgres(production_config):
    """The same conversation claimed through two app instances at the same moment, many times:
    PostgreSQL lets exactly one counsellor have it each time."""
    first_app, second_app = create_app(production_config), create_app(production_config)
    async with TestClient(TestServer(first_app)) as first, TestClient(TestServer(second_app)) as second:
        accounts = first_app[ACCOUNTS]
        names = [f"c{secrets.token_hex(3)}" for _ in range(2)]
        for name in names:
            accounts.create(name, "a long enough secret")
        with Store(production_config.database_url, production_config.tracker_database_url).session() as session:
            ids = [session.scalars(select(Counsellor.id).where(Counsellor.username == n)).one() for n in names]
        handoffs = [first_app[ASSISTANT].handoff, second_app[ASSISTANT].handoff]
        for _ in range(10):
            public_id = await start_conversation(first, lang="en")
            await say(second, public_id, "I want to talk to a real person")
            conversation = first_app[ASSISTANT].store.find(public_id)
            assert conversation.state == "waiting"
            wins = await asyncio.gather(*(asyncio.to_thread(h.claim, conversation.id, i) for h, i in zip(handoffs, ids)))
            assert sorted(wins) == [False, True]
            held = first_app[ASSISTANT].store.find(public_id)
            assert held.state == "human" and held.counsellor_id == ids[wins.index(True)]


def test_redis_lock_store_is_configured(production_config):
    env = rasa_process.rasa_env(production_config)
    assert env["CHATBOT_LOCK_STORE"] == "redis"
    assert env["CHATBOT_REDIS_HOST"] == "127.0.0.1" and env["CHATBOT_REDIS_PORT"] == "6379"


def test_retention_erases_old_conversations_everywhere(tmp_path):
    import datetime as dt

    config = make_config(tmp_path)
    store = Store(config.database_url, config.tracker_database_url)
    store.create_all()
    old_id, old = store.new_conversation("web", "es", "ES")
    new_id, new = store.new_conversation("web", "es", "ES")
    with store.session() as session:
        session.get(type(old), old.id).last_activity_at = dt.datetime(2020, 1, 1)
    with store.tracker_engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        connection.execute(text("INSERT INTO events (sender_id) VALUES (:a), (:b)"), {"a": old.id, "b": new.id})
    assert store.erase_older_than(30) == 1
    assert store.find(old_id) is None and store.find(new_id) is not None
    with store.tracker_engine.connect() as connection:
        senders = [row[0] for row in connection.execute(text("SELECT sender_id FROM events"))]
    assert senders == [new.id]


def test_public_id_is_not_stored_in_clear(tmp_path):
    config = make_config(tmp_path)
    store = Store(config.database_url, config.tracker_database_url)
    store.create_all()
    public_id, conversation = store.new_conversation("web", "es", "ES")
    store.engine.dispose()
    raw = (tmp_path / "chatbot.db").read_bytes()
    for sidecar in ("chatbot.db-wal",):
        if (tmp_path / sidecar).exists():
            raw += (tmp_path / sidecar).read_bytes()
    assert public_id.encode() not in raw
    assert conversation.id != public_id
