"""Alembic environment: payment's migrations, run into the `payment` schema."""

from payment_service.tables import metadata
from servicekit.migrations_env import run_migrations

run_migrations(metadata)
