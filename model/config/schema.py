"""Frozen scenario specs: every YAML key, its type, range, default and where the default comes from.

One name runs from the YAML key to the attribute, the output column and the app's slider. Each
field carries metadata: ``range`` (inclusive bounds checked on load), ``doc`` (meaning, the
symbol docs/MODEL.md and docs/ODD.md use, units) and ``source`` (where the default comes from:
the essay, a paper, or a stated guess).
Defaults are never tuned so that one strategy wins; ``docs/PARAMETERS.md`` is generated from here
(``socialweb params``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

GUESS = "stated guess"
SETTING = "— (a setting, not a model assumption)"


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    doc: str,
    source: str = GUESS,
    empty: bool = False,
    labels: bool = False,
) -> Any:
    """A dataclass field with a checked range, a meaning and the source of its default
    (``empty``: a list field that may be empty; ``labels``: a mapping whose keys are any labels
    found in a data file — numbers or text — rather than names)."""
    meta = {"range": (lo, hi), "doc": doc, "source": source, "empty": empty, "labels": labels}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def section(cls: type, *, doc: str) -> Any:
    """A nested spec field."""
    return field(default_factory=cls, metadata={"range": (None, None), "doc": doc, "source": ""})


InitialOpinion = Literal["uniform", "normal", "bimodal", "binary", "categories"]
NetworkKind = Literal[
    "barabasi_albert",
    "holme_kim",
    "watts_strogatz",
    "erdos_renyi",
    "homophilous",
    "stochastic_block",
    "complete",
    "none",
    "edge_list",
    "graph_file",
]
FeedAlgorithm = Literal["chronological", "similarity", "engagement"]
VoterUpdate = Literal["node", "link", "invasion"]
VoteChoice = Literal["argmax", "logit"]
TrialChannel = Literal["canvass", "mass_media"]
OpinionRule = Literal[
    "social_judgment",
    "deffuant",
    "hegselmann_krause",
    "voter",
    "degroot",
    "friedkin_johnsen",
    "q_voter",
    "naming_game",
    "majority",
    "holme_newman",
    "algorithmic_bias",
    "sznajd",
    "attraction_repulsion",
    "radicalization",
]
QVoterNonconformity = Literal["independence", "anticonformity"]
Convergence = Literal["quiet", "settled"]
# the rules whose opinion is a discrete state: ±1 (q-voter), or A = -1, AB = 0, B = +1 (naming game)
DISCRETE_RULES = ("q_voter", "naming_game", "majority", "sznajd")
# the rules that rewire the citizens' network as they run (textbook mode: no parties, no news)
REWIRING_RULES = ("holme_newman",)
# the rules whose state is an unbounded opinion x ∈ ℝ, never clipped to [-1, 1] (textbook mode:
# no parties, no news, no movement, no committed citizens)
UNBOUNDED_RULES = ("radicalization",)
# the rules that draw their own contacts among all citizens every step and read no fixed network:
# they run on network.kind none (no ties), and only they may
OWN_CONTACT_RULES = ("radicalization",)


@dataclass(frozen=True, kw_only=True)
class SurveySpec:
    """Citizens drawn from a survey's respondents (resampled with replacement to N)."""

    source: str = param(
        "",
        doc="empty: no survey; anes96: the 1996 American National Election Study extract that "
        "ships with statsmodels (944 respondents; Clinton/Dole); or a CSV file of respondents, "
        "one per row, relative to the scenario file",
        source=SETTING,
    )
    opinion: str = param(
        "selfLR",
        doc="column of each respondent's own left-right placement; its scale maps onto [-1, 1]",
        source="ANES 1996 self-placement, 1 = extremely liberal … 7 = extremely conservative",
    )
    scale: list[float] = param(
        [1.0, 7.0],
        -1e9,
        1e9,
        doc="[low, high] of the placement columns (opinion and placements): low → -1, high → +1",
        source="ANES 1996 seven-point scales",
    )
    placements: dict[str, str] = param(
        {},
        doc="party → column of the respondents' placement of that party (or its candidate); the "
        "party line is the mean placement, on the same scale (e.g. {blue: ClinLR, red: DoleLR}); "
        "it replaces parties.<p>.position, which must then be left out",
        source=SETTING,
    )
    party_id: str = param(
        "",
        doc="column of party identification (e.g. PID: 0 strong Democrat … 6 strong "
        "Republican); empty: affinity from opinion distance as usual",
        source=SETTING,
    )
    party_id_scale: list[float] = param(
        [0.0, 6.0],
        -1e9,
        1e9,
        doc="[low, high] of party_id; the midpoint is independent",
        source="ANES 1996 seven-point party identification",
    )
    party_id_low: str = param(
        "",
        doc="party at the low end of party_id (e.g. the Democrats' party)",
        source=SETTING,
    )
    party_id_high: str = param(
        "",
        doc="party at the high end of party_id; a respondent's affinity for the party on its "
        "side is population.initial_affinity × distance from the midpoint ÷ half the range "
        "(strong identifiers full, independents none), and 0 for the other",
        source=SETTING,
    )


