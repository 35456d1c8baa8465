"""The website's words in content/: pages and UI strings render in both languages, staff mistakes
are caught by the check (`./run check`), and pages reuse the chat's answers."""
from __future__ import annotations

import shutil

import pytest

from chatbot.config import ROOT
from chatbot.content import Content, ContentError, Context
from chatbot.content.engine import REQUIRED_PAGES
from chatbot.site.text import blocks


@pytest.fixture
def content_copy(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


@pytest.fixture(scope="module")
def content() -> Content:
    return Content(ROOT / "content", reload_seconds=0)


def test_every_required_page_exists_and_the_check_passes(content):
    assert set(REQUIRED_PAGES) <= set(content.page_names)
    assert content.check() == []


@pytest.mark.parametrize("lang", ["es", "en"])
def test_ui_strings_exist_in_both_languages(content, lang):
    es, en = content.ui("es"), content.ui("en")
    assert es.keys() == en.keys()
    assert all(value.strip() for value in content.ui(lang).values())


def test_pages_reuse_the_chats_answers(content):
    page = content.page("deepfake", Context(lang="en"))
    assert page.sections[0].text == content.render("deepfake_explained", Context(lang="en")).text
    parents = content.page("parents", Context(lang="es"))
    assert parents.sections[0].text == content.render(
        "parents_guide", Context(lang="es", audience="parent")).text


def test_the_steps_page_is_numbered_and_names_the_countrys_lines(content):
    page = content.page("what_to_do", Context(lang="es", country="ES"))
    assert page.steps and len(page.sections) >= 6
    text = "\n".join(section.text for section in page.sections)
    for number in ("091", "024", "900 20 20 10"):
        assert number in text


def test_helplines_page_has_every_country(content):
    page = content.page("helplines", Context(lang="en"))
    countries = [c["country"] for section in page.sections for c in section.helplines]
    assert {"ES", "GB", "US", "EU"} <= set(countries) and countries[-1] == "EU"


def test_the_privacy_page_says_the_retention_period():
    content = Content(ROOT / "content", retention_days=17, reload_seconds=0)
    text = "\n".join(s.text for s in content.page("privacy", Context(lang="en")).sections)
    assert "17 days" in text


def test_a_page_naming_a_missing_topic_fails_to_load(content_copy):
    path = content_copy / "pages" / "friends.yml"
    path.write_text(path.read_text().replace("topic: help_a_friend", "topic: help_a_frend"))
    with pytest.raises(ContentError, match="help_a_frend"):
        Content(content_copy)


def test_the_check_reports_page_mistakes(content_copy):
    path = content_copy / "pages" / "privacy.yml"
    path.write_text(path.read_text().replace("{{ retention_days }} días", "{{ retention_dias }} días"))
    slug = content_copy / "pages" / "friends.yml"
    slug.write_text(slug.read_text().replace("en: help-a-friend", "en: Help a Friend"))
    site = content_copy / "site.yml"
    site.write_text(site.read_text().replace("nav: [what_to_do,", "nav: [what_to_doo, what_to_do,"))
    (content_copy / "pages" / "helplines.yml").unlink()
    problems = Content(content_copy).check()
    assert any("privacy.yml" in p and "retention_dias" in p for p in problems), problems
    assert any("friends.yml" in p and "slug.en" in p for p in problems), problems
    assert any("what_to_doo" in p for p in problems), problems
    assert any("pages/helplines.yml is missing" in p for p in problems), problems


def test_a_ui_string_in_one_language_only_fails_to_load(content_copy):
    site = content_copy / "site.yml"
    site.write_text(site.read_text().replace("    en: Quick exit\n", ""))
    with pytest.raises(ContentError, match="quick_exit"):
        Content(content_copy)


def test_a_broken_page_edit_keeps_the_last_good_page_live(content_copy):
    content = Content(content_copy, reload_seconds=0)
    before = content.page("friends", Context(lang="en")).title
    (content_copy / "pages" / "friends.yml").write_text("title: [unclosed")
    assert content.page("friends", Context(lang="en")).title == before


def test_text_becomes_paragraphs_lists_and_only_http_links():
    result = blocks("Hola.\nSegunda línea https://example.org/a).\n\n- uno\n- dos javascript:alert(1)\nFin")
    assert [b.kind for b in result] == ["p", "ul", "p"]
    first = result[0].lines[1]
    assert [s.href for s in first] == ["", "https://example.org/a", ""]
    assert first[2].text == ")."
    assert all(not s.href for line in result[1].lines for s in line)
