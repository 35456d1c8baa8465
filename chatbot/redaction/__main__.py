"""python -m chatbot.redaction "message" ...   (or one message a line on standard input)"""
from __future__ import annotations

import sys

from . import apply, clean, find


def main(argv: list[str]) -> int:
    messages = argv or [line.rstrip("\n") for line in sys.stdin]
    for message in messages:
        text = clean(message)
        spans = find(text)
        print(apply(text, spans))
        for span in spans:
            print(f"    {span.label:8} {text[span.start:span.end]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
