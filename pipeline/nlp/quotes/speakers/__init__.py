"""Speaker candidates, their features, the well-formedness check and the trained scorer that chooses.

The rules of :mod:`pipeline.nlp.quotes.speaker_rules` read one speaker per speech cue. Here that reading is
one *candidate* among others — every PERSON and ORGANIZATION mention near the quote, the previous
quote's speaker, and nobody — each described by general features (distance in words and sentences,
side of the quote, subject position of the speech verb, a preposition before the mention, another
cue or quote between, …). A linear model trained on the labelled quotes (``wirepipe train-speakers``)
scores them; the best one wins. Candidates that are not well formed are never chosen.

- :mod:`~pipeline.nlp.quotes.speakers.wellformed`: what a well-formed speaker is;
- :mod:`~pipeline.nlp.quotes.speakers.names`: the fuller or shorter forms of a name or description;
- :mod:`~pipeline.nlp.quotes.speakers.views`: the quote, the field and the candidate the features read;
- :mod:`~pipeline.nlp.quotes.speakers.features`: the candidates of a quote and their features;
- :mod:`~pipeline.nlp.quotes.speakers.model`: the linear scorer and its packaged JSON weights.
"""
from pipeline.nlp.quotes.speakers.features import candidates
from pipeline.nlp.quotes.speakers.model import MODEL_RESOURCE, SpeakerModel
from pipeline.nlp.quotes.speakers.names import (_trim_words, extend_name, lengthen_description, quoted_heads,
                                                spokesman_of, subject_tail_name, trim_name)
from pipeline.nlp.quotes.speakers.views import Candidate, FieldView, QuoteView
from pipeline.nlp.quotes.speakers.wellformed import is_description, is_name_run, well_formed

__all__ = ["Candidate", "QuoteView", "FieldView", "SpeakerModel", "candidates", "is_description",
           "is_name_run", "well_formed", "MODEL_RESOURCE", "extend_name", "lengthen_description",
           "quoted_heads", "spokesman_of", "subject_tail_name", "trim_name"]
# _trim_words is imported by name in tests/unit/test_quotes_candidates.py
