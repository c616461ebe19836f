"""``wirepipe train-verbs``: learn the verb list of the speaker guard from raw news text."""
from __future__ import annotations

import time
from pathlib import Path

from pipeline.commands._group import print_json
from pipeline.locations import SAUDINEWSNET_16_DAYS, gold_dir, shared_data

DEFAULT_RAW = str(shared_data(SAUDINEWSNET_16_DAYS))
PACKAGED_VERBS = Path(__file__).resolve().parents[1] / "resources" / "entities" / "verbs.tsv"


def register(subparsers) -> None:
    from pipeline.nlp.entities.verbs import MIN_COUNT, MIN_SHARE

    parser = subparsers.add_parser(
        "train-verbs", help="learn the verbs no speaker's name may hold, from raw news text",
        description="Count the words after قد/لقد/وقد and لم/لن/سوف in raw SaudiNewsNet articles (every article "
                    "of a gold set in tests/gold left out) and write those that are verbs "
                    "(pipeline.nlp.entities.verbs) as the packaged list.")
    parser.add_argument("--raw", default=DEFAULT_RAW, help=f"JSON-lines articles (default {DEFAULT_RAW})")
    parser.add_argument("--out", default=str(PACKAGED_VERBS), help="verb list (default: the packaged one)")
    parser.add_argument("--min-count", type=int, default=MIN_COUNT, help=f"uses after a marker (default {MIN_COUNT})")
    parser.add_argument("--min-share", type=float, default=MIN_SHARE,
                        help=f"share of the word's uses that follow a marker (default {MIN_SHARE})")
    parser.set_defaults(func=run)


def run(args) -> int:
    from pipeline.evaluation.corpus import gold_ids
    from pipeline.nlp.entities.clusters import raw_paragraphs
    from pipeline.nlp.entities.gazetteer import _resource_lines
    from pipeline.nlp.entities.verbs import learn_verbs

    started = time.process_time()
    excluded = set(gold_ids(sorted(gold_dir().glob("*.jsonl"))))  # every labelled article stays unseen
    names = [row[0] for row in _resource_lines("first_names.txt")]
    verbs = learn_verbs(raw_paragraphs(args.raw, excluded), args.min_count, args.min_share, not_verbs=names)
    # the words alone: the list changes when a verb does, not with every count (a new gold set moves them)
    lines = ["# Verbs learned from raw news text (pipeline.nlp.entities.verbs), one a line. Made by wirepipe",
             f"# train-verbs --raw {Path(args.raw).name} --min-count {args.min_count} --min-share {args.min_share:g},",
             "# every article of a gold set in tests/gold left out.", *verbs]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return print_json({"raw": args.raw, "out": args.out, "verbs": len(verbs), "gold_articles_left_out": len(excluded),
                       "cpu_s": round(time.process_time() - started, 1)})
