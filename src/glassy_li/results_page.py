"""The committed results page, ``docs/results/README.md``: the paper's claims beside what this
project measured, claim by claim.

``results/`` is not committed, so each campaign shown on the page is copied into its own
folder, ``docs/results/<campaign>/``, by :func:`collect_campaign`: its tables (TSV), figures
(PNG), effective config, the command that made it, and every run's provenance file.  The page
is then written by :func:`page_text` from those committed tables alone, so no number on it is
typed by hand; ``tests/test_results_page.py`` regenerates it and fails when the committed page
differs (a number edited on the page, or a table changed without the page).

Regenerate everything (the campaign, its size-dependent melting, the copies and the page):

    snakemake --cores 2 --configfile config/threshold.yaml -- results_page
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .aggregate import SIZE_SERIES_KEYS, flag
from .report_text import format_number, series_rows

__all__ = [
    "DEPOSITION_PAGE_TABLES",
    "PAGE_TABLES",
    "PAGE_FIGURES",
    "PAPER",
    "collect_campaign",
    "git_commit",
    "incubation_slope",
    "page_text",
    "write_page",
]

PAGE_TABLES = (
    "campaign.tsv",
    "summary_by_size.tsv",
    "incubation_statistics.tsv",
    "critical_size.tsv",
    "critical_size_by_hold.tsv",
    "mfpt_fits.tsv",
    "survival_curves.tsv",
)
"""The campaign tables copied beside the page (``results/<campaign>/tables/``)."""
DEPOSITION_PAGE_TABLES = ("deposition_runs.tsv", "deposition_by_rate.tsv")
"""A deposition series' tables copied beside the page."""
PAGE_FIGURES = (
    "critical_size.png",
    "crystallinity_vs_density.png",
    "coupling_comparison.png",
    "incubation_vs_size.png",
    "survival_curves.png",
    "crystallinity_vs_size.png",
    "traces.png",
    "final_embryos.png",
)
"""The campaign figures copied beside the page (``results/<campaign>/figures/``)."""

PAPER = {
    "source": "the cryo-TEM + reactive MD study of glassy Li embryos (ReaxFF Li, single runs "
              "per size)",
    "critical_size_atoms": 700,
    "critical_diameter_nm": "2-3",
    "temperature_K": 300,
    "start": "gas at 0.0534 g/cm3",
    "hold_ps": 5000,
}
"""What the paper reports, for the comparison (its words: embryos larger than about 700
atoms, 2-3 nm, turn bcc; smaller ones stay amorphous; incubation time falls with size)."""

GENERATED = (
    "<!-- Written by glassy_li.results_page from the tables in this folder; do not edit: "
    "tests/test_results_page.py fails when a number here differs from its table. -->"
)


