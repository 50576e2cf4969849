"""A report over the runs finished so far, while the campaign still runs.

Snakemake builds its report only once every output it marks is there, and a second Snakemake
in the same folder may not plan jobs over outputs the first one has locked.  This report
needs neither: it reads the run folders (:mod:`glassy_li.monitor.status`), takes every run whose
analysis is done (``summary.json``), and computes the campaign's tables over those with the
same functions the workflow's rules use (:mod:`glassy_li.analysis.aggregate`).  Unfinished runs are
listed as such, with their state, progress and ETA.  It writes into its own folder
(default ``results/<campaign>/so-far/``) and never touches a run folder, so it is safe to run
at any time, on a laptop or against a cluster's shared results folder::

    glassy-li report-so-far [RESULTS] --configfile config/my_study.yaml

Its page is ``README.md`` (tables in Markdown); the tables are TSV beside it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from glassy_li.analysis.aggregate import (
    critical_size_table,
    incubation_statistics,
    read_summaries,
    summarise_sizes,
)
from glassy_li.analysis.report_text import format_number
from glassy_li.lammps.progress import format_duration
from glassy_li.monitor.status import ANALYSED_STATES, RunStatus, campaign_eta, collect
from glassy_li.plan.campaign import Campaign

__all__ = ["markdown_table", "report_so_far"]

SIZE_COLUMNS = {
    "ensemble_size_atoms": "N",
    "final_temperature_K": "T (K)",
    "n_runs": "runs",
    "n_transformed": "transformed",
}


def markdown_table(table: pd.DataFrame) -> list[str]:
    """``table`` as Markdown lines (numbers to 3-4 significant figures)."""
    def cell(value: object) -> str:
        text = format_number(value) if isinstance(value, float) else str(value)
        return (text or "").replace("|", "/")

    lines = ["| " + " | ".join(map(str, table.columns)) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in table.itertuples(index=False)]
    return lines


def _median_text(row: pd.Series) -> str:
    median = row.get("km_median_incubation_ps")
    if median is None or (isinstance(median, float) and math.isnan(median)):
        return "not reached"
    low, high = row.get("km_median_lower_ps"), row.get("km_median_upper_ps")
    upper = "open" if high is None or (isinstance(high, float) and math.isnan(high)) else (
        format_number(high))
    return f"{format_number(median)} [{format_number(low)}, {upper}]"


def report_so_far(
    campaign: Campaign,
    results: str | Path = "results",
    out_dir: str | Path | None = None,
    now: float | None = None,
) -> Path:
    """Write the report over the analysed runs into ``out_dir`` (default
    ``<results>/<campaign>/so-far``); return its page's path."""
    results = Path(results)
    name = campaign.config["campaign_name"]
    out = Path(out_dir) if out_dir is not None else results / name / "so-far"
    out.mkdir(parents=True, exist_ok=True)
    now = time.time() if now is None else now
    statuses = collect(campaign, results, now)
    eta = campaign_eta(statuses, now)
    done = [s for s in statuses if s.state in ANALYSED_STATES]
    pd.DataFrame([s.as_dict() for s in statuses]).drop(columns=["values"]).join(
        pd.DataFrame([s.values for s in statuses])
    ).to_csv(out / "runs.tsv", sep="\t", index=False, float_format="%.6g")
    lines = [
        f"# Campaign '{name}' so far",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(now))}: **{len(done)} of "
        f"{len(statuses)} runs analysed**; "
        + ", ".join(f"{n} {state}" for state, n in sorted(eta.counts.items()))
        + f". Campaign ETA: {format_duration(eta.eta_s)} (runs and their analysis).",
        "",
        "Every number below is over the analysed runs only: a size whose runs are not all in "
        "is a smaller sample than the campaign will give, and its intervals are wider.",
        "",
    ]
    if done:
        table = read_summaries(results / "runs" / s.run_id / "summary.json" for s in done)
        table.to_csv(out / "campaign.tsv", sep="\t", index=False, float_format="%.6g")
        by_size = summarise_sizes(table)
        by_size.to_csv(out / "summary_by_size.tsv", sep="\t", index=False, float_format="%.6g")
        confidence = campaign.config["statistics"]["confidence"]
        stats, _curves = incubation_statistics(table, confidence)
        stats.to_csv(out / "incubation_statistics.tsv", sep="\t", index=False,
                     float_format="%.6g")
        shown = stats[[c for c in SIZE_COLUMNS if c in stats.columns]].rename(
            columns=SIZE_COLUMNS)
        shown["median incubation (ps) [CI]"] = [_median_text(row) for _, row in stats.iterrows()]
        lines += ["## Incubation per size (Kaplan-Meier median, "
                  f"{100 * confidence:g}% interval)", "", *markdown_table(shown), ""]
        sizes = table["ensemble_size_atoms"].nunique()
        if sizes >= 2:
            critical = critical_size_table(
                table, campaign.config["statistics"]["bulk_density_g_cm3"], confidence
            )
            critical.to_csv(out / "critical_size.tsv", sep="\t", index=False,
                            float_format="%.6g")
            columns = [c for c in ("metal", "final_temperature_K", "outcome",
                                   "critical_size_status", "critical_size_atoms",
                                   "critical_size_lower_atoms", "critical_size_upper_atoms",
                                   "note") if c in critical.columns]
            lines += ["## Critical size (logistic, profile-likelihood interval, over the "
                      "analysed runs)", "",
                      *markdown_table(critical[columns]), ""]
        else:
            lines += ["No critical size yet: the analysed runs cover one size.", ""]
    else:
        lines += ["No run is analysed yet.", ""]
    unfinished = [s for s in statuses if s.state not in ANALYSED_STATES]
    lines += [f"## Not finished ({len(unfinished)})", ""]
    if unfinished:
        lines += markdown_table(_unfinished_table(unfinished))
    lines.append("")
    page = out / "README.md"
    page.write_text("\n".join(lines))
    return page


def _unfinished_table(runs: Sequence[RunStatus]) -> pd.DataFrame:
    rows = []
    for run in runs:
        v = run.values
        rows.append({
            "start": v["initial_state"], "N": v["ensemble_size_atoms"],
            "rho (g/cm3)": v["packing_density_g_cm3"], "T (K)": v["final_temperature_K"],
            "coupling": str(v["coupling"]).removeprefix("coup-"), "rep": v["replica"],
            "state": run.state,
            "ps": f"{run.simulated_ps:.0f} of {run.total_ps:.0f}",
            "ETA": format_duration(run.eta_s) if not run.md_done else "analysis",
            "detail": run.error or "",
        })
    return pd.DataFrame(rows)
