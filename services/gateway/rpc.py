"""Calling the services from the gateway."""
from __future__ import annotations

import eventlet

RPC_TIMEOUT_S = 10


def call(proxy, method: str, *args, timeout: float = RPC_TIMEOUT_S):
    """RPC with a deadline (service-to-service RPC has none of its own: nameko #360)."""
    reply = getattr(proxy, method).call_async(*args)
    with eventlet.Timeout(timeout):
        return reply.result()
