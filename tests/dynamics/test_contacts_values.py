"""Exact off-platform contacts (model/dynamics/contacts.py) for five citizens, with every
random draw chosen by hand (``tests.hand_draws``): who each channel reaches, and what each
message carries, are worked out in the test.

Written against the surviving mutants of the mutation run (docs/TESTING.md): the sample of
the smallest keyed draws (also when it leaves out a single citizen), a channel reaching one
citizen or everyone, the sender in the key, news outlets' draws, the script share of party
messages, and the contacts each party pays for."""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import numpy as np

from model.config.load import scenario_from_dict
from model.dynamics.contacts import keyed_sample, offline_contacts
from model.population import SOURCE_CANVASS, SOURCE_MASS_MEDIA, SOURCE_NEWS
from model.rng import Draws
from tests.hand_draws import HandDraws

STEP = 3


def crc(name: str) -> int:
    """A party's sender key: CRC-32 of its name (docs: keyed per step, channel, sender)."""
    return zlib.crc32(name.encode())


def table(purpose: str, sender: int, u: list[float]) -> dict[tuple, float]:
    return {(purpose, STEP, sender, row): v for row, v in enumerate(u)}


def test_each_channel_reaches_the_citizens_with_the_smallest_draws_and_says_who_sent_it():
    """Five citizens. Reaches (the parties' plans): blue mass media 0.4 (2 citizens), blue
    canvassing 0.8 (4: all but one), red mass media 0 (none), red canvassing 1 (all five, no
    draw); two news outlets at 0.8 and -0.6, reach 0.2 (one citizen each).

    blue mass media draws 0.5 0.1 0.9 0.3 0.7  -> rows 1, 3
    blue canvass    draws 0.2 0.6 0.05 0.95 0.4 -> rows 0, 1, 2, 4
    news outlet 0   draws 0.3 0.2 0.8 0.6 0.1  -> row 4
    news outlet 1   draws 0.1 0.2 0.8 0.6 0.3  -> row 0

    Party messages carry the line (blue 0.25, red -0.25), the channel's trust and the full
    party script (1); news items the outlet's position, party -1 and no script. Blue paid for
    2 and 4 contacts, red for 0 and 5."""
    sc = scenario_from_dict(
        {
            "name": "hand",
            "steps": 10,
            "population": {"citizens": 5},
            "network": {"mean_degree": 2},
            "parties": {
                "blue": {
                    "position": [0.25],
                    "mass_media": {"trust": 0.9},
                    "canvass": {"trust": 0.6},
                },
                "red": {"position": [-0.25], "canvass": {"trust": 0.5}},
            },
            "news": {"positions": [0.8, -0.6], "reach": 0.2, "trust": 0.7},
        }
    )
    pop = SimpleNamespace(citizens=5, x=np.zeros((7, 1)))  # five citizens and two staff
    parties = SimpleNamespace(
        names=["blue", "red"],
        line=np.array([[0.25], [-0.25]]),
        plans=[
            SimpleNamespace(mass_media=0.4, canvass=0.8),
            SimpleNamespace(mass_media=0.0, canvass=1.0),
        ],
    )
    draws = HandDraws(
        {
            **table("mass_media", crc("blue"), [0.5, 0.1, 0.9, 0.3, 0.7]),
            **table("canvass", crc("blue"), [0.2, 0.6, 0.05, 0.95, 0.4]),
            **table("news", 0, [0.3, 0.2, 0.8, 0.6, 0.1]),
            **table("news", 1, [0.1, 0.2, 0.8, 0.6, 0.3]),
        }
    )
    msgs, contacts = offline_contacts(pop, parties, sc, draws, STEP)

    np.testing.assert_array_equal(msgs.reader, [1, 3, 0, 1, 2, 4, 0, 1, 2, 3, 4, 4, 0])
    assert msgs.reader.dtype.kind == "i"  # rows index the population's arrays
    np.testing.assert_array_equal(msgs.party, [0] * 6 + [1] * 5 + [-1, -1])
    mm, cv, news = SOURCE_MASS_MEDIA, SOURCE_CANVASS, SOURCE_NEWS
    np.testing.assert_array_equal(msgs.source, [mm, mm] + [cv] * 9 + [news, news])
    np.testing.assert_array_equal(msgs.content[:, 0], [0.25] * 6 + [-0.25] * 5 + [0.8, -0.6])
    np.testing.assert_array_equal(msgs.trust, [0.9] * 2 + [0.6] * 4 + [0.5] * 5 + [0.7] * 2)
    np.testing.assert_array_equal(msgs.script, [1.0] * 11 + [0.0] * 2)
    np.testing.assert_array_equal(contacts, [[2, 4], [0, 5]])


def test_a_channel_reaching_one_citizen_in_a_thousand_reaches_the_smallest_draw():
    """keyed_sample of 1 among 1,000: the citizen whose keyed draw for (step, sender) is the
    smallest (argmin of the draws from a separate Draws of the same seed). A sample this
    large is not sorted whole by numpy's selection, so picking the wrong order statistic
    shows."""
    got = keyed_sample(Draws(0), "canvass", 2, crc("blue"), 1000, 1)
    rows = np.arange(1000, dtype=np.uint64)
    expected = int(np.argmin(Draws(0).uniform("canvass", 2, crc("blue"), rows)))
    assert got.tolist() == [expected]
