"""No message text, no personal data and no IP address in the logs, and no personal data in clear
in the database files (issue 6, "Redaction before storage": "a test runs a conversation on each
channel and scans every log line and the database files").

One scenario, run once for this module: a Rasa server of its own (as `./run` starts it, its output
kept in a file), our app in front of it with the access log as `serve` writes it
(PrivateAccessLogger), every logger at DEBUG, and a whole conversation on each channel:
- the chat API (what the website's script uses), events stream and transcript included;
- the website: pages, the chat without JavaScript, the quick exit;
- SMS: signed Twilio webhooks, with a name, an e-mail, phone numbers, a crisis, a picture and a
  delivery-status callback.
Every request claims a client address in X-Forwarded-For as a proxy would add it. Then Rasa is
stopped, and the tests scan what was logged and the raw SQLite files (our database and Rasa's
tracker store, write-ahead logs included).
"""
from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chatbot import rasa_process
from chatbot.api import ASSISTANT
from chatbot.app import PrivateAccessLogger, create_app
from chatbot.sms.twilio_client import RecordingHttpClient
from conftest import free_port, make_config, running_rasa
from sms_support import SERVICE_NUMBER, Phone, sms_config

# -- what is planted ------------------------------------------------------------------------------

SENDER = "+34611223344"  # the parent's own phone (SMS)
PHONE_FORMS = {  # the number written in the messages, and the forms it may appear in anywhere
    "655443322": ["655443322", "655 443 322", "655 44 33 22", "655-443-322", "655.443.322",
                  "+34655443322", "+34 655 443 322", "0034655443322", "34655443322"],
    "611223344": ["611223344", "611 223 344", "611 22 33 44", "611-223-344", "611.223.344",
                  "+34611223344", "+34 611 223 344", "0034611223344", "34611223344"],
    "2025550143": ["2025550143", "202 555 0143", "(202) 555-0143", "202-555-0143", "+12025550143",
                   "+1 202 555 0143", "1 202 555 0143", "12025550143"],
}
EMAILS = ["lucia.fernandez09@gmail.com", "olivia.bennett@outlook.com"]
NAMES = ["Lucía", "Fernández", "Olivia", "Bennett"]
CLIENT_IP = "203.0.113.77"  # a documentation address, as a proxy would forward it
MARKERS = ["zumbalorio", "flimflamtoast", "bramblewick", "cachivachero", "tururulario"]

WEB_MESSAGES = [  # the chat API, in English (a teen)
    "hi",
    "someone made a fake nude of me and wants 300 euros or he posts it flimflamtoast",
    "my name is Olivia Bennett, you can email me at olivia.bennett@outlook.com",
    "or call me on (202) 555-0143",
    "i can't do this anymore, i want to kill myself bramblewick",
]
SITE_MESSAGES = [  # the chat without JavaScript, in Spanish (a teen)
    "hola",
    "me piden dinero por una foto falsa desnuda mía zumbalorio",
    "me llamo Lucía Fernández y mi correo es lucia.fernandez09@gmail.com",
    "mi móvil es 655 44 33 22",
    "no puedo más, me quiero morir cachivachero",
]
SMS_MESSAGES = [  # SMS, in Spanish (a parent)
    "hola",
    "soy la madre de Lucía Fernández, le piden 200 euros por una foto falsa tururulario",
    "escribidme a lucia.fernandez09@gmail.com o llamadme al 655-443-322",
    "mi número es el 611 22 33 44",
    "2",
    "mi hija dice que no puede más y que se quiere morir",
    "AYUDA",
]
ALL_MESSAGES = WEB_MESSAGES + SITE_MESSAGES + SMS_MESSAGES

IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|[0-9a-f:]*::[0-9a-f:]*[0-9a-f])(?![\w:])",
                  re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents: "Lucía" and "LUCIA" are the same name."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def has_planted_data(text: str) -> bool:
    forms = [form for forms in PHONE_FORMS.values() for form in forms]
    return any(item in text for item in NAMES + EMAILS + forms)


