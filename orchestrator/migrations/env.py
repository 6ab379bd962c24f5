from orchestrator.tables import metadata
from servicekit.migrations_env import run_migrations

run_migrations(metadata)
