"""NearDup: republications of a story are linked to its earliest copy (LSH bands in keyed state).

Three steps, each a thin Beam wrapper around :mod:`pipeline.nlp.fingerprint`:

1. ``KeyByShard``: each enriched article's MinHash fingerprint (the ``_fingerprint`` side field set by
   Enrich, recomputed from the body when absent) gives one key per LSH band; band keys are spread over
   ``shards`` state keys. A probe (times, id, fingerprint, its band keys in the shard) goes to each
   shard the article has band keys in; the article itself goes, keyed by itself, to step 3 together
   with the number of shard answers to wait for.
2. ``MatchInShards``: a stateful DoFn per shard. Probes are buffered until the watermark passes their
   event time (an event-time timer), then handled in ``(published_at, id)`` order: each is compared
   with the shard's earlier articles inside the horizon that share one of its band keys (estimated
   Jaccard or containment, figures and dateline dates agreeing, see :meth:`Fingerprinter.compare`),
   answers with its earliest confirmed match (or none) and joins the shard's index. The index is
   pruned as event time advances and cleared by an event-time timer one horizon after its newest
   article, so state stays bounded on an endless stream. No processing-time timers: they would send
   the DirectRunner to its legacy runner.
3. ``Decide``: keyed by article; once all shard answers are in, the earliest match is ``duplicate_of``
   and its cluster head (followed along matches in its shard) is ``cluster_id``; the article is marked NEAR_DUPLICATE
   (UPDATE articles keep their status: a new version is not a republication) or, with
   ``drop_near_duplicates``, leaves as a NEAR Duplicate record on the ``duplicates`` output.

With one shard (the local runner's choice) there is no step 3: the one probe of an article carries the
article, and the shard, whose answer is the only one, decides it as ``Decide`` would (:class:`_Decider`,
shared by both). The article then goes through one keyed step instead of two with an answer between
them, and has no state and timer of its own (the shard's one take of its pending probes reads the
articles with them).

**Why shards and not one key per band.** Every keyed-state access costs a fixed price (Beam's state
cache sizes each value it holds); one key per band (64 per article) made a replay crawl at ~3
articles/s on the FnApiRunner. With ``shards`` keys (8 by default) an article touches at most 8 keys
and its fingerprint is held 8 times instead of 64. Parallelism of step 2 is ``shards``-wide. On the local
runner, where one process holds every key anyway, the jobs use one shard (``JobConfig.near_dup_shards``):
each key an article touches costs elements, state and timers, and one shard made the two-day replay some
10% cheaper in CPU and 11% smaller in peak memory, with the same output. One shard also follows every
chain of matches, so ``cluster_id`` is then the reference index's too (tests/e2e/test_neardup_parity.py).

**Arrival order.** Decisions are taken in event-time order, once the watermark guarantees that every
earlier article has arrived, so a republication that arrives before its source is still linked to
the source, on any runner and with any bundling. Ties on ``published_at`` break on the id.

**Concurrent arrivals on different workers.** Beam processes one key at a time, so two copies read at
the same moment by different workers meet in the state of every shard where they share a band key;
neither is judged before the watermark passes both, and then the earlier is judged first. Shard
answers for one article are merged in one place (step 3), so there is no race between shards either.
What is not global: a shard only follows chains of matches inside itself, so when A~B matched in one
shard and B~C in another, C may carry ``cluster_id`` B while B carries A (``duplicate_of`` is exact).

**Never a link to a missing article.** ``duplicate_of`` always names a strictly earlier article that went
through this transform, so it is in the main output or (dropped) in the duplicates output with its own
``duplicate_of``; following the links always ends at an article in the main output.

**Late data** (behind the watermark) is compared with the shard state as it stands and never changes
a decision already emitted. **Memory**: each shard holds ``(times, id, fingerprint, band keys)`` of
its articles for one horizon. Measured over 3,000 articles as a seeded shard builds them, about 14 KB an
article over the 8 shards: 11.5 KB the entries (the fingerprint shared by the shards, the band keys
as uint64 arrays), 2.7 KB the search tables (was 31.7 KB with string band keys in Python dicts and a
copy of the signature in each shard).

**Replay in chunks** (:mod:`pipeline.chunks`): each shard hands out the entry it indexes for every
article, its head in the shard included, and starts from the entries earlier chunks left inside the
horizon, read from its own file straight into its state at its first probe (not as elements: the local
runner would hold them twice more, in its buffers and in the probes' bag); the next chunk's probes are
matched against them as in one pipeline.
"""
from __future__ import annotations

