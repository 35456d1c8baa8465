"""Loads topics, helplines, website pages and website UI strings from `content/`, reloads them
when staff edit a file, and renders them with a sandboxed Jinja2 environment (strict: a typo is an
error, never a blank)."""
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
# The website's pages (content/pages/<name>.yml): the home page and the campaign pages.
REQUIRED_PAGES = ("home", "what_to_do", "deepfake", "parents", "friends", "helplines", "privacy")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(Exception):
    """The content files are missing something or a template does not render."""


@dataclass(frozen=True)
class Context:
    """Who is reading: decides language, variant and helplines."""

    lang: str = "es"
    channel: str = "web"
    audience: str = "teen"
    country: str = "ES"
    # A request for a counsellor (chatbot.handoff.Status.as_dict()), for the texts that talk about it.
    handoff: dict | None = field(default=None, compare=False)

# What `handoff` is in a text rendered outside a request for a counsellor, and the cases the check tries.
NO_HANDOFF = {"state": "bot", "open": False, "position": None, "minutes": None, "opens": ""}
SAMPLE_HANDOFFS = (
    NO_HANDOFF,
    {"state": "waiting", "open": True, "position": 2, "minutes": 5, "opens": ""},
    {"state": "waiting", "open": False, "position": 1, "minutes": None, "opens": "mañana a las 09:00"},
    {"state": "human", "open": True, "position": None, "minutes": None, "opens": ""},
)

@dataclass
class Reply:
    name: str
    topic: str
    text: str
    buttons: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "topic": self.topic, "buttons": self.buttons}


@dataclass
class Section:
    """One part of a website page: a heading, then text (plain text, like a topic's) and/or the
    helpline directory (every country, with hours)."""

    heading: str
    text: str = ""
    helplines: list[dict] = field(default_factory=list)


@dataclass
class Page:
    name: str
    lang: str
    slug: str
    slugs: dict[str, str]  # lang -> slug, for the language switch
    title: str
    menu: str  # the page's name in the site's menu (short); the title when not given
    description: str  # one line for search engines and link previews
    intro: str
    sections: list[Section]
    steps: bool  # the sections are numbered steps
    reviewed: dt.date
    sources: list[str]


