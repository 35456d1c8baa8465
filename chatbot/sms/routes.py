"""The Twilio webhooks: a message comes in, a delivery status changes, and (simulator only) the
replies recorded for a number. Every request must carry a valid X-Twilio-Signature."""
from __future__ import annotations

import logging

from aiohttp import web

from ..api import read_form
from . import signature
from .service import SIMULATOR, SmsService

log = logging.getLogger(__name__)

SMS = web.AppKey("sms", SmsService)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
routes = web.RouteTableDef()


async def _signed_form(request: web.Request, service: SmsService):
    """The POST parameters, after checking Twilio's signature; 404 when SMS is off."""
    if not service.enabled:
        raise web.HTTPNotFound(text="SMS is not configured on this server.")
    params = await read_form(request)
    url = signature.public_url(request, service.public_base_url)
    if not signature.valid(service.token, url, params, request.headers.get(signature.HEADER)):
        log.warning("twilio webhook %s: missing or wrong signature, rejected", request.path)
        raise web.HTTPForbidden(text="Invalid signature.")
    return params


@routes.post("/webhooks/twilio/sms")
async def incoming(request: web.Request) -> web.Response:
    service = request.app[SMS]
    params = await _signed_form(request, service)
    inbound = service.parse(params)
    if inbound is None:
        log.warning("sms: a message without a MessageSid or a usable sender number, ignored")
    else:
        await service.receive(inbound, signature.public_base(request, service.public_base_url))
    # The replies go through the REST API (with retries and a status callback), not TwiML.
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


@routes.post("/webhooks/twilio/status")
async def status(request: web.Request) -> web.Response:
    service = request.app[SMS]
    params = await _signed_form(request, service)
    service.status(params)
    return web.Response(status=204)


@routes.post("/webhooks/twilio/simulator/replies")
async def simulator_replies(request: web.Request) -> web.Response:
    """For `./run sms-sim`: the replies recorded for the signed `To` number since the last call.
    Exists only in simulator mode, where nothing is ever sent."""
    service = request.app[SMS]
    if service.mode != SIMULATOR:
        raise web.HTTPNotFound(text="The SMS simulator is off (CHATBOT_SMS_SIMULATOR=1 turns it on).")
    params = await _signed_form(request, service)
    await service.outbox.drain()
    return web.json_response(service.take_recorded(params.get("To", "")))
