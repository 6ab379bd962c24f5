"""What each service's own Postgres role and RabbitMQ user may do (least privilege).

A service's role owns its schema and nothing else: it cannot read another service's tables. Its
RabbitMQ user may declare, read and dead-letter its own command queue, and write to one exchange,
the one that routes to the orchestrator's result queue; it has no write on the default exchange,
which would let it publish to any queue. The orchestrator's user publishes commands to every task
queue through the default exchange, and declares and reads what it consumes.

Permission regexes match names of queues and exchanges alike (RabbitMQ does not tell them apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESULT_QUEUE = "orchestrator.results"  # servicekit.messages.RESULT_QUEUE


@dataclass(frozen=True)
class Account:
    service: str  # as in the Procfile and the settings' prefix: payment -> PAYMENT_DATABASE_URL
    schema: str
    queue: str  # the queue it consumes (declared by the provisioning, see provision.py)
    configure: str
    write: str
    read: str

    @property
    def variable_prefix(self) -> str:
        return self.service.upper()


def _names(*names: str) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def worker(service: str, queue: str) -> Account:
    own = (queue, f"{queue}.dlq")
    return Account(
        service,
        schema=service,
        queue=queue,
        configure=_names(*own),
        # Its dead-letter queue's exchange (servicekit.amqp) and the result queue's exchange.
        write=_names(f"{queue}.dlq", RESULT_QUEUE),
        read=_names(*own),
    )


# Any queue a workflow names: the orchestrator declares each task queue (and activity queue, for
# AWS's API) before it publishes to it. Narrow it to the queues your TASK_QUEUES allow
# (`--task-queues '.+\\.commands|activity\\..+'`).
ANY_TASK_QUEUE = ".+"


def orchestrator(task_queues: str = ANY_TASK_QUEUE) -> Account:
    results = _names(RESULT_QUEUE, f"{RESULT_QUEUE}.dlq")
    tasks = f"^({task_queues})(\\.dlq)?$"
    return Account(
        "orchestrator",
        schema="orchestrator",
        queue=RESULT_QUEUE,
        configure=f"{results}|{tasks}",
        # Commands go to every task queue through the default exchange.
        write=_names("amq.default", RESULT_QUEUE, f"{RESULT_QUEUE}.dlq"),
        # RabbitMQ asks for read on a new queue that has a dead-letter exchange (task queues
        # do), and GetActivityTask reads activity queues.
        read=f"{results}|^({task_queues})$",
    )


def accounts(task_queues: str = ANY_TASK_QUEUE) -> tuple[Account, ...]:
    return (
        orchestrator(task_queues),
        worker("payment", "payment.commands"),
        worker("inventory", "inventory.commands"),
        worker("shipping", "shipping.commands"),
    )


# The services and their names; the orchestrator's task queues as provisioned by default.
ACCOUNTS = accounts()


def role_name(prefix: str, account: Account) -> str:
    """The Postgres role and the RabbitMQ user of `account`: both are cluster-wide, so a run's
    own prefix keeps concurrent runs apart (the tests use their database's name)."""
    return f"{prefix}_{account.service}"
