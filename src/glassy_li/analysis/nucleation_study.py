"""The nucleation model's study: fit both hazard forms
(:mod:`glassy_li.analysis.nucleation_model`) to the runs of the training campaigns, choose
one, predict the held-out campaigns, and write the tables and the map of ``N_c`` against
``T / T_m`` that the results page quotes.

Inputs are the committed campaign tables (``docs/results/<campaign>/tables/campaign.tsv``)
and the size-dependent melting fit (``docs/potentials/size_melting/``).  A held-out campaign
that has not run yet is predicted all the same: its observation columns then say so, and the
prediction stands as made before the runs (its tables are committed with a date).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from glassy_li.analysis.nucleation_model import (  # noqa: E402
    FORMS,
    MeltingLaw,
    ModelFit,
    Runs,
    critical_size,
    fit_model,
    likelihood_region,
    probability_ordered,
    region_adequate,
)
from glassy_li.analysis.statistics import proportion_interval  # noqa: E402

__all__ = [
    "NucleationModelSettings",
    "NucleationStudy",
    "plot_critical_size_map",
    "freeze_prediction",
    "run_study",
    "write_study",
]

TABLES = ("runs", "parameters", "comparison", "critical_size", "probability", "held_out",
          "calibration")
"""The study's tables, each written as ``tables/nucleation_<name>.tsv``."""
FIGURE = "nucleation_critical_size_map"
NOT_RUN = "not run yet"


@dataclass(frozen=True)
class NucleationModelSettings:
    """The ``nucleation_model`` section of the config (config/README.md)."""

    training_campaigns: tuple[str, ...]
    held_out_campaigns: tuple[str, ...]
    results_dir: Path
    melting_fit: Path
    bulk_melting_point_K: float
    forms: tuple[str, ...] = ("power", "cnt")
    holds_ns: tuple[float, ...] = (0.1, 0.5, 5.0, 50.0)
    map_temperature_fractions: tuple[float, float, float] = (0.50, 0.74, 0.01)
    probability_sizes_atoms: tuple[int, ...] = (250, 400, 700, 1000, 1400, 2000, 3000)
    probability_temperature_fractions: tuple[float, ...] = (0.55, 0.58, 0.62, 0.66)
    paper_size_atoms: float = 700
    paper_temperature_fraction: float = 0.66
    paper_hold_ns: float = 5.3
    confidence: float = 0.95
    region_samples: int = 20000
    seed: int = 0

    @classmethod
    def from_config(cls, section: Mapping[str, object], bulk_melting_point_K: float | None,
                    project_root: str | Path = ".", potential: str = "the campaign's"
                    ) -> NucleationModelSettings:
        root = Path(project_root)
        if bulk_melting_point_K is None:
            raise ValueError(f"nucleation_model: potential {potential} has no melting_point_K "
                             "(T / T_m needs it: measure it with `snakemake interface_melting`)")
        unknown = sorted(set(section["forms"]) - set(FORMS))
        if unknown:
            raise ValueError(f"nucleation_model.forms: unknown form(s) {', '.join(unknown)} "
                             f"(known: {', '.join(FORMS)})")
        paper = section["paper_point"]
        grid = section["map_temperature_fractions"]
        return cls(
            training_campaigns=tuple(section["training_campaigns"]),
            held_out_campaigns=tuple(section["held_out_campaigns"]),
            results_dir=root / str(section["results_dir"]),
            melting_fit=root / str(section["melting_fit"]),
            bulk_melting_point_K=float(bulk_melting_point_K),
            forms=tuple(section["forms"]),
            holds_ns=tuple(float(h) for h in section["holds_ns"]),
            map_temperature_fractions=(float(grid["start"]), float(grid["stop"]),
                                       float(grid["step"])),
            probability_sizes_atoms=tuple(int(n) for n in section["probability_sizes_atoms"]),
            probability_temperature_fractions=tuple(
                float(f) for f in section["probability_temperature_fractions"]),
            paper_size_atoms=float(paper["size_atoms"]),
            paper_temperature_fraction=float(paper["temperature_fraction_of_melting"]),
            paper_hold_ns=float(paper["hold_ns"]),
            confidence=float(section["confidence"]),
            region_samples=int(section["region_samples"]),
            seed=int(section["seed"]),
        )

    def campaign_table(self, campaign: str) -> Path:
        return self.results_dir / campaign / "tables" / "campaign.tsv"


