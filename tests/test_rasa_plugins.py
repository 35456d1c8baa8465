"""The NLU pipeline's crisis components (chatbot/rasa_plugins.py) on hand-made predictions."""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from chatbot.rasa_plugins import CrisisIdiomGuard, CrisisOverFallback


def predicted(text: str, *ranking: tuple[str, float]) -> Message:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def fell_back(text: str, *ranking: tuple[str, float]) -> Message:
    """A prediction as the FallbackClassifier leaves it when it falls back."""
    return predicted(text, ("nlu_fallback", 0.3), *ranking)


def test_an_ambiguous_crisis_reading_is_not_answered_with_a_fallback():
    message = fell_back("im going to jump off the bridge near school tomorrow",
                        ("crisis_support", 0.52), ("school", 0.47), ("goodbye", 0.01))
    [out] = CrisisOverFallback().process([message])
    assert out.get(INTENT) == {"name": "crisis_support", "confidence": 0.52}
    assert [r["name"] for r in out.get(INTENT_RANKING_KEY)] == ["crisis_support", "school", "goodbye"]


def test_a_reading_split_between_crisis_and_emergency_is_danger_not_doubt():
    message = fell_back("mi hijo se acaba de tomar una caja de pastillas",
                        ("emergency", 0.25), ("crisis_support", 0.2), ("parents_guide", 0.1))
    [out] = CrisisOverFallback().process([message])
    assert out.get(INTENT)["name"] == "emergency"
    assert abs(out.get(INTENT)["confidence"] - 0.45) < 1e-9


def test_a_fallback_stays_when_the_best_reading_is_not_a_crisis():
    second = fell_back("how do i report him", ("report_police", 0.45), ("crisis_support", 0.40))
    weak = fell_back("asdf", ("crisis_support", 0.2), ("greet", 0.15))
    CrisisOverFallback().process([second, weak])
    assert second.get(INTENT)["name"] == weak.get(INTENT)["name"] == "nlu_fallback"


def test_a_confident_prediction_is_left_alone():
    message = predicted("how do i report him", ("report_police", 0.9), ("crisis_support", 0.05))
    [out] = CrisisOverFallback().process([message])
    assert out.get(INTENT) == {"name": "report_police", "confidence": 0.9}


def test_the_idiom_guard_overrules_an_idiom_but_never_a_crisis_phrase():
    guard = CrisisIdiomGuard({})
    idiom = predicted("me muero de vergüenza", ("crisis_support", 0.6), ("not_your_fault", 0.3))
    crisis = predicted("me muero de vergüenza, me quiero morir", ("crisis_support", 0.6),
                       ("not_your_fault", 0.3))
    guard.process([idiom, crisis])
    assert idiom.get(INTENT)["name"] == "not_your_fault"
    assert [r["name"] for r in idiom.get(INTENT_RANKING_KEY)] == ["not_your_fault", "crisis_support"]
    assert crisis.get(INTENT)["name"] == "crisis_support"
