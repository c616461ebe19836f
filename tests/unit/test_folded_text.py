"""FoldedText's offset maps, against the plain list of each folded character's original offset."""
from __future__ import annotations

from bisect import bisect_left

from hypothesis import given, settings, strategies as st

from pipeline.nlp.analysis import FoldedText
from pipeline.nlp.normalize import DIACRITICS

# Arabic letters, spaces and punctuation, with runs of harakat and tatweel among them.
_TEXT = st.text(alphabet=st.sampled_from(list("قال إن الوزيرَ" + "،." + DIACRITICS)), max_size=60)


def _kept(text: str) -> list[int]:
    """The original offset of each character the folded copy keeps (diacritics and tatweel dropped)."""
    return [i for i, ch in enumerate(text) if ch not in DIACRITICS]


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_offsets_map_both_ways_like_the_list_of_kept_characters(text):
    fld = FoldedText(text)
    kept = _kept(text)
    assert len(fld.f) == len(kept)
    assert fld.shifted == (len(kept) != len(text))
    for i in range(len(fld.f) + 1):
        assert fld.orig(i) == (kept[i] if i < len(kept) else len(text))
    for s in range(-1, len(text) + 2):
        assert fld.folded(s) == bisect_left(kept, s)  # the first kept character at or after s


def test_an_offset_inside_a_dropped_run_maps_to_the_letter_after_it():
    text = "قالَّ إن"
    fld = FoldedText(text)
    assert fld.f == "قال ان"  # fold: إ as ا
    assert fld.folded(text.index("َ")) == 3 and fld.folded(text.index("ّ")) == 3   # the space after قال
    assert fld.orig(3) == text.index(" ") and fld.orig_end(3) == text.index(" ")   # the harakat stay on قال
