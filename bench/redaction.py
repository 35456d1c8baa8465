"""Redaction before storage: how much planted personal data is redacted, and how many ordinary
words are broken.

    .venv/bin/python bench/redaction.py            (from the project root; under a minute)
    .venv/bin/python bench/redaction.py --misses   (also list every miss and every placeholder
                                                    put into the ordinary corpus, for review)

Per language it prints:
- on the held-out set bench/data/redaction_{lang}.yml (written before the redactor and never used
  to write its rules): the share of planted items redacted (every letter and digit of the item
  inside a redacted span), the share redacted with the right placeholder type, the same per
  type, and the share of `keep` texts (helplines, amounts, ordinary words that are also names)
  that survived;
- on the ordinary-words corpus, the NLU training examples data/nlu/{lang}/*.yml (messages with
  no personal data): how many messages got a placeholder, and how many placeholders.
And the load time and the time per message.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import redaction  # noqa: E402
from chatbot.redaction import apply, clean, find  # noqa: E402

LANGS = ("es", "en")


def held_out(lang: str) -> list[dict]:
    return yaml.safe_load((ROOT / "bench" / "data" / f"redaction_{lang}.yml").read_text(encoding="utf-8"))["items"]


def nlu_examples(lang: str) -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "nlu" / lang).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    # Rasa entity annotations "[text](entity)" -> "text"
                    out.append(re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line[2:].strip()))
    return out


def score_item(item: dict) -> tuple[list[tuple[str, str, bool, bool]], list[tuple[str, bool]], str]:
    text = item["text"]
    assert clean(text) == text, "held-out texts have no invisible characters"
    spans = find(text)
    covered_by: dict[int, str] = {}
    for span in spans:
        for i in range(span.start, span.end):
            covered_by[i] = span.label
    results = []
    search_from = 0
    for kind, value in item.get("planted") or []:
        pos = text.find(value, search_from)
        if pos < 0:
            pos = text.find(value)
        search_from = pos + len(value)
        chars = [i for i in range(pos, pos + len(value)) if text[i].isalnum()]
        redacted = all(i in covered_by for i in chars)
        labels = {covered_by[i] for i in chars if i in covered_by}
        results.append((kind, value, redacted, redacted and kind in labels))
    output = apply(text, spans)
    keeps = [(k, k in output) for k in item.get("keep") or []]
    return results, keeps, output


def main() -> None:
    show = "--misses" in sys.argv
    started = time.perf_counter()
    redaction.warm_up()
    load = time.perf_counter() - started
    print(f"load: {load:.2f} s")
    all_texts = []
    for lang in LANGS:
        items = held_out(lang)
        by_type: dict[str, list[bool]] = defaultdict(list)
        typed = []
        keeps = []
        misses, wrong_type, broken = [], [], []
        for item in items:
            all_texts.append(item["text"])
            results, keep_results, output = score_item(item)
            for kind, value, redacted, right_type in results:
                by_type[kind].append(redacted)
                typed.append(right_type)
                if not redacted:
                    misses.append((kind, value, output))
                elif not right_type:
                    wrong_type.append((kind, value, output))
            for k, kept in keep_results:
                keeps.append(kept)
                if not kept:
                    broken.append((k, output))
        planted = [r for rs in by_type.values() for r in rs]
        print(f"\n[{lang}] held-out set: {len(items)} messages, {len(planted)} planted items")
        print(f"  redacted:            {sum(planted) / len(planted):.3f} ({sum(planted)}/{len(planted)})")
        print(f"  with the right type: {sum(typed) / len(typed):.3f} ({sum(typed)}/{len(typed)})")
        print("  per type:            " + ", ".join(
            f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_type.items())))
        print(f"  kept (not personal): {sum(keeps)}/{len(keeps)}")
        if show:
            for kind, value, output in misses:
                print(f"    MISS  {kind:8} {value!r:32} -> {output}")
            for kind, value, output in wrong_type:
                print(f"    TYPE  {kind:8} {value!r:32} -> {output}")
            for k, output in broken:
                print(f"    BROKE {k!r:41} -> {output}")

        corpus = nlu_examples(lang)
        touched = []
        placeholders = Counter()
        for text in corpus:
            spans = find(text)
            if spans:
                touched.append((text, apply(clean(text), spans)))
                placeholders.update(s.label for s in spans)
        print(f"  ordinary corpus (data/nlu/{lang}, {len(corpus)} messages): "
              f"{len(touched)} messages changed, {sum(placeholders.values())} placeholders "
              f"{dict(placeholders) if placeholders else ''}")
        if show:
            for text, out in touched:
                print(f"    {text}\n      -> {out}")
        all_texts += corpus

    times = []
    for text in all_texts:
        t = time.perf_counter()
        redaction.redact(text)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"\ntime per message ({len(times)} messages): mean {statistics.mean(times):.3f} ms, "
          f"median {statistics.median(times):.3f} ms, p99 {times[int(len(times) * 0.99)]:.3f} ms, "
          f"max {times[-1]:.3f} ms")


if __name__ == "__main__":
    main()
