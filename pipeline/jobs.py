"""The jobs: an archived feed replayed in batch, and the Kafka stream; each builds, runs and accounts one pipeline.

Commands parse arguments and print; benchmarks and evaluation call these directly.
"""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import logging
import os
import pickle
import shutil
import time
from dataclasses import asdict, dataclass, replace
from typing import Iterable, Optional, Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import __version__, chunks, graph, metrics, progress, runners
from pipeline.chunks import DEFAULT_CHUNK_RECORDS
from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.archive import expand_paths
from pipeline.io import carry, spool
from pipeline.io.archive_source import ReadArchive
from pipeline.io.kafka import LEDGER, KafkaConfig, ReadFromKafka, StartPosition, check_connection, commit_offsets
from pipeline.options import JobConfig, worker_path
from pipeline.transforms.commit_step import CommitOffsets, commit_positions
from pipeline.transforms.dedup_step import CARRIED
from pipeline.transforms.enrich_step import build_enricher, check_resources
from pipeline.transforms.neardup import DEFAULT_SHARDS

log = logging.getLogger(__name__)

STATE_DIR = ".wirepipe-state"  # under the output directory: the poison journal (hidden: replays and inspect skip it)
DONE = "done"
NOT_COMMITTED = "not_committed"  # the outputs are written, the last offsets could not be committed


def run_replay(paths: Sequence[str], config: JobConfig, beam_args: Sequence[str] = (), show_progress: bool = False,
               chunk_records: Optional[int] = DEFAULT_CHUNK_RECORDS) -> dict:
    """Replay the files named by ``paths`` into ``config.out_dir``; return the run's counters.

    On the local runner, an input of more than ``chunk_records`` records is replayed in event-time
    chunks of about that many, one pipeline each (:mod:`pipeline.chunks`): the same outputs, in memory
    bounded by the chunk and the dedup horizons instead of the archive. None: always one pipeline. A
    replay in chunks that fails keeps its state under the output directory: the same replay run again
    into it resumes at the chunk that did not finish.
    """
    if chunk_records is not None:
        chunks.check_chunk_records(chunk_records)
    files = [worker_path(path) for path in expand_paths(paths)]
    check_resources(config)
    os.makedirs(config.out_dir, exist_ok=True)
    beam_args = runners.with_default_runner(beam_args)
    local = runners.is_local(beam_args)
    config = for_runner(config, runners.on_one_machine(beam_args), local)
    if local:
        runners.prepare_local_runner()
    else:
        beam_args = runners.with_portable_defaults(beam_args)
    options = PipelineOptions(beam_args)
    started = time.monotonic()
    chunked = local and chunk_records is not None
    replay_id = _replay_id(files, config, chunk_records)
    folder = os.path.join(config.out_dir, STATE_DIR, f"replay-{replay_id}")
    try:
        plan, done = _resume(folder) if chunked else ([], {})
        if chunked and not plan:
            plan = _plan(files, chunk_records, folder)
        to_read = sum(chunk.size for number, chunk in enumerate(plan) if number not in done)
        with progress.display(show_progress, total_read=to_read or None):
            if len(plan) > 1:
                counts = _run_chunks(plan, config, options, folder, replay_id, done)
            else:
                pipeline = beam.Pipeline(options=options)
                # One chunk: its records are spooled already (the plan read them all); not the inputs again.
                source = (spool.ReadSpool(_spool_file(folder), plan[0].positions) if plan
                          else ReadArchive(files))
                graph.build(pipeline | "ReadArchive" >> source, config)
                result = pipeline.run()
                result.wait_until_finish()
                counts = metrics.collect(result)
    except BaseException:
        if not os.path.exists(_plan_file(folder)):  # nothing to resume from
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    remove_empty_temp_dirs(config.out_dir)
    extra = {"chunks": len(plan)} if len(plan) > 1 else {}
    metrics.write_metrics(config.out_dir, counts, seconds=round(time.monotonic() - started, 3), inputs=files, **extra)
    return counts


