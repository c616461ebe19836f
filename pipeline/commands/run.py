"""``wirepipe run``: the streaming job, Kafka in, Avro files and Kafka topics out.

Modes:
- ``--stop-at-end``: read each partition up to the end offset seen at start, then finish (a replay of
  the topic's current contents); runs on the local FnApiRunner.
- ``--until-idle S``: read until no partition has had a new record for S seconds, then finish.
- neither: an endless stream; this needs a streaming runner (``--runner=PrismRunner`` or
  ``--runner=FlinkRunner``), since the local FnApiRunner never fires anything behind a shuffle on an
  unbounded source (see BEAM-NOTES). ``--discover-partitions DURATION`` makes it list the topics'
  partitions again at that interval and read partitions added while it runs (endless stream only).

Offsets: on a streaming runner the source commits to the consumer group in bundle finalization, once
the runner has made the bundle's outputs durable. The local FnApiRunner finalizes the source's bundles
before the stages behind the shuffle have written anything, so there the source does not commit:
the command commits, after the whole job has succeeded, the offset after the last record that reached
an output. A run that dies is re-read from the last commit: at least once, never a loss.
"""
from __future__ import annotations

import argparse
import logging
import os
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline import graph, metrics, progress, runners
from pipeline.commands.produce import add_connection_arguments, connection_config
from pipeline.commands.replay import add_job_arguments, job_config, remove_empty_temp_dirs
from pipeline.enrich import public_record
from pipeline.errors import ConfigError
from pipeline.io.kafka import ReadFromKafka, WriteToKafka, commit_offsets
from pipeline.options import parse_duration
from pipeline.transforms.enrich import check_resources
from pipeline.transforms.offsets import TrackOffsets, processed_offsets

log = logging.getLogger(__name__)
_OUTPUT_SCHEMAS = {"articles": "enriched_article", "duplicates": "duplicate", "dead-letter": "dead_letter"}


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
    counts = run_stream(args)
    metrics.print_summary(counts, "wirepipe run", args.out, time.monotonic() - started)
    return 0 if metrics.check_invariant(counts) else 1


def run_stream(args: argparse.Namespace) -> dict:
    """Run the job described by ``wirepipe run`` arguments; return its counters."""
    kafka = connection_config(args)
    idle_s = parse_duration(args.until_idle) if args.until_idle else None
    bounded = bool(args.stop_at_end)
    discover_s = parse_duration(args.discover_partitions) if args.discover_partitions else None
    if discover_s is not None and (bounded or idle_s is not None):
        raise ConfigError("--discover-partitions is for the endless stream; it cannot be combined with "
                          "--stop-at-end or --until-idle, which read only the partitions found at start")
    topics = {"articles": args.output_topic, "duplicates": args.duplicates_topic, "dead-letter": args.dead_letter_topic}
    if not args.out and not any(topics.values()):
        raise ConfigError("nowhere to write: give --out DIR and/or --output-topic / --duplicates-topic / --dead-letter-topic")
    config = job_config(args, streaming=True, window_s=parse_duration(args.window))
    check_resources(config)
    beam_args = runners.with_default_runner(args.beam_args)
    local = runners.is_local(beam_args)
    if local and not (bounded or idle_s):
        raise ConfigError(
            "an endless stream needs a streaming runner (--runner=PrismRunner or --runner=FlinkRunner); "
            "on the local runner use --stop-at-end or --until-idle SECONDS")
    if local:
        runners.prepare_local_runner()
    options = PipelineOptions(beam_args)
    options.view_as(StandardOptions).streaming = not (bounded or idle_s)
    if args.out:
        os.makedirs(args.out, exist_ok=True)

    with progress.display(not args.no_progress and os.isatty(2)):
        pipeline = beam.Pipeline(options=options)
        raws = pipeline | "ReadFromKafka" >> ReadFromKafka(
            kafka, args.topic, start=args.start, bounded=bounded, group=args.group,
            commit_offsets=not local, idle_timeout_s=idle_s,
            checkpoint_interval_s=parse_duration(args.checkpoint_interval),
            max_watermark_delay_s=parse_duration(args.watermark_delay), discover_every_s=discover_s,
        )
        outputs = graph.build(raws, config)
        for kind, topic in topics.items():
            if topic:
                (outputs[kind]
                 | f"Key{kind.title().replace('-', '')}" >> beam.Map(lambda r: (r["id"] or "", public_record(r)))
                 | f"Write{kind.title().replace('-', '')}Topic" >> WriteToKafka(
                     kafka, topic, _OUTPUT_SCHEMAS[kind], args.schema_id if kind == "articles" else None))
        if local:
            (outputs["articles"], outputs["duplicates"], outputs["dead-letter"]) | "AllOutputs" >> beam.Flatten() \
                | "TrackOffsets" >> TrackOffsets()
        result = pipeline.run()
        result.wait_until_finish()
    counts = metrics.collect(result)
    if local:
        positions = processed_offsets(result)
        commit_offsets(kafka, args.group, positions)
        log.info("committed %s", positions)
    if args.out:
        remove_empty_temp_dirs(args.out)
        metrics.write_metrics(args.out, counts, topics=args.topic, group=args.group)
    return counts
