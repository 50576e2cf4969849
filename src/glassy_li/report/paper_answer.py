"""The answer at the paper's conditions, written from the committed tables: the results
page's first section and the README's front-door sentences.

Three numbers, each from its own table under ``docs/results/``:

- **measured directly**: the kinetic critical size after the paper's hold at 0.66 T_m
  (``paper-conditions/tables/critical_size_by_hold.tsv``, the bcc outcome at the longest
  hold), a value with its interval, a bracket or a bound;
- **predicted**: the nucleation model's ``N_c(0.66 T_m, 5 ns)`` with its band
  (``nucleation-model/tables/nucleation_critical_size.tsv``, the form chosen by AIC), fitted
  without the 5-ns runs;
- **the paper's protocol** (gas start, ``paper-protocol``), where it has run;

and, for each, whether the paper's 700 atoms lies inside its interval.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from glassy_li.analysis.report_text import critical_size_bounds, critical_size_text, format_number

__all__ = [
    "README_END",
    "README_START",
    "answer_section",
    "front_door_text",
    "update_readme",
]

MODEL_FOLDER = "nucleation-model"
DIRECT_CAMPAIGN = "paper-conditions"
PROTOCOL_CAMPAIGN = "paper-protocol"
FROZEN_FOLDER = "nucleation-prediction"
NOT_MEASURED = "not measured yet (its campaign has not finished)"
README_START = (
    "<!-- the answer at the paper's conditions: written by glassy_li.report.paper_answer -->"
)
README_END = "<!-- end of the answer -->"


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, sep="\t") if path.is_file() else None


def model_settings(results_dir: Path) -> dict | None:
    path = results_dir / MODEL_FOLDER / "model.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _direct_row(results_dir: Path, campaign: str) -> Mapping[str, object] | None:
    """The bcc critical size at the campaign's longest hold (ps), or None before it ran."""
    table = _read(results_dir / campaign / "tables" / "critical_size_by_hold.tsv")
    if table is None or table.empty:
        return None
    if "outcome" in table:
        table = table[table["outcome"] == "reference"]
    table = table[table["hold_ps"] == table["hold_ps"].max()]
    return table.iloc[0].to_dict() if len(table) else None


def _inside(bounds: tuple[float, float] | None, size: float) -> str:
    if bounds is None:
        return "cannot say (not resolved)"
    return "inside" if bounds[0] <= size <= bounds[1] else "outside"


def model_row(results_dir: Path, fraction: float, hold_ns: float) -> Mapping[str, object] | None:
    """The chosen form's ``N_c`` row at ``fraction`` of T_m and ``hold_ns``."""
    table = _read(results_dir / MODEL_FOLDER / "tables" / "nucleation_critical_size.tsv")
    if table is None:
        return None
    rows = table[table["chosen"].astype(str).eq("True")
                 & ((table["temperature_fraction_of_melting"] - fraction).abs() < 1e-6)
                 & ((table["hold_ns"] - hold_ns).abs() < 1e-9)]
    return rows.iloc[0].to_dict() if len(rows) else None


SEARCH_TOP_ATOMS = 1e6
"""The largest size the model looks for N_c at
(glassy_li.analysis.nucleation_model.SIZE_SEARCH_ATOMS)."""


def model_text(row: Mapping[str, object]) -> str:
    """A model ``N_c`` row in words: a value with its band, or a bound; an open band says
    so."""
    estimate = float(row["critical_size_atoms"])
    lower = float(row["lower_atoms"])
    upper = float(row["upper_atoms"])
    status = str(row["status"])
    note = "" if status == "resolved" else "; band " + status.replace(" (", ": ", 1).rstrip(")")
    if math.isnan(estimate):
        return "no critical size (ordering does not grow with size)"
    if math.isinf(lower):
        return f"> {SEARCH_TOP_ATOMS:.0e} atoms (beyond the search range everywhere in the band)"
    if math.isinf(estimate):
        return f"> {format_number(lower)} atoms (the band's lower end; the best fit lies " \
               f"beyond the search range{note})"
    if estimate == 0.0:
        return f"< {format_number(upper)} atoms (the band's upper end{note})"
    band = f"[{format_number(lower) if lower > 0 else 'open'}, " \
           f"{format_number(upper) if math.isfinite(upper) else 'open'}]"
    return f"{format_number(estimate)} atoms {band}" + (f" ({note[2:]})" if note else "")


