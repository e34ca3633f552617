"""Feed (model/dynamics/feed.py): gaps found by the seventh mutation round (issue 13).

- An institution's post shown as an ad is not also an organic candidate for the citizen who saw
  it as an ad, and only for that citizen: the "saw no ad" mark must never equal a post index, so
  a follower not shown an ad still reads the institution's post when it is post 1 (the first
  index a ``+1`` sentinel would hit).
- An ad picked by a draw of exactly 1.0 (a keyed uniform can be) shows the last post.
- ``use_compiled`` reaches the attention cap's kernel: ``deliver(use_compiled=False)`` runs the
  plain-Python twin and the default runs the compiled kernel (the runner's and ``Draws``'
  plumbing is tested the same way).

Hand-chosen draws as in tests/dynamics/test_feed_values.py, whose helpers these tests reuse.
"""

from __future__ import annotations

import numpy as np

import model.dynamics.feed as feed
from model.dynamics.feed import deliver
from model.dynamics.posting import Posts
from model.population import SOURCE_CITIZEN, SOURCE_INSTITUTION
from tests.dynamics.test_feed_values import (
    ORGANIC,
    POST_KEY,
    STEP,
    FeedDraws,
    feed_keys,
    five_people,
    five_posts,
    parties,
    reads_of,
    sponsored_table,
    world,
)


def two_posts():
    """p0 by citizen 0, p1 by blue's institution: the institution's post has index 1."""
    return Posts(
        author=np.array([0, -1]),
        party=np.array([-1, 0]),
        source_type=np.array([SOURCE_CITIZEN, SOURCE_INSTITUTION]),
        content=np.zeros((2, 1)),
        trust=np.ones(2),
        rate=np.ones(2),
        key=POST_KEY + np.arange(2, dtype=np.uint64),
        script=np.array([0.0, 1.0]),
    )


def test_followers_not_shown_the_ad_still_read_the_institutions_post_at_index_one():
    """paid_reach 0.25 of 4 citizens: one citizen, row 3 (smallest "paid" draw 0.1), is shown
    blue's only post p1 as an ad. Followers 1 and 2 were shown no ad, so p1 stays their organic
    candidate beside p0 (from their tie to citizen 0); A = 2 reads both. Row 3 reads its ad.
    A "no ad" mark of +1 would equal p1's index and silently drop p1 from both followers'
    feeds (and their feed draws for it)."""
    pop, g = five_people()
    organic = {(1, 0): 0.5, (1, 1): 0.2, (2, 0): 0.3, (2, 1): 0.8}
    table = sponsored_table([0.9, 0.2, 0.5, 0.1], {3: 0.4}, organic)
    draws = FeedDraws(table)
    reads = deliver(two_posts(), g, pop, parties([1, 2], paid_reach=0.25), world(), draws, STEP)
    assert reads_of(reads) == [(1, 1), (1, 0), (2, 0), (2, 1), (3, 1)]
    np.testing.assert_array_equal(reads.paid_impressions, [1])
    assert set(feed_keys({(1, 1): 0, (2, 1): 0})) <= set(draws.asked)


def spy_on_the_kernels(monkeypatch):
    """Record the ``use_compiled`` each call of the feed's kernels receives: the neighbours'
    expansion (``run_threaded``) and the feed's own passes, the attention cap's among them
    (``_kernels``, which gives the compiled builds or the twins)."""
    seen = []
    real, real_kernels = feed.run_threaded, feed._kernels

    def spy(name, size, *args, **kwargs):
        seen.append((name, kwargs.get("use_compiled", "run_threaded's default")))
        return real(name, size, *args, **kwargs)

    def spy_kernels(use_compiled):
        seen.append(("feed passes", use_compiled))
        return real_kernels(use_compiled)

    monkeypatch.setattr(feed, "run_threaded", spy)
    monkeypatch.setattr(feed, "_kernels", spy_kernels)
    return seen


def test_use_compiled_reaches_the_feeds_kernels(monkeypatch):
    """The default delivers through the compiled kernels; ``use_compiled=False`` through their
    plain-Python twins. Same reads either way (the twins equal the kernels)."""
    seen = spy_on_the_kernels(monkeypatch)
    pop, g = five_people()
    reads = {}
    for flag in (None, False):
        extra = {} if flag is None else {"use_compiled": flag}
        reads[flag] = deliver(
            five_posts(),
            g,
            pop,
            parties([1, 2]),
            world(),
            FeedDraws(feed_keys(ORGANIC)),
            STEP,
            **extra,
        )
    kernels = ["feed passes", "expand_rows"]
    assert seen == [(k, True) for k in kernels] + [(k, False) for k in kernels]
    assert reads_of(reads[None]) == reads_of(reads[False])


def test_an_ad_pick_of_exactly_one_shows_the_last_post():
    """A keyed uniform can be exactly 1.0 (``Keyed.uniform``: the largest 53-bit value rounds
    up), so the ad's post index ⌊u · posts⌋ is clamped to the last post: blue's two posts p3,
    p4 and a "paid_post" draw of 1.0 for row 3 show p4 (an unclamped index would run past the
    party's posts)."""
    pop, g = five_people()
    table = sponsored_table([0.9, 0.2, 0.5, 0.1], {3: 1.0}, ORGANIC)
    reads = deliver(
        five_posts(),
        g,
        pop,
        parties([1, 2], paid_reach=0.25),
        world(feed={"attention": 0, "seen_per_day": 0}),
        FeedDraws(table),
        STEP,
    )
    assert reads_of(reads) == [(3, 4)]
