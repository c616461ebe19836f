"""Quotations in Arabic news and their speakers.

- :mod:`~pipeline.nlp.quotes.marks`: quote marks paired into spans, sentence ends outside them;
- :mod:`~pipeline.nlp.quotes.cues`: speech cues (verbs, participles, frames) and where their clauses end;
- :mod:`~pipeline.nlp.quotes.speaker_rules`: the rules' reading of each cue's subject (a package, one
  module a construction: after the verb, before it, continuation, noun phrases);
- :mod:`~pipeline.nlp.quotes.speakers`: candidates, features, the well-formedness check and the trained
  scorer that chooses the speaker (a package: ``wellformed``, ``names``, ``views``, ``features``, ``model``);
- :mod:`~pipeline.nlp.quotes.lexicon`: the one word lexicon (``pipeline/resources/quotes/lexicon.json``);
- :mod:`~pipeline.nlp.quotes.extractor`: :class:`QuoteExtractor`, which runs them per field.
"""
from pipeline.nlp.quotes.extractor import QuoteExtractor

__all__ = ["QuoteExtractor"]