@dataclass
class NucleationStudy:
    """The fits, the chosen form and the tables."""

    settings: NucleationModelSettings
    fits: dict[str, ModelFit]
    chosen: str
    training: Runs
    held_out: Runs
    left_out: dict[str, dict[str, int]]
    missing_held_out: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def planned_hold_ps(folder: Path) -> float | None:
    """A committed campaign's planned hold (``md.equilibrate_duration_ps`` of its
    ``config.yaml``), or None where it has none."""
    path = folder / "config.yaml"
    if not path.is_file():
        return None
    md = (yaml.safe_load(path.read_text()) or {}).get("md", {})
    value = md.get("equilibrate_duration_ps")
    return float(value) if value is not None else None


def _load(settings: NucleationModelSettings, campaigns: Sequence[str], required: bool
          ) -> tuple[Runs, dict[str, dict[str, int]], list[str]]:
    parts, left_out, missing = [], {}, []
    for campaign in campaigns:
        path = settings.campaign_table(campaign)
        if not path.is_file():
            if required:
                raise FileNotFoundError(
                    f"nucleation_model.training_campaigns: {campaign!r} has no table {path} "
                    "(run its campaign and its results_page first)")
            missing.append(campaign)
            continue
        runs, dropped = Runs.from_campaign_table(path, campaign,
                                                 hold_ps=planned_hold_ps(path.parents[1]))
        parts.append(runs)
        left_out[campaign] = dropped
    return Runs.concatenate(parts), left_out, missing


def _interval_text(value: float, lower: float, upper: float) -> str:
    return f"{value:.3g} [{lower:.3g}, {upper:.3g}]"


@dataclass(frozen=True)
class Band:
    """A derived quantity at the maximum (``estimate``) and its range over the likelihood
    region; ``undefined``: some parameter sets in the region give no value (NaN: e.g. no
    critical size where ordering does not grow with size), so the range is open."""

    estimate: float
    lower: float
    upper: float
    undefined: bool

    @classmethod
    def of(cls, values: np.ndarray) -> Band:
        finite = values[~np.isnan(values)]
        if len(finite) == 0:
            return cls(float("nan"), float("nan"), float("nan"), True)
        return cls(float(values[0]), float(np.min(finite)), float(np.max(finite)),
                   bool(np.isnan(values).any()))


def band_status(fit: ModelFit, band: Band) -> str:
    """``resolved`` where the band can be quoted as an interval; otherwise why not."""
    if math.isnan(band.estimate):
        return "no critical size (ordering does not grow with size)"
    if not fit.resolved:
        return "open (a parameter is not bounded by the data)"
    if band.undefined:
        return "open (part of the likelihood region has no critical size)"
    if not region_adequate(fit):
        return "open (too few or too narrowly spread parameter sets in the likelihood region)"
    return "resolved"


