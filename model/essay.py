"""docs/ESSAY.md: is the essay right? Each claim, the experiment that tests it, the rule that
decides it (written here, before any result), the result with its interval, and the verdict.

``socialweb essay --compare C --eras E --movement M --partnership P`` reads four finished
outputs —

- C: ``socialweb compare`` of the eight reference scenarios plus ``offline_only`` (baseline
  ``party_absent``);
- E: ``socialweb sweep experiments/eras_by_strategy.yaml``;
- M: ``socialweb sweep experiments/movement_response.yaml``;
- P: ``socialweb sweep experiments/partnership_cycles.yaml``

— and writes ``essay.json`` (every number) and ``ESSAY.md`` (its rendering; :func:`render`
alone turns one into the other, so a test can check the page against its numbers).
``scripts/essay`` runs all four and regenerates docs/ESSAY.md.

**Verdicts.** Every rule compares a paired contrast's 95 % interval with 0: *holds* when the
interval lies where the claim says, *fails* when it lies on the other side, *undecided* when it
covers 0. Contrasts from a comparison use the interval it reports for the pair
(``model.contrasts``: unadjusted for a primary pair, else at the Bonferroni level of its Holm
family); a claim judged on several contrasts of one sweep uses
Bonferroni-adjusted intervals (95 % family-wise). Intervals cover replicate noise at the
stated defaults only, not what we do not know about the stated guesses: docs/ROBUSTNESS.md and
``socialweb robust`` show how the effects move with those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CONFIDENCE = 0.95
ESSAY = (
    'Alan Rosenblatt, "Political Parties, Citizens, and the Social Web" (an essay written for '
    'a Fokus seminar, "När tekniken förändrar politiken")'
)


def verdict(low: float, high: float, sign: int = 1) -> str:
    """holds / fails / undecided for an interval [low, high] and the sign the claim predicts
    (undecided when there is no interval)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "undecided"
    if sign < 0:
        low, high = -high, -low
    if low > 0:
        return "holds"
    if high < 0:
        return "fails"
    return "undecided"


def not_above_zero(contrast: dict[str, Any]) -> str:
    """holds / fails / undecided for a claim that a contrast is *not* above 0: fails when the
    whole interval is above 0, undecided when there is no interval, holds otherwise."""
    low, high = contrast["low"], contrast["high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return "undecided"
    return "fails" if low > 0 else "holds"


def overall(verdicts: list[str]) -> str:
    """A claim judged on several contrasts holds when all hold, fails when any fails."""
    if "fails" in verdicts:
        return "fails"
    if verdicts and all(v == "holds" for v in verdicts):
        return "holds"
    return "undecided"


def paired_interval(diff: np.ndarray, family: int = 1) -> dict[str, float]:
    """Mean of paired differences and its Student-t interval, Bonferroni-adjusted for a family
    of ``family`` contrasts (95 % family-wise)."""
    from scipy import stats

    diff = np.asarray(diff, dtype=np.float64)
    n = diff.size
    mean = float(diff.mean())
    if n < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "n": n}
    level = 1 - (1 - CONFIDENCE) / family
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(diff.std(ddof=1)) / np.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}


# -- reading the three outputs --------------------------------------------------------------


def _contrast(comparison: dict, a: str, b: str, outcome: str, party: str) -> dict[str, Any]:
    """a − b from comparison.json, with the interval the comparison reports for that pair (its
    Bonferroni-level interval within its Holm family unless the pair is the primary)."""
    try:
        c = comparison["contrasts"][a][b][outcome][party]
    except KeyError:
        raise KeyError(f"comparison has no contrast {a} − {b} of {outcome}.{party}") from None
    low = c.get("ci_adjusted_low", c["ci_low"])
    high = c.get("ci_adjusted_high", c["ci_high"])
    method = (
        "unadjusted (primary)"
        if c.get("primary")
        else "adjusted (Bonferroni level, the comparison's Holm family)"
    )
    return {
        "a": a,
        "b": b,
        "outcome": f"{outcome}.{party}",
        "mean": c["mean"],
        "low": low,
        "high": high,
        "n": c["n"],
        "interval": method,
    }


