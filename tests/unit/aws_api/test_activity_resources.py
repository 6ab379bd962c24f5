"""An activity ARN in a definition runs as its queue, and reads back as the ARN."""

from __future__ import annotations

from orchestrator.aws_api.activities import to_activity_arns, to_engine_resources
from orchestrator.aws_api.arns import Arns

ARNS = Arns("us-east-1", "123456789012")
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:review"


def definition(resource: str) -> dict:
    task = {"Type": "Task", "Resource": resource, "End": True}
    return {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "T", "States": {"T": task}},
                    {
                        "StartAt": "Q",
                        "States": {
                            "Q": {
                                "Type": "Task",
                                "Resource": "rabbitmq:payment.commands",
                                "End": True,
                            }
                        },
                    },
                ],
                "End": True,
            }
        },
    }


def test_activity_arns_become_queues_at_any_depth_and_come_back() -> None:
    engine_form = to_engine_resources(definition(ACTIVITY), ARNS)
    branches = engine_form["States"]["Both"]["Branches"]
    assert branches[0]["States"]["T"]["Resource"] == "rabbitmq:activity.review"
    assert branches[1]["States"]["Q"]["Resource"] == "rabbitmq:payment.commands"
    assert to_activity_arns(engine_form, ARNS) == definition(ACTIVITY)


def test_another_accounts_activity_is_left_alone() -> None:
    foreign = "arn:aws:states:us-east-1:999999999999:activity:review"
    assert to_engine_resources(definition(foreign), ARNS) == definition(foreign)
