"""The committed results page (docs/results/README.md) says what its tables say: it is
regenerated from the committed tables and compared, so a number typed on the page, or a
table changed without the page, fails here."""

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.report_text import critical_size_bounds, landing_text
from glassy_li.report.paper_answer import (
    README_END,
    README_START,
    answer_rows,
    answer_section,
    front_door_text,
)
from glassy_li.report.results_page import _critical_size, _diameter, incubation_slope, page_text

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


@pytest.fixture(scope="module")
def committed_page() -> str:
    """The page as the committed tables give it (built once for the tests that compare)."""
    return page_text(RESULTS)


def test_the_committed_page_is_the_one_its_tables_give(committed_page):
    committed = (RESULTS / "README.md").read_text()
    regenerated = committed_page
    assert committed == regenerated, (
        "docs/results/README.md differs from what its tables give: regenerate it with "
        "`python -m glassy_li.report.results_page docs/results` (never edit it by hand)"
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
FIRST_OF_EACH_TABLE = [pair for index, pair in enumerate(READ_TABLES)
                       if pair[1] not in {name for _, name in READ_TABLES[:index]}]
"""One campaign per table name (the unit tier); the workflow tier takes every campaign."""
TABLE_CASES = [pytest.param(*pair, marks=() if pair in FIRST_OF_EACH_TABLE
                            else pytest.mark.workflow) for pair in READ_TABLES]


def test_every_committed_campaign_is_on_the_page():
    assert FOLDERS, "no committed campaign under docs/results/"
    page = (RESULTS / "README.md").read_text()
    for folder in FOLDERS:
        assert f"[`{folder.name}/`]({folder.name}/)" in page


def copy_results(dest: Path) -> Path:
    """docs/results copied to ``dest`` for editing, its images as empty files (the page
    lists them by name only)."""
    images = ("*.png", "*.svg")
    shutil.copytree(RESULTS, dest, ignore=shutil.ignore_patterns(*images))
    for pattern in images:
        for image in RESULTS.rglob(pattern):
            (dest / image.relative_to(RESULTS)).touch()
    return dest


@pytest.mark.parametrize(("campaign", "table_name"), TABLE_CASES)
def test_a_changed_table_changes_the_page(tmp_path, committed_page, campaign, table_name):
    """The page reads its numbers from every table it shows (a page that ignored one
    would pass the test above for ever): each numeric column the page may show is moved and
    the page must change."""
    copy = copy_results(tmp_path / "results")
    table_path = copy / campaign / "tables" / table_name
    table = pd.read_csv(table_path, sep="\t")
    values = [c for c in table.select_dtypes("number").columns if c not in KEYS]
    table[values] = table[values] * 1.37 + 17
    if "note" in table:  # where a value is missing, the page shows why
        table["note"] = table["note"].fillna("") + " (changed)"
    table.to_csv(table_path, sep="\t", index=False)
    assert page_text(copy) != committed_page


def test_incubation_slope_of_a_power_law_is_its_exponent_with_an_interval():
    sizes = [300.0, 700.0, 1500.0, 3000.0]
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"ensemble_size_atoms": sizes, "km_median_incubation_ps":
                          [1e4 * n**-0.8 * math.exp(rng.normal(0, 0.05)) for n in sizes]})
    slope = incubation_slope(table)
    assert slope.n == 4
    assert slope.lower < -0.8 < slope.upper and slope.slope == pytest.approx(-0.8, abs=0.15)
    assert slope.sign == -1  # it falls, and the interval says so
    table.loc[1:, "km_median_incubation_ps"] = float("nan")
    assert incubation_slope(table).n == 1


def test_a_bound_in_atoms_is_also_given_in_nm():
    """None of the runs transforming bounds the critical size from below, in atoms and as the
    diameter of that many atoms at bulk density (700 Li atoms: 3.07 nm)."""
    row = {"critical_size_status": "above", "critical_size_atoms": float("nan"),
           "critical_size_lower_atoms": 700.0, "critical_size_upper_atoms": float("nan"),
           "critical_diameter_lower_nm": 3.07, "critical_diameter_upper_nm": float("nan"),
           "n_crystalline": 0, "n_runs": 12, "confidence": 0.95}
    assert critical_size_bounds(row) == (700.0, float("inf"))
    assert _critical_size(row) == "> 700 atoms (95% bound; none of 12 runs ordered)"
    assert _diameter(row) == "> 3.07 nm"
    refused = {**row, "critical_size_status": "not resolved",
               "note": "not resolved: the fraction transformed falls with size"}
    assert critical_size_bounds(refused) is None
    assert _critical_size(refused) == "not resolved (the fraction transformed falls with size)"


