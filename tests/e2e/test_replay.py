"""End to end: `wirepipe replay` on seeds/, a generated feed and (opt-in) SaudiNewsNet; Avro read back."""
from __future__ import annotations

import json
import random

import pytest

from tests.conftest import SEED_TXT, SEEDS
from tests.e2e.helpers import assert_accounting, replay


def by_id(records):
    out = {}
    for r in records:
        out.setdefault(r["id"], []).append(r)
    return out


def test_seed_txt_gives_one_article_verbatim(tmp_path, seed_article):
    result = replay([SEED_TXT], tmp_path / "out")
    [article] = result["articles"]
    headline, body = seed_article
    assert article["id"] == "000_2ec8cf8ddaeb2913"
    assert article["headline"] == headline == "وزير الخارجية الروسي سيرغي لافروف"
    assert article["body"] == body and body.startswith("طالب وزير الخارجية الروسي")
    assert article["dedup"]["status"] == "UNIQUE" and article["source"]["kind"] == "FILE"
    assert_accounting(result)


def test_demo_feed_accounting_and_outcomes(tmp_path):
    result = replay([SEEDS / "demo"], tmp_path / "out")
    assert_accounting(result)
    m = result["metrics"]
    # feed.jsonl: 15 read, 4 dead, 1 exact dup; bad-bytes.jsonl: 3 read, 1 dead; broken.jsonl.gz: 1 dead.
    assert (m["read"], m["dead_letter"], m["exact_duplicate"], m["written"], m["updates"]) == (19, 6, 1, 12, 1)
    articles = by_id(result["articles"])
    statuses = sorted(a["dedup"]["status"] for a in articles["sana-2025-11-03-0002"])
    assert statuses == ["UNIQUE", "UPDATE"]
    update = next(a for a in articles["sana-2025-11-03-0002"] if a["dedup"]["status"] == "UPDATE")
    first = next(a for a in articles["sana-2025-11-03-0002"] if a["dedup"]["status"] == "UNIQUE")
    assert update["dedup"]["first_version_hash"] == first["content_hash"] != update["content_hash"]
    [dup] = result["duplicates"]
    assert (dup["id"], dup["kind"], dup["duplicate_of"]) == ("wafa-2025-11-03-0007", "EXACT", "wafa-2025-11-03-0001")
    kinds = sorted(d["error_kind"] for d in result["dead-letter"])
    assert kinds == ["empty_body", "invalid_json", "invalid_utf8", "missing_id", "not_an_object", "unreadable_gzip"]
    empty = next(d for d in result["dead-letter"] if d["error_kind"] == "empty_body")
    assert empty["id"] == "spa-2025-11-03-0002" and empty["source"]["line"] == 13 and empty["stage"] == "parse"
    utf8 = next(d for d in result["dead-letter"] if d["error_kind"] == "invalid_utf8")
    assert b"\xff\xfe" in utf8["raw"] and utf8["raw_length"] == len(utf8["raw"])
    dateline = articles["sana-2025-11-03-0001"][0]["dateline"]
    assert (dateline["place"], dateline["agency"]) == ("دمشق", "سانا")


def generated_feed(rng: random.Random, n: int = 60):
    """Stories with exact repeats (respelled), updates, and bad lines, in shuffled order."""
    lines, expected = [], {"unique": 0, "dup": 0, "update": 0, "dead": 0}
    for i in range(n):
        body = f"الرياض-واس\nأعلنت الهيئة رقم {i} أن المشروع {i * 7} سيكتمل خلال {i % 12 + 1} شهرا."
        story = {"id": f"was-{i}", "body": body, "published_at": 1_700_000_000_000 + i * 60_000}
        lines.append(json.dumps(story, ensure_ascii=False))
        expected["unique"] += 1
        if i % 5 == 0:  # an exact repeat by another outlet, respelled, an hour later
            respelled = body.replace("أعلنت", "أعلـــنت").replace("إن", "إنّ")
            lines.append(json.dumps({"id": f"paper-{i}", "content": respelled,
                                     "published_at": story["published_at"] + 3_600_000}, ensure_ascii=False))
            expected["dup"] += 1
        if i % 7 == 0:  # an update of the same id
            lines.append(json.dumps({**story, "body": body + "\nوأضافت أن التفاصيل ستعلن لاحقا.",
                                     "published_at": story["published_at"] + 7_200_000}, ensure_ascii=False))
            expected["update"] += 1
    for bad in ('{"id": "cut', "[1, 2]", '{"id": "x", "body": ""}', '{"body": "لا معرف"}', "42"):
        lines.append(bad)
        expected["dead"] += 1
    rng.shuffle(lines)
    return lines, expected


@pytest.mark.parametrize("seed", [7, 8])
def test_generated_feed_in_any_order(tmp_path, seed):
    lines, expected = generated_feed(random.Random(seed))
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = replay([feed], tmp_path / "out")
    assert_accounting(result, {(str(feed), n) for n in range(1, len(lines) + 1)})
    m = result["metrics"]
    assert (m["exact_duplicate"], m["updates"], m["dead_letter"]) == (expected["dup"], expected["update"], expected["dead"])
    assert m["written"] == expected["unique"] + expected["update"]
    # The wire original (earlier) is kept whatever the line order; the respelled copy is the duplicate.
    assert all(d["id"].startswith("paper-") and d["duplicate_of"] == "was-" + d["id"][6:] for d in result["duplicates"])


@pytest.mark.corpus
def test_saudinewsnet_replay(tmp_path, shared_data):
    feed = shared_data / "saudinewsnet" / "saudinewsnet_2015-08-10_11.jsonl"
    result = replay([feed], tmp_path / "out")
    assert result["metrics"]["read"] == 3386
    assert_accounting(result, {(str(feed), n) for n in range(1, 3387)})
    empty = [d for d in result["dead-letter"] if d["error_kind"] == "empty_body"]
    assert len(empty) == 24 and all(d["id"] for d in empty)
    ids = {json.loads(line)["id"] for line in feed.open(encoding="utf-8")}
    out_ids = {r["id"] for kind in ("articles", "duplicates", "dead-letter") for r in result[kind]}
    assert out_ids == ids


@pytest.mark.parametrize("extra,message", [
    (("--ner", "camel"), "--ner camel needs"),
    (("--ner-model", "/nonexistent/ner.crfsuite"), "NER model file /nonexistent/ner.crfsuite not found"),
])
def test_missing_entity_resources_fail_before_the_run(tmp_path, capsys, extra, message):
    from pipeline.cli import main
    from pipeline.nlp.entities.camel import missing_camel_resources

    if extra[0] == "--ner" and not missing_camel_resources():
        pytest.skip("camel-tools NER data is installed here")
    code = main(["replay", str(SEEDS / "demo" / "feed.jsonl"), "--out", str(tmp_path / "out"), "--no-progress", *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "metrics.json").exists()
