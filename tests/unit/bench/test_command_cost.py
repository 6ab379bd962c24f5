"""bench.command_cost's sides differ only in how the same charge is run."""

from __future__ import annotations

from bench.command_cost import charge, in_a_transaction
from payment_service.handlers import dispatch


def test_the_shipped_charge_runs_alone_and_the_other_side_in_a_transaction() -> None:
    command = charge()
    shipped = dispatch.plan(command)
    wrapped = in_a_transaction(command)

    assert shipped is not None and wrapped is not None
    assert not shipped.needs_transaction
    assert wrapped.needs_transaction
    assert (wrapped.ctes, wrapped.done) == (shipped.ctes, shipped.done)


def test_every_charge_is_a_new_order_with_its_own_token() -> None:
    first, second = charge(), charge()

    assert first.task_token != second.task_token
    assert first.body["order_id"] != second.body["order_id"]