def run_study(settings: NucleationModelSettings, log=print) -> NucleationStudy:
    """Fit, choose, predict; fill :attr:`NucleationStudy.tables`."""
    training, left_out, _ = _load(settings, settings.training_campaigns, required=True)
    held_out, held_left_out, missing = _load(settings, settings.held_out_campaigns,
                                             required=False)
    left_out.update(held_left_out)
    if len(training) == 0:
        raise ValueError("nucleation_model: the training campaigns hold no droplet runs")
    melting = MeltingLaw.from_fit_table(settings.melting_fit, settings.bulk_melting_point_K)
    log(f"training: {len(training)} runs ({training.n_ordered} ordered) from "
        f"{', '.join(settings.training_campaigns)}; held out: {len(held_out)} runs"
        + (f" ({', '.join(missing)} {NOT_RUN})" if missing else ""))
    fits = {}
    for name in settings.forms:
        form = FORMS[name]
        log(f"fitting the {name} form: {form.description}")
        fit = fit_model(form, training, melting if form.uses_melting else None,
                        settings.confidence)
        likelihood_region(fit, settings.region_samples, settings.seed)
        log(f"  ln L = {fit.log_likelihood:.2f}, AIC = {fit.aic:.2f}, "
            f"{len(fit.region) - 1} parameter sets in the likelihood region")
        for interval in fit.intervals:
            text = _interval_text(interval.estimate, interval.lower, interval.upper)
            log(f"  {interval.name} = {text} ({interval.status})")
        fits[name] = fit
    chosen = min(fits, key=lambda name: fits[name].aic)
    log(f"chosen by AIC: {chosen}")
    study = NucleationStudy(settings, fits, chosen, training, held_out, left_out, missing)
    makers = {"runs": _runs_table, "parameters": _parameter_table,
              "comparison": _comparison_table, "critical_size": _critical_size_table,
              "probability": _probability_table, "held_out": _held_out_table,
              "calibration": _calibration_table}
    for name, make in makers.items():
        study.tables[name] = make(study)
        log(f"table {name}: {len(study.tables[name])} rows")
    return study


def _fraction(temperature_K: np.ndarray | float, settings: NucleationModelSettings):
    return np.asarray(temperature_K, float) / settings.bulk_melting_point_K


def _runs_table(study: NucleationStudy) -> pd.DataFrame:
    rows = []
    for role, runs in (("training", study.training), ("held out", study.held_out)):
        for i in range(len(runs)):
            rows.append({
                "campaign": runs.labels()[i], "role": role,
                "ensemble_size_atoms": int(runs.size_atoms[i]),
                "temperature_K": runs.temperature_K[i],
                "temperature_fraction_of_melting": round(
                    float(_fraction(runs.temperature_K[i], study.settings)), 4),
                "time_ps": runs.time_ps[i], "ordered": bool(runs.ordered[i]),
            })
    for campaign in study.missing_held_out:
        rows.append({"campaign": campaign, "role": f"held out ({NOT_RUN})"})
    return pd.DataFrame(rows)


def _parameter_table(study: NucleationStudy) -> pd.DataFrame:
    rows = []
    for name, fit in study.fits.items():
        for interval in fit.intervals:
            rows.append({
                "form": name, "parameter": interval.name, "unit": interval.unit,
                "estimate": interval.estimate, "lower": interval.lower,
                "upper": interval.upper, "status": interval.status,
                "confidence": fit.confidence,
            })
    return pd.DataFrame(rows)


def _comparison_table(study: NucleationStudy) -> pd.DataFrame:
    best = min(fit.aic for fit in study.fits.values())
    rows = []
    for name, fit in study.fits.items():
        rows.append({
            "form": name, "description": fit.form.description,
            "free_parameters": fit.n_parameters,
            "training_runs": len(study.training),
            "training_ordered": study.training.n_ordered,
            "log_likelihood": fit.log_likelihood, "aic": fit.aic,
            "aicc": fit.aicc, "delta_aic": fit.aic - best,
            "akaike_weight": math.exp(-(fit.aic - best) / 2) / sum(
                math.exp(-(f.aic - best) / 2) for f in study.fits.values()),
            "held_out_runs": len(study.held_out),
            "held_out_log_likelihood": fit.held_out_log_likelihood(study.held_out),
            "held_out_log_likelihood_region": fit.held_out_log_likelihood_region(
                study.held_out),
            "training_runs_on_rate_floor": fit.runs_on_floor()[0],
            "training_ordered_on_rate_floor": fit.runs_on_floor()[1],
            "region_sets": len(fit.region) - 1 if fit.region is not None else 0,
            "region_adequate": region_adequate(fit) if fit.region is not None else False,
            "all_parameters_resolved": fit.resolved,
            "chosen": name == study.chosen,
        })
    return pd.DataFrame(rows)


