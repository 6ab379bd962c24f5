"""`python -m payment_service`: serve payment on PAYMENT_PORT."""

from payment_service.app import create_app
from payment_service.settings import PaymentSettings
from servicekit.serve import serve


def main() -> None:
    settings = PaymentSettings()
    serve(create_app(settings), settings.http_host, settings.port, settings.log_level)


if __name__ == "__main__":
    main()
