"""The website in a real browser: Debian's chromium, headless, driven by playwright. One browser
and one app server (in front of the session's Rasa) for all the browser tests; each test gets its
own browser context, which records every request the page makes.

The browser and server fixtures are module-scoped, not session-scoped: this module holds every
browser test, so it is the same single browser, and playwright's synchronous API keeps an event
loop running in the main thread while it is open, which the asyncio tests of the other modules
cannot share. Closing it at the end of this module lets them run after it."""
from __future__ import annotations

import os
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer, axe_violations
from chatbot.api import ASSISTANT
from chatbot.console import ACCOUNTS
from chatbot.content import Context
from chatbot.storage import Message
from conftest import free_port

PAGES = ["home", "what_to_do", "deepfake", "parents", "friends", "helplines", "privacy"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def site(rasa_config):
    server = LiveServer(replace(rasa_config, port=free_port(), events_poll_seconds=0.2)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `./run test` installs Debian's chromium (as root), "
                    "or run `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """A browser context on our site that records every request and console message."""

    def __init__(self, browser, site, **options):
        options.setdefault("viewport", PHONE)
        self.site = site
        self.context = browser.new_context(base_url=site.url, **options)
        self.context.set_default_timeout(10_000)
        self.requests: list[str] = []
        self.console: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))

    def page(self, path: str | None = None):
        page = self.context.new_page()
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        if path is not None:
            page.goto(path)
        return page

    def foreign_requests(self) -> list[str]:
        ours = urlsplit(self.site.url).netloc
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("about", "blob") and urlsplit(url).netloc != ours]


@pytest.fixture
def session(browser, site):
    session = Session(browser, site)
    yield session
    session.context.close()
    # Whatever a test did, the page never asked anything of anyone but us.
    assert session.foreign_requests() == []


def store(site):
    return site.app[ASSISTANT].store


def content(site):
    return site.app[ASSISTANT].content


def path_of(site, name: str, lang: str) -> str:
    return ("/en/" if lang == "en" else "/") + content(site).slugs(name)[lang]


def bot_count(page) -> int:
    return page.locator(".transcript .msg-bot").count()


def wait_for_reply(page, before: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.transcript .msg-bot').length > n"
        " && document.querySelector('.typing').hidden", arg=before)


def send(page, text: str) -> None:
    before = bot_count(page)
    page.fill("#message", text)
    page.click(".send")
    wait_for_reply(page, before)


def click_choice(page, index: int = 0) -> str:
    before = bot_count(page)
    button = page.locator(".choices button").nth(index)
    title = button.inner_text()
    button.click()
    wait_for_reply(page, before)
    return title


def conversation_id(page) -> str | None:
    return page.evaluate("() => sessionStorage.getItem('chat-id')")


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def first_line(site, name: str, lang: str, audience: str = "teen") -> str:
    return content(site).render(name, Context(lang=lang, audience=audience)).text.splitlines()[0]


def screenshot(page, name: str) -> None:
    """The chat at a phone's and a laptop's size, scrolled to the last thing the user said."""
    ARTIFACTS.mkdir(exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.locator(".transcript .msg-you").last.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=False)
    page.set_viewport_size(PHONE)


# -- a conversation ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang, path, text", [
    ("es", "/", "me están pidiendo dinero por una foto falsa mía desnuda"),
    ("en", "/en/", "someone is threatening to post a fake nude of me unless i pay"),
])
def test_a_full_conversation_with_a_button(session, site, lang, path, text):
    page = session.page(path)
    expect(page.locator(".transcript .msg-bot")).to_have_count(1)  # the greeting
    assert conversation_id(page) is None  # nothing starts before the first message
    send(page, text)
    public_id = conversation_id(page)
    assert public_id and store(site).find(public_id) is not None
    expect(page.locator(".transcript .msg-you").last).to_have_text(f"{'Tú' if lang == 'es' else 'You'}:{text}")
    expect(page.locator(".transcript .msg-bot").nth(1)).to_contain_text(first_line(site, "dont_pay", lang))
    expect(page.locator(".delete")).to_be_visible()

    title = click_choice(page, 0)
    assert title == content(site).render("dont_pay", Context(lang=lang)).buttons[0]["title"]
    expect(page.locator(".transcript .msg-you").last).to_contain_text(title)
    expect(page.locator(".transcript .msg-bot").last).to_contain_text(first_line(site, "preserve_evidence", lang))
    senders = [m.sender for m in store(site).transcript(store(site).find(public_id).id)]
    assert senders[0] == "user" and senders.count("user") == 2 and "bot" in senders
    screenshot(page, f"chat-{lang}")
    assert not [line for line in session.console if "error" in line.lower()], session.console


def test_a_reload_keeps_the_conversation_and_a_new_tab_forgets_it(session, site):
    page = session.page("/en/")
    send(page, "what is a deepfake")
    public_id = conversation_id(page)
    messages = page.locator(".transcript .msg").count()
    page.reload()
    expect(page.locator(".transcript .msg")).to_have_count(messages)
    expect(page.locator(".choices button").first).to_be_visible()
    assert conversation_id(page) == public_id
    other = session.page("/en/")
    assert conversation_id(other) is None
    expect(other.locator(".transcript .msg")).to_have_count(1)
    assert page.context.cookies() == []


def test_counsellor_messages_appear_live(session, site):
    page = session.page("/en/")
    send(page, "i want to talk to a person")
    conversation = store(site).find(conversation_id(page))
    text = "Hi, I'm Ana from the support team. I'm here now. <b>not bold</b>"
    with store(site).session() as db:
        db.add(Message(conversation_id=conversation.id, sender="counsellor", text=text))
    counsellor = page.locator(".transcript .msg-counsellor")
    expect(counsellor).to_have_count(1, timeout=5000)
    expect(counsellor.locator(".bubble")).to_have_text(text)
    expect(counsellor.locator(".msg-sender")).to_be_visible()
    assert page.locator(".transcript b").count() == 0


# -- quick exit ----------------------------------------------------------------------------------

def tracker_events(site, conversation_id: str) -> int:
    from sqlalchemy import text as sql

    with store(site).tracker_engine.connect() as connection:
        return connection.execute(sql("SELECT count(*) FROM events WHERE sender_id = :id"),
                                  {"id": conversation_id}).scalar()


def assert_left_for_good(page, site, public_id: str, internal_id: str) -> None:
    page.wait_for_url("**/weather")
    assert page.evaluate("() => sessionStorage.length") == 0
    assert wait_until(lambda: store(site).find(public_id) is None), "the server still has it"
    assert tracker_events(site, internal_id) == 0
    page.go_back()
    page.wait_for_timeout(300)
    assert "/weather" in page.url or not page.url.startswith(site.url), page.url
    assert page.locator(".transcript").count() == 0


def start_then_open_chat_from_another_page(session, site):
    """Arrive on a campaign page, go to the chat through the menu, talk."""
    page = session.page(path_of(site, "what_to_do", "es"))
    page.click(".menu a[href='/']")
    page.wait_for_url(site.url + "/")
    send(page, "hola")
    public_id = conversation_id(page)
    return page, public_id, store(site).find(public_id).id


def test_quick_exit_button_leaves_forgets_and_erases(session, site):
    page, public_id, internal_id = start_then_open_chat_from_another_page(session, site)
    assert tracker_events(site, internal_id) > 0
    page.click(".quick-exit")
    assert_left_for_good(page, site, public_id, internal_id)


def test_quick_exit_with_shift_three_times(session, site):
    page, public_id, internal_id = start_then_open_chat_from_another_page(session, site)
    # Capitals typed with Shift do not count...
    page.focus("#message")
    for letter in "HAB":
        page.keyboard.down("Shift")
        page.keyboard.press(f"Key{letter}")
        page.keyboard.up("Shift")
    page.wait_for_timeout(200)
    assert page.url == site.url + "/"
    page.fill("#message", "")
    # ...Shift on its own, three times, does (and a screen reader hears how many are left).
    page.keyboard.press("Shift")
    expect(page.locator(".exit-status")).to_have_text(content(site).ui("es")["quick_exit_two_more"])
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert_left_for_good(page, site, public_id, internal_id)


def test_delete_this_conversation(session, site):
    page = session.page("/")
    send(page, "me piden dinero o suben la foto")
    public_id = conversation_id(page)
    internal_id = store(site).find(public_id).id
    page.click(".delete")
    expect(page.locator(".transcript .msg")).to_have_count(1)  # only the greeting
    expect(page.locator(".notice")).to_have_text(content(site).ui("es")["deleted"])
    expect(page.locator(".delete")).to_be_hidden()
    assert conversation_id(page) is None
    assert wait_until(lambda: store(site).find(public_id) is None)
    assert tracker_events(site, internal_id) == 0
    send(page, "hola")  # and a new one can start
    assert conversation_id(page) not in (None, public_id)


# -- no third party, no CSP violation ----------------------------------------------------------

def test_no_request_leaves_our_origin_and_nothing_breaks_the_policy(session, site):
    page = session.page()
    for lang in ("es", "en"):
        for name in PAGES:
            page.goto(path_of(site, name, lang))
    page.goto("/en/")
    send(page, "they want money for a fake nude of me")
    click_choice(page, 0)
    page.reload()
    expect(page.locator(".transcript .msg-you")).to_have_count(2)
    page.click(".quick-exit")
    page.wait_for_url("**/weather")
    assert len(session.requests) > 20
    assert session.foreign_requests() == []
    violations = [line for line in session.console
                  if "Content Security Policy" in line or "Refused to" in line or "pageerror" in line]
    assert violations == []


# -- accessibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_axe_finds_no_serious_problem_on_any_page_or_the_chat(browser, site, lang):
    session = Session(browser, site, bypass_csp=True)  # to inject axe; the policy is tested above
    try:
        found = {}
        page = session.page()
        for name in PAGES:
            page.goto(path_of(site, name, lang))
            found[name] = axe_violations(page)
        page.goto(path_of(site, "home", lang))
        send(page, "me piden dinero por una foto" if lang == "es" else "they want money for a photo")
        with store(site).session() as db:
            db.add(Message(conversation_id=store(site).find(conversation_id(page)).id,
                           sender="counsellor", text="Hola / Hi"))
        expect(page.locator(".msg-counsellor")).to_have_count(1)
        found["chat with messages"] = axe_violations(page)
        page.set_viewport_size(DESKTOP)
        found["chat with messages, desktop"] = axe_violations(page)
        assert {name: problems for name, problems in found.items() if problems} == {}
        assert session.foreign_requests() == []
    finally:
        session.context.close()


def focus_is_visible(page) -> bool:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
            || (style.boxShadow && style.boxShadow !== 'none');
    }""")


def test_everything_works_with_the_keyboard_alone(session, site):
    page = session.page("/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert focus_is_visible(page)
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        element = page.evaluate("() => document.activeElement.id || document.activeElement.className"
                                " || document.activeElement.tagName")
        seen.append(element)
        assert focus_is_visible(page), f"no visible focus on {element}"
        if element == "message":
            break
    assert "quick-exit" in seen and seen[-1] == "message", seen
    page.keyboard.type("they want money for a fake nude of me")
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    # Back to the choices (just before the message box), and pick one with the keyboard.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.name") == "payload"
    assert focus_is_visible(page)
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert page.evaluate("() => document.activeElement.id") == "message"
    assert page.url.endswith("/en/")  # no Shift press ever counted towards the quick exit


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pages_reflow_at_320px_and_with_text_at_200_percent(browser, site, lang):
    session = Session(browser, site, viewport={"width": 320, "height": 640})
    try:
        page = session.page()
        for name in PAGES:
            page.goto(path_of(site, name, lang))
            for zoom in ("100%", "200%"):
                page.evaluate("zoom => { document.documentElement.style.fontSize = zoom }", zoom)
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} at {zoom}: {overflow}px of sideways scrolling"
                expect(page.locator(".quick-exit")).to_be_in_viewport()
    finally:
        session.context.close()


def test_campaign_pages_print_without_the_controls(session, site):
    page = session.page(path_of(site, "what_to_do", "es"))
    page.emulate_media(media="print")
    expect(page.locator(".exit-bar")).to_be_hidden()
    expect(page.locator(".menu")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".step")).to_have_count(len(content(site).page("what_to_do", Context()).sections))


