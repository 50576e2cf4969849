"""The nucleation model recovers known hazards from synthetic runs, refuses what data cannot
decide, computes N_c and P(ordered) as the formulas say, and predicts held-out runs honestly
(right when they come from the fitted hazard, wrong when they do not)."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassy_li.nucleation_model import (
    CNT,
    POWER,
    MeltingLaw,
    Runs,
    critical_size,
    fit_model,
    likelihood_region,
    probability_ordered,
    simulate_runs,
)
from glassy_li.nucleation_study import NucleationModelSettings, run_study

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


def test_the_power_form_recovers_its_parameters_within_their_intervals():
    runs = simulate_runs(POWER, POWER_TRUTH, SIZES, TEMPERATURES, replicas=6, hold_ps=1000,
                         seed=1)
    assert 0 < runs.n_ordered < len(runs)  # both outcomes present, some censored
    fit = fit_model(POWER, runs)
    assert fit.resolved, [i.status for i in fit.intervals]
    assert _inside(fit, POWER_TRUTH) == []
    alpha = fit.intervals[1]
    assert alpha.upper - alpha.lower < 1.0  # informative: tells volume (1) from 2.5, say


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
    assert "open" in rate.status or "not resolved" in rate.status
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


def _campaign_table(runs: Runs, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
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


@pytest.mark.parametrize(("held_out_truth", "expected_right"), [
    (POWER_TRUTH, True),  # drawn from the hazard the training runs came from
    (POWER_TRUTH + np.array([6.0, 0, 0, 0]), False),  # 400 times faster: must fail
])
def test_a_held_out_prediction_is_right_only_when_the_hazard_is_the_fitted_one(
        tmp_path, held_out_truth, expected_right):
    training = simulate_runs(POWER, POWER_TRUTH, SIZES, [358.0, 379.0, 405.0], replicas=5,
                             hold_ps=1000, seed=4)
    held_out = simulate_runs(POWER, held_out_truth, [700, 2000], [432.0], replicas=8,
                             hold_ps=5000, seed=5)
    _campaign_table(training, tmp_path / "training" / "tables" / "campaign.tsv")
    _campaign_table(held_out, tmp_path / "held-out" / "tables" / "campaign.tsv")
    study = run_study(_settings(tmp_path), log=lambda *_: None)
    table = study.tables["held_out"]
    assert len(table) == 2 and set(table["runs"]) == {8}
    assert bool(table["predicted_right"].all()) is expected_right
    comparison = study.tables["comparison"]
    assert comparison["held_out_runs"].iloc[0] == 16


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
