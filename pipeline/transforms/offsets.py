"""Which Kafka offsets reached an output: for runners whose bundle finalization comes too early."""
from __future__ import annotations

import re

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.transforms import METRICS_NAMESPACE

_PREFIX = "offset_done"
_NAME = re.compile(rf"^{_PREFIX}\[(?P<topic>.+)-(?P<partition>\d+)\]$")


class _TrackFn(beam.DoFn):
    def setup(self):
        self._dists = {}

    def process(self, record):
        source = record.get("source") or {}
        if source.get("kind") != "KAFKA":
            return
        key = (source["topic"], source["partition"])
        dist = self._dists.get(key)
        if dist is None:
            dist = self._dists[key] = Metrics.distribution(METRICS_NAMESPACE, f"{_PREFIX}[{key[0]}-{key[1]}]")
        dist.update(source["offset"])


class TrackOffsets(beam.PTransform):
    """Records the highest Kafka offset per partition among output records (a Beam metric)."""

    def expand(self, records):
        return records | "RecordOffsets" >> beam.ParDo(_TrackFn())


def processed_offsets(result) -> dict[tuple[str, int], int]:
    """Return ``{(topic, partition): next offset}`` from a finished run's metrics."""
    positions = {}
    for dist in result.metrics().query()["distributions"]:
        match = _NAME.match(dist.key.metric.name)
        if dist.key.metric.namespace == METRICS_NAMESPACE and match and dist.committed and dist.committed.count:
            positions[(match["topic"], int(match["partition"]))] = dist.committed.max + 1
    return positions
