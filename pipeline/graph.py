"""The wirepipe job as a graph: sources → Parse → DedupExact → Enrich → NearDup → sinks. No logic here."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger

from pipeline.enrich import public_record
from pipeline.io.files import WriteAvroFiles
from pipeline.options import JobConfig
from pipeline.transforms import METRICS_NAMESPACE, at_read_time
from pipeline.transforms.dedup import DUPLICATES, DedupExact
from pipeline.transforms.enrich import Enrich
from pipeline.transforms.neardup import NearDup
from pipeline.transforms.parse import DEAD_LETTERS, Parse


def build(raws: beam.PCollection, config: JobConfig) -> dict:
    """Wire the job onto a PCollection of RawRecords; return the articles, duplicates and dead letters."""
    parsed = raws | "Parse" >> Parse(config.max_body_bytes, config.raw_cap_bytes)
    deduped = parsed.main | "DedupExact" >> DedupExact(config.dedup_horizon_s)
    enriched = deduped["main"] | "Enrich" >> Enrich(config)
    if config.near_dup:
        near = enriched.main | "NearDup" >> NearDup(
            config.near_dup_threshold, config.drop_near_duplicates, config.dedup_horizon_s)
        kept, duplicates = near["main"], (deduped[DUPLICATES], near[DUPLICATES]) | "MergeDuplicates" >> beam.Flatten()
    else:
        kept, duplicates = enriched.main, deduped[DUPLICATES]
    articles = kept | "CountWritten" >> beam.Map(_count, Metrics.counter(METRICS_NAMESPACE, "written"))
    dead_letters = (parsed[DEAD_LETTERS], enriched[DEAD_LETTERS]) | "MergeDeadLetters" >> beam.Flatten()
    outputs = {"articles": articles, "duplicates": duplicates, "dead-letter": dead_letters}
    if config.out_dir:
        tagged = [
            outputs[kind] | f"Tag{kind.title().replace('-', '')}" >> beam.Map(lambda r, k=kind: (k, public_record(r)))
            for kind in outputs
        ]
        windowed = tagged | "MergeOutputs" >> beam.Flatten()
        if config.streaming:
            windowed = windowed | "AtReadTime" >> beam.Map(at_read_time) | "WindowOutputs" >> beam.WindowInto(
                beam.window.FixedWindows(config.window_s),
                # Read times trail the watermark by the job's own delay only; a record behind it (late)
                # still gets a file, in a later pane, within the horizon.
                trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                accumulation_mode=trigger.AccumulationMode.DISCARDING,
                allowed_lateness=config.dedup_horizon_s,
            )
        windowed | "WriteFiles" >> WriteAvroFiles(config.out_dir)
    return outputs


def _count(record, counter):
    counter.inc()
    return record
