"""The simulated programme: the real service on a clock the demo moves.

`World` owns the simulated moment. Moving it forward runs, for every day passed, what a
worker would: the time-based rules at their daily hour, the coordinators' digest at
theirs, and the outbox. People's mail is dropped into the Maildir inbox and handled by
one pass of the real pipeline, exactly as `mentoring process` does; what the service
sent is read back from the sent Maildir so people can answer the real emails.

The job code lives in `jobs/`, which `service` does not import: whoever builds the world
(the `demo` command, a test, a benchmark) hands it the daily jobs (`DailyJobs`, made
in `jobs.daily`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from service import clock
from service.app import App
from service.demo.letters import Letters, Sent
from service.mail import outbox, tokens
from service.pipeline import process_mailbox
from service.purpose import GENERAL, Purpose, parse
from service.store.outbox_records import OutboxRecords


class SentMail:
    """Everything the service sent, read from the sent Maildir, by recipient.

    Only emails sent since the last look are read, found by the key the Maildir gave each
    file (the outbox keeps it as the provider id): the folder grows to tens of thousands
    of messages over a large year, too many to list after every send.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self.folder = app.settings.mail_dir / "sent"
        self._last_id = 0
        self.by_address: dict[str, list[Sent]] = defaultdict(list)
        self.count = 0
        # Told of each email as it is read back: (recipient's address, the email).
        self.listeners: list[Callable[[str, Sent], None]] = []

    def _read(self, key: str) -> bytes:
        try:
            return (self.folder / "new" / key).read_bytes()
        except FileNotFoundError:  # moved to cur/, with the Maildir's flags after a colon
            return next((self.folder / "cur").glob(f"{key}:*")).read_bytes()

    def refresh(self) -> None:
        rows = OutboxRecords(self.app.db).sent_after(self._last_id)
        # In the order the outbox queued them, so "latest" means the last one sent.
        for row in rows:
            self._last_id = row.id
            assert row.provider_id is not None  # the Maildir's key for the file
            # The outbox's recipient is the one address in the file's To header; the
            # file itself is parsed only when someone replies to it.
            raw = self._read(row.provider_id)
            sent = Sent.of(raw, row.template)
            self.by_address[row.to_address.lower()].append(sent)
            self.count += 1
            for listener in self.listeners:
                listener(row.to_address, sent)

    def to(self, address: str) -> list[Sent]:
        return self.by_address.get(address.lower(), [])

    def latest(self, address: str, *templates: str) -> Sent | None:
        for sent in reversed(self.to(address)):
            if not templates or sent.template in templates:
                return sent
        return None


@dataclass(frozen=True)
class DailyJobs:
    """What a worker's schedule runs once a day, each given the App and the moment."""

    rules: Callable[[App, datetime], object]  # the time-based rules
    digest: Callable[[App, datetime], object]  # the coordinators' digest


class World:
    """The service plus a simulated clock, a mailbox to write into and one to read from."""

    def __init__(self, app: App, start: datetime, daily: DailyJobs) -> None:
        self.app = app
        self.config = app.config
        self.tz = ZoneInfo(app.config.programme.timezone)
        self.letters = Letters(app.config)
        self.sent = SentMail(app)
        self.inbox = app.settings.mail_dir / "inbox" / "new"
        self.inbox.mkdir(parents=True, exist_ok=True)
        self._delivered = 0
        self._waiting = 0
        self._purposes: dict[str, Purpose] = {}
        self.now = start
        clock.set_now(start)
        self._ticked_through: date = self.local(start).date() - timedelta(days=1)
        self.day_listeners: list[Callable[[date], None]] = []  # after each simulated day
        self.daily = daily
        self.ticks = 0

    # --- time ---------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A programme-local time on `day`, as a UTC moment."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def _set(self, moment: datetime) -> None:
        self.now = moment
        clock.set_now(moment)

    def _daily_hours(self) -> tuple[tuple[int, int], tuple[int, int]]:
        s = self.config.schedule
        rules = tuple(int(x) for x in s.daily_rules_at.split(":"))
        digest = tuple(int(x) for x in s.digest_at.split(":"))
        return (rules[0], rules[1]), (digest[0], digest[1])

    def tick_day(self, day: date) -> None:
        """What the worker's schedule does on `day`: the rules, then the digest, then send."""
        (rh, rm), (dh, dm) = self._daily_hours()
        self._set(self.moment(day, rh, rm))
        self.daily.rules(self.app, self.now)
        self._drain()
        self._set(self.moment(day, dh, dm))
        self.daily.digest(self.app, self.now)
        self._drain()
        self.ticks += 1
        for listener in self.day_listeners:
            listener(day)

    def advance(self, moment: datetime) -> None:
        """Move the clock to `moment`, running each day's jobs on the way (today's too,
        once the clock has passed their hour)."""
        if moment < self.now:
            raise ValueError("the demo's clock only moves forward")
        _, (dh, dm) = self._daily_hours()
        last = self.local(moment).date()
        if self.local(moment).time() < time(dh, dm):
            last -= timedelta(days=1)  # today's jobs have not run yet at that hour
        day = self._ticked_through + timedelta(days=1)
        while day <= last:
            self.tick_day(day)  # every day: a rule's email goes out on the day it is due
            self._ticked_through = day
            day += timedelta(days=1)
        self._set(max(moment, self.now))

    def on(self, day: date, hour: int = 10, minute: int = 0) -> None:
        """Go to `hour`:`minute` local time on `day`."""
        self.advance(self.moment(day, hour, minute))

    # --- mail -------------------------------------------------------------------------
    def deliver(self, message: EmailMessage | bytes) -> None:
        """Drop one message into the local inbox, as a mail server would."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        self._delivered += 1
        self._waiting += 1
        path = self.inbox / f"{self._delivered:06d}.demo.eml"
        path.write_bytes(raw)
        # Delivery order is the file time; keep it strictly increasing between batches.
        os.utime(path, ns=(self._delivered * 1_000_000, self._delivered * 1_000_000))

    def process(self) -> None:
        """One pass, as `mentoring process` does: handle every message, then send."""
        if self._waiting:
            process_mailbox(self.app)
            self._waiting = 0
        self._drain()

    def send_queued(self) -> None:
        """Send what the outbox holds (after a coordinator's command queued mail)."""
        self._drain()

    def _drain(self) -> None:
        report = outbox.drain(self.app.db, self.app.transport, config=self.app.config)
        if report.sent:
            self.sent.refresh()

    def reply(self, to: Sent | None, body: str) -> bool:
        """The recipient of `to` answers it with `body` (handled in the next pass).
        False when there is no email to answer."""
        if to is None:
            return False
        self.deliver(self.letters.reply(to, body, self.now))
        return True

    def latest(self, address: str, *templates: str) -> Sent | None:
        return self.sent.latest(address, *templates)

    def purpose_of(self, sent: Sent) -> Purpose:
        """What the email's reply token was issued for (one pairing, one approach, …)."""
        token = sent.token
        if not token:
            return GENERAL
        if token not in self._purposes:
            with self.app.uow() as uow:
                found = tokens.resolve(uow, token, self.now)
                self._purposes[token] = parse(found.purpose) if found is not None else GENERAL
        return self._purposes[token]

    def latest_about(self, address: str, purpose: Purpose) -> Sent | None:
        """The latest email to `address` whose reply token is bound to `purpose`: the one a
        person in two partnerships answers to say which partnership they mean."""
        for sent in reversed(self.sent.to(address)):
            if self.purpose_of(sent) == purpose:
                return sent
        return None
