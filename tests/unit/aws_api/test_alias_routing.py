"""An alias picks its version by weight; a Map Run's ARN gets the API's region and account."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from orchestrator.aws_api.alias_catalog import Alias
from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.map_runs import map_run_arn


def alias(*routing: tuple[int, int]) -> Alias:
    return Alias("flow", "live", None, list(routing), datetime.now(UTC), None)


def test_one_version_takes_every_execution() -> None:
    chance = random.Random(1)
    assert {alias((3, 100)).pick_version(chance) for _ in range(50)} == {3}


def test_a_zero_weight_version_is_never_picked() -> None:
    chance = random.Random(2)
    assert {alias((1, 0), (2, 100)).pick_version(chance) for _ in range(200)} == {2}


def test_a_canary_gets_about_its_share() -> None:
    chance = random.Random(3)
    picks = Counter(alias((1, 90), (2, 10)).pick_version(chance) for _ in range(10_000))
    assert 800 < picks[2] < 1200


def test_a_map_run_arn_gets_the_region_and_account() -> None:
    arns = Arns("eu-west-1", "111122223333")
    stored = "arn:aws:states:::mapRun:flow/Label:0b0c"
    assert (
        map_run_arn(arns, stored) == "arn:aws:states:eu-west-1:111122223333:mapRun:flow/Label:0b0c"
    )
    other = "arn:aws:states:us-east-1:444455556666:mapRun:flow/Label:0b0c"
    assert map_run_arn(arns, other) == other
