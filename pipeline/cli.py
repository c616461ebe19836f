"""The ``wirepipe`` command line: one sub-command per module under :mod:`pipeline.commands`."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence


class _DropBeamImportNoise(logging.Filter):
    """Beam warns at import that Google Cloud client libraries are absent; wirepipe does not use them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


logging.getLogger().addFilter(_DropBeamImportNoise())


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (a stream closed since, such as a test's
    captured one, is never written to)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass

from pipeline import __version__
from pipeline.errors import ConfigError, ResourceMissingError, WirepipeError

EXIT_FAILED = 1  # the run failed
EXIT_USAGE = 2  # a usage error: an option or input path is not of the expected form

# Each module has ``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
COMMAND_MODULES = (
    "pipeline.commands.replay",
    "pipeline.commands.run",
    "pipeline.commands.produce",
    "pipeline.commands.inspect",
    "pipeline.commands.compare",
    "pipeline.commands.report",
    "pipeline.commands.eval",
    "pipeline.commands.bench",
    "pipeline.commands.train_ner",
    "pipeline.commands.train_speakers",
    "pipeline.commands.train_verbs",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="wirepipe",
        description="Streaming ingestion of Arabic wire-service news: Kafka or archived feeds in, "
                    "deduplicated and enriched Avro out.",
    )
    parser.add_argument("--version", action="version", version=f"wirepipe {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wirepipe`` console script; returns the process exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_beam_args", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.beam_args = extra
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    # force: importing Beam already configured the root logger (a module-level logging.warning), and
    # basicConfig without it would do nothing: -v would show no more than before.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True,
                        handlers=[_CurrentStderr()])
    try:
        return int(args.func(args) or 0)
    except (ConfigError, ResourceMissingError) as exc:  # what was asked for cannot be done as asked
        print(f"wirepipe {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WirepipeError as exc:
        print(f"wirepipe {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the run failed (a runner or worker error): say so in one line, log the rest
        logging.getLogger("wirepipe").debug("run failed", exc_info=True)
        print(f"wirepipe {args.command}: the run failed: {type(exc).__name__}: {str(exc)[:2000]}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
