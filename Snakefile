# glassy-li: Li ensembles -> three-stage LAMMPS MD -> OVITO structure identification ->
# campaign tables and figures; and the deposition campaign (`snakemake deposition`).
# Run `snakemake --cores 2` (see README.md).
from snakemake.utils import min_version

min_version("9.0")


# No `configfile:` here: workflow/rules/common.smk composes the config once, from
# config/potentials.yaml and the campaign file (config/config.yaml, the default campaign, or
# each --configfile, which inherits another profile only when it says `extends: ...`).


include: "workflow/rules/common.smk"
include: "workflow/rules/system.smk"
include: "workflow/rules/md.smk"
include: "workflow/rules/structure.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/render.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/checks.smk"
include: "workflow/rules/deposition_common.smk"
include: "workflow/rules/deposition.smk"
include: "workflow/rules/results_page.smk"
include: "workflow/rules/nucleation_model.smk"


# The report opens with what the campaign found, written from its own tables (rule
# report_landing; the workflow's description, workflow/report/workflow.rst, follows).
report: str(Path.cwd() / REPORT_LANDING)


rule all:
    default_target: True
    input:
        RUN_JOBS.final_outputs(REPORT_LANDING),
