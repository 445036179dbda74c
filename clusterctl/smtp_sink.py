"""A local SMTP server that keeps every message as an RFC 5322 ``.eml`` file (DESIGN 3.2).

Run by ``make run`` in its own process when no SMTP_HOST is configured.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="clusterctl smtp-sink")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    controller = Controller(MailDirHandler(args.dir), hostname=args.host, port=args.port,
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
