"""A production rehearsal: two `mentoring worker --with-scheduler` processes on one
mailbox (the local Graph fake, through the real O365 and msal code), a real redis-server
and a real database, a low sending limit, and a `kill -9` of one worker mid-pass.

Used by `tests/production/test_rehearsal.py` (a size the suite can afford) and by
`python -m benchmarks.production` (the full 500 messages).

The mail: a programme already has `confirming` people who registered earlier and were
sent a confirmation email (set up in-process beforehand); then, while the workers run,
the inbox holds new registration forms, those people's CONFIRM replies and HELP
commands. Every message must be handled once and every answer sent once.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.policy import default
from email.utils import parseaddr
from pathlib import Path

import redis
from sqlalchemy import func, select

from jobs import locks, tasks
from jobs.runtime import Runtime
from service import bootstrap, clock
from service.app import App
from service.config import load_config
from service.settings import load_settings
from service.store.database import Database
from service.store.orm import inbound_messages, outbound_messages
from tests.fakes.graph_server import TENANT, RunningFakeGraph
from tests.harness import Programme, Sent, person_answers

MENTORING = str(Path(sys.executable).parent / "mentoring")
SEND_PATH = r"/sendMail$"


@dataclass
class Mix:
    forms: int  # new registrations: each answered with a confirmation request
    confirms: int  # CONFIRM replies from people registered earlier: each answered
    commands: int  # HELP from some of those people: each answered

    @classmethod
    def of(cls, total: int) -> Mix:
        forms = total * 2 // 5
        confirms = total * 2 // 5
        return cls(forms, confirms, total - forms - confirms)

    @property
    def total(self) -> int:
        return self.forms + self.confirms + self.commands


@dataclass
class Outcome:
    seconds: float  # from the workers' start to the last answer sent
    sent: list[bytes]  # every message the workers sent
    send_times: list[float]  # when each reached the mailbox (monotonic seconds)
    expected: Counter[str]  # answers each address should have had
    inbox_left: int
    processed: int
    inbound_rows: dict[str, int]
    outbound_rows: dict[str, int]
    killed: str
    coordinators: frozenset[str]
    logs: list[str] = field(default_factory=list)

    def max_per_sliding_minute(self) -> int:
        times = sorted(self.send_times)
        best = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 60.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def received(self) -> Counter[str]:
        """What each participant was sent (coordinators' mail is in `to_coordinators`)."""
        return Counter(_to(raw) for raw in self.sent if _to(raw) not in self.coordinators)

    def to_coordinators(self) -> list[bytes]:
        return [raw for raw in self.sent if _to(raw) in self.coordinators]


def _to(raw: bytes) -> str:
    to = str(email.message_from_bytes(raw, policy=default)["To"])
    return parseaddr(to)[1].lower()


def _message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=default)["Message-ID"])


