"""The candidates of one quote and their features: the rules' reading and its longer, shorter and fuller
forms, the mentions near the quote, the holder of the office the rules read, the previous speaker and
nobody, merged by name (:func:`candidates`)."""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import Optional

from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.normalize import fold_word
from pipeline.nlp.quotes.speakers.names import (_PAUSE_RE, antecedent, _fold_name, _fullest, _remention_head, _surname_key,
                                                _name_word, _trim_words, extend_name, fuller_form, issuer_named_before,
                                                lengthen_description, organization_extent, report_issuer, spokesman_of,
                                                subject_after_cue, subject_tail_name, without_circumstance)
from pipeline.nlp.quotes.speakers.views import Candidate, FieldView, QuoteView
from pipeline.nlp.quotes.speakers.wellformed import _is_description, _report_word, _tokens, _well_formed_text

_WINDOW_BEFORE = 600   # characters before the quote (or its cue) searched for mentions
_WINDOW_AFTER = 200    # characters after the quote end
_HOLDER_BEFORE = 6     # words before a person mention read as its title (السفير المصري أسامة شلتوت)
_HOLDER_AFTER = 5      # words after it (جريك كلارك وزير المجتمعات المحلية)


def _name_words(n: int) -> str:
    return _NAME_WORDS[n] if n < 4 else "name_words=more"


_NAME_WORDS = ("name_words=1", "name_words=1", "name_words=2", "name_words=3")
# Feature names that depend on the quote's kind, built once.
_BY_KIND = {kind: {p: f"{p}&kind={kind}" for p in ("rule", "previous", "null", "rule_trimmed")}
            for kind in ("DIRECT", "PARTIAL", "INDIRECT")}
_PREVIOUS_CUE = ("previous&cue=none", "previous&cue=proclitic", "previous&cue=plain")