def _points(runs: pd.DataFrame, design: dict[str, Any]) -> pd.DataFrame:
    """Rows of ``runs`` at the design point whose varied keys equal ``design``."""
    mask = np.ones(len(runs), dtype=bool)
    for key, value in design.items():
        mask &= (runs[key] == value).to_numpy()
    return runs[mask].sort_values("replicate")


def _between_points(
    runs: pd.DataFrame, a: dict, b: dict, output: str, family: int, label: str
) -> dict[str, Any]:
    """Point a minus point b of one output, paired by replicate (a sweep gives replicate r the
    same seed at every point)."""
    ra, rb = _points(runs, a), _points(runs, b)
    if ra.empty or rb.empty:
        raise KeyError(f"the sweep has no design point {a if ra.empty else b}")
    merged = ra.merge(rb, on="replicate", suffixes=("_a", "_b"))
    got = paired_interval(merged[f"{output}_a"] - merged[f"{output}_b"], family)
    return {
        "a": label.split(" − ")[0],
        "b": label.split(" − ")[1],
        "outcome": output,
        **got,
        "interval": f"Bonferroni-adjusted over {family}" if family > 1 else "unadjusted",
    }


def _within_point(
    runs: pd.DataFrame, design: dict, output: str, family: int, label: str
) -> dict[str, Any]:
    """A contrast sweep's own a − b at one design point (already paired per replicate)."""
    rows = _points(runs, design)
    if rows.empty:
        raise KeyError(f"the sweep has no design point {design}")
    got = paired_interval(rows[output], family)
    return {
        "a": label.split(" − ")[0],
        "b": label.split(" − ")[1],
        "outcome": output,
        **got,
        "interval": f"Bonferroni-adjusted over {family}" if family > 1 else "unadjusted",
        "point": {k: _plain(v) for k, v in design.items()},
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _read_sweep(folder: Path) -> pd.DataFrame:
    path = folder / "runs.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: expected a finished sweep (runs.parquet)")
    return pd.read_parquet(path)


BLUE = "parties.blue"
ERA_KEYS = (
    f"{BLUE}.institution.enabled",
    f"{BLUE}.staff.per_1000",
    f"{BLUE}.champions.enabled",
    f"{BLUE}.mass_media.reach",
)


