"""``wirepipe train-ner``: train the CRF entity model on a BIO corpus (ANERcorp train split), with word
clusters learned from raw news text."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipeline.locations import SAUDINEWSNET_16_DAYS, gold_dir, shared_data
from pipeline.commands._group import print_json
from pipeline.errors import ConfigError
from pipeline.nlp.entities.conll import FORMATS, read_conll

DEFAULT_RAW = str(shared_data(SAUDINEWSNET_16_DAYS))
#: Articles of the blind entity gold are left out of the raw text (their text must stay unseen).
DEFAULT_EXCLUDE = "tests/gold/entities_blind.jsonl"
DEFAULT_CACHE = ".local/ner-clusters"
#: Articles labelled in the news convention (ids and character offsets; the text is read from
#: SaudiNewsNet): head-noun organizations such as وزارة الصحة count, which ANERcorp leaves untagged.
DEFAULT_NEWS_GOLD = (str(gold_dir() / "entities_train.jsonl"), str(gold_dir() / "entities_vault.jsonl"))
#: Times each news article is counted beside ANERcorp's sentences (chosen on ANERcorp dev and the
#: looked-at blind set: docs/NER-FINDINGS.md).
NEWS_WEIGHT = 1
#: Sentences on each side that stand for a training sentence's document in the document features
#: (ANERcorp marks no articles; about 15 sentences each), chosen on the dev split (docs/NER-FINDINGS.md).
DOC_WINDOW = 8


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train-ner", help="train the CRF entity model",
        description="Train the CRF on a BIO corpus, with word clusters learned from raw text (needs the "
                    "`train` extra: gensim). Train on ANERCorp_CamelStyle_train.txt only. Writes MODEL, "
                    "MODEL.lex.json, MODEL.clusters.json.gz and MODEL.meta.json, which tagging needs together.")
    parser.add_argument("--conll", required=True, help="training corpus file")
    parser.add_argument("--out", required=True,
                        help="model file to write, e.g. .local/ner.crfsuite (its companion files go beside it)")
    parser.add_argument("--format", choices=FORMATS, default="anercorp", help="corpus format (default anercorp)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N sentences only")
    parser.add_argument("--max-iterations", type=int, default=None, help="L-BFGS iterations (default 150)")
    parser.add_argument("--c1", type=float, default=None, help="L1 regularisation (default 0.1)")
    parser.add_argument("--c2", type=float, default=None, help="L2 regularisation (default 0.05)")
    parser.add_argument("--raw", default=DEFAULT_RAW,
                        help=f"unlabeled JSON-lines articles for word clusters (default {DEFAULT_RAW}); 'none': no clusters")
    parser.add_argument("--raw-limit", type=int, default=None, help="use the first N raw articles only")
    parser.add_argument("--exclude-ids", default=DEFAULT_EXCLUDE,
                        help=f"JSON-lines file whose ids are left out of the raw text (default {DEFAULT_EXCLUDE})")
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help=f"directory caching the learned clusters by input and settings (default {DEFAULT_CACHE})")
    parser.add_argument("--context", action="store_true",
                        help="add the coarse clusters of the neighbouring words (lowered dev F1: off by default)")
    parser.add_argument("--no-inflection", action="store_true", help="no inflection-class feature from the raw text")
    parser.add_argument("--features", default="",
                        help="optional feature groups, comma-separated: affix (letters at the start and end of "
                             "the proclitic-free word), shape (cues of transliterated foreign names)")
    parser.add_argument("--doc-window", type=int, nargs="?", const=DOC_WINDOW, default=None, metavar="N",
                        help="add document features (a word's types elsewhere in the document by a first pass), with "
                             f"the N sentences on each side of a training sentence as its document (N {DOC_WINDOW} "
                             "when not given). Off by default: +0.02 ANERcorp F1, but speaker accuracy fell "
                             "0.800 -> 0.783 in grouped CV with that model (docs/NER-FINDINGS.md)")
    parser.add_argument("--rule-guard", action="store_true",
                        help="train with the rules' guard against words the raw text shows inflected "
                             "(lowered dev F1 of the CRF: off by default)")
    parser.add_argument("--news-gold", nargs="*", default=list(DEFAULT_NEWS_GOLD), metavar="FILE",
                        help="JSON lines of {id, mentions: [[start, end, type], ...]} over SaudiNewsNet articles, "
                             "trained on beside the corpus (default: entities_train.jsonl and the spent entities_vault.jsonl "
                             "of tests/gold); none: the corpus alone")
    parser.add_argument("--news-articles", nargs="+", default=None, metavar="CORPUS",
                        help="JSON-lines corpora holding the --news-gold articles (default: both SaudiNewsNet files)")
    parser.add_argument("--news-weight", type=int, default=NEWS_WEIGHT,
                        help=f"times each news article counts (default {NEWS_WEIGHT})")
    parser.set_defaults(func=run)


def load_or_learn_clusters(raw: str, exclude_ids: list[str], raw_limit: int | None, cache: str | None):
    """The word clusters of ``raw``, from ``cache`` when the same file and settings were used before."""
    from pipeline.nlp.entities.clusters import CLUSTER_SIZES, W2V_PARAMS, WordClusters, learn_clusters, raw_sentences

    st = os.stat(raw)
    key = json.dumps([os.path.abspath(raw), st.st_size, int(st.st_mtime), sorted(exclude_ids), raw_limit,
                      W2V_PARAMS, CLUSTER_SIZES], sort_keys=True)
    cached = Path(cache) / (hashlib.sha256(key.encode()).hexdigest()[:16] + ".clusters.json.gz") if cache else None
    if cached is not None and cached.is_file():
        return WordClusters.read(cached), {"clusters_cache": str(cached), "from_cache": True}
    clusters, figures = learn_clusters(raw_sentences(raw, exclude_ids, raw_limit))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        clusters.save(cached)
        figures["clusters_cache"] = str(cached)
    return clusters, figures


def _ids(path: str | None) -> list[str]:
    from pipeline.evaluation.corpus import gold_ids

    return gold_ids([path]) if path and os.path.isfile(path) else []


def news_documents(gold_files: list[str], corpora=None) -> list[list]:
    """The articles of offset gold files as tokenized BIO sentences, one list per article (``corpora``:
    where their texts are; default both SaudiNewsNet files)."""
    from pipeline.evaluation.corpus import DEFAULT_CORPORA, load_articles
    from pipeline.evaluation.mentions import read_gold
    from pipeline.nlp.entities.conll import sentences_from_offsets

    documents = []
    for path in gold_files:
        if not os.path.isfile(path):
            raise ConfigError(f"--news-gold {path} not found (pass --news-gold none to train on the corpus alone)")
        gold = read_gold(path)
        articles = load_articles(corpora or DEFAULT_CORPORA, set(gold))
        for aid, mentions in gold.items():
            try:
                documents.append(sentences_from_offsets(articles[aid].get("content") or "", mentions))
            except ConfigError as exc:
                raise ConfigError(f"{path}: article {aid}: {exc}") from exc
    return documents


def run(args) -> int:
    from pipeline.nlp.entities.crf_train import train, with_documents
    from pipeline.nlp.entities.rules import RuleTagger

    raw = getattr(args, "raw", None)
    if raw in (None, "none"):
        raw = None
    elif not os.path.isfile(raw):
        raise ConfigError(f"--raw {raw} not found (pass --raw none to train without word clusters)")
    sentences = read_conll(args.conll, args.format)
    if args.limit:
        sentences = sentences[: args.limit]
    news_files = [f for f in (getattr(args, "news_gold", None) or []) if f != "none"]
    documents = news_documents(news_files, getattr(args, "news_articles", None))
    weight = getattr(args, "news_weight", NEWS_WEIGHT)
    if documents and getattr(args, "doc_window", None) is not None:
        raise ConfigError("--doc-window needs ANERcorp alone: pass --news-gold none")
    sentences, fold_of = with_documents(sentences, documents, weight)
    params = {key: value for key in ("max_iterations", "c1", "c2")
              if (value := getattr(args, key, None)) is not None} or None
    clusters, cluster_figures = None, None
    if raw is not None:
        clusters, cluster_figures = load_or_learn_clusters(
            raw, _ids(getattr(args, "exclude_ids", None)), getattr(args, "raw_limit", None), getattr(args, "cache", None))
    guard = clusters.common_words() if clusters is not None and getattr(args, "rule_guard", False) else frozenset()
    figures = train(sentences, args.out, RuleTagger(common_words=guard), params, clusters=clusters,
                    context=getattr(args, "context", False),
                    inflection=not getattr(args, "no_inflection", False),
                    doc_window=getattr(args, "doc_window", None), fold_of=fold_of,
                    extra=frozenset(x for x in (getattr(args, "features", "") or "").split(",") if x))
    figures["raw"] = raw
    figures["news_gold"] = {"files": news_files, "articles": len(documents), "weight": weight,
                            "sentences": sum(map(len, documents))}
    figures["cluster_figures"] = cluster_figures
    return print_json(figures)
