"""servicekit.logs: plain text by default, one JSON object per line with LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging

from servicekit.logs import ContextFilter, JsonFormatter, TextFormatter, bind
from servicekit.money import format_lines, format_money


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("svc", logging.INFO, __file__, 1, message, (), None)
    made.__dict__.update(extra)
    ContextFilter().filter(made)
    return made


def test_json_lines_carry_the_bound_and_extra_fields() -> None:
    with bind(execution_id="order-fulfillment:o1", state_name="ChargePayment"):
        line = JsonFormatter().format(record("charged 18000.00 USD", order_id="o1"))
    entry = json.loads(line)
    assert entry["message"] == "charged 18000.00 USD"
    assert entry["execution_id"] == "order-fulfillment:o1"
    assert entry["order_id"] == "o1"
    assert entry["state_name"] == "ChargePayment"
    assert entry["level"] == "INFO"


def test_text_lines_show_the_fields_after_the_message() -> None:
    with bind(execution_id="e1"):
        line = TextFormatter().format(record("held 1 x SKU-A", event="held"))
    assert line.endswith("svc: held 1 x SKU-A [execution_id=e1 event=held]")
    assert "execution_id" not in TextFormatter().format(record("outside"))


def test_amounts_are_in_major_units() -> None:
    assert format_money(1800000, "USD") == "18000.00 USD"
    assert format_money(5, "eur") == "0.05 EUR"
    assert format_money(1200, "JPY") == "1200 JPY"


def test_lines_are_readable() -> None:
    class Line:
        sku, quantity = "SKU-A", 2

    assert format_lines([Line()]) == "2 x SKU-A"