def _model_inside(row: Mapping[str, object], size: float) -> str:
    """Whether ``size`` lies in the model's band.  The band is the range over parameter sets
    inside the likelihood region, so a size inside it is inside the interval; outside it is
    only said where the band is resolved (an open band may reach further)."""
    estimate = float(row["critical_size_atoms"])
    if math.isnan(estimate):
        return "cannot say (no critical size)"
    lower, upper = float(row["lower_atoms"]), float(row["upper_atoms"])
    if lower <= size <= upper:
        return "inside"
    if str(row["status"]) == "resolved":
        return "outside"
    return "cannot say (the band is open)"


def answer_rows(results_dir: str | Path) -> list[dict[str, str]]:
    """The answer table's rows: what, the critical size in words, the paper's 700 in or out."""
    results_dir = Path(results_dir)
    settings = model_settings(results_dir) or {}
    paper_size = float(settings.get("paper_size_atoms", 700))
    fraction = float(settings.get("paper_temperature_fraction", 0.66))
    rows = []
    direct = _direct_row(results_dir, DIRECT_CAMPAIGN)
    if direct is None:
        rows.append({"what": f"measured directly (campaign `{DIRECT_CAMPAIGN}`)",
                     "critical_size": NOT_MEASURED, "paper": "-"})
    else:
        rows.append({
            "what": f"measured directly (campaign `{DIRECT_CAMPAIGN}`: droplets of "
                    f"{str(direct['sizes_atoms']).replace(',', ', ')} atoms, "
                    f"{int(direct['n_runs'])} runs, {float(direct['hold_ps']) / 1000:g}-ns hold "
                    f"at {float(direct['final_temperature_K']):.0f} K)",
            "critical_size": critical_size_text(direct),
            "paper": _inside(critical_size_bounds(direct), paper_size),
        })
    hold_ns = float(direct["hold_ps"]) / 1000 if direct is not None else 5.0
    model = model_row(results_dir, fraction, hold_ns)
    if model is None:
        rows.append({"what": "predicted by the nucleation model", "critical_size": "not fitted yet",
                     "paper": "-"})
    else:
        training = ", ".join(f"`{c}`" for c in settings.get("training_campaigns", []))
        held_out = ", ".join(f"`{c}`" for c in settings.get("held_out_campaigns", [])) or "none"
        rows.append({
            "what": f"predicted by the nucleation model ({model['form']} form, chosen by AIC; "
                    f"fitted to the droplet runs of {training}; {held_out} held out), "
                    f"{hold_ns:g}-ns hold",
            "critical_size": model_text(model),
            "paper": _model_inside(model, paper_size),
        })
    protocol = _direct_row(results_dir, PROTOCOL_CAMPAIGN)
    if protocol is not None:
        rows.append({
            "what": f"the paper's protocol (campaign `{PROTOCOL_CAMPAIGN}`: gas start, heat "
                    f"{float(protocol['heat_temperature_K']):.0f} K, quench at 1 K/ps scaled to "
                    f"T_m, {float(protocol['hold_ps']) / 1000:g}-ns hold at "
                    f"{float(protocol['final_temperature_K']):.0f} K; "
                    f"{str(protocol['sizes_atoms']).replace(',', ', ')} atoms, "
                    f"{int(protocol['n_runs'])} runs)",
            "critical_size": critical_size_text(protocol),
            "paper": _inside(critical_size_bounds(protocol), paper_size),
        })
    return rows


def _level(results_dir: Path) -> str:
    return f"{float((model_settings(results_dir) or {}).get('confidence', 0.95)):.0%}"


