"""Counsellors' accounts and console sessions: argon2id password hashes, sessions kept in the
database (any app instance recognises them), CSRF tokens, login limits, an idle timeout, and the
audit log every action writes to."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from ..storage import Store
from ..storage.models import AuditEvent, ConsoleSession, Counsellor, utcnow

ROLES = ("counsellor", "supervisor")
MIN_PASSWORD = 12
LOCK_AFTER = 5  # failed logins in a row lock the account...
LOCK_MINUTES = 15  # ...for this long
CLIENT_FAILURES = 20  # failed logins per client per LOCK_MINUTES (kept in memory, never logged)
SEEN_EVERY = dt.timedelta(seconds=20)  # presence is written at most this often
VIEW_EVERY = dt.timedelta(minutes=10)  # one "view" in the audit log per conversation and counsellor

_hasher = PasswordHasher()  # argon2id with the library's (OWASP-level) defaults
# A hash to verify against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    pass


class LoginRefused(Exception):
    """Wrong username or password (deliberately not saying which), or too many attempts."""

    def __init__(self, message: str, limited: bool = False):
        super().__init__(message)
        self.limited = limited


@dataclass
class Person:
    """The counsellor behind a request."""

    id: int
    username: str
    role: str
    csrf: str

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def _bytes(text: str) -> bytes:
    """Header and cookie values can carry undecodable bytes (as lone surrogates): keep them."""
    return text.encode("utf-8", "surrogateescape")


def _digest(token: str) -> str:
    return hashlib.sha256(_bytes(token)).hexdigest()


def same_secret(expected: str, sent: str | None) -> bool:
    """Constant-time comparison that any sent value (empty, non-ASCII) simply fails."""
    return bool(expected) and bool(sent) and hmac.compare_digest(_bytes(expected), _bytes(sent))


class Accounts:
    def __init__(self, store: Store, idle_minutes: int):
        self.store = store
        self.idle = dt.timedelta(minutes=idle_minutes)
        self._client_failures: dict[str, deque] = defaultdict(deque)

    # -- accounts (the CLI) -------------------------------------------------------------------

    def create(self, username: str, password: str, role: str = "counsellor") -> None:
        username = username.strip()
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
            raise AccountError("username: letters, digits, '.' and '_' only, at most 64")
        self._check_password(password)
        with self.store.session() as session:
            if session.scalars(select(Counsellor).where(Counsellor.username == username)).first():
                raise AccountError(f"'{username}' already exists")
            session.add(Counsellor(username=username, password_hash=_hasher.hash(password), role=role))

    def set_password(self, username: str, password: str) -> None:
        self._check_password(password)
        self._change(username, password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)

    def set_active(self, username: str, active: bool) -> None:
        self._change(username, active=active)
        if not active:  # logged out everywhere
            with self.store.session() as session:
                counsellor = session.scalars(select(Counsellor).where(Counsellor.username == username)).one()
                session.execute(delete(ConsoleSession).where(ConsoleSession.counsellor_id == counsellor.id))

    def list(self) -> list[Counsellor]:
        with self.store.session() as session:
            return list(session.scalars(select(Counsellor).order_by(Counsellor.username)))

    def _change(self, username: str, **values) -> None:
        with self.store.session() as session:
            changed = session.execute(
                update(Counsellor).where(Counsellor.username == username).values(**values)
            ).rowcount
        if not changed:
            raise AccountError(f"no account '{username}'")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")

    # -- logging in and out ---------------------------------------------------------------------

    def login(self, username: str, password: str, client: str) -> str:
        """A new session token for the cookie, or LoginRefused."""
        failures = self._client_failures[_digest(client)]
        now = time.monotonic()
        while failures and now - failures[0] > LOCK_MINUTES * 60:
            failures.popleft()
        if len(failures) >= CLIENT_FAILURES:
            raise LoginRefused("Too many attempts. Wait a few minutes and try again.", limited=True)
        refusal = None
        with self.store.session() as session:  # committed even when the login is refused
            counsellor = session.scalars(
                select(Counsellor).where(Counsellor.username == username.strip()[:64])
            ).first()
            if counsellor and counsellor.locked_until and counsellor.locked_until > utcnow():
                refusal = LoginRefused("Too many attempts. Wait a few minutes and try again.", limited=True)
            elif not self._verify(counsellor.password_hash if counsellor else _DUMMY_HASH, password) \
                    or counsellor is None or not counsellor.active:
                refusal = LoginRefused("Wrong username or password.")
                if counsellor is not None:
                    counsellor.failed_logins += 1
                    if counsellor.failed_logins >= LOCK_AFTER:
                        counsellor.locked_until = utcnow() + dt.timedelta(minutes=LOCK_MINUTES)
                    session.add(AuditEvent(counsellor_id=counsellor.id, action="login_failed"))
            else:
                counsellor.failed_logins, counsellor.locked_until = 0, None
                if _hasher.check_needs_rehash(counsellor.password_hash):
                    counsellor.password_hash = _hasher.hash(password)
                token = secrets.token_urlsafe(32)
                session.add(ConsoleSession(token_hash=_digest(token), counsellor_id=counsellor.id,
                                           csrf_token=secrets.token_urlsafe(32)))
                session.add(AuditEvent(counsellor_id=counsellor.id, action="login"))
        if refusal is not None:
            failures.append(now)
            raise refusal
        return token

    @staticmethod
    def _verify(password_hash: str, password: str) -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def logout(self, token: str) -> None:
        with self.store.session() as session:
            row = session.get(ConsoleSession, _digest(token))
            if row is not None:
                session.add(AuditEvent(counsellor_id=row.counsellor_id, action="logout"))
                session.delete(row)

    def person(self, token: str | None, active: bool = True) -> Person | None:
        """Who holds this session token; None when unknown, idle too long or disabled.
        `active` False: a background request (live updates), which does not reset the idle clock."""
        if not token:
            return None
        now = utcnow()
        with self.store.session() as session:
            row = session.execute(
                select(ConsoleSession, Counsellor)
                .join(Counsellor, Counsellor.id == ConsoleSession.counsellor_id)
                .where(ConsoleSession.token_hash == _digest(token))
            ).first()
            if row is None:
                return None
            console_session, counsellor = row
            if now - console_session.last_active_at > self.idle or not counsellor.active:
                session.delete(console_session)
                return None
            if active:
                console_session.last_active_at = console_session.last_seen_at = now
            elif now - console_session.last_seen_at > SEEN_EVERY:
                console_session.last_seen_at = now
            return Person(counsellor.id, counsellor.username, counsellor.role, console_session.csrf_token)

    @staticmethod
    def csrf_ok(person: Person, sent: str | None) -> bool:
        return same_secret(person.csrf, sent)

    def forget_old_sessions(self) -> None:
        with self.store.session() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.last_active_at < utcnow() - self.idle))

    # -- the audit log --------------------------------------------------------------------------

    def audit_view(self, person: Person, conversation_id: str) -> None:
        """A view, once per counsellor and conversation every few minutes (the console refreshes
        an open conversation whenever something changes), whatever the client says."""
        with self.store.session() as session:
            seen = session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.counsellor_id == person.id, AuditEvent.conversation_id == conversation_id,
                    AuditEvent.action == "view", AuditEvent.at > utcnow() - VIEW_EVERY).limit(1))
            if seen is None:
                session.add(AuditEvent(counsellor_id=person.id, action="view", conversation_id=conversation_id))

    def audit(self, person: Person, action: str, conversation_id: str | None = None,
              detail: str | None = None) -> None:
        with self.store.session() as session:
            session.add(AuditEvent(counsellor_id=person.id, action=action, conversation_id=conversation_id,
                                   detail=detail[:255] if detail else None))