def map_fractions(settings: NucleationModelSettings) -> np.ndarray:
    start, stop, step = settings.map_temperature_fractions
    return np.round(np.arange(start, stop + step / 2, step), 6)


def _critical_size_table(study: NucleationStudy) -> pd.DataFrame:
    settings = study.settings
    fractions = sorted(set(map_fractions(settings))
                       | set(settings.probability_temperature_fractions)
                       | {settings.paper_temperature_fraction})
    holds = sorted(set(settings.holds_ns) | {settings.paper_hold_ns})
    rows = []
    for name, fit in study.fits.items():
        for fraction in fractions:
            temperature = fraction * settings.bulk_melting_point_K
            for hold in holds:
                band = Band.of(critical_size(fit.form, fit.region, temperature, hold * 1000.0))
                rows.append({
                    "form": name, "chosen": name == study.chosen,
                    "temperature_fraction_of_melting": round(float(fraction), 4),
                    "temperature_K": round(temperature, 2), "hold_ns": hold,
                    "critical_size_atoms": band.estimate, "lower_atoms": band.lower,
                    "upper_atoms": band.upper, "status": band_status(fit, band),
                })
    return pd.DataFrame(rows)


def _probability_table(study: NucleationStudy) -> pd.DataFrame:
    settings = study.settings
    rows = []
    for name, fit in study.fits.items():
        for fraction in settings.probability_temperature_fractions:
            temperature = fraction * settings.bulk_melting_point_K
            for hold in settings.holds_ns:
                for size in settings.probability_sizes_atoms:
                    band = Band.of(probability_ordered(fit.form, fit.region, size,
                                                       temperature, hold * 1000.0)[:, 0])
                    rows.append({
                        "form": name, "chosen": name == study.chosen,
                        "temperature_fraction_of_melting": fraction,
                        "temperature_K": round(temperature, 2), "hold_ns": hold,
                        "ensemble_size_atoms": size, "probability_ordered": band.estimate,
                        "lower": band.lower, "upper": band.upper,
                        "status": band_status(fit, band),
                    })
    return pd.DataFrame(rows)


def count_distribution(probabilities: np.ndarray) -> np.ndarray:
    """Poisson-binomial pmf of the count of ordered runs, one row of per-run probabilities
    per parameter set ``(m, n)``: ``(m, n + 1)``."""
    probabilities = np.atleast_2d(probabilities)
    pmf = np.zeros((len(probabilities), probabilities.shape[1] + 1))
    pmf[:, 0] = 1.0
    for i in range(probabilities.shape[1]):
        p = probabilities[:, i:i + 1]
        shifted = np.zeros_like(pmf)
        shifted[:, 1:] = pmf[:, :-1]
        pmf = pmf * (1 - p) + shifted * p
    return pmf


def predictive_check(pmf: np.ndarray, observed: int, confidence: float
                     ) -> tuple[int, int, float]:
    """The central ``confidence`` range of a count's predictive pmf and the two-sided
    p-value of ``observed`` (the probability of a count no more probable than it)."""
    cumulative = np.cumsum(pmf)
    alpha = 1 - confidence
    low = int(np.searchsorted(cumulative, alpha / 2 - 1e-12))
    high = int(np.searchsorted(cumulative, 1 - alpha / 2 - 1e-12))
    p_value = float(pmf[pmf <= pmf[observed] * (1 + 1e-9)].sum())
    return low, min(high, len(pmf) - 1), min(p_value, 1.0)


def _held_out_table(study: NucleationStudy) -> pd.DataFrame:
    """The held-out runs' groups, predicted against observed (:func:`prediction_table`)."""
    return prediction_table(study, study.held_out)