def for_runner(config: JobConfig, one_machine: bool, local: bool = False) -> JobConfig:
    """``config`` with what it leaves to the runner chosen: near-duplicate matching on one state key on a
    runner that keeps every key on this machine (:func:`pipeline.runners.on_one_machine`: each key an article
    touches costs it elements, state and timers; 8 keys made a local replay some 10% slower and the stream on
    Prism a fifth slower), on 8 on the distributed runners (matched in parallel on several workers); exact
    dedup and updates on one state key on the ``local`` runner, whose state lives in this process (a key per
    content hash and per id cost the two-day replay about 2 of its 8 CPU-s outside the enrichment)."""
    if config.near_dup_shards is None:
        config = replace(config, near_dup_shards=1 if one_machine else DEFAULT_SHARDS)
    if config.dedup_one_key is None:
        config = replace(config, dedup_one_key=local)
    return config


def _replay_id(files: Sequence[str], config: JobConfig, chunk_records: Optional[int]) -> str:
    """What names a replay's state folder and its chunks' output files: the same inputs (unchanged on disk),
    configuration, chunk size and version give the same id, so a rerun finds what a failed run left."""
    inputs = []
    for path in files:
        try:
            stat = os.stat(path)
            inputs.append((path, stat.st_size, stat.st_mtime_ns))
        except OSError:
            inputs.append((path, None, None))
    settings = {name: value for name, value in asdict(config).items() if name != "out_dir"}
    text = json.dumps([__version__, inputs, chunk_records, settings], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plan(files: Sequence[str], chunk_records: int, folder: str) -> list[chunks.Chunk]:
    """Read every record of ``files`` once: date it and write it to the spool in ``folder``; return the plan,
    also kept in ``folder`` when it has more than one chunk, for a rerun to resume from."""
    started = time.process_time()
    with spool.SpoolWriter(_spool_file(folder)) as writer:
        index = ((writer.write(raw), published) for raw, published in chunks.dated_records(files))
        plan = chunks.plan_chunks(index, chunk_records, _now_ms())
    if len(plan) > 1:
        _write_atomically(_plan_file(folder), pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))
    log.info("replay plan: %d records in %d chunks of at most about %d (%.1f CPU-s)",
             sum(chunk.size for chunk in plan), len(plan), chunk_records, time.process_time() - started)
    return plan


