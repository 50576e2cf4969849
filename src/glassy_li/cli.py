"""The ``glassy-li`` command: ``status`` (every run's state, progress and the campaign's ETA;
:mod:`glassy_li.monitor.status`) and ``report-so-far`` (the campaign's tables over the runs finished
so far; :mod:`glassy_li.monitor.so_far`).  Both read the run folders only: safe while the campaign
runs, on a laptop or against a cluster's shared results folder."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from glassy_li.config.compose import ConfigError
from glassy_li.core.project import REPO_ROOT
from glassy_li.monitor.status import DEFAULT_REFRESH_S, as_json, plan, render, snapshot
from glassy_li.plan.campaign import Campaign
from glassy_li.study import Study

__all__ = ["main"]


def _campaign(args: argparse.Namespace) -> Campaign:
    """The nucleation campaign of ``--configfile`` (its study validated; nothing fetched)."""
    return Study.from_files(args.configfile, None, Path(args.project), download=False).nucleation


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="?", default="results",
                        help="the results folder (default: results; on Slurm the shared one)")
    parser.add_argument("--configfile", nargs="+", default=["config/config.yaml"],
                        help="the campaign's config file(s), as given to snakemake "
                             "(default: config/config.yaml)")
    parser.add_argument("--project", default=".",
                        help="the workflow's folder, with config/potentials.yaml (default: .)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glassy-li", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser(
        "status", help="every planned run's state, progress and ETA, and the campaign's ETA")
    _common(status)
    status.add_argument("--watch", nargs="?", type=float, const=DEFAULT_REFRESH_S,
                        metavar="SECONDS",
                        help=f"refresh every SECONDS (default {DEFAULT_REFRESH_S:g}) until ^C")
    status.add_argument("--json", action="store_true",
                        help="JSON for scripts (with --watch: one line per refresh)")
    status.add_argument("--failed", action="store_true",
                        help="list only failed runs (exit status 1 if there are any)")
    status.add_argument("--jobs", type=float, default=None,
                        help="jobs that run side by side (default: measured)")
    so_far = commands.add_parser(
        "report-so-far", help="the campaign's tables over the runs finished so far")
    _common(so_far)
    so_far.add_argument("--out", default=None,
                        help="folder of the report (default: RESULTS/<campaign>/so-far)")
    regenerate = commands.add_parser(
        "regenerate-statistics",
        help="rewrite committed campaigns' statistics and the results page from their "
             "per-run tables (no MD)")
    regenerate.add_argument("folders", nargs="+", metavar="FOLDER",
                            help="campaign folders under docs/results/")
    regenerate.add_argument("--page", action="store_true",
                            help="then rewrite the page (README.md) beside the folders")
    regenerate.add_argument("--allow-uncommitted", action="store_true",
                            help="write even when tracked code differs from the commit")
    compare = commands.add_parser(
        "compare-outcomes",
        help="whether two campaigns (the same runs with two inputs) transform alike: "
             "log-rank p and Kaplan-Meier medians per size")
    compare.add_argument("tables", nargs=2, metavar="CAMPAIGN_TSV",
                         help="two campaign tables (results/<campaign>/tables/campaign.tsv)")
    compare.add_argument("--out", default=None, help="also write the comparison (TSV) here")
    args = parser.parse_args(argv)
    if args.command == "regenerate-statistics":
        return _regenerate(args)
    if args.command == "compare-outcomes":
        return _compare(args)
    try:
        campaign = _campaign(args)
    except (ConfigError, OSError) as error:
        print(f"glassy-li {args.command}: {error}", file=sys.stderr)
        return 2
    results = Path(args.results)
    if not (results / "runs").is_dir():
        print(f"glassy-li {args.command}: no run folders yet in {results / 'runs'}",
              file=sys.stderr)
    if args.command == "report-so-far":
        from glassy_li.monitor.so_far import report_so_far  # noqa: PLC0415

        page = report_so_far(campaign, results, args.out)
        print(f"glassy-li report-so-far: {page}")
        return 0
    return _status(campaign, results, args)


def _compare(args: argparse.Namespace) -> int:
    import pandas as pd  # noqa: PLC0415

    from glassy_li.analysis.aggregate import compare_outcomes  # noqa: PLC0415

    tables = []
    for path in args.tables:
        try:
            tables.append(pd.read_csv(path, sep="\t"))
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            print(f"glassy-li compare-outcomes: cannot read {path}: {error}", file=sys.stderr)
            return 2
    try:
        comparison = compare_outcomes(*tables)
    except ValueError as error:
        print(f"glassy-li compare-outcomes: {error}", file=sys.stderr)
        return 2
    if comparison.empty:
        print("glassy-li compare-outcomes: the two tables share no ensemble size",
              file=sys.stderr)
        return 2
    first, second = args.tables
    print(f"A: {first}\nB: {second}")
    print("| atoms | A: transformed / runs | A: median [95%] (ps) | B: transformed / runs "
          "| B: median [95%] (ps) | intervals overlap | log-rank p |")
    print("|---|---|---|---|---|---|---|")

    def ps(value: float) -> str:
        return "open" if math.isnan(value) else f"{value:.0f}"  # NaN: not reached

    for _, row in comparison.iterrows():
        print(f"| {row['ensemble_size_atoms']} | {row['transformed_a']} / {row['runs_a']} "
              f"| {ps(row['median_a'])} [{ps(row['lower_a'])}, {ps(row['upper_a'])}] "
              f"| {row['transformed_b']} / {row['runs_b']} "
              f"| {ps(row['median_b'])} [{ps(row['lower_b'])}, {ps(row['upper_b'])}] "
              f"| {'yes' if row['medians_overlap'] else 'no'} | {row['logrank_p']:.2f} |")
        if row["note"]:
            print(f"  note: {row['note']}")
    if args.out:
        comparison.to_csv(args.out, sep="\t", index=False, float_format="%.6g")
    return 0


def _regenerate(args: argparse.Namespace) -> int:
    from glassy_li.report.regenerate import regenerate_all  # noqa: PLC0415
    from glassy_li.report.results_page import (  # noqa: PLC0415
        git_commit,
        require_committed_code,
        write_page,
    )

    folders = [Path(folder) for folder in args.folders]
    missing = [str(folder) for folder in folders if not (folder / "made_with.json").is_file()]
    if missing:
        print(f"glassy-li regenerate-statistics: not a committed campaign folder (no "
              f"made_with.json): {', '.join(missing)}", file=sys.stderr)
        return 2
    root = REPO_ROOT
    try:
        require_committed_code(root, args.allow_uncommitted)
    except RuntimeError as error:
        print(f"glassy-li regenerate-statistics: {error}", file=sys.stderr)
        return 2
    commit = git_commit(root)
    regenerate_all(folders, commit, log=lambda line: print(f"glassy-li: {line}"))
    if args.page:
        roots = {folder.resolve().parent for folder in folders}
        for root in sorted(roots):
            text = write_page(root)
            print(f"glassy-li: wrote {root / 'README.md'} ({len(text.splitlines())} lines)")
    return 0


def _status(campaign: Campaign, results: Path, args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich.live import Live  # noqa: PLC0415

    name = campaign.config["campaign_name"]
    planned = plan(campaign)
    console = Console(width=None if sys.stdout.isatty() else 200)

    def view():
        now = time.time()
        statuses, eta = snapshot(planned, results, args.jobs, args.failed, now)
        title = f"campaign '{name}' in {results}  ({time.strftime('%H:%M:%S')})"
        return statuses, eta, now, render(statuses, eta, title, now)

    try:
        if args.json:  # one JSON document; with --watch, one line per refresh (JSON Lines)
            while True:
                statuses, eta, now, _ = view()
                print(as_json(statuses, eta, name, now, indent=None if args.watch else 1),
                      flush=True)
                if args.watch is None:
                    return 0
                time.sleep(args.watch)
        if args.watch is None:
            statuses, _, _, renderable = view()
            console.print(renderable)
            return 1 if args.failed and statuses else 0
        with Live(view()[3], console=console, auto_refresh=False) as live:
            while True:
                time.sleep(args.watch)
                live.update(view()[3], refresh=True)
    except KeyboardInterrupt:
        return 0
