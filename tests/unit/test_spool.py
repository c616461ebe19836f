"""The replay's spool: records written once in the plan's pass, each chunk reading back exactly its own."""
import gzip
import json
import random

from pipeline.chunks import dated_records, plan_chunks
from pipeline.io.archive import iter_raw_records
from pipeline.io.spool import SpoolWriter, read_spool

NOW = 1_700_000_000_000


def _feed(tmp_path):
    """A .jsonl.gz of dated articles out of order, an undated one, a broken line, and a damaged .gz."""
    lines = [json.dumps({"id": f"a{n}", "body": f"نص الخبر {n}", "date": f"2015-08-{10 + (n * 7) % 9:02d} 10:00:00"},
                        ensure_ascii=False) for n in range(9)]
    lines += [json.dumps({"id": "undated", "body": "نص"}, ensure_ascii=False), "{broken"]
    good = tmp_path / "feed.jsonl.gz"
    good.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    damaged = tmp_path / "damaged.jsonl.gz"
    rng = random.Random(3)
    copy = "".join(json.dumps({"id": f"d{n}", "body": f"{rng.getrandbits(400):x}"}) + "\n" for n in range(200))
    packed = gzip.compress(copy.encode())
    damaged.write_bytes(packed[:len(packed) // 2])  # cut in the middle: some records, then the error
    return [str(good), str(damaged)]


def test_each_chunk_reads_back_exactly_its_records_as_read_from_the_files(tmp_path):
    files = _feed(tmp_path)
    with SpoolWriter(str(tmp_path / "records.spool")) as writer:
        index = [(writer.write(raw), published) for raw, published in dated_records(files)]
    plan = plan_chunks(index, 3, NOW)
    read = list(iter_raw_records(files))
    at = {offset: number for number, (offset, _) in enumerate(index)}
    assert len(plan) >= 4
    for chunk in plan:
        # The same records (payload, source, error: everything), in reading order.
        assert list(read_spool(str(tmp_path / "records.spool"), chunk.positions)) == [
            read[at[offset]] for offset in sorted(chunk.positions)]
    assert sorted(at[offset] for chunk in plan for offset in chunk.positions) == list(range(len(read)))
    assert any(raw.error for raw in read), "the damaged .gz gives a record with its error, spooled like the others"


def test_a_replay_of_one_chunk_reads_its_input_once(tmp_path, monkeypatch):
    """The plan reads and spools every record; a replay that fits in one chunk reads the spool, not the
    (perhaps compressed) input again, and writes the same articles."""
    import pipeline.io.archive as archive
    import pipeline.io.archive_source as archive_source
    from pipeline.io.avro import read_avro
    from pipeline.jobs import run_replay
    from pipeline.options import JobConfig

    feed = tmp_path / "feed.jsonl.gz"
    bodies = ["أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في جدة بسعة مئتي سرير.",
              "قال المتحدث باسم الهيئة إن موسم الصيف سيبدأ الشهر المقبل في أبها."]
    with gzip.open(feed, "wt", encoding="utf-8") as fh:
        for i, body in enumerate(bodies):
            fh.write(json.dumps({"id": f"a{i}", "body": body, "published_at": f"2015-08-1{i}T10:00:00Z"},
                                ensure_ascii=False) + "\n")
    opened = []
    original = archive.read_file

    def counting(path):
        opened.append(path)
        return original(path)

    monkeypatch.setattr(archive, "read_file", counting)
    monkeypatch.setattr(archive_source, "read_file", counting)
    out = tmp_path / "out"
    counts = run_replay([str(feed)], JobConfig(out_dir=str(out), ner_backend="none"))
    assert opened == [str(feed)]
    assert counts["written"] == 2
    written = sorted(r["id"] for path in out.glob("articles-*.avro") for r in read_avro(str(path)))
    assert written == ["a0", "a1"]
