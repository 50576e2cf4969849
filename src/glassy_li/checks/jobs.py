"""What the potential-check rules (``workflow/rules/checks.smk``) ask of the config: which
presets each check covers, the files it writes and the settings its job reads.  The workflow
builds one :class:`CheckJobs` (``common.smk``); its methods are the rules' input functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glassy_li.plan.campaign import Campaign

__all__ = ["CheckJobs"]

CHECKS_DIR = "results/potential_checks"
"""Where the checks shared by every campaign write (per preset)."""


@dataclass
class CheckJobs:
    """The potential checks of a validated campaign config."""

    campaign: Campaign

    @property
    def section(self) -> dict[str, Any]:
        """The config's ``potential_checks`` section."""
        return self.campaign.config["potential_checks"]

    def checked_presets(self) -> list[str]:
        """Presets that ``snakemake potential_checks`` checks (all by default)."""
        chosen = self.section["presets"]
        return list(chosen) if chosen else sorted(self.campaign.config["potential_presets"])

    # -- size-dependent melting ---------------------------------------------------------------
    def size_melting_presets(self) -> list[str]:
        """Presets of ``snakemake size_melting`` (default: the campaign's)."""
        presets = self.section["size_melting"]["presets"]
        return list(self.campaign.potential_names if presets is None else presets)

    def size_melting_outputs(self, out: str) -> list[str]:
        """The per-campaign size-dependent melting table, fit and figure of each preset, under
        the campaign's folder ``out``."""
        return [
            f"{out}/{folder}/size_melting{kind}_{preset}.{ext}"
            for preset in self.size_melting_presets()
            for folder, kind, ext in (("tables", "", "tsv"), ("tables", "_fit", "tsv"),
                                      ("figures", "", "png"))
        ]

    def size_melting_settings(self) -> dict[str, Any]:
        """How each cluster is heated
        (:class:`glassy_li.checks.cluster_melting.ClusterMeltingSettings` keys)."""
        section = self.section["size_melting"]
        return {
            "start_fraction": section["start_fraction_of_melting"],
            "stop_fraction": section["stop_fraction_of_melting"],
            "step_K": section["step_K"],
            "settle_ps": section["settle_ps"],
            "measure_ps": section["measure_ps"],
            "start_K": section["start_K"],
            "stop_K": section["stop_K"],
        }

    def size_melting_heating_reference_K(self, preset: str) -> float | None:
        """The melting point the heating fractions refer to (None where start_K and stop_K
        fix the grid: then a re-measured melting point reruns only the fit, not the
        clusters)."""
        section = self.section["size_melting"]
        if section["start_K"] is not None and section["stop_K"] is not None:
            return None
        return self.campaign.config["potential_presets"][preset]["melting_point_K"]

    # -- interface-velocity melting -----------------------------------------------------------
    def interface_melting_starts(self) -> list[tuple[str, int]]:
        """(preset, start K) of every interface-velocity search (default start: the metal's
        experimental melting point, so that no search starts at an earlier answer)."""
        return [
            (preset, round(start))
            for preset, entry in self.section["interface_melting"]["presets"].items()
            for start in ((entry or {}).get("starts_K")
                          or [self.campaign.metal(preset).melting_point_K])
        ]

    def interface_melting_outputs(self) -> list[str]:
        return [f"{CHECKS_DIR}/interface_melting/{preset}/from-{start}K.json"
                for preset, start in self.interface_melting_starts()]

    def interface_melting_settings(self, preset: str) -> dict[str, Any]:
        """:class:`glassy_li.checks.interface_melting.InterfaceSettings` keys of one preset
        (its entry overrides the shared ones)."""
        section = self.section["interface_melting"]
        entry = dict(section["presets"].get(preset) or {})
        entry.pop("starts_K", None)
        shared = {k: v for k, v in section.items() if k not in ("presets", "mpi_ranks")}
        return {**shared, **entry, "n_ranks": section["mpi_ranks"]}

    # -- the timestep study and free-energy melting -------------------------------------------
    def timestep_study_outputs(self, name: str) -> list[str]:
        return [f"{CHECKS_DIR}/timestep_study/{preset}/{name}"
                for preset in self.section["timestep_study"]["presets"]]

    def timestep_study_settings(self, preset: str) -> dict[str, Any]:
        """:class:`glassy_li.checks.timestep_study.TimestepStudySettings` keys of one preset
        (its overrides)."""
        return dict(self.section["timestep_study"]["presets"].get(preset) or {})

    def free_energy_melting_outputs(self) -> list[str]:
        return [f"{CHECKS_DIR}/free_energy_melting/{preset}.json"
                for preset in self.section["free_energy_melting"]["presets"]]

    def free_energy_melting_settings(self) -> dict[str, Any]:
        """:class:`glassy_li.checks.free_energy.FreeEnergySettings` keys."""
        section = self.section["free_energy_melting"]
        return {key: value for key, value in section.items() if key != "presets"}
