"""The chaos test: orders of every outcome through the REST API while processes are killed and
RabbitMQ and Postgres restart; then every service's own records are checked.

`python -m tests.chaos --orders 500` (or `make chaos ORDERS=500`) runs it on a fresh database and
vhost; `tests/chaos/test_chaos.py` runs a small version inside `make test`.
"""
