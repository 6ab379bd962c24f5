"""`python -m web`: serve the shop's REST API."""

from __future__ import annotations

from servicekit.serve import serve
from web.app import create_app
from web.settings import WebSettings


def main() -> None:
    settings = WebSettings()
    serve(create_app(settings), settings.http_host, settings.port, settings.log_level)


if __name__ == "__main__":
    main()
