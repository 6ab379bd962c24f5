"""Task: "a single unit of work" -- here, a command published to a RabbitMQ queue.

`Resource` is `rabbitmq:<queue>`. The effective input (after InputPath and Parameters, where
`$$.Task.Token` is the attempt's fresh token) is the command body; the service replies with
the token (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat over AMQP).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .. import expressions
from ..api import TaskCommand, TaskFailed, TaskHeartbeat, TaskSucceeded
from ..errors import HEARTBEAT_TIMEOUT, TIMEOUT, RuntimeFailure, StatesError
from ..paths import PathNotFound, read_path, to_json
from .base import State

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread

RESOURCE = re.compile(r"^rabbitmq:([A-Za-z0-9_.:\-]{1,255})$")
DEFAULT_TIMEOUT = 99999999  # "TimeoutSeconds ... default 99999999"
RESOURCE_TYPE = "rabbitmq"


class TaskState(State):
    type_name = "Task"
    fields = frozenset(
        {
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Arguments",
            "Output",
            "Assign",
        }
    )
    required = frozenset({"Resource"})
    has_retry = True

    def parse(self, problems: list[str], build_machine: Any) -> None:
        resource = self.raw.get("Resource")
        m = RESOURCE.match(resource) if isinstance(resource, str) else None
        self.resource = resource if isinstance(resource, str) else ""
        self.queue = m.group(1) if m else ""
        if "Resource" in self.raw and not m:
            problems.append(
                f"{self.where}: unsupported Task Resource {resource!r} "
                "(expected 'rabbitmq:<queue name>')"
            )
        for key in ("TimeoutSeconds", "HeartbeatSeconds"):
            if key in self.raw and f"{key}Path" in self.raw:
                problems.append(f"{self.where}: {key} and {key}Path are mutually exclusive")
            value = self.raw.get(key)
            if value is None or (self.jsonata and expressions.is_expression(value)):
                continue
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not (0 < value <= DEFAULT_TIMEOUT)
            ):
                problems.append(f"{self.where}.{key} must be an integer from 1 to 99999999")
            if f"{key}Path" in self.raw:
                self._check_path(self.raw[f"{key}Path"], f"{key}Path", problems)
        timeout, heartbeat = self.raw.get("TimeoutSeconds"), self.raw.get("HeartbeatSeconds")
        if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
            problems.append(f"{self.where}: HeartbeatSeconds must be smaller than TimeoutSeconds")

    # ---- running -------------------------------------------------------------------------

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        token = rt.entropy.new_token()
        payload = self.parameters_of(rt, th, data, token)
        timeout = self._seconds(rt, th, data, "TimeoutSeconds")
        heartbeat = self._seconds(rt, th, data, "HeartbeatSeconds")
        attempt = th.retry_count
        rt.open_token(th, token)
        th.phase, th.attempt = "task", attempt
        details: dict[str, Any] = {
            "resource": self.resource,
            "resourceType": RESOURCE_TYPE,
            "region": "local",
            "parameters": to_json(payload),
            "timeoutInSeconds": timeout or DEFAULT_TIMEOUT,
        }
        if heartbeat:
            details["heartbeatInSeconds"] = heartbeat
        rt.emit_in(th, "TaskScheduled", **details)
        rt.emit_in(th, "TaskStarted", resource=self.resource, resourceType=RESOURCE_TYPE)
        rt.commands.append(TaskCommand(token, self.queue, payload, self.name, attempt))
        # Without TimeoutSeconds, AWS's default (99999999 s, over three years) outlasts the
        # longest execution Step Functions allows (one year): no timer row, written and deleted
        # on every attempt, for a timeout that never fires there.
        if timeout:
            rt.set_timer(th, "timeout", timeout, timer_id=f"{token}:timeout")
        if heartbeat:
            rt.set_timer(th, "heartbeat", heartbeat, timer_id=f"{token}:heartbeat")
            th.heartbeat = heartbeat

    def on_task_event(
        self, rt: Runtime, th: Thread, event: TaskSucceeded | TaskFailed | TaskHeartbeat
    ) -> None:
        """A reply for the current attempt's token."""
        if isinstance(event, TaskHeartbeat):
            if th.heartbeat:
                rt.set_timer(th, "heartbeat", th.heartbeat, timer_id=f"{event.token}:heartbeat")
            return
        self._end_attempt(rt, th)
        if isinstance(event, TaskSucceeded):
            rt.emit_in(
                th,
                "TaskSucceeded",
                resource=self.resource,
                resourceType=RESOURCE_TYPE,
                output=to_json(event.output),
                outputDetails={"truncated": False},
            )
            self.complete(rt, th, event.output)
            return
        details: dict[str, Any] = {
            k: v for k, v in (("error", event.error), ("cause", event.cause)) if v
        }
        rt.emit_in(th, "TaskFailed", resource=self.resource, resourceType=RESOURCE_TYPE, **details)
        failure = StatesError(event.cause)
        failure.error = event.error  # SendTaskFailure may name no error: AWS keeps it null
        raise failure

    def on_timer(self, rt: Runtime, th: Thread, kind: str, timer_id: str) -> None:
        error = TIMEOUT if kind == "timeout" else HEARTBEAT_TIMEOUT
        cause = (
            "The task did not complete within its TimeoutSeconds"
            if kind == "timeout"
            else "The task did not send a heartbeat within its HeartbeatSeconds"
        )
        self._end_attempt(rt, th)
        rt.emit_in(
            th,
            "TaskTimedOut",
            resource=self.resource,
            resourceType=RESOURCE_TYPE,
            error=error,
            cause=cause,
        )
        raise StatesError(cause, error=error)

    def _end_attempt(self, rt: Runtime, th: Thread) -> None:
        rt.close_token(th)
        rt.cancel_thread_timers(th)
        th.heartbeat = None

    def _seconds(self, rt: Runtime, th: Thread, data: Any, key: str) -> int | None:
        value = self.raw.get(key)
        if self.jsonata and expressions.is_expression(value):
            value = self.evaluate_jsonata(rt, th, value, key, input=data)
        elif f"{key}Path" in self.raw:
            path = self.raw[f"{key}Path"]
            try:
                value = read_path(path, data, rt.env(th))
            except PathNotFound as exc:
                raise RuntimeFailure(
                    rt.runtime_cause(th, f"Invalid path '{path}' : No results for path: {path}")
                ) from exc
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise RuntimeFailure(
                rt.runtime_cause(th, f"{key} must be a positive integer, got {to_json(value)}")
            )
        return value
