"""An SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it takes, or refuses
them as a test scripts it (`script("451 4.3.0 try later", "250 OK")`; the default answer
once the script is used up is `250 OK`).

aiosmtpd's controller cannot be given port 0 (it checks itself by connecting to the port
it was given), so a free port is picked first.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Self

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Taken:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[Taken] = []
        self.refused: list[str] = []  # the answers of refused messages
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def script(self, *answers: str) -> None:
        with self._lock:
            self._script.extend(answers)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            answer = self._script.popleft() if self._script else "250 OK"
        if not answer.startswith("2"):
            self.refused.append(answer)
            return answer
        raw = bytes(envelope.original_content or envelope.content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Taken(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
        return answer

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()
