"""Alembic environment: shipping's migrations, run into the `shipping` schema."""

from servicekit.migrations_env import run_migrations
from shipping_service.tables import metadata

run_migrations(metadata)
