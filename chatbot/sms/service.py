"""What happens to one text message from a parent. The conversation itself (safety first,
language, Rasa, helplines on failure) is decided by Assistant.handle(), as for the website; this
module adds what is particular to SMS: the number, keywords, menus, pictures, opt-out, and
sending within the segment budget."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from .. import redaction, safety
from ..api import MAX_TEXT, user_text
from ..config import Config
from ..content import Context
from ..conversation import CRISIS_TOPICS, Assistant, InvalidPayload
from ..storage.models import utcnow
from . import keywords, privacy, segments
from .outbox import Outbox
from .render import Composer, Outgoing, plain_text
from .store import FAILED, Contact, SmsStore
from .twilio_client import RecordingHttpClient, TwilioError, TwilioGateway

log = logging.getLogger(__name__)

LIVE, SIMULATOR, DISABLED = "live", "simulator", "disabled"
SIMULATOR_ACCOUNT = "AC" + "0" * 32
SIMULATOR_FROM = "+15005550006"  # Twilio's "valid sender" test number
MAX_MEDIA = 10  # Twilio's limit per message
RELAY_SEGMENTS = 6  # a counsellor's message may be longer than the bot's budget
HOUR = dt.timedelta(hours=1)
_CHOICE = re.compile(r"^\s*([1-9])\s*[.)]?\s*$")


@dataclass
class Inbound:
    message_sid: str
    phone: privacy.Phone
    body: str
    media: list[str]  # Twilio media sids, never their content
    opt_out_type: str  # Twilio Advanced Opt-Out already handled STOP/START when set


class SmsService:
    def __init__(self, assistant: Assistant, config: Config, http_client=None):
        self.assistant = assistant
        self.content = assistant.content
        self.db = SmsStore(assistant.store)
        self.vault = privacy.PhoneVault(config.phone_hmac_key, config.phone_encryption_key)
        self.composer = Composer(self.content, config.sms_segment_budget)
        self.public_base_url = config.public_base_url
        self.number_ttl_hours = config.sms_number_ttl_hours
        self.per_hour = config.sms_per_hour
        self.outbox = Outbox()
        self.mode, self.token, self.gateway = self._gateway(config, http_client)
        self.recorder = self.gateway.client.http_client if self.mode == SIMULATOR else None

    @staticmethod
    def _gateway(config: Config, http_client):
        backoff = config.sms_retry_backoff
        sender = dict(from_number=config.twilio_from_number,
                      messaging_service_sid=config.twilio_messaging_service_sid)
        if config.twilio_account_sid and config.twilio_auth_token and any(sender.values()):
            gateway = TwilioGateway(config.twilio_account_sid, config.twilio_auth_token, **sender,
                                    http_client=http_client, backoff=backoff)
            log.info("SMS: on, through Twilio (webhook POST /webhooks/twilio/sms)")
            return LIVE, config.twilio_auth_token, gateway
        if config.sms_simulator:
            gateway = TwilioGateway(SIMULATOR_ACCOUNT, config.sms_test_token,
                                    from_number=config.twilio_from_number or SIMULATOR_FROM,
                                    http_client=http_client or RecordingHttpClient(), backoff=backoff)
            log.info("SMS: simulator (CHATBOT_SMS_SIMULATOR=1): replies are recorded, never sent; "
                     "try it with ./run sms-sim")
            return SIMULATOR, config.sms_test_token, gateway
        missing = [name for name, value in (
            ("CHATBOT_TWILIO_ACCOUNT_SID", config.twilio_account_sid),
            ("CHATBOT_TWILIO_AUTH_TOKEN", config.twilio_auth_token),
            ("CHATBOT_TWILIO_FROM_NUMBER or CHATBOT_TWILIO_MESSAGING_SERVICE_SID", any(sender.values())),
        ) if not value]
        log.info("SMS: off (missing %s); set them to enable it, or CHATBOT_SMS_SIMULATOR=1 to try "
                 "it locally", ", ".join(missing))
        return DISABLED, "", None

    @property
    def enabled(self) -> bool:
        return self.mode != DISABLED

    # -- a message comes in --------------------------------------------------------------

    @staticmethod
    def parse(params) -> Inbound | None:
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        phone = privacy.parse(params.get("From"))
        if not sid or phone is None:
            return None
        try:
            count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
        except ValueError:
            count = 0
        media = []
        for index in range(count):
            url = params.get(f"MediaUrl{index}") or ""
            media_sid = url.rstrip("/").rsplit("/", 1)[-1]
            if media_sid.startswith("ME"):
                media.append(media_sid)
        body = user_text(params.get("Body") or "")[:MAX_TEXT]
        return Inbound(sid, phone, body, media, (params.get("OptOutType") or "").upper())

    async def receive(self, inbound: Inbound, callback_base: str) -> None:
        """Everything for one inbound message; replies leave through the outbox."""
        try:
            first = self.db.claim(inbound.message_sid)
        except SQLAlchemyError:  # no database: a possible duplicate beats silence
            log.exception("sms: cannot record the MessageSid; answering anyway")
            first = True
        if not first:
            log.info("sms: MessageSid seen before (a Twilio retry): ignored")
            return
        for media_sid in inbound.media:  # never downloaded: deleted at Twilio, unopened
            self.outbox.submit(self._delete_media, inbound.message_sid, media_sid)
        try:
            contact, outgoing = await self._respond(inbound)
        except Exception:
            log.exception("sms: turn failed; answering with the helplines")
            ctx = Context(lang=inbound.phone.lang, channel="sms", audience="parent",
                          country=inbound.phone.country or self.assistant.default_country)
            contact = None
            outgoing = self.composer.compose([self.content.render("unavailable", ctx).as_dict()], ctx)
        conversation_id = contact.conversation.id if contact else None
        callback = f"{callback_base}/webhooks/twilio/status"
        for sms in outgoing.messages if outgoing else []:
            self.outbox.submit(self._send, inbound.phone.e164, sms, conversation_id, callback)

    async def _respond(self, inbound: Inbound) -> tuple[Contact | None, Outgoing | None]:
        phone, body = inbound.phone, privacy.redact(inbound.body, inbound.phone)
        key = self.vault.key(phone)
        keyword = keywords.match(body)
        contact = self.db.find(key)
        if contact is None:
            if keyword and keyword.action == keywords.ERASE:  # nothing to erase; say so, keep nothing
                ctx = self._context(phone.lang, phone)
                return None, self.composer.compose([self.content.render("sms_erased", ctx).as_dict()], ctx)
            contact = self.db.open(key, self.vault.seal(phone), phone.lang,
                                   phone.country or self.assistant.default_country)
        conversation = contact.conversation
        self.db.link(inbound.message_sid, conversation.id)
        changes: dict = {"last_inbound_at": utcnow()}
        if keyword and keyword.lang:
            conversation.lang = keyword.lang
        ctx = self.assistant.context(conversation)

        if keyword and keyword.action == keywords.ERASE:
            sids = self.db.twilio_sids(conversation.id)
            self.db.erase(conversation.id)
            for sid in sids:
                self.outbox.submit(self._delete_message, sid)
            log.info("sms: conversation erased on request")
            return None, self.composer.compose([self.content.render("sms_erased", ctx).as_dict()], ctx)

        if keyword and keyword.action == keywords.STOP:
            self.db.update(key, opted_out=True, phone_encrypted=None, last_menu=[], **changes)
            if contact.opted_out or inbound.opt_out_type == "STOP":  # confirm once; Twilio may have
                return contact, None
            return contact, self._say(contact, body, "sms_stop", ctx)

        if keyword and keyword.action == keywords.START:
            changes.update(opted_out=False, phone_encrypted=self.vault.seal(phone), last_menu=[])
            self.db.update(key, **changes)
            if inbound.opt_out_type == "START":
                return contact, None
            return contact, self._say(contact, body, "sms_start", ctx)

        if keyword and keyword.action == keywords.HELP:
            self.db.update(key, last_menu=[], **changes)
            if inbound.opt_out_type == "HELP":  # Twilio's Advanced Opt-Out answered it already
                return contact, None
            return contact, self._say(contact, body, "sms_help", ctx)

        crisis = bool(body) and safety.assess(body) is not None
        if contact.opted_out and not crisis:
            # Opted out: nothing is sent, stored or shown to Rasa. A message about suicide or
            # danger is the one exception: it still gets the crisis lines (README, "SMS").
            self.db.update(key, **changes)
            return contact, None
        if not contact.has_number and not contact.opted_out:
            changes["phone_encrypted"] = self.vault.seal(phone)
        received = self.db.inbound_since(conversation.id, HOUR)
        if received > self.per_hour and not crisis:
            # A flood (or a loop with another automatic number): say why once, then stay quiet.
            self.db.update(key, **changes)
            if received == self.per_hour + 1:
                return contact, self._say(contact, body, "rate_limited", ctx)
            return contact, None

        replies: list[dict] = []
        if body:
            replies = (await self._turn(contact, body, keyword)).messages
        if contact.opted_out:  # only the crisis lines: nobody could text them back
            replies = [reply for reply in replies if reply["topic"] in CRISIS_TOPICS]
            self.assistant.handoff.cancel(conversation)
        if inbound.media:
            refusal = self.content.render("sms_picture", self.assistant.context(conversation)).as_dict()
            if not body:
                self.assistant.store.record_turn(conversation, "[picture, deleted unopened]", [refusal])
            crisis_first = [r for r in replies if r["topic"] in CRISIS_TOPICS]
            replies = crisis_first + [refusal] + [r for r in replies if r not in crisis_first]
        if not replies:
            self.db.update(key, **changes)
            return contact, None
        outgoing = self.composer.compose(replies, self.assistant.context(conversation))
        changes["last_menu"] = outgoing.menu
        self.db.update(key, **changes)
        return contact, outgoing

    async def _turn(self, contact: Contact, body: str, keyword):
        conversation = contact.conversation
        if keyword and keyword.action == keywords.HUMAN:
            return await self.assistant.handle(conversation, payload="/talk_to_human")
        choice = _CHOICE.match(body)
        if choice and int(choice.group(1)) <= len(contact.last_menu):
            try:
                return await self.assistant.handle(
                    conversation, payload=f"/{contact.last_menu[int(choice.group(1)) - 1]}"
                )
            except InvalidPayload:  # the content changed since the menu was sent
                pass
        return await self.assistant.handle(conversation, text=body)

    def _say(self, contact: Contact, body: str, name: str, ctx: Context) -> Outgoing:
        reply = self.content.render(name, ctx).as_dict()
        try:
            self.assistant.store.record_turn(contact.conversation, redaction.redact(body), [reply])
        except Exception:
            log.exception("sms: could not store a keyword turn; the parent still gets the answer")
        return self.composer.compose([reply], ctx)

    def _context(self, lang: str, phone: privacy.Phone) -> Context:
        return Context(lang=lang, channel="sms", audience="parent",
                       country=phone.country or self.assistant.default_country)

    # -- Twilio calls, in worker threads -------------------------------------------------

    def _send(self, to: str, sms: segments.Fitted, conversation_id: str | None, callback: str) -> None:
        try:
            sent = self.gateway.send(to, sms.text, callback)
        except TwilioError as error:
            log.error("sms: reply not sent: %s", error)
            self.db.record_sent(None, conversation_id, "failed", sms.segments, sms.encoding,
                                str(error.code or error.status or "network"))
            return
        self.db.record_sent(sent.sid, conversation_id, sent.status, sms.segments, sms.encoding)
        log.info("sms: reply queued (%d segment%s, %s%s)", sms.segments, "s" * (sms.segments > 1),
                 sms.encoding, ", accents dropped" if sms.accents_dropped else "")

    def _delete_media(self, message_sid: str, media_sid: str) -> None:
        try:
            self.gateway.delete_media(message_sid, media_sid)
            log.info("sms: a picture was deleted at Twilio, unopened")
        except TwilioError as error:
            log.error("sms: a picture could not be deleted at Twilio (%s): delete it from the "
                      "console, message %s", error, message_sid)

    def _delete_message(self, message_sid: str) -> None:
        try:
            self.gateway.delete_message(message_sid)
        except TwilioError as error:  # e.g. still being delivered: Twilio's own retention applies
            log.warning("sms: message %s not deleted at Twilio (%s)", message_sid, error)

    # -- delivery status -----------------------------------------------------------------

    def status(self, params) -> None:
        sid = params.get("MessageSid") or params.get("SmsSid")
        state = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
        if not sid or not state:
            return
        code = params.get("ErrorCode") or None
        self.db.record_status(sid, state, code)
        if state in FAILED:
            log.warning("sms: delivery %s for %s (Twilio error %s)", state, sid, code)

    def relay(self, conversation_id: str, text: str, callback_base: str) -> str | None:
        """Texts a message written outside a turn (a counsellor's, or the bot's when one joins or
        leaves) to the parent. None when it is on its way; otherwise why it cannot be sent."""
        if not self.enabled:
            return "SMS is off on this server."
        sealed = self.db.sealed_number(conversation_id)
        number = sealed and self.vault.open(sealed)
        if not number:
            return ("This parent's number is no longer kept (they opted out, or were quiet for "
                    f"{self.number_ttl_hours:g} hours): a text cannot reach them until they write again.")
        fitted = segments.fit(plain_text(text), RELAY_SEGMENTS)
        if fitted is None:
            return f"Too long for one SMS reply: at most {RELAY_SEGMENTS} segments (about {RELAY_SEGMENTS * 150} plain characters)."
        self.outbox.submit(self._send, number, fitted, conversation_id, f"{callback_base}/webhooks/twilio/status")
        return None

    def masked_number(self, conversation_id: str) -> str | None:
        """For the counsellor console: '+34 ••• ••• •78', or None when the number is not kept."""
        sealed = self.db.sealed_number(conversation_id)
        number = sealed and self.vault.open(sealed)
        return privacy.mask(number) if number else None

    def take_recorded(self, to: str) -> dict:
        """Simulator only: what would have been sent to `to`, with its cost."""
        phone = privacy.parse(to)
        sent, deleted = self.recorder.take(phone.e164 if phone else to)
        replies = []
        for data in sent:
            fitted = segments.fit(data.get("Body", ""), 10**6)
            replies.append({"body": data.get("Body", ""), "segments": fitted.segments,
                            "encoding": fitted.encoding})
        return {"replies": replies, "deleted_at_twilio": [url.rsplit("/", 1)[-1] for url in deleted]}

    async def housekeeping(self, hours: float) -> int:
        return await asyncio.to_thread(self.db.forget_idle_numbers, hours)