import pickle
import uuid
import weakref
from typing import Any, NamedTuple, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipeline import dedup
from pipeline.chunks import NEAR, Carried
from pipeline.io import carry as carried_files
from pipeline.errors import ConfigError
from pipeline.nlp.fingerprint import DEFAULT_THRESHOLD, CandidateIndex, Fingerprint, Fingerprinter
from pipeline.transforms import METRICS_NAMESPACE, at_event_time, hold, take_ready

DUPLICATES = "duplicates"
CARRIED = "carried"
FINGERPRINT_FIELD = "_fingerprint"
_SHARDS = "shards"
DEFAULT_SHARDS = 8


class _Probe(NamedTuple):
    """What a shard needs of an article: its times, id, fingerprint and band keys in the shard."""

    event_ms: int
    id: str
    published_at: Optional[int]
    key: str  # the article's key in the Decide step
    fingerprint: Fingerprint
    bands: np.ndarray  # the article's band keys (uint64) that fall in this shard
    article: Optional[dict] = None  # the article itself when this shard decides it (one shard); never indexed


class _Indexed(NamedTuple):
    probe: _Probe
    head_id: str  # earliest article of its chain of matches in this shard
    head_ms: int


class _Answer(NamedTuple):
    """One shard's answer for an article: its earliest confirmed earlier match there, if any."""

    of_id: Optional[str] = None
    of_ms: int = 0
    of_published_at: Optional[int] = None
    head_id: Optional[str] = None
    head_ms: int = 0
    similarity: float = 0.0


def article_key(article: dict) -> str:
    """The key of one article version (ids repeat across updates; the content hash tells them apart)."""
    return f"{article['id']}\x1f{article['content_hash']}\x1f{dedup.event_ms(article)}"


def shards_of(band_keys: np.ndarray, shards: int) -> np.ndarray:
    """The shard holding each band key (the keys are avalanched hashes: their remainder is uniform and
    the same in every process)."""
    return (band_keys % np.uint64(shards)).astype(np.intp)


class _KeyByShardFn(beam.DoFn):
    """An article → its probes, keyed by shard, and (several shards) itself, keyed for ``Decide``; with one
    shard, its one probe carries it."""

    def __init__(self, fingerprinter: Fingerprinter, shards: int):
        self.fingerprinter = fingerprinter
        self.shards = shards

    def process(self, article):
        fingerprint = _fingerprint_of(article, self.fingerprinter)
        band_keys = self.fingerprinter.band_keys(fingerprint.signature)
        key = article_key(article)
        if self.shards == 1:
            probe = _Probe(dedup.event_ms(article), article["id"], article.get("published_at"), key, fingerprint,
                           band_keys, article)
            yield beam.pvalue.TaggedOutput(_SHARDS, ("0", probe))
            return
        where = shards_of(band_keys, self.shards)
        in_shards = np.unique(where).tolist()
        yield key, ("article", article, len(in_shards))
        for shard in in_shards:
            probe = _Probe(dedup.event_ms(article), article["id"], article.get("published_at"), key, fingerprint,
                           band_keys[where == shard])
            yield beam.pvalue.TaggedOutput(_SHARDS, (str(shard), probe))


def _fingerprint_of(article: dict, fingerprinter: Fingerprinter) -> Fingerprint:
    """The article's side-field fingerprint, or a fresh one when absent or made with other parameters."""
    values = article.get(FINGERPRINT_FIELD)
    if values:
        fingerprint = Fingerprint.from_list(values)
        if fingerprint.signature.shape == (fingerprinter.num_perm,):
            return fingerprint
    return fingerprinter.fingerprint(article["body"])


def _band_keys_of(probe: _Probe, fingerprinter: Fingerprinter) -> np.ndarray:
    """The probe's band keys in its shard. Entries kept in state by wirepipe 0.1.0 hold ``"<band>:<hex>"``
    strings, which no key of today's equals: such an entry is filed under all of its article's keys
    (a superset of its shard's, so it still meets its copies; the full comparison decides)."""
    if isinstance(probe.bands, np.ndarray):
        return probe.bands
    return fingerprinter.band_keys(probe.fingerprint.signature)


