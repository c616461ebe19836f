"""``wirepipe run``: the streaming job, Kafka in, Avro files and Kafka topics out.

Modes:
- ``--stop-at-end``: read each partition up to the end offset seen at start, then finish (a replay of
  the topic's current contents); runs on the local FnApiRunner.
- ``--until-idle S``: read until no partition has had a new record for S seconds, then finish.
- neither: an endless stream; this needs a streaming runner (``--runner=PrismRunner`` or
  ``--runner=FlinkRunner``), since the local FnApiRunner never fires anything behind a shuffle on an
  unbounded source (docs/BEAM-FINDINGS.md). ``--discover-partitions DURATION`` makes it list the topics'
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
import os
import sys
import time

from pipeline import metrics
from pipeline.commands._options import add_connection_arguments, add_job_arguments, connection_config, job_config
from pipeline.jobs import NOT_COMMITTED, StreamSpec, run_stream
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES
from pipeline.options import parse_duration

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
    spec = StreamSpec(
        topics=tuple(args.topic), group=args.group, start=args.start, stop_at_end=bool(args.stop_at_end),
        until_idle_s=parse_duration(args.until_idle) if args.until_idle else None,
        checkpoint_interval_s=parse_duration(args.checkpoint_interval),
        watermark_delay_s=parse_duration(args.watermark_delay),
        discover_every_s=parse_duration(args.discover_partitions) if args.discover_partitions else None,
    )
    topics = {ARTICLES: args.output_topic, DUPLICATES: args.duplicates_topic, DEAD_LETTER: args.dead_letter_topic}
    config = job_config(args, streaming=True, window_s=parse_duration(args.window),
                        file_lateness_s=parse_duration(args.file_lateness) if args.file_lateness else None,
                        output_topics={kind: topic for kind, topic in topics.items() if topic},
                        schema_id=args.schema_id)
    counts, outcome = run_stream(spec, config, connection_config(args), args.beam_args,
                                 show_progress=not args.no_progress and os.isatty(2))
    metrics.print_summary(counts, "wirepipe run", args.out, time.monotonic() - started)
    if outcome == NOT_COMMITTED:
        print("wirepipe run: the outputs are written, but the last offsets could not be committed; "
              "a restart with the same group reads those records again", file=sys.stderr)
        return EXIT_NOT_COMMITTED
    return 0 if metrics.check_invariant(counts) else EXIT_FAILED
