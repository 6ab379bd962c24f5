"""One log format for every process: plain text by default, one JSON object per line with
LOG_FORMAT=json. Lines carry the execution id, order id and state name they are about, from
`extra=` or from the context `bind()` set for the message being handled, and the trace id of
the current span when tracing is on (servicekit.tracing)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit import tracing

# The structured fields a line may carry, in the order plain text shows them.
FIELDS = ("execution_id", "order_id", "state_name", "event", "trace_id")

_context: ContextVar[dict[str, str] | None] = ContextVar("log_context", default=None)


class LoggingSettings(BaseSettings):
    """LOG_LEVEL, LOG_FORMAT (text | json) and ACCESS_LOG (uvicorn's access lines and the HTTP
    client's per-call lines at INFO; off by default: they were most of every log)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    access_log: bool = False


@contextmanager
def bind(**fields: str | None) -> Iterator[None]:
    """Every line logged inside the block (in this task) carries `fields`."""
    current = _context.get() or {}
    token = _context.set({**current, **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the bound fields and the current trace id onto each record (an `extra=` value
    wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = _context.get()
        if bound:
            for key, value in bound.items():
                if key not in record.__dict__:
                    record.__dict__[key] = value
        if "trace_id" not in record.__dict__:
            trace_id = tracing.trace_id()
            if trace_id is not None:
                record.__dict__["trace_id"] = trace_id
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        values = record.__dict__
        fields = [f"{key}={values[key]}" for key in FIELDS if values.get(key) is not None]
        return f"{line} [{' '.join(fields)}]" if fields else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in FIELDS:
            if record.__dict__.get(key) is not None:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(
    level: str = "INFO", log_format: str = "text", access_log: bool = False
) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # aio-pika and aiormq log every reconnect attempt at INFO; keep them to warnings.
    for noisy in ("aio_pika", "aiormq"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # httpx (tests, tools) logs every request at INFO: kept to warnings unless asked for.
    logging.getLogger("httpx").setLevel(logging.INFO if access_log else logging.WARNING)
