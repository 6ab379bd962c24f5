"""shipping's configuration: the shared settings plus its HTTP port."""

from __future__ import annotations

from pydantic import Field

from servicekit.settings import ServiceSettings


class ShippingSettings(ServiceSettings):
    """DATABASE_URL, AMQP_URL, ... as every service has them; SHIPPING_PORT for HTTP."""

    port: int = Field(default=8004, validation_alias="SHIPPING_PORT")
    own_database_url: str = Field("", validation_alias="SHIPPING_DATABASE_URL")
    own_amqp_url: str = Field("", validation_alias="SHIPPING_AMQP_URL")
