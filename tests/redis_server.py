"""A real Redis on loopback, for tests.

Debian's ``redis-server`` (``make redis`` installs it), started on a free port of 127.0.0.1
with nothing written to disk, never the system's own on 6379. Without it the tests that
need it skip, loudly; under CI=true they fail.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import not_installed, stop

STARTUP_SECONDS = 20


def redis_program() -> str:
    """The redis-server executable; skips the test (fails it under CI=true) if missing."""
    path = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if path is None:
        reason = (
            "!!! REDIS TESTS NOT RUN: redis-server is missing. Install Debian's redis-server "
            "(`make redis` as root). !!!"
        )
        not_installed(reason)
    return path


def ping(port: int) -> bool:
    """Whether a Redis on this port answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16) == b"+PONG\r\n"
    except OSError:
        return False


@dataclass
class RedisServer:
    """A running redis-server; ``stop`` and ``start`` again on the same port (an outage)."""

    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [redis_program(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        began = time.monotonic()
        with open(self.folder / "redis.log", "ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                command, stdout=output, stderr=subprocess.STDOUT
            )
        while not ping(self.port):
            if self.process.poll() is not None or time.monotonic() - began > STARTUP_SECONDS:
                self.stop()
                log = (self.folder / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server did not start:\n{log}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None