def build(compare: Path, eras: Path, movement: Path, partnership: Path) -> dict[str, Any]:
    """Every claim's contrasts and verdicts from the four outputs (essay.json)."""
    comparison = json.loads((compare / "comparison.json").read_text(encoding="utf-8"))
    era_runs = _read_sweep(eras)
    move_runs = _read_sweep(movement)
    cycle_runs = _read_sweep(partnership)
    champ = f"{BLUE}.champions"
    plain = {
        f"{champ}.partnership": False,
        f"{champ}.benefit_gain": 5,
        f"{champ}.win_bonus": 0,
        f"{champ}.burnout_threshold": 0.25,
    }
    fragile = {**plain, f"{champ}.burnout_threshold": 0.7}  # where champions do burn out
    strong = {f"{champ}.benefit_gain": 100, f"{champ}.win_bonus": 0.3}
    claims = []

    # 1. comparative advantage: broadcast − social_web share of opinion movement parties cause,
    # at every mix of blue's channels (a family of 16 contrasts, Bonferroni)
    # a champion programme without staff has no organizers and recruits nobody: those points
    # repeat the ones without champions, so they are left out of the family
    points = [
        p
        for p in era_runs[list(ERA_KEYS)].drop_duplicates().to_dict("records")
        if not (p[f"{BLUE}.champions.enabled"] and p[f"{BLUE}.staff.per_1000"] == 0)
    ]
    rows = [
        _within_point(era_runs, p, "party_influence_share", len(points), "broadcast − social_web")
        for p in points
    ]
    claims.append(
        {
            "id": "comparative_advantage",
            "quote": 'before online social media "political parties had a comparative advantage '
            'over private citizens"',
            "test": "experiments/eras_by_strategy.yaml: every mix of blue's channels (account, "
            "staff, champions with staff, mass media) in the broadcast and the social-web era, "
            "same seeds; "
            "outcome: the parties' share of all opinion movement they caused over the campaign "
            "(`party_influence_share`, docs/MODEL.md step 7)",
            "rule": "holds if broadcast − social_web > 0 at every design point (each 95 % "
            "interval, Bonferroni-adjusted over the points, above 0); fails if it is below 0 "
            "at any point",
            "caveat": "the direction follows largely from what the broadcast era means here (a "
            "person's post reaches era.broadcast_reach = 10 % of its ties; parties keep their "
            "paid channels); the size is the finding, and it rests on that stated guess",
            "contrasts": rows,
            "verdict": overall([verdict(r["low"], r["high"]) for r in rows]),
        }
    )

    # 2. absent from the conversation: no voice? (equal budgets: institution_only and
    # offline_only spend 60 per 1,000 a step)
    absent = _contrast(comparison, "offline_only", "party_absent", "vote_share", "blue")
    online = _contrast(comparison, "institution_only", "offline_only", "vote_share", "blue")
    claims.append(
        {
            "id": "absent_no_influence",
            "quote": '"unless parties are part of these conversations, they will be unable to '
            'influence what the people are saying"',
            "test": "`socialweb compare` of party_absent, offline_only (the same budget as "
            "institution_only spent on mass media and canvassing) and institution_only; "
            "outcome: blue's election-day vote share",
            "rule": "(a) a party outside the online conversation is unable to influence: holds "
            "if offline_only − party_absent is not above 0 (interval below or covering 0), "
            "fails if above 0; (b) being in the conversation beats the same money spent "
            "elsewhere: holds if institution_only − offline_only > 0, fails if < 0; the claim "
            "holds if (a) and (b) hold, fails if either fails",
            "caveat": "mass media and canvassing act like posts read (trust 0.5 and 1, stated "
            "guesses); field experiments find persuasion by campaign contact near zero "
            "(Kalla & Broockman 2018), which this model does not yet reproduce",
            "contrasts": [absent, online],
            "verdict": overall([not_above_zero(absent), verdict(online["low"], online["high"])]),
        }
    )

    # 3. citizens mobilise mass action; 4. parties cannot ignore it
    none = {"movement.founders_per_1000": 0.0, f"{BLUE}.movement.response": "ignore"}
    ignore = {"movement.founders_per_1000": 10.0, f"{BLUE}.movement.response": "ignore"}
    engage = {**ignore, f"{BLUE}.movement.response": "engage"}
    co_opt = {**ignore, f"{BLUE}.movement.response": "co_opt"}
    mass = [
        _between_points(move_runs, ignore, none, out, 2, "movement − no movement")
        for out in ("engaged", "share_of_voice_movement")
    ]
    claims.append(
        {
            "id": "citizens_mobilize",
            "quote": '"individual or small groups of citizens" can "mobilize mass action"',
            "test": "experiments/movement_response.yaml: a movement of 10 founders per 1,000 "
            "citizens at +0.7, no party, against no movement (blue ignores it in both); "
            "outcomes: the engaged share of citizens on election day and the movement's share "
            "of voice over the campaign",
            "rule": "holds if the movement raises the engaged share and wins a share of voice "
            "(both intervals, Bonferroni-adjusted over the two, above 0); fails if either is "
            "below 0",
            "caveat": "members are mobilised while they belong (movement.mobilized) and count "
            "as engaged neighbours in the threshold contagion (Granovetter 1978), whose "
            "thresholds and disengagement rate are stated guesses (mobilization.*): whether a "
            "seed tips the network is close to all or nothing, so the engaged share is "
            "sensitive to mobilization.threshold_mean; members' posts are half the movement's "
            "position (movement.guidance)",
            "contrasts": mass,
            "verdict": overall([verdict(r["low"], r["high"]) for r in mass]),
        }
    )
    respond = [
        _between_points(move_runs, engage, ignore, "vote_share.blue", 2, "engage − ignore"),
        _between_points(move_runs, co_opt, ignore, "vote_share.blue", 2, "co_opt − ignore"),
    ]
    verdicts = [verdict(r["low"], r["high"]) for r in respond]
    claims.append(
        {
            "id": "cannot_ignore",
            "quote": 'citizen-led mass action is a force parties "cannot ignore"',
            "test": "experiments/movement_response.yaml with the movement present: blue "
            "engages it (its line moves toward the members, 1 % of the gap a day) or co-opts "
            "it (its organizers recruit members as champions), against ignoring it; outcome: "
            "blue's election-day vote share",
            "rule": "holds if engaging or co-opting beats ignoring (an interval, "
            "Bonferroni-adjusted over the two, above 0); fails if both are below 0 (ignoring "
            "does better); undecided otherwise",
            "caveat": "the movement stands at +0.7, beyond blue's line (+0.25): engaging it "
            "moves blue away from the median voter; a movement nearer the centre is one "
            "`--set movement.position=[...]` away. Co-opting can absorb the founders before "
            "the movement grows, so its outcome can split into two regimes (movement_members "
            "per replicate in the sweep's runs.parquet), which widens its interval",
            "contrasts": respond,
            "verdict": "holds"
            if "holds" in verdicts
            else ("fails" if all(v == "fails" for v in verdicts) else "undecided"),
        }
    )

    # 5. cultivate champions; 6. shared values and benefits
    champions = [
        _contrast(
            comparison, "champion_driven_equal_budget", "institution_only", "vote_share", "blue"
        ),
        _contrast(comparison, "champion_driven", "staff_embedded", "vote_share", "blue"),
    ]
    claims.append(
        {
            "id": "cultivate_champions",
            "quote": 'parties should "cultivate a network of supporters from the general '
            'citizenry who will champion the party"',
            "test": "`socialweb compare` of the reference scenarios: champion_driven_equal_budget "
            "against institution_only (the same budget), and champion_driven against "
            "staff_embedded (champions on top of the same staff); outcome: blue's vote share",
            "rule": "holds if both contrasts are > 0; fails if either is < 0",
            "caveat": "docs/ROBUSTNESS.md shows the champion effect's sign depends on stated "
            "guesses (activity, mobilisation, network)",
            "contrasts": champions,
            "verdict": overall([verdict(r["low"], r["high"]) for r in champions]),
        }
    )
    motives = [
        _contrast(comparison, "champion_driven", "champion_no_shared_values", "vote_share", "blue"),
        _contrast(
            comparison, "champion_driven", "champion_no_shared_benefits", "vote_share", "blue"
        ),
        *(
            _between_points(
                cycle_runs,
                {**base, **strong},
                base,
                "vote_share.blue",
                2,
                f"strong shared benefits − default (burnout threshold "
                f"{base[f'{champ}.burnout_threshold']})",
            )
            for base in (plain, fragile)
        ),
    ]
    claims.append(
        {
            "id": "shared_values_benefits",
            "quote": 'champions are held by "a sense of shared values and shared benefits in '
            'success"',
            "test": "`socialweb compare`: champion_driven against the same programme without "
            "shared values (motivation at a baseline) and without shared benefits (polls do "
            "not move motivation); and experiments/partnership_cycles.yaml (four yearly "
            "elections): strong shared benefits (benefit_gain 100, win_bonus 0.3) against the "
            "default (5, 0), at the default burnout threshold (0.25) and at 0.7, where "
            "champions far from the line do burn out; outcome: blue's vote share (at the last "
            "election)",
            "rule": "each contrast holds if > 0 (champion_driven − variant; strong benefits − "
            "default, Bonferroni-adjusted over the two thresholds) and fails if < 0; the claim "
            "holds if all four hold, fails if any fails",
            "caveat": "shared benefits act through a 7-day poll change × benefit_gain and a "
            "win_bonus at elections, both stated guesses; they can only matter when motivation "
            "nears the burnout threshold (champions.burnout_threshold), so a programme whose "
            "champions never burn out gains nothing from them",
            "contrasts": motives,
            "verdict": overall([verdict(r["low"], r["high"]) for r in motives]),
        }
    )
    partners = [
        _between_points(
            cycle_runs,
            {**plain, f"{champ}.partnership": True},
            plain,  # at the default burnout threshold
            out,
            2,
            "partnership − none",
        )
        for out in ("vote_share.blue", "elections_won.blue")
    ]
    claims.append(
        {
            "id": "strategic_partners",
            "quote": '"treat citizens as strategic partners"',
            "test": "experiments/partnership_cycles.yaml: four years, an election every 365 "
            "days; blue's line drifts toward its champions' mean opinion (partnership, 1 % of "
            "the gap a day) or stays put; outcomes: blue's vote share at the last election and "
            "elections won (of four)",
            "rule": "holds if partnership raises blue's vote share (interval, "
            "Bonferroni-adjusted over the two outcomes, above 0); fails if it lowers it; "
            "elections won is reported alongside",
            "caveat": "partnership here is only the line's drift toward the champions; "
            "champions are recruited near the line, so the drift is toward where they already "
            "are, and it trades their motivation against the median voter",
            "contrasts": partners,
            "verdict": verdict(partners[0]["low"], partners[0]["high"]),
        }
    )
    return {
        "essay": ESSAY,
        "confidence": CONFIDENCE,
        "replicates": comparison.get("replicates"),
        "sources": {
            "compare": str(compare),
            "eras": str(eras),
            "movement": str(movement),
            "partnership": str(partnership),
        },
        "claims": claims,
    }


