"""Thin Beam wrappers around the pure logic in pipeline/ (parse, dedup, enrich, neardup)."""
from __future__ import annotations

from typing import Callable

import apache_beam as beam
from apache_beam.utils.timestamp import Timestamp

from pipeline.dedup import event_ms

METRICS_NAMESPACE = "wirepipe"


def at_event_time(value, article: dict) -> beam.window.TimestampedValue:
    """``value`` stamped with ``article``'s event time.

    What a stateful step emits from a timer, or after a join, would otherwise carry the timer's or
    the last input's timestamp, and the windowed file sinks would put it in the wrong window.
    """
    return beam.window.TimestampedValue(value, event_ms(article) / 1000.0)


def at_read_time(tagged: tuple) -> beam.window.TimestampedValue:
    """An output record for the files ``(kind, AvroRecord)`` stamped with the time it was read (``ingested_at``,
    or a dead letter's ``failed_at``), for the windowed file sinks.

    Files are windowed by when records came in, not by their dates: a story dated a month back that
    arrives in a running stream would be behind the watermark by more than any allowed lateness, and a
    window stage would drop it without a trace.
    """
    _, record = tagged
    return beam.window.TimestampedValue(tagged, record.read_ms / 1000.0)


def hold(pending, flush, item, timestamp) -> None:
    """Buffer ``item`` until the watermark passes its event time ``timestamp`` (see :func:`take_ready`).

    The flush timer follows the last arrival; :func:`take_ready` re-arms it for items left waiting.
    """
    pending.add(item)
    flush.set(timestamp)


def take_ready(pending, flush, upto_ms: int, order_key: Callable) -> tuple[list, list]:
    """Take the buffered items whose event time (``order_key(item)[0]``, ms) is at or before ``upto_ms``.

    The buffer keeps the rest, and the flush timer is re-armed for the earliest of them, so an item
    never waits for an arrival that may not come. Returns ``(ready, waiting)``, each in key order.
    The buffering stateful steps (DedupExact, NearDup) share this.
    """
    items = sorted(pending.read(), key=order_key)
    ready = [item for item in items if order_key(item)[0] <= upto_ms]
    waiting = items[len(ready):]
    if ready:
        pending.clear()
        for item in waiting:
            pending.add(item)
    if waiting:
        flush.set(Timestamp(micros=order_key(waiting[0])[0] * 1000))
    return ready, waiting
