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

from .aggregate import SIZE_SERIES_KEYS

__all__ = ["format_number", "landing_text", "series_rows", "write_landing_text"]


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
        match = series_rows(critical, first)
        if not match.empty:
            row = match.iloc[0]
            size = _interval(row, "critical_size_atoms", "critical_size_lower_atoms",
                             "critical_size_upper_atoms", "atoms")
            if size:
                diameter = _interval(row, "critical_diameter_nm", "critical_diameter_lower_nm",
                                     "critical_diameter_upper_nm", "nm")
                level = format_number(row.get("confidence"), ".0%")
                lines.append(f"- Critical size: {size} ({diameter}; {level} interval). "
                             f"{row.get('note', '') or ''}".rstrip())
            else:
                lines.append(f"- Critical size: none fitted ({row.get('note', '')})")
        held = series_rows(by_hold, first) if by_hold is not None else pd.DataFrame()
        shorter = []
        for _, row in held.iterrows():
            size = _interval(row, "critical_size_atoms", "critical_size_lower_atoms",
                             "critical_size_upper_atoms", "atoms")
            shorter.append(f"{float(row['hold_ps']):g} ps: {size or 'none fitted'}")
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
