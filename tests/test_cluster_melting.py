"""Size-dependent melting: the caloric-curve jump, the T_m(N) fit and N*, on synthetic
curves with known answers; and one real free cluster that melts between two temperatures."""

import math

import numpy as np
import pandas as pd
import pytest

from glassy_li.checks.cluster_melting import (
    ClusterMeltingSettings,
    cluster_melting_curve,
    critical_size_from_melting,
    fit_size_dependence,
    hold_critical_sizes,
    melting_point_of,
    size_melting_table,
)
from glassy_li.config.compose import load_config
from glassy_li.plan.campaign import Campaign


def synthetic_curve(n_atoms: int, melting_K: float, latent_eV: float = 0.01) -> pd.DataFrame:
    """A caloric curve rising 3k_B/2 per K, with a latent-heat step at ``melting_K``."""
    targets = np.arange(300.0, 700.0, 20.0)
    pe = -1.5 + 1.3e-4 * targets + latent_eV * (targets > melting_K)
    crystal = np.where(targets < melting_K, 0.45, 0.0)
    return pd.DataFrame({"n_atoms": n_atoms, "target_K": targets, "temperature_K": targets,
                         "pe_eV_per_atom": pe, "crystalline_fraction": crystal})


def test_the_jump_of_the_caloric_curve_is_the_melting_point():
    found = melting_point_of(synthetic_curve(700, 495.0))
    assert found["melting_point_K"] == pytest.approx(490.0)  # between the 480 and 500 K steps
    assert found["melting_point_uncertainty_K"] == pytest.approx(10.0)
    assert found["latent_heat_eV_per_atom"] == pytest.approx(0.01)
    assert found["confirmed"]
    smooth = synthetic_curve(100, 495.0)
    smooth["crystalline_fraction"] = 0.0  # nothing crystalline to lose: not confirmed
    assert not melting_point_of(smooth)["confirmed"]


def test_the_size_law_is_recovered_with_t_bulk_free_or_carried():
    bulk, c = 680.0, 1.6
    sizes = np.array([300, 400, 500, 1000, 2000, 5000])
    rng = np.random.default_rng(3)
    melting = bulk * (1 - c * sizes ** (-1 / 3)) + rng.uniform(-10, 10, len(sizes))
    free = fit_size_dependence(sizes, melting, 10.0)
    assert free["bulk_treatment"] == "free"
    assert free["bulk_melting_point_lower_K"] < bulk < free["bulk_melting_point_upper_K"]
    assert free["c_lower"] < c < free["c_upper"]
    residuals = [float(r) for r in free["residuals_K"].split(",")]
    assert len(residuals) == len(sizes) and max(map(abs, residuals)) < 25
    carried = fit_size_dependence(sizes, melting, 10.0, bulk=(680.0, 675.0, 685.0))
    assert carried["bulk_treatment"].startswith("carried")
    width = carried["bulk_melting_point_upper_K"] - carried["bulk_melting_point_lower_K"]
    assert width < free["bulk_melting_point_upper_K"] - free["bulk_melting_point_lower_K"]
    # N*: where T_m(N*) equals the hold; above the bulk melting point nothing is solid
    n_star = critical_size_from_melting(c, bulk, 358.0)
    assert bulk * (1 - c * n_star ** (-1 / 3)) == pytest.approx(358.0)
    assert math.isinf(critical_size_from_melting(c, bulk, 700.0))


def test_n_star_outside_the_sizes_fitted_is_a_bound_not_a_value():
    bulk, c = 680.0, 1.6
    sizes = np.array([500, 1000, 2000, 5000])
    fit = fit_size_dependence(sizes, bulk * (1 - c * sizes ** (-1 / 3)), 10.0)
    far = hold_critical_sizes(fit, 300.0)  # N* ~ 50 atoms, far below 500
    assert far["n_star_status"] == "below 500" and far["n_star_bound_atoms"] == 500
    inside = hold_critical_sizes(fit, bulk * (1 - c * 1000 ** (-1 / 3)))
    assert inside["n_star_status"] == "resolved"
    assert inside["n_star_lower_atoms"] < 1000 < inside["n_star_upper_atoms"]


def test_only_confirmed_melts_are_fitted():
    curves = [synthetic_curve(n, 651 * (1 - 1.6 * n ** (-1 / 3))) for n in (250, 1000, 5000)]
    tiny = synthetic_curve(100, 400.0)
    tiny["crystalline_fraction"] = 0.0
    table, fit = size_melting_table([tiny, *curves], None)
    assert list(table["n_atoms"]) == [100, 250, 1000, 5000]
    assert list(table["confirmed"]) == [False, True, True, True]
    # the 100-atom cluster never held a crystal: it gets no melting point at all
    assert math.isnan(table["melting_point_K"].iloc[0])
    assert "never held a crystal" in table["note"].iloc[0]
    assert math.isnan(table["residual_K"].iloc[0]) and abs(table["residual_K"].iloc[1]) < 15
    assert fit["sizes_fitted"] == "250,1000,5000" and fit["n_sizes"] == 3


@pytest.mark.validation
def test_a_free_li_cluster_is_crystalline_below_its_melting_point_and_liquid_above(
    default_config_files, shared_potentials, tmp_path
):
    """A 500-atom bcc Li sphere (Nichol-Ackland EAM) at 0.5 and 1.0 of the bulk melting
    point: crystalline at the first, liquid (no crystal, higher energy) at the second (a
    cluster melts below the bulk)."""
    config = load_config(*default_config_files)
    config["potential_mirrors"] = [str(shared_potentials)]
    campaign = Campaign.from_config(config)
    preset = campaign.potential_name
    curve = cluster_melting_curve(
        campaign.preset(preset), campaign.metal(preset), 500, 1.0,
        ClusterMeltingSettings(0.5, 1.05, 0.5 * 651.0, 4.0, 4.0), 651.0,
        campaign.structure_settings(preset), tmp_path / "work", tmp_path / "log.txt",
    )
    assert len(curve) == 2
    assert curve["crystalline_fraction"].iloc[0] > 0.3
    assert curve["crystalline_fraction"].iloc[1] < 0.05
    assert curve["temperature_K"].iloc[1] == pytest.approx(651.0, rel=0.08)
    assert curve["pe_eV_per_atom"].iloc[1] > curve["pe_eV_per_atom"].iloc[0] + 0.03


def test_a_heating_grid_in_kelvin_does_not_move_with_the_bulk_melting_point():
    """start_K/stop_K fix the targets (a re-measured bulk T_m refits, it does not reheat);
    without them the fractions of the bulk value set the grid; an empty range is refused."""
    from glassy_li.checks.cluster_melting import ClusterMeltingSettings  # noqa: PLC0415

    fixed = ClusterMeltingSettings(0.5, 1.05, 20.0, 10.0, 10.0, start_K=340.0, stop_K=740.0)
    assert np.array_equal(fixed.targets_K(651.0), fixed.targets_K(690.0))
    assert fixed.targets_K(None)[[0, -1]].tolist() == [340.0, 740.0]
    relative = ClusterMeltingSettings(0.5, 1.05, 20.0, 10.0, 10.0)
    assert relative.targets_K(600.0)[0] == 300.0
    assert relative.targets_K(600.0)[-1] <= 630.0
    with pytest.raises(ValueError, match="melting_point_K, or start_K and stop_K"):
        relative.targets_K(None)
    with pytest.raises(ValueError, match="empty"):
        ClusterMeltingSettings(0.5, 1.05, 20.0, 10.0, 10.0, start_K=500.0,
                               stop_K=400.0).targets_K(None)
