"""Poison records: a record that kills the worker process each time is dead-lettered after N attempts."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipeline.errors import ConfigError
from pipeline.io.poison import PoisonJournal, record_key

CRASH = """
import os, sys
from pipeline.io.poison import PoisonJournal
journal = PoisonJournal(sys.argv[1])
journal.begin("ok-1"); journal.end()
journal.begin(sys.argv[2])
os._exit(9)  # dies while on the record, as a native crash would
"""


def _crash_on(directory, key) -> None:
    done = subprocess.run([sys.executable, "-c", CRASH, str(directory), key], capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr


def test_a_record_that_kills_the_process_three_times_is_poison(tmp_path):
    key = record_key({"kind": "KAFKA", "topic": "wire", "partition": 2, "offset": 41})
    for attempt in range(1, 4):
        assert not PoisonJournal(str(tmp_path)).is_poison(key)
        _crash_on(tmp_path, key)
        assert PoisonJournal(str(tmp_path)).attempts(key) == attempt
    journal = PoisonJournal(str(tmp_path))
    assert journal.is_poison(key) and journal.attempts("ok-1") == 0
    assert not [name for name in os.listdir(tmp_path) if name.startswith("inflight-")]


def test_journals_set_up_at_once_after_a_crash_count_it_once_and_never_fail(tmp_path):
    """After a kill -9, every worker thread's DoFn sets up a journal at the same moment: none may fail
    (a setup that raises fails the whole job on Prism) and the dead process's note counts once."""
    from concurrent.futures import ThreadPoolExecutor

    _crash_on(tmp_path, "kafka:wire/0/7")
    with ThreadPoolExecutor(8) as pool:
        journals = list(pool.map(lambda _: PoisonJournal(str(tmp_path)), range(8)))
    assert {journal.attempts("kafka:wire/0/7") for journal in journals} == {1}
    assert PoisonJournal(str(tmp_path)).attempts("kafka:wire/0/7") == 1


def test_notes_of_a_live_process_and_finished_records_count_nothing(tmp_path):
    first = PoisonJournal(str(tmp_path))
    first.begin("busy")  # this process is alive: its note is not an attempt
    first.begin("done")
    first.end()
    assert PoisonJournal(str(tmp_path)).attempts("busy") == 0
    assert PoisonJournal(str(tmp_path)).attempts("done") == 0


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="max_attempts"):
        PoisonJournal(str(tmp_path), max_attempts=0)


def test_replay_dead_letters_a_record_marked_poison(tmp_path):
    from tests.e2e.helpers import assert_accounting, replay

    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"id": f"a-{i}", "body": f"قال الوزير إن الاجتماع رقم {i} مهم"},
                                         ensure_ascii=False) for i in range(3)) + "\n", encoding="utf-8")
    state = tmp_path / "out" / ".wirepipe-state"
    state.mkdir(parents=True)
    (state / "attempts.json").write_text(json.dumps({record_key({"kind": "FILE", "path": str(feed), "line": 2}): 3}))
    result = replay([feed], tmp_path / "out")
    assert_accounting(result)
    [dead] = result["dead-letter"]
    assert (dead["id"], dead["error_kind"], dead["stage"]) == ("a-1", "poison", "enrich")
    assert sorted(a["id"] for a in result["articles"]) == ["a-0", "a-2"]
