"""The near-duplicate decision of the Beam transform equals the reference index's, on real wire copy.

``NearDupIndex`` (what ``eval dedup --direct`` and the benchmark measure) and the Beam path (shards of LSH
bands in keyed state, answers joined per article) share :class:`~pipeline.nlp.fingerprint.CandidateIndex`;
this checks that the plumbing around it keeps the decisions: the same ``duplicate_of`` for every
article of a SaudiNewsNet sample rich in republications. On the local runner the transform matches on one
shard, so ``cluster_id`` is the reference's too; over several shards it may differ by design (a shard
follows chains of matches only inside itself: see pipeline/transforms/neardup.py), never ``duplicate_of``.
"""
import json

import pytest

from pipeline import dedup
from pipeline.evaluation.clusters import cluster_replay, read_feed
from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data
from pipeline.nlp.fingerprint import Fingerprinter, NearDupIndex

CORPUS = shared_data(SAUDINEWSNET_TWO_DAYS)
SAMPLE = 700  # articles: the first of the file (one day's wire copy and its republications)

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _direct(feed, kept):
    """The reference index's decision for each article the pipeline kept, in event-time order."""
    fingerprinter = Fingerprinter()
    index = NearDupIndex(fingerprinter)
    direct = {}
    for article in sorted(read_feed([str(feed)]), key=dedup.order_key):
        if article["id"] not in kept or article["id"] in direct:
            continue  # exact repeats leave before near-dup detection in the pipeline
        direct[article["id"]] = index.add(article["id"], dedup.event_ms(article), fingerprinter.fingerprint(article["body"]))
    return direct


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    if not CORPUS.exists():
        pytest.skip(f"SaudiNewsNet not found at {CORPUS}")
    path = tmp_path_factory.mktemp("parity") / "sample.jsonl"
    with open(CORPUS, encoding="utf-8") as source, open(path, "w", encoding="utf-8") as sample:
        for number, line in enumerate(source):
            if number == SAMPLE:
                break
            sample.write(line)
    return path


@pytest.mark.parametrize("shards", [None, 8])  # None: the local runner's own choice, one shard
def test_the_beam_transform_decides_as_the_reference_index(feed, tmp_path, shards):
    replayed = cluster_replay([str(feed)], str(tmp_path / "out"), threshold=Fingerprinter().threshold,
                              shards=shards)
    kept = {article_id for article_id, (status, _, _) in replayed.items() if status != "EXACT"}
    direct = _direct(feed, kept)
    assert set(direct) == kept
    linked = sum(d.duplicate_of is not None for d in direct.values())
    assert linked >= 20, f"the sample should hold republications; found {linked}"
    differ = {a: (replayed[a][2], direct[a].duplicate_of) for a in kept if replayed[a][2] != direct[a].duplicate_of}
    assert not differ, json.dumps(dict(list(differ.items())[:10]), ensure_ascii=False)
    if shards is None:
        clusters = {a: (replayed[a][1], direct[a].cluster_id) for a in kept
                    if direct[a].duplicate_of is not None and replayed[a][1] != direct[a].cluster_id}
        assert not clusters, json.dumps(dict(list(clusters.items())[:10]), ensure_ascii=False)
