"""servicekit.metrics: HTTP durations by route template, bounded labels; the dashboard's names."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY

from servicekit.metrics import BoundedLabel, RequestMetrics
from tests.e2e.dashboard import metric_names


async def test_requests_are_measured_by_route_template_not_path() -> None:
    app = FastAPI()
    app.add_middleware(RequestMetrics)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    labels = {"method": "GET", "route": "/things/{thing_id}", "status": "200"}
    before = REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for n in range(3):
            assert (await client.get(f"/things/{n}")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404
    after = REGISTRY.get_sample_value("http_request_duration_seconds_count", labels)
    assert after == before + 3
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", unmatched)


def test_bounded_label_turns_new_values_past_the_limit_into_other() -> None:
    label = BoundedLabel(limit=2, max_length=10)
    assert [label(v) for v in ("A", "B", "C", "A", "x" * 11, None)] == [
        "A",
        "B",
        "other",
        "A",
        "other",
        "none",
    ]


def test_dashboard_queries_name_their_metrics_only() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket"
        '{job="web"}[$__rate_interval]))) + max(orchestrator_due_timers) * 1e3'
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "orchestrator_due_timers"}