class _ShardIndex:
    """A shard's articles inside the horizon, searchable by band (:class:`CandidateIndex`), as one worker
    holds them in memory; ``entries`` is what the state keeps."""

    def __init__(self, fingerprinter: Fingerprinter, entries: list):
        self.fingerprinter = fingerprinter
        self.entries: list[_Indexed] = []
        self.search = CandidateIndex(fingerprinter)
        self._oldest_ms: Optional[int] = None
        self._newest_ms: Optional[int] = None
        for entry in entries:
            self.add(entry)

    def add(self, entry: _Indexed) -> None:
        probe = entry.probe
        self.entries.append(entry)
        # The probe's id is its story: versions of one story are updates, never republications.
        self.search.add(probe.event_ms, probe.id, probe.id, probe.fingerprint, _band_keys_of(probe, self.fingerprinter),
                        entry)
        if self._oldest_ms is None or probe.event_ms < self._oldest_ms:
            self._oldest_ms = probe.event_ms
        if self._newest_ms is None or probe.event_ms > self._newest_ms:
            self._newest_ms = probe.event_ms

    def oldest_ms(self) -> Optional[int]:
        return self._oldest_ms

    def newest_ms(self) -> Optional[int]:
        return self._newest_ms

    def kept_from(self, floor_ms: int) -> "_ShardIndex":
        return _ShardIndex(self.fingerprinter, [entry for entry in self.entries if entry.probe.event_ms >= floor_ms])


