"""The teens' website: the campaign pages, the chat (with JavaScript and without), the quick
exit, live counsellor messages and the privacy headers. Words come from `content/` through the
content engine; the templates in `chatbot/templates/site/` only lay them out."""
from __future__ import annotations

from pathlib import Path

from . import events, pages
from .headers import security_headers
from .events import end_streams

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# Order matters: the catch-all page route (`/{slug}`) comes last.
routes = [*events.routes, *pages.routes]

__all__ = ["routes", "security_headers", "end_streams", "STATIC_DIR"]
