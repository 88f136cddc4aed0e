"""A real ClamAV daemon on loopback, for tests.

Debian's ``clamd`` (``make clamav`` installs clamav-daemon), started with a configuration
and a signature database of its own in a temporary folder, never the system's: the
database holds one signature, which matches the EICAR test file wherever it appears in a
file (inside archives too, since clamd unpacks them), so clamd loads in a fraction of a
second and needs no download. It listens on a Unix socket and on a TCP port of 127.0.0.1.

Without clamd the tests that need it skip, loudly; under CI=true they fail.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port, not_installed, stop

# The EICAR anti-virus test file: harmless, and recognised as a virus by every scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# clamd adds ".UNOFFICIAL" to the names of signatures it was not shipped with.
SIGNATURE = "Eicar-Test-Signature"
STARTUP_SECONDS = 30


def clamd_program() -> str:
    """The clamd executable; skips the test (fails it under CI=true) if it is missing."""
    path = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if path is None:
        reason = (
            "!!! VIRUS SCANNING TESTS NOT RUN: clamd is missing. Install Debian's "
            "clamav-daemon (`make clamav` as root). !!!"
        )
        not_installed(reason)
    return path


def ping(socket_path: str) -> bool:
    """Whether clamd answers PING with PONG on its Unix socket."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(socket_path)
            sock.sendall(b"zPING\0")
            return sock.recv(16) == b"PONG\0"
    except OSError:
        return False


@dataclass
class Clamd:
    """A running clamd: where it listens, and how long it took to start answering."""

    folder: Path
    socket_path: str
    port: int
    process: subprocess.Popen
    started_in: float

    @classmethod
    def start(cls, folder: Path, **settings: str) -> Clamd:
        """Start clamd in ``folder``; ``settings`` are extra lines of its configuration
        (``StreamMaxLength="1M"``, say)."""
        program = clamd_program()
        database = folder / "signatures"
        database.mkdir()
        # An extended signature (.ndb): name, any kind of file, any offset, the bytes in hex.
        (database / "eicar.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        socket_path, port = str(folder / "clamd.sock"), free_port()
        lines = {
            "DatabaseDirectory": str(database),
            "LocalSocket": socket_path,
            "TCPSocket": str(port),
            "TCPAddr": "127.0.0.1",
            "Foreground": "yes",
            "LogFile": str(folder / "clamd.log"),
            "LogClean": "yes",  # a line for every file scanned, clean or not
            "TemporaryDirectory": str(folder),
            "StreamMaxLength": "25M",  # as Debian's /etc/clamav/clamd.conf has it
            **settings,
        }
        config = folder / "clamd.conf"
        config.write_text("".join(f"{key} {value}\n" for key, value in lines.items()))
        began = time.monotonic()
        with open(folder / "output.log", "wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own arguments
                [program, f"--config-file={config}"], stdout=output, stderr=subprocess.STDOUT
            )
        while not ping(socket_path):
            if process.poll() is not None or time.monotonic() - began > STARTUP_SECONDS:
                process.kill()
                process.wait()
                log = (folder / "output.log").read_text(errors="replace")
                raise RuntimeError(f"clamd did not start:\n{log}")
            time.sleep(0.02)
        return cls(folder, socket_path, port, process, time.monotonic() - began)

    def stop(self) -> None:
        stop(self.process)

    def scanned(self) -> list[str]:
        """clamd's verdict on every stream it has scanned, in order ("OK", "… FOUND")."""
        log = (self.folder / "clamd.log").read_text(errors="replace")
        return re.findall(r"instream\([^)]*\): (.*)", log)