class _MatchInShardFn(beam.DoFn):
    """One shard of LSH band keys: probes buffered until the watermark passes, then matched in
    event-time order against the shard's earlier articles that share a band key with them.

    The shard's index lives in state as a bag of pickled chunks: each flush appends the articles it
    indexed (bytes: Beam's state cache measures the deep size of every value it holds), and the whole
    bag is rewritten only to drop articles that left the horizon. The worker keeps the index it last
    read or wrote in memory, under a token that each write renews in state: a flush reads the small
    token, and the bag only when the token differs (another worker wrote since, or the bundle that
    wrote the cached version failed and its writes were dropped). Reading and rewriting the whole index
    at every flush made the endless stream on Prism crawl as the index grew (a 60-minute soak at 10
    records/s wrote nothing for its last 20 minutes, state reads taking most of the time).
    """

    PENDING = BagStateSpec("near_dup_pending", PickleCoder())
    CHUNKS = BagStateSpec("near_dup_index_chunks", PickleCoder())
    TOKEN = ReadModifyWriteStateSpec("near_dup_index_token", PickleCoder())
    FLUSH = TimerSpec("near_dup_flush", TimeDomain.WATERMARK)
    EXPIRE = TimerSpec("near_dup_expire", TimeDomain.WATERMARK)
    #: Rewrite the bag once the articles out of the horizon are this share of a horizon old.
    PRUNE_SLACK = 0.25

    def __init__(self, fingerprinter: Fingerprinter, horizon_ms: int, carry: bool = False,
                 decider: Optional["_Decider"] = None):
        self.fingerprinter = fingerprinter
        self.horizon_ms = horizon_ms
        self.carry = carry
        self.decider = decider  # decides the articles that come with their probes (one shard)
        self.compared = Metrics.counter(METRICS_NAMESPACE, "near_dup_compared")
        self.expired = Metrics.counter(METRICS_NAMESPACE, "near_dup_shard_expired")
        self.reloads = Metrics.counter(METRICS_NAMESPACE, "near_dup_index_reloads")

    def setup(self) -> None:
        self._cache: dict[str, tuple[str, _ShardIndex]] = {}

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        flush=beam.DoFn.TimerParam(FLUSH),
    ):
        _, probe = element
        hold(pending, flush, probe, timestamp)

    @on_timer(FLUSH)
    def _flush(
        self,
        key=beam.DoFn.KeyParam,
        fired=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        chunks=beam.DoFn.StateParam(CHUNKS),
        token=beam.DoFn.StateParam(TOKEN),
        flush=beam.DoFn.TimerParam(FLUSH),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ):
        yield from self._drain(key, fired.micros // 1000, pending, chunks, token, flush, expire)

    @on_timer(EXPIRE)
    def _expire(
        self,
        key=beam.DoFn.KeyParam,
        fired=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(PENDING),
        chunks=beam.DoFn.StateParam(CHUNKS),
        token=beam.DoFn.StateParam(TOKEN),
        flush=beam.DoFn.TimerParam(FLUSH),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ):
        # Probes the watermark has passed are matched first: when the watermark jumps (batch, or a
        # stalled source catching up) this timer may fire before their flush timer.
        fired_ms = fired.micros // 1000
        yield from self._drain(key, fired_ms, pending, chunks, token, flush, expire)
        index = self._index(key, chunks, token).kept_from(fired_ms - self.horizon_ms)
        if index.entries:
            self._rewrite(index, chunks)
            self._stamp(key, index, token)
            self._arm_expire(index, expire)
        else:
            self.expired.inc()
            chunks.clear()
            token.clear()
            self._cache.pop(key, None)

    def _index(self, key: str, chunks, token) -> _ShardIndex:
        """The shard's index: the one in memory when the token in state says it is current, else read."""
        current = token.read()
        cached = self._cache.get(key)
        if cached is not None and current is not None and cached[0] == current:
            return cached[1]
        if current is not None:
            self.reloads.inc()
        index = _ShardIndex(self.fingerprinter, [entry for blob in chunks.read() for entry in pickle.loads(blob)])
        self._cache[key] = (current, index)
        return index

    def _stamp(self, key: str, index: _ShardIndex, token) -> None:
        stamp = uuid.uuid4().hex
        token.write(stamp)
        self._cache[key] = (stamp, index)

    @staticmethod
    def _rewrite(index: _ShardIndex, chunks) -> None:
        chunks.clear()
        chunks.add(_dump(index.entries))

    def _drain(self, key, upto_ms, pending, chunks, token, flush, expire):
        """Match the pending probes at or before ``upto_ms``, in ``(event_ms, id)`` order."""
        ready, _ = take_ready(pending, flush, upto_ms, _probe_order)
        if not ready:
            return
        index = self._index(key, chunks, token)
        # Out of the cache while it changes: if this bundle fails half way, the next attempt reads the state.
        self._cache.pop(key, None)
        # Articles further back than one horizon before the oldest ready probe can match nothing more
        # (earliest_match skips them); the bag is rewritten without them once they are many.
        floor = _probe_order(ready[0])[0] - self.horizon_ms
        oldest = index.oldest_ms()
        if oldest is not None and oldest < floor - self.PRUNE_SLACK * self.horizon_ms:
            index = index.kept_from(floor)
            self._rewrite(index, chunks)
        added = []
        for probe in ready:
            answer, entry = self._match(probe, index)
            index.add(entry)
            added.append(entry)
            if probe.article is None:
                yield probe.key, ("answer", answer)
            else:
                yield from self.decider.outputs(probe.article, [answer])
            if self.carry:
                yield beam.pvalue.TaggedOutput(CARRIED, Carried(NEAR, key, probe.event_ms, probe.id, entry))
        chunks.add(_dump(added))
        self._stamp(key, index, token)
        self._arm_expire(index, expire)

    def _arm_expire(self, index: _ShardIndex, expire):
        expire.set(Timestamp(micros=(index.newest_ms() + self.horizon_ms) * 1000 + 1000))

    def _match(self, probe: _Probe, index: _ShardIndex) -> tuple[_Answer, _Indexed]:
        # Versions of one story (same id) are updates, never republications of each other: the id is the story.
        best, similarity, compared = index.search.earliest_match(
            probe.fingerprint, probe.bands, (probe.event_ms, probe.id), probe.id, self.horizon_ms)
        self.compared.inc(compared)
        if probe.article is not None:  # the index keeps what it matches on, not the article
            probe = probe._replace(article=None)
        if best is None:
            return _Answer(), _Indexed(probe, probe.id, probe.event_ms)
        other = best.probe
        answer = _Answer(other.id, other.event_ms, other.published_at, best.head_id, best.head_ms, similarity)
        return answer, _Indexed(probe, best.head_id, best.head_ms)


def _probe_order(probe: _Probe) -> tuple[int, str]:
    return probe.event_ms, probe.id


class _SeededEntries:
    """The carried entries of one shard, as a chunk of the shard's index in state: only where they are
    (the file outlives the chunk's pipeline), read again only when the index is (see
    :meth:`_MatchInShardFn._index`). Pickled into state they were a third copy of what the worker's
    index already holds, some 12 KB an article, 0.12 GB for the 7-day horizon of SaudiNewsNet."""

    def __init__(self, folder: str, key: str):
        self.folder = folder
        self.key = key

    def __iter__(self):
        return (_sharing_fingerprint(item.state) for item in carried_files.load_shard(self.folder, self.key))


class _SeededMatchInShardFn(_MatchInShardFn):
    """:class:`_MatchInShardFn` whose shards start from the entries in ``folder`` (one file a shard, see
    :func:`pipeline.io.carry.shard_file`): at a shard's first probe they become its index, with a
    reference to the file as the index's first chunk in state (:class:`_SeededEntries`)."""

    SEEDED = ReadModifyWriteStateSpec("near_dup_seeded", PickleCoder())

    def __init__(self, fingerprinter: Fingerprinter, horizon_ms: int, folder: str,
                 decider: Optional["_Decider"] = None):
        super().__init__(fingerprinter, horizon_ms, carry=True, decider=decider)
        self.folder = folder

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        pending=beam.DoFn.StateParam(_MatchInShardFn.PENDING),
        flush=beam.DoFn.TimerParam(_MatchInShardFn.FLUSH),
        chunks=beam.DoFn.StateParam(_MatchInShardFn.CHUNKS),
        token=beam.DoFn.StateParam(_MatchInShardFn.TOKEN),
        seeded=beam.DoFn.StateParam(SEEDED),
    ):
        key, probe = element
        if not seeded.read():
            seeded.write(True)
            carried = _SeededEntries(self.folder, key)
            entries = list(carried)
            if entries:
                chunks.add(_dump(carried))
                self._stamp(key, _ShardIndex(self.fingerprinter, entries), token)
        hold(pending, flush, probe, timestamp)


