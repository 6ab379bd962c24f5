"""Alembic environment: inventory's migrations, run into the `inventory` schema."""

from inventory_service.tables import metadata
from servicekit.migrations_env import run_migrations

run_migrations(metadata)
