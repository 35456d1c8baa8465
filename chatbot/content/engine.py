"""Loads topics and helplines from `content/`, reloads them when staff edit a file, and
renders them with a sandboxed Jinja2 environment (strict: a typo is an error, never a blank)."""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger(__name__)

LANGS = ("es", "en")
CHANNELS = ("web", "sms")
AUDIENCES = ("teen", "parent")
FALLBACK_COUNTRY = "EU"
# The topic keys the brief promises; every one must be answered by some file.
REQUIRED_TOPICS = (
    "welcome privacy not_your_fault deepfake_explained dont_pay preserve_evidence report_police "
    "remove_content helplines crisis_support emergency talk_to_human parents_guide help_a_friend "
    "school legal_rights bot_identity goodbye fallback"
).split()


class ContentError(Exception):
    """The content files are missing something or a template does not render."""


@dataclass(frozen=True)
class Context:
    """Who is reading: decides language, variant and helplines."""

    lang: str = "es"
    channel: str = "web"
    audience: str = "teen"
    country: str = "ES"


@dataclass
class Reply:
    name: str
    topic: str
    text: str
    buttons: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "topic": self.topic, "buttons": self.buttons}


@dataclass
class _Snapshot:
    topics: dict[str, dict]
    helplines: dict[str, dict]
    templates: dict[tuple[str, str, str], object]  # (name, variant, lang) -> compiled template


def _format_line(entry: dict, lang: str) -> str:
    where = entry.get("number") or entry.get("url")
    text = f"{entry['name'][lang]}: {where}"
    hours = (entry.get("hours") or {}).get(lang)
    return f"{text} ({hours})" if hours else text


