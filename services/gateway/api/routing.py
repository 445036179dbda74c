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
    400: "what is wrong with the request (a query parameter or the body), for a person",
    401: "missing or unknown API key", 403: "the key's scope does not cover this",
    404: "no such thing the key may see", 405: "not a method of this path (see Allow)",
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
    #   beyond what the route's shape already implies (see ``error_statuses``)
    query: tuple = ()                              # OpenAPI parameter objects
    path_schemas: dict = field(default_factory=dict)  # {name: schema} beyond {"type": "string"}
    body: dict | None = None                       # OpenAPI requestBody
    auth: bool = True                              # needs a key: documents 401 and 403
    documented: bool = True                        # in /openapi.json
    wrapped: bool = True                           # errors become JSON answers (api.common.endpoint)
    audit: object = None                           # audit.record.Audit: the act the audit log keeps

    @property
    def name(self) -> str:
        """The service method's name: unique across the table."""
        return self.handler.__name__

    @property
    def openapi_path(self) -> str:
        return PATH_VALUE.sub(r"{\2}", self.path)

    def error_statuses(self) -> dict[int, str | None]:
        """Every error status the operation can answer, each with the one Error body: what its
        shape implies - a key (401, and 403: the key's role or scope does not cover it; see
        api/common.py ``principal``/``admin``), a path value naming something (404: none the key
        may see), query parameters (400: a bad one is named), a body (400: not UTF-8 JSON, not an
        object, or breaking the rules; 413: over the limit, ``common.body_bytes``) - and what
        the route declares beyond that (409 where a state conflict is possible, ...). 5xx are
        faults, not answers: no input may cause one (tests/e2e/test_api_fuzz.py)."""
        found: dict[int, str | None] = {}
        if self.auth:
            found.update({401: None, 403: None})
        if PATH_VALUE.search(self.path):
            found[404] = None
        if self.query or self.body is not None:
            found[400] = None
        if self.body is not None:
            found[413] = None
        for status, description in self.errors.items():
            found[status] = description or found.get(status)
        return found

    def operation(self) -> dict:
        """This route's OpenAPI operation object."""
        params = [{"name": name, "in": "path", "required": True,
                   "schema": self.path_schemas.get(name, {"type": "string"})}
                  for _, name in PATH_VALUE.findall(self.path)]
        responses = {status: as_file(answer) if AS_FILE in self.query and status < "300"
                     else answer for status, answer in self.ok.items()}
        for status, description in sorted(self.error_statuses().items()):
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
    """A response with a JSON body; ``schema`` a component name, a marshmallow class or a dict.
    A list answered a page at a time (``PAGE``) says so in its X-Total-Count header."""
    body = {"type": "array", "items": schema} if array else schema
    answer = {"description": description, "content": {JSON: {"schema": body}}}
    if headers:
        answer["headers"] = headers
    return answer


def ok(schema, description: str, status: int = 200, array: bool = False, paged: bool = False) -> dict:
    return {str(status): json_response(schema, description, array,
                                       headers=TOTAL_COUNT if paged else None)}


def file_ok(description: str, status: int = 200, types=(XLSX,)) -> dict:
    """A download: the bytes of a file (``types``: its media types)."""
    return {str(status): {"description": description,
                          "content": {t: {"schema": FILE} for t in types}}}


def as_file(answer: dict) -> dict:
    """A JSON answer that ``?format=csv|xlsx`` turns into the same view as a file."""
    return {**answer, "content": {**answer.get("content", {}), "text/csv; charset=utf-8": {
        "schema": {"type": "string"}}, XLSX: {"schema": FILE}}}


FILE = {"type": "string", "contentMediaType": "application/octet-stream",
        "description": "the file's bytes"}
TOTAL_COUNT = {"X-Total-Count": {"description": "how many there are in all (the answer is one "
                                                "page: limit, offset)",
                                 "schema": {"type": "integer", "minimum": 0}}}


def json_body(schema, required: bool = True) -> dict:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def param(name: str, description: str | None = None, required: bool = False,
          schema: dict | None = None, **more) -> dict:
    found = {"name": name, "in": "query", "required": required,
             "schema": schema or {"type": "string"}, **more}
    if description:
        found["description"] = description
    return found


AS_FILE = param("format", "csv or xlsx: the same view as a file with Thai headers and B.E. labels "
                          "(CSV is UTF-8 with a BOM)", schema={"type": "string", "enum": ["csv", "xlsx"]})
# contracts/periods.py: B.E. fiscal years 2500-2800, C.E. months 1957-2257
PERIOD = {"type": "string", "examples": ["FY2567-Q2"], "description": "FY2567 (fiscal year, B.E.), "
          "FY2567-Q2 (fiscal quarter) or 2024-01 (calendar month, C.E.)",
          "pattern": r"^(FY(2[5-7][0-9]{2}|2800)(-Q[1-4])?|(195[7-9]|19[6-9][0-9]|2[01][0-9]{2}"
                     r"|22[0-4][0-9]|225[0-7])-(0[1-9]|1[0-2]))$"}
# why a setting is changed (api/common.py change_reason): optional; the audit log keeps it
REASON = param("reason", "why the change is made (optional, at most 500 characters): kept with "
                         "the before and after in the audit log",
               schema={"type": "string", "maxLength": 500})
SHEET_FORMAT = param("format", schema={"type": "string", "enum": ["xlsx", "csv"], "default": "xlsx"})
PAGE = (param("limit", "at most this many (1-1000); the whole count is in X-Total-Count",
              schema={"type": "integer", "minimum": 1, "maximum": 1000}),
        param("offset", "skip this many", schema={"type": "integer", "minimum": 0}))
