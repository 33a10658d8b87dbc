"""Jobs on a real (embedded) Redis: racing workers, a killed worker, the digest, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from rq.registry import StartedJobRegistry

from jobs import queues, tasks
from jobs.runtime import Runtime
from service import clock
from service.app import App
from service.cli import commands  # noqa: F401  (registers the commands on `cli`)
from service.cli.main import cli
from service.store.records import OutboundMessage
from tests.jobs.world import World, at
from tests.servers.redis_fixtures import RedisUnderTest


@pytest.fixture
def backend(deployment_backend: str) -> str:
    # As deployed: embedded Redis with SQLite, redis-server with PostgreSQL.
    return deployment_backend


@pytest.fixture
def connection(redis_under_test: RedisUnderTest) -> redis.Redis:
    return redis_under_test.client


@pytest.fixture
def installed(world: World, connection: redis.Redis) -> Iterator[World]:
    yield world


@pytest.fixture
def rt(world: World, connection: redis.Redis) -> Runtime:
    return Runtime(world.app, connection)


def _outbound(app: App) -> list[OutboundMessage]:
    with app.uow() as uow:
        return list(uow.session.query(OutboundMessage).all())


def test_two_threads_racing_on_the_same_due_jobs_send_each_nudge_once(
    installed: World, rt: Runtime
) -> None:
    world = installed
    clock.set_now(at(14))
    barrier = threading.Barrier(4)
    results: list[object] = []

    def worker() -> None:
        barrier.wait()
        results.append(tasks.run_due(rt, at(14).isoformat()))
        results.append(tasks.drain_outbox(rt))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Whatever the interleaving, once more finds nothing left to do.
    tasks.run_due(rt, at(14).isoformat())
    tasks.drain_outbox(rt)
    assert world.subjects("ash") == ["Have you contacted your speed mentors?"]
    for mentor in ("bo", "cy", "di"):
        assert world.subjects(mentor) == ["Have your speed-mentoring mentees been in touch?"]
    assert len(world.programme.sent()) == 4


def test_two_rq_workers_on_one_redis_send_each_nudge_once(
    installed: World,
    connection: redis.Redis,
    rt: Runtime,
    redis_under_test: RedisUnderTest,
    tmp_path: Path,
) -> None:
    world = installed
    clock.set_now(at(14))
    for _ in range(3):  # the schedule on two machines enqueued the same jobs
        queues.enqueue(connection, world.app.config, tasks.run_due, at(14).isoformat())
        queues.enqueue(connection, world.app.config, tasks.drain_outbox)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = _env(world, tmp_path)
    url = redis_under_test.url
    workers = [
        subprocess.Popen([sys.executable, str(script), url, "no"], env=env) for _ in range(2)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    tasks.drain_outbox(rt)
    assert world.subjects("ash") == ["Have you contacted your speed mentors?"]
    assert len(world.programme.sent()) == 4
    assert queues.job_failures(connection) == []


def _env(world: World, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MENTORING_HOME": str(world.app.settings.home),
        "MENTORING_NOW": at(14).isoformat(),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }


WORKER = """
import os, signal, sys
from jobs.runtime import Runtime
from service import bootstrap, clock
from service.mail.maildir import MaildirTransport
import redis
from jobs import queues