def is_long_message(text: str) -> bool:
    return len(text) >= 12  # "hola", "2", "AYUDA" are words that may appear in any log line


# -- the scenario ---------------------------------------------------------------------------------

class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self.names: set[str] = set()

    def emit(self, record):
        self.names.add(record.name)
        self.lines.append(self.format(record))  # with the traceback, if any


@contextlib.contextmanager
def every_logger_at_debug(handler: logging.Handler):
    root = logging.getLogger()
    changed = [(root, root.level)]
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    extra: list[logging.Logger] = []
    names = list(logging.root.manager.loggerDict) + ["aiohttp.access", "aiohttp.server", "aiohttp.web",
                                                     "aiohttp.client", "chatbot"]
    for name in names:
        logger = logging.getLogger(name)
        changed.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(handler)
            extra.append(logger)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for logger in extra:
            logger.removeHandler(handler)
        for logger, level in changed:
            logger.setLevel(level)


@dataclass
class Evidence:
    log_lines: list[str] = field(default_factory=list)  # our process: every logger, at DEBUG
    logger_names: set[str] = field(default_factory=set)
    printed: str = ""  # our process: stdout and stderr
    rasa_output: str = ""  # Rasa's process, after it started
    rasa_startup_bytes: int = 0  # what Rasa wrote while starting (not scanned: its own address)
    databases: dict[str, bytes] = field(default_factory=dict)  # file name -> raw bytes
    ids: list[str] = field(default_factory=list)  # the public conversation ids handed out
    replies: dict[str, list] = field(default_factory=dict)

    @property
    def logs(self) -> str:
        return "\n".join(self.log_lines + [self.printed, self.rasa_output])

    @property
    def logs_but_sql_echo(self) -> str:
        """Without SQLAlchemy's statement log (see test_the_sql_echo_keeps_no_message_text)."""
        kept = [line for line in self.log_lines if not line.split(" ", 2)[1].startswith("sqlalchemy.engine")]
        return "\n".join(kept + [self.printed, self.rasa_output])

    @property
    def sql_echo(self) -> str:
        return "\n".join(line for line in self.log_lines if line.split(" ", 2)[1].startswith("sqlalchemy.engine"))


async def web_chat(client: TestClient, evidence: Evidence) -> None:
    headers = {"X-Forwarded-For": CLIENT_IP}
    created = await client.post("/api/conversations", json={"lang": "en", "country": "US"}, headers=headers)
    assert created.status == 201
    public_id = (await created.json())["id"]
    evidence.ids.append(public_id)
    replies = []
    for text in WEB_MESSAGES:
        response = await client.post(f"/api/conversations/{public_id}/messages", json={"text": text},
                                     headers=headers)
        assert response.status == 200, await response.text()
        replies.append(await response.json())
    buttons = replies[1]["messages"][0]["buttons"]
    response = await client.post(f"/api/conversations/{public_id}/messages",
                                 json={"payload": buttons[0]["payload"]}, headers=headers)
    assert response.status == 200
    stream = await client.get(f"/api/conversations/{public_id}/events", headers=headers)
    assert stream.status == 200
    await stream.content.readline()
    stream.close()
    transcript = await client.get(f"/api/conversations/{public_id}/messages", headers=headers)
    assert transcript.status == 200
    evidence.replies["web"] = replies


