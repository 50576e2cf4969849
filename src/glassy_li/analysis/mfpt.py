"""Mean first-passage times (MFPT) of the largest crystalline domain, with censoring.

The critical nucleus size ``n_star``, the Zeldovich factor ``Z`` and the nucleation time
``tau_J`` come from Wedekind, Strey and Reguera's form of the mean first-passage time of the
largest domain to reach ``n`` atoms (J. Chem. Phys. 126, 134103 (2007), eq. 8)::

    tau(n) = tau_J / 2 * (1 + erf(Z sqrt(pi) (n - n_star)))

``tau_J = 1 / (J V)`` with ``V`` the volume in which nucleation can happen: here the
droplet, ``N`` atoms at the bulk density of the metal (:func:`droplet_volume_nm3`), not the
periodic box around it.  The rate is also given per atom, ``1 / (tau_J N)``.

Estimator of tau(n) (:func:`censored_mean_first_passage`).  Every replica counts at every
size.  A replica that reached ``n`` contributes its first-passage time; one that did not
reach ``n`` within its observation time ``T_obs`` is right-censored there and contributes
``T_obs``.  With ``d(n)`` replicas having reached ``n``::

    tau(n) = sum_i min(t_i(n), T_obs,i) / d(n)

This is the maximum-likelihood estimate of the mean of an exponential waiting time under
right censoring (total time at risk over number of events), the standard estimate of the
mean waiting time of a Poisson process such as barrier crossing; it equals the plain mean
where every replica passed, and is undefined (NaN) where none did.  Its relative standard
error is ``1 / sqrt(d(n))``.  Beyond the barrier the waiting time is an exponential plus a
growth lag, for which the estimate is biased up by about ``lag (1 / P - 1)`` (``P`` the
fraction that passed); the plateau ``tau_J`` is set by the exponential part.

Fit (:func:`fit_mfpt`).  Least squares of eq. 8 on the sizes reached by at least
``min_transitions`` replicas, restricted to sizes up to ``n* + 1.5 / (Z sqrt(pi))`` (the
window is iterated with the fit; see :data:`WINDOW_WIDTHS`), with ``n_star`` bounded to
[1, largest size fitted], so ``n_star >= 1`` always.  Intervals are percentiles of refits to
replicas resampled with replacement, each keeping its own censoring time; refits that are
refused by the rules below are dropped and counted in the note.

Which fits are refused (NaN values and a ``note`` starting "no fit: " saying why): fewer
than ``min_replicas`` replicas; fewer than ``min_transitions`` replicas flagged as
transformed (where flags are given); fewer than 4 sizes to fit; no convergence; and, in this
order, a series without transitions (fewer than ``min_transitions`` replicas reached the
end of the fitted plateau, ``max(2 n_star, n_star + 2 / (Z sqrt(pi)))`` atoms, at most the
droplet's size), a fitted parameter at (within ``bound_rtol`` of) one of its bounds, a rise
narrower than the spacing of the sizes (n* and Z not resolved), and a fitted curve whose
plateau lies beyond the data.

Validation and limits (tests/test_mfpt.py): on a Metropolis cluster-size chain over the
classical barrier ``G(n) = -a n + b n^(2/3)`` (n* = 15-40 atoms, barriers 6-12 kT), seen on
frames and with 20-40% of 60 replicas censored, the fit recovers n* to within a few atoms.
Two systematic effects remain.  Eq. 8 is symmetric and the classical barrier is not (the
plateau is approached more slowly than the foot rises): on the exact tau(n) of the chain
the fit puts n* 3-6% high with the window (5-9% over all sizes up to 2.5 n*); half an atom
of that is the lattice (the passage to n is the step from n - 1).  And tau(n) is only seen
on frames: when the frame spacing is not short compared with the time the domain size takes
to diffuse across the barrier top, sizes visited between frames are missed, tau(n) below n*
comes out too long and n* too small: by 2-12% at 20 chain steps per frame and 6-30% at 100
for n* = 15-40, where the size diffuses across the top, ``(1 / (Z sqrt(pi)))^2 / 2D``, in
70-380 steps; the spacing should be below a tenth of that.  :func:`mfpt_table` therefore
also refits to every second frame (``n_star_every_2nd_frame_atoms``) and says so in the
note when that moves n* outside its interval.  The percentile intervals are somewhat
narrow: over repeated synthetic data sets at fine frames they held the true n* in 70-92%
of cases, not 95%.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from glassy_li.analysis.incubation import CRYSTALLINE_AT_REFERENCE, GROUP_KEYS, TRANSFORMED
from glassy_li.core.units import AVOGADRO_PER_MOL

ESTIMATOR = "censored mean first passage (exponential MLE), Wedekind eq. 8, n* >= 1"
"""``estimator`` column of :func:`mfpt_table`: tables without it come from the withdrawn
estimator (tau(n) cut at the least-ordered replica), which the results page does not show."""

__all__ = [
    "MFPTFit",
    "censored_mean_first_passage",
    "droplet_volume_nm3",
    "first_passage_times",
    "fit_mfpt",
    "mfpt_table",
    "wedekind_tau",
]

NM3_PER_CM3 = 1.0e21
MIN_FIT_SIZES = 4
"""Fewest sizes with a defined tau(n) that a fit is made to (three parameters)."""
MIN_BOOTSTRAP_FITS = 10
"""Fewest accepted bootstrap refits for which intervals are given."""
ZELDOVICH_BOUNDS = (1.0e-4, 10.0)
"""Bounds of the Zeldovich factor (1/atoms): widths of the rise from ~5600 to 0.06 atoms."""
TAU_J_BOUND_FACTORS = (1.0e-3, 10.0)
"""Bounds of tau_J as multiples of the largest tau(n) fitted."""
WINDOW_WIDTHS = 1.5
"""Default fit window: sizes up to ``n* + 1.5 / (Z sqrt(pi))``, where eq. 8 has risen to 98%
of ``tau_J``.  Eq. 8 is symmetric about n*, a real barrier is not (on the classical barrier
the plateau is approached more slowly than the foot rises), and past the plateau tau(n)
keeps growing with the growth time of the crystal; both pull a fit over all sizes to too
large an n*.  On the exact tau(n) of the synthetic barriers of the tests (n* 15-40, 6-12
kT) a fit over all sizes up to 2.5 n* puts n* 5-9% high, this window 3-6%; a narrower one
(1.0) would leave 1-3% but underestimates tau_J by ~10% and is unstable on noisy data."""
RISE_HALF_WIDTH = float(special.erfinv(0.8))
"""Eq. 8 rises from 10% to 90% of ``tau_J`` within ``n* +- RISE_HALF_WIDTH / (Z sqrt(pi))``."""
MIN_RISE_SIZES = 2
"""Fewest sizes inside the 10-90% rise for n* and Z to count as resolved."""
PLATEAU_WIDTHS = 2.0
"""The plateau is reached ``PLATEAU_WIDTHS / (Z sqrt(pi))`` atoms above n* (erf(2) = 0.995)."""


def first_passage_times(
    time_ps: np.ndarray, largest_atoms: np.ndarray, sizes_atoms: np.ndarray
) -> np.ndarray:
    """First time (ps) the sampled series ``largest_atoms(time_ps)`` reaches each size.

    Parameters
    ----------
    time_ps
        Frame times, increasing, counted from the reference time.
    largest_atoms
        Size of the largest domain in each frame (NaN frames count as 0).
    sizes_atoms
        Sizes ``n``.

    Returns
    -------
    numpy.ndarray
        For each size, the first frame time at which the largest domain held at least that
        many atoms; NaN where it never did in the frames given (censored).
    """
    t = np.asarray(time_ps, dtype=float)
    running_max = np.maximum.accumulate(np.nan_to_num(np.asarray(largest_atoms, float), nan=0.0))
    index = np.searchsorted(running_max, np.asarray(sizes_atoms, float), side="left")
    out = np.full(len(index), np.nan)
    ok = index < len(t)
    out[ok] = t[index[ok]]
    return out


def _time_at_risk(
    passages_ps: np.ndarray, observed_ps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``min(t_i(n), T_obs,i)`` and whether replica i reached n (rows: replicas)."""
    reached = np.isfinite(passages_ps) & (passages_ps <= observed_ps[:, None])
    at_risk = np.where(reached, passages_ps, observed_ps[:, None])
    return at_risk, reached


