"""Seed the store's catalog.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"

# (sku, name, price in cents, units in stock). Finite stock, so the saga's OutOfStock path is real.
CATALOG = [
    ("SKU-TSHIRT", "Stepwise T-shirt", 2000, 100),
    ("SKU-HOODIE", "Stepwise hoodie", 4500, 25),
    ("SKU-MUG", "Enamel mug", 1250, 50),
    ("SKU-CAP", "Baseball cap", 1800, 40),
    ("SKU-STICKERS", "Sticker pack", 500, 100),
    ("SKU-POSTER", "State machine poster", 1500, 30),
]

items = sa.table(
    "items",
    sa.column("sku", sa.String),
    sa.column("name", sa.String),
    sa.column("price_cents", sa.BigInteger),
    sa.column("currency", sa.String),
    sa.column("available", sa.Integer),
    schema=SCHEMA,
)


def upgrade() -> None:
    op.bulk_insert(
        items,
        [
            {"sku": sku, "name": name, "price_cents": price, "currency": "USD", "available": stock}
            for sku, name, price, stock in CATALOG
        ],
    )


def downgrade() -> None:
    op.execute(items.delete().where(items.c.sku.in_([sku for sku, *_ in CATALOG])))
