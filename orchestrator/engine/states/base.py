"""What every state shares: its parsed common fields and its step lifecycle.

Lifecycle (JSONPath): raw input -> InputPath -> Parameters -> (the state's work) -> result ->
ResultSelector -> ResultPath (merged into the raw input) -> OutputPath -> Next.
Lifecycle (JSONata): input -> Arguments -> (work) -> result -> Output / Assign -> Next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from .. import expressions
from ..errors import DataLimitExceeded, RuntimeFailure, StatesError
from ..paths import (
    InvalidPath,
    PathNotFound,
    apply_result_path,
    compile_path,
    read_path,
    reference_steps,
    to_json,
)
from ..payload import evaluate_template, validate_template
from ..retry import Catcher, Retrier, parse_catchers, parse_retriers

if TYPE_CHECKING:
    from ..machine import StateMachine
    from ..runtime import Runtime, Thread

BuildMachine = Callable[[Any, str, str], "StateMachine | None"]

JSONPATH_ONLY = frozenset(
    {
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "ItemsPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "SecondsPath",
        "TimestampPath",
        "ErrorPath",
        "CausePath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
        "Iterator",
        "Result",
    }
)
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})
MAX_PAYLOAD_BYTES = 256 * 1024  # "maximum input or output size ... 256 KiB"
COMMON = frozenset({"Type", "Comment", "QueryLanguage"})


class State:
    """A parsed state. Subclasses set `type_name`, `fields` and implement `execute`."""

    type_name: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    required: ClassVar[frozenset[str]] = frozenset()
    transitions: ClassVar[bool] = True  # needs exactly one of Next / End
    has_retry: ClassVar[bool] = False
    # AWS links a failed evaluation (EvaluationFailed) to the state's entry event rather than
    # to the event before it (true of Wait only, in AWS's recorded histories).
    evaluates_after_entry: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        raw: dict[str, Any],
        *,
        query_language: str,
        where: str,
        problems: list[str],
        build_machine: BuildMachine,
    ) -> None:
        self.name = name
        self.raw = raw
        self.where = where
        ql = raw.get("QueryLanguage", query_language)
        if ql not in ("JSONPath", "JSONata"):
            problems.append(f"{where}: QueryLanguage must be JSONPath or JSONata")
            ql = query_language
        if query_language == "JSONata" and ql == "JSONPath":
            problems.append(f"{where}: a JSONPath state cannot be nested in a JSONata machine")
        self.jsonata = ql == "JSONata"
        self.next: str | None = raw.get("Next")
        self.end = raw.get("End") is True
        self.input_path: str | None = raw.get("InputPath", "$")
        self.output_path: str | None = raw.get("OutputPath", "$")
        self.result_path: str | None = raw.get("ResultPath", "$")
        self.parameters: Any = raw.get("Parameters")
        self.result_selector: Any = raw.get("ResultSelector")
        self.arguments: Any = raw.get("Arguments")
        self.output: Any = raw.get("Output")
        self.assign: Any = raw.get("Assign")
        self.retriers: list[Retrier] = []
        self.catchers: list[Catcher] = []
        self._check_common(problems)
        self.parse(problems, build_machine)

    # ---- parsing -------------------------------------------------------------------------

    def parse(self, problems: list[str], build_machine: BuildMachine) -> None:
        """Subclass hook: read the type's own fields, appending every problem found."""

    def successors(self) -> list[str]:
        """Names this state can transition to (for target and reachability checks)."""
        out = [self.next] if isinstance(self.next, str) else []
        return out + [c.next for c in self.catchers if c.next]

    def _check_common(self, problems: list[str]) -> None:
        raw, where = self.raw, self.where
        allowed = COMMON | self.fields
        for key in raw:
            if key not in allowed:
                problems.append(
                    f"{where}: field '{key}' is not allowed in a {self.type_name} state"
                )
            elif self.jsonata and key in JSONPATH_ONLY:
                problems.append(
                    f"{where}: field '{key}' is not allowed when QueryLanguage is JSONata"
                )
            elif not self.jsonata and key in JSONATA_ONLY:
                problems.append(
                    f"{where}: field '{key}' is only allowed when QueryLanguage is JSONata"
                )
        for key in sorted(self.required - raw.keys()):
            problems.append(f"{where}: missing required field '{key}'")
        if self.transitions:
            has_next, has_end = "Next" in raw, "End" in raw
            if has_next and has_end:
                problems.append(f"{where}: a state cannot have both Next and End")
            elif not has_next and not self.end:
                problems.append(f"{where}: missing 'Next' (or 'End': true)")
            if has_next and not isinstance(self.next, str):
                problems.append(f"{where}: Next must be a string")
            if has_end and raw["End"] is not True:
                problems.append(f"{where}: End must be true")
        for key in ("InputPath", "OutputPath"):
            if key in raw and raw[key] is not None:
                self._check_path(raw[key], key, problems)
        if "ResultPath" in raw and raw["ResultPath"] is not None:
            try:
                reference_steps(raw["ResultPath"])
            except InvalidPath as exc:
                problems.append(f"{where}.ResultPath: {exc}")
        for key in ("Parameters", "ResultSelector"):
            if key in raw:
                validate_template(raw[key], f"{where}.{key}", problems)
        if "Assign" in raw:
            if not isinstance(raw["Assign"], dict):
                problems.append(f"{where}.Assign must be an object")
            elif self.jsonata:
                expressions.validate_template(raw["Assign"], f"{where}.Assign", problems)
            else:
                validate_template(raw["Assign"], f"{where}.Assign", problems)
        for key in ("Arguments", "Output"):
            if key in raw:
                expressions.validate_template(raw[key], f"{where}.{key}", problems)
        if self.has_retry:
            self.retriers = parse_retriers(raw.get("Retry"), where, problems)
            self.catchers = parse_catchers(raw.get("Catch"), where, self.jsonata, problems)

    def _check_path(self, value: Any, key: str, problems: list[str]) -> None:
        try:
            compile_path(value)
        except InvalidPath as exc:
            problems.append(f"{self.where}.{key}: {exc}")

    # ---- running -------------------------------------------------------------------------

    def sub_machine(self, index: int) -> StateMachine:
        """The branch (Parallel) or item processor (Map) `index` of this state."""
        raise KeyError(f"{self.describe()} has no sub-machine")

    def execute(self, rt: Runtime, th: Thread) -> None:
        """Do the state's work after it was entered: transition, block, or raise StatesError."""
        raise NotImplementedError

    def on_timer(self, rt: Runtime, th: Thread, kind: str, timer_id: str) -> None:
        """A timer this state set has fired."""

    def on_child_done(self, rt: Runtime, th: Thread, child: Thread) -> None:
        """A branch / iteration thread this state spawned has ended."""

    def effective_input(self, rt: Runtime, th: Thread) -> Any:
        """InputPath applied to the raw input ("InputPath: null" gives `{}`)."""
        raw_input = th.input
        if self.jsonata or self.input_path == "$":
            return raw_input
        if self.input_path is None:
            return {}
        return self.read(rt, th, self.input_path, raw_input)

    def read(self, rt: Runtime, th: Thread, path: str, data: Any) -> Any:
        """A Path that must exist: a missing one fails with States.Runtime."""
        try:
            return read_path(path, data, rt.env(th))
        except PathNotFound as exc:
            raise RuntimeFailure(
                rt.runtime_cause(
                    th, f"Invalid path '{path}' : No results for path: {_normalized(path)}"
                )
            ) from exc

    def template(
        self, rt: Runtime, th: Thread, template: Any, data: Any, token: str | None = None
    ) -> Any:
        """Evaluate a JSONPath payload template (Parameters, ResultSelector...)."""
        try:
            return evaluate_template(template, data, rt.env(th, token=token), rt.entropy)
        except StatesError as exc:
            if exc.error == "States.Runtime" and exc.cause:
                exc.cause = rt.runtime_cause(th, exc.cause)
            raise

    def evaluate_jsonata(
        self, rt: Runtime, th: Thread, template: Any, field: str, **states: Any
    ) -> Any:
        """Evaluate a JSONata template with `$states` and variables bound."""
        try:
            return expressions.evaluate_template(
                template, rt.bindings(th, **states), field, rt.now, rt.entropy
            )
        except StatesError as exc:
            if exc.cause and not exc.cause.startswith("An error occurred"):
                exc.cause = rt.runtime_cause(th, exc.cause)
            raise

    def parameters_of(self, rt: Runtime, th: Thread, data: Any, token: str | None = None) -> Any:
        """Parameters (JSONPath) / Arguments (JSONata): the payload the state works on."""
        if self.jsonata:
            if self.arguments is None:
                return data
            return self.evaluate_jsonata(
                rt, th, self.arguments, "Arguments", input=data, token=token
            )
        if self.parameters is None:
            return data
        return self.template(rt, th, self.parameters, data, token)

    def complete(
        self,
        rt: Runtime,
        th: Thread,
        result: Any,
        *,
        next_state: str | None = None,
        error_output: Any = None,
    ) -> None:
        """Turn the state's result into its output, assign variables, and move on."""
        raw_input = th.input
        if len(to_json(result)) > MAX_PAYLOAD_BYTES:
            raise DataLimitExceeded(
                f"The state/task '{self.name}' returned a result with a size exceeding the "
                "maximum number of bytes service limit."
            )
        if self.jsonata:
            states: dict[str, Any] = {"input": raw_input, "result": result}
            if error_output is not None:
                states["errorOutput"] = error_output
            assigned = (
                self.evaluate_jsonata(rt, th, self.assign, "Assign", **states)
                if self.assign
                else None
            )
            output = (
                self.evaluate_jsonata(rt, th, self.output, "Output", **states)
                if "Output" in self.raw
                else result
            )
        else:
            if self.result_selector is not None:
                result = self.template(rt, th, self.result_selector, result)
            assigned = self.template(rt, th, self.assign, result) if self.assign else None
            output = apply_result_path(raw_input, self.result_path, result)
            if self.output_path is None:
                output = {}
            elif self.output_path != "$":
                output = self.read(rt, th, self.output_path, output)
        rt.transition(th, self, output, assigned=assigned, next_state=next_state)

    def describe(self) -> str:
        return f"{self.type_name} state '{self.name}'"


def _normalized(path: str) -> str:
    try:
        steps = reference_steps(path)
    except InvalidPath:
        return path
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in steps)


__all__ = ["State", "to_json"]
