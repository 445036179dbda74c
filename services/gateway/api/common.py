"""What every area of the HTTP API shares: JSON answers, bodies read within bounds, pages,
downloads, who is asking, and errors - a service's included - turned into JSON answers."""
from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import quote
from functools import wraps

import eventlet
from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts import errors as service_errors
from services.infra.event_publisher import SEND_AGAIN_LATER, PublishTimedOut

from .. import exports
from ..auth import AuthError
from ..sessions import SESSION_COOKIE, browser_principal
from ..rpc import call

log = logging.getLogger(__name__)

# The errors a service answers with, as the gateway answers them; a class not here (nor a base
# of it) is a fault: 502. ``register_remote_errors`` makes nameko hand them over as these classes.
REMOTE_ERRORS = {
    service_errors.LifecycleError: (409, "wrong_state"),
    service_errors.StaleVersion: (409, "stale_version"),
    service_errors.PlanExists: (409, "conflict"),
    service_errors.PlanError: (400, "invalid_plan"),
    service_errors.UnknownPlan: (404, "not_found"),
    service_errors.Forbidden: (403, "forbidden"),
    service_errors.ConcurrentUpdate: (409, "conflict"),
    service_errors.QueryError: (400, "bad_request"),
    service_errors.ParkedError: (400, "bad_request"),
    service_errors.NotAllowed: (403, "forbidden"),
    service_errors.Conflict: (409, "stale_version"),
    service_errors.NotFound: (404, "not_found"),
    service_errors.AlreadyRegistered: (409, "conflict"),
    service_errors.AssetError: (400, "invalid_asset"),
    service_errors.RuleError: (400, "bad_request"),
    service_errors.PreferenceForbidden: (403, "forbidden"),
    service_errors.UnknownAgency: (404, "not_found"),
    service_errors.UnknownFlag: (404, "not_found"),
    service_errors.UnknownProblem: (404, "not_found"),
}


def register_remote_errors() -> None:
    """Have nameko rebuild the services' errors as their classes at this caller (its public
    registry: ``deserialize_to_instance``). Called once by the gateway service at import."""
    from nameko.exceptions import deserialize_to_instance
    for cls in service_errors.ALL:
        deserialize_to_instance(cls)


def remote_status(exc: BaseException) -> tuple[int, str] | None:
    """(status, code) of a service's error, by its class or the nearest base in the table."""
    return next((REMOTE_ERRORS[c] for c in type(exc).__mro__ if c in REMOTE_ERRORS), None)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def forbidden(message: str) -> AuthError:
    return AuthError(403, "forbidden", message)