@dataclass(frozen=True, kw_only=True)
class PopulationSpec:
    """Who the citizens are at step 0."""

    citizens: int = param(2000, 2, 10_000_000, doc="number of citizens N")
    issues: int = param(
        1,
        1,
        10,
        doc="number of issues K; opinions live on [-1, 1] per issue",
        source="one left-right axis, as in Deffuant et al. 2000 and Hegselmann & Krause 2002",
    )
    initial_opinion: InitialOpinion = param(
        "uniform",
        doc="initial opinion distribution: uniform on [-1, 1]; normal(opinion_center, "
        "opinion_spread); bimodal (two normals at ±opinion_center); binary (±1, +1 with "
        "probability positive_share, the voter model's start); categories (G = categories "
        "evenly spaced values -1, ..., +1 drawn uniformly: G discrete opinions, Holme & Newman "
        "2006's start)",
        source="uniform: Deffuant et al. 2000, Hegselmann & Krause 2002",
    )
    categories: int = param(
        2,
        2,
        10_000_000,
        doc="number of discrete opinions G when initial_opinion is categories",
        source="Holme & Newman 2006 use G = N/10",
    )
    opinion_center: float = param(0.0, -1, 1, doc="centre of normal, ± centres of bimodal")
    opinion_spread: float = param(0.3, 0, 2, doc="standard deviation of normal/bimodal opinions")
    positive_share: float = param(
        0.5, 0, 1, doc="share starting at +1 when initial_opinion is binary (ρ0 of the voter model)"
    )
    activity_mean: float = param(
        0.1,
        0,
        1,
        doc="mean chance to post per step, a (heavy-tailed: Pareto, clipped at 1)",
        source="stated guess; heavy tail after Muchnik et al. 2013",
    )
    activity_tail: float = param(
        2.0, 1.05, 20, doc="Pareto shape of activity; smaller = heavier tail", source=GUESS
    )
    openness: float = param(
        0.6,
        0,
        2,
        doc="mean latitude of acceptance ε (opinion distance on [-1, 1] within which a post "
        "pulls; attraction_repulsion: U, within which a met peer attracts)",
        source="stated guess; d = 0.3 on [0, 1] in Deffuant et al. 2000",
    )
    openness_spread: float = param(0.2, 0, 2, doc="ε is uniform on openness ± openness_spread/2")
    rejection: float = param(
        1.2,
        0,
        2,
        doc="latitude of rejection ρ: beyond it a post repels when backfire is on "
        "(attraction_repulsion: the threshold of rejection T beyond which a met peer repels; "
        "2 = never)",
        source="stated guess after Sherif & Hovland 1961; T > U on [-1, 1] in Jager & Amblard 2005",
    )
    engagement_min: float = param(
        0.2,
        0,
        1,
        doc="baseline engagement of a non-mobilised citizen "
        "is uniform on [engagement_min, engagement_max]",
    )
    engagement_max: float = param(0.6, 0, 1, doc="see engagement_min")
    initial_affinity: float = param(
        0.2,
        0,
        1,
        doc="party affinity at step 0 for a citizen at the "
        "party's position; falls linearly with distance",
    )
    survey: SurveySpec = section(
        SurveySpec, doc="citizens drawn from a survey (opinions, party lines, affinities)"
    )


@dataclass(frozen=True, kw_only=True)
class NetworkSpec:
    """Who follows whom among citizens (undirected ties)."""

    kind: NetworkKind = param(
        "barabasi_albert",
        doc="network generator; none: no fixed network, no ties (only with opinion.rule "
        "radicalization, which draws its own contacts among all citizens every step)",
        source="Barabási & Albert 1999 (heavy-tailed degrees of social media)",
    )
    mean_degree: float = param(
        10,
        0,
        10_000,
        doc="mean number of ties per citizen "
        "(BA and Holme–Kim: m = mean_degree/2; WS: k; ER: p = mean_degree/(N-1))",
    )
    triad_probability: float = param(
        0.5,
        0,
        1,
        doc="holme_kim: chance that each tie after a new citizen's first closes a triangle "
        "(ties to a neighbour of the citizen it just followed) instead of preferential "
        "attachment; raises clustering, keeps the heavy-tailed degrees",
        source="Holme & Kim 2002 (PRE 65:026107); the value is a stated guess",
    )
    rewiring: float = param(
        0.1, 0, 1, doc="Watts–Strogatz rewiring probability", source="Watts & Strogatz 1998"
    )
    homophily: float = param(
        3.0,
        0,
        100,
        doc="homophilous network: a candidate tie between "
        "opinions at distance d is kept with probability exp(-homophily·d)",
    )
    blocks: int = param(2, 1, 1000, doc="stochastic block model: number of communities")
    block_mixing: float = param(
        0.1,
        0,
        1,
        doc="stochastic block model: share of a citizen's expected ties that leave its block",
    )
    blocks_by_opinion: bool = param(
        True,
        doc="stochastic block model: blocks are opinion ranges "
        "(like-minded communities) instead of random sets",
    )
    path: str = param(
        "",
        doc="edge_list: file of 'source target [weight]' lines (CSV or "
        "whitespace), node ids 0..citizens-1; graph_file: a GraphML, GML, GEXF or Pajek file "
        "(by suffix) with exactly population.citizens nodes, citizen i the i-th node; "
        "relative to the scenario file",
        source=SETTING,
    )
    opinion_attribute: str = param(
        "",
        doc="graph_file: node attribute holding each citizen's initial opinion (issue 1), a "
        "number in [-1, 1] or a label mapped by opinion_values; empty: drawn as usual",
        source=SETTING,
    )
    opinion_values: dict[str, float] = param(
        {},
        -1,
        1,
        doc="graph_file: opinion of each label of opinion_attribute, e.g. {'0': -0.5, '1': 0.5} "
        "(labels matched as text; 1.0 reads '1')",
        source=SETTING,
        labels=True,
    )
    activity_attribute: str = param(
        "",
        doc="graph_file: node attribute holding each citizen's activity in [0, 1]; empty: drawn",
        source=SETTING,
    )
    lean_attribute: str = param(
        "",
        doc="graph_file: node attribute naming the party each citizen leans to, mapped by "
        "lean_values; a leaning citizen starts at population.initial_affinity for that party",
        source=SETTING,
    )
    lean_values: dict[str, str] = param(
        {},
        doc="graph_file: party (or 'none') of each label of lean_attribute",
        source=SETTING,
        labels=True,
    )