def _held_out_lines(results_dir: Path) -> list[str]:
    table = _read(results_dir / MODEL_FOLDER / "tables" / "nucleation_held_out.tsv")
    settings = model_settings(results_dir) or {}
    if table is None or table.empty:
        ran = [c for c in settings.get("held_out_campaigns", [])
               if c not in settings.get("held_out_not_run", [])]
        if ran:
            return [f"The held-out campaign(s) {', '.join(ran)} hold no droplet runs the "
                    "model can be tested on.", ""]
        return _prediction_lines(results_dir)
    level = _level(results_dir)
    alpha = 1 - float(settings.get("confidence", 0.95))
    chosen = table[table["chosen"].astype(str).eq("True")]
    right = int(chosen["predicted_right"].astype(str).eq("True").sum())
    form = str(chosen["form"].iloc[0]) if len(chosen) else "-"
    lines = [
        f"**Held out (not fitted):** the chosen {form} form predicted {right} of {len(chosen)} "
        "groups (size and temperature) right: the observed count of ordered runs has a "
        f"two-sided predictive p-value of at least {alpha:.2g}"
        f" (inside the central {level} range of the predictive count: each run's probability "
        "of ordering within its own window, averaged over the parameter sets of the "
        "likelihood region). The other form beside it.",
        "",
        f"| form | size (atoms) | hold T (K) | hold (ps) | ordered, observed [{level} Wilson] | "
        f"P(ordered by the hold), predicted [band] | predictive count, mean [{level} range] | "
        "p | right? |",
        "|---|---:|---:|---:|---|---|---|---:|---|",
    ]
    table = table.assign(_order=~table["chosen"].astype(str).eq("True"))
    for _, row in table.sort_values(["_order", "form", "temperature_K",
                                     "ensemble_size_atoms"]).iterrows():
        name = f"**{row['form']}**" if not row["_order"] else str(row["form"])
        band = f"{row['predicted_probability']:.2f} [{row['predicted_lower']:.2f}, " \
               f"{row['predicted_upper']:.2f}]"
        if str(row.get("status", "resolved")) != "resolved":
            band += " (open)"
        lines.append(
            f"| {name} | {int(row['ensemble_size_atoms'])} | {row['temperature_K']:.0f} | "
            f"{row['hold_ps']:.0f} | {int(row['observed_ordered'])}/{int(row['runs'])} "
            f"[{row['observed_lower']:.2f}, {row['observed_upper']:.2f}] | {band} | "
            f"{row['predicted_count_mean']:.1f} [{int(row['predicted_count_low'])}, "
            f"{int(row['predicted_count_high'])}] | {row['predictive_p_value']:.2g} | "
            f"{'yes' if str(row['predicted_right']) == 'True' else '**no**'} |")
    return [*lines, "", *_frozen_lines(results_dir, chosen)]


def _frozen_lines(results_dir: Path, observed: pd.DataFrame) -> list[str]:
    """The prediction written before the held-out runs, beside what they did."""
    folder = results_dir / FROZEN_FOLDER
    table = _read(folder / "predicted_probability.tsv")
    if table is None or observed.empty:
        return []
    record = json.loads((folder / "prediction.json").read_text())
    lines = [
        f"**The prediction as frozen** on {record.get('date', 'undated')} (commit "
        f"{record.get('commit', 'unknown')}, before the held-out runs; "
        f"`{FROZEN_FOLDER}/`), {record.get('chosen_form', '-')} form, beside the outcome:",
        "",
        "| size (atoms) | hold (ns) | P(ordered), frozen [band] | ordered, observed |",
        "|---:|---:|---|---|",
    ]
    for _, row in observed.sort_values("ensemble_size_atoms").iterrows():
        hold_ns = float(row["hold_ps"]) / 1000
        match = table[(table["ensemble_size_atoms"] == row["ensemble_size_atoms"])
                      & ((table["hold_ns"] - hold_ns).abs() < 1e-6)]
        frozen = (f"{match.iloc[0]['probability_ordered']:.2f} [{match.iloc[0]['lower']:.2f}, "
                  f"{match.iloc[0]['upper']:.2f}]" if len(match) else "not predicted at this "
                  "size and hold")
        lines.append(f"| {int(row['ensemble_size_atoms'])} | {hold_ns:g} | {frozen} | "
                     f"{int(row['observed_ordered'])}/{int(row['runs'])} |")
    return [*lines, ""]


