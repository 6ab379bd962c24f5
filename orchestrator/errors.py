"""The orchestrator's error hierarchy; the HTTP edge maps each to a problem+json status."""

from __future__ import annotations


class OrchestratorError(Exception):
    status = 400
    title = "Bad request"


class StateMachineDoesNotExist(OrchestratorError):
    status = 404
    title = "StateMachineDoesNotExist"


class ExecutionDoesNotExist(OrchestratorError):
    status = 404
    title = "ExecutionDoesNotExist"


class ExecutionAlreadyExists(OrchestratorError):
    status = 409
    title = "ExecutionAlreadyExists"


class ExecutionNotRedrivable(OrchestratorError):
    status = 409
    title = "ExecutionNotRedrivable"


class ExecutionNotRunning(OrchestratorError):
    """StopExecution of one that has ended already (the control API's 409)."""

    status = 409
    title = "ExecutionNotRunning"


class InvalidToken(OrchestratorError):
    status = 400
    title = "InvalidToken"


class TaskTimedOut(OrchestratorError):
    """The token was ours but its attempt is over (SendTask* answers TaskTimedOut)."""

    status = 400
    title = "TaskTimedOut"


class ReplyFromWrongSender(OrchestratorError):
    """A reply over AMQP published by a user that does not own the task's queue."""

    status = 403
    title = "ReplyFromWrongSender"