@dataclass(frozen=True, kw_only=True)
class FeedSpec:
    """How the platform picks the posts a citizen reads."""

    algorithm: FeedAlgorithm = param(
        "chronological",
        doc="chronological = uniform among candidate posts; similarity = "
        "weight (d + 0.01)^-bias toward posts near the reader; engagement = weight "
        "(source posting rate)^bias",
        source="Sîrbu et al. 2019 (algorithmic bias)",
    )
    bias: float = param(
        1.0,
        0,
        20,
        doc="strength γ of the similarity/engagement bias",
        source="Sîrbu et al. 2019 use γ in [0, 1.5]",
    )
    attention: float = param(
        0.0,
        0,
        10_000,
        doc="simulated posts a citizen reads per step at most; a fraction is a keyed Bernoulli "
        "extra (0.5: one post on half the days). 0 = derived from the three figures below: "
        "seen_per_day × political_share × max(k, 1) / accounts_followed, k the citizens' mean "
        "number of ties to citizens — 0.30 at the defaults (k = 10): one simulated tie stands for "
        "accounts_followed / k real accounts, one simulated post for as many real posts "
        "(docs/MODEL.md, step 2). A denser network therefore reads more a day (μ is per "
        "simulated read); to read nothing, set seen_per_day to 0",
        source="derived from Backstrom 2013, Schultz 2020 and Pew 2014 (the next three rows)",
    )
    seen_per_day: float = param(
        171.0,
        0,
        1e6,
        doc="posts a user sees (scrolls to) per day, all topics",
        source="Backstrom 2013, Facebook News Feed FYI: about 300 stories shown a day (of about "
        "1,500 candidates), of which users read 57 %: 300 × 0.57 ≈ 171",
    )
    political_share: float = param(
        0.06,
        0,
        1,
        doc="share of what users see that is political",
        source="Schultz 2020 (Facebook, US, week before the 2020 election): about 6 %",
    )
    accounts_followed: float = param(
        338.0,
        1,
        1e6,
        doc="accounts (friends, pages) a user follows, mean",
        source="Pew Research Center 2014: adult US Facebook users have 338 friends on "
        "average (median 200)",
    )
    recent_window: int = param(7, 1, 10_000, doc="steps over which reach counts a read as recent")


ZEALOTS_OFF = "off: a switch for experiments with committed agents (the essay is silent)"


@dataclass(frozen=True, kw_only=True)
class ZealotSpec:
    """Committed citizens (zealots): they never change their opinion, and they stay in the pool
    the others copy or meet (docs/MODEL.md, step 3, "Committed citizens")."""

    share_plus: float = param(
        0.0,
        0,
        1,
        doc="share of citizens committed at +1 on every issue, drawn at random (round(share·N))",
        source="off; Mobilia, Petersen & Redner 2007 (J. Stat. Mech. P08029) for the voter "
        "model, Xie et al. 2011 (PRE 84:011130) for the naming game",
    )
    share_minus: float = param(
        0.0,
        0,
        1,
        doc="share of citizens committed at -1 on every issue, drawn at random",
        source=ZEALOTS_OFF,
    )
    share_own: float = param(
        0.0,
        0,
        1,
        doc="share of citizens committed at their own initial opinion, drawn at random",
        source=ZEALOTS_OFF,
    )
    path: str = param(
        "",
        doc="optional file of citizen indices (0-based, one per line) committed at their "
        "initial opinion; relative to the scenario file",
        source=SETTING,
    )
    champions: bool = param(
        False,
        doc="champions are committed while they are champions: peers cannot move them",
        source=ZEALOTS_OFF,
    )
    staff: bool = param(
        False,
        doc="party staff join the peer process as committed agents at their party's line: the "
        "classic rules run on the citizens' network plus the staff's ties, and staff are picked, "
        "met and copied like anyone (without it staff act through their posts only)",
        source=ZEALOTS_OFF,
    )


