"""A page form's POST as the JSON API's handler reads a request: the same headers and cookies
(so the same session and Origin check), the body the API takes, and the form's CSRF token as the
X-CSRF-Token header a script would send - so a form does exactly what the API does."""
from __future__ import annotations

import json
from io import BytesIO
from urllib.parse import urlencode

from werkzeug.wrappers import Request


def api_request(request, body: bytes, content_type: str, args: dict | None = None) -> Request:
    """``args``, when given, replace the query (the form's fields the API reads there)."""
    environ = dict(request.environ)
    environ.update({"wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                    "CONTENT_TYPE": content_type, "REQUEST_METHOD": "POST",
                    "HTTP_X_CSRF_TOKEN": request.form.get("csrf", "")})
    if args is not None:
        environ["QUERY_STRING"] = urlencode({k: v for k, v in args.items() if v})
    return Request(environ)


def json_request(request, body: dict) -> Request:
    return api_request(request, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       "application/json")
