"""The Python runtime under a service: the cyclic garbage collector kept off the hot path.

A full collection walks every object the process has, and a service holds a few hundred
thousand from start-up alone (nameko, kombu, eventlet, marshmallow, its own modules). Measured
in reporting under a steady 2,200 reports/s: each full collection stopped the process for
40-65 ms, several times a minute, and the reports arriving meanwhile waited for it - the tail of
the publish-to-visible latency. ``gc.freeze()`` (Python 3.7+) moves everything that exists once
the service has started out of the collector's sight; what is allocated afterwards is collected
as before.
"""
from __future__ import annotations

import gc

from nameko.extensions import DependencyProvider


class FrozenStartupHeap(DependencyProvider):
    def start(self):
        gc.collect()  # what start-up left as garbage is freed, not frozen
        gc.freeze()