@dataclass(frozen=True, kw_only=True)
class OpinionSpec:
    """How reading a post (and, for the classic rules, meeting a peer) changes an opinion."""

    rule: OpinionRule = param(
        "social_judgment",
        doc="opinion rule (registry key)",
        source="social judgment, Sherif & Hovland 1961 (docs/MODEL.md, step 3)",
    )
    rate: float = param(
        0.02,
        0,
        1,
        doc="μ: share of the gap closed per accepted read (Deffuant: per encounter)",
        source="stated guess; Deffuant et al. use 0.5 per pair",
    )
    backfire: bool = param(
        False,
        doc="posts beyond the latitude of rejection push away",
        source="off: backfire is rare in Wood & Porter 2019",
    )
    backfire_rate: float = param(
        0.01, 0, 1, doc="μ_b: share of the gap pushed away per rejected read"
    )
    posting_noise: float = param(
        0.05, 0, 2, doc="sd of the noise a citizen adds to its own opinion when it posts"
    )
    stop_at_convergence: bool = param(
        False,
        doc="end the run once opinions stop changing: max |Δx| in a step <= "
        "convergence_tolerance (voter: all opinions equal); the election is then the last step run",
        source=SETTING,
    )
    convergence_tolerance: float = param(1e-9, 0, 1, doc="see stop_at_convergence", source=SETTING)
    convergence: Convergence = param(
        "quiet",
        doc="what stop_at_convergence waits for: quiet — no citizen's opinion moved by more "
        "than convergence_tolerance in a step; settled (deffuant, algorithmic_bias, textbook "
        "mode) — no encounter can move anyone again by more than the tolerance: every tie "
        "joins opinions within convergence_tolerance of each other or far enough apart that "
        "the moving end's ε is never reached (bounded confidence's absorbing state, whatever "
        "the order of encounters; docs/ODD.md §7.11)",
        source=SETTING,
    )
    self_weight: float = param(
        1.0,
        0,
        1e6,
        doc="degroot, friedkin_johnsen: raw weight of one's own opinion, against 1 per tie (or "
        "the edge weight)",
    )
    anchoring: float = param(
        0.0,
        0,
        1,
        doc="party identification: after each step's update a citizen's opinion moves back "
        "toward its opinion at the start by this share of the gap, x ← x + a·(x(0) − x), so "
        "posts move opinions slowly and a party absent online keeps its identifiers; any rule; "
        "0 = off",
        source="off by default (the essay is silent); partisan identities are stable for years "
        "(Green, Palmquist & Schickler 2002, Partisan Hearts and Minds); the form is "
        "Friedkin & Johnsen's (1999) anchoring, applied once a step",
    )
    voter_update: VoterUpdate = param(
        "node",
        doc="voter: which update — node (a random citizen copies a random neighbour), link (a "
        "random link, one random end copies the other) or invasion (a random citizen imposes its "
        "opinion on a random neighbour); N updates a step",
        source="Sood, Antal & Redner 2008 (PRE 77:041121); Suchecki, Eguíluz & San Miguel 2005",
    )
    susceptibility: float = param(
        1.0,
        0,
        1,
        doc="friedkin_johnsen: λ, the weight of social influence; each step x ← λ·W x + "
        "(1 − λ)·x(0), so 1 − λ anchors a citizen to its initial opinion (stubbornness, "
        "partisan loyalty); 1 is DeGroot",
        source="Friedkin & Johnsen 1999 (Advances in Group Processes 16:1)",
    )
    q: int = param(
        4,
        1,
        64,
        doc="q_voter: size of the panel of neighbours, drawn with repetition; a unanimous panel "
        "is copied",
        source="Castellano, Muñoz & Pastor-Satorras 2009 (PRE 80:041129); Nyczka, "
        "Sznajd-Weron & Cisło 2012 (PRE 86:011105) use q = 1..8",
    )
    nonconformity: QVoterNonconformity = param(
        "independence",
        doc="q_voter: what a citizen does with probability p instead of conforming — "
        "independence (flip with probability 1/2, whatever the panel says) or anticonformity "
        "(take the opposite of a unanimous panel)",
        source="Nyczka, Sznajd-Weron & Cisło 2012 (PRE 86:011105)",
    )
    nonconformity_rate: float = param(
        0.0,
        0,
        1,
        doc="q_voter: p, the probability of acting as a nonconformist in an update",
        source="Nyczka, Sznajd-Weron & Cisło 2012: order for p < p_c = (q-1)/(q-1+2^(q-1)) "
        "(independence) or (q-1)/(2q) (anticonformity)",
    )
    group_size: int = param(
        3,
        3,
        99,
        doc="majority: G, the size of a discussion group (odd: no ties) — a random citizen and "
        "G - 1 distinct random neighbours, who all take the group's majority opinion; a step "
        "is round(N/G) groups, so each citizen joins one group a step on average",
        source="Galam 2002 (Eur. Phys. J. B 25:403); Krapivsky & Redner 2003 (PRL 90:238701) "
        "use G = 3",
    )
    bias: float = param(
        0.0,
        0,
        100,
        doc="algorithmic_bias: γ, how strongly the recommender favours like-minded partners — a "
        "citizen meets neighbour j with probability ∝ max(d_ij, bias_floor)^(-γ); 0 = Deffuant",
        source="Sîrbu, Pedreschi, Giannotti & Kertész 2019 (PLoS ONE 14:e0213246) use γ = 0-1.6",
    )
    bias_floor: float = param(
        1e-4,
        1e-12,
        1,
        doc="algorithmic_bias: smallest distance used in d^(-γ), so equal opinions get a finite "
        "weight",
        source="a stated guess (the paper's own floor is not given here); on [-1, 1]",
    )
    rewire_rate: float = param(
        0.5,
        0,
        1,
        doc="holme_newman: φ, the chance that an update rewires (a random tie of the citizen "
        "moves to a random citizen of the same opinion) instead of copying a random neighbour",
        source="Holme & Newman 2006 (PRE 74:056108): transition at φ_c ≈ 0.458 for mean degree "
        "4 and N/G = 10",
    )
    social_influence: float = param(
        3.0,
        0,
        1000,
        doc="radicalization: K, the strength of social influence in dx_i/dt = -x_i + "
        "K·Σ_j A_ij(t)·tanh(α·x_j)",
        source="Baumann, Lorenz-Spreen, Sokolov & Starnini 2020 (PRL 124:048301) use K = 3 in "
        "their examples",
    )
    controversy: float = param(
        3.0,
        0,
        1000,
        doc="radicalization: α, the controversialness of the topic (the slope of tanh(α·x))",
        source="Baumann et al. 2020 (PRL 124:048301) use α = 3 for radicalised states",
    )
    homophily: float = param(
        0.0,
        0,
        100,
        doc="radicalization: β, homophily — an active citizen i contacts j with probability "
        "∝ |x_i - x_j|^(-β) (distances floored at 1e-10; exact for any β: the draws compare "
        "log-clocks where the weights would underflow); 0 = uniformly random contacts",
        source="Baumann et al. 2020 (PRL 124:048301): β = 0 (one-sided radicalisation) to 3 "
        "(polarisation)",
    )
    contacts: int = param(
        10,
        1,
        10000,
        doc="radicalization: m, the distinct citizens an active citizen contacts in a step "
        "(fewer than population.citizens)",
        source="Baumann et al. 2020 (PRL 124:048301) use m = 10",
    )
    reciprocity: float = param(
        0.5,
        0,
        1,
        doc="radicalization: r, the probability that a contact i → j is returned (A_ji = 1 too)",
        source="Baumann et al. 2020 (PRL 124:048301) use r = 0.5",
    )
    activity_exponent: float = param(
        2.1,
        1.01,
        10,
        doc="radicalization: γ, activities a_i are drawn from F(a) ∝ a^(-γ) on [activity_min, 1] "
        "(the rule's own, not population.activity_mean)",
        source="Baumann et al. 2020 (PRL 124:048301) use γ = 2.1",
    )
    activity_min: float = param(
        0.01,
        1e-6,
        1,
        doc="radicalization: ε, the smallest activity (a citizen is active in a step with "
        "probability a_i)",
        source="Baumann et al. 2020 (PRL 124:048301) use ε = 0.01",
    )
    time_step: float = param(
        0.01,
        1e-6,
        1,
        doc="radicalization: dt, the model time one step advances; each step draws a new contact "
        "network and makes one fourth-order Runge-Kutta step of length dt",
        source="Baumann et al. 2020 (PRL 124:048301) integrate with dt = 0.01",
    )
    zealots: ZealotSpec = section(ZealotSpec, doc="committed citizens (zealots)")