# -- without JavaScript ------------------------------------------------------------------------

def test_the_chat_works_without_javascript(browser, site):
    session = Session(browser, site, java_script_enabled=False)
    try:
        page = session.page("/en/")
        page.fill("#message", "someone is threatening to post a fake nude of me unless i pay")
        page.click(".send")
        page.wait_for_url("**/en/chat")
        expect(page.locator(".transcript .msg-bot").nth(1)).to_contain_text(first_line(site, "dont_pay", "en"))
        public_id = page.input_value("input[name=id]")
        assert store(site).find(public_id) is not None
        title = page.locator(".choices button").first.inner_text()
        page.locator(".choices button").first.click()
        page.wait_for_load_state()
        expect(page.locator(".transcript .msg-you").last).to_contain_text(title)
        expect(page.locator(".transcript .msg-bot").last).to_contain_text(first_line(site, "preserve_evidence", "en"))
        page.click(".delete")
        page.wait_for_load_state()
        expect(page.locator(".notice")).to_have_text(content(site).ui("en")["deleted"])
        assert store(site).find(public_id) is None
        # The quick exit without JavaScript erases too (a button of the chat form).
        page.fill("#message", "hello")
        page.click(".send")
        page.wait_for_load_state()
        public_id = page.input_value("input[name=id]")
        page.click(".quick-exit")
        page.wait_for_url("**/weather")
        assert store(site).find(public_id) is None
        assert session.foreign_requests() == []
    finally:
        session.context.close()


