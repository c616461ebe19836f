"""Dataflow Flex Template entry point: the template's parameters become ``wirepipe run`` options.

Flex Template parameters are passed as ``--name=value`` with the names of ``metadata.json``, which
are ``wirepipe run`` options with ``_`` for ``-`` (``bootstrap_servers`` → ``--bootstrap-servers``);
``true``/``false`` turn a flag on or leave it off. Everything else (``--runner``, ``--project``,
``--temp_location``, ``--sdk_container_image`` …, set by Dataflow) goes to Beam untouched.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def run_parser() -> argparse.ArgumentParser:
    """The parser of ``wirepipe run``."""
    from pipeline.cli import build_parser

    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices["run"]


def run_arguments(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``argv`` with template parameter names turned into ``wirepipe run`` options (see the module doc)."""
    actions = parser._option_string_actions
    out = ["run", "--no-progress"]
    for arg in argv:
        name, has_value, value = arg.partition("=")
        option = name.replace("_", "-")
        action = actions.get(option) if name.startswith("--") else None
        if action is None:
            out.append(arg)  # a Beam or Dataflow option
        elif action.nargs == 0:  # a flag
            if not has_value or value.strip().lower() == "true":
                out.append(option)
            elif value.strip().lower() != "false":
                raise SystemExit(f"{name} takes true or false, got {value!r}")
        else:
            out.append(f"{option}={value}" if has_value else option)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from pipeline.cli import main as wirepipe

    return wirepipe(run_arguments(sys.argv[1:] if argv is None else argv, run_parser()))


if __name__ == "__main__":
    sys.exit(main())
