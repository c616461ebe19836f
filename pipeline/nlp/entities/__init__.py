"""Arabic named entities: gazetteers, rules, an optional CRF or CAMeL tagger, within-document linking.

Public API::

    ner = EntityExtractor.load(model_path=None, backend="auto")
    entities = ner.extract(headline, body)   # Avro Entity records
"""
from pipeline.nlp.entities.extractor import BACKENDS, EntityExtractor
from pipeline.nlp.entities.gazetteer import Gazetteer, Lexicon, cache_dir

__all__ = ["EntityExtractor", "BACKENDS", "Gazetteer", "Lexicon", "cache_dir"]