async def website(client: TestClient, evidence: Evidence) -> None:
    headers = {"X-Forwarded-For": CLIENT_IP, "User-Agent": "Mozilla/5.0 (iPhone)"}
    assert (await client.get("/", headers=headers)).status == 200
    content = client.server.app[ASSISTANT].content
    assert (await client.get("/" + content.slugs("privacy")["es"], headers=headers)).status == 200
    public_id, pages = "", []
    for text in SITE_MESSAGES:
        response = await client.post("/chat", data={"id": public_id, "text": text}, headers=headers)
        assert response.status == 200
        html = await response.text()
        found = re.search(r'name="id" value="([^"]+)"', html)
        assert found, "the page carries the conversation id"
        public_id = found.group(1)
        pages.append(html)
    evidence.ids.append(public_id)
    stream = await client.get(f"/api/conversations/{public_id}/events", headers=headers)
    assert stream.status == 200
    await stream.content.readline()
    stream.close()
    # A second, short conversation left by the quick exit.
    response = await client.post("/chat", data={"id": "", "text": "me llamo Lucía y tengo miedo"}, headers=headers)
    other = re.search(r'name="id" value="([^"]+)"', await response.text()).group(1)
    evidence.ids.append(other)
    left = await client.post("/exit", data={"id": other}, headers=headers, allow_redirects=False)
    assert left.status == 303
    evidence.replies["site"] = pages


async def sms(client: TestClient, http: RecordingHttpClient, evidence: Evidence) -> None:
    phone = Phone(client, http, SENDER)
    replies = []
    for text in SMS_MESSAGES:
        replies.append(await phone.text(text))
    replies.append(await phone.text("", media=1))
    response = await phone.post("/webhooks/twilio/status", {
        "MessageSid": "SM" + "1" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003",
        "To": SENDER, "From": SERVICE_NUMBER,
    }, headers={"X-Forwarded-For": CLIENT_IP})
    assert response.status == 204
    evidence.replies["sms"] = replies


async def scenario(config, evidence: Evidence) -> None:
    http = RecordingHttpClient()
    server = TestServer(create_app(config, twilio_http_client=http))
    await server.start_server(access_log_class=PrivateAccessLogger)  # as chatbot.app.serve() runs it
    async with TestClient(server) as client:
        await web_chat(client, evidence)
        await website(client, evidence)
        await sms(client, http, evidence)
        client.server.app[ASSISTANT].store.engine.dispose()


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> Evidence:
    data_dir = tmp_path_factory.mktemp("logs")
    rasa_log = data_dir.parent / "rasa-output.log"
    evidence = Evidence()
    real_popen = subprocess.Popen

    def popen_with_output_kept(*args, **kwargs):
        return real_popen(*args, stdout=output, stderr=subprocess.STDOUT, **kwargs)

    capture = Capture()
    printed = io.StringIO()
    with open(rasa_log, "wb") as output:
        rasa_process.subprocess.Popen = popen_with_output_kept
        try:
            rasa = running_rasa(make_config(data_dir, rasa_url=f"http://127.0.0.1:{free_port()}"))
            rasa_config = rasa.__enter__()
        finally:
            rasa_process.subprocess.Popen = real_popen
        try:
            started = rasa_log.stat().st_size  # Rasa's own start-up lines (its listening address) end here
            config = sms_config(rasa_config, data_dir)
            with every_logger_at_debug(capture), contextlib.redirect_stdout(printed), \
                    contextlib.redirect_stderr(printed):
                asyncio.run(scenario(config, evidence))
        finally:
            rasa.__exit__(None, None, None)  # Rasa stopped: its files are closed and can be read raw
    evidence.log_lines = capture.lines
    evidence.logger_names = capture.names
    evidence.printed = printed.getvalue()
    evidence.rasa_startup_bytes = started
    evidence.rasa_output = rasa_log.read_bytes()[started:].decode("utf-8", "replace")
    evidence.databases = {p.name: p.read_bytes() for p in sorted(data_dir.iterdir())
                          if p.is_file() and p.name.split(".")[-1].split("-")[0] == "db"}
    return evidence


# -- sanity: the scan looks at something ----------------------------------------------------------

