"""Censored mean first-passage times and Wedekind fits on synthetic data with known answers.

The synthetic data are a 1-D cluster-size chain (Metropolis moves n -> n +- 1, as in
tests/test_statistics.py) on the classical-nucleation free energy
``G(n)/kT = -a n + b n^(2/3)``, whose barrier top is ``n* = (2b / 3a)^3`` by construction,
started at n = 1 and absorbed at ``n_max`` (the whole droplet).  As in MD, the chain is only
seen on frames, every ``frame_steps`` steps, and each replica for a finite time, so that a
fifth to two fifths of the replicas never transform (right-censored).

The frames are sampled exactly without stepping through every frame: the running maximum of
the frame-sampled chain only changes at record frames, and the wait for the next record is
a phase-type distribution of the frame chain ``Q = P^frame_steps`` restricted to the sizes
not above the current maximum.  The chain is reversible, so that restriction is diagonalised
once per maximum (symmetrised with the Boltzmann weights) and the wait and the size reached
are drawn from its spectral form.  The record frames are a sufficient statistic of the
first passages; they go through :func:`first_passage_times` like an MD structure table.
:func:`test_synthetic_chain_reproduces_the_exact_mfpt` checks the sampler against the exact
mean first-passage times of the step chain.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

# the sampler diagonalises many small matrices: threaded BLAS only slows that down on a
# shared machine (no effect if numpy was imported before this module)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from glassy_li.analysis.incubation import GROUP_KEYS
from glassy_li.analysis.mfpt import (
    censored_mean_first_passage,
    droplet_volume_nm3,
    first_passage_times,
    fit_mfpt,
    mfpt_table,
    wedekind_tau,
)
from glassy_li.core.units import AVOGADRO_PER_MOL
from glassy_li.md.system import box_edge_A

STEP_PS = 0.01
"""Synthetic time step (ps)."""


# --------------------------------------------------------------------------------------------
# Synthetic barrier crossing
# --------------------------------------------------------------------------------------------
def free_energy_kT(n: np.ndarray, a: float, n_star: float) -> np.ndarray:
    """G(n)/kT = -a n + b n^(2/3) with b = 1.5 a n*^(1/3): the maximum sits at n*."""
    b = 1.5 * a * n_star ** (1 / 3)
    return -a * n + b * n ** (2 / 3)


def slope_for_barrier(n_star: float, barrier_kT: float) -> float:
    """``a`` for which G(n*) - G(1) = ``barrier_kT``."""
    def excess(a: float) -> float:
        g = free_energy_kT(np.array([1.0, n_star]), a, n_star)
        return float(g[1] - g[0]) - barrier_kT
    return float(optimize.brentq(excess, 1e-3, 10.0))


def step_matrix(a: float, n_star: float, n_max: int) -> np.ndarray:
    """Metropolis transition matrix on sizes 1..n_max, n_max absorbing."""
    g = free_energy_kT(np.arange(1, n_max + 1, dtype=float), a, n_star)
    up = 0.5 * np.minimum(1.0, np.exp(-np.diff(g)))
    down = 0.5 * np.minimum(1.0, np.exp(np.diff(g)))
    p = np.zeros((n_max, n_max))
    i = np.arange(n_max - 1)
    p[i, i + 1] = up
    p[i[1:], i[1:] - 1] = down[:-1]
    p[-1] = 0.0
    p[np.arange(n_max), np.arange(n_max)] = 1.0 - p.sum(axis=1)
    return p


def exact_mfpt_steps(a: float, n_star: float, n_max: int) -> np.ndarray:
    """Exact mean first-passage time (steps) of the step chain from 1 to each n = 1..n_max."""
    p = step_matrix(a, n_star, n_max)
    wait = np.zeros(n_max - 1)  # mean time from j to j + 1
    for j in range(n_max - 1):
        back = p[j, j - 1] * wait[j - 1] if j else 0.0
        wait[j] = (1.0 + back) / p[j, j + 1]
    return np.concatenate([[0.0], np.cumsum(wait)])


class FrameSampledChain:
    """The chain seen every ``frame_steps`` steps; exact record frames of its running max."""

    def __init__(self, a: float, n_star: float, n_max: int, frame_steps: int):
        self.q = np.linalg.matrix_power(step_matrix(a, n_star, n_max), frame_steps)
        g = free_energy_kT(np.arange(1, n_max, dtype=float), a, n_star)
        self.root = np.exp(-(g - g.min()) / 2)  # sqrt of the Boltzmann weights (transient)
        sym = self.root[:, None] * self.q[:-1, :-1] / self.root[None, :]
        self.sym = 0.5 * (sym + sym.T)
        self.n_max = n_max

    @functools.cache  # noqa: B019 (one chain per cached data set)
    def spectrum(self, state: int) -> tuple[np.ndarray, ...]:
        """Frame chain on sizes 0..state (running max at ``state``), diagonalised: its
        eigenvalues, the survival weights from ``state``, the start row and the exits."""
        m = state + 1
        lam, u = np.linalg.eigh(self.sym[:m, :m])
        start = u[state] / self.root[state]
        to_sizes = u.T * self.root[None, :m]
        return lam, start * to_sizes.sum(axis=1), start, to_sizes @ self.q[:m, m:]

    def records(self, frames: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Frames (from 0) at which the running max changes, and its new values (sizes)."""
        state, frame = 0, 0
        at, size = [0], [1]
        while state < self.n_max - 1 and frame < frames:
            lam, weights, start, exits = self.spectrum(state)
            u = rng.random()
            budget = frames - frame
            if weights @ lam**budget >= u:  # no new record before the end of observation
                break
            lo, hi = 0, budget
            while hi - lo > 1:  # first frame at which the survival drops below u
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if weights @ lam**mid >= u else (lo, mid)
            cumulative = np.cumsum(np.clip((start * lam ** (hi - 1)) @ exits, 0.0, None))
            state += 1 + int(np.searchsorted(cumulative, rng.random() * cumulative[-1]))
            frame += hi
            at.append(frame)
            size.append(state + 1)
        return np.array(at), np.array(size)


