"""Synthetic but realistic campaign tables, for building and checking the figures before (or
without) real runs.

The runs follow what the Nichol-Ackland EAM for Li is expected to give: droplets of ~1500
atoms turn bcc within ~100 ps, ~100-atom ones stay amorphous, the odds in between follow a
logistic law in ln N around ~700 atoms.  A low-density gas (0.0534 g/cm3) leaves only part of
its atoms in the largest embryo (197 of 700 in a real run), a dense one (0.2136 g/cm3)
percolates through the box at t = 0 and condenses later (the 100-atom box stays a network).
Each run's per-frame structure table and thermo table are drawn from that model and summarised
by :func:`glassy_li.analysis.aggregate.summarise_run`, so the campaign table has exactly the
columns the workflow writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from glassy_li.analysis.aggregate import (
    IncubationSettings,
    critical_size_table,
    incubation_statistics,
    summarise_run,
)

HEAT_PS, QUENCH_PS, HOLD_PS = 20.0, 10.0, 100.0
BOUNDARIES = {"heat": 0.0, "quench": HEAT_PS, "equilibrate": HEAT_PS + QUENCH_PS,
              "end": HEAT_PS + QUENCH_PS + HOLD_PS}
SETTINGS = IncubationSettings(threshold=0.5, persistence_ps=6.0, final_window_ps=10.0)
METALS = {  # name: (potential, reference structure, mass, bulk density, critical size)
    "Li": ("eam-nichol2016", "bcc", 6.94, 0.534, 700.0),
    "Na": ("meam-na", "bcc", 22.99, 0.968, 450.0),
    "K": ("meam-k", "bcc", 39.10, 0.862, 5000.0),
    "Mg": ("meam-mg", "hcp", 24.31, 1.738, 20.0),
}
COUPLINGS = [
    ("nose-hoover", 0.1, 0.0),
    ("langevin", 0.1, 0.0),
    ("nose-hoover", 1.0, 0.0),
    ("none", 0.1, 0.0),
    ("nose-hoover", 0.1, 1.0),
]


def coupling_label(thermostat: str, damping: float, flux: float) -> str:
    label = f"{thermostat}-{damping:g}ps" if thermostat != "none" else "nve"
    return label + (f"-flux-{flux:g}" if flux else "")


@dataclass
class Campaign:
    runs: list[dict] = field(default_factory=list)
    thermo: dict[str, pd.DataFrame] = field(default_factory=dict)
    structure: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def statistics(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return incubation_statistics(self.table)

    def critical(self) -> pd.DataFrame:
        return critical_size_table(self.table)


def _run(metal: str, group: str, state: str, rho: float, size: int, replica: int,
         coupling=COUPLINGS[0], heat_K: float = 500.0) -> dict:
    potential, reference, mass, bulk, _ = METALS[metal]
    thermostat, damping, flux = coupling
    label = coupling_label(*coupling)
    return {
        "run_id": (f"{group}/state-{state}/pot-{potential}/rho-{rho:g}/{label}/N-{size}/"
                   f"rep-{replica}"),
        "group": group, "metal": metal, "reference_structure": reference, "mass_amu": mass,
        "bulk_density_g_cm3": bulk, "melting_point_potential_K": 450.0,
        "melting_point_experiment_K": 453.7, "initial_state": state, "potential": potential,
        "packing_density_g_cm3": rho, "packing_density_fraction_of_bulk": rho / bulk,
        "ensemble_size_atoms": size, "heat_temperature_K": heat_K, "final_temperature_K": 300.0,
        "thermostat": thermostat, "thermostat_damping_ps": damping,
        "atom_flux_atoms_per_ps": flux, "coupling": label, "replica": replica,
        "seed": 1000 + replica,
    }


def _tables(run: dict, rng: np.random.Generator, seeded: bool = False):
    """(thermo, structure) of one run from the model in the module docstring."""
    size, rho = run["ensemble_size_atoms"], run["packing_density_g_cm3"]
    critical = METALS[run["metal"]][4]
    bulk = run["bulk_density_g_cm3"]
    dense = rho / bulk > 0.2
    t = np.arange(0.0, BOUNDARIES["end"] + 1e-9, 2.0)
    thermo_t = np.arange(0.0, BOUNDARIES["end"] + 1e-9, 0.5)
    hold_start = BOUNDARIES["equilibrate"]
    target = np.interp(thermo_t, [0, HEAT_PS, hold_start, BOUNDARIES["end"]],
                       [run["heat_temperature_K"], run["heat_temperature_K"], 300, 300])
    temperature = target + rng.normal(0, 150 / math.sqrt(size), len(thermo_t))
    # outcome: logistic in ln N around the metal's critical size
    p = 1 / (1 + math.exp(-(math.log(size) - math.log(critical)) / 0.35))
    transforms = seeded or rng.random() < p
    onset = 0.0 if seeded else hold_start + rng.exponential(45.0 * (critical / size) ** 0.5)
    ramp = np.clip((t - onset) / 6.0, 0, 1) if transforms else np.zeros_like(t)
    crystallinity = np.clip(0.08 + 0.85 * ramp + rng.normal(0, 0.04, len(t)), 0, 1.1)
    close_packed = 0.04 * ramp + np.abs(rng.normal(0, 0.01, len(t)))
    reference_fraction = 0.19 + 0.44 * np.clip(math.log(size / 100) / math.log(20), 0, 1)
    # embryo: grows through the quench to a fraction of the atoms
    final_fraction = (0.9 if dense else 0.25 + 0.1 * rng.random())
    grown = np.clip((t - 5.0) / (hold_start - 5.0), 0, 1)
    embryo = np.maximum(10, size * final_fraction * grown + rng.normal(0, 3, len(t)))
    percolates = np.zeros(len(t), bool)
    if dense:
        percolates[t < 8.0] = True
        embryo[t < 8.0] = size
        if size <= 100:  # the small dense box stays a network
            percolates[:] = True
            embryo[:] = size
    n_atoms = size + (np.floor(np.minimum(t, HEAT_PS) * run["atom_flux_atoms_per_ps"])
                      .astype(int))
    bcc_raw = crystallinity * reference_fraction
    structure = pd.DataFrame({
        "frame": np.arange(len(t)), "step": (t * 1000).astype(int), "time_ps": t,
        "stage": np.where(t <= HEAT_PS, "heat", np.where(t <= hold_start, "quench",
                                                         "equilibrate")),
        "n_atoms": n_atoms,
        "fraction_bcc": bcc_raw * embryo / size,
        "largest_embryo_atoms": embryo.round(),
        "largest_embryo_rg_nm": 0.1 * embryo ** (1 / 3),
        "largest_embryo_bcc_fraction": bcc_raw,
        "largest_embryo_reference_fraction": bcc_raw,
        "largest_embryo_fcc_fraction": close_packed / 2,
        "largest_embryo_hcp_fraction": close_packed / 2,
        "largest_embryo_ico_fraction": 0.03 * (1 - ramp),
        "largest_embryo_any_crystal_fraction": bcc_raw + close_packed,
        "crystallinity": crystallinity,
        "any_crystal_crystallinity": crystallinity + close_packed / reference_fraction,
        "largest_bcc_domain_atoms": (bcc_raw * embryo).round(),
        "largest_reference_domain_atoms": (bcc_raw * embryo).round(),
        "largest_embryo_msd_nm2": 0.02 * (1 - ramp) + 0.001,
        "largest_embryo_diffusion_nm2_per_ps": (0.02 * (1 - ramp) + 0.001) / 12,
        "n_embryos": np.where(dense, 1, 4),
        "largest_cluster_percolates": percolates,
        "largest_cluster_percolation_dims": np.where(percolates, 3, 0),
    })
    thermo = pd.DataFrame({
        "time_ps": thermo_t, "temperature_K": temperature,
        "pe_eV_per_atom": -1.62 + 2e-4 * (target - 300) - 0.01 * np.interp(thermo_t, t, ramp)
        + rng.normal(0, 0.02 / math.sqrt(size), len(thermo_t)),
    })
    return thermo, structure


def _add(campaign: Campaign, run: dict, rng: np.random.Generator, seeded: bool = False) -> None:
    thermo, structure = _tables(run, rng, seeded)
    campaign.runs.append(run)
    campaign.thermo[run["run_id"]] = thermo
    campaign.structure[run["run_id"]] = structure
    campaign.rows.append(summarise_run(structure, thermo, run, SETTINGS, BOUNDARIES))


def li_campaign(seed: int = 0, replicas: int = 3, sizes=(100, 300, 700, 1500),
                densities=(0.0534, 0.2136), states=("gas",)) -> Campaign:
    """The default campaign's shape with the new potential: sizes x densities x replicas,
    a bcc-seed positive control and a coupling sweep at 300 atoms, 0.0534 g/cm3."""
    rng = np.random.default_rng(seed)
    campaign = Campaign()
    for state in states:
        for rho in densities:
            for size in sizes:
                for replica in range(replicas):
                    _add(campaign, _run("Li", "grid", state, rho, size, replica), rng)
    _add(campaign, _run("Li", "bcc-seed", "seeded-droplet", 0.0534, 300, 0, heat_K=300.0),
         rng, seeded=True)
    for coupling in COUPLINGS[1:]:
        for replica in range(replicas):
            _add(campaign, _run("Li", "grid", states[0], 0.0534, 300, replica, coupling), rng)
    return campaign


def metals_campaign(seed: int = 1, replicas: int = 2) -> Campaign:
    """Four metals, three sizes, two densities as fractions of bulk."""
    rng = np.random.default_rng(seed)
    campaign = Campaign()
    for metal, (_, _, _, bulk, _) in METALS.items():
        for fraction in (0.1, 0.4):
            for size in (100, 300, 700):
                for replica in range(replicas):
                    _add(campaign, _run(metal, "grid", "gas", round(fraction * bulk, 6), size,
                                        replica), rng)
    return campaign


def deposition_tables(seed: int = 2):
    """(runs, frames, run dicts) of a deposition campaign: 2 substrates x 3 rates x 2 replicas."""
    rng = np.random.default_rng(seed)
    rows, frames, runs = [], [], []
    for substrate, heat in (("inert-wall", "wall-layer"), ("bcc-110", "substrate-bath")):
        for rate in (1.0, 0.5, 0.25):
            for replica in range(2):
                crystalline = 0.3 + 0.3 * (1 - rate) + rng.normal(0, 0.05)
                run = {"substrate": substrate, "heat_removal": heat, "replica": replica,
                       "rate_atoms_per_ps": rate, "rate_atoms_per_nm2_per_ps": rate / 3.06}
                rows.append({**run, "rms_roughness_nm": 0.2 + 0.1 * rate + rng.normal(0, 0.02),
                             "fraction_crystalline": crystalline,
                             "fraction_bcc": crystalline * 0.8, "porosity": 0.05 * rate,
                             "dislocation_density_per_m2": np.nan,
                             "crystalline_domains": int(rng.integers(1, 4))})
                t = np.arange(0, 250 / rate + 10, 5.0)
                frames.append(pd.DataFrame({
                    "time_ps": t, "retained_atoms": np.minimum(t * rate, 250) * 0.98,
                    "reflected_atoms": np.minimum(t * rate, 250) * 0.02,
                    "fraction_crystalline": crystalline * np.clip(t * rate / 250, 0, 1),
                    "rms_roughness_nm": 0.2 + 0.1 * rate * np.clip(t * rate / 250, 0, 1)}))
                runs.append(run)
    return pd.DataFrame(rows), frames, runs


def draw_all(out: str, size_axis: str = "ensemble_size_atoms") -> list[str]:
    """Every campaign and deposition figure from the synthetic tables, as PNGs in ``out``."""
    from pathlib import Path  # noqa: PLC0415

    from glassy_li.figures import deposition_plots, plots  # noqa: PLC0415

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name):
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        plots.plt.close(fig)
        written.append(str(path))

    base = coupling_label(*COUPLINGS[0])
    for label, campaign in (("li", li_campaign()), ("metals", metals_campaign())):
        statistics, curves = campaign.statistics()
        for name, fig in plots.campaign_figures(campaign.table, statistics, curves,
                                                campaign.critical(), SETTINGS.threshold,
                                                f"synthetic {label}", base, size_axis):
            save(fig, f"{label}_{name}")
    li = li_campaign()
    traces = [(r, li.thermo[r["run_id"]], li.structure[r["run_id"]]) for r in li.runs
              if r["ensemble_size_atoms"] == 1500 and r["coupling"] == base]
    save(plots.plot_traces(traces, BOUNDARIES, SETTINGS.threshold, "synthetic li: 1500 atoms"),
         "li_traces")
    runs, frames, run_dicts = deposition_tables()
    save(deposition_plots.plot_deposition_vs_rate(runs, "synthetic deposition"),
         "deposition_vs_rate")
    save(deposition_plots.plot_deposition_traces(run_dicts, frames, "synthetic deposition"),
         "deposition_traces")
    return written


if __name__ == "__main__":
    import sys

    print("\n".join(draw_all(*sys.argv[1:])))
