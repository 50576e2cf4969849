"""A nucleation model: the hazard of ordering of an ``N``-atom droplet held at ``T``.

Every run of a campaign is one observation: a droplet of ``N`` atoms held at ``T`` that
ordered at its incubation time ``t`` (measured from the start of the hold), or was still
amorphous when its hold ended (censored at ``t``).  Each run orders with the hazard

    h(t | N, T) = r(N, T) (1 - exp(-t / tau_lag)),

a steady rate ``r`` reached after a lag ``tau_lag`` (the transient of the embryo-size
distribution after the quench; one lag shared by every size and temperature), so that

    P(ordered by t | N, T) = 1 - exp(-H(t)),   H(t) = r (t - tau_lag (1 - exp(-t / tau_lag))).

Two forms of the steady rate are fitted, by maximum likelihood over every run, censored ones
included (an ordered run contributes ``ln h(t) - H(t)``, a censored one ``-H(t)``):

``power`` (:data:`POWER`)
    ``r = k_ref (N / 700)^alpha exp(beta (T - 400 K) / 10 K)``: a rate growing as a power of
    the droplet's size (alpha = 1 if embryos form anywhere in its volume, 2/3 on its
    surface), log-linear in temperature.
``cnt`` (:data:`CNT`)
    ``r = A N exp(-B / (T (T_m(N) - T)^2))``: classical nucleation theory with the droplet's
    own undercooling, ``T_m(N)`` its size-dependent melting point (the Pawlow law fitted by
    :func:`glassy_li.checks.cluster_melting.fit_size_dependence`, ``T_m(N) = a + b N^(-1/3)``).  The
    law's two coefficients are parameters of the fit too, tied to their measured values by
    the Gaussian likelihood of that fit (its covariance), so that what the melting curves
    leave uncertain widens every interval here.  A droplet at or above its own melting point
    does not order (``ln r`` floored at :data:`LOG_RATE_FLOOR`).  The law was fitted to
    350-2000-atom clusters: smaller droplets extrapolate it.

The forms are compared by Akaike's criterion on the training runs and by the log-likelihood
of runs held out of the fit.  Intervals are **profile-likelihood** ones (the set of values
whose profile log-likelihood lies within ``chi2_1(confidence) / 2`` of the maximum): for a
parameter, by profiling it; for a derived quantity (the critical size ``N_c(T, t)`` at which
half the droplets have ordered by ``t``, or ``P(ordered by t | N, T)``), as the range of the
quantity over the parameter sets inside that likelihood region (sampled;
:func:`likelihood_region`).  A parameter whose maximum or interval reaches the edge of its
search range is *not resolved* and says so; the bands of derived quantities are then marked
open rather than printed as if the data decided them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = [
    "CNT",
    "FORMS",
    "POWER",
    "HazardForm",
    "MeltingLaw",
    "ModelFit",
    "Runs",
    "critical_size",
    "fit_model",
    "likelihood_region",
    "probability_ordered",
    "region_adequate",
    "region_reach",
    "simulate_runs",
]

REFERENCE_SIZE_ATOMS = 700.0
"""The size at which the power form's rate constant is quoted."""
REFERENCE_TEMPERATURE_K = 400.0
"""The temperature at which the power form's rate constant is quoted."""
LOG_RATE_FLOOR = -400.0
"""ln r is floored here (a droplet at or above its own melting point: r = e^-400 per ps, no
ordering in any hold).  An ordered run on the floor is all but impossible under the form,
and costs it about 400 in ln L; :meth:`ModelFit.runs_on_floor` counts them."""
EDGE_TOLERANCE = 1e-3
"""A maximum this close (relative to the range) to a parameter's search bound is at the edge."""


