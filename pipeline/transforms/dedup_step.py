"""DedupExact: exact repeats leave the main stream; same id with new content is an update.

Two keyed stateful stages share one mechanism (:class:`_EarliestFirstFn`): articles are buffered in
state until the watermark passes their event time, then decided in ``(published_at, id)`` order, so
the original is the earliest copy whatever the arrival order. State per key is one small
:class:`~pipeline.dedup.First`, cleared by an event-time timer at the end of the horizon: memory
stays bounded on an endless stream. Only event-time timers are used (processing-time timers would
send the DirectRunner to its legacy runner). A copy that arrives after its original was decided
and emitted (late data) is judged against that original; an emitted article is never retracted.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipeline import dedup
from pipeline.errors import ConfigError
from pipeline.transforms import METRICS_NAMESPACE, at_event_time, hold, take_ready

DUPLICATES = "duplicates"
_Keyed = beam.typehints.KV[str, beam.typehints.Any]  # str keys: a deterministic key coder


class _EarliestFirstFn(beam.DoFn):
    """Buffers a key's articles until the watermark passes them, then calls ``_decide`` in order.

    One event-time timer does both jobs: it fires at the earliest buffered article, and when
    nothing is buffered it is armed at the end of the horizon to clear the state. (Two timer
    families would fire in no guaranteed order when a batch watermark jumps to the end of time.)
    """

    PENDING = BagStateSpec("pending", PickleCoder())
    FIRST = ReadModifyWriteStateSpec("first", PickleCoder())
    FLUSH = TimerSpec("flush", TimeDomain.WATERMARK)

    def __init__(self, horizon_s: float):
        if horizon_s <= 0:
            raise ConfigError(f"horizon must be a positive number of seconds, got {horizon_s!r}")
        self.horizon_ms = int(horizon_s * 1000)

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        _, article = element
        hold(pending, flush, article, timestamp)

    @on_timer(FLUSH)
    def _flush(
        self,
        fired=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        first_state=beam.DoFn.StateParam(FIRST),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        fired_ms = fired.micros // 1000
        ready, waiting = take_ready(pending, flush, fired_ms, dedup.order_key)
        first = first_state.read()
        for article in ready:
            opens = dedup.is_expired(first, article, self.horizon_ms)
            if opens:
                first = dedup.first_of(article)
                first_state.write(first)
            yield from self._decide(article, first, opens)
        if not waiting and first is not None:
            expires_ms = first.event_ms + self.horizon_ms + 1
            if fired_ms >= expires_ms:
                first_state.clear()
            else:
                flush.set(_at(expires_ms))

    def _decide(self, article: dict, first: dedup.First, opens: bool):
        """Yield the outputs for ``article``; ``opens`` is True when it is the key's first article."""
        raise NotImplementedError


def _at(ms: int) -> Timestamp:
    return Timestamp(micros=ms * 1000)


class _ExactFn(_EarliestFirstFn):
    def __init__(self, horizon_s: float):
        super().__init__(horizon_s)
        self.duplicates = Metrics.counter(METRICS_NAMESPACE, "exact_duplicate")

    def _decide(self, article, first, opens):
        if opens:
            yield at_event_time(article, article)
        else:
            self.duplicates.inc()
            yield beam.pvalue.TaggedOutput(DUPLICATES, at_event_time(dedup.exact_duplicate(article, first), article))


class _VersionFn(_EarliestFirstFn):
    def __init__(self, horizon_s: float):
        super().__init__(horizon_s)
        self.updates = Metrics.counter(METRICS_NAMESPACE, "updates")

    def _decide(self, article, first, opens):
        if opens or first.content_hash == article["content_hash"]:
            yield at_event_time(dedup.unique(article), article)
        else:
            self.updates.inc()
            yield at_event_time(dedup.update(article, first), article)


class DedupExact(beam.PTransform):
    """Articles → ``main`` (UNIQUE or UPDATE, with ``dedup`` set) and ``duplicates`` (Duplicate records)."""

    def __init__(self, horizon_s: float):
        super().__init__()
        if horizon_s <= 0:
            raise ConfigError(f"dedup horizon must be a positive number of seconds, got {horizon_s!r}")
        self.horizon_s = horizon_s

    def expand(self, articles):
        exact = (
            articles
            | "KeyByContentHash" >> beam.Map(lambda a: (a["content_hash"], a)).with_output_types(_Keyed)
            | "DropExactRepeats" >> beam.ParDo(_ExactFn(self.horizon_s)).with_outputs(DUPLICATES, main="main")
        )
        versioned = (
            exact.main
            | "KeyById" >> beam.Map(lambda a: (a["id"], a)).with_output_types(_Keyed)
            # Without this shuffle the FnApiRunner fuses the second stateful stage into the timer
            # callbacks of the first and loses its buffered state (seen on Beam 2.77).
            | "Regroup" >> beam.Reshuffle()
            | "MarkUpdates" >> beam.ParDo(_VersionFn(self.horizon_s))
        )
        return {"main": versioned, DUPLICATES: exact[DUPLICATES]}