@dataclass(frozen=True)
class Synthetic:
    """Replicas of the frame-sampled chain, each observed for a finite time."""

    n_star: float
    barrier_kT: float
    a: float
    n_max: int
    passages_ps: np.ndarray
    observed_ps: np.ndarray
    sizes: np.ndarray
    records: tuple[tuple[np.ndarray, np.ndarray], ...]
    """(record times (ps), record sizes) per replica."""
    exact_tau_ps: np.ndarray
    """Exact MFPT of the step chain to each size (continuous observation)."""

    @property
    def n_censored(self) -> int:
        """Replicas that never reached n_max (never transformed)."""
        return int(np.isnan(self.passages_ps[:, -1]).sum())

    @property
    def zeldovich(self) -> float:
        """sqrt(|G''(n*)| / 2 pi) of the barrier."""
        return math.sqrt(self.a / (3 * self.n_star) / (2 * math.pi))


@functools.cache
def synthetic(
    n_star: float, barrier_kT: float, frame_steps: int = 5, n_replicas: int = 60,
    observed_in_tau: tuple[float, float] = (0.8, 2.0), seed: int = 0,
) -> Synthetic:
    """Replicas observed for uniform(``observed_in_tau``) times the exact MFPT to n_max."""
    a = slope_for_barrier(n_star, barrier_kT)
    n_max = round(2.5 * n_star)
    exact = exact_mfpt_steps(a, n_star, n_max) * STEP_PS
    chain = FrameSampledChain(a, n_star, n_max, frame_steps)
    rng = np.random.default_rng(seed)
    frame_ps = frame_steps * STEP_PS
    frames = np.floor(rng.uniform(*observed_in_tau, n_replicas) * exact[-1] / frame_ps)
    sizes = np.arange(1, n_max + 1)
    records, passages = [], []
    for budget in frames.astype(int):
        at, size = chain.records(budget, rng)
        records.append((at * frame_ps, size))
        passages.append(first_passage_times(at * frame_ps, size, sizes))
    return Synthetic(n_star, barrier_kT, a, n_max, np.array(passages), frames * frame_ps,
                     sizes, tuple(records), exact)


