"""Citizens drawn from a survey (``population.survey``): opinions from respondents'
self-placements, party lines from their placements of the parties, affinities from party
identification, resampled with replacement to any population size.

Built in: ``anes96``, the 1996 American National Election Study extract that ships with
statsmodels (``statsmodels.datasets.anes96``, public domain; 944 respondents who expected to
vote Clinton or Dole). It has no non-voters, so turnout stays the model's stated guess. Any CSV
of respondents (one per row, a header of column names) works the same way with its own column
names.

Choices (named in docs/ODD.md §7.2):

- Respondent rows are drawn uniformly with replacement, N of them, from a keyed stream of the
  run's seed (``survey``): replicate r of every scenario draws the same respondents, and the
  other traits' streams do not shift. The survey's own weights are not used (anes96 has none).
- A placement v on [low, high] maps linearly to 2·(v − low)/(high − low) − 1 on [−1, 1].
- A party's line is the mean placement of it over all respondents who placed it (an empty cell
  is a respondent who did not; the whole survey, not the resample, so every replicate campaigns
  on the same line). Self-placement and party identification must be given for everyone.
- Party identification on [low, high] with midpoint c: a respondent at v has affinity
  ``population.initial_affinity`` × |v − c| ÷ (c − low) for the party on its side of c, and 0
  for the other (strong identifiers full, independents none).

Errors are :class:`SurveyError` (file and a one-line message), reported like a bad edge list.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from model.config.schema import Scenario, SurveySpec
from model.config.yamlread import file_kind, file_stamp


class SurveyError(ValueError):
    """A survey that cannot be used: ``file`` and a one-line ``message``."""

    def __init__(self, file: str, message: str):
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


BUILT_IN = ("anes96",)
SURVEY_SPAWN = 12  # spawn key of the survey's resampling stream (after rng.PARTY_SPAWN = 11)


@lru_cache(maxsize=4)
def _built_in(name: str) -> pd.DataFrame:
    import statsmodels.api as sm

    return sm.datasets.anes96.load_pandas().data


@lru_cache(maxsize=4)
def _csv(path_text: str, _mtime: int, _size: int) -> pd.DataFrame:
    path = Path(path_text)
    if (other := file_kind(path)) is not None:
        raise SurveyError(path_text, f"expected a CSV file of respondents, got {other}")
    try:
        frame = pd.read_csv(path, comment="#", skip_blank_lines=True, encoding="utf-8-sig")
    except FileNotFoundError:
        raise SurveyError(path_text, "file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        text = " ".join(str(err).split())[:160]
        raise SurveyError(path_text, f"could not read it as CSV: {text}") from None
    if frame.empty:
        raise SurveyError(path_text, "expected a header and at least one respondent, got none")
    return frame


def table(source: str) -> pd.DataFrame:
    """The respondents of ``source`` (a built-in name or a CSV path), cached."""
    if source in BUILT_IN:
        return _built_in(source)
    path = Path(source)
    return _csv(str(path), *file_stamp(path))


def _column(
    frame: pd.DataFrame,
    spec: SurveySpec,
    column: str,
    key: str,
    low,
    high,
    *,
    prefix: str = "population.survey",
    missing: bool = False,
):
    """A numeric column within [low, high]; one line naming the first bad row otherwise
    (``missing``: empty cells are allowed and come back as NaN; ``prefix``: the key path the
    message names)."""
    if column not in frame.columns:
        raise SurveyError(
            spec.source,
            f"no column {column!r} ({prefix}.{key}); columns: "
            + ", ".join(map(str, frame.columns[:12])),
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~((values >= low) & (values <= high))  # NaN is bad too
    if missing:
        bad &= frame[column].notna().to_numpy()  # an empty cell: did not answer
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raw = frame[column].iloc[row]
        raw = raw.item() if isinstance(raw, np.generic) else raw
        raise SurveyError(
            spec.source,
            f"respondent {row + 1}: expected {column} in [{low:g}, {high:g}] "
            f"({prefix}.{key}), got {raw!r}",
        )
    return values


def to_axis(values: np.ndarray, scale: list[float]) -> np.ndarray:
    low, high = scale
    return 2.0 * (values - low) / (high - low) - 1.0


def party_lines(spec: SurveySpec, prefix: str = "population.survey") -> dict[str, float]:
    """Each placed party's line on [-1, 1]: the mean placement by the respondents who placed it
    (an empty cell is a respondent who did not; at least one must have)."""
    frame = table(spec.source)
    low, high = spec.scale
    out = {}
    for party, col in spec.placements.items():
        key = f"placements.{party}"
        values = _column(frame, spec, col, key, low, high, prefix=prefix, missing=True)
        if np.isnan(values).all():
            raise SurveyError(spec.source, f"column {col!r} is empty ({prefix}.{key})")
        out[party] = float(np.nanmean(to_axis(values, spec.scale)))
    return out


def check(scenario: Scenario) -> None:
    """Read everything the survey settings name, so errors come before any run."""
    spec = scenario.population.survey
    frame = table(spec.source)
    _column(frame, spec, spec.opinion, "opinion", *spec.scale)
    party_lines(spec)
    if spec.party_id:
        _column(frame, spec, spec.party_id, "party_id", *spec.party_id_scale)


def electorate(
    scenario: Scenario, seed: int, parties: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """(opinions (N,), affinities (N, P) or None) of N citizens resampled from the survey."""
    spec = scenario.population.survey
    n = scenario.population.citizens
    frame = table(spec.source)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SURVEY_SPAWN,)))
    rows = rng.integers(0, len(frame), n)
    opinion = to_axis(_column(frame, spec, spec.opinion, "opinion", *spec.scale), spec.scale)
    if not spec.party_id:
        return opinion[rows], None
    low, high = spec.party_id_scale
    pid = _column(frame, spec, spec.party_id, "party_id", low, high)[rows]
    centre = (low + high) / 2.0
    strength = np.abs(pid - centre) / (centre - low)
    affinity = np.zeros((n, len(parties)))
    full = scenario.population.initial_affinity
    for side, party in ((pid < centre, spec.party_id_low), (pid > centre, spec.party_id_high)):
        if party in parties:
            k = parties.index(party)
            affinity[side, k] = full * strength[side]
    return opinion[rows], affinity
