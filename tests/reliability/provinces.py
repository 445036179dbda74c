"""Provinces publishing reports, in a process of their own, as provinces' systems would.

    python -m tests.reliability.provinces SCRIPT.json RESULT.json

SCRIPT: {"amqp_url": ..., "users": {province: [user, password]}, "reports": {province: [body]},
         "copies": 1, "per_second": 0 (0: as fast as confirms allow), "deadline_s": 180,
         "amqp_alternates": [the cluster's other nodes, tried in turn], "heartbeat": 10}
Each province is a thread with its own connection and publisher confirms. A report counts as
sent only when the broker confirmed it; when the connection drops before the confirm, the
province reconnects and publishes the same report again (same event_id) - at-least-once, as
DESIGN 3.3 asks of a province. RESULT: {"confirmed": {province: [event_id]}, "republished": n,
"reconnects": n, "errors": [...]}.

Plain threads and pika, no eventlet: this process is not the test's.
"""
from __future__ import annotations

import json
import sys
import threading
import time

import pika
import pika.exceptions


class ProvinceSender(threading.Thread):
    def __init__(self, urls: list[str], province: str, user: str, password: str, reports: list[dict],
                 copies: int, per_second: float, deadline: float, start_gate: threading.Event,
                 heartbeat: int = 10):
        super().__init__(daemon=True, name=province)
        # every node of a cluster, in order: pika tries the next when one does not answer
        self.params = [pika.URLParameters(url) for url in urls]
        for params in self.params:
            params.credentials = pika.PlainCredentials(user, password)
            params.heartbeat = heartbeat
            params.blocked_connection_timeout = 30
            if len(urls) > 1:  # a paused node answers nothing: on to the next one soon
                params.socket_timeout = params.stack_timeout = 5
        self.province, self.user = province, user
        self.reports, self.copies, self.deadline = reports, copies, deadline
        self.interval = 1 / per_second if per_second else 0
        self.start_gate = start_gate
        self.confirmed: list[str] = []
        self.republished = 0
        self.reconnects = 0
        self.error: str | None = None
        self._connection = None
        self._channel = None

    def _connect(self):
        while True:
            try:
                self._connection = pika.BlockingConnection(self.params)
                self._channel = self._connection.channel()
                self._channel.confirm_delivery()
                return
            except pika.exceptions.AMQPError:
                if time.monotonic() > self.deadline:
                    raise
                time.sleep(0.5)

    def _publish(self, body: dict, kind: str) -> None:
        self._channel.basic_publish(
            "reports", f"report.{self.province}.{kind}",
            json.dumps(body, ensure_ascii=False).encode("utf-8"),
            pika.BasicProperties(user_id=self.user, content_type="application/json",
                                 delivery_mode=2, message_id=body["event_id"]),
            mandatory=True)

    def run(self) -> None:
        try:
            self._connect()
            self.start_gate.wait()
            began = time.monotonic()
            for n, body in enumerate(self.reports):
                if self.interval:  # a steady pace, catching up after an outage
                    time.sleep(max(0.0, began + n * self.interval - time.monotonic()))
                kind = "project" if "project" in body else "indicator"
                for _ in range(self.copies):
                    attempt = 0
                    while True:
                        try:
                            self._publish(body, kind)
                            break
                        except (pika.exceptions.AMQPConnectionError,
                                pika.exceptions.AMQPChannelError,
                                pika.exceptions.NackError,
                                pika.exceptions.UnroutableError) as exc:
                            if time.monotonic() > self.deadline:
                                raise RuntimeError(f"gave up at {body['event_id']}: {exc!r}")
                            attempt += 1
                            self.republished += 1
                            self._close_quietly()
                            time.sleep(min(2.0, 0.2 * attempt))
                            self.reconnects += 1
                            self._connect()
                self.confirmed.append(body["event_id"])
        except Exception as exc:  # reported in the result; the test fails on it
            self.error = f"{self.province}: {exc!r}"
        finally:
            self._close_quietly()

    def _close_quietly(self) -> None:
        try:
            if self._connection and self._connection.is_open:
                self._connection.close()
        except Exception:  # already gone
            pass


def main(script_path: str, result_path: str) -> int:
    script = json.loads(open(script_path, encoding="utf-8").read())
    deadline = time.monotonic() + script.get("deadline_s", 180)
    gate = threading.Event()
    urls = [script["amqp_url"], *script.get("amqp_alternates", [])]
    senders = [ProvinceSender(urls, province, *script["users"][province], reports,
                              script.get("copies", 1), script.get("per_second", 0), deadline, gate,
                              script.get("heartbeat", 10))
               for province, reports in script["reports"].items()]
    for sender in senders:
        sender.start()
    began = time.monotonic()
    gate.set()  # every province starts at once
    for sender in senders:
        sender.join()
    result = {
        "confirmed": {s.province: s.confirmed for s in senders},
        "republished": sum(s.republished for s in senders),
        "reconnects": sum(s.reconnects for s in senders),
        "errors": [s.error for s in senders if s.error],
        "seconds": round(time.monotonic() - began, 2),
    }
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
