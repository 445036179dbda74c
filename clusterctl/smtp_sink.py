"""A local SMTP server that keeps every message as an RFC 5322 ``.eml`` file (DESIGN 3.2).

Run by ``make run`` in its own process when no SMTP_HOST is configured. ``--rcpt-delay`` and
``--quit-reply`` make it a slow or misbehaving relay for the fault suite (tests/reliability).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import uuid
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller


class MailDirHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        tmp = self.directory / f".{name}.tmp"
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        with open(tmp, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.directory / name)  # readers never see half a message
        return "250 Message accepted for delivery"


class FaultyMailDirHandler(MailDirHandler):
    """The sink as a troublesome relay, for the fault suite (tests/reliability): slow to accept
    each recipient, and/or answering QUIT with an error after it has accepted the mail."""

    def __init__(self, directory: Path, rcpt_delay: float, quit_reply: str | None):
        super().__init__(directory)
        self.rcpt_delay, self.quit_reply = rcpt_delay, quit_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply or "221 Bye"


def _quit_reply(text: str) -> str:
    code = text[:3]
    if not (code.isdigit() and 400 <= int(code) < 600 and text[3:4] in ("", " ")):
        raise argparse.ArgumentTypeError(f"{text!r} is not an SMTP error reply such as "
                                         "'421 4.3.0 closing'")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="clusterctl smtp-sink")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--rcpt-delay", type=float, default=0.0, metavar="SECONDS",
                        help="fault suite: wait this long before accepting each recipient")
    parser.add_argument("--quit-reply", type=_quit_reply, metavar="REPLY",
                        help="fault suite: answer QUIT with this error (e.g. '421 4.3.0 "
                             "closing') after accepting the mail")
    args = parser.parse_args(argv)
    handler = (FaultyMailDirHandler(args.dir, args.rcpt_delay, args.quit_reply)
               if args.rcpt_delay or args.quit_reply else MailDirHandler(args.dir))
    controller = Controller(handler, hostname=args.host, port=args.port,
                            decode_data=False, enable_SMTPUTF8=True)
    controller.start()
    print(f"smtp-sink: listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
        loop.close()
    return 0
