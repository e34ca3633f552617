"""Messages that reach citizens off the platform: mass media, canvassing and news outlets
(docs/MODEL.md, step 2, "Off the platform").

Each channel contacts exactly ``floor(reach · N)`` citizens a step, a fresh uniform random set
(the citizens with the smallest keyed draws, as for sponsored posts), and each contact is read:
it does not compete for the feed's attention A, because it does not come through the feed.

- **mass media** (``parties.<p>.mass_media``): the party line, trust ``mass_media.trust``;
- **canvassing** (``parties.<p>.canvass``): the party line, trust ``canvass.trust``;
- **news outlets** (``news.positions``): each outlet its own position, trust ``news.trust``; not
  a party's voice (party −1, no party script, so no affinity).

A contact then acts like a post read: through the opinion rule's ``read`` (for the classic
rules, one-sided, with the rule's own acceptance) and, for a party's message, on the reader's
affinity with the party's script share 1. Draws are keyed per (step, channel, sender, citizen),
so paired scenarios contact the same citizens on the same day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.jit import helper, twin
from model.population import SOURCE_CANVASS, SOURCE_MASS_MEDIA, SOURCE_NEWS, Parties, Population
from model.rng import Draws, _mix_key, _unit, in_kernels, name_key


@dataclass
class Messages:
    """Messages read this step, one row per (reader, message): the feed's reads and the
    off-platform contacts in one shape."""

    reader: np.ndarray  # person row
    party: np.ndarray  # party index, -1 for a citizen's own post or a news item
    source: np.ndarray  # SOURCE_* code
    content: np.ndarray  # (M, K)
    trust: np.ndarray
    script: np.ndarray  # share of the message that is the party's script

    @property
    def size(self) -> int:
        return self.reader.size

    @staticmethod
    def concat(parts: list[Messages]) -> Messages:
        return Messages(
            *(np.concatenate([getattr(m, f) for m in parts]) for f in Messages.__dataclass_fields__)
        )


# the first guess at the largest draw smallest_rows keeps, in standard deviations of the count
# below it above the count wanted: a second pass (over every row) is needed about once in 30,000
# calls for uniform draws; the value changes no result, only how often the second pass runs
GUESS_SIGMAS = 4.0


@helper
def smallest_rows(u, shown):  # pragma: no cover
    """The rows of the ``shown`` smallest values of ``u`` (0 ≤ ``shown`` < its size), in
    increasing row order, int64 — of equal values the lower row counts as the smaller, so the
    set is always defined (NumPy's argpartition leaves a tie at the boundary to chance; keyed
    draws tie there with chance about size · 2⁻⁵³).

    Draws are uniform on (0, 1], so the shown-th smallest is near shown / size: a first pass
    keeps the rows whose value is at most a guess ``GUESS_SIGMAS`` standard deviations above
    that (every row, should fewer than ``shown`` pass: rare, or draws that are not uniform);
    among those, the shown-th smallest value t is found by a partial sort, and the rows below
    t are taken with the lowest rows equal to t. The result does not depend on the guess."""
    n = u.shape[0]
    if shown <= 0:
        return np.empty(0, np.int64)
    guess = (shown + GUESS_SIGMAS * math.sqrt(shown) + GUESS_SIGMAS) / n
    count = 0
    for i in range(n):  # no branch: whether a draw passes is a coin toss for the predictor
        count += np.int64(u[i] <= guess)
    if count < shown:
        guess = math.inf
        count = n
    rows = np.empty(count + 1, np.int64)  # one spare slot: every row is written, then kept or not
    values = np.empty(count + 1)
    q = 0
    for i in range(n):
        v = u[i]
        rows[q] = i
        values[q] = v
        q += np.int64(v <= guess)
    t = np.partition(values[:count], shown - 1)[shown - 1]
    below = 0
    for c in range(count):
        below += np.int64(values[c] < t)
    ties = shown - below  # how many of the values equal to t are kept: the lowest rows'
    out = np.empty(shown, np.int64)
    m = 0
    for c in range(count):
        v = values[c]
        if v < t:
            out[m] = rows[c]
            m += 1
        elif v == t and ties > 0:
            out[m] = rows[c]
            m += 1
            ties -= 1
    return out


def keyed_smallest_rows(state, citizens, shown):  # pragma: no cover
    """:func:`smallest_rows` of the keyed uniforms of rows 0 … ``citizens`` − 1, made here
    from the hash state ``state`` (``Draws.state``): row i's draw is ``_unit(_mix_key(state,
    i))``, the number ``Draws.uniform`` gives for key i."""
    u = np.empty(citizens)
    for i in range(citizens):
        u[i] = _unit(_mix_key(state, np.uint64(i)))
    return smallest_rows(u, shown)


_ROWS: list = [None]  # the last citizens count's rows 0 … N − 1 (uint64 keys), never written


def keyed_sample(
    draws: Draws,
    purpose: str,
    step: int,
    sender: int,
    citizens: int,
    shown: int,
    *,
    use_compiled: bool | None = None,
):
    """Exactly ``shown`` of ``citizens``, uniformly at random: those with the smallest keyed
    draws for (step, sender, citizen), in increasing row order (``smallest_rows``, compiled
    unless ``use_compiled`` is False; None: as ``draws`` are)."""
    if use_compiled is None:
        use_compiled = getattr(draws, "use_compiled", True)  # a stand-in may not say
    if shown < citizens and in_kernels(draws):  # the draws made in the pass
        state = draws.state(purpose, step, sender)
        return twin(keyed_smallest_rows, use_compiled=use_compiled)(state, citizens, shown)
    last = _ROWS[0]
    if last is None or last.size != citizens:
        last = _ROWS[0] = np.arange(citizens, dtype=np.uint64)
    if shown >= citizens:
        return last.astype(np.int64)
    # a stand-in for Draws (a test's chosen values) or a subclass: its draws
    u = draws.uniform(purpose, step, sender, last)
    return twin(smallest_rows, use_compiled=use_compiled)(u, shown)


def _shown(reach: float, citizens: int) -> int:
    """How many citizens a channel of this reach contacts: floor(reach · N)."""
    return math.floor(reach * citizens + 1e-9)


def _channel(
    draws: Draws,
    purpose: str,
    step: int,
    sender: int,
    pop: Population,
    reach: float,
    content: np.ndarray,
    trust: float,
    party: int,
    source: int,
) -> Messages | None:
    shown = _shown(reach, pop.citizens)
    if shown <= 0:
        return None
    who = keyed_sample(draws, purpose, step, sender, pop.citizens, shown)
    m = who.size
    return Messages(
        reader=who,
        party=np.full(m, party, dtype=np.int64),
        source=np.full(m, source, dtype=np.int64),
        content=np.broadcast_to(content, (m, content.size)).copy(),
        trust=np.full(m, trust),
        script=np.full(m, 1.0 if party >= 0 else 0.0),
    )


def offline_contacts(
    pop: Population, parties: Parties, scenario, draws: Draws, step: int
) -> tuple[Messages | None, np.ndarray]:
    """This step's off-platform messages, and the contacts each party paid for per channel,
    (P, 2): mass media, canvassing."""
    parts: list[Messages] = []
    contacts = np.zeros((len(parties.names), 2))
    for k, (name, spec) in enumerate(scenario.parties.items()):
        for c, (channel, source) in enumerate(
            (("mass_media", SOURCE_MASS_MEDIA), ("canvass", SOURCE_CANVASS))
        ):
            reach = getattr(parties.plans[k], channel)
            if _shown(reach, pop.citizens) <= 0:  # a channel the plan does not buy
                continue
            got = _channel(
                draws,
                channel,
                step,
                name_key(name),
                pop,
                reach,
                parties.line[k],
                getattr(spec, channel).trust,
                k,
                source,
            )
            if got is not None:
                parts.append(got)
                contacts[k, c] = got.size
    news = scenario.news
    for o, position in enumerate(news.positions):
        got = _channel(
            draws,
            "news",
            step,
            o,
            pop,
            news.reach,
            np.full(pop.x.shape[1], float(position)),
            news.trust,
            -1,
            SOURCE_NEWS,
        )
        if got is not None:
            parts.append(got)
    return (Messages.concat(parts) if parts else None), contacts
