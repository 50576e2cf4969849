"""The report's "made with" statement (glassy_li.report.captions): what it says is what the
config sets, and it is no rule's parameter (rewording it reruns no job)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from glassy_li.config.compose import load_config
from glassy_li.report.captions import deposition_made_with, made_with, metal_statement
from glassy_li.study import Study

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study() -> Study:
    """The default campaign's study."""
    return Study.from_config(
        load_config(REPO / "config" / "potentials.yaml", REPO / "config" / "config.yaml")
    )


def test_the_metal_statement_gives_temperatures_as_fractions_of_the_potentials_melting_point(
    study,
):
    config = study.config
    preset = config["potential"]
    melting_K = config["potential_presets"][preset]["melting_point_K"]
    heat_K = config["md"]["heat_temperature_fraction_of_melting"] * melting_K
    final_K = config["md"]["final_temperature_fraction_of_melting"] * melting_K
    text = metal_statement(study.nucleation, preset)
    assert text.startswith(f"Li (bcc) with '{preset}': {heat_K:.0f} K -> {final_K:.0f} K ")
    assert f"({heat_K / melting_K:.2f} -> {final_K / melting_K:.2f} T_m; T_m {melting_K:.0f} K" \
        in text
    step, hold = study.nucleation.timestep_fs(preset), study.nucleation.hold_timestep_fs(preset)
    assert hold != step  # the default campaign holds at a longer step ...
    assert text.endswith(f"timestep {step:g} fs (hold {hold:g} fs)")  # ... and says so


def test_a_preset_without_a_measured_melting_point_says_so(study):
    config = copy.deepcopy(study.config)
    preset = config["potential"]
    del config["potential_presets"][preset]["melting_point_K"]
    config["positive_controls"] = []  # theirs are fractions of it too
    config["md"].update(heat_temperature_fraction_of_melting=None, heat_temperature_K=700.0,
                        final_temperature_fraction_of_melting=None, final_temperature_K=350.0)
    text = metal_statement(Study.from_config(config).nucleation, preset)
    assert "700 K -> 350 K" in text
    assert "T_m 453.7 K (experiment; potential's not measured)" in text
    assert f"({700 / 453.7:.2f} -> {350 / 453.7:.2f} T_m" in text


def test_made_with_states_the_protocol_and_the_incubation_rule(study):
    config = study.config
    text = made_with(study.nucleation)
    md, incubation = config["md"], config["incubation"]
    assert text.startswith(f"Campaign '{config['campaign_name']}': ")
    assert f"sizes {config['system']['ensemble_sizes_atoms']} atoms" in text
    assert f"hold {md['equilibrate_duration_ps']} ps" in text
    assert (f"{incubation['order_parameter']} >= {incubation['threshold']} for "
            f"{incubation['persistence_ps']} ps") in text


def test_the_deposition_statement_names_each_substrate_and_rate(study):
    deposition = study.config["deposition"]
    text = deposition_made_with(study.deposition)
    assert f"{deposition['rates_atoms_per_ps']} atoms/ps" in text
    assert text.count("heat removal - ") == len(deposition["substrates"])
    disabled = copy.deepcopy(study.config)
    disabled["deposition"]["enabled"] = False
    assert deposition_made_with(Study.from_config(disabled).deposition) == (
        "deposition campaign disabled"
    )


def test_no_rule_takes_the_statement_as_a_parameter():
    """A rule's params are a rerun trigger: the statement is written by the landing page's job
    from the config, and the report's captions point there."""
    rules = "\n".join(path.read_text() for path in (REPO / "workflow" / "rules").glob("*.smk"))
    assert not re.search(r"made_with\s*=", rules)
    captions = "\n".join(path.read_text() for path in (REPO / "workflow" / "report").glob("*.rst"))
    assert "params.made_with" not in captions
