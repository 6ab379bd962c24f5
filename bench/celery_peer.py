"""Baseline (b), the peer: the Celery app whose chain is the same three steps as the engine's.

The workers are started as `python -m celery -A bench.celery_peer worker -Q <queue>`, one
process per step (as one per service), each consuming its own durable quorum queue. Settings are
the durable ones a careful Celery user picks: late acks, reject on worker loss, publisher
confirms. The last step tells the driver (bench.peer) the chain is done with a message on
DONE_QUEUE; no result backend is involved."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from kombu import Queue

STEP_QUEUES = ("bench.celery.step1", "bench.celery.step2", "bench.celery.step3")
DONE_QUEUE = "bench.celery.done"
QUORUM = {"x-queue-type": "quorum"}

app = Celery("bench_peer", broker=os.environ.get("BENCH_CELERY_BROKER", "amqp://"))
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    broker_transport_options={"confirm_publish": True},
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    task_queues=[Queue(name, durable=True, queue_arguments=QUORUM) for name in STEP_QUEUES],
    task_routes={
        f"bench.celery_peer.step{n}": {"queue": queue} for n, queue in enumerate(STEP_QUEUES, 1)
    },
    worker_hijack_root_logger=False,
)


@app.task(name="bench.celery_peer.step1")
def step1(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


@app.task(name="bench.celery_peer.step2")
def step2(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


@app.task(name="bench.celery_peer.step3")
def step3(payload: dict[str, Any]) -> dict[str, Any]:
    with app.producer_or_acquire() as producer:
        producer.publish(
            payload, exchange="", routing_key=DONE_QUEUE, serializer="json", delivery_mode=2
        )
    return payload
