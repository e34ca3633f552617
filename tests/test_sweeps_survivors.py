"""model.sweeps: the mechanisms the sixth mutation run of issue 13 found untested
(docs/TESTING.md, "sweeps"): the ``given`` values of each design point (``robust
--posterior``: one posterior draw per world), which must count in the resume fingerprint and
appear in the collected table after the varied keys.

Every sweep here is a 30-citizen, 2-step world (a few hundredths of a second per run).
"""

from __future__ import annotations

import dataclasses

from model import sweeps as S
from tests.test_sweeps_values import OUTPUTS, experiment

KEY = "election.turnout_base"


def _given(*values: float) -> tuple[dict[str, float], ...]:
    return tuple({KEY: v} for v in values)


def test_fingerprint_counts_the_values_given_at_each_point():
    """fingerprint: the ``given`` mappings are part of what makes two experiments the same for
    resuming; the same design with other given values (or none) is another experiment, the
    same given values the same one (the number of replicates still left out)."""
    base = experiment()  # two points: feed.attention 5 and 10
    with_given = dataclasses.replace(base, given=_given(0.4, 0.4))
    assert S.fingerprint(with_given) != S.fingerprint(base)
    assert S.fingerprint(dataclasses.replace(base, given=_given(0.4, 0.6))) != S.fingerprint(
        with_given
    )
    again = dataclasses.replace(experiment(replicates=5), given=_given(0.4, 0.4))
    assert S.fingerprint(again) == S.fingerprint(with_given)


def test_collect_lists_the_given_values_right_after_the_varied_keys(tmp_path):
    """collect: a key given at each point (not varied by the design) is a column of the table
    after the varied keys and before the outputs, holding each point's own value; here a
    one-point design (feed.attention 5) with turnout_base 0.35 given, two replicates."""
    exp = dataclasses.replace(
        experiment(vary={"feed.attention": [5]}, replicates=2), given=_given(0.35)
    )
    table = S.sweep(exp, out=tmp_path / "o")
    assert list(table.columns) == ["point", "replicate", "seed", "feed.attention", KEY, *OUTPUTS]
    assert table[KEY].tolist() == [0.35, 0.35]
    assert table["feed.attention"].tolist() == [5, 5]
    assert table.replicate.tolist() == [0, 1]
