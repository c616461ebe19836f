"""DedupExact: exact repeats leave the main stream; same id with new content is an update.

Two keyed stateful stages share one mechanism (:class:`_EarliestFirstFn`): articles are buffered in
state until the watermark passes their event time, then decided in ``(published_at, id)`` order, so
the original is the earliest copy whatever the arrival order. State per key is one small
:class:`~pipeline.dedup.First`, cleared by an event-time timer at the end of the horizon: memory
stays bounded on an endless stream. Only event-time timers are used (processing-time timers would
send the DirectRunner to its legacy runner). A copy that arrives after its original was decided
and emitted (late data) is judged against that original; an emitted article is never retracted.

In a replay in chunks (:mod:`pipeline.chunks`), each stage hands out every first it opens and takes in,
before its own articles, the firsts an earlier chunk left inside the horizon (read from their file).

On the local runner (``one_key``) both stages run as one, on one state key (:class:`_OneKeyFn`): its
firsts by content hash and by id in one dict, its articles decided in the same ``(published_at, id)``
order, so with the same decisions. A key per article cost an article two bag writes and reads, two timers
to fire and a first to write and clear in each stage, and a shuffle between the stages (``Regroup``): about
2 of the 8 CPU-seconds the two-day replay spends outside the enrichment. The local runner holds every key
in one process anyway; the distributed runners keep a key per article, which they spread over workers.
"""
from __future__ import annotations

from typing import Iterable, Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipeline import dedup
from pipeline.chunks import EXACT, VERSION, Carried
from pipeline.errors import ConfigError
from pipeline.io import carry as carried_files
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
        self.horizon_ms = _horizon_ms(horizon_s)
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
            opened = _opened(first, article, self.horizon_ms)
            if opened is not None:
                first = opened
                first_state.write(first)
                if self.carry:
                    yield beam.pvalue.TaggedOutput(CARRIED, _carried(self.KIND, key, first))
            yield from self._decide(article, first, opened is not None)
        if not waiting and first is not None:
            expires_ms = _expires_ms(first, self.horizon_ms)
            if fired_ms >= expires_ms:
                first_state.clear()
            else:
                flush.set(_at(expires_ms))

    def _decide(self, article: dict, first: dedup.First, opens: bool):
        """Yield the outputs for ``article``; ``opens`` is True when it is the key's first article."""
        raise NotImplementedError


def _horizon_ms(horizon_s: float) -> int:
    """The horizon in milliseconds, checked: a positive number of seconds."""
    if horizon_s <= 0:
        raise ConfigError(f"horizon must be a positive number of seconds, got {horizon_s!r}")
    return int(horizon_s * 1000)


def _expires_ms(first: dedup.First, horizon_ms: int) -> int:
    """The watermark from which no article can repeat ``first`` any more (one horizon after it): its key's
    state may go."""
    return first.event_ms + horizon_ms + 1


def _opened(first: Optional[dedup.First], article: dict, horizon_ms: int) -> Optional[dedup.First]:
    """The first ``article`` opens for its key when the key has none inside the horizon, else None."""
    return dedup.first_of(article) if dedup.is_expired(first, article, horizon_ms) else None


def _carried(kind: str, key: str, first: dedup.First) -> Carried:
    return Carried(kind, key, first.event_ms, first.id, first)


def _exact_outputs(article: dict, first: dedup.First, opens: bool, duplicates):
    """What the exact stage makes of ``article`` (``opens``: it is its content's first inside the horizon):
    the article, or an exact Duplicate record of ``first`` (counted on ``duplicates``)."""
    if opens:
        yield at_event_time(article, article)
    else:
        duplicates.inc()
        yield beam.pvalue.TaggedOutput(DUPLICATES, at_event_time(dedup.exact_duplicate(article, first), article))


