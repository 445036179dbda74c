"""The HTTP API by area; ``ROUTES`` is the whole route table (see routing.py), from which the
gateway service (service.py) and /openapi.json (openapi.py) are both made."""
from __future__ import annotations

from . import admin, assets, notify, plans, public, reporting, workbooks
from .common import ApiError, principal
from .routing import Route


def unknown(gw, request, anything):
    principal(gw, request)
    raise ApiError(404, "not_found", f"no such endpoint: {request.method} /api/{anything} "
                                     "(see /openapi.json)")


ROUTES: tuple[Route, ...] = (
    *public.routes.routes, *plans.routes.routes, *reporting.routes.routes,
    *workbooks.routes.routes, *assets.routes.routes, *notify.routes.routes, *admin.routes.routes,
    Route("GET,POST,PUT,PATCH,DELETE", "/api/<path:anything>", unknown, documented=False),
)
