# Helpers of the deposition campaign (rules: deposition.smk). The campaign (the paper's
# Fig 7): substrate -> LAMMPS deposition -> per-frame
# deposit analysis -> tables, renders and figures versus rate.  Its own target:
# `snakemake --cores 2 deposition` (rule all runs the nucleation campaign only).  Its runs
# live in the one run store, results/runs/deposition/...; its tables and figures under
# results/<campaign_name>/ beside the nucleation campaign's.
import functools

from glassy_li.deposition.deposit import build_substrate, deposition_steps

DEPOSITION = STUDY.deposition
DEPOSITION_RUNS = PAGE_JOBS.deposition_runs


def deposition_run_info(wildcards):
    return json.loads(DEPOSITION_RUNS.loc[wildcards.dep].to_json())


def deposition_protocol_of(dep):
    info = DEPOSITION_RUNS.loc[dep]
    return DEPOSITION.deposition_protocol(
        int(info["substrate_index"]), float(info["rate_atoms_per_ps"])
    )


def deposition_protocol_dict(wildcards):
    """The deposition protocol of the run named by {dep}, as a plain dict."""
    return dataclasses.asdict(deposition_protocol_of(wildcards.dep))


def deposition_substrate(wildcards):
    return DEPOSITION.substrate(int(DEPOSITION_RUNS.loc[wildcards.dep, "substrate_index"]))


def deposition_potential(wildcards):
    """The deposition preset, with absolute file paths (called only by deposition jobs, so
    a disabled campaign's preset files need not exist)."""
    return dataclasses.asdict(DEPOSITION.preset())


def deposition_structure_settings(wildcards):
    return dataclasses.asdict(DEPOSITION.structure_settings())


def deposition_analysis_settings(wildcards):
    return dataclasses.asdict(DEPOSITION.deposit_analysis_settings())


@functools.lru_cache
def slab_atoms(substrate_index):
    """Atoms of a substrate (0 for the inert wall)."""
    substrate = DEPOSITION.substrate(substrate_index)
    return len(build_substrate(substrate, config["deposition"]["deposited_atoms"])[0])


def deposition_atoms(dep):
    """(substrate atoms, deposited atoms) of one run."""
    return (
        slab_atoms(int(DEPOSITION_RUNS.loc[dep, "substrate_index"])),
        deposition_protocol_of(dep).deposited_atoms,
    )


def deposition_needed_minutes(dep):
    """Cluster time of one run: its steps x (substrate + half the deposited atoms)."""
    substrate_atoms, deposited = deposition_atoms(dep)
    steps = deposition_steps(deposition_protocol_of(dep)).total
    return RUN_JOBS.needed_minutes(
        steps * (substrate_atoms + deposited / 2), DEPOSITION.deposition_potential_name
    )


def deposition_runtime_minutes(wildcards):
    return RUN_JOBS.runtime_minutes(deposition_needed_minutes(wildcards.dep))


def deposition_mem_mb(wildcards):
    return RUN_JOBS.mem_mb_for(sum(deposition_atoms(wildcards.dep)))


def rendered_deposits():
    """Rendered side by side: each substrate's first replica at every rate, fastest first."""
    chosen = DEPOSITION_RUNS[DEPOSITION_RUNS["replica"] == 0].sort_values(
        ["substrate_index", "rate_atoms_per_ps"], ascending=[True, False]
    )
    return list(chosen.index)
