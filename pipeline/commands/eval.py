"""``wirepipe eval KIND``: evaluation against gold data, printed as JSON."""
from __future__ import annotations

from pipeline.commands._group import register_group

EVALUATIONS: tuple[str, ...] = ("pipeline.evaluation.ner", "pipeline.evaluation.mentions", "pipeline.evaluation.quotes",
                                "pipeline.evaluation.clusters")


def register(subparsers) -> None:
    register_group(subparsers, "eval", "evaluate entities, quotes or dedup against gold data", EVALUATIONS)
