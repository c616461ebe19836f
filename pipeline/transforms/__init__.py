"""Thin Beam wrappers around the pure logic in pipeline/ (parse, dedup, enrich, neardup)."""

METRICS_NAMESPACE = "wirepipe"