@dataclass(frozen=True)
class MeltingLaw:
    """Size-dependent melting ``T_m(N) = intercept_K + slope_K N^(-1/3)`` (K), with the
    covariance (K^2) of its two coefficients and the bulk melting point that homologous
    temperatures ``T / T_m`` refer to."""

    intercept_K: float
    slope_K: float
    covariance_K2: np.ndarray
    bulk_melting_point_K: float
    source: str = ""

    @classmethod
    def from_fit_table(cls, path: str | Path, bulk_melting_point_K: float) -> MeltingLaw:
        """Read ``size_melting_fit_<preset>.tsv`` (:mod:`glassy_li.checks.cluster_melting`)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"size-melting fit table {path} does not exist")
        table = pd.read_csv(path, sep="\t")
        needed = {"intercept_K", "slope_K", "cov_00", "cov_01", "cov_11"}
        missing = sorted(needed - set(table.columns))
        if missing or table.empty:
            raise ValueError(f"size-melting fit table {path} lacks {', '.join(missing) or 'rows'}"
                             " (a fit with its covariance is needed)")
        row = table.iloc[0]
        covariance = np.array([[row["cov_00"], row["cov_01"]], [row["cov_01"], row["cov_11"]]],
                              dtype=float)
        return cls(float(row["intercept_K"]), float(row["slope_K"]), covariance,
                   float(bulk_melting_point_K), str(path))

    @property
    def coefficients(self) -> np.ndarray:
        return np.array([self.intercept_K, self.slope_K])

    def melting_K(self, size_atoms: np.ndarray | float) -> np.ndarray:
        """``T_m(N)`` (K) at the fitted coefficients."""
        return self.intercept_K + self.slope_K * np.asarray(size_atoms, float) ** (-1 / 3)

    def log_likelihood(self, coefficients: np.ndarray) -> np.ndarray:
        """Gaussian log-likelihood (up to a constant) of coefficient rows ``(m, 2)``."""
        difference = np.atleast_2d(coefficients) - self.coefficients
        precision = np.linalg.inv(self.covariance_K2)
        return -0.5 * np.einsum("mi,ij,mj->m", difference, precision, difference)


@dataclass(frozen=True)
class Runs:
    """Observations: one per run (size in atoms, hold temperature in K, time in ps from the
    start of the hold, whether it ordered then or was censored then)."""

    size_atoms: np.ndarray
    temperature_K: np.ndarray
    time_ps: np.ndarray
    ordered: np.ndarray
    campaign: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    window_ps: np.ndarray = field(default_factory=lambda: np.array([]))
    """How long each run was watched (ps from the hold's start): its censoring time, or for
    a run that ordered, its planned hold (empty: ``time_ps``)."""

    def __post_init__(self) -> None:
        n = len(self.size_atoms)
        for name in ("temperature_K", "time_ps", "ordered"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Runs: {name} has {len(getattr(self, name))} entries, "
                                 f"size_atoms {n}")
        if len(self.campaign) not in (0, n):
            raise ValueError("Runs: campaign labels do not match the runs")
        if len(self.window_ps) not in (0, n):
            raise ValueError("Runs: observation windows do not match the runs")
        if n and np.any(np.asarray(self.time_ps) <= 0):
            raise ValueError("Runs: every time must be positive (ps from the hold's start)")

    def __len__(self) -> int:
        return len(self.size_atoms)

    @property
    def n_ordered(self) -> int:
        return int(np.sum(self.ordered))

    def labels(self) -> np.ndarray:
        return self.campaign if len(self.campaign) else np.full(len(self), "", dtype=object)

    def windows(self) -> np.ndarray:
        return self.window_ps if len(self.window_ps) else np.asarray(self.time_ps, float)

    def subset(self, mask: np.ndarray) -> Runs:
        return Runs(self.size_atoms[mask], self.temperature_K[mask], self.time_ps[mask],
                    self.ordered[mask], self.labels()[mask], self.windows()[mask])

    @classmethod
    def concatenate(cls, parts: Iterable[Runs]) -> Runs:
        parts = list(parts)
        if not parts:
            return cls(np.array([]), np.array([]), np.array([]), np.array([], bool),
                       np.array([], dtype=object), np.array([]))
        getters = {"campaign": Runs.labels, "window_ps": Runs.windows}
        return cls(*(np.concatenate([getters[name](p) if name in getters else getattr(p, name)
                                     for p in parts])
                     for name in ("size_atoms", "temperature_K", "time_ps", "ordered",
                                  "campaign", "window_ps")))

    @classmethod
    def from_campaign_table(cls, path: str | Path, label: str,
                            initial_states: Sequence[str] = ("droplet",),
                            hold_ps: float | None = None) -> tuple[Runs, dict]:
        """The runs of one ``campaign.tsv`` (:mod:`glassy_li.analysis.aggregate`) started as one of
        ``initial_states``; returns them and what was left out, by reason.  ``hold_ps``: the
        campaign's planned hold, the window of its runs that ordered (default: its longest
        censoring time, else each ordered run's own time)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"campaign table {path} does not exist")
        table = pd.read_csv(path, sep="\t")
        needed = {"initial_state", "ensemble_size_atoms", "final_temperature_K", "transformed",
                  "incubation_time_ps", "censored_at_ps", "crystalline_at_reference"}
        missing = sorted(needed - set(table.columns))
        if missing:
            raise ValueError(f"campaign table {path} lacks column(s) {', '.join(missing)}")
        left_out = {
            "other start": int((~table["initial_state"].isin(initial_states)).sum()),
        }
        table = table[table["initial_state"].isin(initial_states)]
        ordered_at_start = table["crystalline_at_reference"].astype(str) == "True"
        left_out["ordered at the hold's start"] = int(ordered_at_start.sum())
        table = table[~ordered_at_start]
        ordered = table["transformed"].astype(str) == "True"
        time = np.where(ordered, table["incubation_time_ps"], table["censored_at_ps"])
        time = np.asarray(time, float)
        unknown = ~np.isfinite(time) | (time <= 0)
        left_out["no time"] = int(unknown.sum())
        keep = ~unknown
        censored_times = time[~ordered.to_numpy(bool) & keep]
        if hold_ps is None and len(censored_times):
            hold_ps = float(np.max(censored_times))
        window = np.where(ordered, hold_ps if hold_ps is not None else time, time)
        runs = cls(table["ensemble_size_atoms"].to_numpy(float)[keep],
                   table["final_temperature_K"].to_numpy(float)[keep], time[keep],
                   ordered.to_numpy(bool)[keep], np.full(int(keep.sum()), label, dtype=object),
                   np.maximum(np.asarray(window, float)[keep], time[keep]))
        return runs, left_out


@dataclass(frozen=True)
class HazardForm:
    """A form of the steady rate ``r(N, T)`` (per ps): its parameters (names, units, search
    bounds) and ``log_rate(params (m, k), size (n,), temperature (n,), melting (m, n))``."""

    name: str
    description: str
    parameter_names: tuple[str, ...]
    parameter_units: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    uses_melting: bool
    log_rate: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]
    start: Callable[[Runs, MeltingLaw | None], np.ndarray]


