"""What a logger writes through the handler, filter and formatter the services configure."""
from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

from services.infra.logs import ContextFilter, json_formatter


@contextmanager
def json_lines(logger: logging.Logger, service: str):
    """Yields a callable returning the lines written so far, each parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter(service))
    handler.addFilter(ContextFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
