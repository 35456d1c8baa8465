"""The content engine: every text renders everywhere, mistakes are caught, edits go live."""
import shutil
import time

import pytest

from chatbot.config import ROOT
from chatbot.content import Content, ContentError, Context
from chatbot.content.engine import REQUIRED_TOPICS


@pytest.fixture
def content() -> Content:
    return Content(ROOT / "content", reload_seconds=0)


@pytest.fixture
def content_copy(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def test_every_text_renders_for_every_language_channel_audience_and_country(content):
    assert content.check() == []


def test_every_brief_topic_is_answered(content):
    topics = {content.topic_of(name) for name in content.names}
    assert set(REQUIRED_TOPICS) <= topics


@pytest.mark.parametrize("lang", ["es", "en"])
def test_crisis_reply_names_the_countrys_crisis_lines(content, lang):
    spain = content.render("crisis_support", Context(lang=lang, country="ES")).text
    assert "024" in spain and "112" in spain
    uk = content.render("crisis_support", Context(lang=lang, country="GB")).text
    assert "116 123" in uk and "999" in uk
    us = content.render("crisis_support", Context(lang=lang, country="US")).text
    assert "988" in us and "911" in us


def test_unknown_country_gets_european_lines(content):
    text = content.render("helplines", Context(lang="en", country="FR")).text
    assert "112" in text and "116 111" in text


def test_buttons_offer_next_steps_in_the_readers_language(content):
    reply = content.render("dont_pay", Context(lang="es"))
    assert reply.topic == "dont_pay"
    assert reply.buttons, "dont_pay must offer next steps"
    payloads = [b["payload"] for b in reply.buttons]
    assert all(p.startswith("/") and p[1:] in content.names for p in payloads)
    english = content.render("dont_pay", Context(lang="en"))
    assert [b["title"] for b in english.buttons] != [b["title"] for b in reply.buttons]


def test_parents_get_their_own_wording(content):
    teen = content.render("dont_pay", Context(lang="en", audience="teen")).text
    parent = content.render("dont_pay", Context(lang="en", audience="parent")).text
    assert teen != parent


def test_sms_variant_is_used_for_sms(content):
    web = content.render("dont_pay", Context(lang="es", channel="web", audience="parent")).text
    sms = content.render("dont_pay", Context(lang="es", channel="sms", audience="parent")).text
    assert sms != web and len(sms) < len(web)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(
    "name, must_mention",
    [
        ("report_police", ["091", "062", "112"]),
        ("remove_content", ["aepd.es", "takeitdown.ncmec.org", "stopncii.org"]),
        ("crisis_support", ["024", "112", "900 20 20 10"]),
        ("emergency", ["112"]),
    ],
)
def test_spanish_readers_get_the_spanish_services(content, lang, name, must_mention):
    text = content.render(name, Context(lang=lang, country="ES")).text
    for needle in must_mention:
        assert needle in text, f"{name} ({lang}) should mention {needle}"


def test_edits_go_live_without_restart(content_copy):
    content = Content(content_copy, reload_seconds=0)
    assert "EDITED" not in content.render("goodbye", Context(lang="en")).text
    path = content_copy / "topics" / "goodbye.yml"
    path.write_text(path.read_text().replace("  en: |\n", "  en: |\n    EDITED\n", 1))
    time.sleep(0.01)
    assert "EDITED" in content.render("goodbye", Context(lang="en")).text


def test_a_broken_edit_keeps_the_last_good_text_live(content_copy):
    content = Content(content_copy, reload_seconds=0)
    before = content.render("goodbye", Context(lang="en")).text
    (content_copy / "topics" / "goodbye.yml").write_text("text: [unclosed")
    assert content.render("goodbye", Context(lang="en")).text == before
    assert content.check(), "the check must report the broken file"


def test_a_mistyped_variable_is_an_error_not_a_blank(content_copy):
    path = content_copy / "topics" / "goodbye.yml"
    path.write_text(path.read_text().replace("  en: |\n", "  en: |\n    Call {{ helpline_numbr }}\n", 1))
    problems = Content(content_copy).check()
    assert any("goodbye" in p and "helpline_numbr" in p for p in problems)


def test_an_unknown_helpline_tag_is_reported(content_copy):
    path = content_copy / "topics" / "goodbye.yml"
    path.write_text(path.read_text().replace("  en: |\n", '  en: |\n    {{ line("pizza") }}\n', 1))
    problems = Content(content_copy).check()
    assert any("pizza" in p for p in problems)


def test_templates_are_sandboxed(content_copy):
    path = content_copy / "topics" / "goodbye.yml"
    path.write_text(path.read_text().replace(
        "  en: |\n", "  en: |\n    {{ line.__globals__ }}\n", 1))
    assert any("goodbye" in p for p in Content(content_copy).check())


def test_missing_required_fields_fail_at_load(content_copy):
    (content_copy / "topics" / "goodbye.yml").write_text("topic: goodbye\n")
    with pytest.raises(ContentError):
        Content(content_copy)