# --------------------------------------------------------------------------------------------
# First passages and the censored estimator
# --------------------------------------------------------------------------------------------
def test_first_passage_times_read_the_running_maximum():
    t = np.arange(6.0)
    largest = np.array([0, 3, 2, 4, np.nan, 9])
    np.testing.assert_array_equal(
        first_passage_times(t, largest, np.array([1, 3, 4, 9, 10])), [1, 1, 3, 5, np.nan]
    )


def test_censored_mfpt_counts_every_replica():
    # replica 0 is observed for 3 ps and never reaches 4 atoms; its passage at 5 ps to 5
    # atoms lies after its observation and counts as censored too
    passages = np.array([[0.0, 1.0, 2.0, np.nan, 5.0], [0.0, 2.0, 4.0, 6.0, 8.0]])
    tau, reached = censored_mean_first_passage(passages, np.array([3.0, 10.0]))
    np.testing.assert_array_equal(reached, [2, 2, 2, 1, 1])
    np.testing.assert_allclose(tau[:3], [0.0, 1.5, 3.0])  # all passed: the plain mean
    np.testing.assert_allclose(tau[3:], [(3.0 + 6.0) / 1, (3.0 + 8.0) / 1])
    tau, reached = censored_mean_first_passage(np.array([[np.nan], [np.nan]]), 4.0)
    assert np.isnan(tau[0]) and reached[0] == 0
    with pytest.raises(ValueError, match="observed_ps"):
        censored_mean_first_passage(passages, np.array([3.0, np.nan]))


def test_censored_mfpt_is_the_exponential_mle():
    """Exponential waits censored at finite times: the estimate finds the mean, the mean
    of the replicas that passed (what a cut at the passing replicas gives) does not."""
    rng = np.random.default_rng(3)
    mean_ps = 100.0
    waits = rng.exponential(mean_ps, 4000)
    observed = rng.uniform(50.0, 200.0, 4000)
    passages = np.where(waits <= observed, waits, np.nan)[:, None]
    tau, reached = censored_mean_first_passage(passages, observed)
    assert 0.3 < 1 - reached[0] / 4000 < 0.5  # censored fraction
    assert tau[0] == pytest.approx(mean_ps, rel=4 / math.sqrt(reached[0]))
    assert np.nanmean(passages) < 0.7 * mean_ps


def test_synthetic_chain_reproduces_the_exact_mfpt():
    """The frame sampler, seen on every step and without censoring, gives the exact MFPT."""
    data = synthetic(15, 6.0, frame_steps=1, n_replicas=300, observed_in_tau=(30, 31), seed=4)
    assert data.n_censored == 0
    mean = data.passages_ps.mean(axis=0)
    error = data.passages_ps.std(axis=0) / math.sqrt(300)
    for n in (5, 10, 15, 20, 30, data.n_max):
        assert abs(mean[n - 1] - data.exact_tau_ps[n - 1]) < 4 * error[n - 1] + 1e-9, n


# --------------------------------------------------------------------------------------------
# Validation: the fit recovers a known critical size from censored, frame-sampled replicas
# --------------------------------------------------------------------------------------------
SETTINGS = [(15, 6.0), (25, 8.0), (40, 10.0), (30, 12.0)]
"""(n*, barrier in kT) of the synthetic barriers."""


