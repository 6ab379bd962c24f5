"""AWS's errors: botocore raises the modelled exception named by `__type` in the body."""

from __future__ import annotations

from orchestrator import errors as orchestrator_errors


class AwsError(Exception):
    """An error answered as AWS does: HTTP `status`, body `{"__type": code, "message": ...}`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def invalid_arn(arn: object) -> AwsError:
    return AwsError("InvalidArn", f"Invalid Arn: '{arn}'")


def state_machine_does_not_exist(arn: str) -> AwsError:
    return AwsError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def execution_does_not_exist(arn: str) -> AwsError:
    return AwsError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def resource_not_found(arn: str) -> AwsError:
    return AwsError("ResourceNotFound", f"Resource not found: '{arn}'")


# The orchestrator's own errors under the code AWS gives the same refusal.
_CODES: dict[type[orchestrator_errors.OrchestratorError], str] = {
    orchestrator_errors.StateMachineDoesNotExist: "StateMachineDoesNotExist",
    orchestrator_errors.ExecutionDoesNotExist: "ExecutionDoesNotExist",
    orchestrator_errors.ExecutionAlreadyExists: "ExecutionAlreadyExists",
    orchestrator_errors.ExecutionNotRedrivable: "ExecutionNotRedrivable",
    orchestrator_errors.InvalidToken: "InvalidToken",
    orchestrator_errors.TaskTimedOut: "TaskTimedOut",
}


def from_orchestrator(exc: orchestrator_errors.OrchestratorError) -> AwsError:
    return AwsError(_CODES.get(type(exc), "ValidationException"), str(exc))
