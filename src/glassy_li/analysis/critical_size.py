"""The kinetic critical size: the ensemble size above which embryos turn crystalline.

Model: each run of ``N`` atoms transforms with probability

    P(N) = 1 / (1 + exp(-b (ln N - ln N_c))),   b >= 0 (steepness per unit of ln N),

fitted by maximum likelihood to the runs' outcomes (binomial per size).  ``N_c`` is the size
at which half the runs transform.

Its interval is the **profile penalised-likelihood** interval (likelihood-ratio inversion of
Firth's penalised likelihood, as Heinze and Schemper, Stat. Med. 21, 2409 (2002), recommend
for logistic regression with few events and separation): every ``ln N_c`` whose profile
log-likelihood, plus Firth's penalty 1/2 log det I (the Jeffreys prior), maximised over
``b`` lies within ``chi2_1(confidence) / 2`` of the maximum.  Unlike a bootstrap of the fit,
it stays honest when the outcomes are (nearly) separated by size, which is the usual case
with 3-6 replicas at a handful of sizes: a bootstrap then refits resamples that are separated
too, the width sits at its floor and the draws pile up on a few values, giving an interval far
too narrow.  The plain (unpenalised) profile likelihood, ``penalised=False``, is better than
the bootstrap but still covers less than 95% for a wide step.  Coverage of all three over
1000 synthetic campaigns: ``benchmarks/critical_size_coverage.py`` (docs/measurements.md).

What the fit reports, by the data (:attr:`CriticalSizeFit.status`):

``resolved``
    a maximum-likelihood N_c inside the sizes run, with its interval (an end that reaches the
    edge of the search range, a factor ``SEARCH_MARGIN`` beyond the sizes run, is *open*).
``separated``
    every amorphous run is smaller than every crystalline one: no point estimate; N_c lies
    *between* the two sizes that separate them (:attr:`CriticalSizeFit.bracket_atoms`), and
    the likelihood interval (wider than the bracket) is its 95% interval.
``above`` / ``below``
    no run (every run) transformed: a one-sided bound, the likelihood interval's lower (upper)
    end.
``not resolved``
    the data cannot decide, and the note says why: the fraction transformed falls (or does
    not change) with size, or the maximum lies at the edge of the search range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = [
    "ABOVE",
    "BELOW",
    "CriticalSizeFit",
    "NOT_RESOLVED",
    "RESOLVED",
    "SEARCH_MARGIN",
    "SEPARATED",
    "fit_critical_size",
    "profile_log_likelihood",
]

RESOLVED = "resolved"
SEPARATED = "separated"
ABOVE = "above"
BELOW = "below"
NOT_RESOLVED = "not resolved"

SEARCH_MARGIN = 4.0
"""N_c is searched from the smallest size run / SEARCH_MARGIN to the largest x SEARCH_MARGIN;
an interval end at the edge of that range is open."""
_GRID_STEP_LN = 0.004
"""Spacing of the ln N_c grid (0.4% in N; interval ends are interpolated between points)."""
_STEEPNESS = np.concatenate([[0.0], np.geomspace(0.05, 3000.0, 120), [np.inf]])
"""The steepness values ``b`` (per unit of ln N) the profile maximises over: flat, a
log-spaced ladder, and the step."""


@dataclass(frozen=True)
class CriticalSizeFit:
    """Result of :func:`fit_critical_size` (sizes in atoms).

    ``critical_size_atoms`` is NaN unless ``status == 'resolved'``; ``interval_atoms`` holds
    the likelihood interval, with ``nan`` at an open end (and both NaN when not resolved);
    ``bracket_atoms`` the two separating sizes of separated data (else NaN).
    """

    n_runs: int
    n_transformed: int
    status: str
    critical_size_atoms: float
    interval_atoms: tuple[float, float]
    bracket_atoms: tuple[float, float]
    steepness_per_ln: float
    """Maximum-likelihood ``b``: ``inf`` for a step sharper than the sizes resolve."""
    note: str

    @property
    def fitted(self) -> bool:
        """Whether a point estimate was made."""
        return math.isfinite(self.critical_size_atoms)

    @property
    def width_ln(self) -> float:
        """Width of the logistic step in ln N (1 / steepness; 0 for a step)."""
        return 1.0 / self.steepness_per_ln if self.steepness_per_ln > 0 else math.inf

    def covers(self, size_atoms: float) -> bool:
        """Whether the interval (an open end reaching to 0 or infinity) contains ``size``."""
        low, high = self.interval_atoms
        if self.status == NOT_RESOLVED:
            return False
        low = 0.0 if math.isnan(low) else low
        high = math.inf if math.isnan(high) else high
        return low <= size_atoms <= high


def _size_counts(sizes_atoms: np.ndarray, transformed: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ln size, runs, transformed runs) per distinct size."""
    sizes, index = np.unique(np.asarray(sizes_atoms, dtype=float), return_inverse=True)
    runs = np.bincount(index, minlength=len(sizes)).astype(float)
    events = np.bincount(index, weights=np.asarray(transformed, float), minlength=len(sizes))
    return np.log(sizes), runs, events


