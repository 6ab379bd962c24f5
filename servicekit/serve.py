"""`python -m <service>` entry: configure logging and serve the app with uvicorn."""

from __future__ import annotations

import gc
import sys

import uvicorn
from fastapi import FastAPI

from servicekit import tracing
from servicekit.logs import LoggingSettings, configure_logging

# How long an idle keep-alive connection stays open. Longer than any client's own idle expiry
# (web's aiohttp pool keeps connections 15 s, httpx 5 s): with equal timeouts a client could send
# on a connection at the instant the server closes it, and an idempotent GET between two
# services failed with ReadError('') now and then.
KEEP_ALIVE_SECONDS = 75


def serve(app: FastAPI, host: str, port: int, log_level: str) -> None:
    logging_settings = LoggingSettings(log_level=log_level)
    configure_logging(log_level, logging_settings.log_format, logging_settings.access_log)
    if tracing.configure_tracing(_service_name(app)):
        tracing.instrument_app(app)
    # A startup failure that retrying cannot cure ends the process (servicekit.startup).
    app.state.exit_on_startup_failure = True
    _tune_garbage_collector()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        log_config=None,
        access_log=logging_settings.access_log,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


# Objects allocated before a young-generation collection runs. Python's default, 700, ran one
# every few hundred allocations: under load the orchestrator spent about 4% of its CPU in the
# collector (py-spy --native), walking objects that reference counting frees anyway. What is
# garbage only through a cycle waits a little longer; memory stays flat (make bench's RSS series).
YOUNG_GENERATION_THRESHOLD = 20_000


def _tune_garbage_collector() -> None:
    # What the imports and the app built lives as long as the process: frozen, the older
    # generations' collections no longer walk it again and again.
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)


def _service_name(app: FastAPI) -> str:
    """The package run as `python -m <package>` (payment_service, web, ...), else the title."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec.name.split(".")[0] if spec is not None else app.title