@dataclass(frozen=True, kw_only=True)
class MobilizationSpec:
    """Engagement as complex contagion (Granovetter 1978)."""

    enabled: bool = param(True, doc="engagement spreads by thresholds")
    initially_engaged: float = param(0.02, 0, 1, doc="share of citizens engaged at step 0")
    threshold_mean: float = param(
        0.3,
        0,
        1,
        doc="mean threshold: engaged share of neighbours needed to become engaged",
        source="stated guess; Centola & Macy 2007 use 0.1-0.5",
    )
    threshold_spread: float = param(0.1, 0, 1, doc="sd of thresholds (normal, clipped to [0, 1])")
    thresholds_path: str = param(
        "",
        doc="optional file of one threshold per citizen (share of neighbours, one number per "
        "line, N lines) replacing the drawn ones; relative to the scenario file",
        source=SETTING,
    )
    disengagement: float = param(
        0.02,
        0,
        1,
        doc="chance per step that an engaged citizen below "
        "its threshold disengages (0 = Granovetter's one-way cascade)",
    )


@dataclass(frozen=True, kw_only=True)
class ElectionSpec:
    """Vote intention each step; the election is the last step."""

    affinity_weight: float = param(
        0.5,
        0,
        100,
        doc="β: weight of party affinity in utility -|x - p_k| + β·affinity_k",
        source="stated guess; fitted to ANES 1996 respondents' votes by socialweb calibrate "
        "experiments/calibration/anes96_vote.yaml (not used as the default: see its report)",
    )
    abstention_utility: float = param(
        -0.6, -3, 1, doc="utility of abstaining; a citizen votes only for a party that beats it"
    )
    choice: VoteChoice = param(
        "argmax",
        doc="argmax: each citizen intends to vote for its best party (if it beats abstention); "
        "logit: for each party with probability softmax(λ·U) over the parties and abstention "
        "(multinomial logit, McFadden 1974), so the poll counts expected shares",
        source="argmax: the design's rule; logit: the field's standard probabilistic choice, "
        "fitted to ANES 1996 by experiments/calibration/anes96_vote.yaml",
    )
    choice_scale: float = param(
        5.0,
        0.01,
        1000,
        doc="logit: λ, the precision of choice (large λ: argmax; small: near random)",
        source="stated guess; fitted to ANES 1996 by socialweb calibrate "
        "experiments/calibration/anes96_vote.yaml",
    )
    turnout_base: float = param(0.4, 0, 1, doc="turnout probability at engagement 0")
    turnout_engaged: float = param(0.9, 0, 1, doc="turnout probability at engagement 1")
    affinity_rate: float = param(
        0.02, 0, 1, doc="share of the way to 1 an accepted party post moves affinity"
    )
    affinity_decay: float = param(
        0.01, 0, 1, doc="share of affinity lost per step (half-life ≈ 69 steps at 0.01)"
    )
    cycle: int = param(
        0,
        0,
        1_000_000,
        doc="steps between elections: 0 = one election, on the last step; E > 0 = an "
        "election every E steps (steps must be a multiple of E, so the last step is one): "
        "several election cycles in one run, for partnership and shared benefits to act over "
        "years; vote_share and the winner are the last election's, elections_won counts all",
        source="a setting; four-year terms are common (e.g. 1,460 steps with cycle 365 is four "
        "yearly votes, as in annual local elections)",
    )


@dataclass(frozen=True, kw_only=True)
class InstitutionSpec:
    """A party's official account."""

    enabled: bool = param(False, doc="the party has an official account")
    posts_per_step: float = param(3.0, 0, 1000, doc="posts per step (fraction: Bernoulli extra)")
    trust: float = param(
        0.5,
        0,
        1,
        doc="trust multiplier of institutional posts (peer = 1)",
        source="essay: institutions are trusted less than peers; value a guess",
    )
    followers: float = param(
        0.05,
        0,
        1,
        doc="share of citizens following the account (drawn with probability rising with affinity)",
    )
    paid_reach: float = param(
        0.0,
        0,
        1,
        doc="share of citizens shown one sponsored post per step (impressions per citizen)",
    )
    cost_per_post: float = param(
        15.0,
        0,
        1e9,
        doc="content team cost of one post per step, per 1,000 citizens (budget units); a "
        "larger electorate's campaign makes proportionally more local content",
        source="stated guess: 3 posts a day cost 45 per 1,000 citizens",
    )
    cost_per_paid_impression: float = param(0.5, 0, 1e9, doc="cost of one sponsored impression")