# -- rendering --------------------------------------------------------------------------------

HEADER = """# Is the essay right?

<!-- generated by `socialweb essay` (scripts/essay): do not edit by hand -->

socialweb exists to test {essay}. Below, each of its claims, the experiment that tests it, the
rule that decides it — written in `model/essay.py` before any result — and the result. Every
number is a paired contrast (common random numbers) with its 95 % interval; **the intervals
cover replicate noise at the stated defaults only**, not what we do not know about the stated
guesses (docs/ROBUSTNESS.md and `socialweb robust` show how effects move with those).
Percentages are points of the electorate (vote share) or of the quantity named.

![Each claim's paired effects with their intervals](img/essay.png)

| claim | verdict |
|---|---|
"""


CHANNEL_NAMES = {
    f"{BLUE}.institution.enabled": "account",
    f"{BLUE}.staff.per_1000": "staff",
    f"{BLUE}.champions.enabled": "champions",
    f"{BLUE}.mass_media.reach": "mass media",
}


def scale(outcome: str) -> float:
    """Shares are shown × 100 (points); counts (elections won) as they are."""
    return 1.0 if outcome.startswith("elections_won") else 100.0


def _fmt(value: float, outcome: str) -> str:
    return f"{value * scale(outcome):+.2f}"


def _label(r: dict[str, Any], with_outcome: bool) -> str:
    where = ""
    if "point" in r:
        on = [CHANNEL_NAMES.get(k, k) for k, v in r["point"].items() if v not in (False, 0, 0.0)]
        where = f" ({', '.join(on) or 'no channel'})"
    return f"{r['a']} − {r['b']}{where}" + (f": {r['outcome']}" if with_outcome else "")