class Content:
    def __init__(self, content_dir: Path, retention_days: int = 30, reload_seconds: float = 1.0):
        self.content_dir = Path(content_dir)
        self.retention_days = retention_days
        self.reload_seconds = reload_seconds
        self._env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        self._lock = threading.Lock()
        self._signature: tuple = ()
        self._checked_at = 0.0
        self._snapshot = self._load()  # a broken set of files at start-up is fatal

    # -- loading -------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        return sorted(self.content_dir.glob("topics/*.yml")) + sorted(
            self.content_dir.glob("helplines/*.yml")
        )

    def _current_signature(self) -> tuple:
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in self._files())

    def _load(self) -> _Snapshot:
        signature = self._current_signature()
        topics: dict[str, dict] = {}
        helplines: dict[str, dict] = {}
        templates: dict[tuple[str, str, str], object] = {}
        for path in sorted(self.content_dir.glob("topics/*.yml")):
            data = self._read(path)
            for required in ("topic", "text", "button", "reviewed", "sources"):
                if required not in data:
                    raise ContentError(f"{path.name}: missing '{required}'")
            topics[path.stem] = data
            for variant in ("text", "parent", "sms"):
                for lang in LANGS:
                    source = (data.get(variant) or {}).get(lang)
                    if source is None:
                        if variant == "text":
                            raise ContentError(f"{path.name}: missing text.{lang}")
                        continue
                    try:
                        templates[(path.stem, variant, lang)] = self._env.from_string(source)
                    except TemplateError as error:
                        raise ContentError(f"{path.name} {variant}.{lang}: {error}") from error
        for path in sorted(self.content_dir.glob("helplines/*.yml")):
            data = self._read(path)
            helplines[data.get("country", path.stem)] = data
        if FALLBACK_COUNTRY not in helplines:
            raise ContentError(f"helplines/{FALLBACK_COUNTRY}.yml is required")
        self._signature = signature
        return _Snapshot(topics, helplines, templates)

    @staticmethod
    def _read(path: Path) -> dict:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ContentError(f"{path.name}: not valid YAML: {error}") from error
        if not isinstance(data, dict):
            raise ContentError(f"{path.name}: expected a mapping")
        return data

    def _fresh(self) -> _Snapshot:
        """Reload when a file changed; a broken edit keeps the last good content live."""
        now = time.monotonic()
        if now - self._checked_at < self.reload_seconds:
            return self._snapshot
        with self._lock:
            self._checked_at = now
            try:
                if self._current_signature() != self._signature:
                    self._snapshot = self._load()
                    log.info("content reloaded")
            except (ContentError, OSError) as error:
                log.error("content not reloaded, keeping the last good version: %s", error)
        return self._snapshot

    # -- rendering -----------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted(self._fresh().topics)

    def topic_of(self, name: str) -> str:
        return self._fresh().topics[name]["topic"]

    def helplines_for(self, country: str) -> dict:
        helplines = self._fresh().helplines
        return helplines.get(country) or helplines[FALLBACK_COUNTRY]

    def render(self, name: str, ctx: Context) -> Reply:
        snapshot = self._fresh()
        data = snapshot.topics[name]
        lang = ctx.lang if ctx.lang in LANGS else LANGS[0]
        variant = self._variant(snapshot, name, ctx, lang)
        text = self._render_template(snapshot.templates[(name, variant, lang)], ctx, lang)
        buttons = [
            {"title": snapshot.topics[n]["button"][lang], "payload": f"/{n}"}
            for n in data.get("next") or []
            if n in snapshot.topics
        ]
        return Reply(name=name, topic=data["topic"], text=text, buttons=buttons)

    @staticmethod
    def _variant(snapshot: _Snapshot, name: str, ctx: Context, lang: str) -> str:
        candidates = ["sms"] if ctx.channel == "sms" else []
        if ctx.audience == "parent":
            candidates.append("parent")
        for variant in candidates:
            if (name, variant, lang) in snapshot.templates:
                return variant
        return "text"

    def _render_template(self, template, ctx: Context, lang: str) -> str:
        entries = self.helplines_for(ctx.country)["lines"]

        def tagged(tag: str) -> list[dict]:
            found = [entry for entry in entries if tag in entry.get("tags", [])]
            if not found:
                raise ContentError(f"no helpline tagged '{tag}' for {ctx.country}")
            return found

        def line(tag: str) -> str:
            return _format_line(tagged(tag)[0], lang)

        def lines(tag: str) -> str:
            return "\n".join(f"- {_format_line(entry, lang)}" for entry in tagged(tag))

        text = template.render(
            line=line,
            lines=lines,
            lang=lang,
            channel=ctx.channel,
            audience=ctx.audience,
            country=ctx.country,
            retention_days=self.retention_days,
        )
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    # -- checking ------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Every problem a staff member should fix before users see it."""
        try:
            snapshot = self._load()
        except ContentError as error:
            return [str(error)]
        problems = []
        keys = {data["topic"] for data in snapshot.topics.values()}
        problems += [f"no file answers the topic '{key}'" for key in REQUIRED_TOPICS if key not in keys]
        for name, data in snapshot.topics.items():
            problems += [
                f"{name}.yml: 'next' names '{n}', which has no file"
                for n in data.get("next") or []
                if n not in snapshot.topics
            ]
            problems += [f"{name}.yml: missing button.{lang}" for lang in LANGS if lang not in data["button"]]
            if not isinstance(data["reviewed"], dt.date):
                problems.append(f"{name}.yml: 'reviewed' must be a date like 2026-11-26")
            if not isinstance(data["sources"], list):
                problems.append(f"{name}.yml: 'sources' must be a list of addresses")
        for country in snapshot.helplines:
            for name in snapshot.topics:
                for lang in LANGS:
                    for channel in CHANNELS:
                        for audience in AUDIENCES:
                            ctx = Context(lang, channel, audience, country)
                            try:
                                self.render(name, ctx)
                            except (ContentError, TemplateError, KeyError) as error:
                                problems.append(f"{name}.yml ({lang}, {channel}, {audience}, {country}): {error}")
        return problems
