"""The operator's acts at the machine's shell (`clusterctl agency-key`, `clusterctl admin-link`)
kept in the gateway's audit log like any other act, "via clusterctl", signed by the operating
system's user on this host - the log has no gap where the operator acted."""
from __future__ import annotations

import getpass
import socket
from datetime import datetime, timezone

from services.contracts.access import Who
from services.gateway.audit.record import new_record
from services.gateway.audit.store import open_store

from .settings import Settings


def operator() -> Who:
    """The operator as the log names them: the OS user and host (the admin's powers)."""
    return Who("admin", None, person=f"{getpass.getuser()}@{socket.gethostname()} (clusterctl)")


def keep(settings: Settings, act: str, target: str, answer: dict | None = None,
         cluster: str | None = None) -> None:
    store = open_store(settings.people_url())
    try:
        store.append(new_record(at=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                                act=act, who=operator(), target=target, cluster=cluster,
                                via="clusterctl", status=200, answer=answer))
    finally:
        store.close()