# -- hostile text ------------------------------------------------------------------------------

HOSTILE = "\n".join([
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2"> <b>bold</b> &amp; &lt;i&gt;',
    '<a href="javascript:window.__pwned=3">click</a> javascript:alert(1)',
    "a" * 400,
    "\u202eevil \u200fmark \u0645\u0631\u062d\u0628\u0627 \u202c end",
    "emoji \U0001F600\U0001F525 \U0001F469\U0001F3FD\u200d\U0001F4BB",
    "https://example.org/x?q=<b>y</b>",
])


def test_hostile_text_shows_as_text(session, site):
    page = session.page("/en/")
    send(page, HOSTILE)
    conversation = store(site).find(conversation_id(page))
    with store(site).session() as db:
        db.add(Message(conversation_id=conversation.id, sender="counsellor", text=HOSTILE))
    expect(page.locator(".msg-counsellor")).to_have_count(1)
    for bubble in (page.locator(".msg-you .bubble").first, page.locator(".msg-counsellor .bubble")):
        shown = bubble.inner_text()
        assert "<script>window.__pwned = 1</script>" in shown
        assert '<img src=x onerror="window.__pwned = 2"> <b>bold</b> &amp; &lt;i&gt;' in shown
        assert "\U0001F469\U0001F3FD\u200d\U0001F4BB" in shown and "a" * 400 in shown.replace("\n", "")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(".transcript script, .transcript img, .transcript b, .transcript i").count() == 0
    hrefs = page.eval_on_selector_all(".transcript a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://example.org/x?q="] * 2, hrefs  # the only real link, twice; no javascript:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling"
    page.reload()  # and redrawn from the server after a reload: still text
    expect(page.locator(".msg-counsellor")).to_have_count(1)
    assert page.locator(".transcript script, .transcript img, .transcript b").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    screenshot(page, "chat-hostile")


