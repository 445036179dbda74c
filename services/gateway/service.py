"""gateway: the HTTP API (DESIGN 3.4) and the dashboard in front of the services - the nameko
service and its wiring only. Each operation is declared once in the route table (api/, by area);
its entrypoint here and its entry in /openapi.json are both made from that declaration."""
from __future__ import annotations

from nameko.rpc import RpcProxy

from services.infra.base import ServiceBase
from services.infra.evidence.provider import EvidenceFiles

from .api import ROUTES
from .api.common import endpoint, register_remote_errors
from .api.routing import PATH_VALUE, Route
from .account_pages import AccountPages
from .alignment_pages import AlignmentPage
from .rollup_pages import RollupPage
from .approval_pages import ApprovalPages
from .accounts.provider import People
from .asset_pages import AssetPages
from .audit_pages import AuditPages
from .audit.provider import AuditLog
from .audit.recording import audited
from .auth import ApiKeys
from .card_pages import IndicatorPages
from .entry_pages import EntryPages
from .indicator_page import IndicatorPage
from .national_pages import NationalPages
from .pages import DashboardPages
from .plan_pages import PlanPages
from .problem_pages import ProblemPages
from .settings_pages import SettingsPages
from .user_pages import UserPages
from .web import http

register_remote_errors()  # the services' errors arrive as their classes (contracts/errors.py)


class GatewayService(AccountPages, AuditPages, UserPages, DashboardPages, AssetPages, EntryPages,
                     IndicatorPage, IndicatorPages, PlanPages, NationalPages, ProblemPages,
                     SettingsPages, ApprovalPages, AlignmentPage, RollupPage, ServiceBase):
    name = "gateway"

    keys = ApiKeys()
    people = People()  # personal accounts and dashboard sessions (accounts/)
    audit = AuditLog()  # who did what, when, before and after, and why (audit/)
    plans = RpcProxy("plans")
    reporting = RpcProxy("reporting")
    assets = RpcProxy("assets")
    notify = RpcProxy("notify")
    evidence = EvidenceFiles()  # uploaded evidence files (api/evidence.py)


def entrypoint(route: Route):
    """The service method of a route: ``handler(gateway, request, **path_values)`` as a nameko
    HTTP entrypoint, its errors answered as JSON unless the route answers its own."""
    handler = endpoint(route.handler) if route.wrapped else route.handler

    names = [name for _, name in PATH_VALUE.findall(route.path)]

    def method(self, request, *args, **kwargs):
        if route.audit is not None:  # an act: kept in the audit log once done (audit/)
            # the forms call it with the path values in order, nameko by name
            return audited(self, route, handler, request, {**dict(zip(names, args)), **kwargs})
        return handler(self, request, *args, **kwargs)
    method.__name__ = method.__qualname__ = route.name
    method.__doc__ = route.handler.__doc__
    return http(route.method, route.path)(method)


for _route in ROUTES:
    if hasattr(GatewayService, _route.name):
        raise RuntimeError(f"gateway route {_route.method} {_route.path}: its handler's name "
                           f"{_route.name!r} is taken; give the handler another name")
    setattr(GatewayService, _route.name, entrypoint(_route))
