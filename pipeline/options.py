"""Typed job configuration, checked when built; runner options go to Beam untouched."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.model import OUTPUT_SCHEMAS
from pipeline.parse import DEFAULT_MAX_BODY_BYTES

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(text: str) -> float:
    """Return seconds for ``90``, ``90s``, ``15m``, ``12h``, ``7d`` or ``250ms``; raise ConfigError otherwise."""
    match = _DURATION.match(str(text))
    if not match:
        raise ConfigError(f"expected a duration such as 7d, 12h, 15m, 90s or 250ms, got {text!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def worker_path(path: str) -> str:
    """``path`` as SDK workers must see it: a local path made absolute, a URL (``gs://…``) untouched.

    Out-of-process workers (a worker pool, Flink task managers) resolve a relative path against their
    own working directory, not the launcher's: a replay of ``seeds/`` read nothing there.
    """
    return path if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) else os.path.abspath(path)


@dataclass(frozen=True)
class JobConfig:
    """What the wirepipe graph needs, whatever the source: dedup horizon, limits, enrichment and outputs."""

    out_dir: Optional[str] = None
    dedup_horizon_s: float = 7 * 86400
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    raw_cap_bytes: int = 64 * 1024
    ner_backend: str = "auto"
    ner_model: Optional[str] = None
    near_dup_threshold: float = 0.6
    # How long (event time) a republication is still linked to its original; None: the dedup horizon.
    near_dup_horizon_s: Optional[float] = None
    drop_near_duplicates: bool = False
    near_dup: bool = True
    # State keys of near-duplicate matching (pipeline/transforms/neardup.py); None: the job chooses for its
    # runner (1 on the local runner and Prism, which keep every key on this machine; 8 on the distributed
    # runners, to match in parallel).
    near_dup_shards: Optional[int] = None
    # Exact dedup and updates decided on one state key (pipeline/transforms/dedup_step.py) instead of one per
    # content hash and one per id; None: the job chooses for its runner (one key on the local runner only).
    dedup_one_key: Optional[bool] = None
    window_s: float = 60.0
    streaming: bool = False
    output_topics: dict = field(default_factory=dict)  # output kind (articles|duplicates|dead-letter) -> topic
    schema_id: Optional[int] = None  # Confluent framing of the articles topic with this registry id
    # How long after its window a late record still gets a file (streaming); None: the dedup horizon.
    file_lateness_s: Optional[float] = None
    run_id: Optional[str] = None  # part of output file names; None: a fresh one per pipeline
    # Where the poison journal lives (pipeline/io/poison.py); None: no poison detection.
    state_dir: Optional[str] = None

    def __post_init__(self) -> None:
        if self.dedup_horizon_s <= 0:
            raise ConfigError(f"dedup horizon must be a positive duration, got {self.dedup_horizon_s}s")
        if self.max_body_bytes <= 0:
            raise ConfigError(f"max body size must be a positive number of bytes, got {self.max_body_bytes}")
        if self.raw_cap_bytes <= 0:
            raise ConfigError(f"dead-letter raw cap must be a positive number of bytes, got {self.raw_cap_bytes}")
        if self.ner_backend not in ("auto", "rules", "crf", "camel", "none"):
            raise ConfigError(f"--ner must be one of auto, rules, crf, camel, none; got {self.ner_backend!r}")
        if not 0.0 < self.near_dup_threshold <= 1.0:
            raise ConfigError(f"near-duplicate threshold must be in (0, 1], got {self.near_dup_threshold}")
        if self.window_s <= 0:
            raise ConfigError(f"window must be a positive duration, got {self.window_s}s")
        unknown = set(self.output_topics) - set(OUTPUT_SCHEMAS)
        if unknown:
            raise ConfigError(f"output topics are for {', '.join(OUTPUT_SCHEMAS)}; got {sorted(unknown)}")
        if self.file_lateness_s is not None and self.file_lateness_s < 0:
            raise ConfigError(f"file lateness must be a non-negative duration, got {self.file_lateness_s}s")
        if self.near_dup_horizon_s is not None and self.near_dup_horizon_s <= 0:
            raise ConfigError(f"near-duplicate horizon must be a positive duration, got {self.near_dup_horizon_s}s")
        if self.near_dup_shards is not None and (not isinstance(self.near_dup_shards, int) or self.near_dup_shards < 1):
            raise ConfigError(f"near-duplicate shards must be a positive whole number, got {self.near_dup_shards!r}")
        if self.file_lateness_s is None:
            object.__setattr__(self, "file_lateness_s", self.dedup_horizon_s)
        if self.near_dup_horizon_s is None:
            object.__setattr__(self, "near_dup_horizon_s", self.dedup_horizon_s)
