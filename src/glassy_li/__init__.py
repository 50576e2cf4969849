"""glassy-li: a workflow-managed MD campaign on how electrodeposited Li embryos nucleate and order.

The package holds the logic of the Snakemake workflow so that it can be imported and
unit-tested without Snakemake.  It is laid out by stage, in the order a campaign passes
through them; a module imports only from its own stage or an earlier one
(``tests/test_package_layout.py`` walks every import and fails on a later stage or a cycle):

========== ==================================================================================
stage      what it holds (rule files in ``workflow/rules/``)
========== ==================================================================================
core       units, the simulated-time clock, logs, the project's paths, the installed LAMMPS
config     composing and validating campaign files, potential presets and their files,
           metals, the config reference (``config/README.md``)
lammps     LAMMPS inputs from templates, the restartable LAMMPS process, progress records
structure  dump reading and structure identification (OVITO PTM), perfect-crystal
           references, the early-stop rule and the hold watcher (``structure.smk``)
md         the heat/quench/hold protocol and system generation (``system.smk``, ``md.smk``)
analysis   incubation times, statistics, critical size, MFPT, aggregation, robustness,
           the nucleation model (``aggregate.smk``, ``nucleation_model.smk``)
plan       a campaign's runs from its config, run digests, cluster resources
           (``common.smk``)
deposition deposition MD, its analysis and its campaign (``deposition*.smk``)
checks     potential checks: lattice, melting (NPH, clusters, interface, free energy), the
           timestep study (``checks.smk``)
figures    plots and renders (``plots.smk``, ``render.smk``)
report     report text, the results page, the answer at the paper's conditions, provenance,
           regenerating committed statistics (``results_page.smk``)
monitor    campaign status and the so-far page (``glassy-li status``, ``glassy-li so-far``)
========== ==================================================================================

``glassy_li.study`` (the config composed and validated once, holding the nucleation and
deposition campaigns) and ``glassy_li.cli`` (the ``glassy-li`` command) sit above all stages.
"""

__version__ = "0.1.0"

STAGES = (
    "core", "config", "lammps", "structure", "md", "analysis", "plan", "deposition", "checks",
    "figures", "report", "monitor",
)
"""The stage subpackages, earliest first: a module may import its own stage or an earlier one."""
