"""`python -m inventory_service`: serve inventory on INVENTORY_PORT."""

from inventory_service.app import create_app
from inventory_service.settings import InventorySettings
from servicekit.serve import serve


def main() -> None:
    settings = InventorySettings()
    serve(create_app(settings), settings.http_host, settings.port, settings.log_level)


if __name__ == "__main__":
    main()
