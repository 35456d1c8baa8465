"""The one configuration object, read from the environment with safe defaults."""
from __future__ import annotations

import base64
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _secret(data_dir: Path, name: str, generate=lambda: secrets.token_urlsafe(32)) -> str:
    """A random secret kept in the data folder, so restarts and sibling processes agree."""
    env_value = os.environ.get(f"CHATBOT_{name.upper()}", "").strip()
    if env_value:
        return env_value
    path = data_dir / f".{name}"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # a sibling process made it first
            time.sleep(0.05)
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate())
    return path.read_text().strip()


@dataclass(frozen=True)
class Config:
    data_dir: Path
    content_dir: Path
    database_url: str
    tracker_database_url: str
    redis_url: str
    host: str
    port: int
    rasa_url: str
    rasa_token: str
    rasa_timeout: float
    default_lang: str
    default_country: str
    retention_days: int
    content_reload_seconds: float
    models_dir: Path = field(default=ROOT / "models")
    # SMS (chatbot/sms). Without an account sid, auth token and a sender, SMS is off.
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from_number: str = ""  # or a messaging service sid
    twilio_messaging_service_sid: str = ""
    public_base_url: str = ""  # what Twilio calls, e.g. https://ayuda.example.org; else from the request
    sms_segment_budget: int = 3
    sms_simulator: bool = False  # no Twilio: replies are recorded for `./run sms-sim`
    sms_test_token: str = field(default="", repr=False)  # signs the simulator's requests
    phone_hmac_key: str = field(default="", repr=False)
    phone_encryption_key: str = field(default="", repr=False)  # Fernet key(s), comma-separated, the first encrypts
    sms_number_ttl_hours: float = 72.0  # the encrypted number is cleared after this long quiet
    sms_retry_backoff: float = 0.5
    # The website's quick exit goes here (location.replace); a page of ours by default, since
    # our pages make no third-party request. An absolute https:// address also works.
    exit_url: str = "/weather"
    # How often a live chat checks the database for counsellor messages (server-sent events).
    events_poll_seconds: float = 1.0
    # Counsellors (chatbot/handoff.py, chatbot/console). Hours like "mon-fri 09:00-21:00; sat
    # 10:00-14:00", in `counsellor_timezone`; someone must also be logged in to the console.
    counsellor_hours: str = "mon-sun 00:00-24:00"
    counsellor_timezone: str = "Europe/Madrid"
    console_idle_minutes: int = 30
    # Rate limits, counted in the database (so they hold across instances); crisis messages are
    # always answered.
    messages_per_minute: int = 60  # per conversation (web chat and SMS alike)
    sms_per_hour: int = 60  # per phone number

    @classmethod
    def from_env(cls) -> "Config":
        data_dir = Path(_env("CHATBOT_DATA_DIR", str(ROOT / "var"))).resolve()
        rasa_port = int(_env("CHATBOT_RASA_PORT", "5005"))
        return cls(
            data_dir=data_dir,
            content_dir=Path(_env("CHATBOT_CONTENT_DIR", str(ROOT / "content"))).resolve(),
            database_url=_env("CHATBOT_DATABASE_URL", f"sqlite:///{data_dir / 'chatbot.db'}"),
            tracker_database_url=_env(
                "CHATBOT_TRACKER_DATABASE_URL", f"sqlite:///{data_dir / 'rasa.db'}"
            ),
            redis_url=_env("CHATBOT_REDIS_URL", ""),
            host=_env("CHATBOT_HOST", "127.0.0.1"),
            port=int(_env("CHATBOT_PORT", "8000")),
            rasa_url=_env("CHATBOT_RASA_URL", f"http://127.0.0.1:{rasa_port}"),
            rasa_token=_secret(data_dir, "rasa_token"),
            rasa_timeout=float(_env("CHATBOT_RASA_TIMEOUT", "1.5")),
            default_lang=_env("CHATBOT_DEFAULT_LANG", "es"),
            default_country=_env("CHATBOT_DEFAULT_COUNTRY", "ES"),
            retention_days=int(_env("CHATBOT_RETENTION_DAYS", "30")),
            content_reload_seconds=float(_env("CHATBOT_CONTENT_RELOAD_SECONDS", "1")),
            twilio_account_sid=_env("CHATBOT_TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=_env("CHATBOT_TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=_env("CHATBOT_TWILIO_FROM_NUMBER", ""),
            twilio_messaging_service_sid=_env("CHATBOT_TWILIO_MESSAGING_SERVICE_SID", ""),
            public_base_url=_env("CHATBOT_PUBLIC_BASE_URL", "").rstrip("/"),
            sms_segment_budget=int(_env("CHATBOT_SMS_SEGMENT_BUDGET", "3")),
            sms_simulator=_env("CHATBOT_SMS_SIMULATOR", "0").lower() in ("1", "true", "yes"),
            sms_test_token=_secret(data_dir, "sms_test_token"),
            phone_hmac_key=_secret(data_dir, "phone_hmac_key"),
            phone_encryption_key=_secret(
                data_dir, "phone_encryption_key",
                lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            ),
            sms_number_ttl_hours=float(_env("CHATBOT_SMS_NUMBER_TTL_HOURS", "72")),
            exit_url=_env("CHATBOT_EXIT_URL", "/weather"),
            events_poll_seconds=float(_env("CHATBOT_EVENTS_POLL_SECONDS", "1")),
            counsellor_hours=_env("CHATBOT_COUNSELLOR_HOURS", "mon-sun 00:00-24:00"),
            counsellor_timezone=_env("CHATBOT_COUNSELLOR_TIMEZONE", "Europe/Madrid"),
            console_idle_minutes=int(_env("CHATBOT_CONSOLE_IDLE_MINUTES", "30")),
            messages_per_minute=int(_env("CHATBOT_MESSAGES_PER_MINUTE", "60")),
            sms_per_hour=int(_env("CHATBOT_SMS_PER_HOUR", "60")),
        )

    @property
    def rasa_port(self) -> int:
        return int(self.rasa_url.rsplit(":", 1)[1].split("/")[0])
