"""Snakemake wrapper: fit the nucleation model, write docs/results/nucleation-model/, then
rewrite the results page and the README's answer from the tables."""

import datetime
from pathlib import Path

from glassy_li.analysis.nucleation_study import (
    PREDICTION_FOLDER,
    NucleationModelSettings,
    freeze_prediction,
    run_study,
    write_study,
)
from glassy_li.core.logs import redirect_to_log
from glassy_li.report.paper_answer import update_readme
from glassy_li.report.results_page import git_commit, require_committed_code, write_page

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    root = Path(snakemake.params.project_root)
    require_committed_code(root, snakemake.params.allow_uncommitted)
    settings = NucleationModelSettings.from_config(
        snakemake.params.settings, snakemake.params.bulk_melting_point_K, root,
        snakemake.params.potential)
    study = run_study(settings, log=log)
    made_with = {"command": "snakemake --cores 1 nucleation_model", "commit": git_commit(root),
                 "date": datetime.date.today().isoformat()}
    for path in write_study(study, snakemake.output.folder, made_with):
        log(f"wrote {path}")
    frozen = freeze_prediction(study, settings.results_dir / PREDICTION_FOLDER, made_with)
    log(f"froze the prediction for the held-out campaigns in {frozen}" if frozen else
        f"kept {settings.results_dir / PREDICTION_FOLDER} as it was (written once, before the "
        "held-out campaigns ran)")
    text = write_page(settings.results_dir)
    log(f"rewrote {settings.results_dir / 'README.md'} ({len(text.splitlines())} lines)")
    update_readme(root / "README.md", settings.results_dir)
    log(f"rewrote the answer in {root / 'README.md'}")
