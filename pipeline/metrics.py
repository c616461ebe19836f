"""Run accounting: Beam counters → ``metrics.json`` and the summary table."""
from __future__ import annotations

import json
import os
from typing import Mapping

from pipeline.transforms import METRICS_NAMESPACE

# Counters every run reports, zero when nothing was counted.
COUNTERS = ("read", "dead_letter", "exact_duplicate", "near_duplicate_dropped", "written", "updates",
            "near_duplicate", "entities", "quotes", "read_bytes")


def collect(result) -> dict:
    """Return this run's wirepipe counters from a Beam PipelineResult (committed values)."""
    counts = dict.fromkeys(COUNTERS, 0)
    for counter in result.metrics().query()["counters"]:
        if counter.key.metric.namespace == METRICS_NAMESPACE:
            name = counter.key.metric.name
            counts[name] = counts.get(name, 0) + (counter.committed or 0)
    return counts


def check_invariant(counts: Mapping[str, int]) -> bool:
    """True when read = dead_letter + exact_duplicate + near_duplicate_dropped + written."""
    return counts["read"] == (
        counts["dead_letter"] + counts["exact_duplicate"] + counts.get("near_duplicate_dropped", 0) + counts["written"]
    )


def write_metrics(out_dir: str, counts: Mapping[str, int], **extra) -> str:
    """Write ``out_dir/metrics.json`` atomically and return its path."""
    path = os.path.join(out_dir, "metrics.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({**counts, "invariant_holds": check_invariant(counts), **extra}, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def print_summary(counts: Mapping[str, int], title: str, out_dir: str | None, seconds: float) -> None:
    """Print the run's counters as a table on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("counter")
    table.add_column("value", justify="right")
    for name in COUNTERS:
        table.add_row(name, f"{counts.get(name, 0):,}")
    rate = counts["read"] / seconds if seconds > 0 else 0.0
    table.add_row("seconds", f"{seconds:.1f}")
    table.add_row("articles/s", f"{rate:,.0f}")
    holds = check_invariant(counts)
    table.add_row("read = dead_letter + exact_duplicate + near_duplicate_dropped + written", "holds" if holds else "BROKEN")
    console = Console()
    console.print(table)
    if out_dir:
        console.print(f"Avro output: {os.path.abspath(out_dir)}/articles-*.avro, duplicates-*.avro, dead-letter-*.avro; "
                      f"counters in metrics.json. Read them with: wirepipe inspect {out_dir}/articles-*.avro")
