"""The web service: builds the aiohttp application from the configuration."""
from __future__ import annotations

import asyncio
import errno
import logging
import re
from pathlib import Path

import yaml
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from . import api, console, redaction, safety, site
from . import sms
from .api import ASSISTANT
from .config import ROOT, Config
from .content import Content
from .conversation import Assistant
from .handoff import Handoff, Hours
from .rasa_client import RasaClient
from .storage import Store

log = logging.getLogger(__name__)
CONFIG = web.AppKey("config", Config)
RETENTION_CHECK_SECONDS = 3600
QUEUE_CHECK_SECONDS = 60
_ID_IN_PATH = re.compile(r"/conversations/[^/]+")


class PrivateAccessLogger(AbstractAccessLogger):
    """Method, path (conversation ids masked), status and time: no IP address, no query string."""

    def log(self, request, response, time):
        path = _ID_IN_PATH.sub("/conversations/…", request.path)
        self.logger.info("%s %s %s %.0fms", request.method, path, response.status, time * 1000)


@web.middleware
async def never_a_5xx(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:  # the last line of defence: the user still gets a useful answer
        if isinstance(error, OSError) and error.errno == errno.ENAMETOOLONG:  # a static file name
            raise web.HTTPNotFound() from error
        # The route's pattern, not the path: a path is text anyone can send.
        route = getattr(request.match_info.route.resource, "canonical", "an unknown route")
        log.exception("unhandled error on %s %s", request.method, route)
        if request.path.startswith("/console"):  # a counsellor must know an action did not happen
            return web.json_response({"error": "That did not work (a server error). Try again."}, status=503)
        assistant = request.app[ASSISTANT]
        reply = assistant.content.render("unavailable", assistant.default_context()).as_dict()
        return web.json_response({"messages": [reply], "state": "bot"}, status=200)


def domain_intents(domain_path: Path = ROOT / "domain.yml") -> set[str]:
    return set(yaml.safe_load(domain_path.read_text(encoding="utf-8"))["intents"])


def create_app(config: Config | None = None, twilio_http_client=None) -> web.Application:
    """`twilio_http_client` replaces the HTTP layer of the Twilio client (tests)."""
    config = config or Config.from_env()
    store = Store(config.database_url, config.tracker_database_url)
    store.create_all()
    content = Content(config.content_dir, config.retention_days, config.content_reload_seconds)
    rasa = RasaClient(config.rasa_url, config.rasa_token, config.rasa_timeout)
    app = web.Application(
        middlewares=[site.security_headers, never_a_5xx], client_max_size=64 * 1024
    )
    app[CONFIG] = config
    handoff = Handoff(store, Hours(config.counsellor_hours, config.counsellor_timezone),
                      config.console_idle_minutes)
    app[ASSISTANT] = Assistant(
        store, content, rasa, domain_intents(), handoff, config.default_lang, config.default_country,
        config.messages_per_minute,
    )
    app.add_routes(api.routes)
    app[sms.SMS] = sms.SmsService(app[ASSISTANT], config, twilio_http_client)
    app.add_routes(sms.routes)
    app.cleanup_ctx.append(sms.background)
    console.setup(app, store, config.console_idle_minutes)
    app.add_routes(site.routes)
    app.router.add_static("/static", site.STATIC_DIR)
    app.on_shutdown.append(site.end_streams)
    app.cleanup_ctx.append(_background(store, config, handoff, app[console.ACCOUNTS]))

    async def close_rasa(_app):
        await rasa.close()

    app.on_cleanup.append(close_rasa)
    return app


def _background(store: Store, config: Config, handoff: Handoff, accounts):
    """Loads the crisis lexicon and the redaction lists before the first user needs them, and
    erases conversations older than the retention period every hour."""

    async def erase_expired_hourly():
        while True:
            try:
                erased = await asyncio.to_thread(store.erase_older_than, config.retention_days)
                if erased:
                    log.info("retention: erased %d conversation(s)", erased)
            except Exception:
                log.exception("retention run failed; will retry")
            await asyncio.sleep(RETENTION_CHECK_SECONDS)

    async def keep_the_queue_true():
        """Every minute: conversations whose counsellor left go back to the queue, abandoned web
        requests leave it, and expired console sessions are deleted."""
        while True:
            await asyncio.sleep(QUEUE_CHECK_SECONDS)
            try:
                moved = await asyncio.to_thread(handoff.requeue_absent)
                expired = await asyncio.to_thread(handoff.expire_waiting)
                await asyncio.to_thread(accounts.forget_old_sessions)
                if moved or expired:
                    log.info("queue: %d back from absent counsellors, %d abandoned requests dropped", moved, expired)
            except Exception:
                log.exception("queue check failed; will retry")

    async def context(_app):
        await asyncio.to_thread(safety.warm_up)
        await asyncio.to_thread(redaction.warm_up)
        tasks = [asyncio.create_task(erase_expired_hourly()), asyncio.create_task(keep_the_queue_true())]
        yield
        for task in tasks:
            task.cancel()

    return context


def serve(config: Config) -> None:
    web.run_app(
        create_app(config),
        host=config.host,
        port=config.port,
        access_log_class=PrivateAccessLogger,
        print=None,
    )
