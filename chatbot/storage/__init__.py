"""Storage: our database (SQLAlchemy; SQLite by default, PostgreSQL in production) and the
erasure of Rasa's tracker events, so a conversation is removed from every store at once."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, delete, event, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from .models import AuditEvent, Base, Conversation, Message, Note, utcnow

__all__ = ["Store", "Conversation", "Message", "hash_public_id"]


def hash_public_id(public_id: str) -> str:
    return hashlib.sha256(public_id.encode()).hexdigest()


def _no_result_rows(record: logging.LogRecord) -> bool:
    """SQLAlchemy logs every result row at DEBUG (message text included): never those."""
    return record.levelno > logging.DEBUG


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_no_result_rows)


def _engine(url: str):
    if url.startswith("sqlite"):
        # SQLAlchemy 1.4 opens a new SQLite connection per session by default: keep a pool.
        engine = create_engine(
            url, future=True, poolclass=QueuePool, connect_args={"check_same_thread": False},
            hide_parameters=True,  # SQL logs (DEBUG) must never carry message text
        )
    else:
        engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; only a power cut can lose the last turn
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


class Store:
    # What a turn may change on a conversation.
    CONTEXT_COLUMNS = ("lang", "audience", "country", "risk", "flags", "misunderstood",
                       "last_activity_at")

    def __init__(self, database_url: str, tracker_database_url: str):
        self.engine = _engine(database_url)
        self.tracker_engine = _engine(tracker_database_url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)
        self._add_new_columns()

    def _add_new_columns(self) -> None:
        """A database made by an earlier version gets the columns added since (create_all only
        makes missing tables). Existing rows take the column's default."""
        inspector = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                present = {column["name"] for column in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present:
                        continue
                    default = column.default.arg if column.default is not None and column.default.is_scalar else None
                    sql = f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type.compile(self.engine.dialect)}"
                    if isinstance(default, bool):
                        sql += " DEFAULT " + ("TRUE" if default else "FALSE")
                    elif isinstance(default, int):
                        sql += f" DEFAULT {default}"
                    connection.execute(text(sql))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def new_conversation(self, channel: str, lang: str, country: str) -> tuple[str, Conversation]:
        """Returns the public id (shown once, to the user) and the stored conversation."""
        public_id = secrets.token_urlsafe(24)  # 192 random bits
        conversation = Conversation(
            id=secrets.token_hex(16),
            public_id_hash=hash_public_id(public_id),
            channel=channel,
            lang=lang,
            country=country,
        )
        with self.session() as session:
            session.add(conversation)
        return public_id, conversation

    def find(self, public_id: str) -> Conversation | None:
        with self.session() as session:
            return session.scalars(
                select(Conversation).where(Conversation.public_id_hash == hash_public_id(public_id))
            ).first()

    def record_turn(self, conversation: Conversation, user_text: str, replies: list[dict],
                    flag: str | None = None) -> None:
        """Saves the conversation's new context and the turn's messages in one transaction.
        `flag` marks the user's message (crisis, emergency) for the console."""
        conversation.last_activity_at = utcnow()
        with self.session() as session:
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id)
                .values({column: getattr(conversation, column) for column in self.CONTEXT_COLUMNS})
            )
            session.add(Message(conversation_id=conversation.id, sender="user", text=user_text, flag=flag))
            for reply in replies:
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        sender="bot",
                        text=reply["text"],
                        topic=reply["topic"],
                    )
                )

    def add_message(self, conversation_id: str, sender: str, text: str, topic: str | None = None) -> Message:
        """A message outside a user's turn: a counsellor's, or the bot's when a counsellor joins or leaves."""
        with self.session() as session:
            message = Message(conversation_id=conversation_id, sender=sender, text=text, topic=topic)
            session.add(message)
            session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(last_activity_at=utcnow())
            )
        return message

    def user_messages_since(self, conversation_id: str, period: dt.timedelta) -> int:
        with self.session() as session:
            return session.scalar(
                select(func.count()).select_from(Message).where(
                    Message.conversation_id == conversation_id, Message.sender == "user",
                    Message.created_at > utcnow() - period,
                )
            ) or 0

    def transcript(self, conversation_id: str) -> list[Message]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
                )
            )

    def erase(self, conversation_ids: list[str]) -> None:
        """Removes conversations from our database and from Rasa's tracker store."""
        if not conversation_ids:
            return
        with self.session() as session:
            session.execute(
                update(AuditEvent).where(AuditEvent.conversation_id.in_(conversation_ids))
                .values(conversation_id=None, detail=None)
            )
            session.execute(delete(Note).where(Note.conversation_id.in_(conversation_ids)))
            session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
            session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
        try:
            with self.tracker_engine.begin() as connection:
                for conversation_id in conversation_ids:
                    connection.execute(
                        text("DELETE FROM events WHERE sender_id = :sender"), {"sender": conversation_id}
                    )
        except DBAPIError as error:
            # Rasa creates `events` on its first start; before that there is nothing to erase.
            if "events" not in str(error):
                raise

    def erase_older_than(self, days: int) -> int:
        cutoff = utcnow() - dt.timedelta(days=days)
        with self.session() as session:
            stale = list(
                session.scalars(select(Conversation.id).where(Conversation.last_activity_at < cutoff))
            )
        self.erase(stale)
        return len(stale)