def json_response(body, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(status: int, code: str, message: str, headers=None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def endpoint(handler):
    """Every answer is JSON, errors included, with a message a person can act on."""
    @wraps(handler)
    def wrapper(gateway, request, *args, **kwargs):
        try:
            return handler(gateway, request, *args, **kwargs)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        except AuthError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except access.Denied as exc:
            return error_response(403, "forbidden", str(exc))
        except service_errors.ApprovalError as exc:  # carries its own status (approvals)
            return error_response(exc.status, exc.code, str(exc))
        except service_errors.ServiceError as exc:
            status, code = remote_status(exc) or (502, "service_error")
            if status == 502:
                log.error("%s failed in a service: %s: %s", request.path, type(exc).__name__, exc)
                return error_response(502, code, "a service failed to answer; see its log")
            return error_response(status, code, str(exc))
        except RemoteError as exc:  # a fault in a service (not an error it answers with)
            log.error("%s failed in a service: %s", request.path, exc)
            return error_response(502, "service_error", "a service failed to answer; see its log")
        except eventlet.Timeout:
            return error_response(504, "timeout", "a service did not answer in time")
        except PublishTimedOut:  # uploads: a broker alarm must not hold the request forever
            log.error("%s: the broker confirmed nothing in time", request.path)
            return error_response(503, "bus_unavailable", SEND_AGAIN_LATER, {"Retry-After": "60"})
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return error_response(500, "internal", "the gateway failed; see its log")
    return wrapper


def no_such_endpoint(request, what: str = "endpoint") -> ApiError:
    """The answer to a method and path no route has: 405 with ``Allow`` when the path has other
    methods (an OPTIONS or a PUT on a path that only reads), else 404."""
    from . import documented_methods  # the route table this module is part of
    allowed = documented_methods(request.path)
    if allowed:
        return ApiError(405, "method_not_allowed", f"{request.method} is not a method of "
                        f"{request.path}; it answers {', '.join(allowed)} (see /openapi.json)",
                        {"Allow": ", ".join(allowed)})
    return ApiError(404, "not_found", f"no such {what}: {request.method} {request.path} "
                                      "(see /openapi.json)")


# --- bodies, pages, files ----------------------------------------------------------------------

MAX_PAGE = 1000
MAX_JSON_BYTES = 2 * 2**20     # a whole plan document is well under this
MAX_UPLOAD_BYTES = 20 * 2**20  # a workbook or a CSV
SHEET_FORMATS = ("xlsx", "csv")


BODY_READ = "cluster_planning.body"  # a WSGI environ key of ours (PEP 3333 extension keys)


def body_bytes(request, limit: int) -> bytes:
    """The request body, refused with 413 before it is read when it is larger than ``limit``."""
    size = request.content_length
    if size is not None and size > limit:
        raise ApiError(413, "too_large", f"the body is {size:,} bytes; at most {limit:,} here")
    data = request.stream.read(limit + 1)  # also bounds a body sent without Content-Length
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the body is larger than {limit:,} bytes")
    request.environ[BODY_READ] = data  # the stream is read once; the audit log keeps what came
    return data


def _not_json(constant: str):
    """NaN, Infinity and -Infinity: Python's reader takes them, JSON has no such numbers."""
    raise ApiError(400, "bad_request", f"the body is not JSON: {constant} is not a JSON number")


def json_body(request, default=None):
    """The request's JSON body, an object; a 400 that says what is wrong with it otherwise."""
    body = json_value(request, default)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return body


def json_array(request) -> list:
    """The request's JSON body, an array; a 400 that says what is wrong with it otherwise."""
    body = json_value(request)
    if not isinstance(body, list):
        raise ApiError(400, "bad_request", "the body must be a JSON array")
    return body


def json_value(request, default=None):
    """The request's JSON body, read within MAX_JSON_BYTES (413) and parsed (400)."""
    raw = body_bytes(request, MAX_JSON_BYTES)
    if not raw and default is not None:
        return default
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_request", f"the body is not UTF-8 JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "bad_request", "the JSON is nested too deeply") from None
    where = unpaired_surrogate(body)
    if where is not None:  # JSON's \ud800 escape: no character, and no store can keep it
        raise ApiError(400, "bad_request",
                       f"{where}: holds half of a UTF-16 pair (an unpaired \\uD800-\\uDFFF "
                       f"escape), not a character / {where}: มีอักขระที่ไม่สมบูรณ์ "
                       "(รหัส \\uD800-\\uDFFF ที่ไม่มีคู่) โปรดพิมพ์ข้อความใหม่")
    return body


def unpaired_surrogate(value) -> str | None:
    """Where in a parsed JSON value a text (a key or a string) holds a lone surrogate - what
    JSON's reader makes of an unpaired ``\\ud800`` - as ``comment`` or ``rows[2].name``;
    None when there is none. A pair is one character by then: what is left cannot be UTF-8."""
    stack = [("body", value)]
    while stack:  # no recursion: a deep body is refused by the reader, not here
        where, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # the place is shown: a key's own half escaped
                return where.encode("utf-8", "backslashreplace").decode("utf-8")
        elif isinstance(item, dict):
            for key, inner in item.items():
                path = key if where == "body" else f"{where}.{key}"
                stack.append((path, key))
                stack.append((path, inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{n}]", inner) for n, inner in enumerate(item))
    return None


def only_fields(body: dict, known: tuple[str, ...]) -> None:
    """400 naming the fields of a small body that are none of ``known`` (a typo is caught)."""
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ApiError(400, "bad_request", f"unknown field(s) {', '.join(map(repr, unknown[:10]))}; "
                                           f"the body takes {', '.join(known)}")


def sheet_format(request) -> str:
    fmt = request.args.get("format", "xlsx")
    if fmt not in SHEET_FORMATS:
        raise ApiError(400, "bad_request", f"format must be one of {', '.join(SHEET_FORMATS)}")
    return fmt


def page(request) -> tuple[int, int]:
    """``?limit=&offset=``, checked: (limit, offset)."""
    try:
        limit = int(request.args.get("limit", MAX_PAGE))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise ApiError(400, "bad_request", "limit and offset must be whole numbers") from None
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ApiError(400, "bad_request", f"limit must be 1-{MAX_PAGE} and offset 0 or more")
    return limit, offset


def paginated(request, items: list) -> Response:
    """``?limit=&offset=`` over a list; the whole count in ``X-Total-Count``."""
    limit, offset = page(request)
    return json_response(items[offset:offset + limit], headers={"X-Total-Count": str(len(items))})


MAX_REASON = 500


def change_reason(request) -> str | None:
    """The optional ``?reason=`` of a settings change (why it is made): the audit log keeps it
    with the before and after; the change itself does not depend on it. 400 when too long."""
    raw = request.args.get("reason") or ""
    if len(raw) > MAX_REASON:  # as sent (the documented maxLength), spaces around it included
        raise ApiError(400, "bad_request", f"reason: at most {MAX_REASON} characters")
    return raw.strip() or None


def whole_number(value):
    """A JSON number with no fraction as an int (``15.0`` is the whole number JSON Schema
    says it is); anything else unchanged, for the rule that checks it to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def file_response(name: str, fmt: str, header: list[str], rows: list[list],
                  sample: bool | list[bool] = False) -> Response:
    """A view as a CSV or Excel download (``?format=csv|xlsx``); ``sample``: the rows that are
    sample data (True: all of them), labelled as such in the file."""
    if fmt not in exports.FORMATS:
        raise ApiError(400, "bad_request", f"format must be one of {', '.join(exports.FORMATS)} / "
                                           f"format ต้องเป็น {' หรือ '.join(exports.FORMATS)}")
    return Response(exports.table_file(name, header, rows, fmt, sample),
                    content_type=exports.FORMATS[fmt],
                    headers={"Content-Disposition": attachment(f"{name}.{fmt}")})


def attachment(filename: str) -> str:
    """``Content-Disposition`` of a download whose name holds what a person typed (an asset's
    code): an ASCII name for every client and the exact one as RFC 6266's ``filename*``. A header
    is Latin-1: a Thai or control character sent as it is dropped the connection."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def view_or_file(request, view, name: str, table, sample: bool | list[bool] = False):
    """JSON (a list a page at a time with ``limit``/``offset``), or with ``?format=csv|xlsx``
    the same view, whole, as a file (``sample``: as file_response)."""
    fmt = request.args.get("format")
    if isinstance(view, list):
        page(request)  # checked even when the file has them all
    if fmt is not None:
        return file_response(name, fmt, *table(view), sample=sample)
    if isinstance(view, list):
        return paginated(request, view)
    return json_response(view)


# --- who is asking -------------------------------------------------------------------------------

def principal(gateway, request):
    """Who is asking: an API key (``Authorization: Bearer``), else a signed-in browser's session
    (the dashboard's downloads and forms; a change also needs the session's CSRF token)."""
    header = request.headers.get("Authorization")
    if header is None and request.cookies.get(SESSION_COOKIE):
        return browser_principal(gateway, request)
    return gateway.keys.authenticate(header)


def admin(gateway, request, refusal: str):
    who = principal(gateway, request)
    if not access.is_admin(who):
        raise forbidden(refusal)
    return who


def actor(who) -> list:
    """How a principal travels to the services: [role, scope], and the person acting when one
    is (the services sign what they record with it)."""
    return [who.role, who.scope] + ([who.person] if getattr(who, "person", None) else [])


class ShortCache:
    """Values kept ``ttl`` seconds (per gateway process): staleness bounded, no invalidation."""

    def __init__(self, ttl: float):
        self.ttl, self._items = ttl, {}

    def get(self, key):
        found = self._items.get(key)
        return found[1] if found and found[0] > time.monotonic() else None

    def put(self, key, value) -> None:
        if len(self._items) > 1000:  # plans are few; bound it anyway
            self._items.clear()
        self._items[key] = (time.monotonic() + self.ttl, value)


REPORTING_PLAN_TTL_S = 2.0
REPORTING_PLANS = ShortCache(REPORTING_PLAN_TTL_S)


def visible_plan(gateway, request, plan_id, cached=False):
    who = principal(gateway, request)
    plan = REPORTING_PLANS.get(plan_id) if cached else None
    if plan is None:
        plan = call(gateway.plans, "get_plan", plan_id)
        if plan is not None:
            REPORTING_PLANS.put(plan_id, plan)
    if plan is None:
        raise ApiError(404, "not_found", f"no plan {plan_id!r}")
    if not access.can_see_plan(who, plan):
        raise forbidden(f"{who} may not see plan {plan_id}")
    return who, plan


def plan_version(gateway, who, plan_id, version: str) -> dict:
    """``?version=`` of a plan: that version, when ``who`` may see it (400 for no number, 404
    for no such version)."""
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise ApiError(400, "bad_request", f"version {version[:40]!r} is not a version number "
                                           "(a whole number of at most 9 digits; see history)")
    old = call(gateway.plans, "get_plan_version", plan_id, int(version))
    if old is None or not access.can_see_plan(who, old):
        raise ApiError(404, "not_found", f"plan {plan_id} has no version {version} you may see")
    return old


def changeable_plan(gateway, request, plan_id):
    who, plan = visible_plan(gateway, request, plan_id)
    access.check_can_change_plan(who, plan["cluster"])
    return who, plan


def reporting_plan(gateway, request, plan_id):
    """A plan whose reporting views the key may read: an agency key acts on assets only.
    The plan is read through a cache of a few seconds (REPORTING_PLAN_TTL_S): these views
    only need who may see it and its structure, and fetching the whole document was half of
    an ``indicator-results`` request (the bench's freshness probe polls it)."""
    who, plan = visible_plan(gateway, request, plan_id, cached=True)
    if not access.reads_reporting(who):
        raise forbidden("an agency key acts on assets and transfers; the reporting "
                        "views need an OSM, province or admin key")
    return who, plan


def known_clusters(gateway) -> list[dict]:
    return call(gateway.plans, "list_clusters")["clusters"]
