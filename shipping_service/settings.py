"""shipping's configuration: the shared settings plus its HTTP port."""

from __future__ import annotations

from pydantic import Field

from servicekit.settings import (
    DEFAULT_AMQP_URL,
    DEFAULT_DATABASE_URL,
    ServiceSettings,
    own_or_shared,
)


class ShippingSettings(ServiceSettings):
    """DATABASE_URL, AMQP_URL, ... as every service has them; SHIPPING_PORT for HTTP."""

    port: int = Field(default=8004, validation_alias="SHIPPING_PORT")
    database_url: str = own_or_shared("SHIPPING", "DATABASE_URL", DEFAULT_DATABASE_URL)
    amqp_url: str = own_or_shared("SHIPPING", "AMQP_URL", DEFAULT_AMQP_URL)
    own_database_url: str = Field("", validation_alias="SHIPPING_DATABASE_URL")
    own_amqp_url: str = Field("", validation_alias="SHIPPING_AMQP_URL")