def _captions() -> list[Path]:
    return sorted((RESULTS.parents[1] / "workflow" / "report").glob("*.rst"))


def test_no_nan_reaches_a_reader():
    """The page, every campaign's report landing text (written from its committed tables as
    the report would) and every report caption: an empty note or a missing value is never
    printed as `nan`."""
    texts = {"docs/results/README.md": (RESULTS / "README.md").read_text()}
    for folder in FOLDERS:
        tables = folder / "tables"
        if not (tables / "incubation_statistics.tsv").exists():
            continue
        texts[f"landing text of {folder.name}"] = landing_text(
            pd.read_csv(tables / "incubation_statistics.tsv", sep="\t"),
            pd.read_csv(tables / "critical_size.tsv", sep="\t"), folder.name,
            "crystallinity >= 0.5",
            by_hold=pd.read_csv(tables / "critical_size_by_hold.tsv", sep="\t"))
    texts.update({f"caption {p.name}": p.read_text() for p in _captions()})
    assert len(texts) > 5
    for name, text in texts.items():
        assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), name


def test_the_claim_table_has_one_column_per_measure():
    """The kinetic critical size (per hold), the MFPT nucleus and the thermodynamic N* are
    three measures: each has its own column, named with its unit, never one "size" column."""
    page = (RESULTS / "README.md").read_text()
    header = next(line for line in page.splitlines() if line.startswith("| campaign | series"))
    cells = [cell.strip() for cell in header.strip("|").split("|")]
    assert "size (atoms) [95% CI]" not in cells
    assert any(c.startswith("kinetic N_c, bcc, 500-ps hold (atoms)") for c in cells)
    assert "MFPT nucleus n* (bcc domain, atoms)" in cells
    assert any(c.startswith("thermodynamic N* (atoms)") for c in cells)
    assert any(c.startswith("kinetic N_c, any crystal") for c in cells)
    # the headline series: a likelihood interval, and the old series marked (made at the old
    # timestep too)
    row = next(line for line in page.splitlines()
               if line.startswith("| threshold (old timestep) | eam-nichol2016-li, 358 K"))
    assert "bcc only, reversion not checked" in row
    assert "[291, 485]" in row  # the penalised likelihood interval (500-ps hold)
    # a bound on N* says its unit once
    assert "N* lies below the sizes fitted)**" in page
    assert not re.search(r"atoms\)? atoms", page)