def _power_log_rate(params: np.ndarray, size: np.ndarray, temperature: np.ndarray,
                    melting: np.ndarray | None) -> np.ndarray:
    ln_rate, alpha, beta = params[:, 0:1], params[:, 1:2], params[:, 2:3]
    return (ln_rate + alpha * np.log(size / REFERENCE_SIZE_ATOMS)
            + beta * (temperature - REFERENCE_TEMPERATURE_K) / 10.0)


def _mean_rate(runs: Runs) -> float:
    exposure = float(np.sum(runs.time_ps))
    return max(runs.n_ordered, 0.5) / max(exposure, 1e-9)


def _power_start(runs: Runs, melting: MeltingLaw | None) -> np.ndarray:
    return np.array([math.log(_mean_rate(runs)), 1.0, 0.0])


def _undercooling_term(temperature: np.ndarray, melting: np.ndarray) -> np.ndarray:
    """``T (T_m(N) - T)^2`` (K^3), 0 where the droplet is at or above its melting point."""
    undercooling = np.maximum(melting - temperature, 0.0)
    return temperature * undercooling**2


def _cnt_log_rate(params: np.ndarray, size: np.ndarray, temperature: np.ndarray,
                  melting: np.ndarray | None) -> np.ndarray:
    if melting is None:
        raise ValueError("the cnt form needs T_m(N)")
    ln_prefactor, ln_barrier = params[:, 0:1], params[:, 1:2]
    term = _undercooling_term(temperature, melting)
    with np.errstate(divide="ignore"):
        exponent = np.where(term > 0, np.exp(ln_barrier) / np.where(term > 0, term, 1.0),
                            np.inf)
    return np.maximum(ln_prefactor + np.log(size) - exponent, LOG_RATE_FLOOR)


def _cnt_start(runs: Runs, melting: MeltingLaw | None) -> np.ndarray:
    assert melting is not None
    term = _undercooling_term(runs.temperature_K, melting.melting_K(runs.size_atoms))
    typical = float(np.median(term[term > 0])) if np.any(term > 0) else 1e6
    ln_barrier = math.log(typical)
    return np.array([math.log(_mean_rate(runs) / np.mean(runs.size_atoms)) + 1.0, ln_barrier])


POWER = HazardForm(
    name="power",
    description="r = k_ref (N/700)^alpha exp(beta (T - 400 K)/10 K)",
    parameter_names=("ln_rate_700_atoms_400K_per_ps", "alpha", "beta_per_10K"),
    parameter_units=("ln(1/ps)", "", "per 10 K"),
    bounds=((-40.0, 5.0), (-6.0, 10.0), (-15.0, 15.0)),
    uses_melting=False,
    log_rate=_power_log_rate,
    start=_power_start,
)
CNT = HazardForm(
    name="cnt",
    description="r = A N exp(-B / (T (T_m(N) - T)^2))",
    parameter_names=("ln_prefactor_per_atom_per_ps", "ln_barrier_K3"),
    parameter_units=("ln(1/(atom ps))", "ln(K^3)"),
    bounds=((-60.0, 20.0), (math.log(1e2), math.log(1e10))),
    uses_melting=True,
    log_rate=_cnt_log_rate,
    start=_cnt_start,
)
FORMS = {form.name: form for form in (POWER, CNT)}
LAG_NAME = "ln_lag_ps"
LAG_BOUNDS = (math.log(0.1), math.log(5000.0))
MELTING_NAMES = ("melting_intercept_K", "melting_slope_K")