@pytest.mark.validation  # recovery of a known N* from simulated chains
@pytest.mark.parametrize(("n_star", "barrier_kT"), SETTINGS)
def test_fit_recovers_a_known_critical_size_from_censored_replicas(n_star, barrier_kT):
    """60 replicas, frames every 5 steps, observed 0.8-2 times the MFPT past the barrier.

    Over other seeds (12-24 data sets per setting) the 95% interval held the true n* in
    75-100% of them at this frame spacing, 71-92% with a frame every step."""
    data = synthetic(n_star, barrier_kT)
    assert 0.2 <= data.n_censored / 60 <= 0.4
    fit = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_atoms=data.n_max,
                   droplet_volume_nm3=1.0, n_bootstrap=100)
    assert fit.fitted, fit.note
    lo, hi = fit.n_star_interval
    assert lo <= n_star <= hi
    assert 1.0 <= lo and hi <= fit.fit_max_atoms
    assert hi - lo < 0.6 * n_star
    assert abs(fit.n_star - n_star) < 0.15 * n_star
    # the plateau is the MFPT past the barrier (the growth beyond it is fast here)
    assert fit.tau_J == pytest.approx(data.exact_tau_ps[-1], rel=0.35)
    assert fit.tau_J_interval[0] <= fit.tau_J <= fit.tau_J_interval[1]
    assert fit.zeldovich == pytest.approx(data.zeldovich, rel=0.4)
    assert fit.n_crossed == 60 - data.n_censored
    assert fit.n_bootstrap_kept + fit.n_bootstrap_dropped == 100


def old_every_replica_fit(passages_ps: np.ndarray, sizes: np.ndarray) -> tuple[float, int]:
    """The replaced estimate: tau(n) averaged where every replica reached n, eq. 8 fitted
    there (as statistics.fit_mfpt did); returns n* and the last size kept."""
    every = np.all(np.isfinite(passages_ps), axis=0)
    n, tau = sizes[every].astype(float), passages_ps[:, every].mean(axis=0)
    span = float(np.ptp(n))
    p0 = (tau.max(), n[np.argmin(np.abs(tau - tau.max() / 2))],
          1 / (math.sqrt(math.pi) * max(span / 10, 1.0)))
    bounds = ([0.0, n.min() - span, 1e-6], [np.inf, n.max() + span, 10.0])
    params, _ = optimize.curve_fit(wedekind_tau, n, tau, p0=p0, bounds=bounds, maxfev=20000)
    return float(params[1]), int(n.max())


def test_coarse_frames_put_n_star_low():
    """The known limit: frames every 100 steps, longer than the ~70 steps the size takes to
    diffuse across this barrier's top, miss the visits below n* and the fit comes out low."""
    fine = fit_mfpt(*_inputs(synthetic(15, 6.0)), n_atoms=38, n_bootstrap=40)
    coarse = fit_mfpt(*_inputs(synthetic(15, 6.0, frame_steps=100)), n_atoms=38,
                      n_bootstrap=40)
    assert coarse.fitted and coarse.n_star_interval[1] < 15 < fine.n_star_interval[1]
    assert coarse.n_star < fine.n_star - 3


def _inputs(data: Synthetic) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return data.passages_ps, data.sizes, data.observed_ps


def test_every_replica_cut_cannot_see_the_barrier():
    """The old estimate kept only sizes that every replica reached: on censored data it ends
    below n*, its n* is far too small, the replicas that did pass are the fast ones, and the
    new rules refuse a fit to such a cut (its plateau lies beyond what any replica reached)."""
    for n_star, barrier_kT in SETTINGS:
        data = synthetic(n_star, barrier_kT)
        old_n_star, last = old_every_replica_fit(data.passages_ps, data.sizes)
        assert last < n_star
        assert old_n_star < 0.85 * n_star
        passed = data.passages_ps[:, -1]
        assert np.nanmean(passed) < 0.8 * data.exact_tau_ps[-1]
        tau, _ = censored_mean_first_passage(data.passages_ps, data.observed_ps)
        assert tau[-1] == pytest.approx(data.exact_tau_ps[-1], rel=0.35)
        cut = fit_mfpt(data.passages_ps[:, :last], data.sizes[:last], data.observed_ps,
                       n_bootstrap=0, window_widths=None)
        assert not cut.fitted and cut.note.endswith("no transition")


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------
def test_series_without_transition_gets_no_fit():
    """A 30 kT barrier: six replicas fluctuate at a few atoms and never cross."""
    data = synthetic(40, 30.0, n_replicas=6, observed_in_tau=(1e-6, 2e-6), seed=1)
    assert data.n_censored == 6
    fit = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_atoms=data.n_max,
                   n_bootstrap=20)
    assert not fit.fitted
    assert fit.note.startswith("no fit: ")
    assert math.isnan(fit.tau_J) and math.isnan(fit.rate_per_atom_per_ps)
    flagged = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_transformed=0)
    assert flagged.note == "no fit: 0 of 6 replicas transformed, fewer than 2"