def test_a_campaign_folder_is_not_written_from_uncommitted_code(tmp_path):
    """made_with.json names a commit: with tracked code changed since it, the results_page
    job refuses (naming the files) unless told otherwise; the page and campaign folders it
    writes itself (docs/results/) do not count."""
    from glassy_li.report.results_page import git_commit, require_committed_code  # noqa: PLC0415

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "docs" / "results").mkdir(parents=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "docs" / "results" / "README.md").write_text("page\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    (tmp_path / "docs" / "results" / "README.md").write_text("new page\n")
    require_committed_code(tmp_path, allow_uncommitted=False)
    assert not git_commit(tmp_path).endswith("+changes")
    (tmp_path / "code.py").write_text("x = 2\n")
    with pytest.raises(RuntimeError, match=r"code\.py.*results_page\.allow_uncommitted"):
        require_committed_code(tmp_path, allow_uncommitted=False)
    require_committed_code(tmp_path, allow_uncommitted=True)
    assert git_commit(tmp_path).endswith("+changes")


def test_a_series_planned_with_an_older_melting_point_is_given_at_both():
    """A preset re-measured at 680 [670, 690] K: a series held at 0.55 of the old 651 K says
    so, and gives its fraction of the new value with the interval the new one puts on it;
    the page lists the preset, its method and the series that stand at the old value."""
    from glassy_li.report.results_page import _homologous  # noqa: PLC0415

    remeasured = {"eam-nichol2016-li": {"melting_point_K": 680.0,
                                        "melting_point_interval_K": [670.0, 690.0],
                                        "melting_point_method": "interface velocity"}}
    page = page_text(RESULTS, melting_points=remeasured)
    row = {"potential": "eam-nichol2016-li", "final_temperature_K": 358.05,
           "melting_point_potential_K": 651.0}
    assert _homologous(row) == ("0.55 T_m of the old 651 K; 0.53 [0.52, 0.53] of the "
                                "measured 680 K")
    assert "## Melting points: every temperature is a fraction of one" in page
    listed = next(line for line in page.splitlines()
                  if line.startswith("| `eam-nichol2016-li` |"))
    assert "680 [670, 690]" in listed and "interface velocity" in listed
    assert "threshold (651 K)" in listed
    # unchanged: one value, with its interval, and no 'old'
    same = {"eam-nichol2016-li": {**remeasured["eam-nichol2016-li"], "melting_point_K": 651.0,
                                  "melting_point_interval_K": [641.0, 661.0]}}
    page_text(RESULTS, melting_points=same)
    assert _homologous(row) == "0.55 [0.54, 0.56] T_m"
    page_text(RESULTS, melting_points={})
    assert _homologous(row) == "0.55 T_m"


def test_numbers_made_at_an_older_timestep_are_marked():
    """A preset whose hold step has changed since a campaign ran: the campaign is named at
    the top, marked in the claim and slope tables and in its own section, with the input it
    ran and today's; at its old timestep again, nothing is marked."""
    now = {"eam-nichol2016-li": {"melting_point_K": 654.0, "timestep_fs": 1.0,
                                 "hold_timestep_fs": 2.0, "accelerated_suffix": "omp"}}
    page = page_text(RESULTS, melting_points=now)
    assert "**Campaigns marked (old timestep):**" in page
    assert "| threshold (old timestep) |" in page  # claim and slope tables
    assert ("**Made at the old timestep** (not rerun here; today's input: "
            "[docs/performance.md](../performance.md#timesteps)): `eam-nichol2016-li` at 1 fs "
            "in every stage, `eam/fs`; now 1 fs (heat, quench) and 2 fs (hold), `eam/fs/omp`."
            ) in page
    assert "| threshold-cui2012 (old timestep) |" not in page  # the Cui MEAM: unchanged
    assert "| temperature-series (old timestep) |" not in page  # run at today's input
    # were the preset back at 1 fs throughout, the campaigns run then are unmarked and the
    # one run at 2 fs holds (temperature-series) is the one marked as made at another input
    unchanged = {"eam-nichol2016-li": {**now["eam-nichol2016-li"], "hold_timestep_fs": None,
                                       "accelerated_suffix": None}}
    back = page_text(RESULTS, melting_points=unchanged)
    assert "| threshold (old timestep) |" not in back
    assert "**Campaigns marked (old timestep):** `temperature-series`." in back


def test_an_n_star_outside_the_sizes_fitted_is_a_bound_in_old_tables_too():
    """An older T_m(N) table wrote N* = 91.6 atoms from sizes 500-5000: the page gives
    '< 500 atoms', not the extrapolated value; one inside the sizes keeps its interval."""
    from glassy_li.report.results_page import _melting_n_star  # noqa: PLC0415

    old = {"n_star_atoms": 91.6, "n_star_lower_atoms": 31.1, "n_star_upper_atoms": 202.0,
           "sizes_fitted": "500,1000,2000,5000"}
    assert _melting_n_star(old).startswith("< 500 atoms (a bound")
    assert "91" not in _melting_n_star(old)
    inside = {**old, "n_star_atoms": 700.0, "n_star_lower_atoms": 600.0,
              "n_star_upper_atoms": 820.0}
    assert _melting_n_star(inside) == "700 [600, 820] atoms"
    new = {**old, "n_star_status": "above 450", "n_star_bound_atoms": 450}
    assert _melting_n_star(new).startswith("> 450 atoms (a bound")


# -- the answer at the paper's conditions (glassy_li.report.paper_answer) --------------------
def test_the_readme_states_the_answer_the_tables_give():
    readme = (RESULTS.parents[1] / "README.md").read_text()
    block = readme.split(README_START)[1].split(README_END)[0].strip()
    assert block == front_door_text(RESULTS), (
        "README.md's answer differs from docs/results' tables: rewrite it with "
        "glassy_li.report.paper_answer.update_readme('README.md', 'docs/results')")


def _answer_folder(tmp_path, direct_status, direct_low, direct_high, model_low, model_high):
    (tmp_path / "nucleation-model" / "tables").mkdir(parents=True)
    (tmp_path / "paper-conditions" / "tables").mkdir(parents=True)
    (tmp_path / "nucleation-model" / "model.json").write_text(json.dumps({
        "training_campaigns": ["threshold", "temperature-series"], "paper_size_atoms": 700,
        "paper_temperature_fraction": 0.66, "bulk_melting_point_K": 654, "holds_ns": [5]}))
    pd.DataFrame([{"form": "cnt", "chosen": True, "temperature_fraction_of_melting": 0.66,
                   "temperature_K": 431.64, "hold_ns": 5.0, "critical_size_atoms": 812.0,
                   "lower_atoms": model_low, "upper_atoms": model_high, "status": "resolved"}]
                 ).to_csv(tmp_path / "nucleation-model" / "tables" /
                          "nucleation_critical_size.tsv", sep="\t", index=False)
    pd.DataFrame([{"hold_ps": hold, "outcome": "reference", "sizes_atoms": "700,1400,3000",
                   "n_runs": 12, "final_temperature_K": 431.6,
                   "critical_size_status": direct_status, "critical_size_atoms": np.nan,
                   "critical_size_lower_atoms": direct_low,
                   "critical_size_upper_atoms": direct_high, "confidence": 0.95}
                  for hold in (500, 5000)]
                 ).to_csv(tmp_path / "paper-conditions" / "tables" /
                          "critical_size_by_hold.tsv", sep="\t", index=False)


def test_the_answer_quotes_both_tables_and_places_the_papers_700(tmp_path):
    _answer_folder(tmp_path, "above", 3000.0, np.nan, 640.0, 1030.0)
    direct, model = answer_rows(tmp_path)
    assert direct["critical_size"].startswith("> 3000 atoms") and direct["paper"] == "outside"
    assert "12 runs, 5-ns hold at 432 K" in direct["what"]
    assert model["critical_size"] == "812 atoms [640, 1030]" and model["paper"] == "inside"
    assert "| 812 atoms [640, 1030] | inside |" in "\n".join(answer_section(tmp_path))
    text = front_door_text(tmp_path)
    assert "> 3000 atoms" in text and "812 atoms [640, 1030]" in text


def test_a_model_band_that_misses_700_says_outside(tmp_path):
    _answer_folder(tmp_path, "resolved", 900.0, 2100.0, 1500.0, 2600.0)
    rows = answer_rows(tmp_path)
    assert [row["paper"] for row in rows] == ["outside", "outside"]


def test_the_papers_protocol_joins_the_answer_once_it_has_run(tmp_path):
    _answer_folder(tmp_path, "above", 3000.0, np.nan, 640.0, 1030.0)
    assert len(answer_rows(tmp_path)) == 2  # not run: no row
    (tmp_path / "paper-protocol" / "tables").mkdir(parents=True)
    pd.DataFrame([{"hold_ps": 5000, "outcome": "reference", "sizes_atoms": "700,1500",
                   "n_runs": 6, "heat_temperature_K": 719.4, "final_temperature_K": 431.6,
                   "critical_size_status": "separated", "critical_size_atoms": np.nan,
                   "critical_size_lower_atoms": 420.0, "critical_size_upper_atoms": 2900.0,
                   "bracket_lower_atoms": 700, "bracket_upper_atoms": 1500,
                   "confidence": 0.95}]
                 ).to_csv(tmp_path / "paper-protocol" / "tables" / "critical_size_by_hold.tsv",
                          sep="\t", index=False)
    protocol = answer_rows(tmp_path)[2]
    assert "gas start, heat 719 K" in protocol["what"] and "6 runs" in protocol["what"]
    assert protocol["critical_size"].startswith("between 700 and 1500 atoms")
    assert protocol["paper"] == "inside"  # the bracket's interval [420, 2900] holds 700

