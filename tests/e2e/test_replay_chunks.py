"""A replay in event-time chunks writes what one pipeline writes, on real wire copy.

The feed: the first SaudiNewsNet articles of the two-day file (natural republications among them), plus,
later in event time so that they fall in later chunks than their originals, exact copies, an update,
a reworded republication, a copy past the dedup horizon and a copy of that copy; records with no date
(read-time chunks after the dated ones) with an exact copy in the next such chunk; and lines that are
not articles. Every record must land in the same output with the same record (the run's own times
aside: ``ingested_at``, ``failed_at``), so the same ``status``, ``duplicate_of`` and ``cluster_id``.
"""
import json
import os
from datetime import datetime, timedelta

import pytest

from pipeline.chunks import dated_records, plan_chunks
from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data
from tests.e2e.helpers import KINDS, assert_accounting, replay, source_key

CORPUS = shared_data(SAUDINEWSNET_TWO_DAYS)
SAMPLE = 240
CHUNK = 40
RUN_TIMES = ("ingested_at", "failed_at")

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _shifted(article: dict, **delta) -> str:
    moment = datetime.fromisoformat(article["date_extracted"]) + timedelta(**delta)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    if not CORPUS.exists():
        pytest.skip(f"SaudiNewsNet not found at {CORPUS}")
    with open(CORPUS, encoding="utf-8") as source:
        articles = [json.loads(line) for _, line in zip(range(SAMPLE + 45), source)]
    sample, spare = articles[:SAMPLE], articles[SAMPLE:]
    first, second, third = sample[5], sample[60], sample[130]
    paragraphs = third["content"].strip().split("\n")
    lines = [json.dumps(article, ensure_ascii=False) for article in sample]
    lines += [json.dumps(record, ensure_ascii=False) for record in (
        {**first, "id": first["id"] + "-copy", "date_extracted": _shifted(first, hours=1)},
        {**second, "id": second["id"] + "-copy", "date_extracted": _shifted(second, hours=2)},
        {**second, "content": second["content"] + "\nوأضاف المصدر أن التحقيقات مستمرة.",
         "date_extracted": _shifted(second, hours=3)},  # same id, changed: an update
        {**third, "id": third["id"] + "-reworded", "date_extracted": _shifted(third, hours=4),
         "content": "\n".join(paragraphs[:-1] + ["وكانت الجهات المختصة قد أعلنت ذلك في وقت سابق."])},
        {**first, "id": first["id"] + "-late", "date_extracted": _shifted(first, days=8)},  # past the horizon
        {**first, "id": first["id"] + "-late-copy", "date_extracted": _shifted(first, days=8, hours=1)},
    )]
    undated = [{k: v for k, v in article.items() if k != "date_extracted"} for article in spare]
    lines += [json.dumps(article, ensure_ascii=False) for article in undated]
    lines += ["{not json", json.dumps({"id": "empty", "content": " ", "date_extracted": "2015-08-10 19:00:00"})]
    lines.append(json.dumps({**undated[0], "id": undated[0]["id"] + "-undated-copy"}, ensure_ascii=False))
    path = tmp_path_factory.mktemp("chunks") / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _by_source(result: dict) -> dict:
    return {source_key(record): (kind, {k: v for k, v in record.items() if k not in RUN_TIMES})
            for kind in KINDS for record in result[kind]}