def test_no_transition_note_names_the_replicas():
    data = synthetic(40, 30.0, n_replicas=6, observed_in_tau=(1e-6, 2e-6), seed=0)
    fit = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_atoms=data.n_max,
                   n_bootstrap=20)
    assert "no fit: 0 of 6 replicas reached the end of the fitted plateau" in fit.note
    assert fit.n_crossed == 0 and fit.plateau_atoms > 0


def test_n_star_is_never_below_one_atom():
    # every size is reached at once after an exponential wait: the rise sits below 1 atom
    rng = np.random.default_rng(5)
    sizes = np.arange(1, 31)
    waits = rng.exponential(100.0, 20)
    passages = waits[:, None] + 0.5 * sizes[None, :]
    fit = fit_mfpt(passages, sizes, np.full(20, 1e4), n_atoms=30, n_bootstrap=20)
    assert not fit.fitted
    assert "n_star = 1 at its lower bound 1" in fit.note
    # and on real data the fit and all of its interval stay at or above 1 atom
    data = synthetic(15, 6.0)
    fit = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_atoms=data.n_max,
                   n_bootstrap=30)
    assert fit.n_star >= 1 and fit.n_star_interval[0] >= 1


def test_fit_at_a_bound_is_refused():
    # tau(n) rising exponentially to the largest size: the fit runs into n* = n_max
    rng = np.random.default_rng(6)
    sizes = np.arange(1, 31)
    passages = rng.exponential(1.0, 20)[:, None] * np.exp(sizes[None, :] / 5)
    fit = fit_mfpt(passages, sizes, np.full(20, 1e6), n_atoms=30, n_bootstrap=20)
    assert not fit.fitted
    assert "fit at a bound: n_star = 30 at its upper bound 30" in fit.note


def test_unresolved_or_plateau_free_rise_is_refused():
    rng = np.random.default_rng(7)
    sizes = np.arange(1, 31)
    waits = rng.exponential(100.0, 20)[:, None]
    step = np.where(sizes[None, :] <= 10, 0.0, waits)  # rises between two sizes
    fit = fit_mfpt(step, sizes, np.full(20, 1e6), n_atoms=30, n_bootstrap=20)
    assert "n* and Z are not resolved" in fit.note and not fit.fitted
    linear = waits * sizes[None, :] / 10  # no plateau within the data
    fit = fit_mfpt(linear, sizes, np.full(20, 1e6), n_atoms=30, n_bootstrap=20)
    assert "no plateau in the data" in fit.note and not fit.fitted


def test_too_few_replicas_and_refused_refits_are_reported():
    data = synthetic(15, 6.0)
    few = fit_mfpt(data.passages_ps[:3], data.sizes, data.observed_ps[:3])
    assert few.note == "no fit: 3 replicas, fewer than the minimum 5"
    # ten replicas: some resamples hold too few transitions or fit at a bound; they are
    # dropped, counted and said, and the interval of the rest stays within [1, n_max]
    fit = fit_mfpt(data.passages_ps[:10], data.sizes, data.observed_ps[:10],
                   n_atoms=data.n_max, n_bootstrap=60)
    assert fit.fitted and fit.n_bootstrap_dropped > 0
    assert fit.n_bootstrap_kept + fit.n_bootstrap_dropped == 60
    assert f"bootstrap: {fit.n_bootstrap_dropped} of 60 refits dropped" in fit.note
    lo, hi = fit.n_star_interval
    assert 1.0 <= lo <= fit.n_star <= hi <= fit.fit_max_atoms
    assert lo <= 15 <= hi


