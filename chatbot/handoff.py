"""Handing a conversation to a person: counsellor hours, who is on duty, the queue (risk first,
then waiting time) and every change of a conversation's state:

    bot -> waiting (the user asked, or a crisis) -> human (a counsellor claimed it) -> bot

Each change is one UPDATE guarded by the state it expects, so when two counsellors (or two app
instances) act at once, the database lets exactly one of them win."""
from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from .language import fold
from .storage import Conversation, Store
from .storage.models import ConsoleSession, Counsellor, utcnow

BOT, WAITING, HUMAN = "bot", "waiting", "human"
CRISIS, EMERGENCY, DEADLINE, OTHER = 0, 1, 2, 3
RISK_PRIORITY = {"crisis": CRISIS, "emergency": EMERGENCY}
PRESENCE = dt.timedelta(minutes=2)  # an open console checks in every few seconds
STALE_WEB_HOURS = 12
PRIORITY_LABELS = {CRISIS: "crisis", EMERGENCY: "emergency", DEADLINE: "deadline", OTHER: "normal"}

# "Active blackmail with a deadline": a time limit and a threat or a demand in the same message.
_TIME_LIMIT = re.compile(
    r"\b(antes de (que acabe|las|mañana|manana|esta noche|medianoche|el)|hasta (las|mañana|manana|esta noche|el)"
    r"|en (\d+|una|dos|tres|media) ?(h|hs|horas?|min|minutos?|dias?)|tengo (\d+|una|dos|tres) ?(h|horas?|minutos?|dias?)"
    r"|plazo|ultimatum|cuenta atras"
    r"|within (\d+|an?|one|two|three|24|48) ?(h|hrs?|hours?|mins?|minutes?|days?)|in (\d+|an?|one|two|24|48) ?(h|hrs?|hours?|mins?|minutes?)"
    r"|by (tonight|tomorrow|midnight|friday|monday|\d)|deadline|countdown|until tomorrow|(\d+|24|48) ?(h|hrs|hours) to)\b"
)
_THREAT = re.compile(
    r"[€$£]|\b(pag\w*|dinero|euros?|bitcoin|bizum|transferencia|money|dollars?|pounds|pay\w*|gift ?cards?|publica\w*|"
    r"sub[eoi]\w*|difund\w*|compart\w*|envi[aeo]\w*|post\w*|share\w*|leak\w*|send\w*|expose\w*|amenaz\w*|threat\w*|"
    r"chantaj\w*|blackmail\w*|sextor\w*)\b"
)

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_RULE = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def has_deadline(text: str) -> bool:
    folded = fold(text)
    return bool(_TIME_LIMIT.search(folded) and _THREAT.search(folded))