@dataclass(frozen=True, kw_only=True)
class MassMediaSpec:
    """Mass media: a party's message broadcast off the platform (television, radio, print)."""

    reach: float = param(
        0.0,
        0,
        1,
        doc="share of citizens who see one of the party's broadcast messages per step (a fresh "
        "random set each step); outside the feed, so it takes no online attention",
    )
    trust: float = param(
        0.5,
        0,
        1,
        doc="trust multiplier of a broadcast message (peer = 1)",
        source="stated guess: as trusted as the official account (a party's own advertising)",
    )
    cost_per_contact: float = param(
        0.5,
        0,
        1e9,
        doc="cost of one citizen reached once (budget units)",
        source="stated guess: the price of one sponsored impression online",
    )


@dataclass(frozen=True, kw_only=True)
class CanvassSpec:
    """Offline canvassing: party workers talk to citizens at the door."""

    reach: float = param(
        0.0,
        0,
        1,
        doc="share of citizens a party's canvassers talk to per step (a fresh random set each "
        "step); outside the feed, so it takes no online attention",
    )
    trust: float = param(
        1.0,
        0,
        1,
        doc="trust multiplier of a conversation at the door",
        source="stated guess: face to face, as trusted as a peer; canvassing moves turnout "
        "(Gerber & Green 2000, APSR 94:653) while its persuasive effect in general elections is "
        "near zero (Kalla & Broockman 2018, APSR 112:148) — a trust of 1 is the generous end",
    )
    cost_per_contact: float = param(
        1.0,
        0,
        1e9,
        doc="cost of one conversation (budget units)",
        source="stated guess: a canvasser paid like staff (20 a day) holds about 20 "
        "conversations a day (Green & Gerber, Get Out the Vote, report 6-8 contacts an hour)",
    )


@dataclass(frozen=True, kw_only=True)
class TrialSpec:
    """A randomized field experiment on the scenario's own citizens (docs/ODD.md §7.12)."""

    party: str = param(
        "",
        doc="the party whose contact is tested; empty: no trial",
        source=SETTING,
    )
    channel: TrialChannel = param(
        "canvass",
        doc="the treatment: one contact off the platform with the party's line, at the trust "
        "of the party's canvass (a conversation at the door) or mass_media (an ad exposure)",
        source="Kalla & Broockman 2018 (APSR 112:148): contact in general elections; Coppock, "
        "Hill & Vavreck 2020 (Sci. Adv. 6:eabc4046): ads",
    )
    share: float = param(
        0.5,
        0.01,
        0.99,
        doc="share of citizens treated (complete randomization: exactly ⌊share·N⌋, the rest "
        "are the control group)",
        source="a setting; half, as in most field experiments",
    )
    step: int = param(
        1,
        1,
        1_000_000,
        doc="the day the treated citizens are contacted (the effect is measured on election "
        "day, the last step)",
        source=SETTING,
    )


@dataclass(frozen=True, kw_only=True)
class NewsSpec:
    """News outlets: sources that are neither citizens nor parties."""

    positions: list[float] = param(
        [],
        -1,
        1,
        doc="one position per outlet (the same on every issue); empty = no outlets",
        source="off by default; an outlet publishes its own position",
        empty=True,
    )
    reach: float = param(
        0.1,
        0,
        1,
        doc="share of citizens each outlet reaches per step (a fresh random set each step; "
        "outside the feed's attention, like mass media)",
    )
    trust: float = param(
        0.7,
        0,
        1,
        doc="trust multiplier of a news item",
        source="stated guess: between a party's account (0.5) and a peer (1)",
    )


@dataclass(frozen=True, kw_only=True)
class EraSpec:
    """Before or after online social media (docs/MODEL.md, "Eras")."""

    name: Literal["social_web", "broadcast"] = param(
        "social_web",
        doc="social_web: today's reach and free organizing tools; broadcast: a person's post "
        "reaches broadcast_reach of its ties (word of mouth) and organizing costs "
        "broadcast_organizing_cost times as much (institutions, paid reach, mass media and "
        "canvassing are unchanged)",
        source="essay: before online social media 'political parties had a comparative "
        "advantage over private citizens'",
    )
    broadcast_reach: float = param(
        0.1,
        0,
        1,
        doc="broadcast era: chance that a tie hears a person's post (citizen, champion or "
        "staff), drawn per post and tie",
        source="stated guess: one conversation reaches a few of one's contacts (the two-step "
        "flow: Katz & Lazarsfeld 1955, Personal Influence)",
    )
    broadcast_organizing_cost: float = param(
        3.0,
        1,
        1000,
        doc="broadcast era: organizing a champion takes this many times the organizer time "
        "and money (champions per organizer ÷ factor, cost per champion × factor)",
        source="stated guess: meetings, phone trees and print instead of free online tools",
    )


@dataclass(frozen=True, kw_only=True)
class MovementSpec:
    """A citizens' movement: citizens without a party who organise, recruit their contacts and
    spread an issue position (docs/MODEL.md, step 4)."""

    founders_per_1000: float = param(
        0.0,
        0,
        1000,
        doc="founding members per 1,000 citizens, drawn among citizens within recruit_distance "
        "of the position; 0 = no movement",
        source="off by default; the essay: 'individual or small groups of citizens' can "
        "'mobilize mass action'",
    )
    position: list[float] = param(
        [0.0], -1, 1, doc="the movement's issue position, one value per issue"
    )
    guidance: float = param(
        0.5,
        0,
        1,
        doc="share of the movement's position in a member's post, (1 − g)·x + g·position "
        "(a shared message; members are citizens, so their posts carry peer trust 1)",
    )
    recruitment_rate: float = param(
        0.02,
        0,
        1,
        doc="chance per member per step of recruiting one of its contacts (a random neighbour "
        "within recruit_distance of the position who is an ordinary citizen); in the "
        "broadcast era divided by era.broadcast_organizing_cost",
    )
    recruit_distance: float = param(
        0.5, 0, 2, doc="only citizens within this opinion distance of the position join"
    )
    max_per_1000: float = param(
        100.0, 0, 1000, doc="members per 1,000 citizens at most (the movement's reach)"
    )
    mobilized: bool = param(
        True,
        doc="members are fully engaged while they belong (turnout and posting as engagement "
        "1, and they count as engaged neighbours in the contagion)",
        source="essay: movements 'mobilize mass action'",
    )
    activity_boost: float = param(
        1.0,
        0,
        100,
        doc="a member posts with chance min(1, a·e·(1 + activity_boost)), as a fully "
        "motivated champion",
    )


