"""Statistics of the transition on synthetic data with known answers.

* Kaplan-Meier: exponential waiting times with a known median ln(2)/rate, censored at a fixed
  observation time (what a finite MD run does).
* Mean first-passage times: tests/test_mfpt.py.
* The logistic critical size: tests/test_critical_size.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassy_li.analysis.statistics import (
    kaplan_meier,
    sphere_diameter_nm,
)

TRUE_MEDIAN_PS = 50.0


def exponential_runs(n_runs: int, observed_ps: float, seed: int):
    rng = np.random.default_rng(seed)
    waiting = rng.exponential(TRUE_MEDIAN_PS / math.log(2), n_runs)
    transformed = waiting <= observed_ps
    return np.where(transformed, waiting, observed_ps), transformed


def test_km_without_censoring_is_the_empirical_survival():
    times = np.array([1.0, 2.0, 2.0, 4.0])
    curve = kaplan_meier(times, np.ones(4, bool))
    assert curve.time.tolist() == [0.0, 1.0, 2.0, 4.0]
    np.testing.assert_allclose(curve.survival, [1.0, 0.75, 0.25, 0.0])
    assert curve.median.median == 2.0
    assert curve.fraction_transformed == 1.0


def test_km_censored_run_leaves_the_risk_set_without_an_event():
    # classic textbook case: 3+ censored at 3, so the event at 5 has 2 at risk
    curve = kaplan_meier(np.array([1.0, 3.0, 5.0, 7.0]), np.array([True, False, True, False]))
    np.testing.assert_allclose(curve.survival, [1.0, 0.75, 0.375])
    assert curve.at(6.0) == pytest.approx(0.375)
    assert curve.median.median == 5.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_km_median_of_exponential_waiting_times(seed):
    times, transformed = exponential_runs(400, observed_ps=200.0, seed=seed)
    median = kaplan_meier(times, transformed).median
    # tolerance: 15% (the median's standard error is ~7% for 400 runs)
    assert median.median == pytest.approx(TRUE_MEDIAN_PS, rel=0.15)
    assert median.lower <= TRUE_MEDIAN_PS <= median.upper
    assert median.note == ""


def test_heavy_censoring_widens_the_interval():
    # the same 100 waiting times, observed for 400 ps (light) or each run stopped at a random
    # time uniform in [0, 120] ps (heavy: about half the runs censored, risk sets shrink early)
    times, transformed = exponential_runs(100, observed_ps=400.0, seed=7)
    stop = np.random.default_rng(8).uniform(0.0, 120.0, len(times))
    heavy_e = transformed & (times <= stop)
    heavy_t = np.where(heavy_e, times, np.minimum(times, stop))
    assert heavy_e.sum() < 0.75 * transformed.sum()
    light, heavy = kaplan_meier(times, transformed), kaplan_meier(heavy_t, heavy_e)

    def width(curve):
        upper = curve.median.upper if math.isfinite(curve.median.upper) else math.inf
        return upper - curve.median.lower

    assert width(heavy) > 1.2 * width(light)


KM_CASES = {
    "censored and tied": ([5, 10, 10, 20, 25, 30, 30], [1, 1, 0, 1, 0, 1, 0]),
    "S reaches 0 (3 of 3)": ([10, 20, 30], [1, 1, 1]),
    "S = 0.5 exactly, then an event": ([10, 20, 30, 40], [1, 1, 1, 1]),
    "S = 0.5 exactly to the end": ([10, 20, 30, 40], [1, 1, 0, 0]),
    "exponential, censored at 200": tuple(exponential_runs(40, observed_ps=200.0, seed=4)),
}


@pytest.mark.parametrize("case", list(KM_CASES))
def test_km_matches_lifelines(case):
    """The estimator, its log(-log) Greenwood band and the median's interval against lifelines
    on the same data.  The two differ by convention in exactly two places, asserted here:
    where S reaches 0 lifelines gives the band [0, 0] (so a median's upper limit becomes the
    last event) where ours leaves the upper edge undefined (the limit stays open, as R's
    survival does); and at S = 1/2 exactly over a step ended by an event, ours takes the
    step's midpoint (R's convention) where lifelines takes its left end."""
    lifelines = pytest.importorskip("lifelines")
    times, events = (np.asarray(v, float) for v in KM_CASES[case])
    events = events.astype(bool)
    fitter = lifelines.KaplanMeierFitter(alpha=0.05).fit(times, events)
    ours = kaplan_meier(times, events)
    # lifelines lists censoring-only times too: compare at our event times
    reference = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    for i, t in enumerate(ours.time):
        assert ours.survival[i] == pytest.approx(reference.loc[t], abs=1e-12)
        assert ours.lower[i] == pytest.approx(band.iloc[:, 0].loc[t], abs=1e-9)
        if ours.survival[i] > 0:
            assert ours.upper[i] == pytest.approx(band.iloc[:, 1].loc[t], abs=1e-9)
        else:
            assert math.isnan(ours.upper[i]) and band.iloc[:, 1].loc[t] == 0.0
    limits = lifelines.utils.median_survival_times(band).to_numpy()[0]
    median = ours.median
    reaches_zero = ours.survival[-1] == 0.0
    exact_half = np.isclose(ours.survival, 0.5)
    if exact_half.any() and np.flatnonzero(exact_half)[0] + 1 < len(ours.time):
        i = np.flatnonzero(exact_half)[0]
        assert fitter.median_survival_time_ == ours.time[i]
        assert median.median == 0.5 * (ours.time[i] + ours.time[i + 1])
    else:
        assert median.median == pytest.approx(fitter.median_survival_time_)
    assert median.lower == pytest.approx(limits[0])
    if math.isfinite(median.upper):
        assert median.upper == pytest.approx(limits[1])
    elif reaches_zero and math.isfinite(limits[1]):
        # lifelines' upper limit is the time S reached 0, where its band collapsed to [0, 0]
        assert limits[1] == ours.time[-1]
    else:
        assert math.isinf(limits[1])


def test_km_median_of_three_of_three_has_an_open_upper_limit():
    """3 of 3 transformed: S falls to 0 at the last event, where the band is undefined; the
    upper band never reaches 0.5 before, so the median's upper limit is open (a limit at
    the last event would be a 75%, not a 95%, interval)."""
    median = kaplan_meier(np.array([10.0, 20.0, 30.0]), np.ones(3, bool)).median
    assert median.median == 20.0 and median.lower == 10.0
    assert math.isnan(median.upper) and "open" in median.note


def test_all_censored_gives_no_median_and_says_so():
    curve = kaplan_meier(np.full(5, 80.0), np.zeros(5, bool))
    assert math.isnan(curve.median.median)
    assert "none of 5 runs transformed" in curve.median.note
    assert curve.fraction_transformed == 0.0
    np.testing.assert_array_equal(curve.survival, [1.0])


def test_too_few_transformed_gives_no_median():
    curve = kaplan_meier(np.array([10.0, 80.0, 80.0, 80.0]), np.array([True, False, False, False]))
    assert math.isnan(curve.median.median)
    assert "only 1 of 4 runs transformed" in curve.median.note


def test_sphere_diameter_of_700_li_atoms():
    # 700 x 6.94 amu at 0.534 g/cm3 -> 15.1 nm3 -> 3.07 nm (the paper's "2-3 nm")
    assert sphere_diameter_nm(700, 6.94, 0.534) == pytest.approx(3.07, abs=0.01)


def test_km_midpoint_median_with_ties_at_time_zero():
    """S = 1/2 exactly over [0, 10) (two of four at 0): the median is the midpoint, 5."""
    curve = kaplan_meier(np.array([0.0, 0.0, 10.0, 20.0]), np.ones(4, bool))
    assert curve.median.median == 5.0
