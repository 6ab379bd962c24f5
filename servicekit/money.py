"""Money in log lines: integer minor units shown in major units with their currency."""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not the cent (exponent 2).
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}


def format_money(minor_units: int, currency: str | None) -> str:
    """`1800000, "USD"` -> `"18000.00 USD"`."""
    code = (currency or "").upper()
    exponent = _EXPONENTS.get(code, 2)
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(minor_units), 10**exponent)
    amount = f"{whole}.{fraction:0{exponent}d}" if exponent else str(whole)
    return f"{sign}{amount} {code}".rstrip()


def format_lines(lines: object) -> str:
    """Order lines (anything with .sku and .quantity) as `2 x SKU-A, 1 x SKU-B`."""
    return ", ".join(f"{line.quantity} x {line.sku}" for line in lines)  # type: ignore[attr-defined]
