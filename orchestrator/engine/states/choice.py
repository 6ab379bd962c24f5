"""Choice: "adds branching logic": the first Choice Rule that matches names the Next state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import expressions
from ..errors import NoChoiceMatched, QueryEvaluationError, RuntimeFailure
from .base import State
from .choice_rules import Rule, RuleFailure, parse_rule

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread


class ChoiceState(State):
    type_name = "Choice"
    fields = frozenset({"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"})
    required = frozenset({"Choices"})
    transitions = False

    def parse(self, problems: list[str], build_machine: Any) -> None:
        self.default: str | None = self.raw.get("Default")
        self.rules: list[tuple[Rule | None, dict[str, Any]]] = []
        choices = self.raw.get("Choices")
        if "Next" in self.raw or "End" in self.raw:
            problems.append(f"{self.where}: a Choice state cannot have Next or End")
        if not isinstance(choices, list) or not choices:
            if "Choices" in self.raw:
                problems.append(f"{self.where}.Choices must be a non-empty array")
            return
        for i, raw in enumerate(choices):
            where = f"{self.where}.Choices[{i}]"
            if not isinstance(raw, dict):
                problems.append(f"{where} must be an object")
                continue
            if not isinstance(raw.get("Next"), str):
                problems.append(f"{where}: missing 'Next'")
            if self.jsonata:
                cond = raw.get("Condition")
                if cond is None:
                    problems.append(f"{where}: missing 'Condition'")
                elif not isinstance(cond, bool):
                    if not expressions.is_expression(cond):
                        problems.append(f"{where}.Condition must be a {{% %}} expression")
                    elif problem := expressions.check_expression(cond):
                        problems.append(f"{where}.Condition: {problem}")
                extra = set(raw) - {"Condition", "Next", "Comment", "Assign", "Output"}
                for key in sorted(extra):
                    problems.append(f"{where}: field '{key}' is not allowed in a JSONata rule")
                self.rules.append((None, raw))
            else:
                self.rules.append((parse_rule(raw, where, True, problems), raw))

    def successors(self) -> list[str]:
        out = [raw["Next"] for _, raw in self.rules if isinstance(raw.get("Next"), str)]
        return out + ([self.default] if isinstance(self.default, str) else [])

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        for rule, raw in self.rules:
            if self._holds(rt, th, rule, raw, data):
                self._leave(rt, th, data, raw["Next"], raw)
                return
        if self.default is None:
            raise NoChoiceMatched("No Matches!")
        self._leave(rt, th, data, self.default, None)

    def _holds(
        self, rt: Runtime, th: Thread, rule: Rule | None, raw: dict[str, Any], data: Any
    ) -> bool:
        if self.jsonata:
            cond = raw["Condition"]
            value = (
                cond
                if isinstance(cond, bool)
                else self.evaluate_jsonata(rt, th, cond, "Condition", input=data)
            )
            if not isinstance(value, bool):
                raise QueryEvaluationError(
                    rt.runtime_cause(
                        th,
                        f"The JSONata expression '{cond}' specified for the field 'Condition' "
                        "returned an unexpected result type. Expected 'boolean'.",
                    ),
                    location="Condition",
                )
            return value
        assert rule is not None
        try:
            return rule.evaluate(data, rt.env(th))
        except RuleFailure as exc:
            raise RuntimeFailure(rt.runtime_cause(th, str(exc))) from exc

    def _leave(
        self, rt: Runtime, th: Thread, data: Any, target: str, rule: dict[str, Any] | None
    ) -> None:
        assign = dict(self.assign or {})
        output_template = self.output
        if rule is not None:
            assign.update(rule.get("Assign") or {})
            if "Output" in rule:
                output_template = rule["Output"]
        if self.jsonata:
            assigned = (
                self.evaluate_jsonata(rt, th, assign, "Assign", input=data) if assign else None
            )
            output = (
                self.evaluate_jsonata(rt, th, output_template, "Output", input=data)
                if output_template is not None
                else data
            )
        else:
            assigned = self.template(rt, th, assign, data) if assign else None
            output = data
            if self.output_path is None:
                output = {}
            elif self.output_path != "$":
                output = self.read(rt, th, self.output_path, data)
        rt.transition(th, self, output, assigned=assigned, next_state=target)
