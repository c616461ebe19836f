"""``wirepipe replay PATH... --out DIR``: an archived feed through the whole pipeline, in batch."""
from __future__ import annotations

import argparse
import sys
import time

from pipeline import metrics
from pipeline.chunks import DEFAULT_CHUNK_RECORDS
from pipeline.commands._options import add_job_arguments, job_config
from pipeline.jobs import run_replay


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "replay", help="replay archived feeds (.txt .json .jsonl .jsonl.gz .avro, dirs, globs) into Avro",
        description="Replay archived feeds through Parse → DedupExact → Enrich into Avro files. "
                    "Unknown options (--runner, --direct_num_workers …) go to Beam.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--out", required=True, help="output directory")
    add_job_arguments(parser)
    parser.add_argument("--chunk-records", type=int, default=DEFAULT_CHUNK_RECORDS, metavar="N",
                        help="replay an input of more records in event-time chunks of about N, one pipeline each: the "
                             f"same outputs in memory bounded by N and the horizons (default {DEFAULT_CHUNK_RECORDS:,}; "
                             "local runner only)")
    parser.add_argument("--one-pipeline", action="store_true",
                        help="replay the whole input in one pipeline (memory grows with the input)")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    parser.set_defaults(func=_main, accepts_beam_args=True)


def _main(args: argparse.Namespace) -> int:
    config = job_config(args)
    started = time.monotonic()
    counts = run_replay(args.paths, config, args.beam_args, show_progress=not args.no_progress and sys.stderr.isatty(),
                        chunk_records=None if args.one_pipeline else args.chunk_records)
    metrics.print_summary(counts, "wirepipe replay", config.out_dir, time.monotonic() - started)
    return 0 if metrics.check_invariant(counts) else 1
