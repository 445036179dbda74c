"""Report messages over AMQP at full speed: publishers with many confirms in flight, and a raw
consumer for the ceiling. Plain py-amqp (the client kombu and nameko use), no eventlet.

    python -m bench.amqp_load publish SCRIPT.json RESULT.json
    python -m bench.amqp_load consume SCRIPT.json RESULT.json

publish SCRIPT: {"host", "port", "vhost", "ssl" (optional: the broker's ssl options, clusterctl's
    Broker.ssl_options(), when it is amqps://), "users": {province: [user, password]},
    "messages": {province: [[routing_key, body, message_id], ...]}, "window": 64,
    "per_second": 0 (per province; 0: as fast as the window allows), "deadline_s": 300}
  Each province is a thread with its own connection and channel in confirm mode, keeping up to
  ``window`` unconfirmed messages in flight (nameko's standalone dispatcher waits for each
  confirm: ~700 msg/s, NOTES-nameko). A message counts only once the broker confirmed it; a nack,
  a return (unroutable) or a dropped connection fails the run - a benchmark has no faults.
  RESULT: {"began": wall time the provinces started, "ended": last confirm, "confirmed": n,
  "errors": [...]}.

consume SCRIPT: {"host", "port", "vhost", "user", "password", "queue", "expect": n,
    "prefetch": 100, "deadline_s": 300}
  Acks each message on its own (as a nameko consumer does); RESULT: {"received": n, "first",
  "last": wall times, "latencies": [s, ...] (from the "sent" header, when present)}.

Both write "ready" on stdout once connected, then (publish) wait for a line on stdin to start,
so the connection set-up is not timed.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from collections import OrderedDict

import amqp

EXCHANGE = "reports"


def connect(host: str, port: int, vhost: str, user: str, password: str,
            ssl: dict | None = None) -> amqp.Connection:
    """``ssl``: TLS options as kombu takes them; py-amqp itself does not fill in the host to
    check the certificate against (kombu does), so it is filled in here."""
    if ssl and "server_hostname" in ssl and ssl["server_hostname"] is None:
        ssl = {**ssl, "server_hostname": host}
    connection = amqp.Connection(host=f"{host}:{port}", userid=user, password=password,
                                 virtual_host=vhost, heartbeat=0, connect_timeout=10,
                                 ssl=ssl or False)
    connection.connect()
    return connection


class WindowedPublisher:
    """One connection, one channel in confirm mode, up to ``window`` messages unconfirmed."""

    def __init__(self, host, port, vhost, user, password, window: int = 64, ssl=None):
        self.user, self.window = user, window
        self.connection = connect(host, port, vhost, user, password, ssl)
        self.channel = self.connection.channel()
        self.channel.confirm_select()
        self.outstanding: OrderedDict[int, str] = OrderedDict()
        self.next_tag = 1
        self.confirmed = 0
        self.last_confirm = 0.0
        self.problems: list[str] = []
        self.channel.events["basic_ack"].add(self._ack)
        self.channel.events["basic_nack"].add(self._nack)
        self.channel.events["basic_return"].add(self._returned)

    def _settle(self, tag: int, multiple: bool) -> list[str]:
        done = []
        if multiple:
            while self.outstanding and next(iter(self.outstanding)) <= tag:
                done.append(self.outstanding.popitem(last=False)[1])
        elif tag in self.outstanding:
            done.append(self.outstanding.pop(tag))
        return done

    def _ack(self, tag, multiple):
        self.confirmed += len(self._settle(tag, multiple))
        self.last_confirm = time.time()

    def _nack(self, tag, multiple):
        self.problems.append(f"{self.user}: broker nacked {self._settle(tag, multiple)[:3]}")

    def _returned(self, *args):
        self.problems.append(f"{self.user}: a message was returned unroutable: {args[:4]}")

    def publish(self, routing_key: str, body: bytes, message_id: str | None,
                headers: dict | None = None, exchange: str = EXCHANGE) -> None:
        while len(self.outstanding) >= self.window:
            self.connection.drain_events(timeout=30)
        message = amqp.Message(body, content_type="application/json", delivery_mode=2,
                               user_id=self.user, message_id=message_id,
                               application_headers=headers or {})
        self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key,
                                   mandatory=True)
        self.outstanding[self.next_tag] = message_id or str(self.next_tag)
        self.next_tag += 1

    def flush(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.outstanding:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.user}: {len(self.outstanding)} never confirmed")
            self.connection.drain_events(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # already gone
            pass


class ProvinceThread(threading.Thread):
    def __init__(self, script: dict, province: str, gate: threading.Event):
        super().__init__(daemon=True, name=province)
        self.script, self.province, self.gate = script, province, gate
        user, password = script["users"][province]
        self.publisher = WindowedPublisher(script["host"], script["port"], script["vhost"], user,
                                           password, script.get("window", 64), script.get("ssl"))
        self.error: str | None = None

    def run(self) -> None:
        pace = self.script.get("per_second") or 0
        try:
            self.gate.wait()
            began = time.monotonic()
            for n, (routing_key, body, message_id) in enumerate(self.script["messages"][self.province]):
                if pace:
                    time.sleep(max(0.0, began + n / pace - time.monotonic()))
                headers = {"sent": time.time()} if self.script.get("stamp") else None
                self.publisher.publish(routing_key, body.encode("utf-8"), message_id, headers)
                if self.publisher.problems:
                    raise RuntimeError(self.publisher.problems[0])
            self.publisher.flush(self.script.get("deadline_s", 300))
            if self.publisher.problems:
                raise RuntimeError(self.publisher.problems[0])
        except Exception as exc:
            self.error = f"{self.province}: {exc!r}"
        finally:
            self.publisher.close()


def run_publishers(script: dict, wait_for_go=True) -> dict:
    gate = threading.Event()
    threads = [ProvinceThread(script, p, gate) for p in script["messages"]]
    for thread in threads:
        thread.start()
    if wait_for_go:
        print("ready", flush=True)
        sys.stdin.readline()
    began = time.time()
    gate.set()
    for thread in threads:
        thread.join()
    return {"began": began,
            "ended": max((t.publisher.last_confirm for t in threads), default=began),
            "confirmed": sum(t.publisher.confirmed for t in threads),
            "errors": [t.error for t in threads if t.error]}


def run_consumer(script: dict) -> dict:
    connection = connect(script["host"], script["port"], script["vhost"], script["user"],
                         script["password"], script.get("ssl"))
    channel = connection.channel()
    channel.basic_qos(0, script.get("prefetch", 100), False)
    state = {"received": 0, "first": None, "last": None, "latencies": []}

    def on_message(message):
        now = time.time()
        state["received"] += 1
        state["first"] = state["first"] or now
        state["last"] = now
        sent = (message.properties.get("application_headers") or {}).get("sent")
        if sent:
            state["latencies"].append(now - sent)
        json.loads(message.body)  # a consumer reads what it got, as the intake does
        channel.basic_ack(message.delivery_tag)

    channel.basic_consume(script["queue"], callback=on_message)
    print("ready", flush=True)
    deadline = time.monotonic() + script.get("deadline_s", 300)
    while state["received"] < script["expect"] and time.monotonic() < deadline:
        try:
            connection.drain_events(timeout=1)
        except TimeoutError:
            continue
    connection.close()
    return state


def main(argv: list[str]) -> int:
    command, script_path, result_path = argv[:3]
    with open(script_path, encoding="utf-8") as handle:
        script = json.load(handle)
    result = run_publishers(script) if command == "publish" else run_consumer(script)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
