"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, started once per run): mail goes
out through Django's SMTP backend and is read back as the mail server received it."""

import email
import email.policy
import importlib
import socket
import sys
import threading
from pathlib import Path

PROJECT = str(Path(__file__).resolve().parent.parent)


def _import_aiosmtpd():
    """aiosmtpd needs the `public` module of its dependency atpublic, which the project's own
    app `public` hides: import aiosmtpd with the checkout off the path for a moment."""
    project_public = sys.modules.pop("public", None)
    saved_path = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", PROJECT)]
    try:
        controller = importlib.import_module("aiosmtpd.controller")
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("public", None)
        if project_public is not None:
            sys.modules["public"] = project_public
    return controller.Controller


class Inbox:
    """What the server received, parsed: `messages` (email.message.EmailMessage)."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self._controller = _import_aiosmtpd()(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def settings(self):
        """Django settings that send mail to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }


def body(message):
    """The decoded text of a received plain-text mail."""
    return message.get_content()