# The fingerprints of carried articles, one object for all the shards of a worker that index them (an
# article has band keys in most shards: a copy in each was most of what a carried article cost).
_CARRIED_FINGERPRINTS: "weakref.WeakValueDictionary[str, Fingerprint]" = weakref.WeakValueDictionary()


def _sharing_fingerprint(entry: _Indexed) -> _Indexed:
    probe = entry.probe
    fingerprint = _CARRIED_FINGERPRINTS.setdefault(probe.key, probe.fingerprint)
    return entry if fingerprint is probe.fingerprint else entry._replace(probe=probe._replace(fingerprint=fingerprint))


def _dump(index: list) -> bytes:
    return pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)


class _DecideFn(beam.DoFn):
    """Keyed by article: waits for the article and all its band answers, then annotates or drops it.

    Each arrival is appended to one bag and sets an event-time timer at its own timestamp; the state
    is read only when the timer fires. The last arrival's timer fires after every part is in (answers
    are timestamped at or after the article), so an article is decided with one read or a few, where
    reading the parts at each arrival cost some 17 state reads an article (on Prism, whose state reads
    are calls to the runner, that bounded the stream to a few articles a second).
    """

    ITEMS = BagStateSpec("near_dup_parts", PickleCoder())
    READY = TimerSpec("near_dup_decide", TimeDomain.WATERMARK)

    def __init__(self, drop_near_duplicates: bool):
        self.decider = _Decider(drop_near_duplicates)

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        items=beam.DoFn.StateParam(ITEMS),
        ready=beam.DoFn.TimerParam(READY),
    ):
        _, part = element
        hold(items, ready, tuple(part), timestamp)

    @on_timer(READY)
    def _ready(self, items=beam.DoFn.StateParam(ITEMS)):
        article, expected, answers = None, 0, []
        for kind, *payload in items.read():
            if kind == "article":
                article, expected = payload
            else:
                answers.append(payload[0])
        if article is None or len(answers) < expected:
            return  # a part still to come sets the timer again when it arrives
        items.clear()
        yield from self.decider.outputs(article, answers)


