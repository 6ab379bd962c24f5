"""The orchestrator's configuration, from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from servicekit.settings import (
    DEFAULT_AMQP_URL,
    DEFAULT_DATABASE_URL,
    ServiceSettings,
    own_or_shared,
)

DEFAULT_WORKFLOWS_DIR = Path(__file__).parent / "workflows"


class OrchestratorSettings(ServiceSettings):
    port: int = Field(8001, validation_alias="ORCHESTRATOR_PORT")
    database_url: str = own_or_shared("ORCHESTRATOR", "DATABASE_URL", DEFAULT_DATABASE_URL)
    amqp_url: str = own_or_shared("ORCHESTRATOR", "AMQP_URL", DEFAULT_AMQP_URL)
    own_database_url: str = Field("", validation_alias="ORCHESTRATOR_DATABASE_URL")
    own_amqp_url: str = Field("", validation_alias="ORCHESTRATOR_AMQP_URL")
    # A whole request body at most (413 beyond it), as AWS's 1 MB per request. An execution's
    # input, a task's output and every state's payload are at most 256 KiB, as AWS's.
    max_body_bytes: int = 1024 * 1024
    # The queues a Task's `rabbitmq:<queue>` may name (glob patterns, comma separated); a
    # definition with any other is invalid (orchestrator.task_queues).
    task_queues: str = "*.commands"
    # Every `<name>.asl.json` here is registered as state machine `<name>` at start.
    workflows_dir: Path = Field(DEFAULT_WORKFLOWS_DIR, validation_alias="WORKFLOWS_DIR")
    # How often the timer loop looks for due timers, and the outbox relay for stranded rows.
    timer_poll_seconds: float = 0.2
    outbox_poll_seconds: float = 1.0
    # An outbox row younger than this is still being published by the transaction that wrote it.
    outbox_grace_seconds: float = 2.0
    # The transition path's pool: group commits, starts, timers and the relay share it.
    database_pool_size: int = 10
    # Replies settled in one transaction at most, and transactions of replies under way at once.
    max_batch: int = 128
    batch_workers: int = 1
    # Engine states of running executions kept in memory between their events (a copy, checked
    # against the row's state_version before use), so a big Map's parts are not read per reply.
    state_cache_size: int = 10_000
    # Unacknowledged messages held at once: replies queue up in memory to be group-committed.
    prefetch: int = 256
    # Published outbox rows are kept this long (for inspection), then deleted.
    outbox_retention_seconds: float = 3600.0
    # Finished executions (and all their rows) are deleted once they stopped this long ago, as
    # Step Functions keeps them 90 days; 0 or less keeps them for ever. Looked for this often.
    execution_retention_days: float = 90.0
    retention_poll_seconds: float = 3600.0
    # Replies the orchestrator refused (unknown tokens, attempts that are over) are recorded for
    # inspection; anyone who can send a reply can add one, so they are kept this long and at
    # most this many (the newest), checked this often (orchestrator.bounds).
    rejected_replies_retention_days: float = 7.0
    rejected_replies_max_rows: int = 100_000
    bounds_poll_seconds: float = 60.0
    # AWS's Step Functions API on POST / (orchestrator.aws_api): the access keys it accepts
    # (`key_id:secret,...`; none: every request is refused), and the region and account its
    # ARNs carry.
    aws_api_keys: str = ""
    aws_region: str = "us-east-1"
    aws_account_id: str = "123456789012"
    # Replies over AMQP for tasks of these queues are applied only when published by the
    # queue's RabbitMQ user (`queue=user,...`; orchestrator.reply_senders). Empty: no check.
    task_queue_owners: str = ""
    # GetActivityTask waits this long for a task before answering with none (AWS: 60 s).
    aws_activity_poll_seconds: float = 60.0
    # StartSyncExecution waits this long for the execution to end, then stops it and answers
    # TIMED_OUT (AWS: an EXPRESS execution lasts at most 5 minutes).
    aws_sync_execution_seconds: float = 300.0
