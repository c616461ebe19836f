"""``wirepipe replay PATH... --out DIR``: an archived feed through the whole pipeline, in batch."""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import graph, metrics, progress, runners
from pipeline.io.archive import expand_paths
from pipeline.io.archive_source import ReadArchive
from pipeline.options import JobConfig, parse_duration, worker_path
from pipeline.transforms.enrich import check_resources

STATE_DIR = ".wirepipe-state"  # under --out: the poison journal (hidden: replays and inspect skip it)



def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by replay and run (dedup, limits, enrichment)."""
    parser.add_argument("--dedup-horizon", default="7d", help="event-time horizon of exact dedup (default 7d)")
    parser.add_argument("--max-body-bytes", type=int, default=JobConfig.max_body_bytes,
                        help="bodies over this many UTF-8 bytes become dead letters (default 1 MB)")
    parser.add_argument("--ner", default="auto", choices=("auto", "rules", "crf", "camel", "none"),
                        help="entity backend (auto: CRF when --ner-model is given, else rules and gazetteers)")
    parser.add_argument("--ner-model", help="CRF model trained with `wirepipe train-ner`")
    parser.add_argument("--near-dup-threshold", type=float, default=JobConfig.near_dup_threshold,
                        help="estimated Jaccard at or above which a later article is a republication")
    parser.add_argument("--drop-near-duplicates", action="store_true",
                        help="send republications to the duplicates output instead of annotating them")
    parser.add_argument("--state-dir", help="local directory of the poison-record journal (default OUT/.wirepipe-state)")


def job_config(args: argparse.Namespace, **overrides) -> JobConfig:
    """Build the JobConfig from parsed arguments (see :func:`add_job_arguments`)."""
    out_dir = getattr(args, "out", None)
    state_dir = getattr(args, "state_dir", None) or (os.path.join(out_dir, STATE_DIR) if out_dir else None)
    return JobConfig(
        out_dir=worker_path(out_dir) if out_dir else None,
        state_dir=worker_path(state_dir) if state_dir else None,
        dedup_horizon_s=parse_duration(args.dedup_horizon),
        max_body_bytes=args.max_body_bytes,
        ner_backend=args.ner,
        ner_model=worker_path(args.ner_model) if args.ner_model else None,
        near_dup_threshold=args.near_dup_threshold,
        drop_near_duplicates=args.drop_near_duplicates,
        **overrides,
    )


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "replay", help="replay archived feeds (.txt .json .jsonl .jsonl.gz .avro, dirs, globs) into Avro",
        description="Replay archived feeds through Parse → DedupExact → Enrich into Avro files. "
                    "Unknown options (--runner, --direct_num_workers …) go to Beam.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--out", required=True, help="output directory")
    add_job_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    parser.set_defaults(func=_main, accepts_beam_args=True)


def _main(args: argparse.Namespace) -> int:
    config = job_config(args)
    started = time.monotonic()
    counts = run_replay(args.paths, config, args.beam_args, show_progress=not args.no_progress and sys.stderr.isatty())
    metrics.print_summary(counts, "wirepipe replay", config.out_dir, time.monotonic() - started)
    return 0 if metrics.check_invariant(counts) else 1


def run_replay(paths: Sequence[str], config: JobConfig, beam_args: Sequence[str] = (), show_progress: bool = False) -> dict:
    """Replay the files named by ``paths`` into ``config.out_dir``; return the run's counters."""
    files = [worker_path(path) for path in expand_paths(paths)]
    check_resources(config)
    os.makedirs(config.out_dir, exist_ok=True)
    beam_args = runners.with_default_runner(beam_args)
    if runners.is_local(beam_args):
        runners.prepare_local_runner()
    options = PipelineOptions(beam_args)
    started = time.monotonic()
    with progress.display(show_progress):
        pipeline = beam.Pipeline(options=options)
        graph.build(pipeline | "ReadArchive" >> ReadArchive(files), config)
        result = pipeline.run()
        result.wait_until_finish()
    counts = metrics.collect(result)
    remove_empty_temp_dirs(config.out_dir)
    metrics.write_metrics(config.out_dir, counts, seconds=round(time.monotonic() - started, 3), inputs=files)
    return counts


def remove_empty_temp_dirs(out_dir: str) -> None:
    """Remove the empty ``.temp*`` directories that Beam's fileio leaves behind in ``out_dir``."""
    for name in os.listdir(out_dir):
        path = os.path.join(out_dir, name)
        if name.startswith(".temp") and os.path.isdir(path) and not os.listdir(path):
            os.rmdir(path)
