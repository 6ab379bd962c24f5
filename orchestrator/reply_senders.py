"""Who may answer a task over AMQP: the RabbitMQ user that owns the task's queue.

RabbitMQ refuses a message whose `user_id` is not its connection's user, so a reply's `user_id`
says which user published it. With `TASK_QUEUE_OWNERS` (`queue=user,...`; scripts/provision.py
writes it), a reply for a task of a listed queue is applied only when that queue's owner sent it:
payment's user cannot complete a shipping task. Replies for tasks of unlisted queues (a worker
of your own, on the administrator's user) and replies over HTTP (bearer token) are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from orchestrator.engine.machine import StateMachine
from orchestrator.engine.states.map_ import MapState
from orchestrator.engine.states.parallel import ParallelState


def parse_queue_owners(text: str) -> dict[str, str]:
    """`payment.commands=stepwise_payment,...` as {queue: user}; ValueError names a bad pair."""
    owners: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        queue, sep, user = (piece.strip() for piece in pair.partition("="))
        if not sep or not queue or not user:
            raise ValueError(f"TASK_QUEUE_OWNERS: {pair!r} is not queue=user")
        owners[queue] = user
    return owners


class ReplySenders:
    def __init__(self, owners: Mapping[str, str]) -> None:
        self._owners = dict(owners)

    @property
    def checked(self) -> bool:
        return bool(self._owners)

    def refusal(self, machine: StateMachine, state_name: str, sender: str | None) -> str | None:
        """Why a reply from `sender` for a task of `state_name` is refused, or None."""
        for queue in task_queues(machine, state_name):
            owner = self._owners.get(queue)
            if owner is not None and sender != owner:
                return f"reply for a task of {queue} sent by {sender or 'no user_id'}, not {owner}"
        return None


def task_queues(machine: StateMachine, state_name: str) -> set[str]:
    """The queues of the Task states named `state_name`, at any depth (a Map's or a Parallel
    branch's tasks too: a token records its state's name only)."""
    found = set()
    for name, state in machine.states.items():
        queue = getattr(state, "queue", None)
        if name == state_name and queue:
            found.add(queue)
        for sub_machine in _sub_machines(state):
            found |= task_queues(sub_machine, state_name)
    return found


def _sub_machines(state: object) -> Iterator[StateMachine]:
    if isinstance(state, ParallelState):
        yield from state.branches
    if isinstance(state, MapState) and state.processor is not None:
        yield state.processor
