# The config, read once into STUDY (glassy_li.study.Study), and the objects whose methods are
# the rules' input functions: RUN_JOBS (glassy_li.plan.jobs: runs, resources, figure runs),
# CHECK_JOBS (glassy_li.checks.jobs: potential checks) and PAGE_JOBS (glassy_li.report.jobs:
# results page, nucleation model, deposition outputs). The deposition campaign's MD helpers
# live in deposition_common.smk.
import dataclasses
import json
import sys
from pathlib import Path

from snakemake.logging import logger

from glassy_li.plan.campaign import md_folder
from glassy_li.plan.jobs import RunJobs
from glassy_li.checks.jobs import CheckJobs
from glassy_li.report.jobs import PageJobs
from glassy_li.config.compose import ConfigError, compose_config
from glassy_li.lammps.run import SHARED_TEMPLATES
from glassy_li.study import Study


def is_dry_run():
    """Whether this is `snakemake -n`. Snakemake 9 sets `workflow.dryrun` only once the
    execution starts, after this file is read (it is False here); the command line's -n is
    already in `workflow.output_settings.dryrun`."""
    settings = getattr(workflow, "output_settings", None)
    return bool(getattr(settings, "dryrun", False)) or workflow.dryrun


PROJECT_ROOT = Path(workflow.basedir)
# The config, read once: config/potentials.yaml, then the campaign file (config/config.yaml,
# the default campaign, relative to the working directory, so `--directory .test` reads
# .test/config/config.yaml; or each --configfile after the profiles its `extends` names), then
# --config; validated against the schema, which fills in every default. `config` itself
# becomes that validated object, so rules and scripts read one thing. Potential files named
# by {url, sha256} are fetched (from a mirror or the address) while validating, before any
# job; a dry run fetches nothing and names what a run would fetch. Every config error is one
# line naming the key and the value.
try:
    config_composed = compose_config(
        workflow.overwrite_configfiles or ["config/config.yaml"],
        workflow.config_settings.overwrite_config,
        PROJECT_ROOT,
    )
    config.clear()
    config.update(config_composed)
    STUDY = Study.from_config(
        config,
        project_root=PROJECT_ROOT,
        in_place=True,
        download=not is_dry_run(),
        on_plan=lambda plan: logger.warning(f"glassy-li: {plan}"),
    )
    CAMPAIGN = STUDY.nucleation
    RUN_JOBS = RunJobs(CAMPAIGN)
    RUNS = RUN_JOBS.runs
    CHECK_JOBS = CheckJobs(CAMPAIGN)
    PAGE_JOBS = PageJobs(RUN_JOBS, CHECK_JOBS, STUDY.deposition)
except ConfigError as error:
    print(error, file=sys.stderr)
    sys.exit(1)

OUT = RUN_JOBS.out
"""Where this campaign's tables, figures, report and logs go (runs: results/runs/)."""
REPORT_LANDING = f"{OUT}/report/landing.rst"
"""The report's first page, written from the campaign's tables (rule report_landing)."""


def template(name):
    """A LAMMPS template of this workflow (absolute: `--directory` may move the results)."""
    return str(PROJECT_ROOT / "workflow" / "templates" / name)


SHARED_TEMPLATE_PATHS = [template(name) for name in SHARED_TEMPLATES]


wildcard_constraints:
    md=r"(grid|control-[A-Za-z0-9_.-]+)/[^ ]+?/rep-\d+-seed-\d+-cfg-[0-9a-f]{8}",
    ana=r"[0-9a-f]{8}",
    dep=r"deposition/sub-[^/]+/pot-[^/]+/heat-[^/]+/rate-[^/]+/rep-\d+-seed-\d+-cfg-[0-9a-f]{8}",
    preset=r"[A-Za-z0-9_.-]+",
    start_K=r"\d+",
