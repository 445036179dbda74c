"""SMTP servers in the test process (aiosmtpd), each with the handler a test gives it."""
from __future__ import annotations

from contextlib import contextmanager

from aiosmtpd.controller import Controller

from services.notify.sender import Relay
from tests.support.system import free_port


@contextmanager
def smtp_servers():
    """Yields ``start(handler) -> Relay``: a server on a free port answering with ``handler``'s
    hooks (handle_DATA, handle_RCPT, handle_QUIT, ...); every one is stopped on exit."""
    controllers = []

    def start(handler) -> Relay:
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return Relay("127.0.0.1", controller.port)
    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()