class _Decider:
    """What becomes of an article once every shard it has band keys in answered (the Decide step's work,
    and a single shard's), with the counters it moves."""

    def __init__(self, drop_near_duplicates: bool):
        self.drop = drop_near_duplicates
        self.near = Metrics.counter(METRICS_NAMESPACE, "near_duplicate")
        # Dropped republications leave the articles output: accounting needs them apart.
        self.dropped = Metrics.counter(METRICS_NAMESPACE, "near_duplicate_dropped")

    def outputs(self, article: dict, answers: list):
        """Yield ``article`` as it leaves NearDup: unchanged, marked NEAR_DUPLICATE, or (dropped) as a NEAR
        Duplicate record on the ``duplicates`` output; stamped with its event time."""
        matches = [a for a in answers if a.of_id is not None]
        status = (article.get("dedup") or {}).get("status", "UNIQUE")
        if not matches or status == "UPDATE":
            yield at_event_time(article, article)
            return
        # The cluster is the one of the article it republishes (as NearDupIndex decides): joining the
        # oldest of all the matched clusters instead merged unrelated stories through roundups.
        # One earlier article can answer from several shards with a different head in each (a shard follows
        # chains only inside itself): the earliest head wins, not the answer that arrived first, which
        # depends on bundling (a replay in chunks bundles otherwise than one pipeline).
        of = min(matches, key=_answer_order)
        self.near.inc()
        if self.drop:
            self.dropped.inc()
            yield beam.pvalue.TaggedOutput(DUPLICATES, at_event_time(
                dedup.duplicate_record(article, "NEAR", of.of_id, of.of_published_at, of.similarity), article))
            return
        marks = {"status": "NEAR_DUPLICATE", "cluster_id": of.head_id, "duplicate_of": of.of_id,
                 "similarity": round(float(of.similarity), 4)}
        yield at_event_time({**article, "dedup": {**(article.get("dedup") or {}), **marks}}, article)


def _answer_order(answer: _Answer) -> tuple:
    return answer.of_ms, answer.of_id, answer.head_ms, answer.head_id


class NearDup(beam.PTransform):
    """Enriched articles → ``main`` (republications marked NEAR_DUPLICATE) and ``duplicates``.

    ``duplicates`` receives NEAR Duplicate records only with ``drop_near_duplicates``; otherwise it is
    empty. ``horizon_s`` is how long (event time) an article can be republished and still be linked.
    With ``carried_from`` (a folder of carried shard entries, see :func:`pipeline.io.carry.shard_file`),
    the shards start from the entries it holds, and the result has a ``carried`` output: the entries
    they add (:class:`~pipeline.chunks.Carried`), for the next chunk of a replay in chunks.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        drop_near_duplicates: bool = False,
        horizon_s: float = 7 * 86400,
        fingerprinter: Optional[Fingerprinter] = None,
        shards: int = DEFAULT_SHARDS,
        carried_from: Optional[str] = None,
    ):
        super().__init__()
        if horizon_s <= 0:
            raise ConfigError(f"near-dup horizon must be a positive number of seconds, got {horizon_s!r}")
        if not isinstance(shards, int) or shards < 1:
            raise ConfigError(f"shards must be a positive int, got {shards!r}")
        self.shards = shards
        if fingerprinter is None:
            fingerprinter = Fingerprinter(threshold=threshold)
        elif fingerprinter.threshold != threshold:
            raise ConfigError(f"threshold {threshold} differs from the fingerprinter's {fingerprinter.threshold}")
        self.fingerprinter = fingerprinter
        self.drop_near_duplicates = drop_near_duplicates
        self.horizon_ms = int(horizon_s * 1000)
        self.carried_from = carried_from

    def expand(self, articles):
        keyed = articles | "KeyByShard" >> beam.ParDo(_KeyByShardFn(self.fingerprinter, self.shards)).with_outputs(
            _SHARDS, main="articles")
        # Keys are declared str, so that state and timers of the keyed steps share one deterministic coder.
        carry = self.carried_from is not None
        in_shard = self.shards == 1  # the one shard decides: no Decide step (see the module docstring)
        decider = _Decider(self.drop_near_duplicates) if in_shard else None
        match = (_SeededMatchInShardFn(self.fingerprinter, self.horizon_ms, self.carried_from, decider) if carry
                 else _MatchInShardFn(self.fingerprinter, self.horizon_ms, decider=decider))
        tags = ([DUPLICATES] if in_shard else []) + ([CARRIED] if carry else [])
        matched = (
            keyed[_SHARDS]
            | "TypeShardKeys" >> beam.Map(lambda kv: kv).with_output_types(Tuple[str, Any])
            | "MatchInShards" >> beam.ParDo(match).with_outputs(*tags, main="main")
        )
        if in_shard:
            decided = matched
        else:
            decided = (
                (keyed["articles"], matched.main)
                | "JoinAnswers" >> beam.Flatten()
                | "TypeArticleKeys" >> beam.Map(lambda kv: kv).with_output_types(Tuple[str, Any])
                | "Decide" >> beam.ParDo(_DecideFn(self.drop_near_duplicates)).with_outputs(DUPLICATES, main="main")
            )
        outputs = {"main": decided.main, DUPLICATES: decided[DUPLICATES]}
        if carry:
            outputs[CARRIED] = matched[CARRIED]
        return outputs
