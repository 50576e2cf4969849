"""The report's landing text says the result, written from the campaign's tables."""

import numpy as np
import pandas as pd

from glassy_li.analysis.report_text import landing_text

SERIES = {"metal": "Li", "potential": "eam-nichol2016-li", "initial_state": "droplet",
          "packing_density_g_cm3": 0.0534, "heat_temperature_K": 716.1,
          "final_temperature_K": 358.05, "thermostat": "nose-hoover",
          "thermostat_damping_ps": 0.1, "atom_flux_atoms_per_ps": 0.0}


def statistics_row(group, size, n, transformed, censored, median=np.nan, low=np.nan,
                   high=np.nan, at_reference=0):
    return {"group": group, **SERIES, "ensemble_size_atoms": size, "n_runs": n,
            "n_transformed": transformed, "n_censored": censored,
            "n_crystalline_at_reference": at_reference, "observed_ps_max": 250.0,
            "km_median_incubation_ps": median, "km_median_lower_ps": low,
            "km_median_upper_ps": high}


def test_landing_text_states_outcomes_medians_and_critical_size_with_intervals():
    statistics = pd.DataFrame([
        statistics_row("control-bcc-seed", 700, 1, 0, 0, at_reference=1),
        statistics_row("grid", 1500, 3, 3, 0, 44.0, 40.0, 116.0),
        statistics_row("grid", 100, 3, 0, 3),
    ])
    common = {"group": "grid", **SERIES, "reference_structure": "bcc", "confidence": 0.95,
              "n_runs": 12, "outcome_basis": "lasting order"}
    critical = pd.DataFrame([
        {**common, "outcome": "reference", "critical_size_status": "separated",
         "critical_size_atoms": np.nan, "critical_size_lower_atoms": 300,
         "critical_size_upper_atoms": 700, "bracket_lower_atoms": 300,
         "bracket_upper_atoms": 700, "critical_diameter_nm": np.nan,
         "critical_diameter_lower_nm": 2.312, "critical_diameter_upper_nm": 3.067,
         "note": "outcomes separated by size: ..."},
        {**common, "outcome": "any crystal", "critical_size_status": "resolved",
         "critical_size_atoms": 312.0, "critical_size_lower_atoms": 250,
         "critical_size_upper_atoms": np.nan, "critical_diameter_nm": 2.35,
         "critical_diameter_lower_nm": 2.2, "critical_diameter_upper_nm": np.nan,
         "note": np.nan},
    ])
    text = landing_text(statistics, critical, "default", "bcc crystallinity >= 0.5")
    lines = text.splitlines()
    assert lines[0] == "Campaign 'default': what it found"
    grid = next(i for i, line in enumerate(lines) if line.startswith("**Li with"))
    control = next(i for i, line in enumerate(lines) if line.startswith("**control-bcc-seed"))
    assert grid < control  # the grid's series comes first
    body = lines[grid:control]
    # sizes in order, each with its count; medians with their interval; censoring said
    assert body[2] == "- 100 atoms: 0 of 3 runs transformed, 3 censored at 250 ps"
    assert body[3] == ("- 1500 atoms: 3 of 3 runs transformed, median incubation time 44 ps "
                       "[40, 116]")
    # separated outcomes are a bracket, not a point; an open end is a bound; no `nan`
    assert body[4] == ("- Critical size (bcc; 95% penalised profile-likelihood interval): "
                       "between 300 and 700 atoms (outcomes separated; 95% interval [300, "
                       "700]), within [2.31, 3.07] nm.")
    assert body[5] == ("- Critical size (any crystal; 95% penalised profile-likelihood "
                       "interval): 312 atoms [250, open], 2.35 nm [2.20, open].")
    assert "nan" not in text.lower()
    assert "1 already crystalline when the clock started" in text
    assert "bcc crystallinity >= 0.5" in lines[grid]


def test_landing_text_of_a_campaign_without_runs_says_so():
    text = landing_text(pd.DataFrame(columns=["group", "ensemble_size_atoms"]), pd.DataFrame(),
                        "empty", "transition")
    assert "No runs have finished yet." in text