# --------------------------------------------------------------------------------------------
# Rates per droplet volume and per atom
# --------------------------------------------------------------------------------------------
def test_droplet_volume_is_the_atoms_at_bulk_density():
    volume = droplet_volume_nm3(1000, 6.94, 0.534)
    assert volume == pytest.approx(1000 * 6.94 / AVOGADRO_PER_MOL / 0.534 * 1e21)
    assert volume == pytest.approx(21.58, rel=1e-3)  # 0.0216 nm^3 per Li atom
    # the periodic box at a tenth of the bulk density is ten times larger
    box_nm3 = box_edge_A(1000, 6.94, 0.0534) ** 3 / 1000
    assert box_nm3 == pytest.approx(10 * volume)
    with pytest.raises(ValueError):
        droplet_volume_nm3(0, 6.94, 0.534)


def test_rates_are_per_droplet_volume_and_per_atom():
    data = synthetic(15, 6.0)
    volume = droplet_volume_nm3(data.n_max, 6.94, 0.534)
    fit = fit_mfpt(data.passages_ps, data.sizes, data.observed_ps, n_atoms=data.n_max,
                   droplet_volume_nm3=volume, n_bootstrap=30)
    assert fit.droplet_volume_nm3 == volume
    assert fit.rate_per_nm3_per_ps == pytest.approx(1 / (fit.tau_J * volume))
    assert fit.rate_per_atom_per_ps == pytest.approx(1 / (fit.tau_J * data.n_max))
    assert fit.rate_interval == pytest.approx(
        (1 / (fit.tau_J_interval[1] * volume), 1 / (fit.tau_J_interval[0] * volume)))
    lo, hi = fit.rate_per_atom_interval
    assert lo <= fit.rate_per_atom_per_ps <= hi


# --------------------------------------------------------------------------------------------
# Campaign table
# --------------------------------------------------------------------------------------------
REFERENCE_PS = 30.0


GROUP_VALUES: dict[str, object] = {
    "group": "grid", "metal": "Li", "initial_state": "gas", "potential": "p",
    "packing_density_g_cm3": 0.0534, "heat_temperature_K": 500.0,
    "final_temperature_K": 300.0, "thermostat": "nose-hoover", "thermostat_damping_ps": 0.1,
    "atom_flux_atoms_per_ps": 0.0,
}


def campaign_row(size: int, replica: int, transformed: str) -> dict[str, object]:
    """One run of the campaign table (``transformed`` as the string the TSV holds)."""
    row: dict[str, object] = {key: GROUP_VALUES.get(key, "any") for key in GROUP_KEYS}
    row.update(ensemble_size_atoms=size, run_id=f"N-{size}/rep-{replica}", mass_amu=6.94,
               transformed=transformed, reference_time_ps=REFERENCE_PS,
               status="transformed" if transformed == "True" else "censored")
    return row


def structure_of(times_ps: np.ndarray, sizes: np.ndarray, end_ps: float) -> pd.DataFrame:
    """A structure table: a frame before the reference (ignored), the records and the last
    frame at the end of the observation, each frame twice (1 fs apart), so that every second
    frame holds the same information."""
    time = np.concatenate([[0.0], times_ps + REFERENCE_PS, [end_ps + REFERENCE_PS]])
    largest = np.concatenate([[50], sizes, sizes[-1:]])
    return pd.DataFrame({"time_ps": np.repeat(time, 2) + np.tile([0.0, 0.001], len(time)),
                         "largest_reference_domain_atoms": np.repeat(largest, 2)})


