"""Code that runs inside the Rasa server: our NLG (answers come from `content/`) and the private
input channel our web service talks to. Rasa loads both by module path from
`endpoints.yml` and `credentials.yml`."""
from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, List

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.nlg.generator import NaturalLanguageGenerator
from sanic import Blueprint, response
from sanic.request import Request

from .config import Config
from .content import Content, ContentError, Context

log = logging.getLogger(__name__)


def context_from_metadata(metadata: dict | None) -> Context:
    metadata = metadata or {}
    defaults = Context()
    return Context(
        lang=metadata.get("lang") or defaults.lang,
        channel=metadata.get("channel") or defaults.channel,
        audience=metadata.get("audience") or defaults.audience,
        country=metadata.get("country") or defaults.country,
    )


class ContentNLG(NaturalLanguageGenerator):
    """Renders `utter_<name>` from `content/topics/<name>.yml` for the reader in the latest
    user message's metadata (language, channel, audience, country)."""

    def __init__(self, endpoint_config=None, domain=None, content: Content | None = None):
        config = Config.from_env()
        self.content = content or Content(
            config.content_dir, config.retention_days, config.content_reload_seconds
        )

    async def generate(self, utter_action: str, tracker, output_channel: str, **kwargs: Any):
        name = utter_action.removeprefix("utter_")
        ctx = context_from_metadata(tracker.latest_message.metadata if tracker.latest_message else None)
        try:
            return self.content.render(name, ctx).as_dict()
        except (ContentError, KeyError) as error:
            log.error("cannot render %s: %s", name, error)
            return self.content.render("unavailable", Context(lang=ctx.lang)).as_dict()


class CollectingChannel(OutputChannel):
    """Keeps each bot message whole, topic included."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    @classmethod
    def name(cls) -> str:
        return PrivateInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(
            {
                "text": message.get("text") or "",
                "topic": message.get("topic") or "fallback",
                "buttons": message.get("buttons") or [],
            }
        )


class PrivateInput(InputChannel):
    """`POST /webhooks/private/webhook` with a bearer token only our web service knows."""

    @classmethod
    def name(cls) -> str:
        return "private"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "PrivateInput":
        return cls()

    def __init__(self) -> None:
        self.token = Config.from_env().rasa_token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("private_webhook", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(supplied.encode(), self.token.encode()):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json or {}
            collector = CollectingChannel()
            await on_new_message(
                UserMessage(
                    str(body.get("message", "")),
                    collector,
                    str(body["sender"]),
                    input_channel=self.name(),
                    metadata=body.get("metadata") or {},
                )
            )
            return response.json(collector.messages)

        return hook


# Registered last so that the NLG and channel above import without Rasa's NLU recipes.
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402

from .language import fold  # noqa: E402

# Spelling people use on phones, so "q hago" and "que hago" look the same to the model.
_SHORTHAND = {
    "q": "que", "k": "que", "ke": "que", "xq": "porque", "pq": "porque", "porq": "porque",
    "tb": "tambien", "tmb": "tambien", "x": "por", "d": "de", "tqm": "te quiero mucho",
    "pls": "please", "plz": "please", "u": "you", "ur": "your", "r": "are", "im": "i'm",
    "dont": "don't", "cant": "can't", "wont": "won't", "idk": "i don't know", "bc": "because",
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """Whitespace tokens whose lemma is lower case, accent-free and de-abbreviated: people
    write without accents and in shorthand, and the featurizers read the lemma."""

    def tokenize(self, message, attribute):
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = fold(token.text)
            token.lemma = _SHORTHAND.get(folded, folded)
        return tokens


from rasa.engine.graph import ExecutionContext, GraphComponent  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.engine.storage.storage import ModelStorage  # noqa: E402
from rasa.nlu.classifiers.classifier import IntentClassifier  # noqa: E402
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME  # noqa: E402
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

CRISIS_INTENTS = ("crisis_support", "emergency")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisIdiomGuard(GraphComponent, IntentClassifier):
    """Overrules a crisis_support or emergency prediction when our crisis lexicon reads the
    message as a known idiom or harmless use and nothing else ("me muero de vergüenza",
    "this exam is killing me", "suicide squad", "he follows me on insta"): the prediction
    falls to the next intent of the ranking (the FallbackClassifier after it may still
    answer nlu_fallback). See chatbot.safety.only_idioms: a message with any crisis or
    emergency phrase, or any alarming word outside its idioms, keeps the model's reading.

    It can only take an alarm away from the NLU, never from the lexicon: our service adds the
    crisis reply whenever the lexicon fires, whatever Rasa answers. Goes after the intent
    classifier and before the FallbackClassifier in config.yml."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": list(CRISIS_INTENTS)}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisIdiomGuard":
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.intents = frozenset(config.get("intents") or CRISIS_INTENTS)
        import threading

        from . import safety

        self._safety = safety
        # the lexicon takes a few seconds to load: do it now, not on the first message
        threading.Thread(target=safety.warm_up, name="crisis-lexicon", daemon=True).start()

    def process(self, messages: List[Message]) -> List[Message]:  # typing.List: Rasa reads the annotation
        for message in messages:
            try:
                self._guard(message)
            except Exception:  # noqa: BLE001 - keep the model's reading if anything goes wrong
                log.exception("crisis idiom guard failed; keeping the NLU prediction")
        return messages

    def _guard(self, message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get("name") not in self.intents:
            return
        text = message.get(TEXT)
        if not text or not self._safety.only_idioms(text):
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [dict(r) for r in ranking if r.get("name") not in self.intents]
        if not others:
            return
        demoted = [dict(r, confidence=0.0) for r in ranking if r.get("name") in self.intents]
        log.debug("crisis idiom guard: %s (%.2f) -> %s", intent.get("name"),
                  intent.get("confidence") or 0.0, others[0].get("name"))
        message.set(INTENT, {"name": others[0]["name"], "confidence": others[0].get("confidence")},
                    add_to_output=True)
        message.set(INTENT_RANKING_KEY, others + demoted, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverFallback(GraphComponent, IntentClassifier):
    """A fallback never hides a crisis reading. Goes after the FallbackClassifier: when that
    answered nlu_fallback although the model's best reading was crisis_support or emergency,
    either close to another intent ("im going to jump off the bridge near school tomorrow":
    crisis 0.52, school 0.47) or split between the two crisis intents ("my son has just
    swallowed a whole box of pills"), the crisis reading stands, with the two crisis intents'
    confidence summed. A crisis line on an ambiguous message costs little; "I didn't understand"
    to a child in danger is the worst failure this service can have. A crisis reading that is
    only second stays a fallback: on the development sets that rule added as many false alarms
    as it caught crises."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisOverFallback":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:  # typing.List: Rasa reads the annotation
        for message in messages:
            fallback = message.get(INTENT) or {}
            if fallback.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
            if not ranking or ranking[0].get("name") not in CRISIS_INTENTS:
                continue
            crisis = [r for r in ranking[:2] if r.get("name") in CRISIS_INTENTS]
            confidence = sum(r.get("confidence") or 0.0 for r in crisis)
            # the FallbackClassifier gives its fallback its own threshold as confidence: below it,
            # the model had no reading worth acting on, not two close ones
            if confidence < (fallback.get("confidence") or 0.0):
                continue
            chosen = dict(crisis[0], confidence=confidence)
            message.set(INTENT, {"name": chosen["name"], "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *[r for r in ranking if r is not crisis[0]]],
                        add_to_output=True)
        return messages
