"""The synthetic force's names are about as concentrated as British ones: namesakes (which
linkage must tell apart) are neither rarer nor far commoner than in a real workforce."""

from __future__ import annotations

import numpy as np

from integritas.synth.names import SHIPPED_SURNAME_SHARE, name_lists


def test_surnames_have_a_long_tail_like_british_ones() -> None:
    nl = name_lists()
    p = dict(zip(nl.surnames.tolist(), nl.surname_p.tolist(), strict=True))
    assert len(p) == len(nl.surnames)  # no surname listed twice
    assert abs(sum(p.values()) - 1.0) < 1e-9
    assert 0.01 < p["Smith"] < 0.02  # about 1.3% of people in England and Wales
    shipped = nl.surnames[:180]  # the shipped list (data/surnames.csv), in its order
    assert abs(sum(p[s] for s in shipped) - SHIPPED_SURNAME_SHARE) < 1e-9
    tail = nl.surname_p[180:]
    assert len(tail) > 1000 and tail.max() < 0.001  # no generated name rivals a common one
    # Chance that two people drawn at random share a surname (Britain: roughly 0.1-0.3%).
    assert 0.001 < float(np.sum(nl.surname_p**2)) < 0.003


def test_names_are_the_same_in_every_run() -> None:
    a = name_lists()
    name_lists.cache_clear()
    b = name_lists()
    assert a.surnames.tolist() == b.surnames.tolist()
    assert np.array_equal(a.surname_p, b.surname_p)