def _prediction_lines(results_dir: Path) -> list[str]:
    """Before the held-out runs exist: the chosen form's P(ordered by 5 ns) at the paper's
    temperature, per size, from the frozen prediction (else the model's current tables)."""
    settings = model_settings(results_dir) or {}
    frozen = results_dir / FROZEN_FOLDER / "predicted_probability.tsv"
    source = frozen if frozen.is_file() else (
        results_dir / MODEL_FOLDER / "tables" / "nucleation_probability.tsv")
    table = _read(source)
    if table is None:
        return []
    if frozen.is_file():
        settings = json.loads((results_dir / FROZEN_FOLDER / "prediction.json").read_text())
    fraction = float(settings.get("paper_temperature_fraction", 0.66))
    rows = table[table["chosen"].astype(str).eq("True")
                 & ((table["temperature_fraction_of_melting"] - fraction).abs() < 1e-6)
                 & ((table["hold_ns"] - 5.0).abs() < 1e-9)]
    if rows.empty:
        return []
    made = (f"frozen on {settings.get('date', 'undated')} (commit "
            f"{settings.get('commit', 'unknown')}) in `{FROZEN_FOLDER}/`, never rewritten"
            if frozen.is_file() else "from the model's current fit (not frozen yet)")
    return [
        f"**The held-out runs ({fraction:g} T_m, 5 ns) have not run yet.** The model's "
        f"prediction for them ({settings.get('chosen_form', 'chosen')} form), {made}:",
        "",
        "| size (atoms) | P(ordered by 5 ns), predicted [band] |",
        "|---:|---|",
        *(f"| {int(row['ensemble_size_atoms'])} | {row['probability_ordered']:.2f} "
          f"[{row['lower']:.2f}, {row['upper']:.2f}]"
          f"{'' if str(row.get('status', 'resolved')) == 'resolved' else ' (open)'} |"
          for _, row in rows.iterrows()),
        "",
    ]


def _calibration_lines(results_dir: Path) -> list[str]:
    """The goodness of fit: how many training groups each form fits within its range."""
    table = _read(results_dir / MODEL_FOLDER / "tables" / "nucleation_calibration.tsv")
    if table is None or table.empty:
        return []
    level = _level(results_dir)
    parts = []
    for form, rows in table.groupby("form", sort=False):
        right = rows["predicted_right"].astype(str).eq("True")
        misses = rows[~right]
        missed = "; ".join(
            f"{int(r['ensemble_size_atoms'])} atoms at {r['temperature_K']:.0f} K: "
            f"{int(r['observed_ordered'])}/{int(r['runs'])} against "
            f"{r['predicted_count_mean']:.1f} expected" for _, r in misses.iterrows())
        parts.append(f"{form}: {int(right.sum())} of {len(rows)} groups inside"
                     + (f" (outside: {missed})" if len(misses) else ""))
    return [f"**Goodness of fit** (the training runs themselves, group by group, against "
            f"each form's {level} predictive range of the count; "
            f"`nucleation-model/tables/nucleation_calibration.tsv`): " + "; ".join(parts) + ".",
            ""]


