"""Thin Beam wrappers around the pure logic in pipeline/ (parse, dedup, enrich, neardup)."""
from __future__ import annotations

import apache_beam as beam

from pipeline.dedup import event_ms

METRICS_NAMESPACE = "wirepipe"


def at_event_time(value, article: dict) -> beam.window.TimestampedValue:
    """``value`` stamped with ``article``'s event time.

    What a stateful step emits from a timer, or after a join, would otherwise carry the timer's or
    the last input's timestamp, and the windowed file sinks would put it in the wrong window.
    """
    return beam.window.TimestampedValue(value, event_ms(article) / 1000.0)
