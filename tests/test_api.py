"""The chat API contract, against a real Rasa server."""
import asyncio

import pytest

from chatbot.api import ASSISTANT
from chatbot.conversation import MAX_SENTENCES, sentences
from conftest import say, start_conversation


async def test_create_returns_an_unguessable_id(client):
    ids = {await start_conversation(client) for _ in range(3)}
    assert len(ids) == 3
    assert all(len(i) >= 32 for i in ids)  # 24 random bytes, URL-safe base64


@pytest.mark.parametrize("body", [{"lang": "fr"}, {"lang": 3}, {"country": "Spain"}])
async def test_create_rejects_bad_options(client, body):
    response = await client.post("/api/conversations", json=body)
    assert response.status == 422
    assert "error" in await response.json()


@pytest.mark.parametrize(
    "lang, text, topic",
    [
        ("es", "me están pidiendo dinero por una foto falsa mía desnuda", "dont_pay"),
        ("en", "someone is threatening to post a fake nude of me unless i pay", "dont_pay"),
        ("es", "como lo denuncio a la policia", "report_police"),
        ("en", "how do i get the picture taken down from instagram", "remove_content"),
        ("es", "hola", "welcome"),
        ("en", "are you a bot?", "bot_identity"),
    ],
)
async def test_first_reply_carries_the_topic(client, lang, text, topic):
    conversation = await start_conversation(client)
    reply = await say(client, conversation, text)
    assert reply["state"] == "bot"
    assert reply["lang"] == lang
    first = reply["messages"][0]
    assert first["topic"] == topic
    assert first["text"].strip()
    assert isinstance(first["buttons"], list)


async def test_a_button_continues_the_conversation(client):
    conversation = await start_conversation(client, lang="en")
    reply = await say(client, conversation, "they want 200 euros or they share the pic")
    buttons = reply["messages"][0]["buttons"]
    assert buttons
    chosen = await say(client, conversation, payload=buttons[0]["payload"])
    content = client.server.app[ASSISTANT].content
    assert chosen["messages"][0]["topic"] == content.topic_of(buttons[0]["payload"].lstrip("/"))
    assert chosen["lang"] == "en"


async def test_crisis_wins_in_the_middle_of_a_topic_with_the_countrys_numbers(client):
    conversation = await start_conversation(client, lang="es")
    await say(client, conversation, "me piden 100 euros por bizum o suben la foto")
    await say(client, conversation, payload="/preserve_evidence")
    reply = await say(client, conversation, "no puedo más, me quiero morir")
    first = reply["messages"][0]
    assert first["topic"] == "crisis_support"
    assert "024" in first["text"] and "112" in first["text"]


async def test_crisis_inside_a_blackmail_story_in_english(client):
    conversation = await start_conversation(client, lang="en", country="GB")
    reply = await say(
        client, conversation,
        "he says he will send the fake pic to my whole school tonight if i dont pay, honestly i want to kill myself",
    )
    topics = [m["topic"] for m in reply["messages"]]
    assert topics[0] == "crisis_support"
    assert "116 123" in reply["messages"][0]["text"]


def test_long_messages_are_also_read_sentence_by_sentence():
    assert sentences("me piden dinero. no sé qué hacer") == ["me piden dinero.", "no sé qué hacer"]
    assert sentences("he wants £200!!! what do i do\nmy mum doesnt know") == [
        "he wants £200!!!", "what do i do", "my mum doesnt know"]
    assert sentences("ok. vale. me piden 50 euros por bizum") == []  # one sentence worth reading
    assert sentences("hola") == []
    assert len(sentences(". ".join(["una frase de cinco palabras"] * 50))) == MAX_SENTENCES


async def test_each_sentence_of_a_long_message_is_read_for_crisis(client):
    assistant = client.server.app[ASSISTANT]
    story = "he wants 200 in gift cards by friday. he already sent it to my cousin."
    assert await assistant._sentence_risk(story) is None
    assert await assistant._sentence_risk(f"{story} i want to kill myself") == "crisis"
    assert await assistant._sentence_risk("i want to kill myself") is None  # one sentence: read whole


async def test_emergency_reply_has_the_emergency_number(client):
    conversation = await start_conversation(client, lang="en", country="US")
    reply = await say(client, conversation, "he is outside my house right now and says he will hurt me")
    assert reply["messages"][0]["topic"] in {"emergency", "crisis_support"}
    assert "911" in reply["messages"][0]["text"]


async def test_language_is_detected_and_switchable(client):
    conversation = await start_conversation(client)
    reply = await say(client, conversation, "what is a deepfake")
    assert reply["lang"] == "en"
    switched = await say(client, conversation, "en español por favor")
    assert switched["lang"] == "es"
    assert switched["messages"][0]["topic"] == "language"
    back = await say(client, conversation, "in English please")
    assert back["lang"] == "en" and back["messages"][0]["topic"] == "language"


async def test_parents_get_parent_wording(client):
    teen = await start_conversation(client, lang="es")
    parent = await start_conversation(client, lang="es")
    teen_reply = await say(client, teen, "me piden dinero o publican una foto mia falsa")
    parent_reply = await say(client, parent, "a mi hija le piden dinero o publican una foto suya falsa")
    assert teen_reply["messages"][0]["topic"] == parent_reply["messages"][0]["topic"] == "dont_pay"
    assert teen_reply["messages"][0]["text"] != parent_reply["messages"][0]["text"]


async def test_gibberish_gets_an_honest_fallback_with_choices(client):
    conversation = await start_conversation(client, lang="en")
    reply = await say(client, conversation, "zxqv blorp wug")
    first = reply["messages"][0]
    assert first["topic"] == "fallback"
    assert any(b["payload"] == "/talk_to_human" for b in first["buttons"])


async def test_unknown_conversation_is_404(client):
    response = await client.post("/api/conversations/nope/messages", json={"text": "hola"})
    assert response.status == 404


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 5}, {}, {"payload": "/no_such_topic"},
     {"payload": '/greet{"x": 1}'}, {"payload": 7}],
)
async def test_bad_messages_are_422_with_a_message(client, body):
    conversation = await start_conversation(client)
    response = await client.post(f"/api/conversations/{conversation}/messages", json=body)
    assert response.status == 422
    assert (await response.json())["error"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe\x00", b"[" * 5000 + b"]" * 5000])
async def test_malformed_bodies_are_422(client, raw):
    conversation = await start_conversation(client)
    response = await client.post(
        f"/api/conversations/{conversation}/messages", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status == 422


async def test_exactly_2000_characters_is_accepted(client):
    conversation = await start_conversation(client)
    reply = await say(client, conversation, ("ayuda " * 400)[:2000])
    assert reply["messages"]


async def test_deleting_a_conversation_forgets_it(client):
    conversation = await start_conversation(client)
    await say(client, conversation, "hola")
    assert (await client.delete(f"/api/conversations/{conversation}")).status == 204
    response = await client.post(f"/api/conversations/{conversation}/messages", json={"text": "hola"})
    assert response.status == 404


async def test_concurrent_messages_all_get_answers(client):
    conversations = [await start_conversation(client) for _ in range(5)]
    replies = await asyncio.gather(*(say(client, c, "what is a deepfake") for c in conversations))
    assert all(r["messages"][0]["topic"] == "deepfake_explained" for r in replies)