def _calibration_table(study: NucleationStudy) -> pd.DataFrame:
    """The training runs' groups, fitted against observed: the goodness of fit, group by
    group (:func:`prediction_table` on the runs the model was fitted to)."""
    return prediction_table(study, study.training)


def prediction_table(study: NucleationStudy, runs: Runs) -> pd.DataFrame:
    """Per group of ``runs`` (size and temperature): the prediction against the observation.

    Each run's probability of having ordered by the end of its window (its censoring time,
    or the campaign's planned hold where it ordered) gives a Poisson-binomial count per
    parameter set; averaged over the likelihood region's sets, the predictive distribution of
    the group's count.  The group is
    *predicted right* when the observed count's two-sided predictive p-value is at least
    ``1 - confidence`` (it lies inside the central predictive range)."""
    columns = ["form", "chosen", "ensemble_size_atoms", "temperature_K",
               "temperature_fraction_of_melting", "hold_ps", "runs", "observed_ordered",
               "observed_fraction", "observed_lower", "observed_upper",
               "predicted_probability", "predicted_lower", "predicted_upper",
               "predicted_count_mean", "predicted_count_low", "predicted_count_high",
               "predictive_p_value", "predicted_right", "status"]
    if len(runs) == 0:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"size": runs.size_atoms, "temperature": runs.temperature_K,
                          "time": runs.windows(), "ordered": runs.ordered})
    confidence = study.settings.confidence
    rows = []
    for name, fit in study.fits.items():
        for (size, temperature), group in frame.groupby(["size", "temperature"]):
            ordered = int(group["ordered"].sum())
            n = len(group)
            hold = float(group["time"].max())
            ends = group["time"].to_numpy(float)
            per_run = probability_ordered(fit.form, fit.region, np.full(n, size),
                                          np.full(n, temperature), ends)
            pmf = count_distribution(per_run).mean(axis=0)
            low, high, p_value = predictive_check(pmf, ordered, confidence)
            band = Band.of(probability_ordered(fit.form, fit.region, size, temperature,
                                               hold)[:, 0])
            observed = proportion_interval(ordered, n, confidence)
            rows.append({
                "form": name, "chosen": name == study.chosen,
                "ensemble_size_atoms": int(size), "temperature_K": temperature,
                "temperature_fraction_of_melting": round(
                    float(_fraction(temperature, study.settings)), 4),
                "hold_ps": hold, "runs": n, "observed_ordered": ordered,
                "observed_fraction": observed[0], "observed_lower": observed[1],
                "observed_upper": observed[2], "predicted_probability": band.estimate,
                "predicted_lower": band.lower, "predicted_upper": band.upper,
                "predicted_count_mean": float(np.dot(np.arange(n + 1), pmf)),
                "predicted_count_low": low, "predicted_count_high": high,
                "predictive_p_value": p_value,
                "predicted_right": p_value >= 1 - confidence,
                "status": band_status(fit, band),
            })
    return pd.DataFrame(rows, columns=columns)


