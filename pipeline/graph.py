"""The wirepipe job as a graph: sources → Parse → DedupExact → Enrich → NearDup → CheckRecords → sinks.

No logic here. Every sink is built here from the configuration (Avro files, Kafka topics).
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger

from pipeline.enrich import public_record
from pipeline.io.files import FILE_SINK, AvroRecord, WriteAvroFiles, kafka_acks
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES, OUTPUT_SCHEMAS
from pipeline.options import JobConfig
from pipeline.transforms import METRICS_NAMESPACE, at_read_time
from pipeline.transforms.check import CheckRecords
from pipeline.transforms.dedup_step import CARRIED, DUPLICATES as DUPLICATES_TAG, DedupExact
from pipeline.transforms.enrich_step import Enrich
from pipeline.transforms.neardup import DEFAULT_SHARDS, NearDup
from pipeline.transforms.parse_step import DEAD_LETTERS, Parse

DISCARDED = "discarded"  # the sink name for an output kind that goes nowhere (its offsets still commit)


def build(raws: beam.PCollection, config: JobConfig, kafka=None, carried=None) -> dict:
    """Wire the job onto a PCollection of RawRecords and its sinks.

    Returns the outputs by kind (``articles``, ``duplicates``, ``dead-letter``; of
    :class:`~pipeline.transforms.check.Checked` records: each with its Avro encoding), plus, when ``kafka`` is
    given (a Kafka source; also the client config of the output topics), ``"acks"``: the sinks'
    SinkAck PCollections, and ``"sinks"``: the sink names of each kind, for CommitOffsets. With
    ``carried`` (a :class:`~pipeline.io.carry.CarriedIn`: one chunk of a replay in chunks starts from the
    dedup state earlier chunks left, see :mod:`pipeline.chunks`), the stateful steps start from it and
    ``"carried"`` is the state they add.
    """
    parsed = raws | "Parse" >> Parse(config.max_body_bytes, config.raw_cap_bytes)
    deduped = parsed.main | "DedupExact" >> DedupExact(
        config.dedup_horizon_s, carried.firsts_file if carried is not None else None, one_key=bool(config.dedup_one_key))
    to_enrich = deduped["main"]
    if config.streaming:
        # Keep the slow enrichment out of the stage that fires dedup's timers: Prism splits a bundle that
        # makes slow progress, and a split of a bundle with timers can lose a timer (apache/beam#35771),
        # leaving a record buffered forever (seen in the soak: scattered unique stories never written).
        to_enrich = to_enrich | "SeparateFromTimers" >> beam.Reshuffle()
    enriched = to_enrich | "Enrich" >> Enrich(config)
    if config.near_dup:
        near = enriched.main | "NearDup" >> NearDup(
            config.near_dup_threshold, config.drop_near_duplicates, config.near_dup_horizon_s,
            shards=config.near_dup_shards or DEFAULT_SHARDS,
            carried_from=carried.shards_folder if carried is not None else None)
        kept, duplicates = near["main"], (deduped[DUPLICATES_TAG], near[DUPLICATES_TAG]) | "MergeDuplicates" >> beam.Flatten()
    else:
        kept, duplicates = enriched.main, deduped[DUPLICATES_TAG]
    dead_letters = (parsed[DEAD_LETTERS], enriched[DEAD_LETTERS]) | "MergeDeadLetters" >> beam.Flatten()
    checked = {ARTICLES: kept, DUPLICATES: duplicates, DEAD_LETTER: dead_letters} | "CheckRecords" >> CheckRecords(
        config.raw_cap_bytes)
    articles = checked[ARTICLES] | "CountWritten" >> beam.Map(_count, Metrics.counter(METRICS_NAMESPACE, "written"))
    outputs = {ARTICLES: articles, DUPLICATES: checked[DUPLICATES], DEAD_LETTER: checked[DEAD_LETTER]}
    track = kafka is not None
    acks, sinks = [], {kind: [] for kind in outputs}
    if config.out_dir:
        tagged = [
            outputs[kind] | f"Tag{_label(kind)}" >> beam.Map(lambda c, k=kind: (k, AvroRecord.of(c.record, c.avro)))
            for kind in outputs
        ]
        windowed = tagged | "MergeOutputs" >> beam.Flatten()
        if config.streaming:
            windowed = windowed | "AtReadTime" >> beam.Map(at_read_time) | "WindowOutputs" >> beam.WindowInto(
                beam.window.FixedWindows(config.window_s),
                # Read times trail the watermark by the job's own delay only; a record behind it (late)
                # still gets a file, in a later pane, within the allowed lateness.
                trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                accumulation_mode=trigger.AccumulationMode.DISCARDING,
                allowed_lateness=config.file_lateness_s,
            )
        acks.append(windowed | "WriteFiles" >> WriteAvroFiles(config.out_dir, config.run_id, acks=track))
        for kind in outputs:
            sinks[kind].append(FILE_SINK)
    if config.output_topics:
        from pipeline.io.kafka import WriteToKafka

        for kind, topic in config.output_topics.items():
            acks.append(
                outputs[kind]
                | f"Key{_label(kind)}" >> beam.Map(lambda c: (c.record["id"] or "", public_record(c.record)))
                | f"Write{_label(kind)}Topic" >> WriteToKafka(
                    kafka, topic, OUTPUT_SCHEMAS[kind], config.schema_id if kind == ARTICLES else None,
                    ack_kind=kind if track else None))
            sinks[kind].append(f"topic:{topic}")
    result = dict(outputs)
    if carried is not None:
        handed = [deduped[CARRIED]] + ([near[CARRIED]] if config.near_dup else [])
        result[CARRIED] = handed | "MergeCarried" >> beam.Flatten()
    if track:
        for kind in outputs:
            if not sinks[kind]:
                acks.append(outputs[kind] | f"Discard{_label(kind)}" >> beam.FlatMap(_discarded, kind))
                sinks[kind].append(DISCARDED)
        result.update(acks=acks, sinks=sinks)
    return result


def _label(kind: str) -> str:
    return kind.title().replace("-", "")


def _discarded(checked, kind: str):
    return kafka_acks([checked.record.get("source")], DISCARDED, kind)


def _count(record, counter):
    counter.inc()
    return record
