"""Turns a turn's replies (rendered by the content engine with the `sms` variant) into SMS
messages: plain text, buttons as a numbered menu, each message within the segment budget.

- Replies keep their order (a crisis answer is always first) and are joined into one message while
  they fit the budget; what does not fit starts a second message. At most MAX_MESSAGES a turn.
- The menu is the first reply's choices, at most three, as "1. label" lines and the line from
  content/topics/sms_menu_<n>.yml ("Reply 1, 2 or 3"). It is left out when it does not fit.
- A reply that cannot fit even alone (a content mistake `./run check` reports) is cut at the last
  line or sentence that fits, and logged.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content import Content, Context
from . import segments

log = logging.getLogger(__name__)

MAX_OPTIONS = 3
MAX_MESSAGES = 2
_MARKDOWN = re.compile(r"(\*\*|__|`|^#+\s*)", re.MULTILINE)


@dataclass
class Outgoing:
    messages: list[segments.Fitted] = field(default_factory=list)
    menu: list[str] = field(default_factory=list)  # answer names, in the order shown

    @property
    def total_segments(self) -> int:
        return sum(m.segments for m in self.messages)


def plain_text(text: str) -> str:
    """No markdown on a phone: emphasis marks go, list bullets stay as '- '."""
    text = _MARKDOWN.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _cut(text: str, budget: int) -> segments.Fitted:
    """The longest start of `text` that fits, ending at a line or sentence when possible."""
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits (fit() is monotonic in length)
        middle = (low + high + 1) // 2
        if segments.fit(text[:middle] + "...", budget):
            low = middle
        else:
            high = middle - 1
    prefix = text[:low]
    for boundary in ("\n", ". "):
        at = prefix.rfind(boundary)
        if at > len(prefix) // 2:
            prefix = prefix[: at + 1]
            break
    return segments.fit(prefix.rstrip() + "...", budget) or segments.fit(prefix[: budget * 60], budget)


class Composer:
    def __init__(self, content: Content, budget: int = 3):
        self.content = content
        self.budget = budget

    def menu_text(self, buttons: list[dict], ctx: Context) -> str:
        lines = [f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1)]
        prompt = self.content.render(f"sms_menu_{len(buttons)}", ctx).text
        return "\n".join(lines + [prompt])

    def compose(self, replies: list[dict], ctx: Context) -> Outgoing:
        out = Outgoing()
        texts = [plain_text(reply["text"]) for reply in replies if (reply.get("text") or "").strip()]
        current = ""
        for text in texts:
            joined = f"{current}\n\n{text}" if current else text
            if segments.fit(joined, self.budget):
                current = joined
                continue
            if current:
                out.messages.append(segments.fit(current, self.budget))
                if len(out.messages) == MAX_MESSAGES:
                    log.warning("sms: a turn had more to say than %d messages; the rest is dropped",
                                MAX_MESSAGES)
                    current = ""
                    break
            current = text
            if not segments.fit(current, self.budget):
                topic = next((r.get("topic") for r in replies if plain_text(r["text"]) == text), "?")
                log.error("sms: the '%s' reply does not fit %d segments; cut (run ./run check)",
                          topic, self.budget)
                current = _cut(current, self.budget).text
        if current:
            buttons = next((r["buttons"] for r in replies if r.get("buttons")), [])[:MAX_OPTIONS]
            if len(buttons) >= 2:
                with_menu = f"{current}\n\n{self.menu_text(buttons, ctx)}"
                if segments.fit(with_menu, self.budget):
                    current = with_menu
                    out.menu = [button["payload"].lstrip("/") for button in buttons]
            out.messages.append(segments.fit(current, self.budget))
        return out


def check_budget(content: Content, budget: int, content_dir: Path | None = None) -> list[str]:
    """Every topic, in both languages and for every helpline country, must fit in one SMS of
    `budget` segments with its menu. Used by `./run check` and the tests."""
    composer = Composer(content, budget)
    countries = sorted(p.stem for p in Path(content_dir or content.content_dir).glob("helplines/*.yml"))
    problems = []
    for name in content.names:
        for lang in ("es", "en"):
            for country in countries:
                ctx = Context(lang=lang, channel="sms", audience="parent", country=country)
                reply = content.render(name, ctx)
                out = composer.compose([reply.as_dict()], ctx)
                sms = out.messages[0]
                text = plain_text(reply.text)
                cut = not segments.fit(text, budget)
                lost_menu = len(reply.buttons) >= 2 and not out.menu
                if cut or lost_menu:
                    length = segments.fit(text, 10**6)
                    problems.append(
                        f"{name}.yml sms ({lang}, {country}): {'too long' if cut else 'no room for its menu'}"
                        f" for {budget} SMS segments ({len(length.text)} characters, {length.encoding},"
                        f" {length.segments} segments; sent as {sms.segments})"
                    )
    return problems