def _resume(folder: str) -> tuple[list[chunks.Chunk], dict[int, dict]]:
    """The plan a failed run of the same replay left in ``folder`` and the counters of the chunks it
    finished; ``([], {})`` when there is none."""
    try:
        with open(_plan_file(folder), "rb") as fh:
            plan = pickle.load(fh)
        if not os.path.exists(_spool_file(folder)):
            raise FileNotFoundError(_spool_file(folder))
    except FileNotFoundError:  # no earlier run, or one stopped before its plan was written
        shutil.rmtree(folder, ignore_errors=True)
        return [], {}
    except Exception as exc:  # written by another version of the code: start again rather than stay stuck
        log.warning("cannot resume the replay left in %s (%s); starting it again", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return [], {}
    done = {}
    for number in range(len(plan)):
        if not os.path.exists(_done_file(folder, number)):
            break
        with open(_done_file(folder, number), encoding="utf-8") as fh:
            done[number] = json.load(fh)
    log.warning("resuming the replay left in %s: %d of %d chunks were written", folder, len(done), len(plan))
    return plan, done


def _run_chunks(plan: Sequence[chunks.Chunk], config: JobConfig, options: PipelineOptions, folder: str,
                replay_id: str, done: dict[int, dict]) -> dict:
    """Run one pipeline per chunk of ``plan``, in order, each starting from the dedup state the chunks
    before it left inside the horizons; return the counters summed. ``folder`` holds the spooled records
    and the carried state; the chunks in ``done`` (number → counters) were written by an earlier run."""
    horizons = {chunks.EXACT: int(config.dedup_horizon_s * 1000), chunks.VERSION: int(config.dedup_horizon_s * 1000),
                chunks.NEAR: int(config.near_dup_horizon_s * 1000)}
    if len(done) < len(plan):
        # The models and word lists, loaded here once: each forked chunk finds them loaded (they are cached
        # by their arguments) instead of reading them again (about 0.9 CPU-s a chunk).
        _load_before_fork(config)
    try:
        return _run_plan(plan, config, options, folder, replay_id, done, horizons)
    finally:
        gc.unfreeze()  # a process that runs more than one replay collects what it froze for this one


def _run_plan(plan: Sequence[chunks.Chunk], config: JobConfig, options: PipelineOptions, folder: str,
              replay_id: str, done: dict[int, dict], horizons: dict) -> dict:
    """The chunks of ``plan`` one after the other, each in a process of its own (see :func:`_run_chunks`)."""
    totals = dict.fromkeys(metrics.COUNTERS, 0)
    for number, chunk in enumerate(plan):
        if number in done:
            counts = done[number]
        else:
            # File names carry the run id: each chunk needs its own, or its files would replace the last one's;
            # and the same one in a rerun, whose files then replace what a chunk that died had written.
            chunk_config = replace(config, run_id=f"{config.run_id or replay_id}-{number:05d}")
            # What the same chunk of a failed run began.
            _discard(_carried_in(folder, number), _shards_in(folder, number), _handed_out(folder, number))
            # A process per chunk: what a chunk took (the runner's buffers, caches, the allocator's high-water
            # mark) goes back to the system, so memory does not ratchet up from chunk to chunk. This process
            # holds no carried state either: a forked child starts with all of its parent's memory.
            counts = runners.run_forked(_replay_chunk, chunk, chunk_config, options, horizons, folder, number)
            _write_atomically(_done_file(folder, number), json.dumps(counts).encode("utf-8"))
            if number:
                _discard(_carried_in(folder, number - 1), _shards_in(folder, number - 1), _handed_out(folder, number - 1))
            log.info("replay chunk %d of %d: %d records", number + 1, len(plan), chunk.size)
        for name, value in counts.items():
            totals[name] = totals.get(name, 0) + value
    return totals


def _load_before_fork(config: JobConfig) -> None:
    """Load the models with the cyclic GC paused, then freeze what this process holds (until the chunks are done).

    Loading allocates some 200,000 objects that all stay: the collections their growth set off (5 of them
    full) freed nothing for 0.6 of the 1.7 CPU-s of the load. Frozen, they are left out of every collection
    after, here and in the chunks forked from here (which would otherwise scan them in their first young
    and middle collections).
    """
    gc.disable()
    try:
        build_enricher(config)
    finally:
        gc.enable()
    gc.freeze()


def _discard(*paths: str) -> None:
    for path in paths:
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.exists(path):
            os.remove(path)


def _write_atomically(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(f"{path}.tmp", "wb") as fh:
        fh.write(data)
    os.replace(f"{path}.tmp", path)


def _replay_chunk(chunk: chunks.Chunk, config: JobConfig, options: PipelineOptions, horizons: dict, folder: str,
                  number: int) -> dict:
    """Run the pipeline of chunk ``number``: it starts from the state the chunk before it started from and
    handed out, kept inside the horizons, and hands out the state it adds; return its counters. Runs in a
    process of its own (:func:`_run_chunks`), which ends with it."""
    _no_full_collections()
    seeds = _carried_in(folder, number)
    carried: Iterable[chunks.Carried] = ()
    if number:
        start_ms = chunk.start_ms if chunk.start_ms is not None else _now_ms()
        previous = itertools.chain(carry.load(_carried_in(folder, number - 1)),
                                   carry.load_dir(_shards_in(folder, number - 1)),
                                   carry.load_dir(_handed_out(folder, number - 1)))
        carried = chunks.carry_forward(previous, start_ms, horizons)
    shards = _shards_in(folder, number)
    os.makedirs(shards, exist_ok=True)
    count = carry.save_split(carried, lambda item: carry.shard_file(shards, item.key) if item.kind == chunks.NEAR
                             else seeds)
    if not os.path.exists(seeds):
        carry.save(seeds, ())
    log.info("replay chunk %d: %d records, %d carried items", number + 1, chunk.size, count)
    pipeline = beam.Pipeline(options=options)
    outputs = graph.build(pipeline | "ReadSpool" >> spool.ReadSpool(_spool_file(folder), chunk.positions), config,
                          carried=carry.CarriedIn(seeds, shards))
    outputs[CARRIED] | "WriteCarried" >> carry.WriteCarried(_handed_out(folder, number))
    result = pipeline.run()
    result.wait_until_finish()
    return metrics.collect(result)


def _no_full_collections() -> None:
    """Spare a chunk's process the cyclic GC's full collections (young ones still run).

    A chunk's live objects only grow (the word caches the enrichment fills, the runner's buffers), and a
    full collection runs each time they grow by a quarter, visiting every one of them to free almost
    nothing: 8 a chunk, about 2.5 of the 22 to 28 CPU-s of a chunk of the two-day replay. What the process
    holds goes back to the system when the chunk ends anyway (that replay's peak RSS: 736 against 728 MB).
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _FULL_COLLECTION_NEVER)


# The number of middle-generation collections between full ones (default 10): a chunk makes about 200.
_FULL_COLLECTION_NEVER = 1_000_000


def _plan_file(folder: str) -> str:
    return os.path.join(folder, "plan.pickle")


def _done_file(folder: str, number: int) -> str:
    return os.path.join(folder, f"done-{number:05d}.json")


def _spool_file(folder: str) -> str:
    return os.path.join(folder, "records.spool")


def _carried_in(folder: str, number: int) -> str:
    return os.path.join(folder, f"in-{number:05d}.pickle")


def _shards_in(folder: str, number: int) -> str:
    return os.path.join(folder, f"in-{number:05d}-shards")


def _handed_out(folder: str, number: int) -> str:
    return os.path.join(folder, f"out-{number:05d}")


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class StreamSpec:
    """What the stream reads and how, besides the :class:`JobConfig`: topics, group, start, and when it ends.

    ``stop_at_end``: read up to the end offsets seen at start, then finish; ``until_idle_s``: finish once
    no partition has had a record for that long; neither: an endless stream, which needs a streaming
    runner. ``discover_every_s``: endless stream only, look for partitions added this often.
    """

    topics: tuple[str, ...]
    group: str = "wirepipe"
    start: str = "committed"
    stop_at_end: bool = False
    until_idle_s: Optional[float] = None
    checkpoint_interval_s: float = 1.0
    watermark_delay_s: float = 2.0
    discover_every_s: Optional[float] = None

    def __post_init__(self) -> None:
        if isinstance(self.topics, str) or not self.topics:
            raise ConfigError(f"topics must be a non-empty sequence of topic names, got {self.topics!r}")
        object.__setattr__(self, "topics", tuple(self.topics))
        if not isinstance(self.group, str) or not self.group.strip():
            raise ConfigError(f"the consumer group must be a non-empty name, got {self.group!r}")
        StartPosition.parse(self.start)
        if self.stop_at_end and self.until_idle_s is not None:
            raise ConfigError("stop at end and until idle are two ways of ending the read: give one")
        if self.discover_every_s is not None and not self.endless:
            raise ConfigError("--discover-partitions is for the endless stream; it cannot be combined with "
                              "--stop-at-end or --until-idle, which read only the partitions found at start")

    @property
    def endless(self) -> bool:
        """True when the read never ends by itself."""
        return not self.stop_at_end and self.until_idle_s is None


def run_stream(spec: StreamSpec, config: JobConfig, kafka: KafkaConfig, beam_args: Sequence[str] = (),
               show_progress: bool = False) -> tuple[dict, str]:
    """Run the Kafka job: ``spec``'s topics through the graph into ``config``'s outputs, offsets committed
    once the records are in every sink. Return the counters and the outcome (:data:`DONE`, or
    :data:`NOT_COMMITTED` when the last offsets could not be committed). metrics.json is written in every
    case once the job has started (outcome ``failed`` when it raised)."""
    if not config.out_dir and not any(config.output_topics.values()):
        raise ConfigError("nowhere to write: give --out DIR and/or --output-topic / --duplicates-topic / --dead-letter-topic")
    check_resources(config)
    check_connection(kafka, spec.topics)
    beam_args = runners.with_default_runner(beam_args)
    local = runners.is_local(beam_args)
    config = for_runner(config, runners.on_one_machine(beam_args), local)
    if local and spec.endless:
        raise ConfigError(
            "an endless stream needs a streaming runner (--runner=PrismRunner or --runner=FlinkRunner); "
            "on the local runner use --stop-at-end or --until-idle SECONDS")
    if local:
        runners.prepare_local_runner()
    else:
        beam_args = runners.with_portable_defaults(beam_args)
    options = PipelineOptions(beam_args)
    options.view_as(StandardOptions).streaming = spec.endless
    if config.out_dir:
        os.makedirs(config.out_dir, exist_ok=True)

    started = time.monotonic()
    result = None
    try:
        with progress.display(show_progress):
            pipeline = beam.Pipeline(options=options)
            read = pipeline | "ReadFromKafka" >> ReadFromKafka(
                kafka, spec.topics, start=spec.start, bounded=spec.stop_at_end, group=spec.group,
                commit_offsets=False, ledger=True, idle_timeout_s=spec.until_idle_s,
                checkpoint_interval_s=spec.checkpoint_interval_s, max_watermark_delay_s=spec.watermark_delay_s,
                discover_every_s=spec.discover_every_s,
            )
            outputs = graph.build(read["records"], config, kafka)
            (read[LEDGER], *outputs["acks"]) | "CommitOffsets" >> CommitOffsets(kafka, spec.group, outputs["sinks"])
            result = pipeline.run()
            result.wait_until_finish()
    except BaseException as exc:
        if config.out_dir:
            counts = metrics.collect(result) if result is not None else dict.fromkeys(metrics.COUNTERS, 0)
            metrics.write_metrics(config.out_dir, counts, outcome="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                                  topics=list(spec.topics), group=spec.group,
                                  seconds=round(time.monotonic() - started, 3))
        raise
    counts = metrics.collect(result)
    outcome = DONE if commit_the_rest(kafka, spec.group, commit_positions(result)) else NOT_COMMITTED
    if config.out_dir:
        remove_empty_temp_dirs(config.out_dir)
        metrics.write_metrics(config.out_dir, counts, outcome=outcome, topics=list(spec.topics), group=spec.group,
                              seconds=round(time.monotonic() - started, 3))
    return counts, outcome


def commit_the_rest(kafka: KafkaConfig, group: str, positions: dict, attempts: int = 3) -> bool:
    """Commit, from the driver, what the job made committable but could not commit itself (the broker was
    away at its last commit). True when every partition's committed offset reached its target."""
    missing = {tp: target for tp, (target, committed) in positions.items() if target > committed}
    for attempt in range(attempts):
        if not missing:
            return True
        try:
            commit_offsets(kafka, group, missing)
            log.info("committed after the run: %s", missing)
            return True
        except KafkaIOError as exc:
            log.warning("final commit failed (attempt %d of %d): %s", attempt + 1, attempts, exc)
            time.sleep(2 ** attempt)
    return not missing


def remove_empty_temp_dirs(out_dir: str) -> None:
    """Remove the empty ``.temp*`` directories that Beam's fileio leaves behind in ``out_dir``."""
    for name in os.listdir(out_dir):
        path = os.path.join(out_dir, name)
        if name.startswith(".temp") and os.path.isdir(path) and not os.listdir(path):
            os.rmdir(path)