def parameter_names(form: HazardForm) -> tuple[str, ...]:
    """A fit's parameters in order: the form's, the lag, then (cnt) the melting law's."""
    return (*form.parameter_names, LAG_NAME, *(MELTING_NAMES if form.uses_melting else ()))


def _split(form: HazardForm, theta: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Parameter rows split into the form's, the ln lag and (cnt) the melting coefficients."""
    theta = np.atleast_2d(theta)
    k = len(form.parameter_names)
    coefficients = theta[:, k + 1:k + 3] if form.uses_melting else None
    return theta[:, :k], theta[:, k], coefficients


def _log_rate(form: HazardForm, theta: np.ndarray, size: np.ndarray, temperature: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``ln r`` of parameter rows ``theta (m, p)`` at runs ``(n,)``: ``(m, n)``, with the
    rows' lag ``(m, 1)`` (ps) and melting coefficients."""
    params, ln_lag, coefficients = _split(form, theta)
    melting = (None if coefficients is None else
               coefficients[:, 0:1] + coefficients[:, 1:2] * size[None, :] ** (-1 / 3))
    return form.log_rate(params, size, temperature, melting), np.exp(ln_lag)[:, None], \
        coefficients


def _onset_and_integral(lag: np.ndarray, time_ps: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``1 - exp(-t / lag)`` and ``t - lag (1 - exp(-t / lag))`` (``H / r``)."""
    onset = -np.expm1(-time_ps[None, :] / lag)
    return onset, time_ps[None, :] - lag * onset


def cumulative_hazard(form: HazardForm, theta: np.ndarray, size: np.ndarray,
                      temperature: np.ndarray, time_ps: np.ndarray) -> np.ndarray:
    """``H(t | N, T)`` for parameter rows ``theta (m, p)`` and runs ``(n,)``: ``(m, n)``."""
    size, temperature, time_ps = (np.asarray(a, float) for a in (size, temperature, time_ps))
    log_rate, lag, _ = _log_rate(form, theta, size, temperature)
    return np.exp(log_rate) * _onset_and_integral(lag, time_ps)[1]


def log_likelihood(form: HazardForm, theta: np.ndarray, runs: Runs,
                   melting: MeltingLaw | None, with_melting: bool = True) -> np.ndarray:
    """Log-likelihood of parameter rows ``theta (m, p)`` (``(m,)``), the melting law's
    Gaussian term included for a form that uses it (unless ``with_melting`` is false: the
    runs' own likelihood, as held-out runs are scored)."""
    log_rate, lag, coefficients = _log_rate(form, theta, runs.size_atoms, runs.temperature_K)
    onset, integral = _onset_and_integral(lag, runs.time_ps)
    hazard_integral = np.exp(log_rate) * integral
    with np.errstate(divide="ignore"):
        event = log_rate + np.log(onset)
    terms = np.where(runs.ordered[None, :], event - hazard_integral, -hazard_integral)
    total = terms.sum(axis=1)
    if form.uses_melting and with_melting:
        assert melting is not None and coefficients is not None
        total = total + melting.log_likelihood(coefficients)
    return np.where(np.isfinite(total), total, -np.inf)


def probability_ordered(form: HazardForm, theta: np.ndarray, size_atoms: float | np.ndarray,
                        temperature_K: float | np.ndarray, time_ps: float | np.ndarray
                        ) -> np.ndarray:
    """``P(ordered by t | N, T)`` for parameter rows ``theta``: ``(m, n)``."""
    size, temperature, time = np.broadcast_arrays(np.atleast_1d(np.asarray(size_atoms, float)),
                                                  np.atleast_1d(np.asarray(temperature_K, float)),
                                                  np.atleast_1d(np.asarray(time_ps, float)))
    return -np.expm1(-cumulative_hazard(form, theta, size, temperature, time))


SIZE_SEARCH_ATOMS = (30.0, 1e6)
"""The range in which :func:`critical_size` looks for ``N_c`` (a bound outside it)."""
SIZE_GRID_POINTS = 400


def critical_size(form: HazardForm, theta: np.ndarray, temperature_K: float, time_ps: float
                  ) -> np.ndarray:
    """``N_c(T, t)``: the size at which half the droplets have ordered by ``t`` (atoms), one
    per parameter row: where ``H(t | N, T) = ln 2``, found on a grid of ``SIZE_GRID_POINTS``
    log-spaced sizes (``ln H`` interpolated linearly in ``ln N``, better than 1%).  ``+inf``
    where even ``SIZE_SEARCH_ATOMS[1]`` orders less than half, ``0`` where
    ``SIZE_SEARCH_ATOMS[0]`` already orders more, ``nan`` where the probability does not
    grow with size (no critical size)."""
    theta = np.atleast_2d(theta)
    ln_size = np.linspace(math.log(SIZE_SEARCH_ATOMS[0]), math.log(SIZE_SEARCH_ATOMS[1]),
                          SIZE_GRID_POINTS)
    n = len(ln_size)
    hazard = cumulative_hazard(form, theta, np.exp(ln_size), np.full(n, float(temperature_K)),
                               np.full(n, float(time_ps)))
    with np.errstate(divide="ignore"):
        ln_hazard = np.log(hazard)
    target = math.log(math.log(2.0))
    result = np.full(len(theta), np.nan)
    increasing = np.all(np.diff(hazard, axis=1) >= -1e-12 * (1 + hazard[:, 1:]), axis=1)
    above = ln_hazard[:, -1] < target
    below = ln_hazard[:, 0] >= target
    result[increasing & above] = np.inf
    result[increasing & below] = 0.0
    rows = np.where(increasing & ~above & ~below)[0]
    if len(rows):
        crossing = ln_hazard[rows] >= target
        index = np.argmax(crossing, axis=1)
        y0 = ln_hazard[rows, index - 1]
        y1 = ln_hazard[rows, index]
        x0, x1 = ln_size[index - 1], ln_size[index]
        with np.errstate(invalid="ignore"):
            fraction = np.where(np.isfinite(y0), (target - y0) / (y1 - y0), 1.0)
        result[rows] = np.exp(x0 + np.clip(fraction, 0.0, 1.0) * (x1 - x0))
    return result


@dataclass
class ParameterInterval:
    """A parameter's estimate and profile-likelihood interval; ``open_lower`` /
    ``open_upper``: that end reached the search bound (the data do not bound it)."""

    name: str
    unit: str
    estimate: float
    lower: float
    upper: float
    open_lower: bool
    open_upper: bool
    at_edge: bool

    @property
    def status(self) -> str:
        if self.at_edge:
            return "not resolved (the maximum lies at the edge of the search range)"
        if self.open_lower or self.open_upper:
            return "open (the likelihood does not bound it on the " + (
                "low and high sides)" if self.open_lower and self.open_upper else
                "low side)" if self.open_lower else "high side)")
        return "resolved"


@dataclass
class ModelFit:
    """One form fitted to the training runs."""

    form: HazardForm
    theta: np.ndarray
    log_likelihood: float
    intervals: list[ParameterInterval]
    runs: Runs
    melting: MeltingLaw | None
    confidence: float
    region: np.ndarray | None = None
    region_boundary_rows: int = 0
    """How many of the region's last rows are :attr:`boundary_sets` (not drawn)."""
    boundary_sets: np.ndarray | None = None
    """The parameter sets at the closed ends of the profile intervals (each on the region's
    edge, extreme in its parameter): added to the region's sets, so that its bands reach
    every interval's ends."""

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return parameter_names(self.form)

    @property
    def n_parameters(self) -> int:
        """Free parameters, the melting law's two counted (both forms are compared on the
        incubation runs and the melting curves together)."""
        return len(self.form.parameter_names) + 1 + 2

    @property
    def aic(self) -> float:
        return 2 * self.n_parameters - 2 * self.log_likelihood

    @property
    def resolved(self) -> bool:
        return all(interval.status == "resolved" for interval in self.intervals)

    @property
    def aicc(self) -> float:
        """AIC with the small-sample correction (n: the training runs)."""
        k, n = self.n_parameters, len(self.runs)
        return self.aic + (2 * k * (k + 1) / (n - k - 1) if n > k + 1 else math.inf)

    def runs_on_floor(self, runs: Runs | None = None) -> tuple[int, int]:
        """(runs, ordered runs) whose rate sits on :data:`LOG_RATE_FLOOR` at the maximum."""
        runs = self.runs if runs is None else runs
        log_rate = _log_rate(self.form, self.theta, runs.size_atoms, runs.temperature_K)[0][0]
        floor = log_rate <= LOG_RATE_FLOOR + 1e-9
        return int(floor.sum()), int((floor & runs.ordered).sum())

    def held_out_log_likelihood_region(self, runs: Runs) -> float:
        """ln of the held-out runs' likelihood averaged over the likelihood region's
        parameter sets (the melting term excluded): unlike the value at the maximum, not
        decided by a parameter the training runs leave unbounded."""
        if len(runs) == 0 or self.region is None:
            return float("nan")
        values = log_likelihood(self.form, self.region, runs, self.melting, with_melting=False)
        finite = values[np.isfinite(values)]
        if len(finite) == 0:
            return float("-inf")
        top = float(np.max(finite))
        return top + math.log(float(np.mean(np.exp(values - top))))

    def held_out_log_likelihood(self, runs: Runs) -> float:
        """Log-likelihood of other runs at this fit's maximum (the melting term excluded)."""
        if len(runs) == 0:
            return float("nan")
        return float(log_likelihood(self.form, self.theta, runs, self.melting,
                                    with_melting=False)[0])


def _bounds(form: HazardForm, melting: MeltingLaw | None) -> list[tuple[float, float]]:
    bounds = [*form.bounds, LAG_BOUNDS]
    if form.uses_melting:
        assert melting is not None
        sd = np.sqrt(np.diag(melting.covariance_K2))
        bounds += [(c - 8 * s, c + 8 * s) for c, s in zip(melting.coefficients, sd, strict=True)]
    return bounds


def _maximise(objective: Callable[[np.ndarray], float], starts: Sequence[np.ndarray],
              bounds: Sequence[tuple[float, float]]) -> tuple[np.ndarray, float]:
    """Maximise ``objective`` from each start (Nelder-Mead, then L-BFGS-B inside bounds)."""
    best_x, best_value = None, -np.inf
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])

    def negative(x: np.ndarray) -> float:
        x = np.clip(x, lower, upper)
        value = objective(x)
        return -value if np.isfinite(value) else 1e300

    for start in starts:
        x0 = np.clip(np.asarray(start, float), lower, upper)
        if not np.isfinite(objective(x0)):
            continue
        simplex = optimize.minimize(negative, x0, method="Nelder-Mead",
                                    options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-9})
        polished = optimize.minimize(negative, np.clip(simplex.x, lower, upper),
                                     method="L-BFGS-B", bounds=list(bounds))
        for x in (np.clip(simplex.x, lower, upper), polished.x):
            value = objective(x)
            if value > best_value:
                best_x, best_value = x, value
    if best_x is None:
        raise ValueError("no start gives a finite likelihood: the runs are impossible under "
                         "this form (an ordered run at or above its own melting point?)")
    return np.asarray(best_x), float(best_value)


def _starts(form: HazardForm, runs: Runs, melting: MeltingLaw | None) -> list[np.ndarray]:
    base = list(form.start(runs, melting))
    starts = []
    for ln_lag in (math.log(5.0), math.log(30.0), math.log(150.0)):
        for shift in (0.0, 2.0) if form.uses_melting else (0.0,):
            theta = [*base, ln_lag]
            if form.uses_melting:
                assert melting is not None
                theta[0] += shift * 2
                theta[1] += shift
                theta += list(melting.coefficients)
            starts.append(np.array(theta))
    if not form.uses_melting:
        starts.append(np.array([base[0], 0.0, -1.0, math.log(30.0)]))
    return starts


class _BetterMaximum(Exception):
    """A profile found a higher likelihood than the fit's maximum: refit from there."""

    def __init__(self, theta: np.ndarray) -> None:
        super().__init__("a higher maximum")
        self.theta = theta


def _profile(form: HazardForm, runs: Runs, melting: MeltingLaw | None, theta_hat: np.ndarray,
             ll_hat: float, index: int, level: float, bounds: Sequence[tuple[float, float]],
             boundary: list[np.ndarray] | None = None) -> tuple[float, float, bool, bool]:
    """The profile-likelihood interval of parameter ``index``; raises :class:`_BetterMaximum`
    where the profile climbs above ``ll_hat`` (the fit's maximum was not the maximum).  The
    full parameter sets at the interval's closed ends are appended to ``boundary``."""
    others = [i for i in range(len(theta_hat)) if i != index]
    other_bounds = [bounds[i] for i in others]
    warm = {"x": theta_hat[others]}

    def profile(value: float) -> float:
        def objective(rest: np.ndarray) -> float:
            theta = np.empty(len(theta_hat))
            theta[index] = value
            theta[others] = rest
            return float(log_likelihood(form, theta[None, :], runs, melting)[0])

        rest, best = _maximise(objective, [warm["x"], theta_hat[others]], other_bounds)
        warm["x"] = rest
        if best > ll_hat + 1e-6:
            theta = np.empty(len(theta_hat))
            theta[index] = value
            theta[others] = rest
            raise _BetterMaximum(theta)
        return best

    def gap(value: float) -> float:
        return ll_hat - profile(value) - level

    ends, opened = [], []
    for direction in (-1, 1):
        warm["x"] = theta_hat[others]
        limit = bounds[index][0] if direction < 0 else bounds[index][1]
        span = abs(limit - theta_hat[index])
        inner, step = theta_hat[index], max(0.05 * span, 1e-3)
        found = None
        while True:
            outer = theta_hat[index] + direction * min(step, span)
            if gap(outer) > 0:
                try:
                    found = optimize.brentq(gap, min(inner, outer), max(inner, outer),
                                            xtol=1e-4)
                except ValueError:  # the warm-started profile is not monotone here
                    found = outer
                if boundary is not None:
                    profile(found)
                    theta = np.empty(len(theta_hat))
                    theta[index] = found
                    theta[others] = warm["x"]
                    boundary.append(theta)
                break
            if step >= span:
                break
            inner, step = outer, step * 2.0
        ends.append(found if found is not None else limit)
        opened.append(found is None)
    return ends[0], ends[1], opened[0], opened[1]


def fit_model(form: HazardForm, runs: Runs, melting: MeltingLaw | None = None,
              confidence: float = 0.95, profile: bool = True) -> ModelFit:
    """Maximum-likelihood fit of ``form`` to ``runs`` with profile-likelihood intervals."""
    if len(runs) == 0:
        raise ValueError("no runs to fit")
    if form.uses_melting and melting is None:
        raise ValueError(f"the {form.name} form needs the size-dependent melting law")
    bounds = _bounds(form, melting)

    def objective(theta: np.ndarray) -> float:
        return float(log_likelihood(form, theta[None, :], runs, melting)[0])

    starts = _starts(form, runs, melting)
    for _attempt in range(4):
        theta_hat, ll_hat = _maximise(objective, starts, bounds)
        boundary: list[np.ndarray] = []
        try:
            intervals = _intervals(form, runs, melting, theta_hat, ll_hat, confidence, bounds,
                                   profile, boundary)
            break
        except _BetterMaximum as better:
            starts = [better.theta, *starts]
    else:
        raise RuntimeError(f"the {form.name} form: the profiles kept finding higher maxima")
    return ModelFit(form, theta_hat, ll_hat, intervals, runs, melting, confidence,
                    boundary_sets=np.array(boundary) if boundary else None)


def _intervals(form: HazardForm, runs: Runs, melting: MeltingLaw | None, theta_hat: np.ndarray,
               ll_hat: float, confidence: float, bounds: Sequence[tuple[float, float]],
               profile: bool, boundary: list[np.ndarray] | None = None
               ) -> list[ParameterInterval]:
    level = stats.chi2.ppf(confidence, 1) / 2
    names = parameter_names(form)
    units = (*form.parameter_units, "ln(ps)", *(("K", "K") if form.uses_melting else ()))
    intervals = []
    for index, (name, unit) in enumerate(zip(names, units, strict=True)):
        low, high = bounds[index]
        at_edge = min(theta_hat[index] - low, high - theta_hat[index]) <= EDGE_TOLERANCE * (
            high - low)
        if profile:
            lower, upper, open_lower, open_upper = _profile(
                form, runs, melting, theta_hat, ll_hat, index, level, bounds, boundary)
        else:
            lower = upper = float("nan")
            open_lower = open_upper = False
        intervals.append(ParameterInterval(name, unit, float(theta_hat[index]), float(lower),
                                           float(upper), open_lower, open_upper, at_edge))
    return intervals


def _hessian(function: Callable[[np.ndarray], float], x: np.ndarray, steps: np.ndarray
             ) -> np.ndarray:
    n = len(x)
    hessian = np.empty((n, n))
    f0 = function(x)
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = steps[i]
            ej[j] = steps[j]
            if i == j:
                value = (function(x + ei) - 2 * f0 + function(x - ei)) / steps[i] ** 2
            else:
                value = (function(x + ei + ej) - function(x + ei - ej) - function(x - ei + ej)
                         + function(x - ei - ej)) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return hessian


def likelihood_region(fit: ModelFit, samples: int = 20000, seed: int = 0,
                      spread: float = 1.5, rounds: int = 4) -> np.ndarray:
    """Parameter sets inside the profile-likelihood region of ``fit`` (rows ``(m, p)``, the
    maximum first): drawn from a normal of ``spread`` times the covariance the likelihood's
    curvature gives (widened, where a parameter's profile interval is wider, to that
    interval), kept where ``2 (l_max - l) <= chi2_1(confidence)``; each of ``rounds`` rounds
    draws from the covariance of the region found so far, widened (the curvature at the
    maximum describes a likelihood that is far from quadratic badly).  The range of a derived
    quantity over these rows is its profile-likelihood interval (from inside)."""
    bounds = np.array(_bounds(fit.form, fit.melting))
    theta_hat = fit.theta

    def objective(theta: np.ndarray) -> float:
        return float(log_likelihood(fit.form, theta[None, :], fit.runs, fit.melting)[0])

    steps = np.maximum(1e-4 * (bounds[:, 1] - bounds[:, 0]), 1e-5)
    hessian = _hessian(objective, theta_hat, steps)
    try:
        covariance = np.linalg.inv(-hessian)
        np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:
        covariance = np.diag(((bounds[:, 1] - bounds[:, 0]) / 20) ** 2)
    sd = np.sqrt(np.diag(covariance))
    profile_half = np.array([max(abs(i.upper - i.estimate), abs(i.estimate - i.lower)) / 1.96
                             if np.isfinite(i.lower) else s
                             for i, s in zip(fit.intervals, sd, strict=True)])
    scale = np.maximum(profile_half / sd, 1.0)
    covariance = covariance * np.outer(scale, scale) * spread**2
    rng = np.random.default_rng(seed)
    level = stats.chi2.ppf(fit.confidence, 1) / 2
    kept_parts = []
    for _ in range(rounds):
        draws = rng.multivariate_normal(theta_hat, covariance, size=samples // rounds)
        draws = np.clip(draws, bounds[:, 0], bounds[:, 1])
        ll = log_likelihood(fit.form, draws, fit.runs, fit.melting)
        kept_parts.append(draws[fit.log_likelihood - ll <= level])
        kept = np.vstack(kept_parts)
        if len(kept) > len(theta_hat) + 1:
            # the next round's proposal: the region found so far, widened
            covariance = np.cov(kept, rowvar=False) * spread**2 + np.diag(
                (1e-6 * (bounds[:, 1] - bounds[:, 0])) ** 2)
    fit.region_boundary_rows = 0
    if fit.boundary_sets is not None:
        edge = log_likelihood(fit.form, fit.boundary_sets, fit.runs, fit.melting)
        kept_parts.append(fit.boundary_sets[fit.log_likelihood - edge <= level * 1.001])
        fit.region_boundary_rows = len(kept_parts[-1])
    region = np.vstack([theta_hat[None, :], *kept_parts])
    fit.region = region
    return region


MIN_REGION_SETS_PER_PARAMETER = 50
"""Fewer parameter sets than this per parameter in the likelihood region: its bands are open."""


def region_reach(fit: ModelFit) -> list[float]:
    """For each parameter, the share of its profile interval the region's *drawn* sets span
    (1: the whole interval; the profile ends are added to the region besides, but a derived
    quantity's extremes lie elsewhere on the region's edge, reached only by draws, so a share
    well below 1 makes its band too narrow).  NaN where the interval is open."""
    if fit.region is None:
        raise ValueError("likelihood_region(fit) first")
    drawn = fit.region[:len(fit.region) - fit.region_boundary_rows]
    shares = []
    for index, interval in enumerate(fit.intervals):
        width = interval.upper - interval.lower
        if interval.open_lower or interval.open_upper or not width > 0:
            shares.append(float("nan"))
            continue
        column = drawn[:, index]
        shares.append(float((column.max() - column.min()) / width))
    return shares


def region_adequate(fit: ModelFit, min_reach: float = 0.85) -> bool:
    """Whether the region's sets are enough, and spread enough, for bands to be quoted as
    resolved: at least :data:`MIN_REGION_SETS_PER_PARAMETER` per parameter, and every resolved
    parameter's interval spanned to ``min_reach``."""
    if fit.region is None:
        return False
    enough = len(fit.region) - 1 >= MIN_REGION_SETS_PER_PARAMETER * len(fit.theta)
    reach = [share for share in region_reach(fit) if not math.isnan(share)]
    return enough and all(share >= min_reach for share in reach)


def simulate_runs(form: HazardForm, theta: np.ndarray, sizes_atoms: Sequence[float],
                  temperatures_K: Sequence[float], replicas: int, hold_ps: float,
                  seed: int = 0) -> Runs:
    """Synthetic runs drawn from a known hazard (for tests): each size x temperature x
    replica orders at a time drawn by inverting ``H(t) = E`` (E exponential), censored at
    ``hold_ps``."""
    rng = np.random.default_rng(seed)
    size, temperature = (np.repeat(a.ravel(), replicas) for a in np.meshgrid(
        np.asarray(sizes_atoms, float), np.asarray(temperatures_K, float)))
    draw = rng.exponential(size=len(size))
    theta = np.atleast_2d(theta)
    hold = cumulative_hazard(form, theta, size, temperature, np.full(len(size), hold_ps))[0]
    ordered = draw < hold
    time = np.full(len(size), float(hold_ps))
    for i in np.where(ordered)[0]:
        def gap(t: float, i: int = i) -> float:
            return float(cumulative_hazard(form, theta, size[i:i + 1], temperature[i:i + 1],
                                           np.array([t]))[0, 0]) - draw[i]

        time[i] = optimize.brentq(gap, 1e-9, hold_ps)
    return Runs(size, temperature, time, ordered, np.full(len(size), "synthetic", dtype=object),
                np.full(len(size), float(hold_ps)))
