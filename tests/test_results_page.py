"""The committed results page (docs/results/README.md) says what its tables say: it is
regenerated from the committed tables and compared, so a number typed on the page, or a
table changed without the page, fails here."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from glassy_li.results_page import _bounds, _critical_size, _diameter, incubation_slope, page_text

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def test_the_committed_page_is_the_one_its_tables_give():
    committed = (RESULTS / "README.md").read_text()
    regenerated = page_text(RESULTS)
    assert committed == regenerated, (
        "docs/results/README.md differs from what its tables give: regenerate it with "
        "`python -m glassy_li.results_page docs/results` (never edit it by hand)"
    )


PAGE_READS = (
    "campaign.tsv",
    "incubation_statistics.tsv",
    "summary_by_size.tsv",
    "critical_size.tsv",
    "critical_size_by_hold.tsv",
    "deposition_by_rate.tsv",
    "deposition_runs.tsv",
)
"""The committed tables the page's numbers come from (each must move the page)."""
KEYS = {"ensemble_size_atoms", "packing_density_g_cm3", "heat_temperature_K",
        "final_temperature_K", "thermostat_damping_ps", "atom_flux_atoms_per_ps", "seed",
        "replica", "hold_ps", "rate_atoms_per_ps", "mass_amu", "bulk_density_g_cm3", "sizes_atoms",
        "packing_density_fraction_of_bulk", "confidence"}
"""Columns that say which run or series a row is (moving them re-labels, not re-values)."""
FOLDERS = sorted(p.parent for p in RESULTS.glob("*/made_with.json"))
READ_TABLES = [(folder.name, name) for folder in FOLDERS for name in PAGE_READS
               if (folder / "tables" / name).exists()]


def test_every_committed_campaign_is_on_the_page():
    assert FOLDERS, "no committed campaign under docs/results/"
    page = (RESULTS / "README.md").read_text()
    for folder in FOLDERS:
        assert f"[`{folder.name}/`]({folder.name}/)" in page


@pytest.mark.parametrize(("campaign", "table_name"), READ_TABLES)
def test_a_changed_table_changes_the_page(tmp_path, campaign, table_name):
    """The page reads its numbers from every table it shows (a page that ignored one
    would pass the test above for ever): each numeric column the page may show is moved and
    the page must change."""
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    table_path = copy / campaign / "tables" / table_name
    table = pd.read_csv(table_path, sep="\t")
    values = [c for c in table.select_dtypes("number").columns if c not in KEYS]
    table[values] = table[values] * 1.37 + 17
    if "note" in table:  # where a value is missing, the page shows why
        table["note"] = table["note"].fillna("") + " (changed)"
    table.to_csv(table_path, sep="\t", index=False)
    assert page_text(copy) != page_text(RESULTS)


def test_incubation_slope_of_a_power_law_is_its_exponent():
    sizes = [300.0, 700.0, 1500.0, 3000.0]
    table = pd.DataFrame({"ensemble_size_atoms": sizes,
                          "km_median_incubation_ps": [1e4 * n**-0.8 for n in sizes]})
    slope, n = incubation_slope(table)
    assert n == 4
    assert slope == pytest.approx(-0.8)
    table.loc[1:, "km_median_incubation_ps"] = float("nan")
    assert incubation_slope(table)[1] == 1


def test_a_bound_in_atoms_is_also_given_in_nm():
    """None of the runs transforming bounds the critical size from below, in atoms and as the
    diameter of that many atoms at bulk density (700 Li atoms: 3.07 nm)."""
    row = {"critical_size_atoms": float("nan"), "sizes_atoms": "250,400,700",
           "n_crystalline": 0, "n_runs": 12, "mass_amu": 6.94, "bulk_density_g_cm3": 0.534}
    assert _bounds(row) == (700.0, float("inf"))
    assert _critical_size(row).startswith("> 700")
    assert _diameter(row) == "> 3.07"
    every = {**row, "n_crystalline": 12}
    assert _bounds(every) == (0.0, 250.0) and _diameter(every).startswith("< ")
