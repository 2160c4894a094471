import email
import socket

import pytest
from aiosmtpd.controller import Controller

from app.core.mail import send_mail


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_mail_goes_through_real_smtp_when_configured(app, smtp_server):
    controller, handler = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DEFAULT_SENDER="clerk@city.example")
    send_mail("resident@example.org", "Your request to speak", "You are number 3 in the queue.")
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["resident@example.org"]
    parsed = email.message_from_bytes(envelope.content)
    assert parsed["Subject"] == "Your request to speak"
    assert "number 3" in parsed.get_payload()


def test_mail_goes_to_dev_outbox_without_smtp(app, tmp_path):
    app.config.update(MAIL_SERVER="", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    send_mail("resident@example.org", "Hola", "Texto")
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert email.message_from_bytes(files[0].read_bytes())["To"] == "resident@example.org"
