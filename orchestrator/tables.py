"""The orchestrator's schema: state machines, executions, their history, and the durable
machinery (task tokens, outbox, timers, rejected replies). Created by Alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "orchestrator"
metadata = MetaData(schema=SCHEMA)

state_machines = Table(
    "state_machines",
    metadata,
    Column("name", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", JSONB, nullable=False),
    Column("definition_hash", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

executions = Table(
    "executions",
    metadata,
    # "<state machine name>:<execution name>": starting the same name twice is idempotent.
    Column("execution_id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("state_machine_name", String, nullable=False),
    Column("state_machine_version", Integer, nullable=False),
    Column("status", String, nullable=False),
    Column("input", JSONB),
    Column("output", JSONB),
    Column("error", Text),
    Column("cause", Text),
    Column("start_date", DateTime(timezone=True), nullable=False),
    Column("stop_date", DateTime(timezone=True)),
    Column("event_count", Integer, nullable=False, server_default="0"),
    Column("redrive_count", Integer, nullable=False, server_default="0"),
    # A random tag written with every write of the engine's state (execution_parts): a cached
    # copy of the state is current while its tag matches (orchestrator.state_cache).
    Column("state_version", BigInteger, nullable=False, server_default="0"),
    # The W3C traceparent of its StartExecution, tracing on: timers' transitions join its trace.
    Column("traceparent", Text),
    Index("ix_executions_machine_start", "state_machine_name", "start_date"),
    # What the running-executions gauge counts (orchestrator.gauges), migration 0008.
    Index(
        "ix_executions_running",
        "state_machine_name",
        postgresql_where=Column("status") == "RUNNING",
    ),
    Index(
        "ix_executions_stop_date",
        "stop_date",
        postgresql_where=Column("stop_date").is_not(None),
    ),
)

# The engine's own record of an execution (orchestrator.engine.api.ExecutionState), one row
# per named part, so that an event rewrites only the parts it changed.
# It and history_events name their execution without a foreign key: every row is written by a
# statement that writes or locks the execution's row, and retention deletes them with it
# (migration 0009 says why the checks went).
execution_parts = Table(
    "execution_parts",
    metadata,
    Column("execution_id", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("value", JSONB, nullable=False),
)

history_events = Table(
    "history_events",
    metadata,
    Column("execution_id", String, primary_key=True),
    Column("event_id", Integer, primary_key=True),
    Column("previous_event_id", Integer, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("type", String, nullable=False),
    Column("details", JSONB, nullable=False),
)

task_tokens = Table(
    "task_tokens",
    metadata,
    # Only tokens in this table were issued by us; a reply with any other token is rejected.
    Column("token", String, primary_key=True),
    Column("execution_id", String, nullable=False),
    Column("state_name", String, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_task_tokens_execution", "execution_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("execution_id", String, nullable=False),
    Column("queue", String, nullable=False),
    Column("message_id", String, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Index("ix_outbox_unpublished", "id", postgresql_where=Column("published_at").is_(None)),
    Index("ix_outbox_execution", "execution_id"),  # retention deletes by execution
)

timers = Table(
    "timers",
    metadata,
    Column("execution_id", String, primary_key=True),
    Column("timer_id", String, primary_key=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Index("ix_timers_due", "due_at"),
)

rejected_replies = Table(
    "rejected_replies",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("token", Text),
    Column("execution_id", String),
    Column("status", String),
    Column("reason", Text, nullable=False),
    Column("via", String, nullable=False),  # "amqp" or "http"
    Column("payload", JSONB),
    Column("stale", Boolean, nullable=False, server_default="false"),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rejected_replies_execution", "execution_id"),  # retention deletes by execution
)

# ---- AWS's Step Functions API (orchestrator.aws_api): what AWS keeps that the engine does not --

# A state machine as AWS describes it. Optional: a machine registered otherwise (REST, the
# workflows directory) has no row and shows AWS's defaults. `deleted_at` hides it from the AWS
# API while its definitions stay, since running executions are pinned to them.
aws_state_machines = Table(
    "aws_state_machines",
    metadata,
    Column("name", String, primary_key=True),
    Column("role_arn", String, nullable=False),
    Column("type", String, nullable=False, server_default="STANDARD"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
    # The last version number published: AWS never gives a deleted version's number again.
    Column("last_version", Integer, nullable=False, server_default="0"),
)

# AWS's published versions (PublishStateMachineVersion): version N of a machine is one of the
# registry's revisions (state_machines.version), with the description it was published with.
aws_state_machine_versions = Table(
    "aws_state_machine_versions",
    metadata,
    Column("name", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# CreateActivity: an activity's Tasks are commands on the queue `activity.<name>`
# (orchestrator.aws_api.activities), handed out by GetActivityTask.
aws_activities = Table(
    "aws_activities",
    metadata,
    Column("name", String, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# TagResource / ListTagsForResource, keyed by the resource's ARN.
aws_tags = Table(
    "aws_tags",
    metadata,
    Column("resource_arn", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)

# CreateStateMachineAlias: `routing` is [{"version": n, "weight": w}] (one or two entries,
# weights summing to 100), the published versions StartExecution of the alias picks between.
aws_state_machine_aliases = Table(
    "aws_state_machine_aliases",
    metadata,
    Column("name", String, primary_key=True),
    Column("alias", String, primary_key=True),
    Column("description", Text),
    Column("routing", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True)),
)

# The published version (and alias) a StartExecution named, for DescribeExecution's
# stateMachineVersionArn / stateMachineAliasArn. None for an execution of the current definition.
aws_execution_origins = Table(
    "aws_execution_origins",
    metadata,
    Column("execution_id", String, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("alias", String),
)
