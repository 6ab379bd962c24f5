"""ARNs as AWS forms them, with the region and account from settings.

    arn:aws:states:<region>:<account>:stateMachine:<name>
    arn:aws:states:<region>:<account>:stateMachine:<name>:<version>
    arn:aws:states:<region>:<account>:stateMachine:<name>:<alias>
    arn:aws:states:<region>:<account>:execution:<machine>:<name>
    arn:aws:states:<region>:<account>:express:<machine>:<name>:<run id>
    arn:aws:states:<region>:<account>:activity:<name>

An execution's id in the store is `<machine>:<name>` (orchestrator.service.execution_id_for), so
its ARN is the prefix and that id. An EXPRESS machine's executions have AWS's `express:` ARNs,
whose last part is a run id: here a UUID derived from the execution's id, so that the same
execution always has the same ARN and an ARN with another run id names nothing."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from orchestrator.aws_api.errors import AwsError, execution_does_not_exist, invalid_arn
from orchestrator.names import name_problem

_VERSION = re.compile(r"[0-9]+")
MAX_VERSION = 2**31 - 1
_EXPRESS_RUNS = uuid.UUID("6f1d7c0e-5b0a-4c8e-9a57-2f4e8b1d3c90")  # namespace of the run ids


def express_run_id(execution_id: str) -> str:
    return str(uuid.uuid5(_EXPRESS_RUNS, execution_id))


def check_name(name: object, what: str = "name") -> str:
    """AWS's naming rule (orchestrator.names), as AWS refuses a name."""
    if name_problem(name) is not None:
        raise AwsError("InvalidName", f"Invalid {what}: '{name}'")
    assert isinstance(name, str)
    return name


@dataclass(frozen=True)
class StateMachineRef:
    name: str
    version: int | None  # a version ARN names one published version
    alias: str | None = None  # an alias ARN names an alias (never all digits: that is a version)


@dataclass(frozen=True)
class Arns:
    region: str
    account: str

    @property
    def prefix(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}"

    def state_machine(self, name: str) -> str:
        return f"{self.prefix}:stateMachine:{name}"

    def state_machine_version(self, name: str, version: int) -> str:
        return f"{self.state_machine(name)}:{version}"

    def state_machine_alias(self, name: str, alias: str) -> str:
        return f"{self.state_machine(name)}:{alias}"

    def activity(self, name: str) -> str:
        return f"{self.prefix}:activity:{name}"

    def execution(self, execution_id: str, *, express: bool = False) -> str:
        """An execution's ARN; `express`: its machine is EXPRESS."""
        if express:
            return f"{self.prefix}:express:{execution_id}:{express_run_id(execution_id)}"
        return f"{self.prefix}:execution:{execution_id}"

    def _parts(self, arn: object, kind: str, counts: tuple[int, ...]) -> list[str]:
        """The parts of `arn` after `<prefix>:<kind>:`; InvalidArn unless there are `counts`."""
        if not isinstance(arn, str):
            raise invalid_arn(arn)
        head = f"{self.prefix}:{kind}:"
        if not arn.startswith(head):
            # Another region or account is a well-formed ARN of something that is not here.
            if re.fullmatch(rf"arn:aws:states:[a-z0-9-]+:\d{{12}}:{kind}:.+", arn):
                raise AwsError("InvalidArn", f"Invalid Arn: '{arn}': not in this region/account")
            raise invalid_arn(arn)
        parts = arn[len(head) :].split(":")
        if len(parts) not in counts or not all(parts):
            raise invalid_arn(arn)
        return parts

    def parse_state_machine(
        self, arn: object, *, allow_version: bool = True, allow_alias: bool = False
    ) -> StateMachineRef:
        """A state machine ARN, or (where allowed) a version's or an alias's."""
        parts = self._parts(arn, "stateMachine", (1, 2) if allow_version or allow_alias else (1,))
        if len(parts) == 1:
            return StateMachineRef(parts[0], None)
        if _VERSION.fullmatch(parts[1]) and allow_version:
            if int(parts[1]) > MAX_VERSION:  # no such version, and Postgres' integer overflows
                raise invalid_arn(arn)
            return StateMachineRef(parts[0], int(parts[1]))
        if not parts[1].isdigit() and allow_alias:
            return StateMachineRef(parts[0], None, check_name(parts[1], "alias name"))
        raise invalid_arn(arn)

    def parse_alias(self, arn: object) -> StateMachineRef:
        """An alias ARN, nothing else (InvalidArn)."""
        ref = self.parse_state_machine(arn, allow_version=False, allow_alias=True)
        if ref.alias is None:
            raise invalid_arn(arn)
        return ref

    def parse_execution(self, arn: object) -> str:
        """The store's execution id (`<machine>:<name>`) of an execution ARN, STANDARD's or
        EXPRESS's (ExecutionDoesNotExist for an express ARN whose run id is not its own)."""
        if isinstance(arn, str) and arn.startswith(f"{self.prefix}:express:"):
            machine, name, run = self._parts(arn, "express", (3,))
            if run != express_run_id(f"{machine}:{name}"):
                raise execution_does_not_exist(arn)
            return f"{machine}:{name}"
        machine, name = self._parts(arn, "execution", (2,))
        return f"{machine}:{name}"

    def parse_activity(self, arn: object) -> str:
        """The name of the activity an activity ARN names."""
        (name,) = self._parts(arn, "activity", (1,))
        return name