def test_the_logs_and_databases_were_captured(evidence):
    assert {"chatbot.db", "rasa.db"} <= set(evidence.databases), sorted(evidence.databases)
    assert "aiohttp.access" in evidence.logger_names, "the access log ran"
    access = [line for line in evidence.log_lines if "aiohttp.access" in line]
    for path in ("/api/conversations/…/messages", "/chat", "/webhooks/twilio/sms", "/webhooks/twilio/status",
                 "/exit"):
        assert any(path in line for line in access), f"no access line for {path}"
    assert any(line.startswith("DEBUG") for line in evidence.log_lines), "DEBUG was captured"
    assert evidence.rasa_startup_bytes > 0, "Rasa's output was captured"
    # Each channel's turns reached the databases, redacted.
    ours = evidence.databases["chatbot.db"] + evidence.databases.get("chatbot.db-wal", b"")
    tracker = evidence.databases["rasa.db"] + evidence.databases.get("rasa.db-wal", b"")
    for placeholder in (b"[EMAIL]", b"[NAME]", b"[PHONE]"):
        assert placeholder in ours, placeholder
        assert placeholder in tracker, placeholder
    for marker in MARKERS:
        assert marker.encode() in ours, f"{marker}: a stored turn is missing"


# -- the logs -------------------------------------------------------------------------------------

def message_texts_in(logs: str) -> list[str]:
    from chatbot.redaction import redact

    found = [marker for marker in MARKERS if marker in logs]
    for text in filter(is_long_message, ALL_MESSAGES):
        found += [t for t in (text, redact(text)) if t in logs]
    return found


def test_no_message_text_in_any_log_line(evidence):
    """Every logger at DEBUG, but SQLAlchemy's statement log: that one has its own test below."""
    assert message_texts_in(evidence.logs_but_sql_echo) == []


def test_the_sql_echo_keeps_no_message_text(evidence):
    assert "INSERT INTO messages" in evidence.sql_echo  # SQLAlchemy's statement log was captured
    assert message_texts_in(evidence.sql_echo) == []


def test_no_personal_data_in_any_log_line(evidence):
    logs = evidence.logs
    folded = fold(logs)
    for forms in PHONE_FORMS.values():
        for form in forms:
            assert form not in logs, f"phone number in the logs: {form}"
    compact = re.sub(r"[\s().+-]", "", logs)  # any spacing or punctuation of the numbers
    for national in PHONE_FORMS:
        assert national not in compact, f"phone number in the logs: {national}"
    for email in EMAILS:
        assert fold(email) not in folded, f"e-mail in the logs: {email}"
        assert fold(email.split("@")[0]) not in folded, f"e-mail in the logs: {email}"
    for name in NAMES:
        assert re.search(rf"\b{fold(name)}\b", folded) is None, f"name in the logs: {name}"


def test_no_ip_address_in_any_log_line(evidence):
    logs = evidence.logs
    assert "127.0.0.1" not in logs
    assert CLIENT_IP not in logs
    assert IPV4.findall(logs) == [], IPV4.findall(logs)[:5]
    assert IPV6.findall(logs) == [], IPV6.findall(logs)[:5]


def test_no_conversation_id_in_any_log_line(evidence):
    assert len(evidence.ids) == 3
    for public_id in evidence.ids:
        assert public_id not in evidence.logs


# -- the databases -------------------------------------------------------------------------------

@pytest.mark.parametrize("database", ["chatbot.db", "rasa.db"])
def test_no_personal_data_in_clear_in_the_database_files(evidence, database):
    raw = b"".join(data for name, data in evidence.databases.items() if name.startswith(database))
    text = raw.decode("utf-8", "replace")
    folded = fold(text)
    for forms in PHONE_FORMS.values():
        for form in forms:
            assert form.encode() not in raw, f"phone number in {database}: {form}"
    for email in EMAILS:
        assert fold(email) not in folded, f"e-mail in {database}: {email}"
    for name in NAMES:
        assert re.search(rf"\b{fold(name)}\b", folded) is None, f"name in {database}: {name}"
    for message in filter(has_planted_data, ALL_MESSAGES):
        assert message.encode() not in raw, f"a message in clear in {database}: {message!r}"
    assert CLIENT_IP.encode() not in raw and b"127.0.0.1" not in raw
