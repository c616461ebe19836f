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
