"""One run prints: held-out intent and topic accuracy per language, first-reply latency through our
API and through Rasa's bare REST channel on the same model (and the ratio), and the crisis
detector's recall and false alarms per language on its two held-out sets (the blind one is
never listed, only counted).

    .venv/bin/python bench/run.py            (from the project root; takes a few minutes)
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import rasa_process, safety  # noqa: E402
from chatbot.config import Config  # noqa: E402
from chatbot.content import Content  # noqa: E402
from chatbot.conversation import INTENT_OF_ANSWER  # noqa: E402


def post(url: str, body: dict, headers: dict | None = None) -> tuple[float, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.loads(response.read() or b"null")
    return (time.perf_counter() - started) * 1000, data


def wait(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def held_out(lang: str) -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "tests" / "nlu" / f"{lang}.yml").read_text())
    return [
        (block["intent"], line[2:].strip())
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# The first held-out crisis set was seen (its misses printed) while the detector was tuned, so
# misses are listed for it only; the blind sets, written later without seeing the detector, are
# reported as counts and never listed, so that they stay a fair measure (the first blind set was
# counted at many states of the third session's work; the second one is new in the fourth).
CRISIS_SETS = (("crisis", True), ("crisis_blind", False), ("crisis_blind2", False))


def crisis_set(name: str, lang: str) -> dict:
    return yaml.safe_load((ROOT / "bench" / "data" / f"{name}_{lang}.yml").read_text(encoding="utf-8"))


def crisis_report(lang: str, data: dict, flagged, listed: bool) -> None:
    """Recall and false alarms of flagged(text) -> bool on one language of a crisis set."""
    positives = data["crisis"] + data["emergency"]
    missed = [t for t in positives if not flagged(t)]
    alarms = [t for t in data["not_crisis"] if flagged(t)]
    print(f"  {lang}: recall {1 - len(missed) / len(positives):.3f} ({len(positives) - len(missed)}/"
          f"{len(positives)}), false alarms {len(alarms) / len(data['not_crisis']):.3f} "
          f"({len(alarms)}/{len(data['not_crisis'])})")
    for text in missed if listed else ():
        print(f"     missed: {text}")
    for text in alarms if listed else ():
        print(f"     false alarm: {text}")


def crisis_figures() -> None:
    for name, listed in CRISIS_SETS:
        print(f"\nCrisis lexicon alone on bench/data/{name}_*.yml")
        for lang in ("es", "en"):
            crisis_report(lang, crisis_set(name, lang), lambda t: bool(safety.assess(t)), listed)


def main() -> None:
    crisis_figures()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    base = Config.from_env()
    config = replace(
        base, data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'chatbot.db'}",
        tracker_database_url=f"sqlite:///{data_dir / 'rasa.db'}", rasa_url="http://127.0.0.1:5095",
        port=8095,
    )
    model = rasa_process.train(config)
    rasa = rasa_process.start(config, model, ["--credentials", "bench/credentials.yml"])
    env = dict(rasa_process.rasa_env(config), CHATBOT_PORT="8095", CHATBOT_RASA_URL=config.rasa_url,
               CHATBOT_DATABASE_URL=config.database_url, CHATBOT_RASA_TIMEOUT="10")
    web = subprocess.Popen([sys.executable, "-m", "chatbot", "serve"], cwd=ROOT, env=env,
                           start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(f"{config.rasa_url}/")
        wait("http://127.0.0.1:8095/healthz")
        api = "http://127.0.0.1:8095/api/conversations"
        content = Content(config.content_dir)
        intent_to_topic = {INTENT_OF_ANSWER.get(n, n): content.topic_of(n) for n in content.names}
        ours, bare = [], []
        # warm up both paths
        for i in range(5):
            _, created = post(api, {})
            post(f"{api}/{created['id']}/messages", {"text": "hola"})
            post(f"{config.rasa_url}/webhooks/rest/webhook", {"sender": f"warm{i}", "message": "hola"})
        print("\nHeld-out NLU set (tests/nlu/*.yml), first message of a new conversation through the chat API")
        for lang in ("es", "en"):
            examples = held_out(lang)
            topic_ok = intent_ok = 0
            errors = Counter()
            for n, (intent, text) in enumerate(examples):
                _, created = post(api, {})
                elapsed, reply = post(f"{api}/{created['id']}/messages", {"text": text})
                ours.append(elapsed)
                got = reply["messages"][0]["topic"]
                topic_ok += got == intent_to_topic[intent]
                if got != intent_to_topic[intent]:
                    errors[(intent, got)] += 1
                elapsed, _ = post(f"{config.rasa_url}/webhooks/rest/webhook", {"sender": f"b{lang}{n}", "message": text})
                bare.append(elapsed)
                _, parsed = post(f"{config.rasa_url}/model/parse?token={config.rasa_token}", {"text": text})
                intent_ok += parsed["intent"]["name"] == intent
            print(f"  {lang}: intent accuracy {intent_ok / len(examples):.3f}, first-reply topic accuracy "
                  f"{topic_ok / len(examples):.3f} ({len(examples)} messages)")
            for (intent, got), count in errors.most_common(8):
                print(f"     {intent} -> {got}: {count}")
        def flagged(text):
            _, created = post(api, {})
            _, reply = post(f"{api}/{created['id']}/messages", {"text": text})
            return reply["messages"][0]["topic"] in {"crisis_support", "emergency"}

        for name, listed in CRISIS_SETS:
            print(f"\nbench/data/{name}_*.yml through the chat API (lexicon and NLU together: the first "
                  "reply is crisis_support or emergency)")
            for lang in ("es", "en"):
                crisis_report(lang, crisis_set(name, lang), flagged, listed)
        p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
        b50, b95 = percentile(bare, 0.5), percentile(bare, 0.95)
        print(f"\nFirst-reply latency, single user, {len(ours)} requests each")
        print(f"  our API:        p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {statistics.mean(ours):.1f} ms")
        print(f"  bare Rasa REST: p50 {b50:.1f} ms, p95 {b95:.1f} ms, mean {statistics.mean(bare):.1f} ms")
        print(f"  ratio ours/bare: p50 {p50 / b50:.2f}x, p95 {p95 / b95:.2f}x")
    finally:
        for process in (web, rasa):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