@dataclass
class _Snapshot:
    topics: dict[str, dict]
    helplines: dict[str, dict]
    templates: dict[tuple[str, str, str], object]  # (name, variant, lang) -> compiled template
    pages: dict[str, dict] = field(default_factory=dict)
    # (page, part, lang) -> compiled template; part: "title", "intro", "0.heading", "0.text", ...
    page_templates: dict[tuple[str, str, str], object] = field(default_factory=dict)
    ui: dict[tuple[str, str], object] = field(default_factory=dict)  # (key, lang) -> template
    nav: list[str] = field(default_factory=list)
    canned: dict[str, dict] = field(default_factory=dict)  # counsellors' ready-made replies


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
        site = self.content_dir / "site.yml"
        return (
            sorted(self.content_dir.glob("topics/*.yml"))
            + sorted(self.content_dir.glob("helplines/*.yml"))
            + sorted(self.content_dir.glob("pages/*.yml"))
            + sorted(self.content_dir.glob("canned/*.yml"))
            + ([site] if site.exists() else [])
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
        pages, page_templates = self._load_pages(topics)
        ui, nav = self._load_site()
        canned = {}
        for path in sorted(self.content_dir.glob("canned/*.yml")):
            data = self._read(path)
            title = self._bilingual(f"canned/{path.name} title", data.get("title"))
            text = self._bilingual(f"canned/{path.name} text", data.get("text"))
            for lang in LANGS:
                templates[(f"canned/{path.stem}", "text", lang)] = self._compile(
                    f"canned/{path.name} text.{lang}", text[lang])
            canned[path.stem] = {"title": title}
        self._signature = signature
        return _Snapshot(topics, helplines, templates, pages, page_templates, ui, nav, canned)

    def _compile(self, where: str, source) -> object:
        if not isinstance(source, str):
            raise ContentError(f"{where}: expected text")
        try:
            return self._env.from_string(source)
        except TemplateError as error:
            raise ContentError(f"{where}: {error}") from error

    def _bilingual(self, where: str, value) -> dict:
        if not isinstance(value, dict) or any(lang not in value for lang in LANGS):
            raise ContentError(f"{where}: needs both 'es' and 'en'")
        return value

    def _load_pages(self, topics: dict[str, dict]) -> tuple[dict, dict]:
        pages: dict[str, dict] = {}
        templates: dict[tuple[str, str, str], object] = {}
        for path in sorted(self.content_dir.glob("pages/*.yml")):
            data = self._read(path)
            name = path.stem
            for required in ("slug", "title", "reviewed", "sources", "sections"):
                if required not in data:
                    raise ContentError(f"pages/{path.name}: missing '{required}'")
            self._bilingual(f"pages/{path.name} slug", data["slug"])
            if not isinstance(data["sections"], list):
                raise ContentError(f"pages/{path.name}: 'sections' must be a list")
            for part in ("title", "intro", "menu", "description"):
                if part in data:
                    value = self._bilingual(f"pages/{path.name} {part}", data[part])
                    for lang in LANGS:
                        templates[(name, part, lang)] = self._compile(
                            f"pages/{path.name} {part}.{lang}", value[lang]
                        )
            for number, section in enumerate(data["sections"], start=1):
                where = f"pages/{path.name} section {number}"
                if not isinstance(section, dict):
                    raise ContentError(f"{where}: expected a mapping")
                kinds = [k for k in ("text", "topic", "helplines") if k in section]
                if not kinds:
                    raise ContentError(f"{where}: needs 'text', 'topic' or 'helplines'")
                if "text" in section and "topic" in section:
                    raise ContentError(f"{where}: 'text' or 'topic', not both")
                if "topic" in section and section["topic"] not in topics:
                    raise ContentError(f"{where}: topic '{section['topic']}' has no file")
                if section.get("audience", "teen") not in AUDIENCES:
                    raise ContentError(f"{where}: 'audience' must be one of {', '.join(AUDIENCES)}")
                for part in ("heading", "text"):
                    if part in section:
                        value = self._bilingual(f"{where} {part}", section[part])
                        for lang in LANGS:
                            templates[(name, f"{number}.{part}", lang)] = self._compile(
                                f"{where} {part}.{lang}", value[lang]
                            )
            pages[name] = data
        return pages, templates

    def _load_site(self) -> tuple[dict, list[str]]:
        path = self.content_dir / "site.yml"
        if not path.exists():
            return {}, []
        data = self._read(path)
        strings = data.get("strings")
        if not isinstance(strings, dict):
            raise ContentError("site.yml: missing 'strings'")
        ui = {}
        for key, value in strings.items():
            value = self._bilingual(f"site.yml {key}", value)
            for lang in LANGS:
                ui[(key, lang)] = self._compile(f"site.yml {key}.{lang}", value[lang])
        nav = data.get("nav") or []
        if not isinstance(nav, list):
            raise ContentError("site.yml: 'nav' must be a list of page names")
        return ui, nav

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

    def button_title(self, name: str, lang: str) -> str:
        """The label of the button that asks for this answer."""
        return self._fresh().topics[name]["button"][lang if lang in LANGS else LANGS[0]]

    def topic_of(self, name: str) -> str:
        return self._fresh().topics[name]["topic"]

    def helplines_for(self, country: str) -> dict:
        helplines = self._fresh().helplines
        return helplines.get(country) or helplines[FALLBACK_COUNTRY]

    # -- the website: pages and UI strings ---------------------------------------------------

    @property
    def page_names(self) -> list[str]:
        return sorted(self._fresh().pages)

    @property
    def nav(self) -> list[str]:
        """The pages in the site's menu, in order."""
        snapshot = self._fresh()
        return [name for name in snapshot.nav if name in snapshot.pages]

    def menu(self, ctx: Context) -> list[dict]:
        """The site's menu: each page's name, slug and short label in the reader's language."""
        snapshot = self._fresh()
        lang = ctx.lang if ctx.lang in LANGS else LANGS[0]
        items = []
        for name in self.nav:
            template = snapshot.page_templates.get((name, "menu", lang)) or snapshot.page_templates[
                (name, "title", lang)
            ]
            items.append({"name": name, "slug": snapshot.pages[name]["slug"][lang],
                          "label": self._render_template(template, ctx, lang)})
        return items

    def page_for_slug(self, slug: str, lang: str) -> str | None:
        for name, data in self._fresh().pages.items():
            if data["slug"].get(lang) == slug:
                return name
        return None

    def slugs(self, name: str) -> dict[str, str]:
        return dict(self._fresh().pages[name]["slug"])

    def ui(self, lang: str, ctx: Context | None = None) -> dict[str, str]:
        """Every UI string of the website (labels, buttons) in one language."""
        snapshot = self._fresh()
        ctx = ctx or Context(lang=lang)
        return {
            key: self._render_template(template, ctx, lang)
            for (key, template_lang), template in snapshot.ui.items()
            if template_lang == lang
        }

    def page(self, name: str, ctx: Context) -> Page:
        snapshot = self._fresh()
        data = snapshot.pages[name]
        lang = ctx.lang if ctx.lang in LANGS else LANGS[0]
        templates = snapshot.page_templates

        def part(key: str) -> str:
            template = templates.get((name, key, lang))
            return self._render_template(template, ctx, lang) if template is not None else ""

        sections = []
        for number, section in enumerate(data["sections"], start=1):
            if "topic" in section:
                topic_ctx = Context(lang, "web", section.get("audience", "teen"), ctx.country)
                text = self.render(section["topic"], topic_ctx).text
            else:
                text = part(f"{number}.text")
            directory = self.helpline_directory(lang) if section.get("helplines") else []
            sections.append(Section(heading=part(f"{number}.heading"), text=text, helplines=directory))
        return Page(
            name=name,
            lang=lang,
            slug=data["slug"][lang],
            slugs=dict(data["slug"]),
            title=part("title"),
            menu=part("menu") or part("title"),
            description=part("description"),
            intro=part("intro"),
            sections=sections,
            steps=bool(data.get("steps")),
            reviewed=data["reviewed"],
            sources=list(data["sources"] or []),
        )

    def helpline_directory(self, lang: str) -> list[dict]:
        """Every country's helplines with their hours, the fallback (EU) last."""
        helplines = self._fresh().helplines
        order = sorted(helplines, key=lambda code: (code == FALLBACK_COUNTRY, code))
        directory = []
        for code in order:
            data = helplines[code]
            lines = []
            for entry in data["lines"]:
                number = str(entry.get("number") or "")
                lines.append({
                    "name": entry["name"][lang],
                    "number": number,
                    "url": entry.get("url") or "",
                    "hours": (entry.get("hours") or {}).get(lang, ""),
                    # dialable when the number is only digits, spaces and dashes
                    "tel": re.sub(r"[\s-]", "", number) if re.fullmatch(r"[0-9 -]+", number) else "",
                })
            directory.append({"country": code, "name": (data.get("name") or {}).get(lang, code),
                              "lines": lines})
        return directory

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

    def canned(self, ctx: Context) -> list[dict]:
        """The counsellors' ready-made replies, written for this conversation (language, country)."""
        snapshot = self._fresh()
        lang = ctx.lang if ctx.lang in LANGS else LANGS[0]
        return [
            {"name": name, "title": data["title"][lang],
             "text": self._render_template(snapshot.templates[(f"canned/{name}", "text", lang)], ctx, lang)}
            for name, data in sorted(snapshot.canned.items())
        ]

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
            handoff=ctx.handoff or NO_HANDOFF,
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
                            for handoff in SAMPLE_HANDOFFS:
                                ctx = Context(lang, channel, audience, country, handoff)
                                try:
                                    self.render(name, ctx)
                                except (ContentError, TemplateError, KeyError) as error:
                                    problems.append(f"{name}.yml ({lang}, {channel}, {audience}, {country}): {error}")
                                    break
            for lang in LANGS:
                try:
                    self.canned(Context(lang=lang, country=country))
                except (ContentError, TemplateError, KeyError) as error:
                    problems.append(f"canned/ ({lang}, {country}): {error}")
        problems += self._check_site(snapshot)
        return problems

    def _check_site(self, snapshot: _Snapshot) -> list[str]:
        problems = []
        if not (self.content_dir / "site.yml").exists():
            problems.append("site.yml is missing: the website's labels and buttons live there")
        problems += [f"pages/{name}.yml is missing" for name in REQUIRED_PAGES if name not in snapshot.pages]
        problems += [f"site.yml: 'nav' names '{n}', which has no page" for n in snapshot.nav
                     if n not in snapshot.pages]
        for lang in LANGS:
            seen: dict[str, str] = {}
            for name, data in snapshot.pages.items():
                slug = data["slug"][lang]
                if name == "home":
                    if slug != "":
                        problems.append("pages/home.yml: the home page's slug must be empty ('')")
                elif not (isinstance(slug, str) and _SLUG.match(slug)):
                    problems.append(f"pages/{name}.yml: slug.{lang} must be lowercase words joined by '-'")
                if slug in seen:
                    problems.append(f"pages/{name}.yml: slug.{lang} '{slug}' is also used by {seen[slug]}")
                seen[slug] = f"pages/{name}.yml"
        for name, data in snapshot.pages.items():
            if not isinstance(data["reviewed"], dt.date):
                problems.append(f"pages/{name}.yml: 'reviewed' must be a date like 2026-11-26")
            if not isinstance(data["sources"], list):
                problems.append(f"pages/{name}.yml: 'sources' must be a list of addresses")
            if "title" not in data:
                problems.append(f"pages/{name}.yml: missing 'title'")
            for country in snapshot.helplines:
                for lang in LANGS:
                    try:
                        self.page(name, Context(lang=lang, country=country))
                    except (ContentError, TemplateError, KeyError) as error:
                        problems.append(f"pages/{name}.yml ({lang}, {country}): {error}")
        for lang in LANGS:
            try:
                self.ui(lang)
            except (ContentError, TemplateError, KeyError) as error:
                problems.append(f"site.yml ({lang}): {error}")
        return problems
