"""The one place that decides what happens to a conversation on each user message: safety
first, then language and audience, then Rasa, and helplines whenever something fails."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from . import language, redaction, safety
from .content import Content, Context
from .rasa_client import RasaClient, RasaUnavailable
from .storage import Conversation, Store

log = logging.getLogger(__name__)

LANGS = ("es", "en")
CRISIS_TOPICS = {"crisis_support", "emergency"}
PAYLOAD = re.compile(r"^/([a-z_]{1,40})$")
# Answers whose intent has another name (everything else: answer name == intent name).
INTENT_OF_ANSWER = {"welcome": "greet", "language": "switch_language"}


class InvalidPayload(ValueError):
    pass


@dataclass
class Turn:
    messages: list[dict]
    state: str
    lang: str


class Assistant:
    def __init__(self, store: Store, content: Content, rasa: RasaClient, intents: set[str],
                 default_lang: str = "es", default_country: str = "ES"):
        self.store = store
        self.content = content
        self.rasa = rasa
        self.intents = intents
        self.default_lang = default_lang
        self.default_country = default_country

    def start(self, channel: str = "web", lang: str | None = None, country: str | None = None) -> str:
        public_id, _ = self.store.new_conversation(
            channel, lang or self.default_lang, (country or self.default_country).upper()
        )
        return public_id

    def payload_intent(self, payload: str) -> str:
        match = PAYLOAD.match(payload)
        intent = match and INTENT_OF_ANSWER.get(match.group(1), match.group(1))
        if not intent or intent not in self.intents:
            raise InvalidPayload(payload)
        return intent

    async def handle(self, conversation: Conversation, text: str | None = None,
                     payload: str | None = None) -> Turn:
        risk = None
        # Personal data never leaves this method: Rasa and our database get the redacted text;
        # crisis, language and parent detection read the original, in memory only.
        stored = redaction.redact(text) if text is not None else payload
        if payload is not None:
            message = f"/{self.payload_intent(payload)}"
        else:
            message = stored
            risk = safety.assess(text)
            requested = language.switch_request(text)
            if requested:
                conversation.lang = requested
                message = "/switch_language"
            else:
                conversation.lang = language.detect(text) or conversation.lang
            if language.is_parent(text):
                conversation.audience = "parent"
        if risk and (conversation.risk != "crisis"):
            conversation.risk = risk
        ctx = self.context(conversation)

        try:
            replies = await self.rasa.send(conversation.id, message, self.metadata(conversation))
        except RasaUnavailable as error:
            log.warning("rasa unavailable (%s): answering with helplines", error)
            replies = [self.content.render("unavailable", ctx).as_dict()]
        if risk and not any(reply["topic"] in CRISIS_TOPICS for reply in replies):
            answer = "crisis_support" if risk == "crisis" else "emergency"
            replies.insert(0, self.content.render(answer, ctx).as_dict())
        if any(reply["topic"] == "parents_guide" for reply in replies):
            conversation.audience = "parent"

        try:
            self.store.record_turn(conversation, stored, replies)
        except SQLAlchemyError:
            log.exception("could not store a turn; the user still gets the answer")
        return Turn(messages=replies, state=conversation.state, lang=conversation.lang)

    @staticmethod
    def metadata(conversation: Conversation) -> dict:
        return {
            "lang": conversation.lang,
            "channel": conversation.channel,
            "audience": conversation.audience,
            "country": conversation.country,
        }

    def context(self, conversation: Conversation) -> Context:
        return Context(**self.metadata(conversation))

    def default_context(self) -> Context:
        return Context(lang=self.default_lang, country=self.default_country)
