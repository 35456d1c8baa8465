"""The crisis development sets through a trained NLU model, without starting any server:
how often the NLU alone calls a hard negative crisis_support or emergency, and what the lexicon
and the NLU together catch (as the chat API does: either one flags the message).

    .venv/bin/python bench/crisis_dev.py [MODEL.tar.gz]   (default: train or reuse the one in models/)

Development sets only (tests/test_safety.py, tests/safety_dev*.yml) and the
lexicon's speed; the held-out sets are measured by bench/run.py.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from chatbot import rasa_process, redaction, safety  # noqa: E402
from chatbot.config import Config  # noqa: E402
from chatbot.conversation import SENTENCE_CONFIDENCE, sentences  # noqa: E402
from tests import test_safety as dev  # noqa: E402

CRISIS_INTENTS = {"crisis_support", "emergency"}


def cases() -> dict[str, dict[str, list[str]]]:
    def sets(lang: str, *sections: str) -> list[str]:  # the development files test_safety loads
        return [t for extra in dev._DEV_SETS.values() for s in sections for t in extra[lang][s]]

    return {
        lang: {
            "positive": getattr(dev, f"{up}_CRISIS") + getattr(dev, f"{up}_EMERGENCY")
            + sets(lang, "crisis", "emergency"),
            "negative": getattr(dev, f"{up}_NEGATIVE") + sets(lang, "not_crisis"),
        }
        for lang, up in (("en", "EN"), ("es", "ES"))
    }


def lexicon_speed() -> None:
    """Milliseconds per message once the lexicon is loaded: known messages (the word caches
    warm, as in a running server) and messages full of unseen words (spelling fixes run)."""
    safety.warm_up()
    known = [t for sets in cases().values() for group in sets.values() for t in group]
    for text in known:
        safety.assess(text)
    fresh = [f"palabra{i}x nuevax{i} otrax{i} cosax{i} me sigue escribiendo" for i in range(300)]
    for name, texts in (("known messages", known), ("unseen words", fresh)):
        started = time.perf_counter()
        for text in texts:
            safety.assess(text)
        print(f"lexicon speed, {name}: {(time.perf_counter() - started) * 1000 / len(texts):.3f} ms "
              f"a message ({len(texts)})")


async def main(model: Path) -> None:
    lexicon_speed()
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.ERROR)
    agent = Agent.load(str(model))

    async def nlu(text: str) -> tuple[str, float]:
        """The NLU's reading as the chat API takes it: the whole message, or one sentence of a
        long message read alone at SENTENCE_CONFIDENCE or more."""
        redacted = redaction.redact(text)
        parsed = (await agent.parse_message(redacted))["intent"]
        if parsed["name"] in CRISIS_INTENTS:
            return parsed["name"], parsed.get("confidence") or 0.0
        for sentence in sentences(redacted):
            read = (await agent.parse_message(sentence))["intent"]
            if read["name"] in CRISIS_INTENTS and (read.get("confidence") or 0.0) >= SENTENCE_CONFIDENCE:
                return read["name"], read["confidence"]
        return parsed["name"], parsed.get("confidence") or 0.0

    for lang, sets in cases().items():
        nlu_alarms, both_alarms, missed_nlu, missed_both = [], [], [], []
        for text in sets["negative"]:
            intent, conf = await nlu(text)
            if intent in CRISIS_INTENTS:
                nlu_alarms.append((text, intent, conf))
            if intent in CRISIS_INTENTS or safety.assess(text):
                both_alarms.append(text)
        for text in sets["positive"]:
            intent, conf = await nlu(text)
            if intent not in CRISIS_INTENTS:
                missed_nlu.append((text, intent, conf))
                if not safety.assess(text):
                    missed_both.append((text, intent, conf))
        pos, neg = len(sets["positive"]), len(sets["negative"])
        print(f"{lang}: NLU alone recall {1 - len(missed_nlu) / pos:.3f}, false alarms "
              f"{len(nlu_alarms) / neg:.3f} ({len(nlu_alarms)}/{neg}); lexicon + NLU recall "
              f"{1 - len(missed_both) / pos:.3f}, false alarms {len(both_alarms) / neg:.3f} "
              f"({len(both_alarms)}/{neg})")
        for text, intent, conf in nlu_alarms:
            print(f"   NLU false alarm: {text!r} -> {intent} {conf:.2f}")
        for text, intent, conf in missed_both:
            print(f"   missed by both: {text!r} -> {intent} {conf:.2f}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else rasa_process.train(Config.from_env())))
