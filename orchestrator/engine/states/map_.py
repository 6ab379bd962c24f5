"""Map: "run a set of workflow steps for each item in a dataset".

Inline and DISTRIBUTED (over inline items) run alike: each item is a child thread, at most
MaxConcurrency at a time (0: no limit). Failures beyond ToleratedFailureCount /
ToleratedFailurePercentage fail the state. Each item's input and result is a part of its own
(records.py), so one iteration's reply rewrites the run's counters, not its items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import expressions
from ..errors import (
    EXCEEDED_TOLERATED_FAILURE_THRESHOLD,
    QueryEvaluationError,
    RuntimeFailure,
    StatesError,
)
from ..paths import PathNotFound, read_path, to_json
from ..records import (
    MAP_RUN_FIGURES,
    FanOut,
    child_thread_id,
    fanout_key,
    item_input_key,
    result_key,
)
from .base import BuildMachine, State

if TYPE_CHECKING:
    from ..machine import StateMachine
    from ..runtime import Runtime, Thread

_LEGACY = {"Iterator": "ItemProcessor", "Parameters": "ItemSelector"}


class MapState(State):
    type_name = "Map"
    fields = frozenset(
        {
            "Next",
            "End",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "Output",
            "Assign",
            "Arguments",
        }
    )
    has_retry = True

    def parse(self, problems: list[str], build_machine: BuildMachine) -> None:
        self.processor: StateMachine | None = None
        key = "ItemProcessor" if "ItemProcessor" in self.raw else "Iterator"
        if "ItemProcessor" in self.raw and "Iterator" in self.raw:
            problems.append(f"{self.where}: ItemProcessor and Iterator are mutually exclusive")
        if key not in self.raw:
            problems.append(f"{self.where}: missing required field 'ItemProcessor'")
            return
        if "ItemSelector" in self.raw and "Parameters" in self.raw:
            problems.append(f"{self.where}: ItemSelector and Parameters are mutually exclusive")
        if "ItemReader" in self.raw:
            problems.append(f"{self.where}: ItemReader (items from S3) is not supported")
        ql = "JSONata" if self.jsonata else "JSONPath"
        self.processor = build_machine(self.raw[key], f"{self.where}.{key}", ql)
        self.selector = self.raw.get("ItemSelector", self.raw.get("Parameters"))
        config = self.raw[key].get("ProcessorConfig") if isinstance(self.raw[key], dict) else None
        self.distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
        if not self.jsonata and "ItemsPath" in self.raw:
            self._check_path(self.raw["ItemsPath"], "ItemsPath", problems)

    def sub_machine(self, index: int) -> StateMachine:
        assert self.processor is not None
        return self.processor

    # ---- running -------------------------------------------------------------------------

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        try:
            items = self._items(rt, th, data)
        except QueryEvaluationError as exc:
            exc.state_failed_event = "MapStateFailed"  # AWS: EvaluationFailed, MapStateFailed
            raise
        max_concurrency = self._number(rt, th, data, "MaxConcurrency", 0, integer=True)
        inputs = [self._item_input(rt, th, data, i, item) for i, item in enumerate(items)]
        rt.drop_children(th)
        rt.emit_in(th, "MapStateStarted", length=len(inputs))
        # AWS checks the tolerated failures after it started the state.
        count = self._number(rt, th, data, "ToleratedFailureCount", None, integer=True)
        pct = self._number(rt, th, data, "ToleratedFailurePercentage", None, integer=False)
        if count is not None and count < 0:
            raise RuntimeFailure(rt.runtime_cause(th, "ToleratedFailureCount cannot be negative."))
        if pct is not None and not 0 <= pct <= 100:
            raise RuntimeFailure(
                rt.runtime_cause(th, "ToleratedFailurePercentage must be between 0 and 100.")
            )
        run = rt.next_seq() if inputs else 0
        fanout = fanout_key("map", run)
        if self.distributed:
            # What DescribeMapRun reports, beside AWS's own fields (aws_history leaves it out).
            figures: dict[str, Any] = {
                "fanout": fanout if inputs else None,
                "total": len(inputs),
                "maxConcurrency": max_concurrency or 0,
                "toleratedFailureCount": count or 0,
                "toleratedFailurePercentage": pct or 0,
            }
            details: dict[str, Any] = {
                "mapRunArn": self._map_run_arn(rt),
                MAP_RUN_FIGURES: figures,
            }
            rt.emit_in(th, "MapRunStarted", **details)
        if not inputs:
            self._succeed(rt, th, [], _run_counts(0, 0, 0))
            return
        counters: FanOut = {
            "run": run,
            "length": len(inputs),
            "started": 0,
            "running": 0,
            "done": 0,
            "failed": 0,
            "max": max_concurrency or 0,
            "count": count,
            "pct": pct,
            "src": th.src,
        }
        rt.parts.put(fanout, counters, owned=True)
        for i, item_input in enumerate(inputs):
            rt.parts.put(item_input_key(fanout, i), item_input)
        th.fanout = fanout
        th.phase = "children"
        self._start_more(rt, th, fanout)

    def _start_more(self, rt: Runtime, th: Thread, fanout: str) -> None:
        counters: FanOut = rt.parts.edit(fanout)
        while counters["started"] < counters["length"] and (
            not counters["max"] or counters["running"] < counters["max"]
        ):
            i = counters["started"]
            counters["started"] += 1
            counters["running"] += 1
            started = self._emit(rt, th, counters, "MapIterationStarted", index=i)
            item_input = rt.parts.get(item_input_key(fanout, i))
            rt.parts.delete(item_input_key(fanout, i))  # the iteration holds it from now on
            rt.spawn(
                th,
                [*th.machine, self.name, 0],
                item_input,
                child_thread_id(th.id, fanout, i),
                index=i,
                source=started,
                quiet=self.distributed,
            )

    def on_child_done(self, rt: Runtime, th: Thread, child: Thread) -> None:
        fanout = th.fanout
        assert fanout is not None
        counters: FanOut = rt.parts.edit(fanout)
        counters["running"] -= 1
        counters["done"] += 1
        i = child.index
        counters["src"] = child.src  # AWS: what follows an iteration follows from its last event
        if child.phase == "failed":
            counters["failed"] += 1
            self._emit(rt, th, counters, "MapIterationFailed", update=False, index=i)
            if self._too_many_failures(counters):
                self._fail(rt, th, child, counters)
            result: Any = {"Error": child.error, "Cause": child.cause}
            last = 0
        else:
            last = self._emit(rt, th, counters, "MapIterationSucceeded", update=False, index=i)
            result = child.output
        rt.parts.put(result_key(fanout, i), result)
        rt.delete_thread(child)
        if counters["done"] == counters["length"]:
            results = [rt.parts.get(result_key(fanout, n)) for n in range(counters["length"])]
            rt.drop_children(th)
            if last:
                th.src = last
            counts = _run_counts(counters["length"], counters["done"], counters["failed"])
            self._succeed(rt, th, results, counts)
        else:
            self._start_more(rt, th, fanout)

    def _emit(
        self,
        rt: Runtime,
        th: Thread,
        counters: FanOut,
        type_: str,
        *,
        update: bool = True,
        index: int,
    ) -> int:
        """A MapIteration* event, linked through the run's counters; none in a distributed
        run (its iterations are executions of their own) or a quiet thread. Its id, or 0."""
        if self.distributed or th.quiet:
            return 0
        event_id = rt.emit(type_, previous=counters.get("src"), index=index, name=self.name)
        if update:
            counters["src"] = event_id
        return event_id

    def _succeed(self, rt: Runtime, th: Thread, results: list[Any], counts: dict[str, int]) -> None:
        """MapRunSucceeded (distributed), MapStateSucceeded, then the state's output."""
        source = th.src
        if self.distributed:
            ended = rt.emit_in(th, "MapRunSucceeded", update=False, **{MAP_RUN_FIGURES: counts})
            th.src = ended or source
        rt.emit_in(th, "MapStateSucceeded", update=False)
        th.src = source
        self.complete(rt, th, results)

    def _too_many_failures(self, counters: FanOut) -> bool:
        count, pct = counters["count"], counters["pct"]
        failed, length = counters["failed"], counters["length"]
        if count is None and pct is None:
            return True
        if count is not None and failed > count:
            return pct is None or failed * 100 > pct * length
        if pct is not None and failed * 100 > pct * length:
            return count is None or failed > count
        return False

    def _fail(self, rt: Runtime, th: Thread, child: Thread, counters: FanOut) -> None:
        rt.drop_children(th)
        if counters["count"] is None and counters["pct"] is None:
            error, cause = child.error, child.cause
        else:
            error = EXCEEDED_TOLERATED_FAILURE_THRESHOLD
            cause = "The specified tolerated failure threshold was exceeded"
        if self.distributed:
            counts = _run_counts(counters["length"], counters["done"], counters["failed"])
            rt.emit_in(th, "MapRunFailed", update=False, **{MAP_RUN_FIGURES: counts})
        elif not th.quiet:
            th.src = counters.get("src")
        failure = StatesError(cause)
        failure.error = error  # None too: a Fail state without Error fails the Map with none
        failure.from_children = True
        failure.state_failed_event = "MapStateFailed"  # written unless a Retrier takes it
        raise failure

    def _map_run_arn(self, rt: Runtime) -> str:
        """A Map Run's ARN as AWS forms it: `...:mapRun:<machine>/<label>:<id>`."""
        execution = rt.ctx.execution_id
        prefix = "arn:aws:states::"  # region and account are the shell's; unknown here
        if execution.startswith("arn:") and ":execution:" in execution:
            prefix = execution.split(":execution:")[0]
        label = self.raw.get("Label", self.name)
        return f"{prefix}:mapRun:{rt.ctx.state_machine_name}/{label}:{rt.entropy.new_uuid()}"

    # ---- inputs --------------------------------------------------------------------------

    def _items(self, rt: Runtime, th: Thread, data: Any) -> list[Any]:
        if self.jsonata:
            raw = self.raw.get("Items", data)
            items = raw
            if expressions.is_expression(raw):
                items = self.evaluate_jsonata(rt, th, raw, "Items", input=data)
                if not isinstance(items, list):
                    body = expressions.expression_body(raw)
                    raise QueryEvaluationError(
                        rt.runtime_cause(
                            th,
                            f"The JSONata expression '{body}' specified for the field 'Items' "
                            f"returned an unexpected result type. Expected 'array', but was "
                            f"'{_type_name(items)}' for value: {to_json(items)}",
                        ),
                        location="Items",
                    )
            elif isinstance(raw, list):
                items = [self.evaluate_jsonata(rt, th, v, "Items", input=data) for v in raw]
            if not isinstance(items, list):
                raise QueryEvaluationError(
                    rt.runtime_cause(
                        th, f"Map state input must be an array but was: {to_json(items)}"
                    )
                )
            return items
        path = self.raw.get("ItemsPath", "$")
        items = self.read(rt, th, path, data)
        if not isinstance(items, list):
            raise RuntimeFailure(
                rt.runtime_cause(th, f"Map state input must be an array but was: {to_json(items)}")
            )
        return items

    def _item_input(self, rt: Runtime, th: Thread, data: Any, index: int, value: Any) -> Any:
        if self.selector is None:
            return value
        item = {"Index": index, "Value": value}
        if self.jsonata:
            return expressions.evaluate_template(
                self.selector,
                rt.bindings(th, item=item, input=data),
                "ItemSelector",
                rt.now,
                rt.entropy,
            )
        from ..payload import evaluate_template

        return evaluate_template(self.selector, data, rt.env(th, item=item), rt.entropy)

    def _number(
        self, rt: Runtime, th: Thread, data: Any, key: str, default: Any, *, integer: bool
    ) -> Any:
        if f"{key}Path" in self.raw:
            path = self.raw[f"{key}Path"]
            try:
                value = read_path(path, data, rt.env(th))
            except PathNotFound as exc:
                raise RuntimeFailure(
                    rt.runtime_cause(th, f"Invalid path '{path}' : No results for path: {path}")
                ) from exc
            value = _numeric_text(value, integer)
            ok = isinstance(value, int if integer else (int, float))
            if not ok or isinstance(value, bool):
                kind = "integer" if integer else "float"
                shown = value if isinstance(value, str) else to_json(value)
                raise RuntimeFailure(
                    rt.runtime_cause(
                        th,
                        f'The {key}Path field refers to value "{shown}" which is not a valid '
                        f"{kind}: {path}",
                    )
                )
            return value
        value = self.raw.get(key, default)
        if self.jsonata and expressions.is_expression(value):
            value = self.evaluate_jsonata(rt, th, value, key, input=data)
        return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def _numeric_text(value: Any, integer: bool) -> Any:
    """AWS reads `"1"` as 1 in the `...Path` number fields."""
    if not isinstance(value, str):
        return value
    try:
        return int(value) if integer else float(value)
    except ValueError:
        return value


def _run_counts(total: int, done: int, failed: int) -> dict[str, int]:
    """A finished Map Run's items: those not done when it ended were aborted."""
    return {
        "total": total,
        "succeeded": done - failed,
        "failed": failed,
        "aborted": total - done,
    }