@dataclass(frozen=True, kw_only=True)
class MovementResponseSpec:
    """What a party does about the citizens' movement (``movement``)."""

    response: Literal["ignore", "engage", "co_opt"] = param(
        "ignore",
        doc="ignore: nothing; engage: the party line moves toward the members' mean opinion by "
        "rate a step (the party joins the conversation and adopts some of its demands); "
        "co_opt: the party's organizers may recruit members as champions (they leave the "
        "movement for the programme; needs champions and staff)",
        source="essay: parties 'cannot ignore' citizen-led mass action",
    )
    rate: float = param(
        0.01, 0, 1, doc="engage: share of the gap to the members' mean the line moves per step"
    )


@dataclass(frozen=True, kw_only=True)
class StaffSpec:
    """People who work for the party and post as individuals from inside the network."""

    per_1000: float = param(
        0.0,
        0,
        1000,
        doc="staff per 1,000 citizens; a fractional last member works part time (posts, "
        "recruits, looks after champions and is paid in proportion)",
    )
    activity: float = param(0.8, 0, 1, doc="chance a staff member posts per step (high activity)")
    trust: float = param(
        0.8,
        0,
        1,
        doc="trust multiplier of staff posts",
        source="essay: individuals who work for the party; guess between institution and peer",
    )
    ties: int = param(
        30,
        0,
        100_000,
        doc="ties each staff member has to random citizens (a person's own contacts, so the "
        "same at any population size: staff, not ties, scale with the electorate)",
    )
    recruitment_rate: float = param(
        0.1, 0, 1, doc="chance per step an organizer recruits a champion"
    )
    organizer_capacity: int = param(
        20, 0, 1_000_000, doc="champions one (full-time) organizer can look after"
    )
    salary_per_step: float = param(20.0, 0, 1e9, doc="cost of one staff member per step")


@dataclass(frozen=True, kw_only=True)
class ChampionSpec:
    """Citizens recruited by organizers who promote the party because it matters to them."""

    enabled: bool = param(False, doc="the party runs a champion programme")
    initial_per_1000: float = param(
        0.0,
        0,
        1000,
        doc="founding champions per 1,000 citizens, recruited (and paid) like the rest before "
        "step 1; rounded to the nearest whole champion",
    )
    max_per_1000: float = param(
        1000.0, 0, 1000, doc="programme cap per 1,000 citizens (1000: no cap of its own)"
    )
    guidance: float = param(
        0.3,
        0,
        1,
        doc="g: share of the party script in a champion's post",
        source="essay: 'to some degree guided'; value a guess",
    )
    authenticity_penalty: float = param(
        0.5, 0, 1, doc="λ: a champion's trust is 1 - λ·g (scripted posts read as astroturf)"
    )
    coordination: float = param(
        1.0,
        0,
        100,
        doc="δ: message discipline — organizers time and target guided posts (a posting "
        "calendar, the day's talking point), so in a full feed a champion's post weighs "
        "1 + δ·g against other candidates; the benefit of guidance that trust (λ) and "
        "motivation (κ) pay for; 0 switches it off",
        source="stated guess: at full guidance a post is twice as likely to be read as an "
        "unguided one in the same feed; coordinated posting raises visibility (Keller et al. "
        "2020, Political Communication 37:256), by an amount not measured for volunteers",
    )
    crowding_out: float = param(
        0.3,
        0,
        1,
        doc="κ: guidance lowers target motivation by κ·g",
        source="motivation crowding-out, Frey & Jegen 2001; value a guess",
    )
    motivation_rate: float = param(
        0.05, 0, 1, doc="share of the way motivation moves to its target per step"
    )
    initial_motivation: float = param(0.7, 0, 1, doc="motivation of a new champion")
    baseline_motivation: float = param(0.5, 0, 1, doc="target motivation when shared_values is off")
    burnout_threshold: float = param(0.25, 0, 1, doc="m_min: a champion below it quits")
    shared_values: bool = param(
        True,
        doc="motivation moves toward 1 - |x - p|/2",
        source="essay: 'a sense of shared values'",
    )
    shared_benefits: bool = param(
        True,
        doc="the party's poll changes move motivation: gains raise it, losses lower it",
        source="essay: 'shared benefits in success'",
    )
    benefit_gain: float = param(
        5.0,
        0,
        1000,
        doc="target motivation per unit of vote-share change over benefit_window steps",
    )
    benefit_window: int = param(
        7, 1, 10_000, doc="steps over which the poll change of shared benefits is measured"
    )
    win_bonus: float = param(
        0.0,
        0,
        1,
        doc="shared benefits in success at elections (needs shared_benefits and "
        "election.cycle > 0 for more than one election): after each election but the last, "
        "the party's champions' motivation rises by win_bonus if the party won (most votes) "
        "and falls by win_bonus if it lost; 0 = off",
        source="off by default (a stated guess when on): the essay's 'shared benefits in "
        "success' read as the victory itself",
    )
    partnership: bool = param(
        False,
        doc="the party line drifts toward its champions' mean",
        source="essay: 'treat citizens as strategic partners'",
    )
    partnership_rate: float = param(0.01, 0, 1, doc="r: share of the gap the line moves per step")
    activity_boost: float = param(
        1.0,
        0,
        100,
        doc="a champion posts with chance min(1, a·e·(1 + activity_boost·m)): its citizen's "
        "rate plus a motivated extra (0: recruitment does not change it)",
        source="stated guess: at full motivation a champion posts twice as often as before "
        "recruitment; 0 is the neutral setting",
    )
    mobilized: bool = param(
        False,
        doc="recruits become fully engaged (mobilised: turnout and posting as engagement 1, and "
        "they count as engaged neighbours in the contagion); off: they keep their engagement",
        source="off: the essay does not say champions change their own engagement; being "
        "asked raises the asked's own participation (Verba, Schlozman & Brady 1995, Voice and "
        "Equality), by an amount not known for online champions — docs/ROBUSTNESS.md shows what "
        "switching it on does",
    )
    rejoin: bool = param(
        False,
        doc="a champion who burned out can be recruited again (off: never by the same party)",
        source="stated guess",
    )
    min_engagement: float = param(
        0.5, 0, 1, doc="only citizens at least this engaged qualify (mobilised citizens have 1)"
    )
    recruit_distance: float = param(
        0.5,
        0,
        2,
        doc="only citizens within this opinion distance of the party line qualify",
    )
    cost_per_step: float = param(
        1.0, 0, 1e9, doc="cost of one active champion per step (organizer hours, materials)"
    )


