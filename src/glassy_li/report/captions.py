"""What made a campaign's figures and tables, in words: the "made with" statement of the
report's first page (rule ``report_landing``).

The statement is computed by the job that writes the page, from the campaign's validated
config, and is no parameter of any rule: rewording it reruns nothing.  The figure and table
captions of the Snakemake report point to the first page instead of repeating it.
"""

from __future__ import annotations

from glassy_li.config.compose import coupling_label
from glassy_li.deposition.campaign import DepositionCampaign
from glassy_li.deposition.deposit import heat_removal_statement
from glassy_li.plan.campaign import Campaign

__all__ = ["deposition_made_with", "made_with", "metal_statement"]


def metal_statement(campaign: Campaign, preset: str) -> str:
    """A preset's metal, temperatures (K, and as fractions of the potential's melting point,
    else the experimental one), packing densities (g/cm3) and timesteps (fs; the hold's where
    it differs)."""
    metal = campaign.metal(preset)
    heat_K = campaign.temperatures_K(preset)[0]
    finals_K = campaign.final_temperatures_K(preset)
    own_K = campaign.config["potential_presets"][preset].get("melting_point_K")
    melting = (
        f"T_m {own_K:.0f} K (potential; experiment {metal.melting_point_K:g} K)" if own_K
        else f"T_m {metal.melting_point_K:g} K (experiment; potential's not measured)"
    )
    reference_K = own_K or metal.melting_point_K
    step_fs, hold_step_fs = campaign.timestep_fs(preset), campaign.hold_timestep_fs(preset)
    timestep = f"{step_fs:g} fs" + (f" (hold {hold_step_fs:g} fs)" if hold_step_fs != step_fs
                                    else "")
    return (
        f"{metal.name} ({metal.reference_structure}) with '{preset}': {heat_K:.0f} K -> "
        f"{' / '.join(f'{final:.0f}' for final in finals_K)} K ({heat_K / reference_K:.2f} -> "
        f"{' / '.join(f'{final / reference_K:.2f}' for final in finals_K)} T_m; {melting}), "
        f"packing densities {campaign.packing_densities_g_cm3(preset)} g/cm3, timestep "
        f"{timestep}"
    )


def made_with(campaign: Campaign) -> str:
    """The nucleation campaign's settings: metals and temperatures, replicas, sizes, protocol,
    coupling, structure identification, the incubation rule and the coupling sweep."""
    config = campaign.config
    md, system, sweep = config["md"], config["system"], config["coupling_sweep"]
    structure, incubation = config["structure"], config["incubation"]
    text = (
        f"Campaign '{config['campaign_name']}': "
        + "; ".join(metal_statement(campaign, name) for name in campaign.potential_names)
        + f". {config['replicas']} replicas per point"
        + "".join(
            f", {entry['replicas']} at {entry['ensemble_size_atoms']} atoms"
            for entry in config["replicas_per_size"]
        )
        + f"; initial states {system['initial_states']}, sizes "
        f"{system['ensemble_sizes_atoms']} atoms. Protocol: {md['heat_duration_ps']} ps heat, "
        f"quench at {md['quench_rate_K_per_ps']} K/ps, hold {md['equilibrate_duration_ps']} ps; "
        f"thermostat {md['thermostat']} (damping {md['thermostat_damping_ps']} ps), atom flux "
        f"{md['atom_flux_atoms_per_ps']} atoms/ps. Structure: {structure['method']} on "
        f"{structure['positions']} positions ({structure['averaging_window_ps']} ps window). "
        f"Incubation: {incubation['order_parameter']} >= {incubation['threshold']} for "
        f"{incubation['persistence_ps']} ps, counted from {incubation['reference']}."
    )
    if sweep["couplings"]:
        text += (
            f" Coupling sweep: {[coupling_label(c) for c in campaign.couplings()]} at sizes "
            f"{sweep['ensemble_sizes_atoms'] or 'all'}, densities "
            f"{sweep['packing_densities_g_cm3'] or 'all'}."
        )
    return text


def deposition_made_with(deposition: DepositionCampaign) -> str:
    """The deposition campaign's settings: preset, atoms, rates, replicas, incidence,
    temperatures, timestep, each substrate's heat removal and the analysis probe."""
    config = deposition.config
    dep = config["deposition"]
    if not dep["enabled"]:
        return "deposition campaign disabled"
    statements = []
    for index in range(len(dep["substrates"])):
        substrate = deposition.substrate(index)
        protocol = deposition.deposition_protocol(index, dep["rates_atoms_per_ps"][0])
        statements.append(
            f"{substrate.label}: heat removal - {heat_removal_statement(protocol, substrate)}"
        )
    return (
        f"Deposition campaign of '{config['campaign_name']}': potential preset "
        f"'{deposition.deposition_potential_name}', {dep['deposited_atoms']} atoms per run at "
        f"{dep['rates_atoms_per_ps']} atoms/ps, {dep['replicas']} replicas (replica k of every "
        f"rate shares its seed), incident energy {dep['incident_energy_eV']} eV at normal "
        f"incidence, {dep['temperature_K']} K, relax {dep['relax_duration_ps']} ps, anneal "
        f"{dep['anneal_duration_ps']} ps at {dep['anneal_temperature_K']} K; timestep "
        f"{deposition.deposition_timestep_fs()} fs. " + "; ".join(statements) + ". Structure: "
        f"{config['structure']['method']} on {config['structure']['positions']} positions; "
        f"voids with a {dep['analysis']['probe_radius_A']} A probe."
    )
