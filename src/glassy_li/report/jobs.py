"""What the report rules ask of the config: the files ``rule results_page`` copies into
``docs/results/<campaign>/``, the command that regenerates them, and the campaign tables the
nucleation model reads.  The workflow builds one :class:`PageJobs` (``common.smk``); its
methods are the rules' input functions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from glassy_li.checks.jobs import CheckJobs
from glassy_li.deposition.campaign import DepositionCampaign
from glassy_li.plan.jobs import RunJobs
from glassy_li.report.results_page import DEPOSITION_PAGE_TABLES, PAGE_FIGURES, PAGE_TABLES

__all__ = ["DEPOSITION_FIGURES", "PAGE_KINDS", "PageJobs"]

DEPOSITION_FIGURES = {
    "deposits_by_rate": "Final deposits per rate, coloured by structure (Fig 7)",
    "deposition_vs_rate": "Roughness, crystallinity, porosity and defects versus rate",
    "deposition_traces": "Deposition time traces",
}
"""The deposition campaign's figures (``results/<campaign>/figures/<name>.{png,svg}``)."""

PAGE_KINDS = ("tables", "figures", "provenance", "performance", "melting")
"""The kinds of file a campaign's folder under docs/results/ holds."""


@dataclass
class PageJobs:
    """The results page's and the nucleation model's inputs for one validated campaign."""

    runs: RunJobs
    checks: CheckJobs
    deposition: DepositionCampaign

    @property
    def out(self) -> str:
        return self.runs.out

    @functools.cached_property
    def deposition_runs(self) -> pd.DataFrame:
        return self.deposition.deposition_runs()

    def deposition_run_files(self, name: str) -> list[str]:
        """``results/runs/<run>/<name>`` of every deposition run."""
        return [f"results/runs/{dep}/{name}" for dep in self.deposition_runs.index]

    def deposition_outputs(self) -> list[str]:
        """What ``snakemake deposition`` makes (nothing when the campaign is disabled)."""
        if not self.deposition.enabled:
            return []
        out = self.out
        return [
            f"{out}/tables/deposition_runs.tsv",
            f"{out}/tables/deposition_by_rate.tsv",
            *self.deposition_run_files("provenance.json"),
            *[f"{out}/figures/{name}.{ext}" for name in DEPOSITION_FIGURES
              for ext in ("png", "svg")],
        ]

    def page_files(self, kind: str) -> list[str]:
        """The files ``rule results_page`` copies, of one ``kind`` (:data:`PAGE_KINDS`): the
        grid's unless ``results_page.grid`` is false, and the deposition series' when
        ``deposition.enabled``."""
        if kind not in PAGE_KINDS:
            raise ValueError(f"page file kind {kind!r} is not one of {PAGE_KINDS}")
        out, files = self.out, []
        if self.runs.config["results_page"]["grid"]:
            files += {
                "tables": [f"{out}/tables/{name}" for name in PAGE_TABLES],
                "figures": [f"{out}/figures/{name}" for name in PAGE_FIGURES],
                "provenance": self.runs.all_runs("results/runs/{run}/provenance.json"),
                "performance": self.runs.all_runs("results/runs/{md}/md_performance.json"),
                "melting": self.checks.size_melting_outputs(out),
            }[kind]
        if self.deposition.enabled:
            files += {
                "tables": [f"{out}/tables/{name}" for name in DEPOSITION_PAGE_TABLES],
                "figures": [f"{out}/figures/{name}.png" for name in DEPOSITION_FIGURES],
                "provenance": self.deposition_run_files("provenance.json"),
                "performance": self.deposition_run_files("md_performance.json"),
                "melting": [],
            }[kind]
        return files

    @staticmethod
    def results_page_command(configfiles: Sequence[str | Path], project_root: Path) -> str:
        """The command that regenerates this campaign's part of docs/results/ (campaign files
        shown relative to the project root where they lie inside it)."""
        files = " ".join(f"--configfile {_relative(path, project_root)}" for path in configfiles)
        return f"snakemake --cores 2 {files} -- results_page".replace("  ", " ")

    def nucleation_model_inputs(self, held_out: bool) -> list[str]:
        """The campaign tables the model reads: every training one (a missing one is an
        error, naming it), and the held-out ones that have run (one not run yet is predicted
        all the same)."""
        section = self.runs.config["nucleation_model"]
        root = Path(section["results_dir"])
        names = section["held_out_campaigns" if held_out else "training_campaigns"]
        paths = [root / name / "tables" / "campaign.tsv" for name in names]
        return [str(p) for p in paths if not held_out or p.is_file()]


def _relative(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` where it lies inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
