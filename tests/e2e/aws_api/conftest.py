"""An orchestrator process with AWS_API_KEYS set, driven with boto3 and the AWS CLI.

Only the orchestrator runs: the tests play the workers themselves (they take commands from the
queue and answer with SendTask*), so the four other services are not needed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from devtools.processes import TEST_TASK_QUEUES, ServiceProcess, free_port
from devtools.queue_reader import QueueReader
from tests.api_token import API_TOKEN

ACCESS_KEY = "AKIASTEPWISETEST0001"
SECRET_KEY = "test-secret-" + uuid.uuid4().hex
REGION = "us-east-1"
ACCOUNT = "123456789012"
AWS_CLI = Path(sys.executable).with_name("aws")


@pytest.fixture(scope="package")
def orchestrator_url(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        # The AWS API (POST /) is signed with SigV4, not the bearer token; a service still
        # does not start without one.
        "API_TOKEN": API_TOKEN,
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        "ORCHESTRATOR_PORT": str(port),
        "AWS_API_KEYS": f"{ACCESS_KEY}:{SECRET_KEY},other-key:other-secret",
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID": ACCOUNT,
        "TASK_QUEUES": TEST_TASK_QUEUES,
        "TIMER_POLL_SECONDS": "0.05",
        # GetActivityTask answers "no task" after this long (AWS: 60 s).
        "AWS_ACTIVITY_POLL_SECONDS": "3",
        # StartSyncExecution stops an execution after this long (AWS: 300 s).
        "AWS_SYNC_EXECUTION_SECONDS": "4",
    }
    log = tmp_path_factory.mktemp("aws-api") / "orchestrator.log"
    process = ServiceProcess("orchestrator", port, env, log)
    process.start()
    try:
        process.wait_healthy()
    except RuntimeError as exc:
        process.stop()
        pytest.fail(str(exc), pytrace=False)
    yield process.url
    process.stop()


def client(url: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY, **config: Any) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(scope="package")
def sfn(orchestrator_url: str) -> Any:
    return client(orchestrator_url)


@dataclass
class AwsCli:
    url: str

    def run(
        self, *args: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY, **extra_env: str
    ) -> Any:
        """`aws stepfunctions <args>`: its JSON output, or the CompletedProcess when it fails."""
        env = {
            **os.environ,
            **extra_env,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_MAX_ATTEMPTS": "1",
        }
        command = [str(AWS_CLI), "stepfunctions", "--endpoint-url", self.url, "--output", "json"]
        done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return done
        return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture(scope="package")
def aws_cli(orchestrator_url: str) -> AwsCli:
    return AwsCli(orchestrator_url)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


PASS_MACHINE = {
    "StartAt": "Hello",
    "States": {
        "Hello": {
            "Type": "Pass",
            "Result": {"hello": "world"},
            "ResultPath": "$.greeting",
            "End": True,
        }
    },
}


@dataclass
class Command:
    token: str
    body: Any


@pytest.fixture(scope="package")
def take_command(amqp_url: str) -> Any:
    """take_command(queue): the next command the orchestrator published to `queue`, as a
    worker would receive it."""

    def take(queue: str, timeout: float = 15) -> Command:
        return asyncio.run(_take(amqp_url, queue, timeout))

    return take


async def _take(amqp_url: str, queue: str, timeout: float) -> Command:
    async with QueueReader(amqp_url, queue) as reader:
        message = await reader.next(timeout)
    return Command(str(message.message_id), json.loads(message.body))


def task_machine(queue: str) -> str:
    """One Task whose worker is the test: it gets the token in the command's body."""
    return json.dumps(
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": f"rabbitmq:{queue}",
                    "Parameters": {"token.$": "$$.Task.Token", "input.$": "$"},
                    "HeartbeatSeconds": 60,
                    "End": True,
                }
            },
        }
    )


def wait_for_status(sfn: Any, execution_arn: str, *statuses: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in statuses:
            return described
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} is {described['status']}, not {statuses}")
        time.sleep(0.05)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The conformance slice's history figure, when it ran."""
    slice_module = sys.modules.get("tests.e2e.aws_api.test_conformance_slice")
    figure = slice_module.history_figure() if slice_module is not None else None
    if figure is not None:
        terminalreporter.write_line(figure)
        for name, difference in slice_module.HISTORIES.items():  # type: ignore[union-attr]
            if difference is not None:
                terminalreporter.write_line(f"  {name}: {difference}")