class Rehearsal:
    def __init__(
        self, directory: Path, database_url: str, redis_url: str, *, per_minute: int
    ) -> None:
        self.directory = directory
        self.database_url = database_url
        self.redis_url = redis_url
        self.per_minute = per_minute
        self.config_file = directory / "deployment.toml"
        # The workers poll every minute (the smallest interval) and send at `per_minute`.
        self.config_file.write_text(
            f"[sending]\nmessages_per_minute = {per_minute}\n\n"
            "[schedule]\npoll_mailbox_every_minutes = 1\n\n"
            # The receiving host's authserv-id, so the form relay's mail is verified.
            '[security]\nauthserv_id = "mx.mentoring.test"\n'
        )
        config = load_config(self.config_file)
        self.mailbox = config.programme.mailbox
        self.coordinators = frozenset(a.lower() for a in config.coordinators.addresses)
        (directory / "graph").mkdir(parents=True, exist_ok=True)
        self.graph = RunningFakeGraph(directory / "graph", self.mailbox)

    def env(self, redis_url: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "MENTORING_HOME": str(self.directory / "home"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url or self.redis_url,
            "MENTORING_CONFIG": str(self.config_file),
            "MAIL_BACKEND": "graph",
            "GRAPH_TENANT_ID": TENANT,
            "GRAPH_CLIENT_ID": "client-0000",
            "GRAPH_CLIENT_SECRET": "test-secret-not-real",
            "GRAPH_MAILBOX": self.mailbox,
            "GRAPH_URL": self.graph.url,
            "GRAPH_AUTHORITY_URL": self.graph.url,
            "GRAPH_CA_BUNDLE": str(self.graph.cert_path),
        }
        env.pop("MENTORING_NOW", None)
        return env

    def _setup_app(self) -> App:
        # Earlier days of the programme, in this process, on another Redis database so
        # their sends do not count against the workers' minute.
        env = self.env(self.redis_url.rsplit("/", 1)[0] + "/1")
        config = load_config(self.config_file)
        config = replace(config, sending=replace(config.sending, messages_per_minute=10_000))
        app = bootstrap.build(load_settings(env), config)
        app.db.migrate()
        return app

    def _sent_since(self, start: int) -> list[bytes]:
        return [m.raw for m in self.graph.fake.in_folder("sentitems")][start:]

    def run(self, mix: Mix, *, kill: bool = True, deadline_seconds: float = 900) -> Outcome:
        app = self._setup_app()
        programme = Programme(app)
        now = clock.now()
        programme.open_round("2027", now - timedelta(days=1), now + timedelta(days=30))
        earlier = [f"earlier{n:04d}@dept.example" for n in range(mix.confirms)]
        for n, address in enumerate(earlier):
            answers = person_answers(address, f"Earlier{n}", "Tester")
            self.graph.fake.deliver(programme.form(answers).as_bytes())
        rt = Runtime(app, redis.Redis.from_url(app.settings.redis_url))
        try:
            tasks.poll_mailbox(rt)
            tasks.drain_outbox(rt)
        finally:
            app.close()
        confirmations = {
            _to(raw): Sent(email.message_from_bytes(raw, policy=default))
            for raw in self._sent_since(0)
        }
        assert sorted(confirmations) == sorted(earlier), "set-up: a confirmation is missing"
        before = len(self._sent_since(0))

        # Today's mail, interleaved as it would arrive.
        expected: Counter[str] = Counter()
        messages = []
        for n in range(mix.forms):
            address = f"new{n:04d}@dept.example"
            messages.append(programme.form(person_answers(address, f"New{n}", "Tester")))
            expected[address] += 1
        for n, address in enumerate(earlier):
            messages.insert(
                min(2 * n + 1, len(messages)), programme.reply(confirmations[address], "CONFIRM")
            )
            expected[address] += 1
        for address in earlier[: mix.commands]:
            messages.append(programme.reply(confirmations[address], "HELP"))
            expected[address] += 1
        for message in messages:
            self.graph.fake.deliver(message.as_bytes())

        sends_before = len(self.graph.fake.seen("POST", SEND_PATH))
        started = time.monotonic()
        logs = [self.directory / f"worker-{n}.log" for n in range(2)]
        workers = []
        for log in logs:
            with log.open("wb") as out:
                workers.append(
                    subprocess.Popen(
                        [MENTORING, "worker", "--with-scheduler"],
                        env=self.env(),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own group: kill -9 takes all of it
                    )
                )
        client = redis.Redis.from_url(self.redis_url)
        killed = "nobody"
        try:
            if kill:
                killed = self._kill_one_mid_pass(workers, client, len(messages))
            wanted = sum(expected.values())
            while True:
                sent = [raw for raw in self._sent_since(before) if _to(raw) in expected]
                if len(sent) >= wanted and self._settled():
                    break
                if time.monotonic() - started > deadline_seconds:
                    break
                time.sleep(0.2)
            seconds = time.monotonic() - started
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
            self.graph.stop()
        send_times = [
            r.at for r in self.graph.fake.seen("POST", SEND_PATH)[sends_before:] if r.status == 202
        ]
        inbound, outbound = self._rows()
        return Outcome(
            seconds=seconds,
            sent=self._sent_since(before),
            send_times=send_times,
            expected=expected,
            inbox_left=len(self.graph.fake.in_folder("inbox")),
            processed=sum(
                len(self.graph.fake.in_folder(fid))
                for fid, name in self.graph.fake.folders.items()
                if name == "Processed"
            ),
            inbound_rows=inbound,
            outbound_rows=outbound,
            killed=killed,
            coordinators=self.coordinators,
            logs=[log.read_text(errors="replace") for log in logs],
        )

    def _kill_one_mid_pass(
        self, workers: list[subprocess.Popen[bytes]], client: redis.Redis, waiting: int
    ) -> str:
        """`kill -9` the worker holding the mailbox lock once its pass is under way."""
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            holder = locks.current(client, "poll-mailbox")
            left = len(self.graph.fake.in_folder("inbox"))
            if holder is not None and left < waiting:
                for worker in workers:
                    if worker.pid == holder.pid:
                        os.killpg(worker.pid, signal.SIGKILL)
                        worker.wait()
                        return f"the worker holding the mailbox, with {left} messages left"
            if left == 0:
                break
            time.sleep(0.02)
        # The pass ended before we looked: kill a worker anyway, with sending under way.
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        return "a worker after the pass"

    def _settled(self) -> bool:
        inbound, outbound = self._rows()
        return set(outbound) <= {"sent"} and set(inbound) <= {"processed"}

    def _rows(self) -> tuple[dict[str, int], dict[str, int]]:
        database = Database(self.database_url)
        try:
            with database.engine.connect() as conn:
                inbound = conn.execute(
                    select(inbound_messages.c.status, func.count()).group_by(
                        inbound_messages.c.status
                    )
                ).all()
                outbound = conn.execute(
                    select(outbound_messages.c.status, func.count()).group_by(
                        outbound_messages.c.status
                    )
                ).all()
        finally:
            database.dispose()
        return (
            {_status(s): int(n) for s, n in inbound},
            {_status(s): int(n) for s, n in outbound},
        )


def _status(value: object) -> str:
    return str(getattr(value, "value", value))


def duplicates(sent: list[bytes]) -> int:
    ids = Counter(_message_id(raw) for raw in sent)
    return sum(n - 1 for n in ids.values() if n > 1)
