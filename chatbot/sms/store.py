"""The SMS tables (chatbot/storage/models.py), on top of the shared Store: contacts found by the
HMAC of their number, processed MessageSids, replies and their delivery status."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..storage import Conversation, Store
from ..storage.models import SmsContact, SmsInbound, SmsOutbound, utcnow

FAILED = ("failed", "undelivered")


@dataclass
class Contact:
    phone_hmac: str
    conversation: Conversation
    opted_out: bool
    last_menu: list[str]
    has_number: bool


class SmsStore:
    def __init__(self, store: Store):
        self.store = store

    def claim(self, message_sid: str) -> bool:
        """True the first time a MessageSid is seen, by this instance or any other."""
        try:
            with self.store.session() as session:
                session.add(SmsInbound(message_sid=message_sid))
        except IntegrityError:
            return False
        return True

    def find(self, phone_hmac: str) -> Contact | None:
        with self.store.session() as session:
            row = session.execute(
                select(SmsContact, Conversation)
                .join(Conversation, Conversation.id == SmsContact.conversation_id)
                .where(SmsContact.phone_hmac == phone_hmac)
            ).first()
            if row is None:
                return None
            contact, conversation = row
            return Contact(
                phone_hmac=contact.phone_hmac,
                conversation=conversation,
                opted_out=contact.opted_out,
                last_menu=(contact.last_menu or "").split(),
                has_number=contact.phone_encrypted is not None,
            )

    def open(self, phone_hmac: str, sealed: str | None, lang: str, country: str) -> Contact:
        """A new SMS conversation for a parent; if another instance just made one for the same
        number, that one is used."""
        _, conversation = self.store.new_conversation("sms", lang, country)
        conversation.audience = "parent"
        try:
            with self.store.session() as session:
                session.execute(
                    update(Conversation).where(Conversation.id == conversation.id).values(audience="parent")
                )
                session.add(SmsContact(phone_hmac=phone_hmac, conversation_id=conversation.id,
                                       phone_encrypted=sealed, opted_out=False))
        except IntegrityError:
            self.store.erase([conversation.id])
            found = self.find(phone_hmac)
            if found is None:
                raise
            return found
        return Contact(phone_hmac, conversation, opted_out=False, last_menu=[], has_number=sealed is not None)

    def link(self, message_sid: str, conversation_id: str) -> None:
        with self.store.session() as session:
            session.execute(
                update(SmsInbound).where(SmsInbound.message_sid == message_sid)
                .values(conversation_id=conversation_id)
            )

    def update(self, phone_hmac: str, **values) -> None:
        """Changes a contact: opted_out, phone_encrypted, last_menu (a list), last_inbound_at."""
        if "last_menu" in values:
            values["last_menu"] = " ".join(values["last_menu"] or []) or None
        with self.store.session() as session:
            session.execute(update(SmsContact).where(SmsContact.phone_hmac == phone_hmac).values(**values))

    def sealed_number(self, conversation_id: str) -> str | None:
        with self.store.session() as session:
            return session.scalars(
                select(SmsContact.phone_encrypted).where(SmsContact.conversation_id == conversation_id)
            ).first()

    def twilio_sids(self, conversation_id: str) -> list[str]:
        with self.store.session() as session:
            inbound = session.scalars(
                select(SmsInbound.message_sid).where(SmsInbound.conversation_id == conversation_id)
            )
            outbound = session.scalars(
                select(SmsOutbound.message_sid).where(
                    SmsOutbound.conversation_id == conversation_id, SmsOutbound.message_sid.isnot(None)
                )
            )
            return list(inbound) + list(outbound)

    def inbound_since(self, conversation_id: str, period: dt.timedelta) -> int:
        with self.store.session() as session:
            return session.scalar(
                select(func.count()).select_from(SmsInbound).where(
                    SmsInbound.conversation_id == conversation_id, SmsInbound.received_at > utcnow() - period
                )
            ) or 0

    def erase(self, conversation_id: str) -> None:
        """Everything about this conversation: ours (contact, transcript, replies) and Rasa's
        tracker. The MessageSids stay, unlinked, so a retried webhook is still recognised."""
        self.store.erase([conversation_id])
        with self.store.session() as session:  # the database cascades; this is belt and braces
            session.execute(delete(SmsContact).where(SmsContact.conversation_id == conversation_id))
            session.execute(delete(SmsOutbound).where(SmsOutbound.conversation_id == conversation_id))

    def record_sent(self, message_sid: str | None, conversation_id: str | None, status: str,
                    segments: int, encoding: str, error_code: str | None = None) -> None:
        row = dict(message_sid=message_sid, status=status, segments=segments, encoding=encoding,
                   error_code=error_code)
        try:
            with self.store.session() as session:
                session.add(SmsOutbound(conversation_id=conversation_id, **row))
        except IntegrityError:  # erased meanwhile (BORRAR), or the status callback came first
            with self.store.session() as session:
                existing = message_sid and session.scalars(
                    select(SmsOutbound).where(SmsOutbound.message_sid == message_sid)
                ).first()
                if existing:
                    existing.segments, existing.encoding = segments, encoding
                else:
                    session.add(SmsOutbound(conversation_id=None, **row))

    def record_status(self, message_sid: str, status: str, error_code: str | None) -> None:
        with self.store.session() as session:
            existing = session.scalars(
                select(SmsOutbound).where(SmsOutbound.message_sid == message_sid)
            ).first()
            if existing is None:
                session.add(SmsOutbound(message_sid=message_sid, status=status, error_code=error_code))
            elif existing.status not in FAILED:  # callbacks can arrive out of order
                existing.status, existing.error_code, existing.updated_at = status, error_code, utcnow()

    def failures(self) -> list[SmsOutbound]:
        with self.store.session() as session:
            return list(session.scalars(select(SmsOutbound).where(SmsOutbound.status.in_(FAILED))))

    def forget_idle_numbers(self, hours: float) -> int:
        """Clears the encrypted number of contacts quiet for `hours`; their next text brings it
        back. Also drops MessageSids older than a week (Twilio retries within hours)."""
        now = utcnow()
        with_the_bot = select(Conversation.id).where(Conversation.state == "bot")  # a counsellor may still text
        with self.store.session() as session:
            cleared = session.execute(
                update(SmsContact)
                .where(SmsContact.last_inbound_at < now - dt.timedelta(hours=hours),
                       SmsContact.phone_encrypted.isnot(None), SmsContact.conversation_id.in_(with_the_bot))
                .values(phone_encrypted=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            session.execute(delete(SmsInbound).where(SmsInbound.received_at < now - dt.timedelta(days=7)))
        return cleared or 0