def _check_observed(passages_ps: np.ndarray, observed_ps: np.ndarray | float) -> np.ndarray:
    observed = np.broadcast_to(np.asarray(observed_ps, dtype=float), (passages_ps.shape[0],))
    if not np.all(np.isfinite(observed)) or np.any(observed < 0):
        raise ValueError("observed_ps must be finite and non-negative for every replica")
    return np.array(observed)


def censored_mean_first_passage(
    passages_ps: np.ndarray, observed_ps: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """tau(n) over all replicas, those that never reached n right-censored.

    Parameters
    ----------
    passages_ps
        First-passage times (rows: replicas, columns: sizes), NaN where a replica never
        reached the size.  A time after the replica's observation time counts as censored.
    observed_ps
        Each replica's observation time ``T_obs`` (one value, or one per row).

    Returns
    -------
    tau_ps, n_reached
        ``tau(n) = sum_i min(t_i(n), T_obs,i) / d(n)`` (the exponential waiting-time MLE
        under right censoring; NaN where ``d(n) = 0``) and ``d(n)``, the number of replicas
        that reached each size.
    """
    p = np.atleast_2d(np.asarray(passages_ps, dtype=float))
    observed = _check_observed(p, observed_ps)
    at_risk, reached = _time_at_risk(p, observed)
    n_reached = reached.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(n_reached > 0, at_risk.sum(axis=0) / n_reached, np.nan)
    return tau, n_reached


def wedekind_tau(
    n: np.ndarray | float, tau_J: float, n_star: float, zeldovich: float
) -> np.ndarray:
    """Wedekind et al. (2007) eq. 8: ``tau(n) = tau_J/2 (1 + erf(Z sqrt(pi) (n - n*)))``."""
    x = np.asarray(n, dtype=float)
    return 0.5 * tau_J * (1.0 + special.erf(zeldovich * math.sqrt(math.pi) * (x - n_star)))


def droplet_volume_nm3(n_atoms: float, mass_amu: float, bulk_density_g_cm3: float) -> float:
    """Volume (nm^3) of ``n_atoms`` atoms at the bulk density: the droplet, not the box."""
    if not (n_atoms > 0 and mass_amu > 0 and bulk_density_g_cm3 > 0):
        raise ValueError(
            f"need positive n_atoms, mass_amu and bulk density, got {n_atoms}, {mass_amu}, "
            f"{bulk_density_g_cm3}"
        )
    return n_atoms * mass_amu / AVOGADRO_PER_MOL / bulk_density_g_cm3 * NM3_PER_CM3


def _nan_interval() -> tuple[float, float]:
    return (math.nan, math.nan)


@dataclass(frozen=True)
class MFPTFit:
    """Result of :func:`fit_mfpt`; NaN values and a ``note`` saying why when no fit was made."""

    n_replicas: int
    tau_J: float
    """Nucleation time (ps): the plateau of tau(n)."""
    n_star: float
    """Critical nucleus size (atoms), >= 1."""
    zeldovich: float
    """Zeldovich factor (1/atoms)."""
    tau_J_interval: tuple[float, float]
    n_star_interval: tuple[float, float]
    zeldovich_interval: tuple[float, float]
    rate_per_nm3_per_ps: float
    """J = 1 / (tau_J V) per droplet volume ``V`` (:attr:`droplet_volume_nm3`); NaN if none."""
    rate_interval: tuple[float, float]
    """Interval of :attr:`rate_per_nm3_per_ps` (per nm^3 of droplet, per ps)."""
    note: str
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Sizes n (atoms) at which tau(n) is given."""
    tau: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Censored mean first-passage time tau(n) (ps), NaN where no replica reached n."""
    n_reached: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    """Number of replicas that reached each size within their observation time."""
    fit_max_atoms: float = math.nan
    """Largest size reached by at least ``min_transitions`` replicas: the fit uses sizes up
    to this (within its window), and n* is bounded to [1, fit_max_atoms]."""
    plateau_atoms: float = math.nan
    """End of the fitted rise, ``max(2 n*, n* + 2 / (Z sqrt(pi)))`` (atoms), at most
    :attr:`n_atoms`."""
    n_crossed: int = 0
    """Replicas that reached :attr:`plateau_atoms` (the transitions)."""
    n_atoms: float = math.nan
    """Atoms in the droplet (ensemble size), for the rate per atom."""
    droplet_volume_nm3: float = math.nan
    rate_per_atom_per_ps: float = math.nan
    """1 / (tau_J N)."""
    rate_per_atom_interval: tuple[float, float] = (math.nan, math.nan)
    n_bootstrap_kept: int = 0
    """Bootstrap refits behind the intervals."""
    n_bootstrap_dropped: int = 0
    """Bootstrap refits refused (at a bound, no transition, ...) and left out."""

    @property
    def fitted(self) -> bool:
        """Whether a fit was made."""
        return math.isfinite(self.n_star)


@dataclass(frozen=True)
class _Fit:
    params: tuple[float, float, float] | None
    """tau_J, n_star, zeldovich (also when at a bound); None when no fit was made."""
    reason: str = ""
    """Why the fit is refused ("" if not)."""
    at_bound: bool = False
    fitted_max_atoms: float = math.nan
    """Largest size the fit could use (reached by ``min_transitions`` replicas)."""
    sizes_fitted: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _bounds(n_max: float, tau_max: float) -> tuple[list[float], list[float]]:
    lower = [TAU_J_BOUND_FACTORS[0] * tau_max, 1.0, ZELDOVICH_BOUNDS[0]]
    upper = [TAU_J_BOUND_FACTORS[1] * tau_max, n_max, ZELDOVICH_BOUNDS[1]]
    return lower, upper


def _bound_hit(
    params: np.ndarray, lower: list[float], upper: list[float], rtol: float
) -> str | None:
    """Name of the first parameter within ``rtol`` of the span of its bounds (tau_J and Z on
    a log scale, n_star linear) and the bound, or None."""
    names = ("tau_J", "n_star", "Z")
    for i, name in enumerate(names):
        if i == 1:
            value, lo, hi = params[i], lower[i], upper[i]
        else:
            value, lo, hi = (math.log(v) for v in (params[i], lower[i], upper[i]))
        tol = rtol * (hi - lo)
        if value - lo <= tol:
            return f"{name} = {params[i]:.4g} at its lower bound {lower[i]:.4g}"
        if hi - value <= tol:
            return f"{name} = {params[i]:.4g} at its upper bound {upper[i]:.4g}"
    return None


def _guess(n: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Starting values: plateau, half-rise size and the 25-75% rise width."""
    plateau = float(np.max(y))
    levels = [float(n[np.argmax(y >= q * plateau)]) for q in (0.25, 0.5, 0.75)]
    width = max(levels[2] - levels[0], 1.0)
    zeldovich = 2 * special.erfinv(0.5) / (math.sqrt(math.pi) * width)
    return plateau, levels[1], zeldovich


def _wedekind_jacobian(n: np.ndarray, tau_J: float, n_star: float, zeldovich: float) -> np.ndarray:
    """Derivatives of :func:`wedekind_tau` by tau_J, n_star and Z (columns)."""
    x = zeldovich * math.sqrt(math.pi) * (n - n_star)
    bell = np.exp(-(x**2))
    return np.column_stack(
        [0.5 * (1.0 + special.erf(x)), -tau_J * zeldovich * bell, tau_J * (n - n_star) * bell]
    )


def _curve_fit(
    n: np.ndarray, y: np.ndarray, p0: np.ndarray, lower: list[float], upper: list[float]
) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, _ = optimize.curve_fit(
                wedekind_tau, n, y, p0=np.clip(p0, lower, upper), bounds=(lower, upper),
                jac=_wedekind_jacobian, x_scale="jac", maxfev=5000,
            )
    except (RuntimeError, ValueError):
        return None
    return params


def _fit_wedekind(
    sizes: np.ndarray, tau: np.ndarray, n_reached: np.ndarray, min_transitions: int,
    bound_rtol: float, window_widths: float | None,
) -> _Fit:
    """Least-squares fit of eq. 8 to tau(n) at the sizes reached by ``min_transitions``
    replicas, up to ``n* + window_widths / (Z sqrt(pi))`` (iterated until the window
    repeats), with bounds set by all those sizes.  A fit at a bound keeps its parameters,
    with ``at_bound`` set."""
    ok = np.isfinite(tau) & (n_reached >= min_transitions)
    n, y = sizes[ok], tau[ok]
    if len(n) < MIN_FIT_SIZES:
        return _Fit(None, f"tau(n) is defined (reached by at least {min_transitions} "
                          f"replicas) at {len(n)} sizes, fewer than {MIN_FIT_SIZES}")
    if np.ptp(y) <= 0:
        return _Fit(None, "tau(n) is flat")
    lower, upper = _bounds(float(n.max()), float(y.max()))
    params = _curve_fit(n, y, np.array(_guess(n, y)), lower, upper)
    seen: set[int] = {len(n)}
    while params is not None and window_widths is not None:
        if _bound_hit(params, lower, upper, bound_rtol) is not None:
            break
        top = params[1] + window_widths / (params[2] * math.sqrt(math.pi))
        count = int(np.searchsorted(n, top, side="right"))
        if count in seen:
            break
        seen.add(count)
        if count < MIN_FIT_SIZES:
            return _Fit(None, f"the fit window (up to {top:.1f} atoms) holds {count} sizes, "
                              f"fewer than {MIN_FIT_SIZES}")
        params = _curve_fit(n[:count], y[:count], params, lower, upper)
    if params is None:
        return _Fit(None, "the Wedekind form did not converge on tau(n)")
    values = (float(params[0]), float(params[1]), float(params[2]))
    hit = _bound_hit(params, lower, upper, bound_rtol)
    if hit is not None:
        return _Fit(values, f"fit at a bound: {hit}", True, float(n[-1]), n)
    return _Fit(values, "", False, float(n[-1]), n)


def _plateau_atoms(n_star: float, zeldovich: float, n_atoms: float) -> float:
    """End of the fitted rise, at most the whole droplet (``n_atoms``, if known)."""
    end = max(2.0 * n_star, n_star + PLATEAU_WIDTHS / (zeldovich * math.sqrt(math.pi)))
    return min(end, n_atoms) if n_atoms > 0 else end


def _refusal(
    fit: _Fit, max_reached: np.ndarray, weights: np.ndarray, min_transitions: int,
    n_atoms: float,
) -> tuple[str, float, int]:
    """Why a converged fit is refused ("" if it is not), its plateau end (atoms) and the
    (weighted) number of replicas that reached it.  In order: no transition, a parameter at
    a bound, a rise narrower than the spacing of the sizes, no plateau within the data."""
    if fit.params is None:
        return fit.reason, math.nan, 0
    _, n_star, zeldovich = fit.params
    plateau = _plateau_atoms(n_star, zeldovich, n_atoms)
    crossed = int(round(float(weights @ (max_reached >= plateau - 1e-9))))
    if crossed < min_transitions:
        return (f"{crossed} of {int(weights.sum())} replicas reached the end of the fitted "
                f"plateau ({plateau:.1f} atoms; n* = {n_star:.1f}), fewer than "
                f"{min_transitions}: no transition"), plateau, crossed
    if fit.at_bound:
        return fit.reason, plateau, crossed
    half = RISE_HALF_WIDTH / (zeldovich * math.sqrt(math.pi))
    inside = int(np.sum(np.abs(fit.sizes_fitted - n_star) < half))
    if inside < MIN_RISE_SIZES:
        return (f"the rise of tau(n) (10-90%: {n_star - half:.1f} to {n_star + half:.1f} "
                f"atoms) holds {inside} of the sizes, fewer than {MIN_RISE_SIZES}: n* and Z "
                "are not resolved"), plateau, crossed
    if n_star + half > fit.fitted_max_atoms:
        return (f"no plateau in the data: the fit reaches 90% of tau_J at "
                f"{n_star + half:.1f} atoms, beyond the largest size fitted "
                f"({fit.fitted_max_atoms:g})"), plateau, crossed
    return "", plateau, crossed


def _max_reached(sizes: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """Largest of ``sizes`` each replica reached (0 if none)."""
    padded = np.where(reached, sizes[None, :], 0.0)
    return padded.max(axis=1) if padded.size else np.zeros(reached.shape[0])


def fit_mfpt(
    passages: np.ndarray,
    sizes: np.ndarray,
    observed_ps: np.ndarray | float,
    *,
    min_replicas: int = 5,
    min_transitions: int = 2,
    n_atoms: float = math.nan,
    droplet_volume_nm3: float = math.nan,
    n_bootstrap: int = 400,
    confidence: float = 0.95,
    seed: int = 0,
    bound_rtol: float = 1.0e-3,
    n_transformed: int | None = None,
    window_widths: float | None = WINDOW_WIDTHS,
) -> MFPTFit:
    """Fit Wedekind's eq. 8 to the censored tau(n) of the replicas' first-passage times.

    Parameters
    ----------
    passages
        First-passage times (ps; rows: replicas, columns: ``sizes``), NaN where a replica
        never reached the size (:func:`first_passage_times`).
    sizes
        Sizes n (atoms), increasing.
    observed_ps
        Each replica's observation time (ps, from the same zero as the passages): a replica
        that did not reach n is right-censored there.
    min_replicas
        Below this many replicas no fit is made.
    min_transitions
        Sizes reached by fewer replicas are not fitted, and no fit is made unless this many
        replicas reached the end of the fitted plateau (:attr:`MFPTFit.plateau_atoms`).
    n_atoms
        Atoms in the droplet, for the rate per atom; the end of the plateau that
        transitions must reach is at most this size.
    droplet_volume_nm3
        Volume of the droplet at bulk density (:func:`droplet_volume_nm3`), for the rate
        per volume.
    n_bootstrap, confidence, seed
        Percentile intervals from ``n_bootstrap`` refits to replicas resampled with
        replacement (each keeps its own censoring time).
    bound_rtol
        A parameter within this fraction of the span of its bounds (log scale for tau_J and
        Z) counts as at the bound: no fit (or, in the bootstrap, a dropped refit).
    n_transformed
        Number of replicas flagged as transformed, where known: fewer than
        ``min_transitions`` gives no fit.
    window_widths
        Sizes above ``n* + window_widths / (Z sqrt(pi))`` are left out of the fit (the
        window is iterated with the fit); None fits all sizes.  See :data:`WINDOW_WIDTHS`.

    Returns
    -------
    MFPTFit
        The fit, or NaN values and a ``note`` saying why none was made.
    """
    p = np.atleast_2d(np.asarray(passages, dtype=float))
    n = np.asarray(sizes, dtype=float)
    if p.shape[1] != len(n):
        raise ValueError(f"passages have {p.shape[1]} columns for {len(n)} sizes")
    n_rep = p.shape[0]
    observed = _check_observed(p, observed_ps) if n_rep else np.zeros(0)
    at_risk, reached = _time_at_risk(p, observed)
    tau, n_reached = censored_mean_first_passage(p, observed) if n_rep else (
        np.full(len(n), np.nan), np.zeros(len(n), int))
    max_reached = _max_reached(n, reached)
    enough = n_reached >= min_transitions
    fit_max = float(n[enough].max()) if enough.any() else math.nan

    def empty(note: str, **extra: object) -> MFPTFit:
        nan = math.nan
        return MFPTFit(n_rep, nan, nan, nan, _nan_interval(), _nan_interval(), _nan_interval(),
                       nan, _nan_interval(), note, n, tau, n_reached, fit_max, n_atoms=n_atoms,
                       droplet_volume_nm3=droplet_volume_nm3, **extra)

    if n_rep < min_replicas:
        return empty(f"no fit: {n_rep} replicas, fewer than the minimum {min_replicas}")
    if n_transformed is not None and n_transformed < min_transitions:
        return empty(f"no fit: {n_transformed} of {n_rep} replicas transformed, fewer than "
                     f"{min_transitions}")
    best = _fit_wedekind(n, tau, n_reached, min_transitions, bound_rtol, window_widths)
    if best.params is None:
        return empty(f"no fit: {best.reason}")
    reason, plateau, crossed = _refusal(best, max_reached, np.ones(n_rep), min_transitions,
                                        n_atoms)
    if reason:
        return empty(f"no fit: {reason}", plateau_atoms=plateau, n_crossed=crossed)
    tau_J, n_star, zeldovich = best.params

    rng = np.random.default_rng(seed)
    samples, at_bound, failed = [], 0, 0
    for _ in range(n_bootstrap):
        weights = np.bincount(rng.integers(0, n_rep, n_rep), minlength=n_rep).astype(float)
        d = weights @ reached
        with np.errstate(invalid="ignore", divide="ignore"):
            tau_b = np.where(d > 0, (weights @ at_risk) / d, np.nan)
        refit = _fit_wedekind(n, tau_b, np.rint(d).astype(int), min_transitions, bound_rtol,
                               window_widths)
        refused = _refusal(refit, max_reached, weights, min_transitions, n_atoms)[0]
        if not refused:
            samples.append(refit.params)
        elif refused.startswith("fit at a bound"):
            at_bound += 1
        else:
            failed += 1
    notes = []
    if at_bound or failed:
        notes.append(f"bootstrap: {at_bound + failed} of {n_bootstrap} refits dropped "
                     f"({at_bound} at a bound, {failed} refused otherwise)")
    alpha = (1 - confidence) / 2 * 100
    if len(samples) >= MIN_BOOTSTRAP_FITS:
        lo, hi = np.percentile(np.array(samples), [alpha, 100 - alpha], axis=0)
        intervals = [(float(lo[i]), float(hi[i])) for i in range(3)]
        intervals[1] = (max(intervals[1][0], 1.0), min(intervals[1][1], fit_max))
    else:
        intervals = [_nan_interval()] * 3
        notes.append(f"{len(samples)} bootstrap refits kept, fewer than "
                     f"{MIN_BOOTSTRAP_FITS}: no intervals")
    t_lo, t_hi = intervals[0]

    def per(scale: float) -> tuple[float, tuple[float, float]]:
        if not scale > 0:
            return math.nan, _nan_interval()
        return 1.0 / (tau_J * scale), (1.0 / (t_hi * scale), 1.0 / (t_lo * scale))

    rate, rate_interval = per(droplet_volume_nm3)
    rate_atom, rate_atom_interval = per(n_atoms)
    return MFPTFit(
        n_rep, tau_J, n_star, zeldovich, intervals[0], intervals[1], intervals[2], rate,
        rate_interval, "; ".join(notes), n, tau, n_reached, fit_max, plateau, crossed,
        n_atoms, droplet_volume_nm3, rate_atom, rate_atom_interval, len(samples),
        at_bound + failed,
    )


def _flags(values: pd.Series) -> np.ndarray:
    """Boolean flags from a column of bools or of 'True'/'False' strings (NaN: False)."""
    if values.dtype == bool:
        return values.to_numpy()
    text = values.astype(str).str.strip().str.lower()
    unknown = ~text.isin(["true", "false", "1", "0", "1.0", "0.0", "nan", "none", ""])
    if unknown.any():
        raise ValueError(f"cannot read flags {sorted(set(values[unknown]))} as True/False")
    return text.isin(["true", "1", "1.0"]).to_numpy()


def _bulk_density(runs: pd.DataFrame, fallback: float | None) -> float:
    if "bulk_density_g_cm3" in runs:
        value = float(runs["bulk_density_g_cm3"].iloc[0])
        if math.isfinite(value):
            return value
    if fallback is None:
        raise ValueError("the campaign table has no bulk_density_g_cm3: pass bulk_density_g_cm3")
    return float(fallback)


def mfpt_table(
    campaign: pd.DataFrame,
    structures: Mapping[str, pd.DataFrame],
    min_replicas: int = 5,
    size_step_atoms: int = 1,
    n_bootstrap: int = 400,
    confidence: float = 0.95,
    *,
    min_transitions: int = 2,
    bulk_density_g_cm3: float | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wedekind fits of the largest crystalline (reference-structure) domain's censored mean
    first-passage times, one per group of replicas.

    Parameters
    ----------
    campaign
        One row per run: ``run_id``, ``reference_time_ps``, ``ensemble_size_atoms``,
        ``mass_amu``, the group keys of :mod:`glassy_li.analysis.aggregate`, and optionally
        ``bulk_density_g_cm3``, ``transformed`` (bools or 'True'/'False' strings) and
        ``status`` / ``crystalline_at_reference``.  Runs already crystalline at the
        reference time are left out (their nucleation happened before the clock started).
    structures
        Run id -> per-frame structure table with ``time_ps`` and
        ``largest_reference_domain_atoms``.  Times count from each run's reference time;
        each run is observed until its table's last frame (its censoring time).
    min_replicas, size_step_atoms, n_bootstrap, confidence, seed
        As in :func:`fit_mfpt`; sizes n run from 1 in steps of ``size_step_atoms`` up to
        the largest domain reached, at most the ensemble size.
    min_transitions
        Fewest transitions for a fit: with a ``transformed`` column (or ``status``), groups
        with fewer transformed runs get no fit; see also :func:`fit_mfpt`.
    bulk_density_g_cm3
        Bulk density of the metal, used where the table has no ``bulk_density_g_cm3``.

    Returns
    -------
    fits, tau
        One row per group (NaN and a ``note`` where no fit was made); the nucleation rate
        is per droplet volume (``droplet_volume_nm3``: the ensemble's atoms at the bulk
        density, not the periodic box) and per atom.  ``n_star_every_2nd_frame_atoms`` is
        the fit to every second frame (no interval): a check of the frame spacing (see the
        module notes).  tau(n) is a long table (``n_atoms``, ``mfpt_ps``, ``n_reached``).
    """
    # imported here: aggregate may import this module

    fits, taus = [], []
    for keys, group in campaign.groupby(GROUP_KEYS, sort=True):
        key_values = dict(zip(GROUP_KEYS, keys, strict=True))
        early = np.zeros(len(group), bool)
        if "crystalline_at_reference" in group:
            early |= _flags(group["crystalline_at_reference"])
        if "status" in group:
            early |= group["status"].eq(CRYSTALLINE_AT_REFERENCE).to_numpy()
        runs = group[~early]
        if "transformed" in runs:
            transformed = int(_flags(runs["transformed"]).sum())
        elif "status" in runs:
            transformed = int(runs["status"].eq(TRANSFORMED).sum())
        else:
            transformed = -1
        size = int(key_values["ensemble_size_atoms"])
        series, observed = [], []
        for run_id, reference in zip(runs["run_id"], runs["reference_time_ps"], strict=True):
            table = structures[run_id]
            after = table[table["time_ps"] >= reference - 1e-9]
            time = after["time_ps"].to_numpy(float) - reference
            series.append((time, after["largest_reference_domain_atoms"].to_numpy(float)))
            observed.append(float(time[-1]) if len(time) else 0.0)
        top = max((int(np.nanmax(d)) if len(d) and np.isfinite(d).any() else 0)
                  for _, d in series) if series else 0
        top = min(top, size)
        sizes = np.arange(1, max(top, 1) + 1, size_step_atoms)
        passages = (np.array([first_passage_times(t, d, sizes) for t, d in series])
                    if series else np.zeros((0, len(sizes))))
        volume = droplet_volume_nm3(size, float(group["mass_amu"].iloc[0]),
                                    _bulk_density(group, bulk_density_g_cm3))
        fit = fit_mfpt(
            passages, sizes, np.array(observed), min_replicas=min_replicas,
            min_transitions=min_transitions, n_atoms=size, droplet_volume_nm3=volume,
            n_bootstrap=n_bootstrap, confidence=confidence, seed=seed,
            n_transformed=transformed if transformed >= 0 else None,
        )
        notes = [fit.note] if fit.note else []
        thinned = math.nan
        if fit.fitted:
            half = [(t[::2], d[::2]) for t, d in series]
            coarse = fit_mfpt(
                np.array([first_passage_times(t, d, sizes) for t, d in half]), sizes,
                np.array([float(t[-1]) if len(t) else 0.0 for t, _ in half]),
                min_replicas=min_replicas, min_transitions=min_transitions, n_atoms=size,
                n_bootstrap=0, n_transformed=transformed if transformed >= 0 else None,
            )
            thinned = coarse.n_star
            lo, hi = fit.n_star_interval
            if not all(math.isfinite(v) for v in (thinned, lo, hi)):
                notes.append("every-second-frame check of the frame spacing not possible")
            elif not lo <= thinned <= hi:
                notes.append(f"n* = {thinned:.1f} atoms from every second frame, outside the "
                             "interval: the frame spacing biases n*")
        if early.any():
            notes.append(f"{int(early.sum())} run(s) crystalline at the reference time left out")
        note = "; ".join(notes)
        fits.append(
            {
                **key_values,
                "n_replicas": fit.n_replicas,
                "n_transformed": transformed if transformed >= 0 else math.nan,
                "n_crystalline_at_reference": int(early.sum()),
                "largest_domain_reached_atoms": top,
                "fit_max_atoms": fit.fit_max_atoms,
                "n_star_atoms": fit.n_star,
                "n_star_lower_atoms": fit.n_star_interval[0],
                "n_star_upper_atoms": fit.n_star_interval[1],
                "n_star_every_2nd_frame_atoms": thinned,
                "tau_J_ps": fit.tau_J,
                "tau_J_lower_ps": fit.tau_J_interval[0],
                "tau_J_upper_ps": fit.tau_J_interval[1],
                "zeldovich_per_atom": fit.zeldovich,
                "zeldovich_lower_per_atom": fit.zeldovich_interval[0],
                "zeldovich_upper_per_atom": fit.zeldovich_interval[1],
                "plateau_atoms": fit.plateau_atoms,
                "n_crossed_plateau": fit.n_crossed,
                "droplet_volume_nm3": volume,
                "rate_per_nm3_per_ps": fit.rate_per_nm3_per_ps,
                "rate_lower_per_nm3_per_ps": fit.rate_interval[0],
                "rate_upper_per_nm3_per_ps": fit.rate_interval[1],
                "rate_per_m3_per_s": fit.rate_per_nm3_per_ps * 1e27 * 1e12,
                "rate_per_atom_per_ps": fit.rate_per_atom_per_ps,
                "rate_lower_per_atom_per_ps": fit.rate_per_atom_interval[0],
                "rate_upper_per_atom_per_ps": fit.rate_per_atom_interval[1],
                "n_bootstrap_kept": fit.n_bootstrap_kept,
                "n_bootstrap_dropped": fit.n_bootstrap_dropped,
                "confidence": confidence,
                "estimator": ESTIMATOR,
                "note": note,
            }
        )
        for n, tau, d in zip(fit.sizes, fit.tau, fit.n_reached, strict=True):
            taus.append({**key_values, "n_atoms": int(n), "mfpt_ps": tau, "n_reached": int(d)})
    return pd.DataFrame(fits), pd.DataFrame(taus)