def _bucket(n: int, edges=(0, 2, 5, 10, 20, 40)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "more"


def _words_between(text: str, a: int, b: int) -> int:
    return len(text[a:b].split()) if b > a else 0


def _prev_word(text: str, pos: int) -> str:
    j = text.rfind(" ", 0, max(0, pos - 1))
    return fold_word(text[j + 1:pos].strip()).strip(lx.STRIP)


#: Mention features that say a person holds the office the rules read, crossed with an office reading.
_HOLDER_FEATURES = ("subject_run&office", "holds_rule_office&same_sentence", "holds_rule_office", "vso_subject")


def _mention_features(fv: FieldView, q: QuoteView, s: int, e: int, etype: str, idx: Optional[int],
                      office: frozenset[str] = frozenset()) -> dict[str, float]:
    """Where a mention at [s, e) sits relative to the quote and its cue; ``office`` are the words of an
    office or description the rules read (whose holder the mention may be)."""
    text = fv.text
    anchor_s = q.cue_start if q.cue_start >= 0 else q.start
    anchor_e = q.cue_end if q.cue_start >= 0 else q.start
    f: dict[str, float] = {"type=" + etype: 1.0}
    if q.start <= s < q.end:
        f["inside_quote"] = 1.0
    if e <= anchor_s:
        side, a, b = "before", e, anchor_s
    elif s >= anchor_e:
        side, a, b = "after", anchor_e, s
    else:
        side, a, b = "on", s, s
    f["side=" + side] = 1.0
    gap = _words_between(text, a, b)
    f[f"side={side}&gap={_bucket(gap)}"] = 1.0
    f["log_gap"] = math.log1p(gap)
    sentences = bisect_right(fv.bounds, b) - bisect_right(fv.bounds, a)
    f["sentences=" + _bucket(sentences, (0, 1, 2))] = 1.0
    if "\n" in text[a:b]:
        f["other_paragraph"] = 1.0
    cues_between = bisect_left(fv.cue_starts, b) - bisect_right(fv.cue_starts, a)
    if side == "before":
        cues_between = bisect_left(fv.cue_starts, b) - bisect_left(fv.cue_starts, a)
    if cues_between > 0:
        f["cue_between"] = 1.0
    if any(a <= qs and qe <= b for qs, qe in fv.quote_spans):
        f["quote_between"] = 1.0
    if q.cue_start >= 0:
        if side == "after" and gap <= 3 and sentences == 0:
            f["vso_subject"] = 1.0       # وقال وزير الخارجية X
            f[f"vso_subject&gap={gap}"] = 1.0
        elif side == "after" and sentences == 0 and e <= q.start and cues_between == 0 \
                and "quote_between" not in f and not _PAUSE_RE.search(text, anchor_e, s):
            # وأوضح المنسق الإعلامي في اللجنة … خالد بن محمد بووشل، أن: the name ends the subject's phrase
            f["subject_run"] = 1.0
            if office:
                f["subject_run&office"] = 1.0
        if side == "before" and gap <= 2 and sentences == 0:
            f["svo_subject"] = 1.0       # X قال
    elif side == "after" and s >= q.end and gap <= 4 and sentences == 0:
        f["after_quote_close"] = 1.0     # «…» قال X (a frame or a cue the extractor did not pair)
    pw = _prev_word(text, s)
    if pw in lx.PREPOSITIONS or pw in lx.PARTICIPLE_PREPS or pw in lx.NP_STOP:
        f["after_preposition"] = 1.0     # عن X، مع X، تجاه X: spoken about or to, not speaking
    if pw in lx.ROLES or pw in lx.HONORIFICS:
        f["after_title"] = 1.0
    if office and etype == "PERSON":
        if _holds_office(fv, s, e, idx, office):
            f["holds_rule_office"] = 1.0  # قال المدرب اليوناني … ¶ المدرب اليوناني جورجيوس دونيس
            if sentences == 0:
                f["holds_rule_office&same_sentence"] = 1.0  # وأكد السفير المصري أسامة شلتوت
    mk = fold_word(text[s:e])
    if mk[:1] in "لب" and len(mk) > 3 and mk[1:3] != "ال" and mk[1:2] != "ل" and etype == "ORGANIZATION":
        f["proclitic_preposition"] = 1.0
    if q.cue_participle:
        f["participle_cue&side=" + side] = 1.0
    return f


@lru_cache(maxsize=65536)
def _report_noun(name: str) -> bool:
    toks = _tokens(name)
    return bool(toks) and _report_word(toks[0])


@lru_cache(maxsize=65536)
def _office_words(name: str) -> frozenset[str]:
    return frozenset(_surname_key(lx.deproclitic(w)) for w in _tokens(name)
                     if len(w) >= 3 and w not in lx.FUNCTION_WORDS and w not in lx.QUANTIFIERS)


def _holds_office(fv: FieldView, s: int, e: int, idx: Optional[int], office: frozenset[str]) -> bool:
    """The person mention at [s, e) is given the office (a title before it, an apposition after it, or
    the entity's role): the holder of an office the rules read (السفير → السفير المصري أسامة شلتوت)."""
    text = fv.text
    a = text.rfind("\n", 0, s) + 1
    b = text.find("\n", e)
    before = _tokens(text[max(a, s - 80):s])[-_HOLDER_BEFORE:]
    after = _tokens(text[e:min(b if b >= 0 else len(text), e + 70)])[:_HOLDER_AFTER]
    context = before + after + _tokens(fv.roles.get(idx, "")) if idx is not None else before + after
    return bool(office & {_surname_key(lx.deproclitic(w)) for w in context})


@lru_cache(maxsize=65536)
def _looks_like_name(name: str) -> bool:
    """Two or three name words, the last one maybe definite (سيرغي لافروف، إبراهيم الجعفري): a person's name
    the tagger did not see."""
    words = name.split()
    return 2 <= len(words) <= 3 and _name_word(words[0]) and all(_name_word(w, definite=True) for w in words[1:])


def _reading_kind(q: QuoteView) -> str:
    """What the rules read for ``q``: none, a continuation, an office, an entity, a description or plain words."""
    if not q.rule_name:
        return "none"
    if q.rule_implicit:
        return "implicit"
    if q.rule_role:
        return "role"
    if q.rule_entity is not None:
        return "entity"
    return "description" if _is_description(q.rule_name) else "plain"


_ONCE = math.log1p(1)


def _mark_most_named(cands: list[Candidate], reading: str) -> None:
    """Mark, for each entity type, the candidate mention named most often in the article, against the
    office, description or plain words the rules read (السفير المصري → أسامة شلتوت, الشركة → غوغل): an
    article usually names the holder of what its quotes' cues only describe. A mention named once is
    no article's main actor (سلمان inside مركز الملك سلمان للإغاثة)."""
    best: dict[str, Candidate] = {}
    for c in cands:
        if "entity" not in c.features or c.features["log_mentions"] <= _ONCE:
            continue  # (the entity type, a scan of the features, only for the mentions that can count)
        etype = c.entity_type
        if etype and (etype not in best or c.features["log_mentions"] > best[etype].features["log_mentions"]):
            best[etype] = c
    for etype, c in best.items():
        c.features[f"most_named&type={etype}&rule={reading}"] = 1.0


def candidates(fv: FieldView, q: QuoteView, previous: Optional[str], names: list[str],
               counts: dict[str, int]) -> list[Candidate]:
    """The possible speakers of quote ``q``: the rules' reading, the mentions near it, the previous
    speaker and nobody, merged by name, each with its features. ``names`` are speakers named so far
    (for the fullest form of a short mention), ``counts`` how often each canonical form is mentioned."""
    text = fv.text
    anchor = q.cue_start if q.cue_start >= 0 else q.start
    lo = max(0, min(anchor, q.start) - _WINDOW_BEFORE)
    hi = q.end + _WINDOW_AFTER
    by_name: dict[str, Candidate] = {}

    def add(name: str, mention: Optional[str], idx: Optional[int], feats: dict[str, float]) -> None:
        name = fv.as_written(name)  # الإندبندنت → صحيفة الإندبندنت: named as the article writes it, then merged
        key = _fold_name(name)
        c = by_name.get(key)
        if c is None:
            by_name[key] = Candidate(name, mention, idx, dict(feats))
            return
        for k, v in feats.items():
            if k not in c.features:
                c.features[k] = v
        if c.entity_index is None and idx is not None:
            c.entity_index = idx
        if mention and (c.mention is None or len(mention) > len(c.mention)):
            c.mention = mention  # the rules read the name's full extent (محمد الخميس where the tagger had محمد)

    starts = fv.mention_starts
    headed = fv.headed_forms
    office = _office_words(q.rule_name) if q.rule_name and not q.rule_implicit and (
        q.rule_role or q.rule_group or _is_description(q.rule_name)) else frozenset()
    nearest: dict[str, tuple] = {}
    near = list(fv.mentions[bisect_left(starts, lo):bisect_right(starts, hi)]) if starts else []
    near += [(s, e, None, "QUOTED", full) for s, e, full, _ in fv.quoted if lo <= s <= hi]
    for m in near:
        s, e, idx, etype, canonical = m
        if etype == "PERSON":
            longer = extend_name(text, s, e)
            if longer != text[s:e] and (fold_word(canonical) in fold_word(longer)
                                        or fold_word(longer) in fold_word(canonical)):
                canonical = longer
            elif canonical != text[s:e] and len(canonical.split()) > 2:
                canonical = " ".join(_trim_words(canonical.split()))  # المسلم → بنادي هجر فؤاد المسلم
            canonical = without_circumstance(canonical)
            if canonical == text[s:e]:
                canonical = fv.person_extents.get(s, canonical)  # زكية الخضراوي where the tagger had الخضراوي
            m = (s, e, idx, etype, canonical)
        name = headed.get(fold_word(canonical)) or _fullest(canonical, names)
        if etype == "PERSON" and name == canonical:
            name = fv.full_person(name) or name  # القطان → أحمد القطان, named so earlier or later
        key = fold_word(name)
        # the mention between the cue and the quote (the verb's subject) before any other of the same name:
        # one right after a long quote's end is nearer to it, but it is not who speaks
        dist = -1 if 0 <= q.cue_start <= s < q.start else min(abs(s - anchor), abs(s - q.end))
        if key not in nearest or dist < nearest[key][0]:
            nearest[key] = (dist, m, name)
    if office:
        # the holder of the office the rules read, named anywhere in the field (وقال جريك كلارك وزير …)
        far = [(abs(m[0] - anchor), m) for m in fv.mentions if m[3] == "PERSON" and not lo <= m[0] <= hi
               and _holds_office(fv, m[0], m[1], m[2], office)]
        if far:
            m = min(far)[1]
            name = fuller_form(m[4], names, fv.full_person)
            held = nearest.get(fold_word(name))
            if held is None or held[1][3] != "PERSON":
                # (a nearer mention of the same name that the tagger typed otherwise, بن مشيط as a place's
                # name, is not the person who holds the office)
                nearest[fold_word(name)] = (0, m, name)
    reading = _reading_kind(q)
    office_reading = bool(q.rule_name) and not q.rule_implicit and (q.rule_role or lx.is_role(_fold_name(q.rule_name.split()[0])))
    for key, (_, (s, e, idx, etype, canonical), name) in nearest.items():
        feats = _mention_features(fv, q, s, e, "ORGANIZATION" if etype == "QUOTED" else etype, idx, office)
        if "vso_subject" in feats or "svo_subject" in feats or "subject_run" in feats:
            feats["subject&rule=" + reading] = 1.0  # a named subject against a weak reading (ومعدة، أخيرا)
        if name != canonical and etype == "PERSON":
            feats["fuller_name"] = 1.0
        if office_reading and etype == "PERSON":
            # السفير المصري … أسامة شلتوت: an office's holder named beside it speaks (a description's
            # neighbour, مصادر مطلعة … عبدالله الراجحي, need not)
            for k in _HOLDER_FEATURES:
                if k in feats:
                    feats[k + "&role"] = 1.0
        if etype == "QUOTED":
            feats["quoted_head"] = 1.0
        if q.rule_name:
            rk, nk = fold_word(q.rule_name).split(), key.split()
            if len(nk) > len(rk) and any(nk[i:i + len(rk)] == rk for i in range(len(nk) - len(rk) + 1)):
                feats["extends_rule"] = 1.0  # محمد بن نايف بن عبدالعزيز آل سعود for محمد بن نايف بن عبدالعزيز
        if etype != "QUOTED":
            feats["entity"] = 1.0
        feats["log_mentions"] = math.log1p(counts.get(fold_word(canonical), 1))
        feats[_name_words(len(name.split()))] = 1.0
        add(name, text[s:e], idx, feats)
        if etype == "ORGANIZATION" and name == text[s:e]:
            # وزارة الداخلية | المصرية، معهد السياحة | بجامعة الملك عبدالعزيز: the modifiers the tagger left out
            found = organization_extent(text, s, e, fv.seat_spans)
            if found is not None:
                longer, seat = found
                lf = dict(feats, org_longer=1.0)
                lf["org_longer&words=" + _bucket(len(longer.split()) - len(name.split()), (1, 2, 3))] = 1.0
                if seat is not None:
                    lf["org_longer&seat=" + ("place" if seat in fv.places else "body")] = 1.0
                    if " " not in text[seat[0]:seat[1]].strip():
                        lf["org_longer&seat_one_word"] = 1.0
                add(longer, longer, idx, lf)
    kind_keys = _BY_KIND[q.kind]
    if q.rule_name:
        rule_key = _fold_name(q.rule_name)
        rf = {"rule": 1.0, kind_keys["rule"]: 1.0}
        if q.rule_implicit:
            rf["rule_implicit"] = 1.0
            if q.cue_start >= 0:
                # وكان لافروف شدد على … وقال: the subject continued is named in the cue's own sentence
                k = bisect_left(fv.bounds, q.cue_start)
                while k and text[fv.bounds[k - 1] - 1:fv.bounds[k - 1] + 2].count(".") >= 2:
                    k -= 1  # الدولي.. وقال: two dots pause the sentence, they do not end it
                since = fv.bounds[k - 1] + 1 if k else 0
                last = q.rule_name.split()[-1].strip(lx.STRIP)
                if text.find(last[2:] if last.startswith("ال") else last, since, q.cue_start) >= 0:
                    rf["rule_implicit&named_in_sentence"] = 1.0

        if q.rule_entity is not None:
            rf["rule_entity"] = 1.0
        if q.rule_group:
            rf["rule_group"] = 1.0
        if q.rule_role:
            rf["rule_role"] = 1.0
        if rule_key not in nearest:
            rf["rule_not_near_entity"] = 1.0
            rf[_name_words(len(q.rule_name.split()))] = 1.0
        mentioned = rule_key in fv.mention_keys
        if _is_description(q.rule_name):
            rf["description"] = 1.0
        elif q.rule_entity is None and not mentioned:
            rf["rule_plain"] = 1.0  # neither an entity nor a description: a name the tagger missed, or words
            first = _fold_name(q.rule_name.split()[0])
            if q.rule_implicit and not _looks_like_name(q.rule_name):
                # وقال after تقارير، كثيرون، منظم المهرجان: a continuation of common nouns, not of a name
                rf["rule_plain&implicit"] = 1.0
            if first.startswith("ال"):
                rf["rule_plain&definite"] = 1.0  # القيادات، الفقرة: a common noun, not a name
            elif first[:1] in "وف" and len(first) > 3:
                rf["rule_plain&conjunction"] = 1.0  # ومعدة، وأوضاع اللاعبين: a coordinated noun
        rule_name = q.rule_name
        if q.rule_entity is not None and not q.rule_group and not q.rule_role:
            rule_name = without_circumstance(rule_name)
            if rule_name != q.rule_name:
                rf["rule_extended"] = 1.0
        if q.rule_mention and not (q.rule_role or q.rule_implicit or "description" in rf):
            # a name the rules read: with the name words after it (وأكد ماركوس علي وهو … → ماركوس علي),
            # or the person inside it; an organization only loses a glued head noun and its genitive
            at = text.find(q.rule_mention, q.cue_end, hi) if q.cue_start >= 0 else -1
            if at < 0:
                at = text.rfind(q.rule_mention, lo, anchor)
            if q.rule_group:
                longer = " ".join(_trim_words(q.rule_name.split(), person=False))
                if longer != q.rule_name:
                    rule_name = longer
                    rf["rule_extended"] = 1.0
            elif q.rule_entity is not None and len(rule_name.split()) > 2 and rule_name != q.rule_mention:
                shorter = " ".join(_trim_words(rule_name.split()))  # بنادي هجر فؤاد المسلم → فؤاد المسلم
                if shorter != rule_name:
                    rule_name = shorter
                    rf["rule_extended"] = 1.0
            elif at >= 0:
                longer = extend_name(text, at, at + len(q.rule_mention))
                if longer != q.rule_mention and (rule_key in _fold_name(longer) or _fold_name(longer) in rule_key):
                    rule_name = longer
                    rf["rule_extended"] = 1.0
        if q.rule_implicit and q.rule_entity is not None and len(rule_name.split()) > 2:
            # a continuation names the previous subject as the rules read it: the same trimming as there
            shorter = " ".join(_trim_words(rule_name.split()))
            if shorter != rule_name:
                rule_name = shorter
                rf["rule_extended"] = 1.0
        if (rule_name == q.rule_name or "rule_extended" in rf) and not office \
                and (not q.rule_implicit or q.rule_entity is not None):
            full = fv.full_person(rule_name)
            if full is not None:
                rule_name = full  # قطان → أحمد القطان: the article's full form of the name
                rf["rule_coref"] = 1.0
        if rule_name == q.rule_name and not q.rule_implicit and q.rule_entity is None:
            first = antecedent(text, rule_name, anchor)
            if first is not None:
                rule_name = first  # الرجل → رجل ياباني: as the article first named it
                rf["rule_antecedent"] = 1.0
        add(rule_name, q.rule_mention, q.rule_entity, rf)
        head = _remention_head(q.rule_name) if not q.rule_implicit else None
        if head is not None:
            # الوزارة → وزارة التجارة والصناعة: the nearest fuller form with the same head before the quote
            forms = [c for _, _, _, t, c in reversed(fv.mentions[:bisect_left(starts, anchor)]) if t == "ORGANIZATION"]
            forms += [full for s0, _, full, _ in reversed(fv.quoted) if s0 < anchor] + names[::-1]
            for form in forms:
                fw = form.split()
                if len(fw) > 1 and _surname_key(fw[0]) == head and _fold_name(form) != rule_key \
                        and _well_formed_text(form):
                    add(form, None, None, {"remention": 1.0, f"remention&kind={q.kind}": 1.0})
                    break
        if office and q.cue_start >= 0 and q.cue_end < q.start:
            tail = subject_tail_name(text, q.cue_end, q.start)
            if tail is not None and _fold_name(tail[1]) not in by_name \
                    and not any(ms <= tail[0] < me for ms, me, _, _, _ in fv.mentions):  # a name tagged already
                tf = _mention_features(fv, q, tail[0], tail[0] + len(tail[1]), "PERSON", None, office)
                tf["subject_tail_name"] = 1.0
                add(tail[1], tail[1], None, tf)
        if q.rule_mention and q.cue_start >= 0 and not q.rule_implicit and head is None \
                and (office or q.rule_entity is None):
            at = text.find(q.rule_mention, q.cue_end, hi)
            if at < 0:
                at = text.rfind(q.rule_mention, lo, anchor)
            if at >= 0:
                longer = lengthen_description(text, at, at + len(q.rule_mention),
                                              fv.person_starts if fv.mentions else ())
                spokesman = spokesman_of(text, at)
                if spokesman is not None:
                    longer = spokesman + " " + (longer or q.rule_mention)
            else:
                longer = None
            if longer is not None:
                lf = {"rule_longer": 1.0, f"rule_longer&kind={q.kind}": 1.0,
                      "rule_longer&words=" + _bucket(len(longer.split()) - len(q.rule_mention.split()), (1, 2, 3)): 1.0}
                if q.rule_role:
                    lf["rule_longer&role"] = 1.0
                first = _fold_name(q.rule_mention.split()[0])
                if not first.startswith(("ال", "وال")):
                    # an indefinite head goes on in its genitive or adjective (مصدر | في حكومة جوبا، دولة | جنوب السودان)
                    lf["rule_longer&indefinite"] = 1.0
                if " " not in q.rule_mention.strip():
                    lf["rule_longer&one_word"] = 1.0
                add(longer, longer, None, lf)
        if not mentioned and not _well_formed_text(q.rule_name):
            # a reading that runs on (مسؤولين قولهم، مصدر طبي بإصابة ثلاثة): its longest well-formed start
            words = q.rule_name.split()
            for n in range(len(words) - 1, 0, -1):
                head = " ".join(words[:n])
                if _well_formed_text(head):
                    if n > 1 or _is_description(head):  # ممن، راد، انخفاضا: one word left of a run-on is no name
                        add(head, head, None, {"rule_trimmed": 1.0, kind_keys["rule_trimmed"]: 1.0})
                    break
    if q.cue_start >= 0 and not q.cue_participle:
        found = subject_after_cue(text, q.cue_end, q.start)
        if found is not None and not any(ms <= found[0] < me for ms, me, _, _, _ in fv.mentions):
            at, phrase, is_name = found
            sf = _mention_features(fv, q, at, at + len(phrase), "PERSON" if is_name else "DESCRIPTION", None, office)
            sf["cue_subject_name" if is_name else "cue_subject_description"] = 1.0
            if is_name:
                sf["cue_subject_name&rule=" + reading] = 1.0
            add(phrase, phrase, None, sf)
    if previous:
        cue = 0 if q.cue_start < 0 else 1 if q.cue_proclitic else 2
        full = fuller_form(previous, names, fv.full_person)
        pf = {"previous": 1.0, kind_keys["previous"]: 1.0, _PREVIOUS_CUE[cue]: 1.0}
        if full != previous:
            pf["previous_fuller"] = 1.0  # الغامدي → حمدان فلاح الغامدي: as the article names the speaker in full
        add(full, None, None, pf)
    for c in list(by_name.values()):
        issuer = report_issuer(c.name) if _report_noun(c.name) else None
        if issuer is not None:
            # تقرير للهيئة الوطنية → الهيئة الوطنية: a report speaks for its issuer, where it sits
            add(issuer, None, None, dict(c.features, report_issuer=1.0))
        elif _report_noun(c.name) and len(c.name.split()) <= 2:
            # أصدر مجلس بلدية عريعرة تقريرا … وأوضح التقرير أن: the issuer named when the report was issued
            found = issuer_named_before(text, anchor, c.name)
            if found is not None:
                add(found[1], found[1], None, dict(c.features, report_issuer=1.0))
    out = []
    for key, c in by_name.items():
        if _report_noun(c.name):
            c.features["report_noun"] = 1.0
        if key not in fv.mention_keys and not _well_formed_text(c.name):
            continue
        out.append(c)
    if reading in ("role", "description", "plain"):
        _mark_most_named(out, reading)
    null = {"null": 1.0, kind_keys["null"]: 1.0}
    if not q.rule_name:
        null["null&rule_null"] = 1.0
    if q.cue_start < 0:
        null["null&no_cue"] = 1.0
    for c in out:
        if "vso_subject" in c.features or "svo_subject" in c.features:
            break
    else:
        null["null&no_subject"] = 1.0
    out.append(Candidate(None, None, None, null))
    return out
