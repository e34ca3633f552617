"""Population: the struct of arrays holding every person's state, one row per person.

Rows 0..N-1 are citizens (some of them champions); rows N.. are party staff, appended per party.
Party accounts (institutions) are not persons: they live in :class:`Parties`. No behaviour here
beyond building the initial state; the dynamics live in ``model.dynamics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.schema import PopulationSpec, Scenario
from model.rng import staff_keys

CITIZEN, CHAMPION, STAFF = 0, 1, 2
ROLE_NAMES = ("citizen", "champion", "staff")

# source types of posts (share-of-voice columns)
SOURCE_CITIZEN, SOURCE_INSTITUTION, SOURCE_STAFF, SOURCE_CHAMPION = 0, 1, 2, 3
SOURCE_MASS_MEDIA, SOURCE_CANVASS, SOURCE_NEWS = 4, 5, 6  # off the platform (dynamics.contacts)
SOURCE_MOVEMENT = 7  # a member of the citizens' movement (dynamics.movement)
SOURCE_NAMES = (
    "citizen",
    "institution",
    "staff",
    "champion",
    "mass_media",
    "canvass",
    "news",
    "movement",
)
# a party's voice: its sources (the others, citizen and news, belong to no party)
PARTY_SOURCES = (
    (1, "institution"),
    (2, "staff"),
    (3, "champion"),
    (4, "mass_media"),
    (5, "canvass"),
)
NEVER = -(10**9)


@dataclass
class Population:
    """Per-person state arrays (length ``n``; opinions ``(n, K)``; per party ``(n, P)``)."""

    citizens: int
    x: np.ndarray  # opinion, (n, K) on [-1, 1]
    activity: np.ndarray  # a: chance to post per step
    openness: np.ndarray  # ε: latitude of acceptance
    rejection: np.ndarray  # ρ: latitude of rejection
    engagement_base: np.ndarray  # engagement when not mobilised
    engaged: np.ndarray  # bool: highly engaged (mobilised)
    threshold: np.ndarray  # mobilisation threshold (share of engaged neighbours)
    role: np.ndarray  # int8: CITIZEN, CHAMPION, STAFF
    party: np.ndarray  # int16: party index of staff/champions, -1 otherwise
    guidance: np.ndarray  # g of champions
    motivation: np.ndarray  # m of champions
    affinity: np.ndarray  # (n, P) on [0, 1]
    last_party_read: np.ndarray  # (n, P) step a party post was last read
    recruited_at: np.ndarray  # step a champion was recruited (NEVER if not)
    quit_party: np.ndarray  # int16: party whose programme this person burned out of, or -1
    key: np.ndarray  # uint64 identity for keyed draws: a citizen's row; staff by party and rank
    member: np.ndarray = None  # type: ignore[assignment]  # bool: in the citizens' movement

    def __post_init__(self) -> None:
        if self.member is None:
            self.member = np.zeros(self.role.size, dtype=bool)

    @property
    def n(self) -> int:
        return self.role.size

    @property
    def engagement(self) -> np.ndarray:
        """Engagement on [0, 1]: 1 when mobilised, the citizen's baseline otherwise."""
        return np.where(self.engaged, 1.0, self.engagement_base)


@dataclass
class Parties:
    """Party-level state, one entry per party in scenario order."""

    names: list[str]
    line: np.ndarray  # (P, K) party line p (drifts with partnership)
    followers: list[np.ndarray]  # citizen rows following each institution
    staff_rows: list[np.ndarray]  # person rows of each party's staff
    cumulative_cost: np.ndarray  # (P,)
    burnouts: np.ndarray  # (P,) cumulative
    recruits: np.ndarray  # (P,) cumulative
    plans: list = field(default_factory=list)  # config.plan.Plan per party: sizes, planned spend
    vote_history: list[np.ndarray] = field(default_factory=list)  # per step (P,)


