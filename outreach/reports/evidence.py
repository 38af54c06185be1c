"""When the figures are enough to say something: the rules behind "best day and hour" and behind
every difference the monthly evaluation claims (docs/reports.md, "Kapan angka cukup").

A library posts a few times a day, often at the same hours: a weekday or hour in which every
post went out is not "best", it is the only one. So a winner needs several cells that each have
enough measured posts, and a difference between two groups needs enough posts on both sides and
a gap larger than the week-to-week wobble of small numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_CELL_POSTS = 5  # measured posts in a weekday or hour before it takes part in "best"
MIN_CELLS = 3  # weekdays (or hours) with MIN_CELL_POSTS each before any is called best
MIN_GROUP_POSTS = 10  # measured posts on each side before a difference is claimed
MIN_GAP = 0.25  # the higher rate at least 25% above the lower one (relative)


@dataclass
class Best:
    """The weekdays or hours that can be compared, highest rate first, and whether there are
    enough of them to name a winner."""

    ranked: list[dict[str, Any]] = field(default_factory=list)  # label, rate, posts, measured
    cells_with_posts: int = 0  # cells with at least one post (to say why there is no winner)

    @property
    def enough(self) -> bool:
        return len(self.ranked) >= MIN_CELLS

    @property
    def winner(self) -> dict[str, Any] | None:
        return self.ranked[0] if self.enough else None

    def as_dict(self) -> dict[str, Any]:
        return {"enough": self.enough, "winner": self.winner, "ranked": self.ranked,
                "cells_with_posts": self.cells_with_posts, "min_cell_posts": MIN_CELL_POSTS,
                "min_cells": MIN_CELLS}


def best_cells(cells: Sequence[Any], labels: Sequence[str]) -> Best:
    """`cells` (timing.Cell: posts, measured, rate) named by `labels`, ranked by rate among
    those with MIN_CELL_POSTS measured posts."""
    ranked = sorted(((c.rate, i) for i, c in enumerate(cells)
                     if c.rate is not None and c.measured >= MIN_CELL_POSTS),
                    key=lambda pair: (-pair[0], pair[1]))
    return Best([{"label": labels[i], "rate": r, "posts": cells[i].posts,
                  "measured": cells[i].measured} for r, i in ranked],
                sum(1 for c in cells if c.posts))


def supported(high: tuple[float | None, int], low: tuple[float | None, int]) -> bool:
    """Whether (rate, measured posts) `high` is really above `low`: both groups have
    MIN_GROUP_POSTS and the higher rate is more than MIN_GAP above the lower."""
    (a, n_a), (b, n_b) = high, low
    if a is None or b is None or n_a < MIN_GROUP_POSTS or n_b < MIN_GROUP_POSTS:
        return False
    if b <= 0:
        return a > 0
    return a >= b * (1 + MIN_GAP)
