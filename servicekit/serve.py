"""`python -m <service>` entry: configure logging and serve the app with uvicorn."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from servicekit.logs import configure_logging


def serve(app: FastAPI, host: str, port: int, log_level: str) -> None:
    configure_logging(log_level)
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), log_config=None)
