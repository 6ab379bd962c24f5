"""payment's configuration: the shared settings plus its HTTP port."""

from __future__ import annotations

from pydantic import Field

from servicekit.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    """DATABASE_URL, AMQP_URL, ... as every service has them; PAYMENT_PORT for HTTP."""

    port: int = Field(default=8002, validation_alias="PAYMENT_PORT")
    own_database_url: str = Field("", validation_alias="PAYMENT_DATABASE_URL")
    own_amqp_url: str = Field("", validation_alias="PAYMENT_AMQP_URL")