def render(data: dict[str, Any]) -> str:
    """ESSAY.md from essay.json."""
    out = HEADER.format(essay=data["essay"])
    for c in data["claims"]:
        out += f"| {c['quote']} | **{c['verdict']}** |\n"
    for c in data["claims"]:
        out += f"\n## {c['quote'][0].upper()}{c['quote'][1:]}\n\n"
        out += f"- **Test.** {c['test']}.\n"
        out += f"- **Rule (stated before the result).** {c['rule']}.\n"
        if c["caveat"]:
            out += f"- **Holds under.** {c['caveat']}.\n"
        out += f"- **Verdict: {c['verdict']}.**\n"
        if c["contrasts"]:
            out += (
                "\n| contrast | outcome | effect [95 % interval] (shares × 100) | n | interval |\n"
            )
            out += "|---|---|---|---|---|\n"
            for r in c["contrasts"]:
                o = r["outcome"]
                out += (
                    f"| {_label(r, False)} | `{o}` | {_fmt(r['mean'], o)} "
                    f"[{_fmt(r['low'], o)}, {_fmt(r['high'], o)}] | {r['n']} | "
                    f"{r['interval']} |\n"
                )
    out += (
        "\nRegenerate: `scripts/essay` (about 6 minutes on two cores), or `socialweb essay "
        "--compare C --eras E --movement M --partnership P` on existing outputs.\n"
    )
    return out