def initial_opinions(spec: PopulationSpec, rng: np.random.Generator) -> np.ndarray:
    """(N, K) opinions on [-1, 1] from ``spec.initial_opinion``."""
    n, k = spec.citizens, spec.issues
    match spec.initial_opinion:
        case "uniform":
            x = rng.uniform(-1.0, 1.0, (n, k))
        case "normal":
            x = rng.normal(spec.opinion_center, spec.opinion_spread, (n, k))
        case "bimodal":
            side = np.where(rng.random((n, 1)) < 0.5, -1.0, 1.0)
            x = rng.normal(side * spec.opinion_center, spec.opinion_spread, (n, k))
        case "binary":
            x = np.where(rng.random((n, k)) < spec.positive_share, 1.0, -1.0)
        case "categories":
            g = spec.categories
            x = -1.0 + 2.0 * rng.integers(0, g, (n, k)) / (g - 1)
        case other:  # pragma: no cover - the loader refuses other values
            raise ValueError(other)
    return np.clip(x, -1.0, 1.0)


def heavy_tailed_activity(mean: float, tail: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Pareto(shape ``tail``) activities scaled to ``mean`` before clipping at 1."""
    if mean == 0:
        return np.zeros(n)
    raw = rng.pareto(tail, n) + 1.0  # Pareto I with x_m = 1, mean tail/(tail-1)
    return np.clip(raw * mean * (tail - 1) / tail, 0.0, 1.0)


def build_population(
    scenario: Scenario, x0: np.ndarray, staff_time: list[list[float]], rng: np.random.Generator
) -> Population:
    """Citizens' state from ``spec`` (opinions ``x0`` drawn beforehand) plus staff rows.

    ``staff_time[k]`` holds each of party k's staff members' share of full time
    (``model.config.plan``): a part-time member posts with ``staff.activity`` times its share."""
    spec = scenario.population
    staff_counts = [len(shares) for shares in staff_time]
    n_c = spec.citizens
    n = n_c + sum(staff_counts)
    parties = list(scenario.parties.values())
    p = len(parties)
    activity = heavy_tailed_activity(spec.activity_mean, spec.activity_tail, n_c, rng)
    half = spec.openness_spread / 2
    openness = rng.uniform(spec.openness - half, spec.openness + half, n_c).clip(0.0, 2.0)
    base = rng.uniform(spec.engagement_min, spec.engagement_max, n_c)
    mob = scenario.mobilization
    threshold = np.clip(rng.normal(mob.threshold_mean, mob.threshold_spread, n_c), 0.0, 1.0)
    engaged = rng.random(n_c) < mob.initially_engaged

    x = np.empty((n, spec.issues))
    x[:n_c] = x0
    role = np.full(n, CITIZEN, dtype=np.int8)
    party = np.full(n, -1, dtype=np.int16)
    row = n_c
    staff_activity = np.zeros(n - n_c)
    key = np.arange(n, dtype=np.uint64)
    for k, (count, shares, party_spec, name) in enumerate(
        zip(staff_counts, staff_time, parties, scenario.parties, strict=True)
    ):
        key[row : row + count] = staff_keys(name, count)
        x[row : row + count] = party_spec.position
        role[row : row + count] = STAFF
        party[row : row + count] = k
        staff_activity[row - n_c : row - n_c + count] = party_spec.staff.activity * np.asarray(
            shares, dtype=np.float64
        )
        row += count

    affinity = np.zeros((n, p))
    for k, party_spec in enumerate(parties):
        gap = distance_to(x0, np.asarray(party_spec.position))
        affinity[:n_c, k] = spec.initial_affinity * np.clip(1.0 - gap, 0.0, 1.0)
    return Population(
        citizens=n_c,
        x=x,
        activity=np.concatenate([activity, staff_activity]),
        openness=np.concatenate([openness, np.zeros(n - n_c)]),
        rejection=np.concatenate([np.full(n_c, spec.rejection), np.full(n - n_c, 2.0)]),
        engagement_base=np.concatenate([base, np.ones(n - n_c)]),
        engaged=np.concatenate([engaged, np.ones(n - n_c, dtype=bool)]),
        threshold=np.concatenate([threshold, np.ones(n - n_c)]),
        role=role,
        party=party,
        guidance=np.zeros(n),
        motivation=np.zeros(n),
        affinity=affinity,
        last_party_read=np.full((n, p), NEVER, dtype=np.int64),
        recruited_at=np.full(n, NEVER, dtype=np.int64),
        quit_party=np.full(n, -1, dtype=np.int16),
        key=key,
    )


def distance_to(x: np.ndarray, point: np.ndarray) -> np.ndarray:
    """RMS opinion distance of each row of ``x`` (n, K) to ``point`` (K,)."""
    return np.sqrt(np.mean((x - point) ** 2, axis=1))
