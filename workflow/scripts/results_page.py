"""Snakemake wrapper: copy this campaign's results beside docs/results/README.md and rewrite
the page from every campaign folder there."""

import datetime
import json
from pathlib import Path

from glassy_li.core.logs import redirect_to_log
from glassy_li.report.results_page import (
    collect_campaign,
    git_commit,
    require_committed_code,
    write_page,
)

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    require_committed_code(snakemake.params.project_root, snakemake.params.allow_uncommitted)
    md_jobs = [json.loads(Path(path).read_text()) for path in snakemake.input.performance]
    folder = collect_campaign(
        snakemake.output.folder,
        [*snakemake.input.tables, snakemake.input.config, *snakemake.input.figures,
         *snakemake.input.melting],
        snakemake.input.provenance,
        "results/runs",
        snakemake.params.command,
        {
            "commit": git_commit(snakemake.params.project_root),
            "date": datetime.date.today().isoformat(),
            "md_job_wall_min_total": round(sum(job["wall_s"] for job in md_jobs) / 60, 1),
            "md_jobs_resumed": sum(job["resumed_from_step"] > 0 for job in md_jobs),
        },
    )
    log(f"copied {len(snakemake.input.provenance)} runs' provenance and the tables to {folder}")
    text = write_page(Path(snakemake.output.page).parent)
    log(f"wrote {snakemake.output.page} ({len(text.splitlines())} lines)")
