"""The committed results page (docs/results/README.md) says what its tables say: it is
regenerated from the committed tables and compared, so a number typed on the page, or a
table changed without the page, fails here."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from glassy_li.results_page import incubation_slope, page_text

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def test_the_committed_page_is_the_one_its_tables_give():
    committed = (RESULTS / "README.md").read_text()
    regenerated = page_text(RESULTS)
    assert committed == regenerated, (
        "docs/results/README.md differs from what its tables give: regenerate it with "
        "`python -m glassy_li.results_page docs/results` (never edit it by hand)"
    )


def test_a_changed_table_value_changes_the_page(tmp_path):
    """The page reads its numbers from the tables (a page that ignored them would pass the
    test above for ever)."""
    folders = sorted(p.parent for p in RESULTS.glob("*/made_with.json"))
    assert folders, "no committed campaign under docs/results/"
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    table_path = copy / folders[0].name / "tables" / "incubation_statistics.tsv"
    table = pd.read_csv(table_path, sep="\t")
    table["n_runs"] = table["n_runs"] + 17
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
