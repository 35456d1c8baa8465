"""Helpers for the website's browser tests: our app served from a background thread on a free
port (in front of the session's Rasa), and Debian's chromium driven by playwright."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import web

from chatbot.app import PrivateAccessLogger, create_app
from chatbot.config import ROOT, Config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


class LiveServer:
    """create_app() behind aiohttp's AppRunner, in its own thread and event loop."""

    def __init__(self, config: Config):
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.app: web.Application | None = None
        self._thread = threading.Thread(target=self._run, name="site-server", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.app = create_app(self.config)
            runner = web.AppRunner(self.app, access_log_class=PrivateAccessLogger, shutdown_timeout=2)
            self.loop.run_until_complete(runner.setup())
            self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.config.port).start())
        except BaseException as error:  # reported to the test thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(runner.cleanup())
            self.loop.close()

    def start(self) -> "LiveServer":
        self._thread.start()
        if not self._ready.wait(120):
            raise RuntimeError("the site server did not start in 120 s")
        if self._error:
            raise RuntimeError("the site server did not start") from self._error
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Runs axe-core (vendored, injected into the page) and returns the violations that matter."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
