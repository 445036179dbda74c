"""`clusterctl outbox held`: the outbox events the broker routed to no queue, per service - read
from each relaying service's own outbox over RPC (held_outbox_events)."""
from contextlib import nullcontext
from types import SimpleNamespace

from clusterctl import runner
from clusterctl.settings import Settings
from services.assets.service import AssetsService
from services.infra.base import OutboxServiceBase
from services.plans.service import PlansService
from services.reporting.service import ReportingService

HELD = {"event_id": "e-1", "event_type": "asset_registered", "attempts": 2,
        "held_until": "2026-12-06T23:20:00+00:00", "last_error": "unroutable: no queue bound"}


def fake_system(held_by_service: dict):
    services = {name: SimpleNamespace(held_outbox_events=lambda events=events: events)
                for name, events in held_by_service.items()}
    return lambda settings: nullcontext(SimpleNamespace(**services))


def test_held_events_are_listed_with_their_service_error_and_next_try(monkeypatch, capsys):
    monkeypatch.setattr(runner, "running_system_rpc",
                        fake_system({"plans": [], "reporting": [], "assets": [HELD]}))
    assert runner.held_outbox_events(Settings.from_env({})) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["assets  e-1  asset_registered  attempts 2  next try "
                                "2026-12-06T23:20:00+00:00  unroutable: no queue bound"]


def test_nothing_held_is_said_so(monkeypatch, capsys):
    monkeypatch.setattr(runner, "running_system_rpc",
                        fake_system({s: [] for s in runner.OUTBOX_SERVICES}))
    assert runner.held_outbox_events(Settings.from_env({})) == 0
    assert "no outbox event is held" in capsys.readouterr().out


def test_every_relaying_service_answers_it():
    for service in (PlansService, ReportingService, AssetsService):
        assert issubclass(service, OutboxServiceBase) and service.name in runner.OUTBOX_SERVICES
    store = SimpleNamespace(outbox=SimpleNamespace(held_events=lambda limit: [HELD] * limit))
    assert OutboxServiceBase.held_outbox_events(SimpleNamespace(store=store), "3") == [HELD] * 3
