"""One error hierarchy for the engine, named as AWS names them.

`DefinitionError` is raised at registration time (a definition that cannot run). Everything else
is a `StatesError`: an ASL error with the name a `Retry`/`Catch` `ErrorEquals` matches on, raised
while a state runs and turned into a failed attempt by the interpreter.
"""

from __future__ import annotations

# "States.ALL: a wildcard that matches any known error name" -- except these two, which the
# spec says States.ALL does not match.
ALL = "States.ALL"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
ITEM_READER_FAILED = "States.ItemReaderFailed"
EXCEEDED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

NOT_MATCHED_BY_ALL = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})


class DefinitionError(Exception):
    """A definition that does not validate. `problems` lists every problem found, not the first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(problems))
        self.problems = problems


class StatesError(Exception):
    """An ASL runtime error: `error` is the name ErrorEquals matches, `cause` the human text."""

    name: str = TASK_FAILED

    def __init__(
        self, cause: str | None = None, *, error: str | None = None, location: str | None = None
    ) -> None:
        super().__init__(cause or "")
        self.error: str | None = error if error is not None else self.name
        self.cause: str | None = cause
        # The field whose evaluation failed (`Items`, `Output/result`): AWS's EvaluationFailed.
        self.location = location
        # The event AWS writes when this error fails the state for good (not retried), e.g.
        # MapStateFailed; set by the state that raises it.
        self.state_failed_event: str | None = None
        # Raised for a child (branch, iteration) that failed: the child reported it already.
        self.from_children = False


class RuntimeFailure(StatesError):
    """`States.Runtime`: the engine could not run the state (bad path, wrong type...)."""

    name = RUNTIME


class IntrinsicFailure(StatesError):
    name = INTRINSIC_FAILURE


class ParameterPathFailure(StatesError):
    name = PARAMETER_PATH_FAILURE


class ResultPathMatchFailure(StatesError):
    name = RESULT_PATH_MATCH_FAILURE


class NoChoiceMatched(StatesError):
    name = NO_CHOICE_MATCHED


class QueryEvaluationError(StatesError):
    name = QUERY_EVALUATION_ERROR


class ToleratedFailureExceeded(StatesError):
    name = EXCEEDED_TOLERATED_FAILURE_THRESHOLD


class DataLimitExceeded(StatesError):
    name = DATA_LIMIT_EXCEEDED


def error_matches(error: str | None, error_equals: list[str]) -> bool:
    """Whether a Retrier/Catcher with `error_equals` applies to `error`.

    "The reserved name States.ALL ... matches any known error name" but "does not catch the
    States.Runtime error type" (nor, as AWS behaves, States.DataLimitExceeded).
    """
    name = error or ""
    if name in error_equals:
        return True
    if ALL in error_equals:
        return name not in NOT_MATCHED_BY_ALL
    if TASK_FAILED in error_equals:
        # "States.TaskFailed acts as a wildcard that matches any known error name except for
        # States.Timeout."
        return name not in NOT_MATCHED_BY_ALL and name != TIMEOUT
    return False
