"""Phase 6, poll: vote intention and turnout each step (docs/MODEL.md, step 6).

Utility of party k for citizen i: U_ik = -d(x_i, p_k) + β·affinity_ik. A citizen intends to vote
for its best party if that beats ``abstention_utility`` (``election.choice: argmax``), or for each
party with its multinomial-logit probability over the parties and abstention (``logit``), and
turns out with probability
turnout_base + (turnout_engaged - turnout_base)·engagement_i. Vote share is the expected share of
the electorate (all citizens, champions included, staff excluded): Σ_i [i prefers k]·turnout_i / N.
Counting expected rather than drawn ballots removes ballot-box noise from paired comparisons. The
election is the poll of the last step.
"""

from __future__ import annotations

import numpy as np

from model.config.schema import ElectionSpec
from model.dynamics.kernels import NO_DRAWS, kernel
from model.population import Parties, Population, distance_to


def _utility(pop: Population, parties: Parties, spec: ElectionSpec):
    """Utilities (N, P) and turnout probabilities (N,) of the citizens."""
    n_c = pop.citizens
    x = pop.x[:n_c]
    p = len(parties.names)
    utility = np.stack([-distance_to(x, parties.line[k]) for k in range(p)], axis=1)
    utility += spec.affinity_weight * pop.affinity[:n_c]
    return utility, _turnout(pop, spec)


def _turnout(pop: Population, spec: ElectionSpec) -> np.ndarray:
    """Each citizen's turnout probability, (N,)."""
    engagement = pop.engagement[: pop.citizens]
    return spec.turnout_base + (spec.turnout_engaged - spec.turnout_base) * engagement


def vote_intention(
    pop: Population, parties: Parties, spec: ElectionSpec, *, use_compiled: bool = True
) -> np.ndarray:
    """Expected vote share of each party, as a fraction of the electorate; shape (P,).

    Under ``argmax`` with one or two issues, one compiled pass (``kernels.argmax_vote``, the
    same sums, so the same shares; its plain-Python twin when ``use_compiled`` is False)."""
    n_c = pop.citizens
    p = len(parties.names)
    if p == 0:
        return np.zeros(0)
    if spec.choice == "argmax" and pop.x.shape[1] <= 2 and n_c > 0:
        return kernel("argmax_vote", use_compiled=use_compiled)(
            pop.x[:n_c],
            parties.line,
            pop.affinity[:n_c],
            spec.affinity_weight,
            NO_DRAWS,  # turnout computed in the pass, as _turnout does
            spec.abstention_utility,
            pop.engaged,
            pop.engagement_base,
            float(spec.turnout_base),
            float(spec.turnout_engaged - spec.turnout_base),
        )
    utility, turnout = _utility(pop, parties, spec)
    if spec.choice == "logit":
        return turnout @ choice_probabilities(utility, spec) / n_c
    best = np.argmax(utility, axis=1)
    votes = utility[np.arange(n_c), best] > spec.abstention_utility
    return np.bincount(best[votes], weights=turnout[votes], minlength=p) / n_c


def citizen_votes(pop: Population, parties: Parties, spec: ElectionSpec) -> np.ndarray:
    """Each citizen's expected vote for each party, shape (N, P): turnout probability times
    the intention (0 or 1 under argmax, the logit probability under logit). Its column means
    are :func:`vote_intention`."""
    n_c = pop.citizens
    utility, turnout = _utility(pop, parties, spec)
    if spec.choice == "logit":
        return choice_probabilities(utility, spec) * turnout[:, None]
    best = np.argmax(utility, axis=1)
    votes = utility[np.arange(n_c), best] > spec.abstention_utility
    out = np.zeros(utility.shape)
    out[np.arange(n_c)[votes], best[votes]] = turnout[votes]
    return out


def choice_probabilities(utility: np.ndarray, spec: ElectionSpec) -> np.ndarray:
    """Multinomial logit over the parties and abstention (utility ``abstention_utility``):
    P_ik = exp(λU_ik) / (exp(λA) + Σ_j exp(λU_ij)); shape (n, P), rows sum to 1 - P(abstain)."""
    lam = spec.choice_scale
    z = lam * np.concatenate([utility, np.full((utility.shape[0], 1), spec.abstention_utility)], 1)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e[:, :-1] / e.sum(axis=1, keepdims=True)


def update_affinity(
    pop: Population,
    reader: np.ndarray,
    party: np.ndarray,
    trust: np.ndarray,
    accepted: np.ndarray,
    rejected: np.ndarray,
    spec: ElectionSpec,
    backfire_rate: float,
    *,
    use_compiled: bool = True,
) -> None:
    """Party affinity moves with party posts the way opinions do (docs/MODEL.md, step 3).

    Each step affinity decays by ``affinity_decay``; an accepted post of party k adds
    ``affinity_rate``·w·(1 - a_ik); a rejected one (backfire on) removes
    ``backfire_rate``·w·a_ik. Stays on [0, 1]. ``trust`` is the weight w of each read: the
    post's trust times the share of it that is the party's script (1 for institution and staff
    posts, g for a champion's) — a champion writing only its own view (g = 0) speaks for itself,
    not for the party's brand.

    One compiled pass (``kernels.affinity_update``, the same values; its plain-Python twin when
    ``use_compiled`` is False).
    """
    aff = pop.affinity
    if aff.size == 0:
        return
    kernel("affinity_update", use_compiled=use_compiled)(
        aff,
        reader,
        party,
        trust,
        accepted,
        rejected,
        spec.affinity_decay,
        spec.affinity_rate,
        backfire_rate,
    )