# -- copying a campaign's results -------------------------------------------------------------
def collect_campaign(
    out_dir: str | Path,
    files: Iterable[str | Path],
    provenance_files: Iterable[str | Path],
    runs_root: str | Path,
    command: str,
    made_with: Mapping[str, object],
) -> Path:
    """Copy one campaign's ``files`` into ``out_dir`` (replaced whole): tables (``.tsv``) into
    ``tables/``, figures (``.png``) into ``figures/``, its config (``.yaml``) beside them, and
    its runs' provenance files under ``provenance/``, each named by its run id (its path
    under ``runs_root``); then write ``made_with.json`` (``command`` and ``made_with``: commit,
    date, MD wall time).  Returns ``out_dir``."""
    target = Path(out_dir)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for folder in ("tables", "figures", "provenance"):
        (staging / folder).mkdir(parents=True)
    for path in map(Path, files):
        folder = {".tsv": "tables", ".png": "figures"}.get(path.suffix, ".")
        shutil.copy2(path, staging / folder / path.name)
    root = Path(runs_root).resolve()
    for path in provenance_files:
        run_id = Path(path).resolve().parent.relative_to(root)
        shutil.copy2(path, staging / "provenance" / (str(run_id).replace("/", "__") + ".json"))
    (staging / "made_with.json").write_text(
        json.dumps({"command": command, **made_with}, indent=2) + "\n"
    )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def git_commit(project_root: str | Path) -> str:
    """The project's git commit, with ``+changes`` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=project_root, capture_output=True,
                              text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


# -- numbers ----------------------------------------------------------------------------------
def _num(value: object, spec: str = "auto") -> str:
    """A table value as text, ``-`` where missing (:func:`format_number`)."""
    return format_number(value, spec) or "-"


def _interval(row: Mapping[str, object], middle: str, lower: str, upper: str,
              spec: str = "auto") -> str:
    """``value [lower, upper]`` of a table row; an open end reads ``open``; ``-`` if none."""
    value = _num(row.get(middle), spec)
    if value == "-":
        return "-"
    low, high = _num(row.get(lower), spec), _num(row.get(upper), spec)
    return f"{value} [{low if low != '-' else '?'}, {high if high != '-' else 'open'}]"


def incubation_slope(statistics: pd.DataFrame) -> tuple[float, int]:
    """How steeply the incubation time falls with size: the least-squares slope of
    ln(Kaplan-Meier median incubation time) against ln(size) over the sizes that have a
    median, and the number of those sizes (NaN below two)."""
    rows = statistics.dropna(subset=["km_median_incubation_ps"])
    rows = rows[rows["km_median_incubation_ps"] > 0]
    if len(rows) < 2:
        return float("nan"), len(rows)
    slope = np.polyfit(np.log(rows["ensemble_size_atoms"].astype(float)),
                       np.log(rows["km_median_incubation_ps"].astype(float)), 1)[0]
    return float(slope), len(rows)


# -- the page ---------------------------------------------------------------------------------
def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / "tables" / name
    return pd.read_csv(path, sep="\t") if path.exists() else pd.DataFrame()


def _grid(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["group"] == "grid"] if "group" in table else table


def _series_label(row: Mapping[str, object]) -> str:
    melting = float(row.get("melting_point_potential_K", float("nan")))
    homologous = f", {float(row['final_temperature_K']) / melting:.2f} T_m" if melting > 0 else ""
    return (f"{row['potential']}, {row['initial_state']} starts at "
            f"{float(row['packing_density_g_cm3']):g} g/cm3, held at "
            f"{float(row['final_temperature_K']):.0f} K{homologous}")


def _atoms(size: str) -> str:
    """A critical-size text with its unit (a bound or 'not resolved' carries its own words)."""
    return f"{size} atoms" if size[:1].isdigit() else size


def _critical_size(row: Mapping[str, object]) -> str:
    """A critical-size row as text: the value with its interval; where nothing transformed,
    the lower bound the sizes run give."""
    size = _interval(row, "critical_size_atoms", "critical_size_lower_atoms",
                     "critical_size_upper_atoms")
    if size == "-" and int(float(row.get("n_crystalline") or 0)) == 0:
        largest = max(int(value) for value in str(row["sizes_atoms"]).split(","))
        return f"> {largest} (none of {int(row['n_runs'])} runs transformed)"
    if size == "-":
        return "not resolved (see its note)"
    return size


def _series_section(
    folder: Path, runs: pd.DataFrame, values: Mapping[str, object], slopes: list[list[str]]
) -> tuple[list[str], list[list[str]]]:
    """The page's lines for one series of sizes of a campaign (one potential, start, density,
    coupling and hold temperature), and its rows of the comparison table; its incubation
    slope is appended to ``slopes``."""
    statistics = series_rows(_grid(_read(folder, "incubation_statistics.tsv")), values)
    summary = series_rows(_grid(_read(folder, "summary_by_size.tsv")), values)
    critical = series_rows(_grid(_read(folder, "critical_size.tsv")), values)
    by_hold = series_rows(_grid(_read(folder, "critical_size_by_hold.tsv")), values)
    mfpt = series_rows(_grid(_read(folder, "mfpt_fits.tsv")), values)
    first = runs.iloc[0]
    hold_K = float(first["final_temperature_K"])
    hold_ps = float((runs["simulated_ps"] - runs["reference_time_ps"]).max())
    setting = f"{first['potential']}, {hold_K:.0f} K, {first['initial_state']}"
    lines = [
        f"### {first['metal']}, {_series_label(first)}",
        "",
        f"{len(runs)} runs, held up to {hold_ps:.0f} ps; "
        f"{int(flag(runs, 'hold_ended_early').sum())} ended their hold early once settled.",
        "",
        "| size (atoms) | runs | transformed | median incubation (ps) [95% CI] | "
        "final crystallinity (mean) | final largest embryo (atoms, mean) |",
        "|---:|---:|---:|---|---:|---:|",
    ]
    for _, row in statistics.sort_values("ensemble_size_atoms").iterrows():
        size = int(row["ensemble_size_atoms"])
        match = summary[summary["ensemble_size_atoms"] == size]
        crystallinity = (_num(match["final_crystallinity_mean"].iloc[0], ".2f")
                         if len(match) else "-")
        embryo = (_num(match["final_largest_embryo_atoms_mean"].iloc[0], ".0f")
                  if len(match) else "-")
        median = _interval(row, "km_median_incubation_ps", "km_median_lower_ps",
                           "km_median_upper_ps")
        if median == "-" and int(row["n_censored"]):
            median = f"none by {_num(row['observed_ps_max'])} ps"
        lines.append(f"| {size} | {int(row['n_runs'])} | {int(row['n_transformed'])} | "
                     f"{median} | {crystallinity} | {embryo} |")
    slope, n_sizes = incubation_slope(statistics)
    slopes.append([f"{first['initial_state']}, {hold_K:.0f} K", _num(slope, ".2f"),
                   str(n_sizes)])
    lines += [
        "",
        f"Incubation time against size: d ln t / d ln N = {_num(slope, '.2f')} over the "
        f"{n_sizes} sizes with a median (least squares on the Kaplan-Meier medians)."
        if n_sizes >= 2 else
        "Incubation time against size: no slope (fewer than two sizes have a median).",
        "",
    ]
    comparison: list[list[str]] = []
    for _, row in critical.iterrows():
        size = _critical_size(row)
        diameter = _interval(row, "critical_diameter_nm", "critical_diameter_lower_nm",
                             "critical_diameter_upper_nm", ".2f")
        note = str(row.get("note", "") or "").strip()
        if note in ("nan", ""):
            note = ""
        lines.append(f"Kinetic critical size (logistic fit of transformed against size, whole "
                     f"hold): **{_atoms(size)}**, {diameter} nm. {note}".rstrip())
        comparison.append([f"kinetic, {hold_ps:.0f} ps hold", size, diameter, setting])
    for _, row in by_hold.sort_values("hold_ps").iterrows():
        size = _critical_size(row)
        diameter = _interval(row, "critical_diameter_nm", "critical_diameter_lower_nm",
                             "critical_diameter_upper_nm", ".2f")
        note = str(row.get("note", "") or "").strip()
        note = str(row.get("note", "") or "").strip()
        lines.append(f"- had the runs been held {float(row['hold_ps']):g} ps: {_atoms(size)} "
                     f"({diameter} nm)" + (f"; {note}" if size.startswith("not") else ""))
        if float(row["hold_ps"]) < hold_ps - 1e-6:  # the whole hold is the row above
            comparison.append([f"kinetic, {float(row['hold_ps']):g} ps hold", size, diameter,
                               setting])
    lines += ["", "MFPT critical nucleus n* (per size with enough replicas): the size of the "
                  "largest bcc domain inside the droplet at which the mean first-passage time "
                  "tau(n) turns over - the nucleus of the bcc phase within an embryo, not the "
                  "embryo's own size:"]
    fitted = 0
    for _, row in mfpt.sort_values("ensemble_size_atoms").iterrows():
        text = _interval(row, "n_star_atoms", "n_star_lower", "n_star_upper")
        lines.append(f"- {int(row['ensemble_size_atoms'])} atoms: "
                     + (f"n* = {text} atoms" if text != "-" else str(row.get("note", ""))))
        if text != "-":
            fitted += 1
            comparison.append([f"MFPT n* ({int(row['ensemble_size_atoms'])}-atom runs)", text,
                               "-", setting])
    if not fitted:
        comparison.append(["MFPT n*", "no fit (see below)", "-", setting])
    lines.append("")
    for path in sorted((folder / "tables").glob("size_melting_fit_*.tsv")):
        fits = pd.read_csv(path, sep="\t")
        fit = fits[(fits["hold_temperature_K"] - hold_K).abs() < 0.05]
        if fit.empty or fit.iloc[0]["preset"] != first["potential"]:
            continue
        n_star = _interval(fit.iloc[0], "n_star_atoms", "n_star_lower_atoms",
                           "n_star_upper_atoms")
        lines += [f"Thermodynamic size N* (the size whose melting point is {hold_K:.0f} K, "
                  f"from the T_m(N) fit below): **{n_star} atoms**.", ""]
        comparison.append(["thermodynamic N*: T_m(N*) = T_hold", n_star, "-", setting])
    return lines, comparison


def _melting_section(folder: Path) -> list[str]:
    """The size-dependent melting of each preset of a campaign, with its fit."""
    lines: list[str] = []
    config = yaml.safe_load((folder / "config.yaml").read_text())
    heating = config.get("potential_checks", {}).get("size_melting", {})
    for path in sorted((folder / "tables").glob("size_melting_fit_*.tsv")):
        fits = pd.read_csv(path, sep="\t")
        fit = fits.iloc[0]
        curve = pd.read_csv(folder / "tables" / path.name.replace("_fit", ""), sep="\t")
        lines += [
            f"### Size-dependent melting of {fit['preset']}",
            "",
            f"Free bcc spheres heated in steps of {_num(heating.get('step_K'))} K from "
            f"{_num(heating.get('start_fraction_of_melting'))} to "
            f"{_num(heating.get('stop_fraction_of_melting'))} of T_m,bulk, "
            f"{_num(heating.get('settle_ps'))} ps to settle and "
            f"{_num(heating.get('measure_ps'))} ps measured per step; a cluster's melting "
            "point is the jump of its caloric curve, confirmed by the structure analysis (its "
            "crystal is lost there).",
            "",
            "| size (atoms) | T_m (K) | +- (K) |",
            "|---:|---:|---:|",
        ]
        for _, point in curve.iterrows():
            confirmed = str(point.get("confirmed")).strip().lower() in ("true", "1")
            melting_K = (_num(point.get("melting_point_K"), ".0f") if confirmed
                         else "no crystal to melt (not fitted)")
            lines.append(f"| {int(point['n_atoms'])} | {melting_K} | "
                         f"{_num(point.get('melting_point_uncertainty_K'), '.0f')} |")
        c = _interval(fit, "c", "c_lower", "c_upper")
        lines += [
            "",
            f"Fit T_m(N) = T_m,bulk (1 - c N^(-1/3)), T_m,bulk = "
            f"{_num(fit['bulk_melting_point_K'], '.0f')} K fixed (the coexistence value): "
            f"c = **{c}** ({int(fit['n_sizes'])} sizes: {fit['sizes_fitted']} atoms).",
            "",
        ]
        for _, row in fits.iterrows():
            n_star = _interval(row, "n_star_atoms", "n_star_lower_atoms", "n_star_upper_atoms")
            lines.append(f"- N* at {_num(row['hold_temperature_K'], '.0f')} K: {n_star} atoms "
                         "(smaller embryos are liquid there)")
        lines.append("")
    return lines


def _campaign_section(
    folder: Path, slopes: list[list[str]]
) -> tuple[list[str], list[list[str]]]:
    """The page's lines for one committed campaign, and its rows of the comparison table
    (its series' incubation slopes go to ``slopes``)."""
    made = json.loads((folder / "made_with.json").read_text())
    runs = _grid(_read(folder, "campaign.tsv"))
    name = folder.name
    lines = [
        f"## Campaign `{name}`",
        "",
        f"Made with `{made['command']}` at commit {made.get('commit', '?')} on "
        f"{made.get('date', '?')}; its MD jobs took {made.get('md_job_wall_min_total', '?')} "
        f"min of wall time summed over jobs ({made.get('md_jobs_resumed', '?')} resumed from "
        f"a restart). Tables, figures, config and every run's provenance: [`{name}/`]({name}/).",
        "",
    ]
    keys = [key for key in SIZE_SERIES_KEYS if key in runs.columns]
    comparison: list[list[str]] = []
    for values, series in runs.groupby(keys, sort=True):
        section, rows = _series_section(folder, series, dict(zip(keys, values, strict=True)),
                                        slopes)
        lines += section
        comparison += rows
    lines += _melting_section(folder)
    figures = sorted((folder / "figures").glob("*.png"))
    if figures:
        lines += ["Figures: " + ", ".join(f"[{p.stem}]({name}/figures/{p.name})"
                                          for p in figures), ""]
    return lines, comparison


def page_text(results_dir: str | Path) -> str:
    """The page, from the committed campaign folders under ``results_dir`` (each with a
    ``made_with.json``), in name order."""
    root = Path(results_dir)
    folders = sorted(p.parent for p in root.glob("*/made_with.json"))
    lines = [
        GENERATED,
        "",
        "# Results: the paper's claims beside this project's measurements",
        "",
        f"The paper, {PAPER['source']}, says that Li deposited slowly nucleates as amorphous "
        f"embryos and that only embryos larger than about {PAPER['critical_size_atoms']} atoms "
        f"({PAPER['critical_diameter_nm']} nm) turn bcc, with incubation time falling with "
        f"size ({PAPER['start']}, {PAPER['temperature_K']} K, one run per size). Below, each "
        "claim beside what this workflow measured, with intervals (95%). Every number is "
        "written from the tables in this folder by `glassy_li.results_page`.",
        "",
    ]
    comparison: list[list[str]] = []
    sections: list[str] = []
    slopes: list[list[str]] = []
    for folder in folders:
        start = len(slopes)
        section, rows = _campaign_section(folder, slopes)
        sections += section
        comparison += [[folder.name, *row] for row in rows]
        slopes[start:] = [[folder.name, *row] for row in slopes[start:]]
    lines += [
        "## Claim by claim",
        "",
        "**Claim: embryos above a critical size turn bcc, smaller ones stay amorphous.** "
        f"Paper: about {PAPER['critical_size_atoms']} atoms, {PAPER['critical_diameter_nm']} nm "
        f"({PAPER['start']}, {PAPER['temperature_K']} K, ReaxFF). This project:",
        "",
        "| campaign | measure | size (atoms) [95% CI] | diameter (nm) | potential, T, start |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in comparison]
    lines += [
        "",
        "**Claim: incubation time falls with size.** This project: the slope of ln(median "
        "incubation time) against ln(size) per series (negative: falls with size); the "
        "per-size medians with their intervals are in each campaign's section.",
        "",
        "| campaign | series | d ln t / d ln N | sizes with a median |",
        "|---|---|---:|---:|",
        *("| " + " | ".join(row) + " |" for row in slopes),
        "",
        *sections,
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_page(results_dir: str | Path) -> str:
    """Write :func:`page_text` to ``results_dir/README.md`` (atomically); return it."""
    text = page_text(results_dir)
    target = Path(results_dir) / "README.md"
    partial = target.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(target)
    return text


if __name__ == "__main__":
    import sys

    print(write_page(sys.argv[1] if len(sys.argv) > 1 else "docs/results"), end="")