def _version_outputs(article: dict, first: dedup.First, opens: bool, updates):
    """What the version stage makes of ``article`` (``opens``: it is its id's first inside the horizon): UNIQUE,
    or an UPDATE of ``first`` when its content differs (counted on ``updates``)."""
    if opens or first.content_hash == article["content_hash"]:
        yield at_event_time(dedup.unique(article), article)
    else:
        updates.inc()
        yield at_event_time(dedup.update(article, first), article)


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
        yield from _exact_outputs(article, first, opens, self.duplicates)


class _VersionFn(_EarliestFirstFn):
    KIND = VERSION

    def __init__(self, horizon_s: float, carry: bool = False):
        super().__init__(horizon_s, carry)
        self.updates = Metrics.counter(METRICS_NAMESPACE, "updates")

    def _decide(self, article, first, opens):
        yield from _version_outputs(article, first, opens, self.updates)


class _OneKeyFn(beam.DoFn):
    """Both stages on one state key: articles buffered until the watermark passes them, then each judged in
    order as :class:`_ExactFn` and, when it is no exact repeat, as :class:`_VersionFn` would judge it.

    The state is a dict of the firsts, ``(kind, key) -> First`` (kinds as in :mod:`pipeline.chunks`), rewritten
    once a flush; a first leaves it at the first flush one horizon after it opened. One event-time timer fires
    at the earliest buffered article, or, with nothing buffered, when the last first leaves the dict. (So a
    late article can meet a first that a key's own timer would have cleared a little earlier.)

    With ``seeds`` (a file of :class:`~pipeline.chunks.Carried` firsts, all earlier than the articles), the dict
    starts from them at the first flush, not as elements: each would cost a Flatten of the articles and a
    place in the buffer. With ``carry``, each first opened is handed out on the ``carried`` output.
    """

    PENDING = BagStateSpec("pending", PickleCoder())
    FIRSTS = ReadModifyWriteStateSpec("firsts", PickleCoder())
    SEEDED = ReadModifyWriteStateSpec("seeded", PickleCoder())
    FLUSH = TimerSpec("flush", TimeDomain.WATERMARK)

    def __init__(self, horizon_s: float, carry: bool = False, seeds: Optional[str] = None):
        self.horizon_ms = _horizon_ms(horizon_s)
        self.carry = carry
        self.seeds = seeds
        self.duplicates = Metrics.counter(METRICS_NAMESPACE, "exact_duplicate")
        self.updates = Metrics.counter(METRICS_NAMESPACE, "updates")

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        _, item = element
        pending.add(item)
        # The timer at the latest arrival of the bundle, not at each: articles come in reading order, and a
        # timer that fires at an early one takes only what is before it (one bundle each, thousands in batch).
        # One arriving in a later bundle before it re-arms it earlier; take_ready re-arms it for the rest.
        if self._latest is None or timestamp > self._latest:
            self._latest = timestamp
            flush.set(timestamp)

    def start_bundle(self) -> None:
        self._latest = None

    @on_timer(FLUSH)
    def _flush(
        self,
        fired=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        firsts_state=beam.DoFn.StateParam(FIRSTS),
        seeded=beam.DoFn.StateParam(SEEDED),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        fired_ms = fired.micros // 1000
        ready, waiting = take_ready(pending, flush, fired_ms, dedup.order_key)
        firsts = firsts_state.read()
        if firsts is None:
            firsts = {}
            if self.seeds is not None and not seeded.read():
                seeded.write(True)
                firsts = firsts_of(carried_files.load(self.seeds))
        for article in ready:
            yield from self._decide(article, firsts)
        firsts = unexpired(firsts, fired_ms, self.horizon_ms)
        if firsts:
            firsts_state.write(firsts)
            if not waiting:  # the last to leave: a timer at each would be a bundle of its own in batch
                flush.set(_at(max(_expires_ms(first, self.horizon_ms) for first in firsts.values())))
        else:
            firsts_state.clear()

    def _decide(self, article: dict, firsts: dict):
        """``article`` through both stages' decisions (:func:`_exact_outputs`, :func:`_version_outputs`)."""
        exact = self._open(firsts, EXACT, article["content_hash"], article)
        if exact is None:
            yield from _exact_outputs(article, firsts[(EXACT, article["content_hash"])], False, self.duplicates)
            return
        version = self._open(firsts, VERSION, article["id"], article)
        if self.carry:
            yield beam.pvalue.TaggedOutput(CARRIED, exact)
            if version is not None:
                yield beam.pvalue.TaggedOutput(CARRIED, version)
        yield from _version_outputs(article, firsts[(VERSION, article["id"])], version is not None, self.updates)

    def _open(self, firsts: dict, kind: str, key: str, article: dict) -> Optional[Carried]:
        """Open ``article`` as the first of ``key`` when the key has none inside the horizon: the first as
        carried state; None when the key's first stands."""
        opened = _opened(firsts.get((kind, key)), article, self.horizon_ms)
        if opened is None:
            return None
        firsts[(kind, key)] = opened
        return _carried(kind, key, opened)


def firsts_of(items: Iterable[Carried]) -> dict:
    """The one key's dict of firsts from carried state (a key carried twice keeps the later first)."""
    return {(item.kind, item.key): item.state for item in sorted(items, key=_order)}


def unexpired(firsts: dict, upto_ms: int, horizon_ms: int) -> dict:
    """``firsts`` without those a key's own timer would have cleared by ``upto_ms`` (one horizon after them)."""
    return {key: first for key, first in firsts.items() if upto_ms < _expires_ms(first, horizon_ms)}


def _on_one_key(item) -> tuple:
    return "", item


class DedupExact(beam.PTransform):
    """Articles → ``main`` (UNIQUE or UPDATE, with ``dedup`` set) and ``duplicates`` (Duplicate records).

    With ``carried_from`` (a file of :class:`~pipeline.chunks.Carried` firsts, see
    :func:`pipeline.io.carry.save`), both stages start from the state it holds, and the result has a
    ``carried`` output: the state they add, for the next chunk of a replay in chunks. ``one_key``: both
    stages on one state key (:class:`_OneKeyFn`), for the local runner.
    """

    def __init__(self, horizon_s: float, carried_from: Optional[str] = None, one_key: bool = False):
        super().__init__()
        if horizon_s <= 0:
            raise ConfigError(f"dedup horizon must be a positive number of seconds, got {horizon_s!r}")
        self.horizon_s = horizon_s
        self.carried_from = carried_from
        self.one_key = one_key

    def expand(self, articles):
        carry = self.carried_from is not None
        if self.one_key:
            return self._expand_on_one_key(articles, carry)
        if carry:
            carried = articles.pipeline | "ReadCarried" >> carried_files.ReadCarried(self.carried_from)
        by_hash = articles | "KeyByContentHash" >> beam.Map(lambda a: (a["content_hash"], a)).with_output_types(_Keyed)
        if carry:
            by_hash = (by_hash, carried | "CarriedFirsts" >> beam.FlatMap(_carried_of, EXACT).with_output_types(
                _Keyed)) | "WithCarriedFirsts" >> beam.Flatten()
        exact = by_hash | "DropExactRepeats" >> beam.ParDo(_ExactFn(self.horizon_s, carry)).with_outputs(
            DUPLICATES, *([CARRIED] if carry else []), main="main")
        by_id = exact.main | "KeyById" >> beam.Map(lambda a: (a["id"], a)).with_output_types(_Keyed)
        if carry:
            by_id = (by_id, carried | "CarriedVersions" >> beam.FlatMap(_carried_of, VERSION).with_output_types(
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

    def _expand_on_one_key(self, articles, carry: bool):
        decided = (
            articles
            | "KeyOnOne" >> beam.Map(_on_one_key).with_output_types(_Keyed)
            | "DropRepeatsMarkUpdates" >> beam.ParDo(_OneKeyFn(self.horizon_s, carry, self.carried_from)).with_outputs(
                DUPLICATES, *([CARRIED] if carry else []), main="main")
        )
        outputs = {"main": decided.main, DUPLICATES: decided[DUPLICATES]}
        if carry:
            outputs[CARRIED] = decided[CARRIED]
        return outputs
