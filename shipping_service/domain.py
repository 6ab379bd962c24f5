"""Shipping rules, free of I/O: where the store ships, with which carrier, under what number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


@dataclass(frozen=True)
class Carrier:
    name: str
    code: str  # starts its tracking numbers


# ISO 3166-1 alpha-2 country -> the carrier the store uses there. Nowhere else is shipped to.
CARRIERS: Mapping[str, Carrier] = {
    "US": Carrier("UPS", "UPS"),
    "CA": Carrier("Canada Post", "CPC"),
    "GB": Carrier("Royal Mail", "RM"),
    "DE": Carrier("DHL", "DHL"),
    "FR": Carrier("La Poste", "LP"),
}

ADDRESS_FIELDS = ("name", "line1", "city", "postal_code", "country")


class ShipmentStatus(StrEnum):
    SHIPPED = "SHIPPED"


class ShippingError(Exception):
    """A command shipping will not carry out. `error` is the ASL error name a Catch matches."""

    error: ClassVar[str] = "ShippingError"

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class AddressRejected(ShippingError):
    error = "AddressRejected"


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # upper-case ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Shipment:
    shipment_id: str
    order_id: str
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    address: Address


def shippable_address(raw: Any) -> Address:
    """The address if the store can ship there; else `AddressRejected` saying why."""
    if not isinstance(raw, Mapping):
        raise AddressRejected("the order has no shipping address")
    missing = [
        name
        for name in ADDRESS_FIELDS
        if not isinstance(raw.get(name), str) or not raw[name].strip()
    ]
    if missing:
        raise AddressRejected(f"the shipping address lacks {', '.join(missing)}")
    country = raw["country"].strip().upper()
    if country not in CARRIERS:
        raise AddressRejected(
            f"the store does not ship to {country}; it ships to {', '.join(sorted(CARRIERS))}"
        )
    return Address(
        name=raw["name"].strip(),
        line1=raw["line1"].strip(),
        city=raw["city"].strip(),
        postal_code=raw["postal_code"].strip(),
        country=country,
    )


def ship(shipment_id: str, order_id: str, address: Address, serial: int) -> Shipment:
    """A shipment with the country's carrier; `serial` (random, from the caller) makes its number.

    Tracking numbers look like `UPS-US-0123456789AB`: carrier code, country, 12 hex digits.
    """
    carrier = CARRIERS[address.country]
    tracking = f"{carrier.code}-{address.country}-{serial % 16**12:012X}"
    return Shipment(shipment_id, order_id, ShipmentStatus.SHIPPED, carrier.name, tracking, address)


def shipment_result(shipment: Shipment) -> dict[str, Any]:
    """What a ShipOrder for this order answers, however often it is asked."""
    return {
        "shipment_id": shipment.shipment_id,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "status": shipment.status.value,
    }
