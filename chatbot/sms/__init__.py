"""Parents over SMS, through Twilio: signed webhooks, short replies, keywords, no number in clear.

    app[SMS] = SmsService(assistant, config)   # off, simulated or live, from the configuration
    app.add_routes(sms.routes)
    app.cleanup_ctx.append(sms.background)

Modules: routes (webhooks), signature (X-Twilio-Signature), service (one inbound message),
keywords, render (menus and the segment budget), segments (GSM-7 / UCS-2), privacy (HMAC,
encryption, masking), store (SMS tables), twilio_client (the one REST client), outbox (off the
event loop), simulator (`./run sms-sim`)."""
from __future__ import annotations

import asyncio
import logging

from .routes import SMS, routes
from .service import SmsService

__all__ = ["SMS", "SmsService", "routes", "background"]

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 3600


async def background(app):
    """Hourly: clear the encrypted numbers of quiet conversations. On shutdown: let the replies
    in flight leave."""
    service: SmsService = app[SMS]

    async def hourly():
        while True:
            try:
                cleared = await service.housekeeping(service.number_ttl_hours)
                if cleared:
                    log.info("sms: %d encrypted number(s) of quiet conversations cleared", cleared)
            except Exception:
                log.exception("sms housekeeping failed; will retry")
            await asyncio.sleep(HOUSEKEEPING_SECONDS)

    task = asyncio.create_task(hourly()) if service.enabled else None
    yield
    if task:
        task.cancel()
    await service.outbox.drain(timeout=15)
