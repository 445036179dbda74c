"""The HTTP API by area; ``ROUTES`` is the whole route table (see routing.py), from which the
gateway service (service.py) and /openapi.json (openapi.py) are both made."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from werkzeug.routing import Map, Rule

from . import (admin, alignment, approvals, asset_documents, assets, audit, cards, emenscr, entries,
               evidence, extensions, national, notify, open_data, plans, problems,
               project_reports, public, reporting, rollup, users, workbooks)
from ..audit.acts import ACTS
from .common import no_such_endpoint, principal
from .routing import Route


def unknown(gw, request, anything):
    principal(gw, request)
    raise no_such_endpoint(request)


_ROUTES: tuple[Route, ...] = (
    *public.routes.routes, *plans.routes.routes, *alignment.routes.routes,
    *national.routes.routes, *reporting.routes.routes,
    *workbooks.routes.routes, *entries.routes.routes, *project_reports.routes.routes, *problems.routes.routes,
    *assets.routes.routes, *asset_documents.routes.routes, *notify.routes.routes,
    *admin.routes.routes, *audit.routes.routes, *cards.routes.routes, *evidence.routes.routes, *users.routes.routes,
    *approvals.routes.routes,
    *extensions.routes.routes, *open_data.routes.routes, *emenscr.routes.routes,
    *rollup.routes.routes,
    Route("GET,POST,PUT,PATCH,DELETE,OPTIONS", "/api/<path:anything>", unknown, documented=False),
)
# each act the audit log keeps (audit/acts.py) on its route
ROUTES: tuple[Route, ...] = tuple(replace(r, audit=ACTS.get(r.name)) for r in _ROUTES)


@lru_cache(maxsize=1)
def _documented() -> Map:
    return Map([Rule(r.path, methods=r.method.split(",")) for r in ROUTES if r.documented])


def documented_methods(path: str) -> list[str]:
    """The methods the documented routes answer at ``path`` (HEAD beside GET); [] if none."""
    return sorted(_documented().bind("gateway").allowed_methods(path))
