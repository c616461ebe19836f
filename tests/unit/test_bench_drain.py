"""The pure parts of `wirepipe bench drain`: the backlog it sends and the CPU it counts."""
from __future__ import annotations

import os
import time

from pipeline.benchmarks.drain import BACKLOG_END_S, backlog, group_cpu_s


def test_backlog_is_one_story_a_second_ending_before_now():
    articles = [("عنوان", "قال الوزير إن الاجتماع مهم"), (None, "أعلنت الوزارة نتائج الامتحانات"), (None, "نص ثالث")]
    now_ms = 1_765_000_000_000
    stories = backlog(articles, "r1", now_ms)
    assert [s["id"] for s in stories] == ["drain-r1-000000", "drain-r1-000001", "drain-r1-000002"]
    assert [(s["headline"], s["body"]) for s in stories] == articles
    times = [s["published_at"] for s in stories]
    assert [b - a for a, b in zip(times, times[1:])] == [1000, 1000]
    assert times[-1] == now_ms - BACKLOG_END_S * 1000 - 1000


def test_group_cpu_counts_this_process_group():
    before = group_cpu_s(os.getpgid(0))
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert group_cpu_s(os.getpgid(0)) - before >= 0.2
    assert group_cpu_s(2**22 + 12345) == 0.0  # no such group
