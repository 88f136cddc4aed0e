"""Scanning uploads for viruses with ClamAV's clamd, before anything is kept.

When ``CLAMD_SOCKET`` (a Unix socket) or ``CLAMD_HOST`` and ``CLAMD_PORT`` are set, every
evidence file and action-plan import is streamed to clamd with its ``INSTREAM`` command:
``zINSTREAM\\0``, then the file in chunks, each after its length as four big-endian
bytes, then a chunk of length zero; clamd answers ``stream: OK`` or
``stream: <signature> FOUND``, ending with a NUL byte. A file clamd flags is refused. So
is a file clamd could not be asked about (not running, too slow, an error): the upload
fails closed, and the log says why. With neither setting, nothing is scanned (the
development default).

:class:`Clamd` speaks the protocol and knows nothing of Flask; :func:`check` scans with
the app's configuration and logs what it refuses.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import Flask, current_app

CHUNK = 64 * 1024
MAX_REPLY = 4096

INFECTED = "The selected file contains a virus"
NOT_CHECKED = "The selected file could not be checked for viruses. Try again later."


class ScanError(Exception):
    """The file must not be kept; ``message`` says why, in GOV.UK words."""

    message = NOT_CHECKED


class Infected(ScanError):
    """clamd found something; the exception's text is the signature it matched."""

    message = INFECTED


class NotScanned(ScanError):
    """clamd could not be asked, or gave no verdict; the text says what went wrong."""


@dataclass(frozen=True)
class Clamd:
    """Where clamd listens: a Unix socket, or a host and port; and how long to wait for it."""

    socket_path: str = ""
    host: str = ""
    port: int = 3310
    timeout: float = 30

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> Clamd | None:
        """The clamd the configuration names, or None if uploads are not to be scanned."""
        if not (config["CLAMD_SOCKET"] or config["CLAMD_HOST"]):
            return None
        return cls(
            config["CLAMD_SOCKET"],
            config["CLAMD_HOST"],
            config["CLAMD_PORT"],
            config["CLAMD_TIMEOUT"],
        )

    def __str__(self) -> str:
        return self.socket_path or f"{self.host}:{self.port}"

    def _connect(self) -> socket.socket:
        if not self.socket_path:
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        return sock

    def scan(self, file: BinaryIO) -> None:
        """Stream ``file`` (from where it stands) to clamd: Infected if it finds something,
        NotScanned if it cannot say."""
        try:
            with self._connect() as sock:
                unsent = _send(sock, file)
                reply = _reply(sock)
        except OSError as error:
            raise NotScanned(f"clamd at {self}: {error}") from error
        if reply == "stream: OK" and unsent is None:
            return
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            raise Infected(reply.removeprefix("stream: ").removesuffix(" FOUND"))
        sending = f" (while sending: {unsent})" if unsent else ""
        raise NotScanned(f"clamd at {self} replied {reply!r}{sending}")


def _send(sock: socket.socket, file: BinaryIO) -> OSError | None:
    """Send the file as INSTREAM chunks. clamd stops reading a stream it refuses (longer
    than its StreamMaxLength, say) but still replies why: the error is returned, not raised,
    so that the reply can be read."""
    try:
        sock.sendall(b"zINSTREAM\0")
        while chunk := file.read(CHUNK):
            sock.sendall(struct.pack(">I", len(chunk)) + chunk)
        sock.sendall(struct.pack(">I", 0))
    except OSError as error:
        return error
    return None


def _reply(sock: socket.socket) -> str:
    reply = b""
    while b"\0" not in reply and len(reply) < MAX_REPLY:
        data = sock.recv(MAX_REPLY)
        if not data:
            break
        reply += data
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def check(file: BinaryIO, what: str) -> None:
    """Scan an upload with the configured clamd (nothing, if none is configured); ScanError
    if it must not be kept. ``what`` names the upload and its uploader in the log."""
    clamd = Clamd.configured(current_app.config)
    if clamd is None:
        return
    try:
        clamd.scan(file)
    except Infected as found:
        current_app.logger.warning("Refused %s: clamd found %s", what, found)
        raise
    except NotScanned as failure:
        current_app.logger.error("Refused %s: it could not be scanned: %s", what, failure)
        raise


def init_app(app: Flask) -> None:
    if app.config["PRODUCTION"] and Clamd.configured(app.config) is None:
        app.logger.warning(
            "No EQIA_CLAMD_SOCKET or EQIA_CLAMD_HOST is set: uploads are not scanned for viruses"
        )
