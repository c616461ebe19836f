"""The speaker rules: the subject a speech cue's sentence names, read from the entity list and the noun
phrase, and linked to the fullest form of the name in the article. Their reading is one candidate of
:mod:`pipeline.nlp.quotes.speakers`. One mixin a module, by the grammar it reads:

- :mod:`~pipeline.nlp.quotes.speaker_rules.after_verb`: the subject after the speech verb (VSO), a source
  after نقل … عن, a frame; the order in which the readings are tried;
- :mod:`~pipeline.nlp.quotes.speaker_rules.before_verb`: the subject before it (SVO), a topic, a label;
- :mod:`~pipeline.nlp.quotes.speaker_rules.continuation`: a cue that names nobody (the previous speaker
  goes on, or the other party, the sentence's or the lead's subject);
- :mod:`~pipeline.nlp.quotes.speaker_rules.nominal`: the speaker a subject noun phrase names;
- :mod:`~pipeline.nlp.quotes.speaker_rules.linking`: a name's fullest form in the article, an office's holder;
- :mod:`~pipeline.nlp.quotes.speaker_rules.names`: which words make a personal name;
- :mod:`~pipeline.nlp.quotes.speaker_rules.tokens`: the words and entities the rules read.
"""
from pipeline.nlp.quotes.speaker_rules.after_verb import _AfterVerb
from pipeline.nlp.quotes.speaker_rules.before_verb import _BeforeVerb
from pipeline.nlp.quotes.speaker_rules.continuation import _Continuation
from pipeline.nlp.quotes.speaker_rules.linking import _Linking
from pipeline.nlp.quotes.speaker_rules.names import _NameRuns, _plausible
from pipeline.nlp.quotes.speaker_rules.nominal import _NounPhrase
from pipeline.nlp.quotes.speaker_rules.tokens import _Tokens

__all__ = ["_SpeakerRules", "_plausible"]


class _SpeakerRules(_AfterVerb, _BeforeVerb, _Continuation, _NounPhrase, _Linking, _NameRuns, _Tokens):
    """The rules' reading of a cue's subject (a mixin of ``_Article``); each method lives in one base."""
