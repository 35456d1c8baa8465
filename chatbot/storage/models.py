"""Our tables. Rasa keeps its own `events` table (its SQL tracker store)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Conversation(Base):
    __tablename__ = "conversations"

    # Random and never shown to anyone: Rasa's sender id. The public id is only kept hashed.
    id = Column(String(32), primary_key=True)
    public_id_hash = Column(String(64), unique=True, nullable=False)
    channel = Column(String(8), nullable=False, default="web")
    lang = Column(String(2), nullable=False, default="es")
    audience = Column(String(8), nullable=False, default="teen")
    country = Column(String(2), nullable=False, default="ES")
    state = Column(String(16), nullable=False, default="bot")  # bot, waiting, human (chatbot/handoff.py)
    risk = Column(String(16))  # crisis, emergency: the worst seen
    flags = Column(String(64))  # risk flags for the queue, space-separated (e.g. "deadline")
    misunderstood = Column(Integer, nullable=False, default=0)  # fallbacks in a row
    # The counsellor queue: set when the user asks for a person (or a crisis sends them).
    priority = Column(Integer)  # 0 crisis, 1 emergency, 2 blackmail with a deadline, 3 the rest
    queued_at = Column(DateTime, index=True)
    claimed_at = Column(DateTime)
    counsellor_id = Column(Integer, ForeignKey("counsellors.id", ondelete="SET NULL"), index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_activity_at = Column(DateTime, nullable=False, default=utcnow, index=True)

    messages = relationship(
        "Message", cascade="all, delete-orphan", passive_deletes=True, order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "messages"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender = Column(String(12), nullable=False)  # user, bot, counsellor, system (the bot, outside a turn)
    text = Column(Text, nullable=False)
    topic = Column(String(32))
    flag = Column(String(16))  # crisis or emergency: highlighted in the console
    created_at = Column(DateTime, nullable=False, default=utcnow)


# -- Counsellors (chatbot/console). Notes and audit details go with their conversation.


class Counsellor(Base):
    __tablename__ = "counsellors"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id
    role = Column(String(12), nullable=False, default="counsellor")  # counsellor, supervisor
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    token_hash = Column(String(64), primary_key=True)  # sha256 of the cookie's value
    counsellor_id = Column(Integer, ForeignKey("counsellors.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow, index=True)  # any request: on duty
    last_active_at = Column(DateTime, nullable=False, default=utcnow)  # the counsellor acted: idle timeout


class Note(Base):
    """A counsellor's private note on a conversation: never shown to the user."""

    __tablename__ = "notes"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    counsellor_id = Column(Integer, ForeignKey("counsellors.id", ondelete="SET NULL"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AuditEvent(Base):
    """Who did what: logins, views, claims, messages, transfers, closes. When a conversation is
    erased its rows stay (that someone acted) but lose the conversation and the details."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    counsellor_id = Column(Integer, ForeignKey("counsellors.id", ondelete="SET NULL"), index=True)
    action = Column(String(24), nullable=False)
    conversation_id = Column(String(32), ForeignKey("conversations.id", ondelete="SET NULL"), index=True)
    detail = Column(String(255))


# -- SMS (chatbot/sms). The phone number is never here in clear: rows are found by an HMAC of it.
# Each row goes with its conversation (ON DELETE CASCADE), so Store.erase() removes it too.


class SmsContact(Base):
    __tablename__ = "sms_contacts"

    phone_hmac = Column(String(64), primary_key=True)
    conversation_id = Column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    phone_encrypted = Column(Text)  # Fernet token; cleared on opt-out and after a quiet period
    opted_out = Column(Boolean, nullable=False, default=False)
    last_menu = Column(String(255))  # answer names of the last numbered menu, space-separated
    last_inbound_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class SmsInbound(Base):
    """Every MessageSid processed once (Twilio retries webhooks): the primary key is the guard."""

    __tablename__ = "sms_inbound"

    message_sid = Column(String(64), primary_key=True)
    conversation_id = Column(
        String(32), ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    received_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class SmsOutbound(Base):
    """Replies sent, with Twilio's delivery status (failed and undelivered ones are the point)."""

    __tablename__ = "sms_outbound"

    id = Column(Integer, primary_key=True)
    message_sid = Column(String(64), unique=True)
    conversation_id = Column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    status = Column(String(16), nullable=False)
    error_code = Column(String(16))
    segments = Column(Integer)
    encoding = Column(String(8))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
