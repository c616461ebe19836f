"""``wirepipe train-speakers``: retrain the speaker model from the labelled quote sets in tests/gold."""
from __future__ import annotations

from pipeline.commands._group import print_json


def register(subparsers) -> None:
    from pipeline.evaluation.speakers import BLIND_SETS, DEFAULT_BLIND_WEIGHT, PACKAGED_MODEL, TRAINING_SETS

    parser = subparsers.add_parser(
        "train-speakers", help="retrain the speaker model from the labelled quotes",
        description="Run the extractors over the gold articles (texts from ../shared/data/saudinewsnet), "
                    "report grouped cross-validation by article (the model beside the rules), fit a "
                    "logistic regression on every labelled quote and write its weights as JSON. Needs "
                    "the train extra (scikit-learn).")
    parser.add_argument("--sets", nargs="+", default=list(TRAINING_SETS),
                        help="gold sets tests/gold/quotes_SET.jsonl (default: all training sets present)")
    parser.add_argument("--out", default=str(PACKAGED_MODEL), help="model file (default: the packaged model)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by article")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularization strength")
    parser.add_argument("--blind-weight", type=float, default=DEFAULT_BLIND_WEIGHT,
                        help=f"weight of the quotes of the sets labelled blind ({', '.join(BLIND_SETS)}) "
                             f"against the tuned ones (default {DEFAULT_BLIND_WEIGHT:g})")
    parser.set_defaults(func=run)


def run(args) -> int:
    from pipeline.evaluation.speakers import run_training

    return print_json(run_training(args.sets, args.out, args.folds, args.c, blind_weight=args.blind_weight))
