"""A heartbeat file per service process, for container probes (``clusterctl probe SERVICE``).

A managed green thread touches ``HEARTBEAT_DIR/<service>`` every few seconds. If the eventlet
hub is blocked (a CPU-bound call that never yields) or the process hangs, the file goes stale
and the orchestrator restarts the container; a broker outage does not stop it (nameko
reconnects by itself, and a restart would not help). Without ``HEARTBEAT_DIR`` in the config
(``make run``, where clusterctl supervises the processes) nothing is written.
"""
from __future__ import annotations

import logging
from pathlib import Path

import eventlet
from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)
INTERVAL_S = 5


class Heartbeat(DependencyProvider):
    def start(self):
        directory = self.container.config.get("HEARTBEAT_DIR")
        if directory:
            path = Path(directory) / self.container.service_name
            path.parent.mkdir(parents=True, exist_ok=True)
            self.container.spawn_managed_thread(lambda: self._beat(path))

    @staticmethod
    def _beat(path: Path):
        while True:
            try:
                path.touch()
            except OSError:  # a full or read-only /tmp: the probe will say so
                log.exception("could not write the heartbeat file %s", path)
            eventlet.sleep(INTERVAL_S)
