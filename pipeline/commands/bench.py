"""``wirepipe bench KIND``: benchmarks that print figures (speed goals are measured here, not in tests)."""
from __future__ import annotations

from pipeline.commands._group import register_group

BENCHMARKS: tuple[str, ...] = ("pipeline.benchmarks.entities", "pipeline.benchmarks.kafka", "pipeline.benchmarks.quotes",
                                "pipeline.benchmarks.fingerprint", "pipeline.benchmarks.latency", "pipeline.benchmarks.soak",
                                "pipeline.benchmarks.pipeline", "pipeline.benchmarks.stages", "pipeline.benchmarks.drain")


def register(subparsers) -> None:
    register_group(subparsers, "bench", "measure throughput and latency", BENCHMARKS)