@pytest.fixture(scope="module")
def synthetic_campaign() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """60 runs of 38 atoms (n* = 15, 6 kT), six of 250 atoms that never transform, and a
    38-atom run already crystalline at the reference time."""
    data = synthetic(15, 6.0)
    rows, structures = [], {}
    for i, ((times, sizes), end) in enumerate(zip(data.records, data.observed_ps, strict=True)):
        row = campaign_row(data.n_max, i, str(bool(sizes[-1] == data.n_max)))
        rows.append(row)
        structures[row["run_id"]] = structure_of(times, sizes, end)
    early = campaign_row(data.n_max, 60, "False") | {"status": "crystalline_at_reference"}
    rows.append(early)
    structures[early["run_id"]] = structure_of(np.array([0.0]), np.array([38]), 100.0)
    quiet = synthetic(40, 30.0, n_replicas=6, observed_in_tau=(1e-6, 2e-6), seed=0)
    for i, ((times, sizes), end) in enumerate(zip(quiet.records, quiet.observed_ps,
                                                  strict=True)):
        row = campaign_row(250, i, "False")
        rows.append(row)
        structures[row["run_id"]] = structure_of(times, sizes, end)
    return pd.DataFrame(rows), structures


def test_mfpt_table_fits_the_synthetic_campaign(synthetic_campaign):
    campaign, structures = synthetic_campaign
    fits, taus = mfpt_table(campaign, structures, n_bootstrap=60, bulk_density_g_cm3=0.534)
    fits = fits.set_index("ensemble_size_atoms")
    row = fits.loc[38]
    assert row["n_replicas"] == 60 and row["n_crystalline_at_reference"] == 1
    assert "1 run(s) crystalline at the reference time left out" in row["note"]
    assert row["n_star_lower_atoms"] <= 15 <= row["n_star_upper_atoms"]
    assert row["estimator"].startswith("censored")
    assert row["droplet_volume_nm3"] == pytest.approx(droplet_volume_nm3(38, 6.94, 0.534))
    assert row["rate_per_nm3_per_ps"] == pytest.approx(
        1 / (row["tau_J_ps"] * row["droplet_volume_nm3"]))
    assert row["rate_per_atom_per_ps"] == pytest.approx(1 / (row["tau_J_ps"] * 38))
    assert row["rate_per_m3_per_s"] == pytest.approx(row["rate_per_nm3_per_ps"] * 1e39)
    # every second frame carries the same first passages here: the frame check agrees
    assert row["n_star_every_2nd_frame_atoms"] == pytest.approx(row["n_star_atoms"], abs=0.05)
    assert "frame spacing" not in row["note"]
    # tau(n) counts from the reference time, every run, no size beyond the droplet
    series = taus[taus["ensemble_size_atoms"] == 38]
    assert series["n_atoms"].max() <= 38
    assert series.set_index("n_atoms").loc[1, "mfpt_ps"] == 0.0
    assert (series["n_reached"] <= 60).all() and series["n_reached"].iloc[0] == 60
    # the series that never transformed (flags are strings) gets no fit
    quiet = fits.loc[250]
    assert math.isnan(quiet["n_star_atoms"]) and quiet["n_transformed"] == 0
    assert quiet["note"] == "no fit: 0 of 6 replicas transformed, fewer than 2"


def test_mfpt_table_takes_the_bulk_density_from_the_campaign(synthetic_campaign):
    campaign, structures = synthetic_campaign
    small = campaign[campaign["ensemble_size_atoms"] == 250]
    with pytest.raises(ValueError, match="bulk_density_g_cm3"):
        mfpt_table(small, structures, n_bootstrap=0)
    fits, _ = mfpt_table(small.assign(bulk_density_g_cm3=0.5), structures, n_bootstrap=0,
                         bulk_density_g_cm3=0.534)
    assert fits["droplet_volume_nm3"].iloc[0] == pytest.approx(droplet_volume_nm3(250, 6.94, 0.5))
    fits, _ = mfpt_table(small, structures, min_replicas=7, bulk_density_g_cm3=0.534)
    assert fits["note"].iloc[0] == "no fit: 6 replicas, fewer than the minimum 7"


def test_wedekind_form_is_half_the_plateau_at_n_star():
    tau = wedekind_tau(np.array([10.0, 1e6]), 200.0, 10.0, 0.05)
    np.testing.assert_allclose(tau, [100.0, 200.0])
