"""``wirepipe report OUT_DIR [--html FILE]``: the self-contained HTML report of a run."""
from __future__ import annotations

import argparse
import os
import time

from pipeline.report import write_report


def register(subparsers) -> None:
    """Add ``wirepipe report`` to the CLI."""
    parser = subparsers.add_parser(
        "report", help="write a self-contained HTML report of a run's output directory",
        description="Read the Avro files and metrics.json that replay or run wrote to OUT_DIR and write one "
                    "self-contained, right-to-left HTML page: overview with charts, articles with their "
                    "entities and quotes marked, story clusters and updates, dead letters.")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="the --out directory of a run")
    parser.add_argument("--html", metavar="FILE", help="where to write the report (default OUT_DIR/report.html)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report and print its path, what it holds, its size and the time it took."""
    html_path = args.html or os.path.join(args.out_dir, "report.html")
    started = time.monotonic()
    report = write_report(args.out_dir, html_path)
    seconds = time.monotonic() - started
    size = os.path.getsize(html_path)
    print(f"{len(report.articles):,} articles, {len(report.duplicates):,} duplicates, "
          f"{len(report.dead_letters):,} dead letters; {size / 1e6:.1f} MB in {seconds:.1f} s")
    print(f"report: {os.path.abspath(html_path)}")
    return 0
