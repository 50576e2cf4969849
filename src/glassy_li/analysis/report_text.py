"""The report's landing text, written from a campaign's own tables (issue: "the report says
the result"): a reader learns from its first lines how many runs crystallised per size, the
median incubation times with their intervals, and the critical size with its interval,
before opening any table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from glassy_li.analysis.aggregate import SIZE_SERIES_KEYS

__all__ = [
    "critical_diameter_text",
    "critical_size_bounds",
    "critical_size_text",
    "format_number",
    "landing_text",
    "outcome_label",
    "plain_text",
    "series_rows",
    "write_landing_text",
]


LANDING_FORMAT = ".3g"
"""How the landing text writes its numbers (three significant figures)."""


def format_number(value: object, spec: str = "auto") -> str | None:
    """``value`` formatted, or None when it is missing (NaN or empty); ``auto``: whole numbers
    from 100 up, three significant figures below."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    if spec == "auto":
        spec = ".0f" if abs(number) >= 100 else ".3g"
    return format(number, spec)


def plain_text(value: object) -> str:
    """A table's text cell as text: empty for a missing value (NaN, None), never ``nan``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() == "nan" else text


def _number(row: Mapping[str, object], column: str, spec: str) -> str | None:
    return format_number(row.get(column), spec)


def critical_size_bounds(row: Mapping[str, object]) -> tuple[float, float] | None:
    """The critical size a row supports as an interval (atoms): its likelihood interval
    (an open end reaching to 0 or infinity), a separated series' interval, or the one-sided
    bound where none (all) ordered; None where not resolved."""
    status = plain_text(row.get("critical_size_status"))
    if status in ("", "not resolved"):
        return None
    low, high = (float(pd.to_numeric(pd.Series([row.get(key)]), errors="coerce").iloc[0])
                 for key in ("critical_size_lower_atoms", "critical_size_upper_atoms"))
    return (low if math.isfinite(low) else 0.0, high if math.isfinite(high) else math.inf)


def critical_size_text(row: Mapping[str, object], spec: str = "auto") -> str:
    """A critical-size row (``glassy_li.analysis.aggregate.critical_size_table``) in words, with its
    unit: a value with its interval ("393 atoms [311, 447]", an open end written as a bound),
    a bracket for separated outcomes, a one-sided bound, or "not resolved" with the reason."""
    status = plain_text(row.get("critical_size_status"))
    low = _number(row, "critical_size_lower_atoms", spec)
    high = _number(row, "critical_size_upper_atoms", spec)
    level = format_number(row.get("confidence"), ".0%") or "95%"
    if status == "resolved":
        value = _number(row, "critical_size_atoms", spec)
        if low and high:
            return f"{value} atoms [{low}, {high}]"
        if low:
            return f"{value} atoms [{low}, open]"
        if high:
            return f"{value} atoms [open, {high}]"
        return f"{value} atoms [interval open]"
    if status == "separated":
        between = (f"between {_number(row, 'bracket_lower_atoms', spec)} and "
                   f"{_number(row, 'bracket_upper_atoms', spec)} atoms")
        return (f"{between} (outcomes separated; {level} interval [{low or 'open'}, "
                f"{high or 'open'}])")
    n_runs = format_number(row.get("n_runs"), ".0f")
    if status == "above":
        return f"> {low} atoms ({level} bound; none of {n_runs} runs ordered)"
    if status == "below":
        return f"< {high} atoms ({level} bound; all {n_runs} runs ordered)"
    reason = plain_text(row.get("note")).removeprefix("not resolved: ")
    return f"not resolved ({reason})" if reason else "not resolved"


def critical_diameter_text(row: Mapping[str, object]) -> str:
    """The critical size as a diameter (nm, sphere at bulk density), in the form of
    :func:`critical_size_text`; ``-`` where there is none."""
    status = plain_text(row.get("critical_size_status"))
    low = _number(row, "critical_diameter_lower_nm", ".2f")
    high = _number(row, "critical_diameter_upper_nm", ".2f")
    if status == "resolved":
        value = _number(row, "critical_diameter_nm", ".2f")
        return f"{value} nm [{low or 'open'}, {high or 'open'}]"
    if status == "separated" and low and high:
        return f"within [{low}, {high}] nm"
    if status == "above" and low:
        return f"> {low} nm"
    if status == "below" and high:
        return f"< {high} nm"
    return "-"


OUTCOME_WORDS = {"reference": "{structure}", "any crystal": "any crystal"}


def outcome_label(row: Mapping[str, object]) -> str:
    """The outcome of a critical-size or statistics row in words: the reference structure
    (e.g. ``bcc``) or ``any crystal``, with how it was measured where that is not a lasting
    order (e.g. ``bcc only, reversion not checked``)."""
    outcome = plain_text(row.get("outcome")) or "reference"
    structure = plain_text(row.get("reference_structure")) or "reference structure"
    words = OUTCOME_WORDS.get(outcome, outcome).format(structure=structure)
    basis = plain_text(row.get("outcome_basis"))
    if basis.startswith("bcc only"):
        return f"{structure} only, reversion not checked"
    if basis and basis != "lasting order":
        return f"{words} ({basis})"
    return words


def _interval(row: Mapping[str, object], middle: str, lower: str, upper: str,
              unit: str) -> str | None:
    value = format_number(row.get(middle), LANDING_FORMAT)
    if value is None:
        return None
    low = format_number(row.get(lower), LANDING_FORMAT)
    high = format_number(row.get(upper), LANDING_FORMAT)
    bounds = f" [{low or '?'}, {high or 'open'}]" if (low or high) else ""
    return f"{value} {unit}{bounds}"


def series_rows(table: pd.DataFrame, values: Mapping[str, object]) -> pd.DataFrame:
    """The rows of ``table`` of one series: its columns named in ``values`` equal to them
    (compared as text, as the tables are read back)."""
    for key, value in values.items():
        if key in table.columns:
            table = table[table[key].astype(str) == str(value)]
    return table


def _series_title(row: Mapping[str, object]) -> str:
    coupling = f"{row['thermostat']} {float(row['thermostat_damping_ps']):g} ps"
    if float(row.get("atom_flux_atoms_per_ps") or 0) > 0:
        coupling += f", atom flux {float(row['atom_flux_atoms_per_ps']):g}/ps"
    label = "" if row["group"] == "grid" else f"{row['group']}: "
    return (
        f"{label}{row['metal']} with {row['potential']}, {row['initial_state']} starts at "
        f"{float(row['packing_density_g_cm3']):g} g/cm3, heated at "
        f"{float(row['heat_temperature_K']):.0f} K and held at "
        f"{float(row['final_temperature_K']):.0f} K ({coupling})"
    )


def landing_text(
    statistics: pd.DataFrame,
    critical: pd.DataFrame,
    campaign_name: str,
    criterion: str,
    made_with: str = "",
    workflow_text: str = "",
    by_hold: pd.DataFrame | None = None,
) -> str:
    """The report's first page (reStructuredText): per series of sizes, the runs transformed
    per size with the Kaplan-Meier median incubation time and interval, then the critical size
    with its interval (and, from ``by_hold``, had the runs been held shorter); ``criterion``
    says what "transformed" means; ``made_with`` and ``workflow_text`` (the workflow's
    description) follow."""
    title = f"Campaign '{campaign_name}': what it found"
    lines = [title, "=" * len(title), ""]
    if statistics.empty:
        lines += ["No runs have finished yet.", ""]
    keys = [key for key in SIZE_SERIES_KEYS if key in statistics.columns]
    # the grid's series first, positive controls after
    statistics = statistics.sort_values("group", key=lambda g: g != "grid", kind="stable")
    for values, series in statistics.groupby(keys, sort=False, dropna=False):
        first = dict(zip(keys, values if isinstance(values, tuple) else (values,), strict=True))
        lines += [f"**{_series_title(first)}** ({criterion}):", ""]
        for _, row in series.sort_values("ensemble_size_atoms").iterrows():
            n_runs = int(row["n_runs"])
            text = (f"- {int(row['ensemble_size_atoms'])} atoms: {int(row['n_transformed'])} of "
                    f"{n_runs} runs transformed")
            median = _interval(row, "km_median_incubation_ps", "km_median_lower_ps",
                               "km_median_upper_ps", "ps")
            if median:
                text += f", median incubation time {median}"
            elif int(row["n_censored"]):
                observed = format_number(row["observed_ps_max"], LANDING_FORMAT)
                text += f", {int(row['n_censored'])} censored at {observed} ps"
            if int(row.get("n_crystalline_at_reference", 0) or 0):
                text += (f"; {int(row['n_crystalline_at_reference'])} already crystalline when "
                         "the clock started")
            lines.append(text)
        for _, row in series_rows(critical, first).iterrows():
            level = format_number(row.get("confidence"), ".0%")
            diameter = critical_diameter_text(row)
            lines.append(f"- Critical size ({outcome_label(row)}; {level} penalised "
                         f"profile-likelihood interval): {critical_size_text(row)}"
                         + (f", {diameter}" if diameter != "-" else "") + ".")
        held = series_rows(by_hold, first) if by_hold is not None else pd.DataFrame()
        shorter = []
        for _, row in held.iterrows():
            shorter.append(f"{float(row['hold_ps']):g} ps ({outcome_label(row)}): "
                           f"{critical_size_text(row)}")
        if shorter:
            lines.append("- Had the runs been held only " + "; ".join(shorter))
        lines.append("")
    if made_with:
        lines += [made_with, ""]
    if workflow_text:
        lines += ["----", "", workflow_text.strip(), ""]
    return "\n".join(lines)


def write_landing_text(
    statistics_tsv: str | Path,
    critical_tsv: str | Path,
    output: str | Path,
    campaign_name: str,
    criterion: str,
    made_with: str = "",
    workflow_rst: str | Path | None = None,
    by_hold_tsv: str | Path | None = None,
) -> str:
    """Write :func:`landing_text` of the campaign's tables to ``output``; return it."""
    text = landing_text(
        pd.read_csv(statistics_tsv, sep="\t"),
        pd.read_csv(critical_tsv, sep="\t"),
        campaign_name,
        criterion,
        made_with,
        Path(workflow_rst).read_text() if workflow_rst else "",
        pd.read_csv(by_hold_tsv, sep="\t") if by_hold_tsv else None,
    )
    Path(output).write_text(text)
    return text
