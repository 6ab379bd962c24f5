"""The engine states of recently active executions, kept in memory between their events.

Loading a state means reading all its parts; for a Map of 10,000 items that is 10,000 rows, on
every reply. So each orchestrator keeps the states it last wrote, each tagged with the
`state_version` written with it (a random number, new with every write), and uses one only while
the row, read under its lock, still shows that tag. Another orchestrator that moved the execution
on wrote another tag, and the next event here reads the parts afresh. Nothing in here matters
after a crash: it is only a copy.
"""

from __future__ import annotations

from collections import OrderedDict

from orchestrator.engine.api import ExecutionState


class StateCache:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, tuple[int, ExecutionState]] = OrderedDict()

    def get(self, execution_id: str, version: int) -> ExecutionState | None:
        """The cached state of `execution_id` if it is the one at `version`."""
        cached = self._states.get(execution_id)
        if cached is None or cached[0] != version:
            return None
        self._states.move_to_end(execution_id)
        return cached[1]

    def put(self, execution_id: str, version: int, state: ExecutionState) -> None:
        self._states[execution_id] = (version, state)
        self._states.move_to_end(execution_id)
        while len(self._states) > self._capacity:
            self._states.popitem(last=False)

    def forget(self, execution_id: str) -> None:
        self._states.pop(execution_id, None)
