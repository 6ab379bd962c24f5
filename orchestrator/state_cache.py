"""The recently active executions as this orchestrator last wrote them, kept in memory between
their events.

Loading a state means reading all its parts; for a Map of 10,000 items that is 10,000 rows, on
every reply. So each orchestrator keeps the states it last wrote, each tagged with the
`state_version` written with it (a random number, new with every write), and uses one only while
the row still shows that tag. Another orchestrator that moved the execution on wrote another tag,
and the next event here reads the parts afresh. Nothing in here matters after a crash: it is
only a copy.

With the state it keeps the execution's row as written and the task tokens left open, so that a
reply can be decided without reading anything (orchestrator.service, the cached settlement): its
token names the execution, the row and state are the ones to decide on, and the write itself
checks, under the row's lock, that the tag is still the one kept here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from orchestrator.engine.api import ExecutionState
from orchestrator.executions import ExecutionRow


@dataclass(frozen=True)
class OpenToken:
    """A task token issued and not yet closed: the Task state it is for, and when."""

    state_name: str
    issued_at: datetime


@dataclass(frozen=True)
class CachedExecution:
    version: int
    state: ExecutionState
    # The row as written (input and output left out, as a transition reads it), and the tokens
    # it left open; None where this orchestrator does not know them (it did not write every
    # event since they were issued), which only a read under the lock can tell.
    row: ExecutionRow | None = None
    open_tokens: dict[str, OpenToken] | None = None


@dataclass(frozen=True)
class TokenHolder:
    """What a reply to an open token is decided on: its execution's row and state as this
    orchestrator last wrote them, and the token."""

    row: ExecutionRow
    state: ExecutionState
    token: OpenToken


class StateCache:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._executions: OrderedDict[str, CachedExecution] = OrderedDict()
        self._by_token: dict[str, str] = {}  # open token -> execution id

    def get(self, execution_id: str, version: int) -> ExecutionState | None:
        """The cached state of `execution_id` if it is the one at `version`."""
        cached = self._executions.get(execution_id)
        if cached is None or cached.version != version:
            return None
        self._executions.move_to_end(execution_id)
        return cached.state

    def entry(self, execution_id: str) -> CachedExecution | None:
        return self._executions.get(execution_id)

    def holding(self, token: str) -> TokenHolder | None:
        """The execution that left `token` open when this orchestrator last wrote it, if it
        knows its row and tokens."""
        execution_id = self._by_token.get(token)
        cached = None if execution_id is None else self._executions.get(execution_id)
        if cached is None or cached.row is None or cached.open_tokens is None:
            return None
        return TokenHolder(cached.row, cached.state, cached.open_tokens[token])

    def put(
        self,
        execution_id: str,
        version: int,
        state: ExecutionState,
        row: ExecutionRow | None = None,
        open_tokens: dict[str, OpenToken] | None = None,
    ) -> None:
        self._drop_tokens(self._executions.get(execution_id))
        self._executions[execution_id] = CachedExecution(version, state, row, open_tokens)
        self._executions.move_to_end(execution_id)
        for token in open_tokens or ():
            self._by_token[token] = execution_id
        while len(self._executions) > self._capacity:
            _, evicted = self._executions.popitem(last=False)
            self._drop_tokens(evicted)

    def forget(self, execution_id: str) -> None:
        self._drop_tokens(self._executions.pop(execution_id, None))

    def forget_all(self, execution_ids: Iterable[str]) -> None:
        for execution_id in list(execution_ids):
            self.forget(execution_id)

    def _drop_tokens(self, cached: CachedExecution | None) -> None:
        for token in (cached.open_tokens or ()) if cached is not None else ():
            self._by_token.pop(token, None)
