"""Without AWS_API_KEYS the AWS API refuses every request, saying why; nothing runs open."""

from __future__ import annotations

import httpx
import pytest

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from servicekit.startup import wait_ready
from tests.api_token import API_TOKEN

pytestmark = pytest.mark.integration


async def test_without_keys_every_aws_request_is_refused(database_url: str, amqp_url: str) -> None:
    settings = OrchestratorSettings(
        database_url=database_url, amqp_url=amqp_url, aws_api_keys="", api_token=API_TOKEN
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await wait_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orchestrator") as api:
            response = await api.post(
                "/",
                content=b"{}",
                headers={
                    "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                    "Content-Type": "application/x-amz-json-1.0",
                    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/"
                    "us-east-1/states/aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
                },
            )
    assert response.status_code == 400
    assert response.json()["__type"] == "UnrecognizedClientException"
    assert "AWS_API_KEYS" in response.json()["message"]