def test_chunked_replay_writes_what_one_pipeline_writes(feed, tmp_path):
    whole = replay([feed], tmp_path / "whole", "--one-pipeline")
    chunked = replay([feed], tmp_path / "chunked", "--chunk-records", str(CHUNK))
    assert_accounting(whole)
    assert_accounting(chunked)

    index = ((raw.source["line"], published) for raw, published in dated_records([str(feed)]))
    plan = plan_chunks(index, CHUNK, int(datetime.now().timestamp() * 1000))
    assert chunked["metrics"]["chunks"] == len(plan) >= 8
    chunk_of = {line: number for number, chunk in enumerate(plan) for line in chunk.positions}
    line_of: dict = {}  # id -> line of its first version (an update repeats the id)
    for record in sorted(whole["articles"], key=lambda r: r["source"]["line"]):
        line_of.setdefault(record["id"], record["source"]["line"])

    # The feed puts decisions across chunk boundaries: an original and its copy in different chunks.
    crossing = {"EXACT": 0, "NEAR_DUPLICATE": 0, "UPDATE": 0}
    for record in whole["duplicates"]:
        crossing["EXACT"] += chunk_of[line_of[record["duplicate_of"]]] < chunk_of[record["source"]["line"]]
    for record in whole["articles"]:
        dedup = record["dedup"]
        if dedup["status"] == "NEAR_DUPLICATE":
            crossing["NEAR_DUPLICATE"] += chunk_of[line_of[dedup["duplicate_of"]]] < chunk_of[record["source"]["line"]]
        elif dedup["status"] == "UPDATE":
            crossing["UPDATE"] += 1
    assert crossing["EXACT"] >= 3 and crossing["NEAR_DUPLICATE"] >= 3 and crossing["UPDATE"] == 1, crossing

    expected, got = _by_source(whole), _by_source(chunked)
    assert set(got) == set(expected)
    differ = {key: (expected[key][0], got[key][0], expected[key][1].get("dedup"), got[key][1].get("dedup"))
              for key in expected if got[key] != expected[key]}
    assert not differ, json.dumps({str(k): v for k, v in list(differ.items())[:5]}, ensure_ascii=False, default=str)
    counters = ("read", "dead_letter", "exact_duplicate", "near_duplicate_dropped", "written", "updates",
                "near_duplicate", "entities", "quotes", "read_bytes", "near_dup_compared")
    assert {k: chunked["metrics"][k] for k in counters} == {k: whole["metrics"][k] for k in counters}


DIES = 3  # the chunk that dies in the first run


def test_a_rerun_after_a_chunk_died_resumes_there_and_writes_each_record_once(feed, tmp_path, monkeypatch):
    from pipeline import jobs
    from pipeline.cli import main

    whole = replay([feed], tmp_path / "whole", "--one-pipeline")
    out, calls = tmp_path / "chunked", tmp_path / "calls.txt"
    real = jobs._replay_chunk
    recorded = _recording(real, calls)

    def chunk_that_dies(*args):
        counts = recorded(*args)
        if args[-1] == DIES:
            os._exit(9)  # dies after writing its outputs, before it reports: the worst moment
        return counts

    monkeypatch.setattr(jobs, "_replay_chunk", chunk_that_dies)
    assert main(["replay", str(feed), "--out", str(out), "--no-progress", "--chunk-records", str(CHUNK)]) != 0
    assert calls.read_text().split() == [str(n) for n in range(DIES + 1)]
    left = list((out / jobs.STATE_DIR).glob("replay-*/plan.pickle"))
    assert len(left) == 1, "the failed run keeps its plan, spool and carried state for a rerun"

    calls.unlink()
    monkeypatch.setattr(jobs, "_replay_chunk", recorded)
    resumed = replay([feed], out, "--chunk-records", str(CHUNK))
    plan_size = resumed["metrics"]["chunks"]
    assert calls.read_text().split() == [str(n) for n in range(DIES, plan_size)], "finished chunks are not run again"
    assert not list((out / jobs.STATE_DIR).glob("replay-*")), "a finished replay leaves no state behind"

    assert_accounting(resumed)  # every input record in exactly one output: the dead chunk's files were replaced
    expected, got = _by_source(whole), _by_source(resumed)
    assert set(got) == set(expected)
    assert not {key for key in expected if got[key] != expected[key]}
    counters = ("read", "dead_letter", "exact_duplicate", "near_duplicate_dropped", "written", "updates",
                "near_duplicate", "entities", "quotes", "read_bytes")
    assert {k: resumed["metrics"][k] for k in counters} == {k: whole["metrics"][k] for k in counters}


def _recording(function, calls):
    """``function`` (a chunk's, run in a child process) writing the chunk's number to the file ``calls``."""
    def recorded(*args):
        with open(calls, "a") as fh:
            fh.write(f"{args[-1]}\n")
        return function(*args)
    return recorded
