"""The service as processes of its own, as a council runs it: the ``flask`` command (cron)
and gunicorn with eqia/gunicorn_conf.py, with the development configuration and the
settings a test gives (production's needs https and a real certificate authority)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "the same on every instance"
STARTUP_SECONDS = 60


def not_installed(reason: str) -> NoReturn:
    """Skip a test that needs a Debian package this machine lacks, loudly; under CI=true,
    where everything must run, fail it."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " CI=true, so this is a failure, not a skip.", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a process to end; kill it if it has not within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EQIA_CONFIG", "FLASK_RUN_FROM_CLI")}
    env.update(EQIA_CONFIG="development", SECRET_KEY=SECRET_KEY, **settings)
    return env


def run_at_once(command: list[str], copies: int, **settings: str) -> list[str]:
    """``copies`` of a command run at once, each a process of its own, as overlapping cron
    jobs would; their outputs."""
    processes = [
        subprocess.Popen(  # noqa: S603 - our own arguments
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env=environment(**settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(copies)
    ]
    outputs, deadline = [], time.monotonic() + 120
    try:
        for process in processes:
            try:
                output = process.communicate(timeout=max(deadline - time.monotonic(), 1))[0]
            except subprocess.TimeoutExpired:
                process.kill()
                output = process.communicate()[0] + "\n(stopped: still running after 120 s)"
            outputs.append(output)
    finally:
        for process in processes:
            process.kill()
            process.wait()
            process.stdout.close()
    assert [p.returncode for p in processes] == [0] * copies, "\n---\n".join(outputs)
    return outputs


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


@dataclass
class Gunicorn:
    """One instance of the service: gunicorn on a free loopback port, its access log (its
    standard output) and error log in ``folder``."""

    folder: Path
    port: int
    process: subprocess.Popen

    @classmethod
    def start(cls, folder: Path, workers: int = 2, **settings: str) -> Gunicorn:
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = environment(
            EQIA_BIND=f"127.0.0.1:{port}",
            EQIA_WORKERS=str(workers),
            EQIA_THREADS="2",
            EQIA_INSTANCE_PATH=str(folder / "instance"),
            **settings,
        )
        command = [sys.executable, "-m", "gunicorn", "-c", "python:eqia.gunicorn_conf"]
        with open(folder / "access.log", "wb") as out, open(folder / "error.log", "wb") as err:
            process = subprocess.Popen(  # noqa: S603 - our own arguments
                command, cwd=ROOT, env=env, stdout=out, stderr=err
            )
        return cls(folder, port, process)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self) -> None:
        began = time.monotonic()
        while not _answers(self.url + "/healthz"):
            if self.process.poll() is not None or time.monotonic() - began > STARTUP_SECONDS:
                self.stop()
                raise RuntimeError(f"gunicorn did not start:\n{self.log('error.log')}")
            time.sleep(0.1)

    def log(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def stop(self) -> None:
        stop(self.process, timeout=20)
