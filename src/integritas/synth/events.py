"""Major events: operations with authorised overtime, drawn once for the whole force."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integritas.synth.config import SynthConfig

OPERATION_NAMES = (
    "Carnival",
    "Cup Final",
    "State Visit",
    "Summit",
    "Marathon",
    "New Year",
    "Protest Series",
    "Royal Event",
    "Concert Series",
    "Remembrance",
)


@dataclass(frozen=True)
class Events:
    code: list[str]
    name: list[str]
    start: np.ndarray  # day index
    end: np.ndarray  # inclusive
    authorised: np.ndarray
    day_event: np.ndarray  # [D] index of the event on that day, -1 none


def draw_events(cfg: SynthConfig, rng: np.random.Generator) -> Events:
    n = max(2, cfg.days // 21)
    starts = np.sort(rng.choice(np.arange(2, cfg.days - 4), n, replace=False))
    lengths = rng.integers(1, 4, n)
    day_event = np.full(cfg.days, -1)
    keep: list[int] = []
    for i, (s, ln) in enumerate(zip(starts, lengths, strict=True)):
        if (day_event[s : s + ln + 1] >= 0).any():
            continue
        day_event[s : s + ln] = len(keep)
        keep.append(i)
    k = np.array(keep)
    codes = [f"OP{cfg.start.year % 100:02d}{j + 1:03d}" for j in range(len(k))]
    names = [
        f"Operation {OPERATION_NAMES[j % len(OPERATION_NAMES)]} {j + 1}" for j in range(len(k))
    ]
    authorised = np.ones(len(k), dtype=bool)
    return Events(codes, names, starts[k], starts[k] + lengths[k] - 1, authorised, day_event)
