"""Real servers on 127.0.0.1 for tests: an HTTP server with scripted answers, an SMTP sink.

Bounded: each server binds an ephemeral loopback port, answers only what the test
scripted, and is shut down by its context manager.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Loopback:
    url: str
    routes: dict[str, Answer | list[Answer]]
    received: list[Received] = field(default_factory=list)


@contextmanager
def http_server(routes: dict[str, Answer | list[Answer]]):
    """Serve ``routes`` (path -> answer, or a list answered in turn, the last one repeated)."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received.append(Received(self.command, self.path, dict(self.headers), body))
            answer = routes.get(self.path, Answer(404, b"not found", content_type="text/plain"))
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a time-out test)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Loopback(f"http://127.0.0.1:{server.server_address[1]}", routes, received)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_sink():
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    messages: list = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()


def drain():
    """Run queued tasks, and the tasks they queue after their commits, until none is left.

    The database worker closes "old" connections between tasks, as a process should; inside
    a test's transaction that would close the test's own connection (PostgreSQL), so not here.
    """
    from unittest import mock

    from django.test import TestCase

    from pilote import worker

    for _ in range(3):
        with (
            TestCase.captureOnCommitCallbacks(execute=True),
            mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
        ):
            worker.drain("test-worker")