def _comparison_lines(results_dir: Path) -> list[str]:
    table = _read(results_dir / MODEL_FOLDER / "tables" / "nucleation_comparison.tsv")
    if table is None:
        return []
    lines = ["| form | rate r(N, T) | free parameters | ln L (training) | delta AIC | AICc | "
             "Akaike weight | ln L (held out): at the maximum, region-averaged | ordered "
             "training runs on the rate floor | parameters all resolved | chosen |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for _, row in table.iterrows():
        held = (f"{format_number(row['held_out_log_likelihood'], '.2f') or '-'}, "
                f"{format_number(row.get('held_out_log_likelihood_region'), '.2f') or '-'}")
        lines.append(
            f"| {row['form']} | {row['description']} | {int(row['free_parameters'])} | "
            f"{row['log_likelihood']:.2f} | {row['delta_aic']:.1f} | {row['aicc']:.1f} | "
            f"{row['akaike_weight']:.3g} | {held} | "
            f"{int(row['training_ordered_on_rate_floor'])} | "
            f"{'yes' if str(row['all_parameters_resolved']) == 'True' else 'no'} | "
            f"{'**yes**' if str(row['chosen']) == 'True' else 'no'} |")
    return [*lines, ""]


def answer_section(results_dir: str | Path) -> list[str]:
    """The page's first section (Markdown lines)."""
    results_dir = Path(results_dir)
    settings = model_settings(results_dir) or {}
    fraction = float(settings.get("paper_temperature_fraction", 0.66))
    melting = settings.get("bulk_melting_point_K")
    at = (f"{fraction:g} T_m ({fraction * float(melting):.0f} K with T_m = {float(melting):g} K)"
          if melting else f"{fraction:g} T_m")
    lines = [
        "## The answer at the paper's conditions",
        "",
        f"The paper's claim is made at {at} after a 5-ns hold (5.3 ns with its heat and "
        "quench). The critical size there, measured directly and predicted by the nucleation "
        "model (the hazard of ordering of an N-atom droplet at T, fitted to the droplet runs "
        "of its training campaigns, censored ones included; `docs/results/nucleation-model/`), "
        "beside the paper's 700 atoms:",
        "",
        f"| what | critical size at the paper's conditions (atoms) [{_level(results_dir)}] | "
        "the paper's 700 |",
        "|---|---|---|",
        *(f"| {row['what']} | {row['critical_size']} | {row['paper']} |"
          for row in answer_rows(results_dir)),
        "",
        *_held_out_lines(results_dir),
    ]
    if (results_dir / MODEL_FOLDER / "tables").is_dir():
        lines += [
            "**The two forms of the model**, compared by Akaike's criterion on the training "
            "runs and by the log-likelihood of the held-out runs (parameters with their "
            "profile-likelihood intervals: `nucleation-model/tables/nucleation_parameters.tsv`):",
            "",
            *_comparison_lines(results_dir),
            *_calibration_lines(results_dir),
            "The training runs are pooled whatever their timestep (the campaigns marked old "
            "timestep below ran at 1 fs throughout); runs already ordered when their hold "
            "began, and gas starts, are left out (counted in "
            "`nucleation-model/model.json`). An ordered run on the rate floor is one the form "
            "calls all but impossible (a droplet at or above its own T_m(N)).",
            "",
            "![N_c against T/T_m](nucleation-model/figures/nucleation_critical_size_map.png)",
            "",
            "The map: the critical size (half the droplets ordered by the hold's end) against "
            "the hold temperature for holds of "
            + ", ".join(f"{h:g}" for h in settings.get("holds_ns", [])) + " ns, bands shaded; "
            "circles are the runs that informed the fit, diamonds the held-out runs (colour: "
            "share ordered), the star the paper's point.",
            "",
        ]
    return lines


def front_door_text(results_dir: str | Path) -> str:
    """One or two sentences for the README, from the same rows as the page's section."""
    rows = answer_rows(results_dir)
    direct, model = rows[0], rows[1]
    settings = model_settings(Path(results_dir)) or {}
    fraction = float(settings.get("paper_temperature_fraction", 0.66))
    direct_text = direct["critical_size"]
    text = (f"**The answer at the paper's conditions** ({fraction:g} T_m, 5-ns hold): the "
            f"critical size measured directly is {direct_text}")
    text += (f" (the paper's 700 atoms: {direct['paper']})" if direct["paper"] != "-" else "")
    if model["critical_size"] == "not fitted yet":
        text += "; the nucleation model is not fitted yet"
    else:
        text += (f"; the nucleation model, fitted without those runs, predicts "
                 f"{model['critical_size']} (the paper's 700 atoms: {model['paper']})")
    return text + ". Details: [docs/results/README.md](docs/results/README.md)."


def update_readme(readme: str | Path, results_dir: str | Path) -> str:
    """Replace the block between :data:`README_START` and :data:`README_END` in ``readme``
    with :func:`front_door_text`; returns the new text."""
    path = Path(readme)
    text = path.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no answer block ({README_START} ... {README_END})")
    block = f"{README_START}\n{front_door_text(results_dir)}\n{README_END}"
    new = pattern.sub(lambda _: block, text)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(new)
    partial.replace(path)
    return new
