"""Check the crisis lexicon and try messages against it.

    python -m chatbot.safety --check                 compile en.yml and es.yml, report errors
    python -m chatbot.safety "no puedo más"          show the verdict and what matched
    python -m chatbot.safety < messages.txt          one message per line
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatbot.safety", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("messages", nargs="*", help="messages to try (default: read stdin)")
    parser.add_argument("--check", action="store_true", help="only compile the lexicon")
    args = parser.parse_args(argv)

    from .detector import Detector
    from .patterns import LexiconError

    try:
        det = Detector()
    except LexiconError as exc:
        print(f"LEXICON ERROR: {exc}", file=sys.stderr)
        return 1
    counts: dict[tuple[str, str], int] = {}
    for comp in det.patterns:
        counts[(comp.origin, comp.section)] = counts.get((comp.origin, comp.section), 0) + 1
    if args.check:
        for (origin, section), n in sorted(counts.items()):
            print(f"{origin:8} {section:11} {n:4} patterns")
        print("OK")
        return 0

    messages = args.messages or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for text in messages:
        verdict = det.assess(text)
        print(f"{verdict or 'none':9}  {text}")
        print(f"           read as: {' '.join(det.keys(text)[1:-1])}")
        for m in det.matches(text):
            state = "CANCELLED by idiom" if m.cancelled else ""
            print(f"           {m.section:10} {m.origin}: {m.pattern}   [{' '.join(m.words)}] {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
