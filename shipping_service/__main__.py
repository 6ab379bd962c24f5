"""`python -m shipping_service`: serve shipping on SHIPPING_PORT."""

from servicekit.serve import serve
from shipping_service.app import create_app
from shipping_service.settings import ShippingSettings


def main() -> None:
    settings = ShippingSettings()
    serve(create_app(settings), settings.http_host, settings.port, settings.log_level)


if __name__ == "__main__":
    main()
