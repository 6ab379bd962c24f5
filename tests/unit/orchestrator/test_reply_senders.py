"""Which AMQP user may answer which task (orchestrator.reply_senders)."""

from __future__ import annotations

import pytest

from orchestrator.engine.machine import parse_definition
from orchestrator.reply_senders import ReplySenders, parse_queue_owners, task_queues

MACHINE = parse_definition(
    {
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": "rabbitmq:payment.commands", "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Hold",
                    "States": {
                        "Hold": {
                            "Type": "Task",
                            "Resource": "rabbitmq:inventory.commands",
                            "End": True,
                        }
                    },
                },
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Ship",
                        "States": {
                            "Ship": {
                                "Type": "Task",
                                "Resource": "rabbitmq:mine.commands",
                                "End": True,
                            }
                        },
                    }
                ],
                "End": True,
            },
        },
    }
)
OWNERS = {"payment.commands": "pay", "inventory.commands": "inv"}


def test_owners_are_queue_equals_user_pairs() -> None:
    assert parse_queue_owners(" payment.commands=pay, inventory.commands = inv ,") == OWNERS
    assert parse_queue_owners("") == {}


@pytest.mark.parametrize("text", ["payment.commands", "=pay", "payment.commands="])
def test_a_malformed_pair_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="is not queue=user"):
        parse_queue_owners(text)


def test_tasks_are_found_at_any_depth() -> None:
    assert task_queues(MACHINE, "Charge") == {"payment.commands"}
    assert task_queues(MACHINE, "Hold") == {"inventory.commands"}
    assert task_queues(MACHINE, "Ship") == {"mine.commands"}
    assert task_queues(MACHINE, "Each") == set()


def test_only_the_owner_may_answer_a_listed_queue() -> None:
    senders = ReplySenders(OWNERS)
    assert senders.refusal(MACHINE, "Charge", "pay") is None
    assert senders.refusal(MACHINE, "Hold", "inv") is None  # inside a Map
    refused = senders.refusal(MACHINE, "Charge", "inv")
    assert refused == "reply for a task of payment.commands sent by inv, not pay"
    assert "sent by no user_id" in str(senders.refusal(MACHINE, "Hold", None))


def test_unlisted_queues_and_no_owners_are_not_checked() -> None:
    assert ReplySenders(OWNERS).refusal(MACHINE, "Ship", "anyone") is None
    assert not ReplySenders({}).checked
