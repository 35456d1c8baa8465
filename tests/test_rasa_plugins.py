"""The NLU pipeline's crisis components (chatbot/rasa_plugins.py) on hand-made predictions."""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from chatbot.rasa_plugins import CrisisIdiomGuard, CrisisTieResolver


def predicted(text: str, *ranking: tuple[str, float]) -> Message:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def test_crisis_and_emergency_as_the_two_best_readings_is_danger_not_ambiguity():
    message = predicted("mi hijo se acaba de tomar una caja de pastillas",
                        ("emergency", 0.41), ("crisis_support", 0.38), ("parents_guide", 0.1))
    [out] = CrisisTieResolver().process([message])
    assert out.get(INTENT)["name"] == "emergency"
    assert abs(out.get(INTENT)["confidence"] - 0.79) < 1e-9
    assert out.get(INTENT_RANKING_KEY)[0] == {"name": "emergency", "confidence": out.get(INTENT)["confidence"]}


def test_a_crisis_reading_next_to_another_intent_is_left_alone():
    message = predicted("how do i report him", ("report_police", 0.45), ("crisis_support", 0.40),
                        ("emergency", 0.1))
    [out] = CrisisTieResolver().process([message])
    assert out.get(INTENT) == {"name": "report_police", "confidence": 0.45}


def test_the_idiom_guard_overrules_an_idiom_but_never_a_crisis_phrase():
    guard = CrisisIdiomGuard({})
    idiom = predicted("me muero de vergüenza", ("crisis_support", 0.6), ("not_your_fault", 0.3))
    crisis = predicted("me muero de vergüenza, me quiero morir", ("crisis_support", 0.6),
                       ("not_your_fault", 0.3))
    guard.process([idiom, crisis])
    assert idiom.get(INTENT)["name"] == "not_your_fault"
    assert [r["name"] for r in idiom.get(INTENT_RANKING_KEY)] == ["not_your_fault", "crisis_support"]
    assert crisis.get(INTENT)["name"] == "crisis_support"
