"""Reading language, language switches and parents from what people write."""
import pytest

from chatbot import language


@pytest.mark.parametrize(
    "text, lang",
    [
        ("me estan chantajeando con una foto", "es"),
        ("q hago", "es"),
        ("mi hija esta llorando", "es"),
        ("¿qué es un deepfake?", "es"),
        ("someone is blackmailing me", "en"),
        ("what do i do", "en"),
        ("my son got a message", "en"),
        ("ok", None),
        ("instagram", None),
    ],
)
def test_detect(text, lang):
    assert language.detect(text) == lang


@pytest.mark.parametrize(
    "text, lang",
    [
        ("in English please", "en"),
        ("english?", "en"),
        ("can you speak english", "en"),
        ("habla ingles?", "en"),
        ("en español", "es"),
        ("en espanol porfa", "es"),
        ("hablas español?", "es"),
        ("no hablo ingles", "es"),
        ("Spanish please", "es"),
        ("my daughter's english teacher saw the picture", None),
        ("hola", None),
    ],
)
def test_switch_request(text, lang):
    assert language.switch_request(text) == lang


@pytest.mark.parametrize(
    "text, parent",
    [
        ("mi hija de 14 años", True),
        ("A mi hijo le piden dinero", True),
        ("soy su madre", True),
        ("my 15 year old daughter", True),
        ("our son is being blackmailed", True),
        ("I'm her dad", True),
        ("me piden dinero", False),
        ("my friend is being blackmailed", False),
        ("mi amiga tiene un problema", False),
    ],
)
def test_is_parent(text, parent):
    assert language.is_parent(text) is parent
