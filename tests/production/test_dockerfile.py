"""The Dockerfile as written, without a Docker engine (this machine has only the client).

The image is its COPY lines, its ENV lines and its start command. The test lays the
copied files out in a folder as the image would have them, sets the image's environment
(with `/data` moved under the test's folder) and runs the CMD string itself with `sh`:
a package or data folder the code needs but the Dockerfile forgets fails here, as does a
start command that no longer works. The Python packages come from the venv, as the
image's `pip install -r requirements.lock` would provide them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Image:
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)


def read_dockerfile(path: Path) -> Image:
    image = Image()
    text = path.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        words = line.strip().split(maxsplit=1)
        if not words or words[0].startswith("#") or len(words) < 2:
            continue
        instruction, rest = words[0].upper(), words[1]
        if instruction == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                image.env[name] = value
        elif instruction == "WORKDIR":
            image.workdir = rest.strip()
        elif instruction == "COPY":
            *sources, target = shlex.split(rest)
            image.copies.append((sources, target))
        elif instruction == "CMD":
            image.cmd = json.loads(rest)
    return image


def lay_out(image: Image, root: Path) -> Path:
    """The image's /app (WORKDIR) as a folder: every COPY, relative to WORKDIR."""
    app = root / image.workdir.lstrip("/")
    app.mkdir(parents=True)
    for sources, target in image.copies:
        destination = app / target
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(path, destination / path.name if target.endswith("/") else destination)
    return app


def test_the_dockerfile_parses_into_copies_env_and_a_start_command() -> None:
    image = read_dockerfile(ROOT / "Dockerfile")
    assert image.cmd[:2] == ["sh", "-c"]
    assert "mentoring worker --with-scheduler" in image.cmd[2]
    assert image.env["MENTORING_HOME"] == "/data"
    copied = {source for sources, _ in image.copies for source in sources}
    # Every package setuptools installs, and every folder the code reads at run time.
    for needed in ("service", "handlers", "jobs", "config", "mail_templates", "requirements.lock"):
        assert needed in copied, f"the Dockerfile does not copy {needed}"


def test_the_image_start_command_migrates_and_runs_the_scheduled_worker(tmp_path: Path) -> None:
    image = read_dockerfile(ROOT / "Dockerfile")
    app = lay_out(image, tmp_path / "image")
    data = tmp_path / "data"
    data.mkdir()
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        **{name: value.replace("/data", str(data)) for name, value in image.env.items()},
        # The copied tree, not this checkout, is the code that runs.
        "PYTHONPATH": str(app),
    }
    where = subprocess.run(
        [sys.executable, "-c", "import service, handlers, jobs; print(service.__file__)"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(app))
    log = tmp_path / "container.log"
    with log.open("wb") as out:
        container = subprocess.Popen(
            image.cmd, cwd=app, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 180
        while "poll-mailbox:" not in log.read_text() and container.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert container.poll() is None, log.read_text()  # still running: the worker is PID 1
        container.send_signal(signal.SIGTERM)
        assert container.wait(timeout=60) == 0, log.read_text()
    finally:
        if container.poll() is None:
            container.kill()
            container.wait()
    text = log.read_text()
    assert "Traceback" not in text
    assert "worker started" in text
    assert any(data.iterdir())  # the database and the embedded Redis live in the volume