def plot_critical_size_map(study: NucleationStudy) -> plt.Figure:
    """``N_c`` against ``T / T_m`` for each hold (the chosen form, bands shaded), the runs
    that informed the fit and those held out, and the paper's point."""
    settings = study.settings
    table = study.tables["critical_size"]
    table = table[table["chosen"] & table["hold_ns"].isin(settings.holds_ns)]
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    colours = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(settings.holds_ns)))
    top = 2e4
    for colour, hold in zip(colours, settings.holds_ns, strict=True):
        rows = table[table["hold_ns"] == hold].sort_values("temperature_fraction_of_melting")
        x = rows["temperature_fraction_of_melting"].to_numpy()
        y = np.clip(rows["critical_size_atoms"].to_numpy(float), 1, top * 10)
        ax.plot(x, y, color=colour, lw=1.6, label=f"{hold:g} ns hold")
        ax.fill_between(x, np.clip(rows["lower_atoms"].to_numpy(float), 1, top * 10),
                        np.clip(rows["upper_atoms"].to_numpy(float), 1, top * 10),
                        color=colour, alpha=0.18, lw=0)
    for role, runs, marker in (("training", study.training, "o"),
                               ("held out", study.held_out, "D")):
        if len(runs) == 0:
            continue
        frame = pd.DataFrame({"x": _fraction(runs.temperature_K, settings),
                              "y": runs.size_atoms, "ordered": runs.ordered})
        counts = frame.groupby(["x", "y"])["ordered"].agg(["sum", "size"]).reset_index()
        for _, row in counts.iterrows():
            share = row["sum"] / row["size"]
            ax.scatter(row["x"], row["y"], s=26, marker=marker, zorder=4,
                       facecolor=plt.get_cmap("RdBu_r")(share), edgecolor="k", lw=0.6)
        ax.scatter([], [], marker=marker, facecolor="0.6", edgecolor="k", lw=0.6,
                   label=f"runs, {role} (colour: share ordered, blue 0 - red 1)")
    ax.scatter([settings.paper_temperature_fraction], [settings.paper_size_atoms], marker="*",
               s=180, color="gold", edgecolor="k", zorder=5,
               label=f"paper: {settings.paper_size_atoms:g} atoms, "
                     f"{settings.paper_temperature_fraction:g} T_m, {settings.paper_hold_ns:g} ns")
    ax.set_yscale("log")
    ax.set_ylim(50, top)
    ax.set_xlabel(f"hold temperature T / T_m (T_m = {settings.bulk_melting_point_K:g} K)")
    ax.set_ylabel("critical size N_c (atoms): half ordered by the hold's end")
    ax.set_title(f"Nucleation model ({study.chosen} form, chosen by AIC): N_c(T, t), "
                 f"{settings.confidence:.0%} bands", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def study_record(study: NucleationStudy, made_with: Mapping[str, object]) -> dict:
    """``model.json``: the settings, the runs used and left out, and what made the tables."""
    settings = study.settings
    return {
        "training_campaigns": list(settings.training_campaigns),
        "held_out_campaigns": list(settings.held_out_campaigns),
        "held_out_not_run": study.missing_held_out,
        "runs_left_out": study.left_out,
        "training_runs": len(study.training),
        "training_ordered": study.training.n_ordered,
        "held_out_runs": len(study.held_out),
        "melting_fit": str(settings.melting_fit),
        "bulk_melting_point_K": settings.bulk_melting_point_K,
        "forms": list(settings.forms),
        "chosen_form": study.chosen,
        "holds_ns": list(settings.holds_ns),
        "paper_size_atoms": settings.paper_size_atoms,
        "paper_temperature_fraction": settings.paper_temperature_fraction,
        "paper_hold_ns": settings.paper_hold_ns,
        "confidence": settings.confidence,
        "region_samples": settings.region_samples,
        "region_kept": {name: len(fit.region) - 1 for name, fit in study.fits.items()
                        if fit.region is not None},
        "seed": settings.seed,
        **made_with,
    }


PREDICTION_FOLDER = "nucleation-prediction"
"""Beside the model's folder: its prediction for the held-out campaigns, written once, before
they ran, and never rewritten (the model's own folder is rewritten with every fit)."""


def freeze_prediction(study: NucleationStudy, folder: str | Path,
                      made_with: Mapping[str, object]) -> Path | None:
    """Write the chosen form's prediction at the paper's temperature (P(ordered) per size and
    hold, N_c per hold) to ``folder`` - only while every held-out campaign is still unrun and
    ``folder`` does not exist yet; returns it, or None where nothing was written."""
    folder = Path(folder)
    settings = study.settings
    if folder.exists() or len(study.missing_held_out) < len(settings.held_out_campaigns):
        return None
    fraction = settings.paper_temperature_fraction
    tables = {}
    for name in ("probability", "critical_size"):
        table = study.tables[name]
        tables[name] = table[table["chosen"].astype(bool)
                             & ((table["temperature_fraction_of_melting"] - fraction).abs()
                                < 1e-6)]
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, table in tables.items():
        table.to_csv(staging / f"predicted_{name}.tsv", sep="\t", index=False,
                     float_format="%.6g")
    record = {**study_record(study, made_with),
              "frozen": "written before the held-out campaigns ran; never rewritten"}
    (staging / "prediction.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    staging.rename(folder)
    return folder


def provenance_text(record: Mapping[str, object]) -> str:
    """The folder's README: what each file is, where its inputs came from, what made it."""
    return f"""# The nucleation model: provenance

Written by `{record.get('command', 'glassy_li.analysis.nucleation_study.write_study')}` (commit
{record.get('commit', 'unknown')}, {record.get('date', 'undated')}); do not edit. The model,
its likelihood and its intervals: `glassy_li.analysis.nucleation_model` (module docstring).

- **Fitted to** the droplet runs of {', '.join(record['training_campaigns'])}
  (`docs/results/<campaign>/tables/campaign.tsv`): {record['training_runs']} runs,
  {record['training_ordered']} ordered; left out, by reason: {record['runs_left_out']}.
- **Held out** (predicted, not fitted): {', '.join(record['held_out_campaigns']) or 'none'},
  {record['held_out_runs']} runs{' (not run yet: ' + ', '.join(record['held_out_not_run']) + ')'
                                  if record['held_out_not_run'] else ''}.
- **T_m(N)**: `{record['melting_fit']}` (its two coefficients are parameters of the cnt form,
  tied to their measured values by the fit's covariance); T / T_m uses the bulk
  {record['bulk_melting_point_K']} K.
- **Chosen** by AIC: the {record['chosen_form']} form. Bands: the range over
  {record['region_kept']} parameter sets inside the {record['confidence']:.0%}
  profile-likelihood region ({record['region_samples']} drawn, seed {record['seed']}).

| file | what |
|---|---|
| tables/nucleation_runs.tsv | every run used: campaign, role, size, T, time (ps), ordered |
| tables/nucleation_parameters.tsv | each form's parameters: estimate, interval, status |
| tables/nucleation_comparison.tsv | ln L, AIC, Akaike weight, held-out ln L, chosen |
| tables/nucleation_critical_size.tsv | N_c(T, t) (atoms) with its band, per form, T, hold |
| tables/nucleation_probability.tsv | P(ordered by t / N, T) with its band |
| tables/nucleation_held_out.tsv | per held-out size and T: observed [Wilson] and predicted |
| tables/nucleation_calibration.tsv | the same for the training runs: the goodness of fit |
| figures/{FIGURE}.png | the map: N_c against T / T_m per hold, runs, the paper's point |
| model.json | the settings and counts above, machine-readable |
"""


def write_study(study: NucleationStudy, folder: str | Path,
                made_with: Mapping[str, object] | None = None) -> list[Path]:
    """Write ``tables/nucleation_*.tsv``, ``figures/<FIGURE>.png/.svg`` and ``model.json``
    under ``folder``, built in ``<folder>.partial`` and moved into place whole."""
    target = Path(folder)
    folder = target.with_name(target.name + ".partial")
    shutil.rmtree(folder, ignore_errors=True)
    written = []
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        path = folder / "tables" / f"nucleation_{name}.tsv"
        study.tables[name].to_csv(path, sep="\t", index=False, float_format="%.6g")
        written.append(path)
    fig = plot_critical_size_map(study)
    for suffix in ("png", "svg"):
        path = folder / "figures" / f"{FIGURE}.{suffix}"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    record = study_record(study, made_with or {})
    (folder / "model.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    (folder / "README.md").write_text(provenance_text(record))
    shutil.rmtree(target, ignore_errors=True)
    folder.rename(target)
    return [target / path.relative_to(folder) for path in written] + [target / "model.json"]
