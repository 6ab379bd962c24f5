"""The shop's public REST API: products from inventory, orders as order-fulfillment executions."""
