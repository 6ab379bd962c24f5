"""inventory: the catalog, its stock, and holds that keep an order's items from being sold twice."""
