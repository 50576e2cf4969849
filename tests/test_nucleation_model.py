"""The nucleation model recovers known hazards from synthetic runs, refuses what data cannot
decide, computes N_c and P(ordered) as the formulas say, and predicts held-out runs honestly
(right when they come from the fitted hazard, wrong when they do not)."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.nucleation_model import (
    CNT,
    POWER,
    MeltingLaw,
    Runs,
    critical_size,
    fit_model,
    likelihood_region,
    log_likelihood,
    probability_ordered,
    region_adequate,
    region_reach,
    simulate_runs,
)
from glassy_li.analysis.nucleation_study import (
    Band,
    NucleationModelSettings,
    band_status,
    freeze_prediction,
    run_study,
)
from glassy_li.report.paper_answer import model_text

SIZES = [250, 400, 700, 1100, 2000]
TEMPERATURES = [358.0, 379.0, 405.0, 432.0]
# A Pawlow law like Li's (docs/potentials/size_melting/): T_m(N) = 656 K - 1521 K N^(-1/3)
MELTING = MeltingLaw(656.0, -1521.0, np.array([[85.0, -690.0], [-690.0, 10700.0]]), 654.0)
POWER_TRUTH = np.array([math.log(1 / 300), 1.0, -0.8, math.log(30.0)])
CNT_TRUTH = np.array([math.log(1 / 300 / 700) + 3.0, math.log(2.0e6), math.log(30.0),
                      *MELTING.coefficients])


def _inside(fit, truth):
    return [(i.name, i.lower, t, i.upper) for i, t in zip(fit.intervals, truth, strict=True)
            if not i.lower <= t <= i.upper]


@pytest.mark.validation  # recovery of known parameters: seconds of fits
def test_the_power_form_recovers_its_parameters_within_their_intervals():
    runs = simulate_runs(POWER, POWER_TRUTH, SIZES, TEMPERATURES, replicas=6, hold_ps=1000,
                         seed=1)
    assert 0 < runs.n_ordered < len(runs)  # both outcomes present, some censored
    fit = fit_model(POWER, runs)
    assert fit.resolved, [i.status for i in fit.intervals]
    assert _inside(fit, POWER_TRUTH) == []
    alpha = fit.intervals[1]
    assert alpha.upper - alpha.lower < 1.0  # informative: tells volume (1) from 2.5, say


@pytest.mark.validation  # recovery of known parameters: seconds of fits
def test_the_cnt_form_recovers_its_parameters_and_prefers_itself_by_aic():
    runs = simulate_runs(CNT, CNT_TRUTH, SIZES, TEMPERATURES, replicas=6, hold_ps=1000, seed=2)
    cnt = fit_model(CNT, runs, MELTING)
    assert cnt.resolved
    assert _inside(cnt, CNT_TRUTH) == []
    power = fit_model(POWER, runs, profile=False)
    assert cnt.aic < power.aic


def test_runs_with_no_ordering_leave_the_rate_unbounded_below_and_say_so():
    runs = simulate_runs(POWER, np.array([-40.0, 1.0, 0.0, math.log(30.0)]), SIZES, [432.0],
                         replicas=3, hold_ps=500, seed=3)
    assert runs.n_ordered == 0
    fit = fit_model(POWER, runs)
    rate = fit.intervals[0]
    assert rate.open_lower and not fit.resolved
    assert rate.status.startswith(("open", "not resolved"))
    likelihood_region(fit, samples=4000)
    # N_c is only a bound: the best fit orders nothing anywhere in the search range
    assert math.isinf(critical_size(POWER, fit.region[:1], 432.0, 500.0)[0])


def test_critical_size_and_probability_follow_the_formulas():
    # lag ~ 0: H = r t with r = k (N/700)^alpha at T = 400 K, so N_c = 700 (ln 2 / (k t))^(1/alpha)
    k, alpha, hold = 1e-4, 1.5, 2000.0
    theta = np.array([[math.log(k), alpha, 0.0, math.log(1e-3)]])
    expected = 700 * (math.log(2) / (k * hold)) ** (1 / alpha)
    assert critical_size(POWER, theta, 400.0, hold)[0] == pytest.approx(expected, rel=0.01)
    assert probability_ordered(POWER, theta, expected, 400.0, hold)[0, 0] == pytest.approx(
        0.5, abs=0.01)
    # a droplet at or above its own melting point never orders under the cnt form
    cnt = np.array([[0.0, math.log(1e6), math.log(10.0), *MELTING.coefficients]])
    assert probability_ordered(CNT, cnt, 200, MELTING.melting_K(200) + 1, 1e6)[0, 0] < 1e-100


def _campaign_table(runs: Runs, path: Path, hold_ps: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if hold_ps is not None:  # the planned hold, as a committed campaign's config.yaml says
        (path.parents[1] / "config.yaml").write_text(
            f"md:\n  equilibrate_duration_ps: {hold_ps}\n")
    pd.DataFrame({
        "initial_state": "droplet", "ensemble_size_atoms": runs.size_atoms.astype(int),
        "final_temperature_K": runs.temperature_K, "transformed": runs.ordered,
        "incubation_time_ps": np.where(runs.ordered, runs.time_ps, np.nan),
        "censored_at_ps": np.where(runs.ordered, np.nan, runs.time_ps),
        "crystalline_at_reference": False,
    }).to_csv(path, sep="\t", index=False)
    return path


def _settings(tmp_path: Path) -> NucleationModelSettings:
    fit = tmp_path / "melting.tsv"
    pd.DataFrame([{"intercept_K": 656.0, "slope_K": -1521.0, "cov_00": 85.0,
                   "cov_01": -690.0, "cov_11": 10700.0}]).to_csv(fit, sep="\t", index=False)
    return NucleationModelSettings(("training",), ("held-out",), tmp_path, fit, 654.0,
                                   forms=("power",), region_samples=4000,
                                   probability_sizes_atoms=(700,),
                                   probability_temperature_fractions=(0.66,),
                                   map_temperature_fractions=(0.55, 0.66, 0.11))


@pytest.mark.validation  # fits on two synthetic campaigns
@pytest.mark.parametrize(("held_out_truth", "expected_right"), [
    (POWER_TRUTH, True),  # drawn from the hazard the training runs came from
    (POWER_TRUTH - np.array([math.log(10.0), 0, 0, 0]), False),  # 10 times slower: must fail
])
def test_a_held_out_prediction_is_right_only_when_the_hazard_is_the_fitted_one(
        tmp_path, held_out_truth, expected_right):
    training = simulate_runs(POWER, POWER_TRUTH, SIZES, [358.0, 379.0, 405.0], replicas=5,
                             hold_ps=1000, seed=4)
    held_out = simulate_runs(POWER, held_out_truth, [700, 2000], [432.0], replicas=8,
                             hold_ps=5000, seed=5)
    _campaign_table(training, tmp_path / "training" / "tables" / "campaign.tsv", 1000)
    _campaign_table(held_out, tmp_path / "held-out" / "tables" / "campaign.tsv", 5000)
    study = run_study(_settings(tmp_path), log=lambda *_: None)
    table = study.tables["held_out"]
    assert len(table) == 2 and set(table["runs"]) == {8}
    assert bool(table["predicted_right"].all()) is expected_right
    comparison = study.tables["comparison"]
    assert comparison["held_out_runs"].iloc[0] == 16
    # the goodness of fit: every training group (5 sizes x 3 temperatures), fitted by the
    # hazard it was drawn from, lies inside its predictive range but for chance
    calibration = study.tables["calibration"]
    assert len(calibration) == 15 and set(calibration["runs"]) == {5}
    assert calibration["predicted_right"].mean() >= 0.8


def test_a_missing_training_campaign_is_named_and_a_missing_held_out_one_is_predicted(tmp_path):
    settings = _settings(tmp_path)
    with pytest.raises(FileNotFoundError, match="training"):
        run_study(settings, log=lambda *_: None)
    training = simulate_runs(POWER, POWER_TRUTH, SIZES, [358.0, 405.0], replicas=3,
                             hold_ps=1000, seed=6)
    _campaign_table(training, tmp_path / "training" / "tables" / "campaign.tsv")
    study = run_study(settings, log=lambda *_: None)
    assert study.missing_held_out == ["held-out"]
    assert study.tables["held_out"].empty
    assert "not run yet" in " ".join(study.tables["runs"]["role"].astype(str))


def test_a_campaign_table_without_the_needed_columns_is_refused(tmp_path):
    path = tmp_path / "campaign.tsv"
    pd.DataFrame({"initial_state": ["droplet"]}).to_csv(path, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"campaign\.tsv lacks column"):
        Runs.from_campaign_table(path, "x")


def test_the_likelihood_is_the_censored_exponential_one_when_the_lag_vanishes():
    # lag -> 0: h = r, so ln L = (ordered) ln r - r sum(t) at one size and temperature
    runs = Runs(np.full(5, 700.0), np.full(5, 400.0), np.array([10.0, 50.0, 80.0, 200.0, 500.0]),
                np.array([True, True, False, True, False]))
    rate = 1 / 150
    theta = np.array([[math.log(rate), 1.0, 0.0, math.log(1e-6)]])
    expected = 3 * math.log(rate) - rate * runs.time_ps.sum()
    assert log_likelihood(POWER, theta, runs, None)[0] == pytest.approx(expected, rel=1e-6)


@pytest.fixture(scope="module")
def power_fit():
    """The power form fitted to synthetic runs, with its likelihood region."""
    runs = simulate_runs(POWER, POWER_TRUTH, SIZES, TEMPERATURES, replicas=4, hold_ps=1000,
                         seed=7)
    fit = fit_model(POWER, runs)
    likelihood_region(fit, samples=8000)
    return fit


def test_the_region_spans_the_profile_intervals_it_stands_for(power_fit):
    fit, runs = power_fit, power_fit.runs
    reach = region_reach(fit)
    assert all(0.85 <= share <= 1.0 + 1e-9 for share in reach), reach
    assert region_adequate(fit)
    # every kept set lies inside the region (2 dlnL <= chi2_1(0.95) = 3.8415; the profile ends,
    # added on its edge, to the root finder's tolerance), the maximum first
    ll = log_likelihood(POWER, fit.region, runs, None)
    assert ll[0] == pytest.approx(fit.log_likelihood)
    assert np.all(fit.log_likelihood - ll <= 3.841459 / 2 * 1.001)
    assert fit.region_boundary_rows == 2 * len(fit.theta)  # both ends of every interval


def test_bands_with_undefined_or_unbounded_parts_are_not_called_resolved(power_fit):
    fit = power_fit
    assert band_status(fit, Band.of(np.array([500.0, 400.0, 650.0]))) == "resolved"
    assert "part of the likelihood region" in band_status(
        fit, Band.of(np.array([500.0, np.nan, 650.0])))
    assert band_status(fit, Band.of(np.array([np.nan, np.nan]))).startswith("no critical size")
    row = {"critical_size_atoms": 500.0, "lower_atoms": 400.0, "upper_atoms": 650.0,
           "status": "open (a parameter is not bounded by the data)"}
    assert model_text(row) == (
        "500 atoms [400, 650] (band open: a parameter is not bounded by the data)")
    assert model_text({**row, "critical_size_atoms": math.inf, "lower_atoms": math.inf,
                       "upper_atoms": math.inf}).startswith("> 1e+06 atoms")
    assert model_text({**row, "critical_size_atoms": 0.0, "lower_atoms": 0.0}).startswith(
        "< 650 atoms")


def test_the_prediction_is_frozen_once_before_the_held_out_runs(tmp_path):
    settings = _settings(tmp_path)
    training = simulate_runs(POWER, POWER_TRUTH, SIZES, [358.0, 405.0], replicas=3,
                             hold_ps=1000, seed=6)
    _campaign_table(training, tmp_path / "training" / "tables" / "campaign.tsv", 1000)
    study = run_study(settings, log=lambda *_: None)
    folder = tmp_path / "frozen"
    assert freeze_prediction(study, folder, {"date": "first"}) == folder
    first = (folder / "predicted_probability.tsv").read_text()
    assert freeze_prediction(study, folder, {"date": "second"}) is None  # never rewritten
    assert '"date": "first"' in (folder / "prediction.json").read_text()
    assert (folder / "predicted_probability.tsv").read_text() == first
    held_out = simulate_runs(POWER, POWER_TRUTH, [700], [432.0], replicas=2, hold_ps=5000,
                             seed=8)
    _campaign_table(held_out, tmp_path / "held-out" / "tables" / "campaign.tsv", 5000)
    later = run_study(settings, log=lambda *_: None)
    assert freeze_prediction(later, tmp_path / "late", {}) is None  # the runs exist: too late
