"""What every operation is handed: the orchestrator's own services and the ARN forms."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.shapes import Request
from orchestrator.registry import Registry
from orchestrator.service import Orchestrator
from servicekit.amqp import Broker


@dataclass(frozen=True)
class AwsApi:
    orchestrator: Orchestrator
    registry: Registry
    sessions: async_sessionmaker[AsyncSession]
    arns: Arns
    # GetActivityTask takes an activity's commands from its queue (orchestrator.aws_api.activities).
    broker: Broker
    activity_poll_seconds: float = 60.0
    sync_execution_seconds: float = 300.0  # StartSyncExecution's wait (orchestrator.aws_api.sync)
    # Picks an alias's version by weight (orchestrator.aws_api.aliases).
    chance: random.Random = field(default_factory=random.Random)

    @property
    def default_role_arn(self) -> str:
        """The role shown for a machine registered without one (REST, the workflows folder)."""
        return f"arn:aws:iam::{self.arns.account}:role/stepwise"


# One AWS operation: its request body in, its response body out (raises AwsError).
Operation = Callable[[AwsApi, Request], Awaitable[dict[str, Any]]]
