"""Plain text (content texts and every chat message) turned into blocks the page templates lay
out: paragraphs, `- ` lists, and http(s) links. Nothing in a text is ever interpreted as HTML: the
templates escape every piece. chatbot/static/chat.js does the same in the browser."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»”’'\""


@dataclass
class Segment:
    text: str
    href: str = ""  # set for a link


@dataclass
class Block:
    kind: str  # "p" (lines joined by line breaks) or "ul"
    lines: list[list[Segment]] = field(default_factory=list)


def segments(line: str) -> list[Segment]:
    found: list[Segment] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        if start > position:
            found.append(Segment(line[position:start]))
        found.append(Segment(url, href=url))
        position = end
    if position < len(line):
        found.append(Segment(line[position:]))
    return found


def blocks(text: str) -> list[Block]:
    result: list[Block] = []
    current: Block | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            current = None
            continue
        kind, body = ("ul", line[2:].strip()) if line.startswith("- ") else ("p", line)
        if current is None or current.kind != kind:
            current = Block(kind)
            result.append(current)
        current.lines.append(segments(body))
    return result


_PAYLOAD = re.compile(r"^/([a-z_]{1,40})$")


def shown(content, sender: str, text: str, lang: str) -> str:
    """What a stored message looks like on screen: a button press is stored as its payload
    (`/preserve_evidence`) and shown as the button's title ("Keep evidence")."""
    match = _PAYLOAD.match(text) if sender == "user" else None
    if match and match.group(1) in content.names:
        return content.button_title(match.group(1), lang)
    return text