def profile_log_likelihood(
    centres_ln: np.ndarray, x_ln: np.ndarray, runs: np.ndarray, events: np.ndarray,
    penalised: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The binomial log-likelihood maximised over the steepness ``b >= 0`` (step included)
    at each candidate ``ln N_c``; returns (profile, maximising b) per centre.  ``penalised``:
    Firth's penalised likelihood, + 1/2 log det I(a, b) with I the Fisher information of
    logit P = a + b ln N (the Jeffreys prior; it keeps b finite under separation)."""
    c = np.asarray(centres_ln, float)[:, None, None]
    b = _STEEPNESS[None, :, None]
    distance = x_ln[None, None, :] - c
    with np.errstate(invalid="ignore"):
        eta = np.where(np.isinf(b), np.sign(distance) * np.inf, b * distance)
    eta = np.where(np.isnan(eta), 0.0, eta)  # the step exactly at a size: p = 1/2
    # k log p + (n - k) log (1 - p), with log p = -log(1 + e^-eta); 0 * inf taken as 0
    log_p, log_q = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
    k, failures = events[None, None, :], (runs - events)[None, None, :]
    with np.errstate(invalid="ignore"):
        terms = np.where(k > 0, k * log_p, 0.0) + np.where(failures > 0, failures * log_q, 0.0)
    log_l = terms.sum(axis=2)
    if penalised:
        weight = runs[None, None, :] * np.exp(log_p + log_q)  # n p (1 - p)
        s0, s1 = weight.sum(axis=2), (weight * x_ln).sum(axis=2)
        s2 = (weight * x_ln**2).sum(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_l = log_l + 0.5 * np.log(np.maximum(s0 * s2 - s1**2, 0.0))
        log_l = np.where(np.isnan(log_l), -np.inf, log_l)
    best = np.argmax(log_l, axis=1)
    return log_l[np.arange(len(best)), best], _STEEPNESS[best]


def _edge(grid: np.ndarray, inside: np.ndarray, profile: np.ndarray, level: float,
          side: int) -> float:
    """The interval end on one side (-1 lower, +1 upper) in ln N, interpolated between the
    last grid point inside and the first outside; NaN (open) where the set reaches the edge
    of the grid."""
    index = np.flatnonzero(inside)
    i = index[0] if side < 0 else index[-1]
    j = i + side
    if j < 0 or j >= len(grid):
        return math.nan
    a, b = profile[i], profile[j]
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        return float(grid[i])
    return float(grid[i] + (grid[j] - grid[i]) * (a - level) / (a - b))


def _snap(end_ln: float, x_ln: np.ndarray) -> float:
    """``end_ln``, or the size run nearest it where that lies within a grid step."""
    if not math.isfinite(end_ln):
        return end_ln
    nearest = x_ln[np.argmin(np.abs(x_ln - end_ln))]
    return float(nearest) if abs(nearest - end_ln) <= _GRID_STEP_LN else end_ln


def fit_critical_size(
    sizes_atoms: np.ndarray,
    transformed: np.ndarray,
    confidence: float = 0.95,
    penalised: bool = True,
) -> CriticalSizeFit:
    """The size at which half the runs transform, with its profile-likelihood interval; a
    bracket for separated data, a bound where none (or all) transformed, and "not resolved"
    with the reason where the data cannot decide (see the module's docstring).
    ``penalised`` (default): Firth's penalised likelihood (Heinze and Schemper 2002); False:
    the plain likelihood, whose intervals cover less than they claim with a few runs."""
    n = np.asarray(sizes_atoms, dtype=float)
    y = np.asarray(transformed, dtype=bool)
    if n.shape != y.shape or n.ndim != 1:
        raise ValueError("sizes_atoms and transformed must be 1-D arrays of equal length")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    n_runs, n_events = len(n), int(y.sum())
    nan2 = (math.nan, math.nan)

    def refuse(note: str) -> CriticalSizeFit:
        return CriticalSizeFit(n_runs, n_events, NOT_RESOLVED, math.nan, nan2, nan2, math.nan,
                               f"not resolved: {note}")

    x, runs, events = _size_counts(n, y)
    if len(x) < 2:
        return refuse("fewer than two ensemble sizes")
    fraction = events / runs
    if 0 < n_events < n_runs:
        # the sign of the unconstrained logistic slope is the sign of cov(ln N, outcome)
        covariance = float(np.sum(runs * (x - np.average(x, weights=runs))
                                  * (fraction - n_events / n_runs)))
        if covariance <= 1e-12:
            shown = ", ".join(f"{int(e)}/{int(r)} at {math.exp(s):g}"
                              for s, r, e in zip(x, runs, events, strict=True))
            word = "falls" if covariance < -1e-12 else "does not change"
            return refuse(f"the fraction transformed {word} with size ({shown} atoms)")
    grid = np.arange(x.min() - math.log(SEARCH_MARGIN), x.max() + math.log(SEARCH_MARGIN)
                     + _GRID_STEP_LN / 2, _GRID_STEP_LN)
    profile, steepness = profile_log_likelihood(grid, x, runs, events, penalised)
    if not np.isfinite(profile).any():
        return refuse("no centre has a finite likelihood")
    top = float(profile.max())
    level = top - float(stats.chi2.ppf(confidence, 1)) / 2
    inside = profile >= level - 1e-12
    # an end within a grid step of a size run is that size: the profile jumps there (the
    # step passing a size's runs), so interpolating across the jump would misplace it
    low_ln, high_ln = (_snap(_edge(grid, inside, profile, level, side), x)
                       for side in (-1, +1))
    interval = (math.exp(low_ln) if math.isfinite(low_ln) else math.nan,
                math.exp(high_ln) if math.isfinite(high_ln) else math.nan)
    percent = f"{100 * confidence:g}%"
    # a one-sided bound claims no more than the sizes run: beyond them it would be the
    # penalty's (the prior's) word, not the runs'
    if n_events in (0, n_runs) and not math.isfinite(
            interval[0] if n_events == 0 else interval[1]):
        word = "none" if n_events == 0 else "all"
        return refuse(f"{word} of {n_runs} runs transformed, too few for a bound (the "
                      "likelihood allows any centre on that side)")
    if n_events == 0:
        interval = (min(interval[0], math.exp(x.max())) if math.isfinite(interval[0])
                    else math.nan, math.nan)
        return CriticalSizeFit(
            n_runs, 0, ABOVE, math.nan, (interval[0], math.nan), nan2, math.nan,
            f"none of {n_runs} runs transformed (up to {math.exp(x.max()):g} atoms): "
            f"N_c > {interval[0]:.4g} atoms ({percent} likelihood bound)")
    if n_events == n_runs:
        interval = (math.nan, max(interval[1], math.exp(x.min())) if math.isfinite(interval[1])
                    else math.nan)
        return CriticalSizeFit(
            n_runs, n_runs, BELOW, math.nan, (math.nan, interval[1]), nan2, math.nan,
            f"all {n_runs} runs transformed (down to {math.exp(x.min()):g} atoms): N_c < "
            f"{interval[1]:.4g} atoms ({percent} likelihood bound)")
    largest_amorphous = float(n[~y].max())
    smallest_crystalline = float(n[y].min())
    if largest_amorphous < smallest_crystalline:
        # the likelihood interval of separated data is (nearly) the bracket: take the hull
        hull = (min(interval[0], largest_amorphous) if math.isfinite(interval[0]) else math.nan,
                max(interval[1], smallest_crystalline) if math.isfinite(interval[1])
                else math.nan)
        return CriticalSizeFit(
            n_runs, n_events, SEPARATED, math.nan, hull,
            (largest_amorphous, smallest_crystalline), math.inf,
            f"outcomes separated by size: N_c lies between {largest_amorphous:g} and "
            f"{smallest_crystalline:g} atoms (no point estimate; {percent} likelihood "
            "interval given)")
    best = int(np.argmax(profile))
    if math.isnan(interval[0]) and math.isnan(interval[1]):
        return refuse("the likelihood interval spans the whole search range (a factor "
                      f"{SEARCH_MARGIN:g} beyond the sizes run on both sides)")
    if best in (0, len(grid) - 1):
        return refuse("the likelihood is largest at the edge of the search range "
                      f"({math.exp(grid[best]):.3g} atoms)")
    centre = float(math.exp(grid[best]))
    if not math.exp(x.min()) <= centre <= math.exp(x.max()):
        return refuse(f"the fraction transformed does not cross one half between "
                      f"{math.exp(x.min()):g} and {math.exp(x.max()):g} atoms (the "
                      f"likelihood's centre, {centre:.3g} atoms, lies outside them)")
    b = float(steepness[best])
    # a step sharper than the spacing of the sizes (quasi-separation, e.g. 0/6, 4/6, 6/6):
    # the steepness runs to its limit, the centre and its interval stand
    sharp = b * float(np.diff(x).min()) > 20.0
    note = ("the step is sharper than the sizes resolve (its width is not measured); the "
            "centre and its interval stand" if sharp else "")
    return CriticalSizeFit(n_runs, n_events, RESOLVED, centre, interval, nan2,
                           math.inf if sharp else b, note)


def logistic_probability(sizes_atoms: np.ndarray, centre_atoms: float, width_ln: float
                         ) -> np.ndarray:
    """P(transformed | N) of the model, for width ``width_ln`` in ln N (> 0)."""
    return special.expit((np.log(np.asarray(sizes_atoms, float)) - math.log(centre_atoms))
                         / width_ln)
