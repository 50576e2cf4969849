"""Statistics of the amorphous-to-crystalline transition over replicas.

Three estimators, each of which says so in its output when the data cannot support it:

* :func:`kaplan_meier` -- the probability ``S(t)`` that a run has not transformed by time
  ``t``, with censored runs (no transition by the end of the run) handled as in any survival
  analysis; pointwise confidence intervals from Greenwood's variance on the log(-log) scale,
  and the median incubation time with the interval read off that band (Brookmeyer and
  Crowley's construction, as in R's ``survival`` package).  Where S reaches 0 the band is
  undefined (its upper edge NaN), so a median's upper limit that the band never reaches is
  *open*; at S = 1/2 exactly the median is the midpoint of that step.  Tested against
  lifelines (``tests/test_statistics.py``), which differs in exactly these two conventions.
* :func:`fit_mfpt` -- the mean first-passage time ``tau(n)`` of the largest crystalline domain
  to reach ``n`` atoms, fitted with Wedekind, Strey and Reguera's form
  (J. Chem. Phys. 126, 134103 (2007), eq. 8)::

      tau(n) = tau_J / 2 * (1 + erf(Z sqrt(pi) (n - n_star)))

  giving the critical nucleus size ``n_star``, the Zeldovich factor ``Z`` and the nucleation
  time ``tau_J`` (rate ``J = 1 / (tau_J V)``), with bootstrap intervals over replicas.
* :func:`fit_critical_size` -- the ensemble size separating amorphous from crystalline
  embryos: a logistic regression of transformed-or-not against ln(size), with a bootstrap
  interval, in atoms and as the diameter (nm) of a sphere at bulk density.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from .units import AVOGADRO_PER_MOL

__all__ = [
    "CriticalSizeFit",
    "MFPTFit",
    "MedianEstimate",
    "SurvivalCurve",
    "first_passage_times",
    "fit_critical_size",
    "fit_mfpt",
    "kaplan_meier",
    "mean_first_passage",
    "mean_interval",
    "proportion_interval",
    "sphere_diameter_nm",
    "wedekind_tau",
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
    median = _first_time_at_or_below(time, survival, 0.5)
    if math.isnan(median):
        return median
    i = int(np.searchsorted(time, median))
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


# --------------------------------------------------------------------------------------------
# Mean first-passage times (Wedekind et al. 2007)
# --------------------------------------------------------------------------------------------
def first_passage_times(time: np.ndarray, largest: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """First time the series ``largest(time)`` reaches each of ``sizes`` (NaN if never)."""
    t = np.asarray(time, dtype=float)
    running_max = np.maximum.accumulate(np.nan_to_num(np.asarray(largest, float), nan=0.0))
    index = np.searchsorted(running_max, np.asarray(sizes, float), side="left")
    out = np.full(len(index), np.nan)
    ok = index < len(t)
    out[ok] = t[index[ok]]
    return out


def mean_first_passage(passages: np.ndarray) -> np.ndarray:
    """tau(n): the mean over replicas (rows) where every replica has reached n, else NaN."""
    p = np.asarray(passages, dtype=float)
    complete = np.all(np.isfinite(p), axis=0)
    tau = np.full(p.shape[1], np.nan)
    tau[complete] = p[:, complete].mean(axis=0)
    return tau


def wedekind_tau(n: np.ndarray, tau_J: float, n_star: float, zeldovich: float) -> np.ndarray:
    """Wedekind et al. (2007) eq. 8: tau(n) = tau_J/2 (1 + erf(Z sqrt(pi) (n - n*)))."""
    return 0.5 * tau_J * (1.0 + special.erf(zeldovich * math.sqrt(math.pi) * (n - n_star)))


@dataclass(frozen=True)
class MFPTFit:
    """Result of :func:`fit_mfpt`; NaN values with a ``note`` when no fit was made."""

    n_replicas: int
    tau_J: float
    """Nucleation time (same unit as the input times, ps here)."""
    n_star: float
    """Critical nucleus size (atoms)."""
    zeldovich: float
    tau_J_interval: tuple[float, float]
    n_star_interval: tuple[float, float]
    zeldovich_interval: tuple[float, float]
    rate_per_nm3_per_ps: float
    """J = 1/(tau_J V) with V the volume given to :func:`fit_mfpt` (NaN if none)."""
    rate_interval: tuple[float, float]
    note: str
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def fitted(self) -> bool:
        return math.isfinite(self.n_star)


def _nan_interval() -> tuple[float, float]:
    return (math.nan, math.nan)


def _fit_wedekind(sizes: np.ndarray, tau: np.ndarray) -> tuple[float, float, float] | None:
    ok = np.isfinite(tau)
    n, y = sizes[ok], tau[ok]
    if len(n) < 4 or np.ptp(y) <= 0:
        return None
    tau_max = float(y.max())
    guess_n_star = float(n[np.argmin(np.abs(y - 0.5 * tau_max))])
    width = max(float(np.ptp(n)) / 10, 1.0)
    p0 = (tau_max, guess_n_star, 1.0 / (math.sqrt(math.pi) * width))
    bounds = ([0.0, float(n.min()) - np.ptp(n), 1e-6], [np.inf, float(n.max()) + np.ptp(n), 10.0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, _ = optimize.curve_fit(
                wedekind_tau, n, y, p0=p0, bounds=bounds, maxfev=20000
            )
    except (RuntimeError, ValueError):
        return None
    return float(params[0]), float(params[1]), float(params[2])


def fit_mfpt(
    passages: np.ndarray,
    sizes: np.ndarray,
    min_replicas: int = 5,
    volume_nm3: float = math.nan,
    n_bootstrap: int = 400,
    confidence: float = 0.95,
    seed: int = 0,
) -> MFPTFit:
    """Fit tau(n) of the replicas' first-passage times (rows: replicas, columns: ``sizes``).

    Only sizes that every replica reached enter tau(n) (Wedekind's method averages over
    trajectories that all pass; a replica that never got there has no first-passage time).
    No fit is made, and ``note`` says why, with fewer than ``min_replicas`` replicas, or
    when tau(n) is defined at fewer than 4 sizes or is flat.  Intervals: percentiles of
    refits to replicas resampled with replacement.
    """
    p = np.asarray(passages, dtype=float)
    n = np.asarray(sizes, dtype=float)
    n_rep = p.shape[0]
    tau = mean_first_passage(p) if n_rep else np.full(len(n), np.nan)

    def empty(note: str) -> MFPTFit:
        nan = math.nan
        return MFPTFit(n_rep, nan, nan, nan, _nan_interval(), _nan_interval(), _nan_interval(),
                       nan, _nan_interval(), note, n, tau)

    if n_rep < min_replicas:
        return empty(f"no fit: {n_rep} replicas, fewer than the minimum {min_replicas}")
    n_defined = int(np.isfinite(tau).sum())
    if n_defined < 4:
        return empty(
            f"no fit: tau(n) is defined (all {n_rep} replicas reached n) at {n_defined} "
            "sizes, fewer than 4"
        )
    best = _fit_wedekind(n, tau)
    if best is None:
        return empty("no fit: the Wedekind form did not converge on tau(n)")
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_bootstrap):
        fit = _fit_wedekind(n, mean_first_passage(p[rng.integers(0, n_rep, n_rep)]))
        if fit is not None:
            samples.append(fit)
    alpha = (1 - confidence) / 2 * 100
    if len(samples) >= 10:
        boot = np.array(samples)
        lo, hi = np.percentile(boot, [alpha, 100 - alpha], axis=0)
        intervals = [(float(lo[i]), float(hi[i])) for i in range(3)]
        note = ""
    else:
        intervals = [_nan_interval()] * 3
        note = "bootstrap refits failed: no intervals"
    tau_J, n_star, z = best
    rate = 1.0 / (tau_J * volume_nm3) if volume_nm3 > 0 else math.nan
    t_lo, t_hi = intervals[0]
    rate_interval = (
        (1.0 / (t_hi * volume_nm3), 1.0 / (t_lo * volume_nm3))
        if volume_nm3 > 0 and t_lo > 0
        else _nan_interval()
    )
    return MFPTFit(n_rep, tau_J, n_star, z, intervals[0], intervals[1], intervals[2], rate,
                   rate_interval, note, n, tau)


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


@dataclass(frozen=True)
class CriticalSizeFit:
    """Logistic fit P(transformed | N) = 1 / (1 + exp(-(ln N - ln N_c) / width))."""

    n_runs: int
    n_transformed: int
    critical_size_atoms: float
    interval_atoms: tuple[float, float]
    width_ln: float
    """Width of the logistic step in ln(N)."""
    note: str

    @property
    def fitted(self) -> bool:
        return math.isfinite(self.critical_size_atoms)


def _neg_log_likelihood(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    centre, log_width = params
    eta = (x - centre) / math.exp(log_width)
    # -sum[y log p + (1-y) log(1-p)] with p = expit(eta), computed stably
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def _fit_logistic(x: np.ndarray, y: np.ndarray, min_log_width: float) -> tuple[float, float]:
    start = np.array([float(np.mean(x)), math.log(max(float(np.std(x)), 0.1))])
    result = optimize.minimize(
        _neg_log_likelihood,
        start,
        args=(x, y),
        method="L-BFGS-B",
        bounds=[(float(x.min()) - 2.0, float(x.max()) + 2.0), (min_log_width, 5.0)],
    )
    return float(result.x[0]), float(math.exp(result.x[1]))


def fit_critical_size(
    sizes_atoms: np.ndarray,
    transformed: np.ndarray,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_width_ln: float = 0.02,
) -> CriticalSizeFit:
    """The size at which half the runs transform, with a bootstrap interval.

    Runs are resampled with replacement within each size (so that every size stays in the
    sample).  When the outcomes are perfectly separated by size, the maximum-likelihood
    step is as sharp as ``min_width_ln`` allows and N_c lies between the largest
    untransformed and the smallest transformed size; the note says so.  No fit when fewer
    than two sizes were run, or when all runs (or none) transformed.
    """
    n = np.asarray(sizes_atoms, dtype=float)
    y = np.asarray(transformed, dtype=float)
    n_runs, n_events = len(n), int(y.sum())
    nan = math.nan

    def empty(note: str) -> CriticalSizeFit:
        return CriticalSizeFit(n_runs, n_events, nan, (nan, nan), nan, note)

    if len(np.unique(n)) < 2:
        return empty("no fit: fewer than two ensemble sizes")
    if n_events == 0:
        return empty(
            f"no critical size: none of {n_runs} runs transformed (up to {n.max():g} atoms); "
            "it is larger than the largest size run, or the runs were too short"
        )
    if n_events == n_runs:
        return empty(
            f"no critical size: all {n_runs} runs transformed (down to {n.min():g} atoms); "
            "it is smaller than the smallest size run"
        )
    x = np.log(n)
    largest_amorphous = float(n[y == 0].max())
    smallest_crystalline = float(n[y == 1].min())
    if largest_amorphous < smallest_crystalline:
        return CriticalSizeFit(
            n_runs, n_events, math.sqrt(largest_amorphous * smallest_crystalline),
            (largest_amorphous, smallest_crystalline), nan,
            f"outcomes separated by size: N_c lies between {largest_amorphous:g} and "
            f"{smallest_crystalline:g} atoms (geometric mean given); the step's width is "
            "not resolved by the sizes run",
        )
    min_log_width = math.log(min_width_ln)
    centre, width = _fit_logistic(x, y, min_log_width)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(n == size) for size in np.unique(n)]
    boot = []
    for _ in range(n_bootstrap):
        pick = np.concatenate([rng.choice(g, len(g)) for g in groups])
        yb = y[pick]
        if 0 < yb.sum() < len(yb):
            boot.append(_fit_logistic(x[pick], yb, min_log_width)[0])
    alpha = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(boot, [alpha, 100 - alpha]) if boot else (nan, nan)
    if not n.min() <= math.exp(centre) <= n.max():
        # the fraction transformed does not cross one half inside the sizes run (e.g. it is
        # flat with size): the logistic centre is an extrapolation, not a measured threshold
        return CriticalSizeFit(
            n_runs, n_events, nan, (nan, nan), width,
            f"no threshold resolved: the fraction transformed does not cross one half between "
            f"{n.min():g} and {n.max():g} atoms (the logistic centre, {math.exp(centre):.3g} "
            "atoms, lies outside the sizes run)",
        )
    return CriticalSizeFit(
        n_runs, n_events, float(math.exp(centre)), (float(math.exp(lo)), float(math.exp(hi))),
        width, "",
    )
