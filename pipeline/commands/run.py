"""``wirepipe run``: the streaming job, Kafka in, Avro files and Kafka topics out.

Modes:
- ``--stop-at-end``: read each partition up to the end offset seen at start, then finish (a replay of
  the topic's current contents); runs on the local FnApiRunner.
- ``--until-idle S``: read until no partition has had a new record for S seconds, then finish.
- neither: an endless stream; this needs a streaming runner (``--runner=PrismRunner`` or
  ``--runner=FlinkRunner``), since the local FnApiRunner never fires anything behind a shuffle on an
  unbounded source (see BEAM-NOTES). ``--discover-partitions DURATION`` makes it list the topics'
  partitions again at that interval and read partitions added while it runs (endless stream only).

Offsets reach the consumer group only once their records are in every sink (files renamed into place,
output topics acknowledged): CommitOffsets follows the sinks, on every runner. A run that dies is read
again from the last commit: at least once, never a loss. Exit codes: 0 done; 1 the run failed (or its
accounting does not hold); 2 a usage error; 3 the run finished and its outputs are written, but the
final offsets could not be committed (a restart reads those records again). metrics.json is written
in every case once the job has started, with the outcome.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import graph, metrics, progress, runners
from pipeline.commands.produce import add_connection_arguments, connection_config
from pipeline.commands.replay import add_job_arguments, job_config, remove_empty_temp_dirs
from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.kafka import LEDGER, ReadFromKafka, check_connection, commit_offsets
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES
from pipeline.options import parse_duration
from pipeline.transforms.enrich import check_resources
from pipeline.transforms.offsets import CommitOffsets, commit_positions

log = logging.getLogger(__name__)
EXIT_FAILED = 1
EXIT_NOT_COMMITTED = 3


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="the streaming job: Kafka topic → enriched Avro files and topics",
        description=__doc__.split("\n\n")[0] + " Unknown options (--runner …) go to Beam.",
    )
    add_connection_arguments(parser)
    parser.add_argument("--topic", action="append", required=True, help="input topic (repeat for several)")
    parser.add_argument("--group", default="wirepipe", help="consumer group (default wirepipe)")
    parser.add_argument("--start", default="committed", help="committed (default) | earliest | latest | ISO-8601 time")
    parser.add_argument("--out", help="directory for Avro files (one set per window)")
    parser.add_argument("--output-topic", help="topic for enriched articles")
    parser.add_argument("--duplicates-topic", help="topic for duplicates")
    parser.add_argument("--dead-letter-topic", help="topic for dead letters")
    parser.add_argument("--schema-id", type=int, help="Confluent framing with this registry schema id (articles topic)")
    parser.add_argument("--window", default="60s", help="window of the Avro files (default 60s)")
    parser.add_argument("--file-lateness", metavar="DURATION",
                        help="how long after its window a late record still gets a file (default: the dedup horizon)")
    parser.add_argument("--checkpoint-interval", default="1s",
                        help="how long the reader holds a partition before it checkpoints; the watermark, the "
                             "windows and the offset commits move at checkpoints (default 1s)")
    parser.add_argument("--watermark-delay", default="2s",
                        help="how far the watermark stays behind the newest record time (default 2s)")
    parser.add_argument("--discover-partitions", metavar="DURATION",
                        help="endless stream only: look for partitions added to the topics this often (e.g. 1m) "
                             "and read each new one from its committed offset, else its earliest")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stop-at-end", action="store_true", help="read up to the end offsets seen at start, then finish")
    mode.add_argument("--until-idle", metavar="SECONDS", help="finish once no new record has come for this long")
    add_job_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    parser.set_defaults(func=_main, accepts_beam_args=True)


def _main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    counts, outcome = run_stream(args)
    metrics.print_summary(counts, "wirepipe run", args.out, time.monotonic() - started)
    if outcome == "not_committed":
        print("wirepipe run: the outputs are written, but the last offsets could not be committed; "
              "a restart with the same group reads those records again", file=sys.stderr)
        return EXIT_NOT_COMMITTED
    return 0 if metrics.check_invariant(counts) else EXIT_FAILED


def run_stream(args: argparse.Namespace) -> tuple[dict, str]:
    """Run the job described by ``wirepipe run`` arguments; return its counters and outcome
    (``done``, or ``not_committed`` when the last offsets could not be committed)."""
    kafka = connection_config(args)
    idle_s = parse_duration(args.until_idle) if args.until_idle else None
    bounded = bool(args.stop_at_end)
    discover_s = parse_duration(args.discover_partitions) if args.discover_partitions else None
    if discover_s is not None and (bounded or idle_s is not None):
        raise ConfigError("--discover-partitions is for the endless stream; it cannot be combined with "
                          "--stop-at-end or --until-idle, which read only the partitions found at start")
    topics = {ARTICLES: args.output_topic, DUPLICATES: args.duplicates_topic, DEAD_LETTER: args.dead_letter_topic}
    if not args.out and not any(topics.values()):
        raise ConfigError("nowhere to write: give --out DIR and/or --output-topic / --duplicates-topic / --dead-letter-topic")
    config = job_config(args, streaming=True, window_s=parse_duration(args.window),
                        file_lateness_s=parse_duration(args.file_lateness) if args.file_lateness else None,
                        output_topics={kind: topic for kind, topic in topics.items() if topic},
                        schema_id=args.schema_id)
    check_resources(config)
    check_connection(kafka, args.topic)
    beam_args = runners.with_default_runner(args.beam_args)
    local = runners.is_local(beam_args)
    if local and not (bounded or idle_s):
        raise ConfigError(
            "an endless stream needs a streaming runner (--runner=PrismRunner or --runner=FlinkRunner); "
            "on the local runner use --stop-at-end or --until-idle SECONDS")
    if local:
        runners.prepare_local_runner()
    else:
        beam_args = runners.with_streaming_defaults(beam_args)
    options = PipelineOptions(beam_args)
    options.view_as(StandardOptions).streaming = not (bounded or idle_s)
    if args.out:
        os.makedirs(args.out, exist_ok=True)

    started = time.monotonic()
    result = None
    try:
        with progress.display(not args.no_progress and os.isatty(2)):
            pipeline = beam.Pipeline(options=options)
            read = pipeline | "ReadFromKafka" >> ReadFromKafka(
                kafka, args.topic, start=args.start, bounded=bounded, group=args.group,
                commit_offsets=False, ledger=True, idle_timeout_s=idle_s,
                checkpoint_interval_s=parse_duration(args.checkpoint_interval),
                max_watermark_delay_s=parse_duration(args.watermark_delay), discover_every_s=discover_s,
            )
            outputs = graph.build(read["records"], config, kafka)
            (read[LEDGER], *outputs["acks"]) | "CommitOffsets" >> CommitOffsets(kafka, args.group, outputs["sinks"])
            result = pipeline.run()
            result.wait_until_finish()
    except BaseException as exc:
        if args.out:
            counts = metrics.collect(result) if result is not None else dict.fromkeys(metrics.COUNTERS, 0)
            metrics.write_metrics(args.out, counts, outcome="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                                  topics=args.topic, group=args.group, seconds=round(time.monotonic() - started, 3))
        raise
    counts = metrics.collect(result)
    outcome = "done" if _commit_the_rest(kafka, args.group, commit_positions(result)) else "not_committed"
    if args.out:
        remove_empty_temp_dirs(args.out)
        metrics.write_metrics(args.out, counts, outcome=outcome, topics=args.topic, group=args.group,
                              seconds=round(time.monotonic() - started, 3))
    return counts, outcome


def _commit_the_rest(kafka, group: str, positions: dict, attempts: int = 3) -> bool:
    """Commit, from here, what the job made committable but could not commit itself (the broker was away
    at its last commit). True when every partition's committed offset reached its target."""
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
