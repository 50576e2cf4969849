#!/usr/bin/env python3
"""What a campaign cost, and what it would cost on a Slurm allocation (not a test; prints).

    .venv/bin/python benchmarks/campaign_cost.py --configfile config/NAME.yaml [--results results]

From the run folders (`glassy-li status --json` and each run's md_performance.json): the MD
runs, how many ended their hold early (outcome settled), how many resumed from a restart, the
atom-steps planned and simulated, the MD core-hours (wall time x MPI
ranks) and the longest MD job. The Slurm estimate: one job per run per rule (snakemake -n
--workflow-profile profiles/slurm --forceall: its job count), each MD job on md.mpi_ranks
cores for the wall time measured here; the allocation's core-hours are the MD ones plus the
analysis jobs' (one core each, measured here by their benchmark files), and the campaign's
wall time on enough cores is its longest MD job plus its analysis.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path


def status(configfile: str, results: str) -> dict:
    output = subprocess.run(
        [str(Path(sys.executable).parent / "glassy-li"), "status", "--configfile", configfile,
         "--json", results], capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def slurm_jobs(configfile: str) -> dict[str, int]:
    """Job counts per rule of the whole campaign on the Slurm profile (a dry run)."""
    output = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--forceall", "--nolock", "--workflow-profile",
         "profiles/slurm", "--configfile", configfile, "--", "incubation_statistics"],
        capture_output=True, text=True, check=False)
    text = output.stdout + output.stderr
    table = text.split("Job stats:")[1] if "Job stats:" in text else ""
    counts = {}
    for line in table.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not match:
            break
        if match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def analysis_seconds(results: Path, run_ids: list[str]) -> float:
    """Wall seconds of the per-run analysis jobs (identify_structure, summarise_run)."""
    total = 0.0
    for rule in ("identify_structure", "summarise_run"):
        for run_id in run_ids:
            for path in (results / "benchmarks" / rule / run_id).glob("*.tsv"):
                lines = path.read_text().splitlines()
                if len(lines) > 1:
                    total += float(lines[1].split("\t")[0])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", required=True)
    parser.add_argument("--results", default="results")
    args = parser.parse_args()
    state = status(args.configfile, args.results)
    runs = state["runs"]
    results = Path(args.results)
    md_wall, ranks_wall, longest, resumed, early, attempts = 0.0, 0.0, 0.0, 0, 0, 0
    for run in runs:
        path = results / "runs" / run["run_id"].split("/ana-")[0] / "md_performance.json"
        if not path.is_file():
            continue
        record = json.loads(path.read_text())
        md_wall += record["wall_s"]
        ranks_wall += record["wall_s"] * record.get("mpi_ranks", 1)
        longest = max(longest, record["wall_s"])
        resumed += record.get("resumed_from_step", 0) > 0
        early += "settled_step" in record
        attempts += record.get("attempt", 1)
    planned = sum(run["planned_atom_steps"] or 0 for run in runs)
    done = sum(run["done_atom_steps"] or 0 for run in runs)
    analysis = analysis_seconds(results, [run["run_id"].split("/ana-")[0] for run in runs])
    jobs = slurm_jobs(args.configfile)
    print(f"campaign {state['campaign']}: {len(runs)} MD runs, states {state['eta']['counts']}")
    print(f"  ended the hold early (outcome settled): {early}; resumed from a restart: {resumed};"
          f" MD attempts: {attempts}")
    print(f"  atom-steps: {done:.3g} simulated of {planned:.3g} planned now (a run that ended its"
          f" hold early counts what it ran; `glassy-li status` before the start gives the"
          f" worst case)")
    print(f"  MD: {ranks_wall / 3600:.2f} core-hours ({md_wall / 3600:.2f} h of job wall time);"
          f" longest MD job {longest / 60:.1f} min; analysis jobs {analysis / 3600:.2f} core-h")
    if jobs:
        by_rule = ", ".join(f"{rule} {count}" for rule, count in jobs.items())
        print(f"  Slurm: {sum(jobs.values())} jobs ({by_rule}); "
              f"{(ranks_wall + analysis) / 3600:.2f} core-hours; on as many cores as runs, the"
              f" campaign takes about its longest MD job, {longest / 60:.0f} min, plus analysis")


if __name__ == "__main__":
    main()
