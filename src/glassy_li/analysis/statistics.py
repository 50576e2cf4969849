"""Statistics of the amorphous-to-crystalline transition over replicas.

Survival statistics and intervals, each of which says so in its output when the data cannot
support it:

* :func:`kaplan_meier` -- the probability ``S(t)`` that a run has not transformed by time
  ``t``, with censored runs (no transition by the end of the run) handled as in any survival
  analysis; pointwise confidence intervals from Greenwood's variance on the log(-log) scale,
  and the median incubation time with the interval read off that band (Brookmeyer and
  Crowley's construction, as in R's ``survival`` package).  Where S reaches 0 the band is
  undefined (its upper edge NaN), so a median's upper limit that the band never reaches is
  *open*; at S = 1/2 exactly the median is the midpoint of that step.  Tested against
  lifelines (``tests/test_statistics.py``), which differs in exactly these two conventions.
* :func:`logrank_p` and :func:`compare_survival` -- whether two sets of runs (the same
  question asked with two inputs) transform alike: the log-rank test (scipy) and the two
  Kaplan-Meier medians with their intervals;
* the mean first-passage analysis (Wedekind, Strey and Reguera 2007) is in
  :mod:`glassy_li.analysis.mfpt` (censored replicas included);
* the critical ensemble size separating amorphous from crystalline embryos is in
  :mod:`glassy_li.analysis.critical_size` (profile-likelihood interval); :func:`sphere_diameter_nm`
  gives it as the diameter (nm) of a sphere at bulk density; :func:`proportion_interval`
  (Wilson) and :func:`mean_interval` (Student t, clipped to a quantity's range) serve the
  tables.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from glassy_li.core.units import AVOGADRO_PER_MOL

__all__ = [
    "MedianEstimate",
    "SurvivalCurve",
    "compare_survival",
    "kaplan_meier",
    "logrank_p",
    "mean_interval",
    "proportion_interval",
    "sphere_diameter_nm",
]


# --------------------------------------------------------------------------------------------
# Kaplan-Meier
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MedianEstimate:
    """Median waiting time and its confidence interval (NaN where not reached)."""

    median: float
    lower: float
    upper: float
    note: str
    """Empty when all three are defined; otherwise says which is missing and why."""


@dataclass(frozen=True)
class SurvivalCurve:
    """Kaplan-Meier step function: ``survival[i]`` holds from ``time[i]`` to ``time[i+1]``.

    ``time[0]`` is 0 with survival 1; one further entry per distinct event time.
    """

    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    n_runs: int
    n_events: int
    last_observed: float
    """Largest time observed (event or censoring): the curve is unknown beyond it."""
    confidence: float = 0.95
    median: MedianEstimate = field(
        default_factory=lambda: MedianEstimate(math.nan, math.nan, math.nan, "")
    )

    @property
    def fraction_transformed(self) -> float:
        """Fraction of the runs that transformed by the end of their run."""
        return self.n_events / self.n_runs if self.n_runs else math.nan

    def at(self, t: float) -> float:
        """S(t) (right-continuous step function)."""
        return float(self.survival[np.searchsorted(self.time, t, side="right") - 1])


def _first_time_at_or_below(time: np.ndarray, values: np.ndarray, level: float) -> float:
    """The first time a step function is at or below ``level`` (NaN where it never is, or is
    undefined: NaN values never count)."""
    below = np.flatnonzero(values <= level + 1e-12)
    return float(time[below[0]]) if len(below) else math.nan


def _median_time(time: np.ndarray, survival: np.ndarray) -> float:
    """The median of a Kaplan-Meier step function: the first time S <= 1/2, except where S
    is exactly 1/2 over a step that a later event ends, when it is the midpoint of that step
    (the usual convention, R's ``survival``; lifelines takes the step's left end)."""
    below = np.flatnonzero(survival <= 0.5 + 1e-12)
    if not len(below):
        return math.nan
    i = int(below[0])
    median = float(time[i])
    if abs(survival[i] - 0.5) < 1e-12 and i + 1 < len(time):
        return 0.5 * (float(time[i]) + float(time[i + 1]))
    return median


def kaplan_meier(
    times: np.ndarray, transformed: np.ndarray, confidence: float = 0.95
) -> SurvivalCurve:
    """Kaplan-Meier estimate of the probability of not having transformed by time t.

    Parameters
    ----------
    times:
        Per run: the incubation time if it transformed, else the time it was observed for
        (its censoring time).  Same unit throughout (ps in this project).
    transformed:
        Per run: True if the transition was seen, False if censored.
    confidence:
        Level of the pointwise intervals and of the median's interval.
    """
    t = np.asarray(times, dtype=float)
    event = np.asarray(transformed, dtype=bool)
    if t.shape != event.shape or t.ndim != 1:
        raise ValueError("times and transformed must be 1-D arrays of equal length")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and >= 0")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    z = stats.norm.ppf(0.5 + confidence / 2)
    n_runs = len(t)
    event_times = np.unique(t[event])
    time, survival, lower, upper = [0.0], [1.0], [1.0], [1.0]
    at_risk, events = [n_runs], [0]
    s, greenwood = 1.0, 0.0
    for te in event_times:
        n = int(np.sum(t >= te))  # censored at te count as at risk at te (convention)
        d = int(np.sum((t == te) & event))
        s *= 1.0 - d / n
        greenwood = greenwood + d / (n * (n - d)) if n > d else math.inf
        if 0 < s < 1 and math.isfinite(greenwood):
            se = math.sqrt(greenwood) / abs(math.log(s))
            lo, hi = s ** math.exp(z * se), s ** math.exp(-z * se)
        elif s == 0:
            # S = 0: the log(-log) band is undefined there (as in R's survival); the upper
            # limit is not known, so a median read off the band stays open
            lo, hi = 0.0, math.nan
        else:
            lo, hi = s, s
        time.append(float(te))
        survival.append(s)
        lower.append(lo)
        upper.append(hi)
        at_risk.append(n)
        events.append(d)
    curve = SurvivalCurve(
        time=np.array(time),
        survival=np.array(survival),
        lower=np.array(lower),
        upper=np.array(upper),
        at_risk=np.array(at_risk),
        events=np.array(events),
        n_runs=n_runs,
        n_events=int(event.sum()),
        last_observed=float(t.max()) if n_runs else math.nan,
        confidence=confidence,
    )
    return dataclasses.replace(curve, median=_median_estimate(curve))


def _median_estimate(curve: SurvivalCurve) -> MedianEstimate:
    """The median and its interval (where the band crosses 0.5), with a note on what is missing.

    The lower limit always exists when the median does (the lower band lies below S).
    """
    median = _median_time(curve.time, curve.survival)
    lower = _first_time_at_or_below(curve.time, curve.lower, 0.5)
    upper = _first_time_at_or_below(curve.time, curve.upper, 0.5)
    notes = []
    if curve.n_runs == 0:
        notes.append("no runs")
    elif curve.n_events == 0:
        notes.append(
            f"no median: none of {curve.n_runs} runs transformed within the simulated time "
            f"(all censored, longest observed {curve.last_observed:g})"
        )
    elif math.isnan(median):
        notes.append(
            f"no median: only {curve.n_events} of {curve.n_runs} runs transformed, S(t) stays "
            f"above 0.5 up to {curve.last_observed:g}"
        )
    elif math.isnan(upper):
        notes.append(
            "upper confidence limit open: the band's upper edge does not fall to 0.5 where it "
            f"is defined ({curve.n_events} of {curve.n_runs} runs transformed)"
        )
    return MedianEstimate(median, lower, upper, "; ".join(notes))


def logrank_p(times_a: np.ndarray, transformed_a: np.ndarray, times_b: np.ndarray,
              transformed_b: np.ndarray) -> float:
    """Two-sided p of the log-rank test that two sets of runs share one survival curve
    (``scipy.stats.logrank``; censored runs: ``transformed`` False, their time the end of
    observation). NaN where neither set has an event (the test has nothing to compare)."""
    event_a = np.asarray(transformed_a, dtype=bool)
    event_b = np.asarray(transformed_b, dtype=bool)
    if not (event_a.any() or event_b.any()):
        return math.nan

    def censored(times: np.ndarray, events: np.ndarray) -> stats.CensoredData:
        t = np.asarray(times, dtype=float)
        return stats.CensoredData(uncensored=t[events], right=t[~events])

    return float(stats.logrank(censored(times_a, event_a), censored(times_b, event_b)).pvalue)


def compare_survival(
    times_a: np.ndarray, transformed_a: np.ndarray, times_b: np.ndarray,
    transformed_b: np.ndarray, confidence: float = 0.95,
) -> dict[str, float | bool | str | int]:
    """Whether two sets of runs transform alike: runs and transitions of each, the
    Kaplan-Meier medians with their intervals, whether the intervals overlap (an open upper
    limit reaches to infinity; a missing median's interval overlaps nothing it can be
    checked against, and says so), and the log-rank p."""
    a = kaplan_meier(times_a, transformed_a, confidence)
    b = kaplan_meier(times_b, transformed_b, confidence)

    def span(curve: SurvivalCurve) -> tuple[float, float]:
        lower, upper = curve.median.lower, curve.median.upper
        return lower, (math.inf if math.isnan(upper) else upper)

    a_low, a_high = span(a)
    b_low, b_high = span(b)
    defined = not (math.isnan(a_low) or math.isnan(b_low))
    overlap = defined and a_low <= b_high and b_low <= a_high
    return {
        "runs_a": a.n_runs, "transformed_a": a.n_events,
        "median_a": a.median.median, "lower_a": a.median.lower, "upper_a": a.median.upper,
        "runs_b": b.n_runs, "transformed_b": b.n_events,
        "median_b": b.median.median, "lower_b": b.median.lower, "upper_b": b.median.upper,
        "medians_overlap": bool(overlap),
        "logrank_p": logrank_p(times_a, transformed_a, times_b, transformed_b),
        "note": "; ".join(n for n in (a.median.note, b.median.note) if n),
    }


# --------------------------------------------------------------------------------------------
# Means over replicas
# --------------------------------------------------------------------------------------------
def proportion_interval(
    successes: int, trials: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """A proportion and its Wilson score interval (inside [0, 1] by construction, and honest
    at 0/n and n/n, where a normal interval collapses); NaN with no trials."""
    if trials <= 0:
        return math.nan, math.nan, math.nan
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must lie in [0, {trials}], got {successes}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials
                                                + z * z / (4 * trials * trials))
    return p, max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(
    values: Sequence[float], confidence: float = 0.95, floor: float | None = None,
    ceiling: float | None = None,
) -> tuple[float, float, float]:
    """Mean of the finite ``values`` and its Student-t interval; the interval is NaN with
    fewer than two values (and the mean NaN with none).  ``floor`` and ``ceiling``: the range
    the quantity can take (0 for a count or length; 0 and 1 for a fraction); the interval is
    clipped to it, so a mean of fractions never gets an interval outside [0, 1]."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    lower = mean - half if floor is None else max(mean - half, floor)
    upper = mean + half if ceiling is None else min(mean + half, ceiling)
    return mean, lower, upper


# --------------------------------------------------------------------------------------------
# Critical ensemble size (logistic regression)
# --------------------------------------------------------------------------------------------
def sphere_diameter_nm(n_atoms: float, mass_amu: float, bulk_density_g_cm3: float) -> float:
    """Diameter (nm) of a sphere of ``n_atoms`` atoms at the bulk density."""
    volume_cm3 = n_atoms * mass_amu / AVOGADRO_PER_MOL / bulk_density_g_cm3
    return (6.0 * volume_cm3 / math.pi) ** (1.0 / 3.0) * 1.0e7