class Hours:
    """Opening hours like "mon-fri 09:00-21:00; sat 10:00-14:00" in a time zone."""

    def __init__(self, spec: str, timezone: str = "Europe/Madrid"):
        self.zone = ZoneInfo(timezone)
        self.spec = spec
        self.windows: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
        for rule in filter(None, (part.strip().lower() for part in re.split(r"[;,]", spec))):
            match = _RULE.match(rule)
            if not match or match.group(1) not in _DAYS or (match.group(2) or "mon") not in _DAYS:
                raise ValueError(f"counsellor hours: cannot read {rule!r} (write e.g. 'mon-fri 09:00-21:00')")
            first = _DAYS.index(match.group(1))
            last = _DAYS.index(match.group(2)) if match.group(2) else first
            start = int(match.group(3)) * 60 + int(match.group(4))
            end = int(match.group(5)) * 60 + int(match.group(6))
            if not 0 <= start < end <= 24 * 60:
                raise ValueError(f"counsellor hours: {rule!r} must start before it ends, within a day")
            day = first
            while True:
                self.windows[day].append((start, end))
                if day == last:
                    break
                day = (day + 1) % 7

    def local(self, now: dt.datetime | None = None) -> dt.datetime:
        now = now or dt.datetime.now(dt.timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now.astimezone(self.zone)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        local = self.local(now)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.windows[local.weekday()])

    def next_opening(self, now: dt.datetime | None = None) -> dt.datetime | None:
        local = self.local(now)
        minute = local.hour * 60 + local.minute
        for offset in range(8):
            day = (local.weekday() + offset) % 7
            for start, _end in sorted(self.windows[day]):
                if offset or start > minute:
                    date = local.date() + dt.timedelta(days=offset)
                    return dt.datetime.combine(date, dt.time(start // 60, start % 60), self.zone)
        return None

    def describe_opening(self, lang: str, now: dt.datetime | None = None) -> str:
        """When the service next opens, in words: "mañana a las 9:00", "on Monday at 09:00"."""
        opening = self.next_opening(now)
        if opening is None:
            return ""
        days = (opening.date() - self.local(now).date()).days
        clock = opening.strftime("%H:%M")
        if lang == "es":
            day = {0: "hoy", 1: "mañana"}.get(days, f"el {_DAY_NAMES['es'][opening.weekday()]}")
            return f"{day} a las {clock}"
        day = {0: "today", 1: "tomorrow"}.get(days, f"on {_DAY_NAMES['en'][opening.weekday()]}")
        return f"{day} at {clock}"


@dataclass
class Status:
    """What the user is told about their request (the `handoff` variable in content texts)."""

    state: str
    open: bool  # hours open and a counsellor logged in
    position: int | None = None  # in the queue, 1 = next
    minutes: int | None = None  # a typical wait today, when known
    opens: str = ""  # when the service next opens, in words

    def as_dict(self) -> dict:
        return {"state": self.state, "open": self.open, "position": self.position,
                "minutes": self.minutes, "opens": self.opens}


class Handoff:
    def __init__(self, store: Store, hours: Hours, idle_minutes: int = 30):
        self.store = store
        self.hours = hours
        self.idle = dt.timedelta(minutes=idle_minutes)

    # -- availability ----------------------------------------------------------------------

    def on_duty(self) -> list[Counsellor]:
        """Counsellors with a console open now, who acted within the idle timeout."""
        with self.store.session() as session:
            return list(session.scalars(
                select(Counsellor).join(ConsoleSession, ConsoleSession.counsellor_id == Counsellor.id)
                .where(ConsoleSession.last_seen_at > utcnow() - PRESENCE,
                       ConsoleSession.last_active_at > utcnow() - self.idle, Counsellor.active.is_(True))
                .distinct()
            ))

    def available(self) -> bool:
        return self.hours.is_open() and bool(self.on_duty())

    # -- the user's side -------------------------------------------------------------------

    def request(self, conversation: Conversation, priority: int) -> None:
        """Queues the conversation, or raises its priority; a conversation with a counsellor stays."""
        now = utcnow()
        with self.store.session() as session:
            queued = session.execute(
                update(Conversation).where(Conversation.id == conversation.id, Conversation.state == BOT)
                .values(state=WAITING, priority=priority, queued_at=now, claimed_at=None, counsellor_id=None)
            ).rowcount
            if not queued:
                session.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation.id, Conversation.state == WAITING,
                           Conversation.priority > priority)
                    .values(priority=priority)
                )
        self._reload(conversation)

    def cancel(self, conversation: Conversation) -> bool:
        """The user stops waiting. False when a counsellor claimed it first (the state is reloaded)."""
        if self._move(conversation.id, WAITING, BOT, priority=None, queued_at=None):
            conversation.state = BOT
            return True
        self._reload(conversation)
        return False

    def requeue(self, conversation: Conversation) -> bool:
        """Back to the queue, keeping its place, when its counsellor is no longer there."""
        moved = self._move(conversation.id, HUMAN, WAITING, holder=conversation.counsellor_id,
                           counsellor_id=None, claimed_at=None)
        self._reload(conversation)
        return moved

    def requeue_absent(self) -> int:
        """Conversations whose counsellor left (logged out, idle, disabled) go back to the queue."""
        present = [counsellor.id for counsellor in self.on_duty()]
        with self.store.session() as session:
            return session.execute(
                update(Conversation)
                .where(Conversation.state == HUMAN,
                       Conversation.counsellor_id.not_in(present) | Conversation.counsellor_id.is_(None))
                .values(state=WAITING, counsellor_id=None, claimed_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount

    def expire_waiting(self, hours: float = STALE_WEB_HOURS) -> int:
        """Web requests nobody took and whose user has been silent for `hours` (the tab is most
        likely closed) leave the queue, so that places and waits stay true. SMS ones stay: a
        counsellor can still text back."""
        with self.store.session() as session:
            return session.execute(
                update(Conversation)
                .where(Conversation.state == WAITING, Conversation.channel == "web",
                       Conversation.last_activity_at < utcnow() - dt.timedelta(hours=hours))
                .values(state=BOT, priority=None, queued_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount

    def _reload(self, conversation: Conversation) -> None:
        with self.store.session() as session:
            current = session.get(Conversation, conversation.id)
        if current is not None:
            for column in ("state", "priority", "queued_at", "counsellor_id"):
                setattr(conversation, column, getattr(current, column))

    def status(self, conversation: Conversation) -> Status:
        # Within hours but nobody logged in: when someone will be is not known, so nothing is promised.
        opens = "" if self.hours.is_open() else self.hours.describe_opening(conversation.lang)
        status = Status(state=conversation.state, open=self.available(), opens=opens)
        if conversation.state == WAITING:
            status.position = self.position(conversation)
            status.minutes = self.typical_wait_minutes() if status.open else None
        return status

    def position(self, conversation: Conversation) -> int:
        with self.store.session() as session:
            ahead = session.scalar(
                select(func.count()).select_from(Conversation).where(
                    Conversation.state == WAITING,
                    (Conversation.priority < conversation.priority)
                    | ((Conversation.priority == conversation.priority)
                       & (Conversation.queued_at < conversation.queued_at)),
                )
            )
        return (ahead or 0) + 1

    def typical_wait_minutes(self) -> int | None:
        """The median wait of the conversations claimed in the last day; None with fewer than 3."""
        with self.store.session() as session:
            rows = session.execute(
                select(Conversation.queued_at, Conversation.claimed_at)
                .where(Conversation.claimed_at > utcnow() - dt.timedelta(days=1),
                       Conversation.queued_at.isnot(None))
            ).all()
        waits = [(claimed - queued).total_seconds() for queued, claimed in rows if claimed >= queued]
        if len(waits) < 3:
            return None
        return max(1, round(statistics.median(waits) / 60))

    # -- the counsellor's side -------------------------------------------------------------

    def queue(self) -> list[Conversation]:
        with self.store.session() as session:
            return list(session.scalars(
                select(Conversation).where(Conversation.state == WAITING)
                .order_by(Conversation.priority, Conversation.queued_at)
            ))

    def held_by(self, counsellor_id: int | None = None) -> list[Conversation]:
        """Conversations with a counsellor: one counsellor's, or everyone's."""
        query = select(Conversation).where(Conversation.state == HUMAN)
        if counsellor_id is not None:
            query = query.where(Conversation.counsellor_id == counsellor_id)
        with self.store.session() as session:
            return list(session.scalars(query.order_by(Conversation.priority, Conversation.claimed_at)))

    def claim(self, conversation_id: str, counsellor_id: int) -> bool:
        return self._move(conversation_id, WAITING, HUMAN, counsellor_id=counsellor_id, claimed_at=utcnow())

    def transfer(self, conversation_id: str, from_id: int | None, to_id: int) -> bool:
        """To a colleague; `from_id` None lets a supervisor move anyone's conversation."""
        return self._move(conversation_id, HUMAN, HUMAN, holder=from_id, counsellor_id=to_id)

    def release(self, conversation_id: str, counsellor_id: int | None) -> bool:
        """Back to the bot (closed or handed back)."""
        return self._move(conversation_id, HUMAN, BOT, holder=counsellor_id, counsellor_id=None, priority=None)

    def _move(self, conversation_id: str, from_state: str, to_state: str, holder: int | None = None,
              **values) -> bool:
        query = update(Conversation).where(Conversation.id == conversation_id, Conversation.state == from_state)
        if holder is not None:
            query = query.where(Conversation.counsellor_id == holder)
        with self.store.session() as session:
            return session.execute(query.values(state=to_state, **values)).rowcount == 1
