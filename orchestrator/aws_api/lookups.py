"""Finding what a request's ARN names, or answering AWS's "does not exist" error."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.aws_api import catalog
from orchestrator.aws_api.context import AwsApi
from orchestrator.aws_api.errors import execution_does_not_exist, state_machine_does_not_exist
from orchestrator.errors import ExecutionDoesNotExist
from orchestrator.executions import ExecutionRow


async def machine_or_error(api: AwsApi, session: AsyncSession, name: str) -> catalog.Machine:
    machine = await catalog.find_machine(session, api.registry, name)
    if machine is None:
        raise state_machine_does_not_exist(api.arns.state_machine(name))
    return machine


async def execution_arn(api: AwsApi, execution_id: str, machine: str) -> str:
    """An execution's ARN, as its machine's type has it (`execution:` or `express:`)."""
    async with api.sessions() as session:
        express = await catalog.is_express(session, machine)
    return api.arns.execution(execution_id, express=express)


async def execution_or_error(api: AwsApi, arn: object) -> ExecutionRow:
    """The execution an execution ARN names (InvalidArn, ExecutionDoesNotExist)."""
    execution_id = api.arns.parse_execution(arn)
    try:
        return await api.orchestrator.describe(execution_id)
    except ExecutionDoesNotExist:
        raise execution_does_not_exist(str(arn)) from None
