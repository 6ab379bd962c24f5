"""shipping's rules: where the store ships, the carrier, and the tracking number."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shipping_service import domain


def address(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Grace Hopper",
        "line1": "1 Navy Way",
        "city": "Arlington",
        "postal_code": "22201",
        "country": "US",
        **changes,
    }


@pytest.mark.parametrize("country", ["US", "CA", "GB", "DE", "FR", " fr "])
def test_the_store_ships_to_its_five_countries(country: str) -> None:
    shippable = domain.shippable_address(address(country=country))

    assert shippable.country == country.strip().upper()


@pytest.mark.parametrize("country", ["JP", "BR", "USA", "United States", ""])
def test_any_other_country_is_rejected(country: str) -> None:
    with pytest.raises(domain.AddressRejected) as refused:
        domain.shippable_address(address(country=country))

    assert refused.value.error == "AddressRejected"


@pytest.mark.parametrize("missing", domain.ADDRESS_FIELDS)
def test_an_address_lacking_a_field_is_rejected_naming_it(missing: str) -> None:
    incomplete = address()
    del incomplete[missing]

    with pytest.raises(domain.AddressRejected) as refused:
        domain.shippable_address(incomplete)

    assert missing in refused.value.cause


@pytest.mark.parametrize("raw", [None, "1 Navy Way, Arlington", ["US"]])
def test_no_address_at_all_is_rejected(raw: Any) -> None:
    with pytest.raises(domain.AddressRejected):
        domain.shippable_address(raw)


@pytest.mark.parametrize(
    ("country", "carrier", "code"),
    [("US", "UPS", "UPS"), ("CA", "Canada Post", "CPC"), ("DE", "DHL", "DHL")],
)
def test_a_shipment_goes_with_the_country_carrier(country: str, carrier: str, code: str) -> None:
    shippable = domain.shippable_address(address(country=country))

    shipment = domain.ship("shp_1", "order-1", shippable, serial=0xABC)

    assert shipment.carrier == carrier
    assert shipment.tracking_number == f"{code}-{country}-000000000ABC"
    assert domain.shipment_result(shipment) == {
        "shipment_id": "shp_1",
        "tracking_number": shipment.tracking_number,
        "carrier": carrier,
        "status": "SHIPPED",
    }


def test_a_tracking_number_has_twelve_hex_digits_whatever_the_serial() -> None:
    shippable = domain.shippable_address(address())

    for serial in (0, 2**48 - 1, 2**64 + 5):
        number = domain.ship("shp_1", "order-1", shippable, serial).tracking_number
        assert re.fullmatch(r"UPS-US-[0-9A-F]{12}", number)
