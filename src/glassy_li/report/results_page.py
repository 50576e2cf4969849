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
import math
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from glassy_li.analysis.aggregate import SIZE_SERIES_KEYS, UNCHECKED_OUTCOMES, flag, percolating
from glassy_li.analysis.report_text import (
    critical_diameter_text,
    critical_size_bounds,
    critical_size_text,
    format_number,
    outcome_label,
    plain_text,
    series_rows,
)
from glassy_li.analysis.robustness import (
    PairedDifference,
    Slope,
    coupling_label,
    density_rows,
    ols_slope,
    paired_incubation_differences,
)
from glassy_li.analysis.statistics import mean_interval, proportion_interval
from glassy_li.core.project import REPO_ROOT
from glassy_li.core.yaml_files import load_yaml
from glassy_li.report.paper_answer import answer_section

__all__ = [
    "DEPOSITION_PAGE_TABLES",
    "PAGE_TABLES",
    "PAGE_FIGURES",
    "PAPER",
    "collect_campaign",
    "git_commit",
    "require_committed_code",
    "uncommitted_code",
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

MIN_SIZES_FOR_COMPARISON = 3
"""A series enters the claim-by-claim critical-size table with at least this many sizes."""

GENERATED = (
    "<!-- Written by glassy_li.report.results_page from the tables in this folder; do not edit: "
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


def _git(project_root: str | Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project_root, capture_output=True, text=True,
                          check=False).stdout.strip()


def uncommitted_code(project_root: str | Path) -> list[str]:
    """Tracked files that differ from the commit, outside ``docs/results/`` (the page and its
    campaign folders are what a results_page job writes, not code)."""
    status = _git(project_root, "status", "--porcelain", "--untracked-files=no", "--", ".",
                  ":(exclude)docs/results")
    return [line.split(maxsplit=1)[1] for line in status.splitlines() if line.strip()]


def git_commit(project_root: str | Path) -> str:
    """The project's git commit, with ``+changes`` when tracked files outside docs/results/
    differ from it (:func:`uncommitted_code`)."""
    commit = _git(project_root, "rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+changes" if uncommitted_code(project_root) else "")


def require_committed_code(project_root: str | Path, allow_uncommitted: bool) -> None:
    """Refuse to write a committed campaign folder from code that is not committed: its
    ``made_with.json`` would name a commit that did not make it (``results_page.
    allow_uncommitted: true`` overrides, and the commit then reads ``+changes``)."""
    changed = uncommitted_code(project_root)
    if changed and not allow_uncommitted:
        shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8
                                           else "")
        raise RuntimeError(
            f"results_page: tracked files differ from commit "
            f"{_git(project_root, 'rev-parse', '--short', 'HEAD')}: {shown}. Commit them first, "
            "so that docs/results names the code that made it (or set config key "
            "'results_page.allow_uncommitted: true')")


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


def incubation_slope(statistics: pd.DataFrame) -> Slope:
    """How steeply the incubation time falls with size: the least-squares slope of
    ln(Kaplan-Meier median incubation time) against ln(size) over the sizes that have a
    median, with its Student-t interval (NaN below three sizes)."""
    rows = statistics.dropna(subset=["km_median_incubation_ps"])
    rows = rows[rows["km_median_incubation_ps"] > 0]
    if len(rows) < 2:
        return Slope(float("nan"), float("nan"), float("nan"), len(rows))
    return ols_slope(np.log(rows["km_median_incubation_ps"].astype(float)),
                     np.log(rows["ensemble_size_atoms"].astype(float)))


# -- the page ---------------------------------------------------------------------------------
def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / "tables" / name
    return pd.read_csv(path, sep="\t") if path.exists() else pd.DataFrame()


def _grid(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["group"] == "grid"] if "group" in table else table


def _series_label(row: Mapping[str, object]) -> str:
    melting = float(row.get("melting_point_potential_K", float("nan")))
    homologous = f", {_homologous(row)}" if melting > 0 else ""
    return (f"{row['potential']}, {row['initial_state']} starts at "
            f"{float(row['packing_density_g_cm3']):g} g/cm3, held at "
            f"{float(row['final_temperature_K']):.0f} K{homologous}")


def _atoms(size: str) -> str:
    """A critical-size text (:func:`critical_size_text` carries its unit)."""
    return size


def _critical_size(row: Mapping[str, object]) -> str:
    """A critical-size row as text: a value with its interval, a bracket, a bound or "not
    resolved" with the reason (:func:`critical_size_text`)."""
    return critical_size_text(row)


def _wilson(row: Mapping[str, object], count: str, fraction: str) -> str:
    """``k/n [lower, upper]``: a count of runs with the Wilson interval of its fraction."""
    low, high = _float(row.get(f"{fraction}_lower")), _float(row.get(f"{fraction}_upper"))
    if not np.isfinite(_float(row.get(count))):
        return "not measured"
    text = f"{int(float(row[count]))}/{int(float(row['n_runs']))}"
    return text + (f" [{low:.2f}, {high:.2f}]" if np.isfinite(low) and np.isfinite(high)
                   else "")


def _outcome_rows(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The rows of one outcome of a critical-size table (a table from before the outcome
    column holds the reference structure's alone)."""
    if "outcome" not in table:
        return table if outcome == "reference" else table.iloc[0:0]
    return table[table["outcome"] == outcome]


def _agreement(reference: Mapping[str, object] | None,
               any_crystal: Mapping[str, object] | None) -> str:
    """Whether the reference-structure and any-crystal critical sizes of a series agree:
    their intervals (bounds) overlap, or not."""
    if reference is None or any_crystal is None:
        return "-"
    a, b = critical_size_bounds(reference), critical_size_bounds(any_crystal)
    if a is None or b is None:
        return "not comparable (one is not resolved)"
    return "agree (intervals overlap)" if a[0] <= b[1] and b[0] <= a[1] else "**differ**"


def _series_section(
    folder: Path, runs: pd.DataFrame, values: Mapping[str, object], slopes: list[list[str]]
) -> tuple[list[str], dict[str, object]]:
    """The page's lines for one series of sizes of a campaign (one potential, start, density,
    coupling and hold temperature), and its row of the claim table (one cell per measure);
    its incubation slope is appended to ``slopes``."""
    statistics = series_rows(_grid(_read(folder, "incubation_statistics.tsv")), values)
    summary = series_rows(_grid(_read(folder, "summary_by_size.tsv")), values)
    critical = series_rows(_grid(_read(folder, "critical_size.tsv")), values)
    by_hold = series_rows(_grid(_read(folder, "critical_size_by_hold.tsv")), values)
    mfpt = series_rows(_grid(_read(folder, "mfpt_fits.tsv")), values)
    first = runs.iloc[0]
    hold_K = float(first["final_temperature_K"])
    hold_ps = float((runs["simulated_ps"] - runs["reference_time_ps"]).max())
    structure = str(first.get("reference_structure", "bcc"))
    basis = plain_text(statistics["outcome_basis"].iloc[0]) if (
        "outcome_basis" in statistics and len(statistics)) else UNCHECKED_OUTCOMES
    checked = basis == "lasting order"
    lines = [
        f"### {first['metal']}, {_series_label(first)}",
        "",
        f"{len(runs)} runs, held up to {hold_ps:.0f} ps; "
        f"{int(flag(runs, 'hold_ended_early').sum())} ended their hold early once settled. "
        + (f"Outcomes: a run has ordered when its {structure} crystallinity (or, beside it, "
           "its any-crystal crystallinity) reaches the threshold and the order lasts to the "
           "end of the run; a fall back below for a whole persistence window is a reversion, "
           "counted."
           if checked else
           f"Outcomes: **{UNCHECKED_OUTCOMES}** (the runs predate those checks and their "
           f"per-frame traces are not committed): ordered means {structure} crystallinity at "
           "the threshold for one persistence window; the any-crystal column is the final "
           "window's any-crystal crystallinity at the threshold."),
        "",
        f"| size (atoms) | runs | ordered by the end, {structure} [95% CI] | any crystal "
        "[95% CI] | "
        "reverted | median incubation (ps) [95% CI] | final crystallinity (mean) | "
        "final largest embryo (atoms, mean) |",
        "|---:|---:|---|---|---:|---|---:|---:|",
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
        elif median == "-" and int(row["n_crystalline_at_reference"]) == int(row["n_runs"]):
            median = "crystalline from the start"
        reverted = _num(row.get("n_runs_reverted"), ".0f") if checked else "not checked"
        lines.append(
            f"| {size} | {int(row['n_runs'])} | "
            f"{_wilson(row, 'n_ordered_by_end', 'fraction_ordered')} | "
            f"{_wilson(row, 'any_crystal_n_crystalline', 'any_crystal_fraction')} | "
            f"{reverted} | {median} | {crystallinity} | {embryo} |")
    slope = incubation_slope(statistics)
    slopes.append([f"{first['initial_state']}, {hold_K:.0f} K",
                   _slope_text(slope), str(slope.n), _slope_verdict(slope)])
    ended_below = int(pd.to_numeric(statistics.get(
        "n_transformed_ending_below_threshold", pd.Series(dtype=float)), errors="coerce")
        .fillna(0).sum())
    if ended_below:
        lines += ["", f"**{ended_below} run(s) read as ordered end with their final-window "
                      f"{structure} crystallinity below the threshold**: their order did not "
                      "last" + ("" if checked else " (a reversion the old analysis did not "
                                "check; counted as ordered above)") + "."]
    lines += [
        "",
        f"Incubation time against size: d ln t / d ln N = {_slope_text(slope)} (95% "
        f"t-interval, least squares on the Kaplan-Meier medians of the {slope.n} sizes that "
        f"have one): {_slope_verdict(slope)}."
        if slope.n >= 3 else
        f"Incubation time against size: no slope with an interval ({slope.n} of the sizes "
        "have a median; three are needed).",
        "",
    ]
    claim: dict[str, object] = {"holds": {}, "basis": basis, "series":
                                f"{first['potential']}, {hold_K:.0f} K "
                                f"({_homologous(first)}), {first['initial_state']}"}
    rows = {outcome: _outcome_rows(critical, outcome) for outcome in ("reference",
                                                                      "any crystal")}
    for table in rows.values():
        for _, row in table.iterrows():
            diameter = critical_diameter_text(row)
            lines.append(f"Kinetic critical size, {outcome_label(row)} (logistic in ln N, "
                         f"{_percent(row)} penalised profile-likelihood interval, whole hold): "
                         f"**{critical_size_text(row)}**"
                         + (f", {diameter}" if diameter != "-" else "") + ".")
    reference = rows["reference"].iloc[0] if len(rows["reference"]) else None
    any_crystal = rows["any crystal"].iloc[0] if len(rows["any crystal"]) else None
    claim["any_crystal"] = critical_size_text(any_crystal) if any_crystal is not None else "-"
    claim["agree"] = _agreement(reference, any_crystal)
    lines += ["", f"The {structure} and any-crystal answers: {claim['agree']}.", ""]
    for _, row in _outcome_rows(by_hold, "reference").sort_values("hold_ps").iterrows():
        size = critical_size_text(row)
        lines.append(f"- had the runs been held {float(row['hold_ps']):g} ps: {size}"
                     + (f", {critical_diameter_text(row)}"
                        if critical_diameter_text(row) != "-" else ""))
        claim["holds"][float(row["hold_ps"])] = size  # type: ignore[index]
    if not claim["holds"] and reference is not None:
        claim["holds"][hold_ps] = critical_size_text(reference)  # type: ignore[index]
    lines += ["", *_mfpt_lines(mfpt)]
    claim["mfpt"] = _mfpt_claim(mfpt)
    claim["n_star"] = "-"
    for path in sorted((folder / "tables").glob("size_melting_fit_*.tsv")):
        fits = pd.read_csv(path, sep="\t")
        fit = fits[(fits["hold_temperature_K"] - hold_K).abs() < 0.05]
        if fit.empty or fit.iloc[0]["preset"] != first["potential"]:
            continue
        n_star = _melting_n_star(fit.iloc[0])
        lines += [f"Thermodynamic size N* (the size whose melting point is {hold_K:.0f} K, "
                  f"from the T_m(N) fit below): **{n_star}**.", ""]
        claim["n_star"] = n_star
    return lines, claim


def _percent(row: Mapping[str, object]) -> str:
    return format_number(row.get("confidence"), ".0%") or "95%"


_MELTING_NOW: dict[str, dict] = {}
"""Preset -> its current melting point entry (config/potentials.yaml), set by page_text."""
OLD_INPUT_MARK = " (old timestep)"
"""Appended to a campaign's name in the page's tables where its MD ran at an old timestep."""


INPUT_KEYS = ("timestep_fs", "hold_timestep_fs", "accelerated_suffix")
"""The preset keys that set a run's input beyond its physics (timesteps, pair-style variant)."""


def current_melting_points(project_root: str | Path = REPO_ROOT) -> dict[str, dict]:
    """Each preset's melting point as the project's config records it now: value, 95%
    interval, method, and the value campaigns were planned with before; and its input keys
    now (:data:`INPUT_KEYS`)."""
    path = Path(project_root) / "config" / "potentials.yaml"
    if not path.exists():
        return {}
    presets = (load_yaml(path.read_text()) or {}).get("potential_presets", {})
    return {name: {key: entry.get(key) for key in (
                "melting_point_K", "melting_point_interval_K", "melting_point_method",
                "previous_melting_point_K", *INPUT_KEYS)}
            for name, entry in presets.items() if entry.get("melting_point_K")}


def _input_of(md: Mapping[str, object], preset: Mapping[str, object]) -> tuple[float, float, str]:
    """(heat and quench timestep fs, hold timestep fs, pair style) of a preset's MD runs
    under a config's md section (as glassy_li.config.compose resolves them)."""
    hot = float(md.get("timestep_fs") or preset["timestep_fs"])  # type: ignore[arg-type]
    hold = float(md.get("hold_timestep_fs") or md.get("timestep_fs")  # type: ignore[arg-type]
                 or preset.get("hold_timestep_fs") or preset["timestep_fs"])
    if md.get("thermostat") == "none" and not md.get("hold_timestep_fs"):
        hold = hot  # an NVE hold keeps the heat and quench step (Campaign.protocol)
    style = str(preset["pair_style"])
    if md.get("accelerated_styles", False) and preset.get("accelerated_suffix"):
        style = f"{style.split(maxsplit=1)[0]}/{preset['accelerated_suffix']}"
    return hot, hold, style


def old_inputs(folder: Path) -> dict[str, str]:
    """Potential -> what was old about the input a committed campaign's MD ran with: its
    timesteps where the preset's now differ (the committed config.yaml against the
    project's presets now); empty where they agree or cannot be told."""
    config_path = folder / "config.yaml"
    runs = _read(folder, "campaign.tsv")
    if not config_path.exists() or runs.empty or "potential" not in runs:
        return {}
    config = load_yaml(config_path.read_text()) or {}
    md = config.get("md") or {}
    presets = config.get("potential_presets") or {}
    notes = {}
    for potential in sorted(set(runs["potential"].astype(str))):
        then_preset, now_keys = presets.get(potential), _MELTING_NOW.get(potential)
        if not then_preset or not now_keys or not now_keys.get("timestep_fs"):
            continue
        now_preset = {**then_preset, **{k: now_keys.get(k) for k in INPUT_KEYS}}
        then = _input_of(md, then_preset)
        now = _input_of({**md, "accelerated_styles": True}, now_preset)
        if then[:2] == now[:2]:
            continue

        def text(value: tuple[float, float, str]) -> str:
            steps = (f"{value[0]:g} fs in every stage" if value[0] == value[1] else
                     f"{value[0]:g} fs (heat, quench) and {value[1]:g} fs (hold)")
            return f"{steps}, `{value[2]}`"

        notes[potential] = f"`{potential}` at {text(then)}; now {text(now)}"
    return notes


def _old_input_lines(folder: Path) -> list[str]:
    notes = old_inputs(folder)
    if not notes:
        return []
    return [f"**Made at the old timestep** (not rerun here; today's input: "
            f"[docs/performance.md](../performance.md#timesteps)): {'; '.join(notes.values())}.",
            ""]


def _homologous(row: Mapping[str, object]) -> str:
    """T_hold / T_m of a series: with the interval the melting point's interval puts on it,
    and, where T_m has been re-measured since the series was planned, at both values."""
    melting = _float(row.get("melting_point_potential_K"))
    if not melting > 0:
        return "T_m unknown"
    hold = float(row["final_temperature_K"])
    planned = f"{hold / melting:.2f} T_m"
    now = _MELTING_NOW.get(str(row.get("potential")), {})
    value, interval = now.get("melting_point_K"), now.get("melting_point_interval_K")
    if not value:
        return planned
    spread = (f" [{hold / interval[1]:.2f}, {hold / interval[0]:.2f}]" if interval else "")
    if abs(float(value) - melting) > 0.5:
        return (f"{planned} of the old {melting:.0f} K; {hold / float(value):.2f}{spread} of "
                f"the measured {float(value):.0f} K")
    return f"{planned.removesuffix(' T_m')}{spread} T_m"


def _melting_points_lines(folders: Sequence[Path]) -> list[str]:
    """Which melting point each preset has now, and the series planned with an older one."""
    if not _MELTING_NOW:
        return []
    rows: list[str] = []
    planned: dict[str, set[str]] = {}
    for folder in folders:
        runs = _read(folder, "campaign.tsv")
        if runs.empty or "melting_point_potential_K" not in runs:
            continue
        for potential, value in runs.groupby("potential")["melting_point_potential_K"].first(
                ).items():
            now = _MELTING_NOW.get(str(potential), {}).get("melting_point_K")
            if now and abs(float(now) - float(value)) > 0.5:
                planned.setdefault(str(potential), set()).add(f"{folder.name} ({value:.0f} K)")
    for name, entry in sorted(_MELTING_NOW.items()):
        if not entry.get("melting_point_method") and name not in planned:
            continue
        interval = entry.get("melting_point_interval_K")
        value = f"{float(entry['melting_point_K']):.0f}" + (
            f" [{interval[0]:.0f}, {interval[1]:.0f}]" if interval else "")
        old = ", ".join(sorted(planned.get(name, []))) or "-"
        rows.append(f"| `{name}` | {value} | {entry.get('melting_point_method') or '-'} "
                    f"| {old} |")
    if not rows:
        return []
    return ["## Melting points: every temperature is a fraction of one", "",
            "| preset | T_m now (K) [95%] | method | series planned with another T_m |",
            "|---|---|---|---|", *rows, "",
            "A series planned with an older T_m stands at that T_m: its homologous "
            "temperature is given at both values (T_hold / T_m, with the interval the new "
            "T_m's interval puts on it). These series are not rerun here. How each melting "
            "point was measured, and the size-dependent melting at the new value: "
            "[docs/potentials.md](../potentials.md).", ""]


def _slope_text(slope: Slope) -> str:
    if not np.isfinite(slope.slope):
        return "-"
    if not np.isfinite(slope.lower):
        return f"{slope.slope:.2f} (no interval)"
    return f"{slope.slope:.2f} [{slope.lower:.2f}, {slope.upper:.2f}]"


def _slope_verdict(slope: Slope) -> str:
    """A direction only where the slope's interval excludes zero."""
    if not np.isfinite(slope.lower):
        return "no interval" if np.isfinite(slope.slope) else "-"
    return {-1: "**falls** with size", 1: "**rises** with size",
            0: "not resolved (the interval holds 0)"}[slope.sign]


MFPT_WITHDRAWN = (
    "MFPT nucleus: withdrawn for this series. The old fit kept tau(n) only up to the size "
    "every replica reached, fitted series with no transition and allowed n* < 1; the "
    "corrected, censored estimator (glassy_li.analysis.mfpt) needs the per-frame traces, which "
    "this campaign did not commit."
)


def _mfpt_lines(mfpt: pd.DataFrame) -> list[str]:
    """The MFPT nucleus of each size of a series, from a corrected table; withdrawn (with
    the reason) where the series has only the old estimator's table or none."""
    if mfpt.empty or "estimator" not in mfpt:
        return [MFPT_WITHDRAWN, ""]
    lines = ["MFPT nucleus n* (mean first-passage time of the largest "
             "reference-structure domain, censored replicas included; "
             "glassy_li.analysis.mfpt): the size of the domain inside the droplet at which "
             "tau(n) turns over, not the embryo's own size:"]
    for _, row in mfpt.sort_values("ensemble_size_atoms").iterrows():
        text = _interval(row, "n_star_atoms", "n_star_lower_atoms", "n_star_upper_atoms")
        lines.append(f"- {int(row['ensemble_size_atoms'])} atoms: "
                     + (f"n* = {text} atoms" if text != "-" else plain_text(row.get("note"))))
    return [*lines, ""]


def _mfpt_claim(mfpt: pd.DataFrame) -> str:
    """The claim table's MFPT cell: each fitted size's n*, or why there is none."""
    if mfpt.empty or "estimator" not in mfpt:
        return "withdrawn (see the series)"
    cells = [f"{int(row['ensemble_size_atoms'])}-atom runs: "
             + _interval(row, "n_star_atoms", "n_star_lower_atoms", "n_star_upper_atoms")
             for _, row in mfpt.sort_values("ensemble_size_atoms").iterrows()
             if np.isfinite(_float(row.get("n_star_atoms")))]
    return "; ".join(cells) if cells else "no fit (see the series)"


def _melting_n_star(row: Mapping[str, object]) -> str:
    """N* of the T_m(N) fit: a value with its interval inside the sizes fitted, else the
    bound (older tables: the value as it was written)."""
    status = row.get("n_star_status")
    sizes = [int(n) for n in str(row.get("sizes_fitted", "")).split(",") if n.strip()]
    value = _float(row.get("n_star_atoms"))
    if not isinstance(status, str) and sizes and math.isfinite(value):
        # an older table: its value outside the sizes fitted is a bound all the same
        if value < min(sizes):
            status, row = "below", {**row, "n_star_bound_atoms": min(sizes)}
        elif value > max(sizes):
            status, row = "above", {**row, "n_star_bound_atoms": max(sizes)}
    if isinstance(status, str) and status.startswith(("below", "above")):
        sign = "<" if status.startswith("below") else ">"
        return (f"{sign} {_num(row.get('n_star_bound_atoms'), '.0f')} atoms (a bound: the "
                f"fit's N* lies {'below' if sign == '<' else 'above'} the sizes fitted)")
    if isinstance(status, str) and status != "resolved":
        return plain_text(status)
    return _interval(row, "n_star_atoms", "n_star_lower_atoms", "n_star_upper_atoms") + " atoms"


def _melting_section(folder: Path) -> list[str]:
    """The size-dependent melting of each preset of a campaign, with its fit."""
    lines: list[str] = []
    config = load_yaml((folder / "config.yaml").read_text())
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
            "| size (atoms) | T_m (K) | +- (K) | residual of the fit (K) |",
            "|---:|---:|---:|---:|",
        ]
        for _, point in curve.iterrows():
            confirmed = str(point.get("confirmed")).strip().lower() in ("true", "1")
            melting_K = (_num(point.get("melting_point_K"), ".0f") if confirmed
                         else "no crystal to melt (none given, not fitted)")
            residual = _num(point.get("residual_K"), "+.0f") if confirmed else "-"
            lines.append(f"| {int(point['n_atoms'])} | {melting_K} | "
                         f"{_num(point.get('melting_point_uncertainty_K'), '.0f')} | "
                         f"{residual} |")
        c = _interval(fit, "c", "c_lower", "c_upper")
        treatment = fit.get("bulk_treatment")
        if isinstance(treatment, str) and treatment:
            bulk = _interval(fit, "bulk_melting_point_K", "bulk_melting_point_lower_K",
                             "bulk_melting_point_upper_K")
            lines += [
                "",
                f"Fit T_m(N) = T_m,bulk (1 - c N^(-1/3)), weighted, T_m,bulk {treatment} "
                f"-> T_m,bulk = {bulk} K, c = **{c}** ({int(fit['n_sizes'])} sizes: "
                f"{fit['sizes_fitted']} atoms; residuals {fit.get('residuals_K')} K; errors "
                f"scaled by {_num(fit.get('scale'), '.2f')} for the scatter).",
                "",
            ]
        else:
            lines += [
                "",
                f"Fit T_m(N) = T_m,bulk (1 - c N^(-1/3)), T_m,bulk = "
                f"{_num(fit['bulk_melting_point_K'], '.0f')} K fixed (the coexistence value, "
                f"before the interface-velocity measurement): c = **{c}** "
                f"({int(fit['n_sizes'])} sizes: {fit['sizes_fitted']} atoms).",
                "",
            ]
        for _, row in fits.iterrows():
            lines.append(f"- N* (the size whose melting point is the hold) at "
                         f"{_num(row['hold_temperature_K'], '.0f')} K: {_melting_n_star(row)}")
        lines.append("")
    return lines


def _campaign_section(
    folder: Path, slopes: list[list[str]]
) -> tuple[list[str], list[dict[str, object]]]:
    """The page's lines for one committed campaign, and its rows of the claim table (its
    series' incubation slopes go to ``slopes``)."""
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
        *_old_input_lines(folder),
    ]
    comparison: list[dict[str, object]] = []
    if not runs.empty:
        keys = [key for key in SIZE_SERIES_KEYS if key in runs.columns]
        for values, series in runs.groupby(keys, sort=True):
            # a critical size needs sizes on both sides: series of fewer than three sizes
            # (the density and coupling studies, the positive control) stay in their own
            # sections
            compared = series["ensemble_size_atoms"].nunique() >= MIN_SIZES_FOR_COMPARISON
            section, claim = _series_section(folder, series,
                                             dict(zip(keys, values, strict=True)),
                                             slopes if compared else [])
            lines += section
            if compared:
                comparison.append(claim)
        lines += _melting_section(folder)
    lines += _deposition_section(folder)
    figures = sorted((folder / "figures").glob("*.png"))
    if figures:
        lines += ["Figures: " + ", ".join(f"[{p.stem}]({name}/figures/{p.name})"
                                          for p in figures), ""]
    return lines, comparison


def page_text(results_dir: str | Path,
              melting_points: Mapping[str, Mapping] | None = None) -> str:
    """The page, from the committed campaign folders under ``results_dir`` (each with a
    ``made_with.json``), in name order. ``melting_points``: preset -> its melting-point entry
    now (``melting_point_K``, ``melting_point_interval_K``, ``melting_point_method``); by
    default the project's ``config/potentials.yaml``. A series planned with another value is
    given at both."""
    root = Path(results_dir)
    folders = sorted(p.parent for p in root.glob("*/made_with.json"))
    _MELTING_NOW.clear()
    _MELTING_NOW.update(current_melting_points() if melting_points is None
                        else {k: dict(v) for k, v in melting_points.items()})
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
        "written from the tables in this folder by `glassy_li.report.results_page`.",
        "",
        *answer_section(root),
    ]
    claims: list[dict[str, object]] = []
    sections: list[str] = []
    slopes: list[list[str]] = []
    old = [folder.name for folder in folders if old_inputs(folder)]
    for folder in folders:
        start = len(slopes)
        section, rows = _campaign_section(folder, slopes)
        sections += section
        label = folder.name + (OLD_INPUT_MARK if folder.name in old else "")
        claims += [{**row, "campaign": label} for row in rows]
        slopes[start:] = [[label, *row] for row in slopes[start:]]
    if old:
        lines += [
            f"**Campaigns marked{OLD_INPUT_MARK}:** "
            f"{', '.join(f'`{name}`' for name in old)}. Their MD ran before the timestep "
            "study (2026-12-07) at the presets' old timesteps (Li: 1 fs in every stage); "
            "campaigns now hold at a longer step (each campaign's section says which; an "
            "NVE hold, thermostat none, keeps the heat and quench step). "
            "Every number from them below, in the tables and in the questions, was made "
            "at the old timestep; they are not rerun here. Whether the outcome moves with "
            "the timestep: [docs/performance.md](../performance.md#timesteps).",
            "",
        ]
    lines += [
        "## Claim by claim",
        "",
        "**Claim: embryos above a critical size turn bcc, smaller ones stay amorphous.** "
        f"Paper: about {PAPER['critical_size_atoms']} atoms, {PAPER['critical_diameter_nm']} nm "
        f"({PAPER['start']}, {PAPER['temperature_K']} K, ReaxFF). This project:",
        "",
        *_claim_table(claims),
        "",
        *_positive_control_lines(folders),
        "**Claim: incubation time falls with size.** This project: the slope of ln(median "
        "incubation time) against ln(size) per series with its 95% t-interval (negative: "
        "falls with size); a direction is written only where the interval excludes 0. The "
        "per-size medians with their intervals are in each campaign's section.",
        "",
        "| campaign | series | d ln t / d ln N [95% CI] | sizes with a median | verdict |",
        "|---|---|---|---:|---|",
        *("| " + " | ".join(row) + " |" for row in slopes),
        "",
        *robustness_lines(folders),
        *_melting_points_lines(folders),
        *sections,
    ]
    return "\n".join(lines).rstrip() + "\n"


def _claim_table(claims: Sequence[Mapping[str, object]]) -> list[str]:
    """The claim table: one row per series, one column per measure, each named with its
    unit: the kinetic critical size at each hold (reference structure), the any-crystal one
    over the whole hold and whether the two agree, the MFPT nucleus and the thermodynamic
    N*."""
    holds = sorted({hold for claim in claims for hold in claim["holds"]})  # type: ignore[attr-defined]
    header = (["campaign", "series (potential, hold T, start)", "outcomes measured"]
              + [f"kinetic N_c, bcc, {hold:g}-ps hold (atoms) [95% CI]" for hold in holds]
              + ["kinetic N_c, any crystal, whole hold (atoms) [95% CI]",
                 "bcc vs any crystal", "MFPT nucleus n* (bcc domain, atoms)",
                 "thermodynamic N* (atoms): T_m(N*) = T_hold"])
    lines = [
        "Kinetic N_c: the ensemble size at which half the runs order (logistic in ln N), "
        "with its profile-likelihood interval (Firth-penalised); separated outcomes give the "
        "bracket between "
        "the sizes that separate them, none (all) ordered a one-sided bound, and a fit the "
        "data cannot decide reads \"not resolved\" with the reason. The MFPT nucleus is "
        "the size of the bcc domain inside a droplet at which its mean first-passage time "
        "turns over; N* the size whose melting point is the hold temperature. Three "
        "different measures: compare each with itself.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for claim in claims:
        cells = [str(claim["campaign"]), str(claim["series"]), str(claim["basis"])]
        cells += [str(claim["holds"].get(hold, "-")) for hold in holds]  # type: ignore[attr-defined]
        cells += [str(claim["any_crystal"]), str(claim["agree"]), str(claim["mfpt"]),
                  str(claim["n_star"])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _positive_control_lines(folders: Sequence[Path]) -> list[str]:
    """Does a crystal of the threshold's size survive the hold?  Every campaign's whole-bcc
    or seeded droplets, per size and hold temperature."""
    lines: list[str] = []
    for folder in folders:
        runs = _grid(_read(folder, "campaign.tsv"))
        if runs.empty or "seeded-droplet" not in set(runs["initial_state"]):
            continue
        seeded = runs[runs["initial_state"] == "seeded-droplet"]
        config = load_yaml((folder / "config.yaml").read_text())
        fraction = float(config["system"]["seed_fraction"])
        hold_ps = float((seeded["simulated_ps"] - seeded["reference_time_ps"]).max())
        lines += [
            f"**Positive control (campaign `{folder.name}`): does a crystal of the threshold's "
            "size survive the hold?** "
            + ("Whole bcc spheres" if fraction >= 1 else f"Droplets around a bcc seed of "
               f"{fraction:g} of their atoms")
            + f", set at the hold temperature and held {hold_ps:.0f} ps. Ordered at the start: "
            "crystalline on the first frame of the hold (the clock starts after the "
            "heat stage, run at the hold temperature here). Survived: ordered at the start "
            "and still ordered at the end (no reversion), count [95% Wilson interval].",
            "",
            "| size (atoms) | hold T (K) | T / T_m | runs | ordered at the start | survived "
            "[95% CI] | reverted | final crystallinity (mean [min, max]) | final bcc fraction "
            "of the largest embryo (mean) |",
            "|---:|---:|---:|---:|---:|---|---:|---|---:|",
        ]
        for (size, temperature), group in seeded.groupby(["ensemble_size_atoms",
                                                         "final_temperature_K"]):
            survived = int(group["status"].eq("crystalline_at_reference").sum())
            _, low, high = proportion_interval(survived, len(group))
            final = pd.to_numeric(group["final_crystallinity"], errors="coerce")
            bcc = pd.to_numeric(group["final_bcc_fraction_largest_embryo"], errors="coerce")
            reverted = int((pd.to_numeric(group.get("n_reversions"), errors="coerce")
                            > 0).sum()) if "n_reversions" in group else "not checked"
            at_start = (int((pd.to_numeric(group["first_order_ps"], errors="coerce")
                             .abs() < 1e-9).sum()) if "first_order_ps" in group
                        else "not recorded")
            homologous = _homologous(group.iloc[0]).removesuffix(" T_m")
            lines.append(
                f"| {int(size)} | {float(temperature):.0f} | {homologous} | "
                f"{len(group)} | {at_start} | {survived}/{len(group)} [{low:.2f}, {high:.2f}] | "
                f"{reverted} | "
                f"{final.mean():.2f} [{final.min():.2f}, {final.max():.2f}] | {bcc.mean():.2f} |")
        lines.append("")
    return lines


def write_page(results_dir: str | Path) -> str:
    """Write :func:`page_text` to ``results_dir/README.md`` (atomically); return it."""
    text = page_text(results_dir)
    target = Path(results_dir) / "README.md"
    partial = target.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(target)
    return text




# -- is the answer robust? --------------------------------------------------------------------
def _float(value: object) -> float:
    """A table value as a float (NaN where empty or not a number)."""
    return float(pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0])


def _diameter(row: Mapping[str, object]) -> str:
    """The critical diameter (nm) in the form of its size (:func:`critical_diameter_text`)."""
    return critical_diameter_text(row)


def _critical_rows(folders: Iterable[Path]) -> pd.DataFrame:
    """Every campaign's critical size per series and hold (droplet starts, at least
    MIN_SIZES_FOR_COMPARISON sizes), with its campaign."""
    tables = []
    for folder in folders:
        table = _grid(_read(folder, "critical_size_by_hold.tsv"))
        if table.empty:
            continue
        table = _outcome_rows(table, "reference")
        table = table[(table["initial_state"] == "droplet")
                      & (table["sizes_atoms"].astype(str).str.count(",")
                         >= MIN_SIZES_FOR_COMPARISON - 1)]
        runs = _grid(_read(folder, "campaign.tsv"))
        melting = runs.groupby("potential")["melting_point_potential_K"].first()
        table = table.assign(campaign=folder.name,
                             melting_point_K=table["potential"].map(melting))
        tables.append(table)
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _potential_question(critical: pd.DataFrame) -> list[str]:
    """Does the critical size depend on the potential?  Li's series of each potential."""
    li = critical[critical["metal"] == "Li"] if not critical.empty else critical
    if li.empty or li["potential"].nunique() < 2:
        return []
    lines = [
        "### Does the critical size depend on the potential? (Li)",
        "",
        "Droplet starts, kinetic critical size (logistic fit of transformed against size) had "
        "the runs been held each hold length; T_m is each potential's own coexistence melting "
        "point.",
        "",
        "| potential | T_m (K) | hold T (K) | T / T_m | hold (ps) | critical size (atoms) "
        "[95% CI] | diameter (nm) | campaign |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    li = li.sort_values(["potential", "final_temperature_K", "hold_ps"])
    for _, row in li.iterrows():
        melting = float(row["melting_point_K"])
        lines.append(
            f"| {row['potential']} | {melting:.0f} | {float(row['final_temperature_K']):.0f} | "
            f"{float(row['final_temperature_K']) / melting:.2f} | {float(row['hold_ps']):g} | "
            f"{_critical_size(row)} | "
            f"{_diameter(row)} | "
            f"{row['campaign']} |")
    lines.append("")
    # like with like: the same hold length, each potential at its temperature nearest the
    # paper's homologous 0.66 and at its deepest
    answers = []
    potentials = sorted(li["potential"].unique())
    for hold in sorted(set.intersection(*(set(li[li["potential"] == p]["hold_ps"])
                                          for p in potentials))):
        at_hold = li[li["hold_ps"] == hold]
        parts, intervals = [], []
        for potential in potentials:
            rows = at_hold[at_hold["potential"] == potential]
            for _, row in rows.iterrows():
                bounds = critical_size_bounds(row)
                homologous = float(row["final_temperature_K"]) / float(row["melting_point_K"])
                parts.append(f"{potential} at {homologous:.2f} T_m: {_atoms(_critical_size(row))}")
                if bounds is not None:
                    intervals.append((potential, homologous, bounds))
        overlaps = [
            (a, b) for i, a in enumerate(intervals) for b in intervals[i + 1:]
            if a[0] != b[0] and abs(a[1] - b[1]) <= 0.05
        ]
        verdicts = []
        for a, b in overlaps:
            apart = a[2][1] < b[2][0] or b[2][1] < a[2][0]
            verdicts.append(
                f"{a[0]} and {b[0]} at about {a[1]:.2f} T_m "
                + ("**differ** (their intervals do not overlap)" if apart else
                   "are **not resolved apart** (their intervals overlap)"))
        answers.append(f"- {float(hold):g} ps hold: " + "; ".join(parts) + "."
                       + (" " + "; ".join(verdicts) + "." if verdicts else
                          " No two potentials were held at the same homologous temperature "
                          "(within 0.05 T_m), so this hold compares them only across "
                          "temperatures."))
    lines += ["Answer, hold by hold:", "", *answers, ""]
    return lines


def _density_trend(runs: pd.DataFrame, column: str) -> Slope:
    """``column``'s least-squares slope per tenfold packing density, one intercept per size."""
    return ols_slope(pd.to_numeric(runs[column], errors="coerce"),
                     np.log10(runs["packing_density_g_cm3"].astype(float)),
                     runs["ensemble_size_atoms"])


def _replica_mean(row: Mapping[str, object], name: str) -> str:
    """``name``'s mean over replicas with its interval, or the one run's value."""
    if int(row["n_runs"]) > 1:
        return _interval(row, f"{name}_mean", f"{name}_lower", f"{name}_upper", ".2f")
    return _num(row[f"{name}_mean"], ".2f") + " (one run)"


def _density_question(folders: Iterable[Path]) -> list[str]:
    """Packing density: crystallinity, embryo formed and what takes the time, per density."""
    lines: list[str] = []
    for folder in folders:
        runs = _grid(_read(folder, "campaign.tsv"))
        if runs.empty:
            continue
        gas = runs[runs["initial_state"] == "gas"]
        if gas["packing_density_g_cm3"].nunique() < 2 or gas["coupling"].nunique() != 1:
            continue
        table = density_rows(gas)
        lines += [
            f"### Packing density (campaign `{folder.name}`)",
            "",
            f"Gas starts, {gas['potential'].iloc[0]}, held at "
            f"{float(gas['final_temperature_K'].iloc[0]):.0f} K. Crystallinity: final bcc "
            "crystallinity, mean over replicas [95% t-interval]. Embryo formed: the final "
            "largest embryo (median [min, max]) over runs whose largest cluster does not "
            "percolate, and the largest embryo on the frame the transformed ones crossed the "
            "threshold. A percolating cluster spans the periodic box: a network, not an "
            "embryo, **flagged** here and given no embryo size. Condensing share: the median "
            "over transformed, non-percolating runs of (time for the largest embryo to reach "
            "90% of its final size, counted from the start of the hold: 0 when it had "
            "condensed by then) / (incubation time): above 0.5, condensation took most of the "
            "time; below, a condensed embryo waited to order.",
            "",
            "| size (atoms) | density (g/cm3) | runs | transformed | percolating | "
            "crystallinity [95% CI] | bcc fraction of all atoms [95% CI] | embryo formed "
            "(atoms) | embryo at the transition (atoms) | condensation / incubation (ps, "
            "medians) | condensing share |",
            "|---:|---:|---:|---:|---:|---|---|---|---:|---|---:|",
        ]
        for _, row in table.iterrows():
            crystallinity, bcc_text = (_replica_mean(row, name)
                                       for name in ("final_crystallinity", "final_bcc_fraction"))
            embryo = (f"{_num(row['final_embryo_atoms_median'], '.0f')} "
                      f"[{_num(row['final_embryo_atoms_min'], '.0f')}, "
                      f"{_num(row['final_embryo_atoms_max'], '.0f')}]"
                      if np.isfinite(row["final_embryo_atoms_median"]) else "- (network)")
            percolating_runs = int(row["n_percolating"])
            lines.append(
                f"| {int(row['ensemble_size_atoms'])} | {float(row['packing_density_g_cm3']):g} "
                f"| {int(row['n_runs'])} | {int(row['n_transformed'])} | "
                + (f"**{percolating_runs} (flagged)**" if percolating_runs else "0")
                + f" | {crystallinity} | {bcc_text} | {embryo} | "
                f"{_num(row['embryo_at_transition_atoms_median'], '.0f')} | "
                f"{_num(row['condensation_time_ps_median'], '.0f')} / "
                f"{_num(row['incubation_time_ps_median'], '.0f')} | "
                f"{_num(row['condensing_share_median'], '.2f')} |")
        slope = _density_trend(gas, "final_crystallinity")
        bcc = _density_trend(gas, "final_bcc_fraction_all_atoms")
        verdict = {1: "**rises** with packing density", -1: "**falls** with packing density",
                   0: "shows **no trend resolved** with packing density"}
        embryos = gas[~percolating(gas)]
        if embryos["packing_density_g_cm3"].nunique() >= 2:
            within = _density_trend(embryos, "final_crystallinity")
            embryo_trend = (f"Among embryos alone (runs that do not percolate) crystallinity "
                            f"{verdict[within.sign]}: {_num(within.slope, '.2f')} "
                            f"[{_num(within.lower, '.2f')}, {_num(within.upper, '.2f')}] per "
                            "tenfold density. ")
        else:
            densities = ", ".join(f"{d:g}" for d in sorted(embryos["packing_density_g_cm3"]
                                                           .astype(float).unique()))
            embryo_trend = ("Among embryos alone (runs that do not percolate) no trend can be "
                            "measured: only " + (densities or "no density") + " g/cm3 gave "
                            "embryos, so the rise above is the change from embryos to "
                            "box-spanning films, not a density effect on embryos. ")
        shares = table["condensing_share_median"].dropna()
        lines += [
            "",
            f"Answer: crystallinity {verdict[slope.sign]}: "
            f"{_num(slope.slope, '.2f')} [{_num(slope.lower, '.2f')}, "
            f"{_num(slope.upper, '.2f')}] per tenfold density (least squares over {slope.n} "
            "runs, one intercept per size); the bcc fraction of all atoms (the paper's "
            f"measure) {verdict[bcc.sign].replace(' with packing density', '')}: "
            f"{_num(bcc.slope, '.2f')} [{_num(bcc.lower, '.2f')}, {_num(bcc.upper, '.2f')}] "
            "per tenfold density. "
            + (f"{int(table['n_percolating'].sum())} of {int(table['n_runs'].sum())} runs "
               "percolate (flagged above): at those densities the condensed phase spans the "
               "box, so their crystallinity is a bulk film's, not an embryo's (crystallinity is "
               "normalised to a free sphere's bcc fraction, so a film without surface reads "
               "above 1). " if table["n_percolating"].sum() else "No run percolates. ")
            + embryo_trend
            + (f"Condensing share {_num(shares.min(), '.2f')}-{_num(shares.max(), '.2f')} "
               "over the cells with transformed embryos: "
               + ("condensation takes most of the incubation time"
                  if shares.median() > 0.5 else
                  "ordering, not condensation, takes most of the incubation time")
               + " (median over cells " + _num(shares.median(), ".2f") + ")."
               if len(shares) else "No transformed embryo to time."),
            "",
            f"Figure: [crystallinity_vs_density]({folder.name}/figures/"
            "crystallinity_vs_density.png).",
            "",
        ]
    return lines


def _reference_coupling(folder: Path, runs: pd.DataFrame) -> str | None:
    """The coupling label of the campaign's md section (the sweep's reference)."""
    md = load_yaml((folder / "config.yaml").read_text())["md"]
    match = runs[(runs["thermostat"] == md["thermostat"])
                 & np.isclose(runs["thermostat_damping_ps"].astype(float),
                              float(md["thermostat_damping_ps"]))
                 & (runs["atom_flux_atoms_per_ps"].astype(float) == 0)]
    return str(match["coupling"].iloc[0]) if len(match) else None


def _exchange_strength(row: pd.Series, reference: pd.Series) -> str:
    """How a coupling's exchange compares with the reference's: an atom flux adds mass
    exchange; no thermostat, or the same thermostat with a longer damping time, is weaker
    energy exchange; Langevin (friction and noise on every atom) at no longer a damping, or a
    shorter damping, is stronger."""
    if float(row["atom_flux_atoms_per_ps"] or 0) > 0:
        return "added mass exchange"
    if row["thermostat"] == "none":
        return "weaker energy exchange"
    damping, reference_damping = (float(row["thermostat_damping_ps"]),
                                  float(reference["thermostat_damping_ps"]))
    if row["thermostat"] == reference["thermostat"]:
        return ("weaker energy exchange" if damping > reference_damping else
                "stronger energy exchange")
    if row["thermostat"] == "langevin" and damping <= reference_damping:
        return "stronger energy exchange"
    return "other"


def _paired_word(difference: PairedDifference) -> str:
    """A paired comparison in a few words: faster or slower where the sign test over every
    ordered pair rejects at 5%, else not resolved; with the counts and the mean difference
    of the both-transformed pairs."""
    word = {-1: "**faster**", 1: "**slower**", 0: "not resolved"}[difference.sign]
    mean = (f"; mean difference {_num(difference.mean_ps, '.0f')} ps "
            f"[{_num(difference.lower_ps, '.0f')}, {_num(difference.upper_ps, '.0f')}] over "
            f"the {difference.n_both_transformed} pairs both transformed"
            if difference.n_both_transformed else "")
    return (f"{word} (faster in {difference.faster} of {difference.faster + difference.slower} "
            f"ordered pairs, sign-test p = {_num(difference.p_sign, '.2f')}{mean})")


def _exchange_question(folders: Iterable[Path]) -> list[str]:
    """Energy and mass exchange: each coupling against the md section's, seed by seed."""
    lines: list[str] = []
    for folder in folders:
        runs = _grid(_read(folder, "campaign.tsv"))
        if runs.empty or runs["coupling"].nunique() < 2:
            continue
        reference = _reference_coupling(folder, runs)
        if reference is None:
            continue
        statistics = _grid(_read(folder, "incubation_statistics.tsv"))
        first = runs.iloc[0]
        names = {c: coupling_label(g.iloc[0]) for c, g in runs.groupby("coupling")}
        lines += [
            f"### Energy and mass exchange (campaign `{folder.name}`)",
            "",
            f"{first['metal']}, {first['potential']}, {first['initial_state']} starts of "
            f"{', '.join(str(n) for n in sorted(runs['ensemble_size_atoms'].unique()))} atoms, "
            f"held at {float(first['final_temperature_K']):.0f} K; every coupling on the same "
            f"seeds as the reference, {names[reference]}. Paired difference: coupling minus "
            "reference incubation time, mean over pairs where both transformed [95% "
            "t-interval]; faster / slower counts every pair whose order is known "
            "(a censored run is later than a partner that transformed before its censoring "
            "time), with the two-sided sign-test p: a coupling is called faster or slower "
            "only where that test rejects at 5% (with 5 pairs it cannot: its smallest p is "
            "0.06). The mean difference drops pairs with a censored run, so it is descriptive "
            "only. Embryo: final largest embryo, mean [min, max]; T: measured over the final "
            "window.",
            "",
            "| size (atoms) | coupling | runs | transformed | median incubation (ps) [95% CI] "
            "| paired difference (ps) [95% CI] | faster / slower (p) | embryo (atoms) | "
            "final T (K) |",
            "|---:|---|---:|---:|---|---|---|---|---:|",
        ]
        order = [reference, *sorted(c for c in names if c != reference)]
        keys = ["ensemble_size_atoms", "packing_density_g_cm3", "initial_state", "potential",
                "final_temperature_K", "thermostat", "thermostat_damping_ps",
                "atom_flux_atoms_per_ps"]
        for size in sorted(runs["ensemble_size_atoms"].unique()):
            at_size = runs[runs["ensemble_size_atoms"] == size]
            paired = {d.coupling: d for d in paired_incubation_differences(at_size, reference)}
            for coupling in order:
                group = at_size[at_size["coupling"] == coupling]
                if group.empty:
                    continue
                stats_rows = series_rows(statistics, {k: group.iloc[0][k] for k in keys})
                median = (_interval(stats_rows.iloc[0], "km_median_incubation_ps",
                                    "km_median_lower_ps", "km_median_upper_ps")
                          if len(stats_rows) else "-")
                if len(stats_rows) and median == "-" and int(stats_rows.iloc[0]["n_censored"]):
                    median = f"none by {_num(stats_rows.iloc[0]['observed_ps_max'])} ps"
                embryo = pd.to_numeric(group["final_largest_embryo_atoms"], errors="coerce")
                if coupling == reference:
                    difference, order_text = "(reference)", "-"
                else:
                    d = paired[coupling]
                    difference = (f"{_num(d.mean_ps, '.0f')} [{_num(d.lower_ps, '.0f')}, "
                                  f"{_num(d.upper_ps, '.0f')}] ({d.n_both_transformed} pairs)"
                                  if d.n_both_transformed else "- (no pair both transformed)")
                    order_text = f"{d.faster} / {d.slower} (p = {_num(d.p_sign, '.2f')})"
                temperature = pd.to_numeric(group["final_temperature_measured_K"]).mean()
                lines.append(
                    f"| {int(size)} | {names[coupling]} | {len(group)} | "
                    f"{int(flag(group, 'transformed').sum())} | {median} | {difference} | "
                    f"{order_text} | {_num(embryo.mean(), '.0f')} [{_num(embryo.min(), '.0f')}, "
                    f"{_num(embryo.max(), '.0f')}] | {_num(temperature, '.0f')} |")
        paired = {d.coupling: d for d in paired_incubation_differences(runs, reference)}
        embryos = pd.to_numeric(runs["final_largest_embryo_atoms"], errors="coerce")
        by_coupling = runs.assign(embryo=embryos).groupby("coupling")["embryo"].mean()
        strength = {c: _exchange_strength(runs[runs["coupling"] == c].iloc[0],
                                          runs[runs["coupling"] == reference].iloc[0])
                    for c in names if c != reference}
        grouped = []
        for kind in ("stronger energy exchange", "weaker energy exchange", "added mass exchange"):
            members = [c for c in strength if strength[c] == kind]
            if members:
                grouped.append(f"{kind} ({', '.join(names[c] for c in members)}): "
                               + ", ".join(_paired_word(paired[c]) for c in members))
        lines += [
            "",
            "Answer: does stronger confinement speed the transition? Against the reference, "
            + "; ".join(grouped) + ".",
            "",
            "Does the thermostat set the embryo size? "
            f"Mean final embryos per coupling {_num(by_coupling.min(), '.0f')}-"
            f"{_num(by_coupling.max(), '.0f')} atoms "
            + ("(the starts are droplets, so the embryo's size is set by the start, and what "
               "a coupling can change is only how many atoms evaporate or, with a flux, "
               "join)." if first["initial_state"] != "gas" else "(gas starts)."),
            "",
            f"Figure: [coupling_comparison]({folder.name}/figures/coupling_comparison.png).",
            "",
        ]
    return lines


def _metals_question(critical: pd.DataFrame, folders: Iterable[Path]) -> list[str]:
    """The critical size for metals other than Li, in atoms and in nm."""
    others = critical[critical["metal"] != "Li"] if not critical.empty else critical
    if others.empty:
        return []
    fits = {}
    for folder in folders:
        for path in (folder / "tables").glob("size_melting_fit_*.tsv"):
            fits[path.name[len("size_melting_fit_"):-4]] = pd.read_csv(path, sep="\t")
    lines = [
        "### The critical size for Na and K (and other metals run)",
        "",
        "Droplet starts, kinetic critical size had the runs been held each hold length, in "
        "atoms and as the diameter of a sphere at the metal's bulk density; the "
        "thermodynamic N* is the size whose melting point (from that preset's T_m(N) fit, "
        "below in its campaign) is the hold temperature.",
        "",
        "| metal | potential | T_m (K) | hold T (K) | T / T_m | hold (ps) | critical size "
        "(atoms) [95% CI] | diameter (nm) | thermodynamic N* (atoms) |",
        "|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    for _, row in others.sort_values(["metal", "hold_ps"]).iterrows():
        melting = float(row["melting_point_K"])
        fit = fits.get(str(row["potential"]))
        n_star = "-"
        if fit is not None:
            at = fit[(fit["hold_temperature_K"] - float(row["final_temperature_K"])).abs() < 0.05]
            if len(at):
                n_star = _melting_n_star(at.iloc[0])
        lines.append(
            f"| {row['metal']} | {row['potential']} | {melting:.0f} | "
            f"{float(row['final_temperature_K']):.0f} | "
            f"{float(row['final_temperature_K']) / melting:.2f} | {float(row['hold_ps']):g} | "
            f"{_critical_size(row)} | "
            f"{_diameter(row)} | "
            f"{n_star} |")
    lines.append("")
    return lines


DEPOSITION_MEASURES = (
    ("rms_roughness_nm", "RMS roughness (nm)", ".3f"),
    ("fraction_crystalline", "crystalline fraction", ".2f"),
    ("fraction_bcc", "bcc fraction", ".2f"),
    ("porosity", "porosity", ".3f"),
    ("crystalline_domains", "crystalline domains", ".1f"),
    ("dislocation_density_per_m2", "dislocation density (1/m2)", ".2g"),
)
"""The deposit measures the page reports against rate: (column, words, format)."""


def _deposition_section(folder: Path) -> list[str]:
    """A campaign's deposition series: each measure per rate, mean [95% t-interval]."""
    by_rate = _read(folder, "deposition_by_rate.tsv")
    if by_rate.empty:
        return []
    lines = [
        "### Deposition series",
        "",
        "Final frame of each run; mean over replicas [95% Student-t interval].",
        "",
        "| substrate | rate (atoms/ps) | per nm2 per ps | replicas | "
        + " | ".join(words for _, words, _ in DEPOSITION_MEASURES) + " |",
        "|---|---:|---:|---:|" + "---|" * len(DEPOSITION_MEASURES),
    ]
    for _, row in by_rate.iterrows():
        cells = [_interval(row, f"{name}_mean", f"{name}_lower", f"{name}_upper", spec)
                 for name, _, spec in DEPOSITION_MEASURES]
        lines.append(f"| {row['substrate']} | {float(row['rate_atoms_per_ps']):g} | "
                     f"{float(row['rate_atoms_per_nm2_per_ps']):.3g} | {int(row['replicas'])} | "
                     + " | ".join(cells) + " |")
    figures = sorted((folder / "figures").glob("deposit*.png"))
    lines.append("")
    if figures:
        lines += ["Figures: " + ", ".join(f"[{p.stem}]({folder.name}/figures/{p.name})"
                                          for p in figures), ""]
    return lines


def _deposition_question(folders: Iterable[Path]) -> list[str]:
    """Deposition rate: does faster deposition give rougher, more defective deposits?"""
    lines: list[str] = []
    for folder in folders:
        runs = _read(folder, "deposition_runs.tsv")
        if runs.empty or runs["rate_atoms_per_ps"].nunique() < 2:
            continue
        config = load_yaml((folder / "config.yaml").read_text())["deposition"]
        height = mean_interval(pd.to_numeric(runs["mean_height_nm"], errors="coerce"))
        lines += [
            f"### Deposition rate (campaign `{folder.name}`)",
            "",
            f"{runs['potential'].iloc[0]}, {int(config['deposited_atoms'])} atoms at "
            f"{float(config['temperature_K']):g} K, rates "
            f"{', '.join(f'{r:g}' for r in sorted(runs['rate_atoms_per_ps'].unique(), reverse=True))}"  # noqa: E501
            f" atoms/ps, {int(runs.groupby('rate_atoms_per_ps').size().min())} or more "
            "replicas each (the per-rate table is in the campaign's section); the final films "
            f"are {_num(height[0], '.2f')} [{_num(height[1], '.2f')}, "
            f"{_num(height[2], '.2f')}] nm thick (mean height above the substrate over all "
            "runs [95% t-interval]). Change of each "
            "measure per doubling of the rate: least-squares slope over all runs against "
            "log2(rate) [95% t-interval]; the paper's Fig 7 says faster deposition gives "
            "rougher, more defective deposits (roughness, porosity, dislocations up; "
            "crystalline and bcc fractions down).",
            "",
            "| measure | per doubling of the rate [95% CI] | paper's direction | holds? |",
            "|---|---|---|---|",
        ]
        paper = {"rms_roughness_nm": 1, "fraction_crystalline": -1, "fraction_bcc": -1,
                 "porosity": 1, "crystalline_domains": 1, "dislocation_density_per_m2": 1}
        holds = []
        for name, words, spec in DEPOSITION_MEASURES:
            values = pd.to_numeric(runs[name], errors="coerce")
            slope = ols_slope(values, np.log2(runs["rate_atoms_per_ps"].astype(float)))
            if values.dropna().nunique() <= 1:
                answer = f"no change (every run {_num(values.dropna().iloc[0] if values.notna().any() else None, spec)})"  # noqa: E501
            else:
                answer = {paper[name]: "**yes**", -paper[name]: "**no, the opposite**",
                          0: "not resolved"}[slope.sign]
            holds.append((words, answer))
            direction = "up" if paper[name] > 0 else "down"
            lines.append(f"| {words} | {_num(slope.slope, spec)} [{_num(slope.lower, spec)}, "
                         f"{_num(slope.upper, spec)}] | {direction} | {answer} |")
        resolved = [w for w, a in holds if a == "**yes**"]
        against = [w for w, a in holds if a.startswith("**no")]
        lines += [
            "",
            "Answer: "
            + ("the paper's trend holds for " + ", ".join(resolved)
               + ("; it is reversed for " + ", ".join(against) if against else "")
               + "; the other measures show no change the replicas resolve."
               if resolved or against else
               "the paper's trend is **not seen**: no measure changes with the rate by more "
               "than the replicas resolve."),
            "",
        ]
    return lines


def robustness_lines(folders: Sequence[Path]) -> list[str]:
    """The page's "Is the answer robust?" part: potential, packing density, energy and mass
    exchange, other metals and deposition rate, each from the campaigns that ran it."""
    critical = _critical_rows(folders)
    body = [
        *_potential_question(critical),
        *_density_question(folders),
        *_exchange_question(folders),
        *_metals_question(critical, folders),
        *_deposition_question(folders),
    ]
    if not body:
        return []
    return ["## Is the answer robust?", "",
            "The same questions asked of another potential, other starts, couplings, metals "
            "and deposition rates; every number from the tables of the campaign named.", "",
            *body]


if __name__ == "__main__":
    import sys

    print(write_page(sys.argv[1] if len(sys.argv) > 1 else "docs/results"), end="")
