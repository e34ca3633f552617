"""Exact posts of one step (model/dynamics/posting.py) for five citizens and one staff member,
with every random draw chosen by hand (``tests.hand_draws``): who posts, what each post says,
its trust, script share and rate are worked out in the test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the champions'
and members' posting boosts and their cap at 1, the noise's sign and keys, the clip of content
to [-1, 1], staff's script share, institutions' fractional extra post and their author ids."""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import numpy as np
import pytest

from model.config.load import scenario_from_dict
from model.dynamics.posting import make_posts, posting_rates
from model.population import (
    CHAMPION,
    CITIZEN,
    SOURCE_CHAMPION,
    SOURCE_CITIZEN,
    SOURCE_INSTITUTION,
    SOURCE_MOVEMENT,
    SOURCE_STAFF,
    STAFF,
)
from tests.hand_draws import HandDraws, hand_population

KEY = 100  # person keys are 100 + row
STEP = 4


def scenario():
    return scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "opinion": {"posting_noise": 0.3},
            "movement": {"position": [0.6], "guidance": 0.5, "activity_boost": 1.5},
            "parties": {
                "blue": {
                    "position": [0.25],
                    "institution": {"enabled": True, "trust": 0.9},
                    "champions": {"authenticity_penalty": 0.4, "activity_boost": 0.0},
                },
                "red": {
                    "position": [-0.25],
                    "institution": {"enabled": True, "trust": 0.6},
                    "staff": {"trust": 0.7},
                    "champions": {"activity_boost": 2.0},
                },
            },
        }
    )


def people(x, activity, role, party, *, engaged, member=None, guidance=None, motivation=None):
    n = len(x)
    return hand_population(
        x,
        parties=2,
        activity=activity,
        engagement_base=np.full(n, 0.5),
        engaged=engaged,
        role=role,
        party=party,
        guidance=guidance,
        motivation=motivation,
        key=KEY + np.arange(n, dtype=np.uint64),
        member=member,
    )


def test_champions_and_members_post_more_and_every_rate_is_capped_at_one():
    """Rate a·e (engagement 0.5 unless engaged, then 1):

    row  who                        a     rate
    0    citizen, not engaged       0.4   0.4 · 0.5 = 0.2
    1    red champion, m 0.5        0.4   0.4 · (1 + 2.0 · 0.5) = 0.8 (red's boost 2)
    2    red champion, m 1          0.6   0.6 · 3 = 1.8, capped: 1
    3    blue champion, m 1         0.4   0.4 · (1 + 0 · 1) = 0.4 (blue's boost 0)
    4    member                     0.3   0.3 · (1 + 1.5) = 0.75
    5    member                     0.5   0.5 · 2.5 = 1.25, capped: 1"""
    pop = people(
        [0.0] * 6,
        [0.4, 0.4, 0.6, 0.4, 0.3, 0.5],
        [CITIZEN, CHAMPION, CHAMPION, CHAMPION, CITIZEN, CITIZEN],
        [-1, 1, 1, 0, -1, -1],
        engaged=[False, True, True, True, True, True],
        member=[False, False, False, False, True, True],
        motivation=[0, 0.5, 1, 1, 0, 0],
    )
    rate = posting_rates(pop, scenario())
    assert rate == pytest.approx([0.2, 0.8, 1.0, 0.4, 0.75, 1.0])


def test_one_steps_posts_from_citizens_a_champion_a_member_staff_and_institutions():
    """All engaged, activity 1 (rate 1) but row 2 (0.5). Post draws 0.5, 0.5, 0.7, 0.1, 0.3,
    0.2: row 2 (0.7 > 0.5) does not post. Noise 0.3 × the normal draw chosen per author:

    row  who                  x      normal  content
    0    citizen              0.9    +1.0    0.9 + 0.3 = 1.2, clipped to 1
    1    citizen             -0.95   -1.0    -1.25, clipped to -1
    3    blue champion, g .5  0.2    +0.5    0.5·0.2 + 0.5·0.25 + 0.15 = 0.375
    4    member               0.4    -0.5    0.5·0.4 + 0.5·0.6 - 0.15 = 0.35
    5    red staff            -      +2.0    red's line -0.25 (no noise)

    Trust: peers 1, the champion 1 - 0.4·0.5 = 0.8, red staff 0.7; script share: champion g,
    staff 1, citizens and members 0. Institutions: blue 1.5 posts a step, its extra draw
    0.3 < 0.5 adds one: 2 posts, author -1; red 1 a step (the extra draw 0.7 cannot add one):
    1 post, author -2; trust 0.9 and 0.6, content the line, rate the posts per step."""
    pop = people(
        [0.9, -0.95, 0.1, 0.2, 0.4, -0.25],
        [1, 1, 0.5, 1, 1, 1],
        [CITIZEN, CITIZEN, CITIZEN, CHAMPION, CITIZEN, STAFF],
        [-1, -1, -1, 0, -1, 1],
        engaged=[True] * 6,
        member=[False, False, False, False, True, False],
        guidance=[0, 0, 0, 0.5, 0, 0],
    )
    parties = SimpleNamespace(
        line=np.array([[0.25], [-0.25]]),
        plans=[SimpleNamespace(posts_per_step=1.5), SimpleNamespace(posts_per_step=1.0)],
    )
    post_u = [0.5, 0.5, 0.7, 0.1, 0.3, 0.2]
    normal = {0: 1.0, 1: -1.0, 3: 0.5, 4: -0.5, 5: 2.0}
    draws = HandDraws(
        {
            **{("post", STEP, KEY + r): u for r, u in enumerate(post_u)},
            **{("noise", STEP, KEY + r, 0): z for r, z in normal.items()},
            ("extra", STEP, zlib.crc32(b"blue")): 0.3,  # a party's draws are keyed by its name
            ("extra", STEP, zlib.crc32(b"red")): 0.7,
        }
    )
    posts = make_posts(pop, parties, scenario(), draws, STEP)
    np.testing.assert_array_equal(posts.author, [0, 1, 3, 4, 5, -1, -1, -2])
    np.testing.assert_array_equal(posts.party, [-1, -1, 0, -1, 1, 0, 0, 1])
    c, ch, mv, st, inst = (
        SOURCE_CITIZEN,
        SOURCE_CHAMPION,
        SOURCE_MOVEMENT,
        SOURCE_STAFF,
        SOURCE_INSTITUTION,
    )
    np.testing.assert_array_equal(posts.source_type, [c, c, ch, mv, st, inst, inst, inst])
    assert posts.content[:, 0] == pytest.approx([1.0, -1.0, 0.375, 0.35, -0.25, 0.25, 0.25, -0.25])
    assert posts.trust == pytest.approx([1, 1, 0.8, 1, 0.7, 0.9, 0.9, 0.6])
    assert posts.script == pytest.approx([0, 0, 0.5, 0, 1, 1, 1, 1])
    assert posts.rate == pytest.approx([1, 1, 1, 1, 1, 1.5, 1.5, 1.0])
