"""``wirepipe train-ner``: train the CRF entity model on a BIO corpus (ANERcorp train split)."""
from __future__ import annotations

from pipeline.commands._group import print_json
from pipeline.nlp.entities.conll import FORMATS, read_conll


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train-ner", help="train the CRF entity model",
        description="Train the CRF on a BIO corpus. Train on ANERCorp_CamelStyle_train.txt only; "
                    "models are written outside the repository (e.g. under .local/ or /tmp), with the "
                    "training lexicon next to them (MODEL.lex.json), which tagging needs too.")
    parser.add_argument("--conll", required=True, help="training corpus file")
    parser.add_argument("--out", required=True,
                        help="model file to write, e.g. .local/ner.crfsuite (and its lexicon, MODEL.lex.json)")
    parser.add_argument("--format", choices=FORMATS, default="anercorp", help="corpus format (default anercorp)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N sentences only")
    parser.add_argument("--max-iterations", type=int, default=None, help="L-BFGS iterations (default 150)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from pipeline.nlp.entities.crf import train
    from pipeline.nlp.entities.rules import RuleTagger

    sentences = read_conll(args.conll, args.format)
    if args.limit:
        sentences = sentences[: args.limit]
    params = {"max_iterations": args.max_iterations} if args.max_iterations else None
    return print_json(train(sentences, args.out, RuleTagger(), params))