VERDICT_COLOURS = {
    "holds": "#1b7837",
    "fails": "#b2182b",
    "undecided": "#7f7f7f",
    "not tested": "#bbbbbb",
}


def figure(data: dict[str, Any]):
    """One panel per tested claim: each contrast's effect (× 100) with its interval, coloured
    by the claim's verdict; each panel its own scale (shares of movement and vote points)."""
    from matplotlib.figure import Figure

    claims = [c for c in data["claims"] if c["contrasts"]]
    heights = [len(c["contrasts"]) + 1.2 for c in claims]
    fig = Figure(figsize=(10, 0.32 * sum(heights) + 1.2), layout="constrained")
    axes = fig.subplots(len(claims), 1, gridspec_kw={"height_ratios": heights})
    for ax, c in zip(np.atleast_1d(axes), claims, strict=True):
        colour = VERDICT_COLOURS[c["verdict"]]
        rows = c["contrasts"][::-1]
        y = np.arange(len(rows))
        k = np.array([scale(r["outcome"]) for r in rows])
        mean = np.array([r["mean"] for r in rows]) * k
        low = np.array([r["low"] for r in rows]) * k
        high = np.array([r["high"] for r in rows]) * k
        ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color=colour, capsize=3)
        ax.axvline(0, color="k", lw=0.8)
        several = len({r["outcome"] for r in rows}) > 1
        labels = [_label(r, several) for r in rows]
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.tick_params(axis="x", labelsize=7)
        outcomes = sorted({r["outcome"] for r in rows})
        ax.set_title(
            f"{c['quote'][:90]}{'…' if len(c['quote']) > 90 else ''} — {c['verdict']}",
            fontsize=8,
            color=colour,
            loc="left",
        )
        ax.set_xlabel(
            ", ".join(f"{o} (× 100)" if scale(o) != 1 else f"{o} (count)" for o in outcomes),
            fontsize=7,
        )
    fig.suptitle(
        "The essay's claims: paired effects, 95 % intervals (replicate noise at the stated "
        "defaults)",
        fontsize=10,
    )
    return fig


def write(data: dict[str, Any], out_dir: Path) -> tuple[Path, Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / "essay.json"
    md = out_dir / "ESSAY.md"
    png = out_dir / "img" / "essay.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    js.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    md.write_text(render(data), encoding="utf-8")
    figure(data).savefig(png, dpi=110)
    return js, md, png