class DiesAfterFirstSend(MaildirTransport):
    # Fault injection around the real Maildir transport: the message is really sent.
    def send(self, raw, **kwargs):
        result = super().send(raw, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # the machine dies mid-job
        return result

clock.init_from_environment()
app = bootstrap.load()
if sys.argv[2] == "die":
    app.__dict__["transport"] = DiesAfterFirstSend(app.settings.mail_dir)
connection = redis.Redis.from_url(sys.argv[1])
queues.Worker(Runtime(app, connection)).work(burst=True)
"""


def test_a_worker_killed_mid_job_is_retried_without_duplicate_email(
    installed: World,
    connection: redis.Redis,
    rt: Runtime,
    redis_under_test: RedisUnderTest,
    tmp_path: Path,
) -> None:
    world = installed
    clock.set_now(at(14))
    tasks.run_due(rt, at(14).isoformat())  # four nudges queued in the outbox
    job = queues.enqueue(connection, world.app.config, tasks.drain_outbox)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    done = subprocess.run(
        [sys.executable, str(script), redis_under_test.url, "die"],
        env=_env(world, tmp_path),
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    assert len(world.programme.sent()) == 1  # one went out before the crash

    # RQ notices the dead worker's job (here: we let its heartbeat lapse) and retries it.
    registry = StartedJobRegistry(queue=queues.queue(connection))
    assert job.id in registry.get_job_ids(cleanup=False)
    registry.cleanup(timestamp=time.time() + 3600)
    assert job.id not in registry.get_job_ids(cleanup=False)
    scheduled = queues.queue(connection).scheduled_job_registry
    for job_id in scheduled.get_job_ids():  # the backoff, without waiting for it
        scheduled.remove(job_id)
        queues.queue(connection).enqueue_job(job.fetch(job_id, connection=connection))
    clock.set_now(at(14) + (at(14, hour=10) - at(14)))  # an hour on: the stuck send is settled
    queues.Worker(rt).work(burst=True)

    sent = world.programme.sent()
    assert len(sent) == 4
    assert len({s.message_id for s in sent}) == 4
    assert all(o.status.value == "sent" for o in _outbound(world.app))


def test_failed_job_is_retried_then_kept_with_its_reason(
    installed: World, connection: redis.Redis, rt: Runtime
) -> None:
    config = replace(
        installed.app.config,
        schedule=replace(installed.app.config.schedule, retry_backoff_seconds=(0,)),
    )
    job = queues.enqueue(connection, config, tasks.run_due, "not a date")
    queues.Worker(rt).work(burst=True)
    job.refresh()
    assert job.get_status() == "failed"
    [failure] = queues.job_failures(connection)
    assert failure["job"] == "run-due"
    assert "not a date" in failure["reason"]


def test_digest_tells_coordinators_once_a_day_and_only_with_news(
    installed: World, rt: Runtime
) -> None:
    world = installed
    clock.set_now(at(1))
    assert tasks.daily_digest(rt, at(1).isoformat()) == {"queued": 0}
    world.approach("ash", "bo", at(1, hour=19))  # Thursday 2 July, 20:00 in London
    world.days(2, 15)
    world.run(at(15, hour=20))  # ten working days on: the request expires
    tasks.daily_digest(rt, at(15, hour=20).isoformat())
    tasks.daily_digest(rt, at(15, hour=21).isoformat())
    clock.set_now(at(15, hour=21))
    tasks.drain_outbox(rt)
    assert world.coordinator_mail() == []  # 22:00 in London: the digest waits
    clock.set_now(at(16, hour=7))  # Friday 08:00 in London
    tasks.drain_outbox(rt)
    [digest] = world.coordinator_mail()
    assert "Expired long-term requests (1)" in digest.text
    assert "Ash Tester asked Bo Tester" in digest.text
    assert "Active partnerships: 0" in digest.text


def test_cli_tick_runs_what_is_due_and_sends_it(installed: World, connection: redis.Redis) -> None:
    world = installed
    runner = CliRunner()
    result = runner.invoke(cli, ["tick", "--now", at(7).isoformat()], obj={"app": world.app})
    assert result.exit_code == 0, result.output
    assert "contact 1" in result.output
    assert world.subjects("ash") == ["Have you contacted your speed mentors?"]
    again = runner.invoke(
        cli, ["tick", "--now", at(7, hour=11).isoformat()], obj={"app": world.app}
    )
    assert "nothing due" in again.output
    assert len(world.inbox("ash")) == 1


def test_cli_jobs_shows_the_schedule(installed: World) -> None:
    result = CliRunner().invoke(cli, ["jobs"], obj={"app": installed.app})
    assert result.exit_code == 0, result.output
    assert "poll-mailbox" in result.output
    assert "07:00" in result.output
