"""A sub-command whose kinds are modules printing a JSON result (``eval``, ``bench``)."""
from __future__ import annotations

import importlib
import json
import sys
from typing import Sequence


def register_group(subparsers, name: str, help: str, modules: Sequence[str]) -> None:
    """Add ``wirepipe NAME KIND``; each module has NAME, HELP, add_arguments(parser), run(args) -> dict."""
    parser = subparsers.add_parser(name, help=help)
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    for module_name in modules:
        module = importlib.import_module(module_name)
        sub = kinds.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(func=lambda args, m=module: print_json(m.run(args)))


def print_json(result: dict) -> int:
    """Print a result as indented JSON on stdout; return exit code 0."""
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
