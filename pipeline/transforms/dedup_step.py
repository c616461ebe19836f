"""DedupExact: exact repeats leave the main stream; same id with new content is an update.

Two keyed stateful stages share one mechanism (:class:`_EarliestFirstFn`): articles are buffered in
state until the watermark passes their event time, then decided in ``(published_at, id)`` order, so
the original is the earliest copy whatever the arrival order. State per key is one small
:class:`~pipeline.dedup.First`, cleared by an event-time timer at the end of the horizon: memory
stays bounded on an endless stream. Only event-time timers are used (processing-time timers would
send the DirectRunner to its legacy runner). A copy that arrives after its original was decided
and emitted (late data) is judged against that original; an emitted article is never retracted.

In a replay in chunks (:mod:`pipeline.chunks`), each stage hands out every first it opens and takes in,
before its own articles, the firsts an earlier chunk left inside the horizon.
"""
from __future__ import annotations

from typing import Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipeline import dedup
from pipeline.chunks import EXACT, VERSION, Carried
from pipeline.errors import ConfigError
from pipeline.transforms import METRICS_NAMESPACE, at_event_time, hold, take_ready

DUPLICATES = "duplicates"
CARRIED = "carried"
_Keyed = beam.typehints.KV[str, beam.typehints.Any]  # str keys: a deterministic key coder


class _EarliestFirstFn(beam.DoFn):
    """Buffers a key's articles until the watermark passes them, then calls ``_decide`` in order.

    One event-time timer does both jobs: it fires at the earliest buffered article, and when
    nothing is buffered it is armed at the end of the horizon to clear the state. (Two timer
    families would fire in no guaranteed order when a batch watermark jumps to the end of time.)
    A :class:`~pipeline.chunks.Carried` first is buffered and ordered like an article and becomes the
    key's state; with ``carry``, each first opened is handed out on the ``carried`` output.
    """

    PENDING = BagStateSpec("pending", PickleCoder())
    FIRST = ReadModifyWriteStateSpec("first", PickleCoder())
    FLUSH = TimerSpec("flush", TimeDomain.WATERMARK)
    KIND = ""  # of the carried state

    def __init__(self, horizon_s: float, carry: bool = False):
        if horizon_s <= 0:
            raise ConfigError(f"horizon must be a positive number of seconds, got {horizon_s!r}")
        self.horizon_ms = int(horizon_s * 1000)
        self.carry = carry

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
        key=beam.DoFn.KeyParam,
        fired=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        first_state=beam.DoFn.StateParam(FIRST),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        fired_ms = fired.micros // 1000
        ready, waiting = take_ready(pending, flush, fired_ms, _order)
        first = first_state.read()
        for article in ready:
            if isinstance(article, Carried):  # the key's state as an earlier chunk left it
                first = article.state
                first_state.write(first)
                continue
            opens = dedup.is_expired(first, article, self.horizon_ms)
            if opens:
                first = dedup.first_of(article)
                first_state.write(first)
                if self.carry:
                    yield beam.pvalue.TaggedOutput(CARRIED, Carried(self.KIND, key, first.event_ms, first.id, first))
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


def _order(item) -> tuple[int, str]:
    return (item.event_ms, item.id) if isinstance(item, Carried) else dedup.order_key(item)


def _carried_of(item: Carried, kind: str):
    """``(key, item)`` when ``item`` is state of the step ``kind``."""
    if item.kind == kind:
        yield item.key, item


class _ExactFn(_EarliestFirstFn):
    KIND = EXACT

    def __init__(self, horizon_s: float, carry: bool = False):
        super().__init__(horizon_s, carry)
        self.duplicates = Metrics.counter(METRICS_NAMESPACE, "exact_duplicate")

    def _decide(self, article, first, opens):
        if opens:
            yield at_event_time(article, article)
        else:
            self.duplicates.inc()
            yield beam.pvalue.TaggedOutput(DUPLICATES, at_event_time(dedup.exact_duplicate(article, first), article))


class _VersionFn(_EarliestFirstFn):
    KIND = VERSION

    def __init__(self, horizon_s: float, carry: bool = False):
        super().__init__(horizon_s, carry)
        self.updates = Metrics.counter(METRICS_NAMESPACE, "updates")

    def _decide(self, article, first, opens):
        if opens or first.content_hash == article["content_hash"]:
            yield at_event_time(dedup.unique(article), article)
        else:
            self.updates.inc()
            yield at_event_time(dedup.update(article, first), article)


class DedupExact(beam.PTransform):
    """Articles → ``main`` (UNIQUE or UPDATE, with ``dedup`` set) and ``duplicates`` (Duplicate records).

    With ``carried`` (a PCollection of :class:`~pipeline.chunks.Carried`, timestamped with their event
    time), both stages start from the state it holds, and the result has a ``carried`` output: the
    state they add, for the next chunk of a replay in chunks.
    """

    def __init__(self, horizon_s: float, carried: Optional[beam.PCollection] = None):
        super().__init__()
        if horizon_s <= 0:
            raise ConfigError(f"dedup horizon must be a positive number of seconds, got {horizon_s!r}")
        self.horizon_s = horizon_s
        self.carried = carried

    def expand(self, articles):
        carry = self.carried is not None
        by_hash = articles | "KeyByContentHash" >> beam.Map(lambda a: (a["content_hash"], a)).with_output_types(_Keyed)
        if carry:
            by_hash = (by_hash, self.carried | "CarriedFirsts" >> beam.FlatMap(_carried_of, EXACT).with_output_types(
                _Keyed)) | "WithCarriedFirsts" >> beam.Flatten()
        exact = by_hash | "DropExactRepeats" >> beam.ParDo(_ExactFn(self.horizon_s, carry)).with_outputs(
            DUPLICATES, *([CARRIED] if carry else []), main="main")
        by_id = exact.main | "KeyById" >> beam.Map(lambda a: (a["id"], a)).with_output_types(_Keyed)
        if carry:
            by_id = (by_id, self.carried | "CarriedVersions" >> beam.FlatMap(_carried_of, VERSION).with_output_types(
                _Keyed)) | "WithCarriedVersions" >> beam.Flatten()
        mark = beam.ParDo(_VersionFn(self.horizon_s, carry))
        versioned = (
            by_id
            # Without this shuffle the FnApiRunner fuses the second stateful stage into the timer
            # callbacks of the first and loses its buffered state (seen on Beam 2.77).
            | "Regroup" >> beam.Reshuffle()
            | "MarkUpdates" >> (mark.with_outputs(CARRIED, main="main") if carry else mark)
        )
        outputs = {"main": versioned.main if carry else versioned, DUPLICATES: exact[DUPLICATES]}
        if carry:
            outputs[CARRIED] = (exact[CARRIED], versioned[CARRIED]) | "MergeCarried" >> beam.Flatten()
        return outputs