# -- a counsellor takes over (the console) ---------------------------------------------------------


@pytest.fixture
def console_site(rasa_config, tmp_path):
    """Its own database, so the teen below is the only one waiting."""
    server = LiveServer(replace(rasa_config, port=free_port(), events_poll_seconds=0.2,
                                database_url=f"sqlite:///{tmp_path / 'console.db'}")).start()
    server.app[ACCOUNTS].create("marta", "a long enough secret", "counsellor")
    yield server
    server.stop()


def test_a_teen_asks_for_a_person_and_a_counsellor_answers_live_then_the_bot_resumes(browser, console_site):
    # bypass_csp: only so that axe-core can be injected into the console page at the end.
    teen = Session(browser, console_site)
    counsellor = Session(browser, console_site, viewport=DESKTOP, bypass_csp=True)
    try:
        desk = counsellor.page("/console")
        desk.fill("#username", "marta")
        desk.fill("#password", "a long enough secret")
        desk.click("button[type=submit]")
        expect(desk.locator("#waiting .none")).to_have_count(1)

        chat = teen.page("/en/")
        send(chat, "can i talk to a real person please")
        expect(chat.locator(".transcript .msg-bot").last).to_contain_text("You're on the list")

        top = desk.locator("#waiting li").first
        expect(top).to_contain_text("can i talk to a real person please")
        expect(desk).to_have_title("(1) Counsellor console")
        top.locator("button").click()
        expect(desk.locator(".actions button", has_text="Claim")).to_be_visible()
        desk.keyboard.press("c")  # claim, from the keyboard
        expect(desk.locator("#reply-text")).to_be_visible()
        desk.keyboard.press("r")
        desk.keyboard.type("Hi, I'm Marta from the support team. I'm here with you.")
        desk.keyboard.press("Control+Enter")

        expect(chat.locator(".transcript .msg-counsellor .bubble")).to_have_text(
            "Hi, I'm Marta from the support team. I'm here with you.")
        chat.fill("#message", "thank you, I was scared")
        chat.click(".send")
        expect(desk.locator(".transcript .msg-user").last).to_contain_text("thank you, I was scared")
        ARTIFACTS.mkdir(exist_ok=True)
        desk.screenshot(path=str(ARTIFACTS / "console-1280x800.png"))
        chat.wait_for_function("() => document.querySelector('.typing').hidden")
        assert chat.locator(".transcript .msg-bot").last.inner_text().find("Marta") == -1

        desk.select_option("#outcome", "advice")
        desk.click("form.inline button[type=submit]:has-text('Close')")
        expect(chat.locator(".transcript .msg-bot").last).to_contain_text("has ended the conversation")
        send(chat, "how do i report it to the police")
        expect(chat.locator(".transcript .msg-bot").last).to_contain_text("police")
        expect(chat.locator(".transcript .msg-bot").last).not_to_contain_text("has ended the conversation")
        expect(desk.locator("#detail")).to_contain_text("Closed")
        assert axe_violations(desk) == []
    finally:
        teen.context.close()
        counsellor.context.close()
    assert teen.foreign_requests() == [] and counsellor.foreign_requests() == []
