"""The endless stream on Prism for ten minutes (WIREPIPE_SOAK_SECONDS), through a broker stop and restart
and a kill -9 of the job and its restart: the job never dies by itself, commits move, no record is
missing from the Avro output below a committed offset (what is not written yet is read again by a
restart: at least once), dedup holds through the outage, and missing records and repeats are counted.
The restart resumes at the group's committed offsets, so its repeats are at most the records that were
in files but not yet committed at the kill (commits follow the files within seconds).

Prism (2.77) dropped the timers of a split bundle (apache/beam#35771), which held records in dedup
forever; `wirepipe run` turns its dynamic splits off. The soak's stories are one template with other
figures each time: near-dup matching that compared each with every earlier one, in Python, made the job
fall behind (an hour's soak stopped writing at minute 28); with candidates screened in numpy the job
keeps within seconds of the producer, beside the rest of the suite too, so every acknowledged record
must be in the outputs once the drain is over.

Longer runs (an hour) are `wirepipe bench soak --minutes 60`, outside the suite."""
from __future__ import annotations

import json
import os

import pytest

from pipeline.benchmarks.soak import LocalBroker, SoakPlan, run_soak
from tests.integration.conftest import KAFKA_SH
from tests.integration.kafka_helpers import prism_or_none

PRISM = prism_or_none()
SECONDS = float(os.environ.get("WIREPIPE_SOAK_SECONDS", "600"))
pytestmark = [
    pytest.mark.kafka,
    pytest.mark.slow,
    pytest.mark.soak,
    pytest.mark.skipif(PRISM is None, reason="Prism runner binary not found (set PRISM_LOCATION)"),
    pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")),
                       reason="the soak stops and restarts the broker: only with the local one (deploy/local/kafka.sh)"),
    pytest.mark.skipif(SECONDS <= 0, reason="WIREPIPE_SOAK_SECONDS=0"),
]


def test_endless_stream_survives_a_broker_outage_and_a_kill(kafka_bootstrap, tmp_path):
    plan = SoakPlan(seconds=SECONDS, rate=4.0, outage_s=20.0, window="5s", drain_s=300.0)
    report = run_soak(kafka_bootstrap, PRISM, plan, str(tmp_path), broker=LocalBroker(str(KAFKA_SH)))
    (tmp_path / "soak.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps({k: v for k, v in report.items() if k != "job_died_by_itself"}, default=str))
    assert report["acknowledged"] >= 0.9 * plan.rate * plan.seconds
    assert report["job_died_by_itself"] == [], report["job_died_by_itself"][0]["log"][-1500:]
    assert report["missing_below_committed_offset"] == 0, report["missing_sample"]
    assert all(offset and offset > 0 for offset in report["committed"].values()), report["committed"]
    assert report["missing"] == 0, report["missing_sample"]  # every acknowledged record, at least once
    assert report["exact_duplicates_let_through_within_one_job"] == 0  # dedup held through the outage
    assert [e["event"] for e in report["events"]] == ["broker outage", "kill -9 and restart"]
    assert report["uncommitted_at_kill"] is not None
    assert report["repeats"] <= report["uncommitted_at_kill"], (report["repeats"], report["uncommitted_at_kill"])
    commits = [s["committed"] for s in report["commit_trace"] if s["committed"] is not None]
    assert commits == sorted(commits), commits  # the commit point never moves back, across the restart too
