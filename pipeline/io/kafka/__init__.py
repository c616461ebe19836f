"""Kafka source and sink for Beam, on kafka-python: the design of Beam Java KafkaIO's ``ReadFromKafkaDoFn``.

Reading is a splittable DoFn with one element per topic-partition and an offset-range restriction
``[start, stop)``. Partitions and their start/stop offsets are resolved once at pipeline start, or, with
``discover_every_s``, also as partitions are added (:mod:`.discovery`); ``ReadPartitions`` then polls each
partition, claims offsets and emits :class:`~pipeline.model.RawRecord` values timestamped with the Kafka
record timestamp (:mod:`.read`), under a watermark per partition (:mod:`.watermarks`).

Offsets reach the consumer group only once the records are durable. In the wirepipe job the read also
emits a ledger of the offsets it claimed (``ledger=True``), the sinks acknowledge what they made durable,
and :class:`~pipeline.transforms.commit_step.CommitOffsets` commits complete stretches (:mod:`.commits`): the
same on every runner. A read used on its own may instead commit in bundle finalization
(``commit_offsets=True``), which on Flink and Dataflow follows the checkpoint of the outputs.

- bounded: the restriction stops at the end offsets seen at start (or the first offsets at/after a stop
  timestamp); the read completes and everything downstream runs on any runner.
- unbounded: the restriction is open-ended; the DoFn self-checkpoints with ``tracker.defer_remainder``
  when a poll returns nothing (or after ``checkpoint_interval_s``).

Only bytes leave the read: values are not parsed here, so a bad value becomes a dead letter in Parse.
Writing (:mod:`.write`) sends Avro values (:mod:`.serde`) and succeeds only when every send is acknowledged.
"""
from pipeline.io.kafka.client import CONSUMER_FETCH_OPTIONS, check_connection, list_partitions, new_consumer
from pipeline.io.kafka.commits import OffsetCommitter, commit_offsets
from pipeline.io.kafka.config import (SASL_MECHANISMS, SECURITY_PROTOCOLS, UNBOUNDED_STOP, KafkaConfig, StartPosition,
                                      is_topic_name, to_epoch_millis)
from pipeline.io.kafka.discovery import (NewPartitions, PartitionRange, find_new_partitions, first_offset,
                                         resolve_partition_ranges)
from pipeline.io.kafka.read import LEDGER, ReadFromKafka, to_raw_record
from pipeline.io.kafka.watermarks import KafkaWatermarkEstimator, WatermarkState
from pipeline.io.kafka.write import WriteToKafka

__all__ = [
    "CONSUMER_FETCH_OPTIONS",
    "KafkaConfig",
    "KafkaWatermarkEstimator",
    "LEDGER",
    "NewPartitions",
    "OffsetCommitter",
    "PartitionRange",
    "ReadFromKafka",
    "SASL_MECHANISMS",
    "SECURITY_PROTOCOLS",
    "StartPosition",
    "UNBOUNDED_STOP",
    "WatermarkState",
    "WriteToKafka",
    "check_connection",
    "commit_offsets",
    "find_new_partitions",
    "first_offset",
    "is_topic_name",
    "list_partitions",
    "new_consumer",
    "resolve_partition_ranges",
    "to_epoch_millis",
    "to_raw_record",
]
