"""The queues a Task may publish to: an allow-list (`TASK_QUEUES`, glob patterns, comma
separated; `*.commands` by default), so that whoever may register a definition cannot publish
a command to any queue there is (the orchestrator's own result queue, another system's).

Activities' queues (`activity.<name>`, orchestrator.aws_api.activities) are always allowed: only
GetActivityTask reads them. The result queue never is."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from orchestrator.engine import StateMachine
from orchestrator.engine.states.map_ import MapState
from orchestrator.engine.states.parallel import ParallelState
from orchestrator.engine.states.task import TaskState
from servicekit.messages import RESULT_QUEUE

DEFAULT_TASK_QUEUES = "*.commands"
ACTIVITY_QUEUES = "activity.*"


class TaskQueues:
    def __init__(self, patterns: str = DEFAULT_TASK_QUEUES) -> None:
        self.patterns = tuple(p.strip() for p in patterns.split(",") if p.strip())

    def allows(self, queue: str) -> bool:
        if queue == RESULT_QUEUE:
            return False
        return any(fnmatchcase(queue, p) for p in (*self.patterns, ACTIVITY_QUEUES))

    def problems(self, machine: StateMachine) -> list[str]:
        """One line per Task (at any depth) whose queue is not allowed, naming the state."""
        allowed = ", ".join(self.patterns) or "(none)"
        return [
            f"{task.where}: Resource 'rabbitmq:{task.queue}' is not an allowed task queue "
            f"(TASK_QUEUES: {allowed})"
            for task in _tasks(machine)
            if task.queue and not self.allows(task.queue)
        ]


def _tasks(machine: StateMachine) -> Iterator[TaskState]:
    for state in machine.states.values():
        if isinstance(state, TaskState):
            yield state
        elif isinstance(state, ParallelState):
            for branch in state.branches:
                yield from _tasks(branch)
        elif isinstance(state, MapState) and state.processor is not None:
            yield from _tasks(state.processor)
