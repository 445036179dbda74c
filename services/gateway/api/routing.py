"""The gateway's route table: each HTTP operation declared once - method, path, handler, summary,
parameters, request and response schemas, error statuses, auth - and both the nameko/werkzeug URL
map (``service.py``) and the OpenAPI paths (``openapi.py``) are made from it.

A handler is a plain function ``handler(gateway, request, **path_values)``; ``gateway`` is the
running GatewayService worker (its RPC proxies, keys and config).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

# werkzeug's "<string:plan_id>" / "<plan_id>" -> OpenAPI's "{plan_id}"
PATH_VALUE = re.compile(r"<(?:(\w+):)?(\w+)>")
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {  # what each error status means, unless a route says more precisely
    400: "what is wrong with the request, for a person", 401: "missing or unknown API key",
    403: "the key's scope does not cover this", 404: "no such thing the key may see",
    409: "the state changed meanwhile, or does not allow this", 413: "the body is too large",
    429: "too many requests from this client; see Retry-After",
}


@dataclass(frozen=True)
class Route:
    method: str                  # GET, POST, PUT, DELETE ("GET,POST" only where undocumented)
    path: str                    # werkzeug rule, e.g. /api/plans/<string:plan_id>
    handler: Callable
    summary: str = ""
    ok: dict = field(default_factory=dict)         # {status: response object}
    errors: dict = field(default_factory=dict)     # {status: description or None (the default)}
    query: tuple = ()                              # OpenAPI parameter objects
    path_schemas: dict = field(default_factory=dict)  # {name: schema} beyond {"type": "string"}
    body: dict | None = None                       # OpenAPI requestBody
    auth: bool = True                              # needs a key: documents 401 and 403
    documented: bool = True                        # in /openapi.json
    wrapped: bool = True                           # errors become JSON answers (api.common.endpoint)

    @property
    def name(self) -> str:
        """The service method's name: unique across the table."""
        return self.handler.__name__

    @property
    def openapi_path(self) -> str:
        return PATH_VALUE.sub(r"{\2}", self.path)

    def operation(self) -> dict:
        """This route's OpenAPI operation object."""
        params = [{"name": name, "in": "path", "required": True,
                   "schema": self.path_schemas.get(name, {"type": "string"})}
                  for _, name in PATH_VALUE.findall(self.path)]
        responses = dict(self.ok)
        errors = {**({401: None, 403: None} if self.auth else {}), **self.errors}
        for status, description in sorted(errors.items()):
            responses[str(status)] = json_response("Error", description or ERRORS[status])
        op = {"summary": self.summary, "responses": responses}
        if params or self.query:
            op["parameters"] = params + list(self.query)
        if self.body is not None:
            op["requestBody"] = self.body
        if self.auth:
            op["security"] = [{"apiKey": []}]
        return op


class RouteTable:
    """The routes of one area, declared with decorators beside their handlers."""

    def __init__(self):
        self.routes: list[Route] = []

    def route(self, method: str, path: str, summary: str = "", **options):
        def declare(handler):
            self.routes.append(Route(method, path, handler, summary, **options))
            return handler
        return declare

    def get(self, path, summary="", **options):
        return self.route("GET", path, summary, **options)

    def post(self, path, summary="", **options):
        return self.route("POST", path, summary, **options)

    def put(self, path, summary="", **options):
        return self.route("PUT", path, summary, **options)

    def delete(self, path, summary="", **options):
        return self.route("DELETE", path, summary, **options)


# --- pieces of OpenAPI the areas share ----------------------------------------------------------

def json_response(schema, description: str, array: bool = False, headers=None) -> dict:
    """A response with a JSON body; ``schema`` a component name, a marshmallow class or a dict."""
    body = {"type": "array", "items": schema} if array else schema
    answer = {"description": description, "content": {JSON: {"schema": body}}}
    if headers:
        answer["headers"] = headers
    return answer


def ok(schema, description: str, status: int = 200, array: bool = False) -> dict:
    return {str(status): json_response(schema, description, array)}


def file_ok(description: str, status: int = 200) -> dict:
    return {str(status): {"description": description}}


def json_body(schema) -> dict:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def param(name: str, description: str | None = None, required: bool = False,
          schema: dict | None = None, **more) -> dict:
    found = {"name": name, "in": "query", "required": required,
             "schema": schema or {"type": "string"}, **more}
    if description:
        found["description"] = description
    return found


AS_FILE = param("format", "csv or xlsx: the same view as a file with Thai headers and B.E. labels "
                          "(CSV is UTF-8 with a BOM)", schema={"type": "string", "enum": ["csv", "xlsx"]})
SHEET_FORMAT = param("format", schema={"type": "string", "enum": ["xlsx", "csv"], "default": "xlsx"})
PAGE = (param("limit", "at most this many (1-1000); the whole count is in X-Total-Count",
              schema={"type": "integer", "minimum": 1, "maximum": 1000}),
        param("offset", "skip this many", schema={"type": "integer", "minimum": 0}))