@dataclass(frozen=True, kw_only=True)
class BudgetSpec:
    """A budget planned forward: the total per step and the share of it each channel gets.

    With ``per_1000`` > 0 the channels are sized from the budget, so spending can never exceed
    it: content posts = content share / ``institution.cost_per_post``; paid reach = paid share /
    (1,000 · ``cost_per_paid_impression``); staff per 1,000 = staff share /
    ``staff.salary_per_step``; the champion cap per 1,000 = champion share /
    ``champions.cost_per_step`` (× the era's organizing cost); mass media and canvassing reach
    = share / (1,000 · their ``cost_per_contact``). The sizing keys those replace must then be
    left out. Shares
    need not use the whole budget; what a channel does not spend is reported as under-spend.
    """

    per_1000: float = param(
        0.0,
        0,
        1e9,
        doc="budget per step per 1,000 citizens (budget units); 0 = no budget: channels are "
        "sized by their own keys and cost what they cost",
        source=SETTING,
    )
    content: float = param(
        0.0, 0, 1, doc="share of the budget for the content team (posts)", source=SETTING
    )
    paid_reach: float = param(
        0.0, 0, 1, doc="share of the budget for sponsored impressions", source=SETTING
    )
    staff: float = param(0.0, 0, 1, doc="share of the budget for staff salaries", source=SETTING)
    champions: float = param(
        0.0, 0, 1, doc="share of the budget for the champion programme", source=SETTING
    )
    mass_media: float = param(
        0.0, 0, 1, doc="share of the budget for mass media (broadcast messages)", source=SETTING
    )
    canvass: float = param(0.0, 0, 1, doc="share of the budget for canvassing", source=SETTING)


@dataclass(frozen=True, kw_only=True)
class PartySpec:
    """One party: a ballot position plus the online components it switches on."""

    position: list[float] = param([0.0], -1, 1, doc="party line p, one value per issue")
    institution: InstitutionSpec = section(InstitutionSpec, doc="official account")
    staff: StaffSpec = section(StaffSpec, doc="staff posting as individuals; organizers")
    champions: ChampionSpec = section(ChampionSpec, doc="champion programme")
    movement: MovementResponseSpec = section(
        MovementResponseSpec, doc="the party's response to the citizens' movement"
    )
    mass_media: MassMediaSpec = section(MassMediaSpec, doc="broadcast messages off the platform")
    canvass: CanvassSpec = section(CanvassSpec, doc="conversations at the door")
    budget: BudgetSpec = section(
        BudgetSpec, doc="optional budget: total per step and its allocation across channels"
    )


@dataclass(frozen=True, kw_only=True)
class OutputSpec:
    """What a run writes besides the time series."""

    agents: bool = param(
        False, doc="write agents.parquet: final opinion, role, party, degree", source=SETTING
    )
    plots: bool = param(True, doc="write PNG plots", source=SETTING)
    every: int = param(
        1,
        1,
        1_000_000,
        doc="record the metrics every this many steps (and always after the last step); "
        "larger values make long or large runs cheaper, the dynamics are unchanged",
        source=SETTING,
    )


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A whole model configuration."""

    name: str = param("scenario", doc="short name used in outputs", source=SETTING)
    description: str = param("", doc="what the scenario tests", source=SETTING)
    steps: int = param(
        365,
        1,
        1_000_000,
        doc="steps (days); the election is the last",
        source="one year of campaigning (stated guess)",
    )
    seed: int = param(
        0, 0, 2**63 - 1, doc="default seed (the CLI's --seed overrides)", source=SETTING
    )
    population: PopulationSpec = section(PopulationSpec, doc="citizens")
    network: NetworkSpec = section(NetworkSpec, doc="ties")
    feed: FeedSpec = section(FeedSpec, doc="platform")
    opinion: OpinionSpec = section(OpinionSpec, doc="opinion rule")
    mobilization: MobilizationSpec = section(MobilizationSpec, doc="engagement contagion")
    election: ElectionSpec = section(ElectionSpec, doc="polls and election")
    news: NewsSpec = section(NewsSpec, doc="news outlets (non-party sources)")
    movement: MovementSpec = section(MovementSpec, doc="a citizens' movement (no party)")
    era: EraSpec = section(EraSpec, doc="before (broadcast) or after (social_web) social media")
    trial: TrialSpec = section(
        TrialSpec, doc="a randomized experiment on the citizens: average treatment effects"
    )
    parties: dict[str, PartySpec] = param(
        {}, doc="parties by name (may be empty: the classic models without parties)"
    )
    output: OutputSpec = section(OutputSpec, doc="extra outputs")
