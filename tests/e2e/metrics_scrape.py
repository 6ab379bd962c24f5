"""A service's /metrics, parsed: sample names, label sets, and histogram counts."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum", ""),
}
Series = tuple[str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Scrape:
    samples: dict[Series, float]
    families: set[str]  # every sample name a metric may have, observed yet or not

    def names(self) -> set[str]:
        return {name for name, _ in self.samples} | self.families

    def series(self) -> set[Series]:
        return set(self.samples)

    def count(self, histogram: str, labels: dict[str, str]) -> float:
        """Observations of `histogram` over every series that has `labels`."""
        wanted = set(labels.items())
        return sum(
            value
            for (name, series_labels), value in self.samples.items()
            if name == f"{histogram}_count" and wanted <= series_labels
        )


def scrape(base_url: str) -> Scrape:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    samples: dict[Series, float] = {}
    families: set[str] = set()
    for family in text_string_to_metric_families(text):
        families |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))}
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(samples, families)
