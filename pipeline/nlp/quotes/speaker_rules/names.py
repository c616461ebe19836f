"""Which words make a personal name: name-like words (not a title, a head noun, a verb or a
preposition phrase), runs of given names, glue words (بن، عبد) and one family name, and the PERSON
entities of the tagger that cannot be a person's name."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from pipeline.nlp.normalize import fold as _fold
from pipeline.nlp.quotes.lexicon import CUE_FORMS, NAME_HEADS
from pipeline.nlp.quotes._base import (
    _CLAUSE_OPENERS,
    _CONNECTORS,
    _EPONYM_TITLES,
    _HONORIFICS,
    _INSTITUTIONS,
    _KIN,
    _KIN_HEADS,
    _NAME_GLUE,
    _NAME_PREFIXES,
    _NOT_CONSTRUCT,
    _NP_STOP,
    _ORG_HEADS,
    _OWNERS,
    _PLACE_HEADS,
    _PLURAL_SUFFIXES,
    _POSSESSED,
    _PRONOUN_TITLES,
    _QUANTIFIERS,
    _ROLES,
    _SPOKESMEN,
    _THEOPHORIC,
    _construct_head,
    _deproclitic,
    _key,
)


def _plausible(entity: dict) -> bool:
    """False for a PERSON entity that cannot be a person's name: a preposition on an organization or
    place head (لشركة مسكن), or such a head inside it (مركز الملك سلمان). The entity list comes from a
    statistical tagger: a wrong speaker is worse than the fallback reading of the subject."""
    if entity.get("type") != "PERSON":
        return True
    words = [_key(w) for w in _fold(entity.get("text") or "").split()]
    words = [w for w in words if w]
    if not words:
        return False
    heads = _ORG_HEADS | NAME_HEADS | _PLACE_HEADS
    return not any(w in heads or _deproclitic(w) in heads or ("ال" + _deproclitic(w)) in heads
                   or _NameRuns._headed_pp(w) for w in words)


class _NameRuns:
    """Name words and name runs (a mixin of ``_Article``)."""

    @staticmethod
    @lru_cache(maxsize=1 << 16)  # a pure test of one word, asked again and again of the same words
    def _name_like(k: str) -> bool:
        return (len(k) >= 2 and not k.startswith(("ال", "بال", "لل", "وال", "فال", "كال")) and k not in _ROLES
                and k not in _HONORIFICS and k not in _NP_STOP and not k[0].isdigit() and k not in CUE_FORMS
                and not (k[0] in "وف" and k[1:] in CUE_FORMS)
                and k not in _ORG_HEADS and not k[0].isascii() and k not in NAME_HEADS
                and k not in _CLAUSE_OPENERS and k not in _CONNECTORS and not k.endswith(_POSSESSED)
                and not (len(k) > 4 and k.endswith(_PLURAL_SUFFIXES))
                and k not in _KIN and k not in _PRONOUN_TITLES and not _NameRuns._headed_pp(k))

    def _kin_construct(self, tok) -> bool:
        """A kinship noun in construct (أعمام أفراح، ابنة الفقيد): ة and the pronoun ه fold alike, so the
        original letter tells ابنة (construct) from ابنه (his son, followed by the son's name)."""
        if tok[2] not in _KIN_HEADS:
            return False
        return not tok[2].endswith("ه") or self.fld.text[self.fld.orig_end(tok[1]) - 1:][:1] == "ة"

    @staticmethod
    def _org_honorific(toks, i: int) -> bool:
        """True when token ``i`` is a title inside an organization's name (مركز الملك سلمان، جامعة
        الملك سعود، مستشفى الأمير محمد): the name after it is the eponym, not a speaker."""
        if i < 1 or i >= len(toks) or toks[i][2] not in _EPONYM_TITLES or toks[i - 1][2].startswith(("ال", "وال")):
            return False  # أمير المنطقة الأمير فيصل: a definite noun is not in construct with the title
        d = _deproclitic(toks[i - 1][2])
        return d in _ORG_HEADS or d in _PLACE_HEADS or d in NAME_HEADS or d in _INSTITUTIONS

    @staticmethod
    def _headed_pp(k: str) -> bool:
        """بمقاطعة، لشركة، بوزارة: a preposition on a place or organization head, not a name."""
        if k[:1] not in ("ب", "ل", "ك") or len(k) < 4:
            return False
        d = k[1:]
        return d in _PLACE_HEADS or d in _ORG_HEADS or d in NAME_HEADS

    def _name_run(self, toks, i: int, text: Optional[str] = None):
        """The name starting at token ``i``: given names, glue words (بن، عبد) and one family name."""
        f = self.f if text is None else text
        run = []
        n = len(toks)
        while i < n:
            s, e, k = toks[i]
            if run and f[run[-1][1]:s].strip():
                break  # something (a comma, a quoted name) between the words
            if k in _NAME_GLUE or k in _THEOPHORIC:
                run.append(toks[i])
            elif k == "علي" and i + 1 < n and not f[e:toks[i + 1][0]].strip() and text is None \
                    and self._spelled_ali(e) and (self._name_like(toks[i + 1][2]) or toks[i + 1][2].startswith("ال")):
                run.append(toks[i])  # محمد علي المقدشي: the name Ali (folded like the preposition على)
            elif k == "باسم" and not run and i + 1 < n and self._name_like(toks[i + 1][2]) \
                    and (i == 0 or toks[i - 1][2] not in _SPOKESMEN):
                run.append(toks[i])  # the given name Basim (باسم أبوداود), not المتحدث باسم
            elif k.startswith("ال") and (k in _ROLES or k in _HONORIFICS or k in _ORG_HEADS):
                break  # راجح بادي المتحدث الرسمي: a title after the name is not a family name
            elif run and k in _QUANTIFIERS:
                break  # دونالد ترامب أحد المرشحين: the apposition's quantifier ends the name
            elif len(run) >= 2 and (k in _ROLES or "ال" + k in _HONORIFICS or k in _OWNERS) and i + 1 < n \
                    and toks[i + 1][2].startswith("ال") and not f[e:toks[i + 1][0]].strip():
                break  # سعود بن نايف أمير المنطقة الشرقية: an office in construct after the name
            elif k.startswith("ال"):
                nxt = toks[i + 1][2] if i + 1 < n else ""
                glued = run and run[-1][2] in _NAME_GLUE
                if run and (glued or not nxt or nxt in _ROLES or nxt in _HONORIFICS or k.endswith("ي")
                            or f[e:e + 1] in ("،", ",")):
                    run.append(toks[i])
                break
            elif self._name_like(k):
                run.append(toks[i])
            else:
                break
            if f[e:e + 2].strip()[:1] in ("،", ",") or len(run) >= 5 and not (
                    i + 2 < n and toks[i + 1][2] == "ال" and run[-2][2] != "ال") or len(run) >= 7:
                break
            i += 1
        while run and run[-1][2] in _NAME_GLUE:
            run.pop()
        return run

    def _runs(self, toks, start: int = 0, text: Optional[str] = None):
        """Every name run in ``toks`` from ``start`` on, in order."""
        i = start
        f = self.f if text is None else text
        while i < len(toks):
            prev = toks[i - 1][2] if i else ""
            if i and not f[toks[i - 1][1]:toks[i][0]].strip() and prev not in _NOT_CONSTRUCT and (
                    prev in _ROLES and not prev.startswith("ال") or _construct_head(prev)
                    or text is None and self._kin_construct(toks[i - 1])):
                # the word after an indefinite office or institution (مدير صحة جازان، سوق عكاظ) is its
                # genitive, not a name
                i += 1
                continue
            if self._name_like(toks[i][2]) or toks[i][2] in ("باسم", "علي"):
                run = self._name_run(toks, i, text)
                if run and self._org_honorific(toks, i - 1):
                    # جامعة الملك سعود عبد الله الصقعبي: the king's name belongs to the organization
                    cut = 2 if run[0][2] in _NAME_PREFIXES and len(run) > 2 else 1
                    i += cut
                    run = run[cut:]
                if run:
                    yield i, run
                    i += len(run)
                    continue
            i += 1
