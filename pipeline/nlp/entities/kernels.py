"""The CRF's numeric loops, compiled with numba: crfsuite's state sums (a token's neighbour features,
then its position features) and its Viterbi.

They keep crfsuite's arithmetic exactly (``crf1dc_state_score`` adds a token's feature weights one after
the other, in feature order; ``crf1dc_viterbi`` keeps the first best predecessor, then the first best last
label): the same IEEE additions and comparisons in the same order, so the labels are crfsuite's to the
bit (``tests/unit/test_entities_crf_scorer.py`` checks them against crfsuite). numba compiles them when
:class:`~pipeline.nlp.entities.crf.StateScorer` is built (about 3 s; under 1 s once the compiled code is
cached on disk, where the package can write).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def add_rows(state: np.ndarray, weights: np.ndarray, ids: np.ndarray, columns: np.ndarray) -> None:
    """``state[t] += weights[ids[t, c]]`` for each column ``c`` of ``columns`` in order, then each token."""
    n, size = state.shape
    for c in columns:
        for t in range(n):
            row = ids[t, c]
            for j in range(size):
                state[t, j] += weights[row, j]


@njit(cache=True, nogil=True)
def viterbi_path(state: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """The best label path of state scores (tokens x labels) under transition scores (from x to)."""
    n, size = state.shape
    prev = state[0].copy()
    cur = np.empty(size)
    back = np.zeros((n, size), dtype=np.intp)
    for t in range(1, n):
        for j in range(size):
            best = prev[0] + trans[0, j]
            arg = 0
            for i in range(1, size):
                score = prev[i] + trans[i, j]
                if best < score:
                    best = score
                    arg = i
            cur[j] = best + state[t, j]
            back[t, j] = arg
        prev[:] = cur
    j = 0
    for k in range(1, size):
        if prev[k] > prev[j]:
            j = k
    path = np.empty(n, dtype=np.intp)
    path[n - 1] = j
    for t in range(n - 1, 0, -1):
        j = back[t, j]
        path[t - 1] = j
    return path


@njit(cache=True, nogil=True)
def add_neighbours(state: np.ndarray, weights: np.ndarray, near: np.ndarray, context: np.ndarray, rows: np.ndarray,
                   codes: np.ndarray, pad: np.ndarray, offsets: np.ndarray) -> None:
    """Add to each token ``t`` what it sees of its neighbours, offset by offset in order: the weight rows of
    ``near[rows[k], j]`` then ``context[codes[k], j]`` for the neighbour ``k = t + offsets[j]``, or of
    ``pad[j]`` where there is none. Row 0 (all zeros) is skipped: adding +0.0 changes no sum that began at
    +0.0."""
    n, size = state.shape
    for t in range(n):
        for j in range(offsets.shape[0]):
            k = t + offsets[j]
            if 0 <= k < n:
                for q in range(near.shape[2]):
                    row = near[rows[k], j, q]
                    if row:
                        for label in range(size):
                            state[t, label] += weights[row, label]
                for q in range(context.shape[2]):
                    row = context[codes[k], j, q]
                    if row:
                        for label in range(size):
                            state[t, label] += weights[row, label]
            else:
                for q in range(pad.shape[1]):
                    row = pad[j, q]
                    if row:
                        for label in range(size):
                            state[t, label] += weights[row, label]
