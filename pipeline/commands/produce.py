"""``wirepipe produce PATH... --topic T``: publish an archived feed (the replay formats) into Kafka.

Each record that Parse accepts is published with key = article id and value = the input record as
UTF-8 JSON (a JSONL line byte for byte; ``.json``/``.avro`` records and ``.txt`` articles re-encoded).
Records Parse rejects are reported and counted, not published. ``--rate N/s`` paces publishing;
``--pace original×K`` replays the gaps between ``published_at`` times K times faster.
"""
from __future__ import annotations

import argparse
import sys

from pipeline.commands._options import add_connection_arguments, connection_config
from pipeline.errors import ConfigError, InputError
from pipeline.io.producer import Pacer, ensure_topic, parse_pace, parse_rate, produce
from pipeline.model import RawRecord

_SHOWN_BAD = 20  # bad records reported one by one; the rest only counted


# --- command line ------------------------------------------------------------------------------------


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "produce", help="publish archived feeds (.txt .json .jsonl .jsonl.gz .avro) into a Kafka topic",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or globs")
    parser.add_argument("--topic", required=True)
    pacing = parser.add_mutually_exclusive_group()
    pacing.add_argument("--rate", type=parse_rate, metavar="N/s", help="publish at most N records per second")
    pacing.add_argument("--pace", type=parse_pace, metavar="original×K",
                        help="keep the published_at gaps, K times faster (original = real time)")
    parser.add_argument("--partitions", type=int, metavar="N",
                        help="create the topic with N partitions first if it does not exist")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    add_connection_arguments(parser)
    parser.set_defaults(func=_main)


def _where(raw: RawRecord) -> str:
    src = raw.source or {}
    return f"{src.get('path')}:{src.get('line')}" if src.get("line") is not None else str(src.get("path"))


def _main(args: argparse.Namespace) -> int:
    config = connection_config(args)
    if args.partitions is not None:
        if args.partitions <= 0:
            raise ConfigError(f"--partitions must be a positive number, got {args.partitions}")
        if ensure_topic(config, args.topic, args.partitions):
            print(f"created topic {args.topic} with {args.partitions} partitions", file=sys.stderr)
    from rich.console import Console

    err = Console(stderr=True)
    shown = 0

    def report_bad(raw: RawRecord, error: InputError) -> None:
        nonlocal shown
        shown += 1
        if shown <= _SHOWN_BAD:
            err.print(f"[yellow]skipped[/] {_where(raw)}: {error.kind}: {error.message}", markup=True, highlight=False, soft_wrap=True)
        elif shown == _SHOWN_BAD + 1:
            err.print("(further bad records are counted, not shown)")

    pacer = Pacer(rate=args.rate, speedup=args.pace)
    if args.no_progress or not sys.stderr.isatty():
        summary = produce(args.paths, args.topic, config, pacer, on_bad=report_bad)
    else:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("published {task.completed:,}"), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("produce", total=None)
            summary = produce(args.paths, args.topic, config, pacer, on_bad=report_bad,
                              on_sent=lambda n: bar.advance(task, n))
    _print_summary(summary)
    return 1 if summary["failed"] else 0


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"wirepipe produce → {summary['topic']}")
    table.add_column("counter")
    table.add_column("value", justify="right")
    table.add_row("files", f"{summary['files']:,}")
    table.add_row("read", f"{summary['read']:,}")
    table.add_row("published", f"{summary['published']:,}")
    for kind, n in summary["bad_by_kind"].items():
        table.add_row(f"bad: {kind}", f"{n:,}")
    table.add_row("send failures", f"{summary['failed']:,}")
    for partition, n in summary["per_partition"].items():
        table.add_row(f"partition {partition}", f"{n:,}")
    table.add_row("seconds", f"{summary['seconds']:.2f}")
    table.add_row("records/s", f"{summary['records_per_s'] or 0:,.0f}")
    Console().print(table)
    for example in summary["failed_examples"]:
        print(f"send failure: {example}", file=sys.stderr)
