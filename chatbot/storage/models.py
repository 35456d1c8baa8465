"""Our tables. Rasa keeps its own `events` table (its SQL tracker store)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
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
    state = Column(String(16), nullable=False, default="bot")
    risk = Column(String(16))
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
    sender = Column(String(12), nullable=False)  # user, bot
    text = Column(Text, nullable=False)
    topic = Column(String(32))
    created_at = Column(DateTime, nullable=False, default=utcnow)
