#!/usr/bin/env python3
"""Coverage of the critical-size interval on synthetic campaigns (not a test; prints ratios).

    .venv/bin/python benchmarks/critical_size_coverage.py [--campaigns 1000] [--seed 1]

Each synthetic campaign draws 3-5 sizes, log-spaced around a known centre (400 atoms: the
smallest size is 400 / e^u1 and the largest 400 x e^u2, u1 and u2 uniform in [0.3, 1.2]), and
3-6 replicas per size; every run transforms with the known logistic probability
P(N) = 1 / (1 + exp(-(ln N - ln 400) / w)) for a narrow (w = 0.1) and a wide (w = 0.4) step.
For each campaign and method it records whether the 95% interval (or bracket, or one-sided
bound) contains 400, among the campaigns the method does not call "not resolved".

Methods:
  new    glassy_li.analysis.critical_size.fit_critical_size (the default): Firth-penalised
         profile-likelihood interval, a bracket for separated outcomes, "not resolved" where
         the data cannot decide
  plain  the same with the plain (unpenalised) likelihood, penalised=False
  old    the method of the results page up to 141b015, kept here in spirit: a logistic fit
         (width floored at 0.02 in ln N) with a percentile bootstrap over runs resampled
         within sizes; separated outcomes gave the bracket between the separating sizes
Target: the new method covers 400 in >= 93% of its resolved campaigns, at each width.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import optimize

from glassy_li.analysis.critical_size import NOT_RESOLVED, fit_critical_size

TRUE_CENTRE_ATOMS = 400.0
WIDTHS_LN = {"narrow": 0.1, "wide": 0.4}


def synthetic_campaign(rng: np.random.Generator, width_ln: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(sizes per run, transformed per run) of one synthetic campaign."""
    n_sizes = int(rng.integers(3, 6))
    low, high = rng.uniform(0.3, 1.2, 2)
    sizes = np.round(TRUE_CENTRE_ATOMS * np.exp(np.linspace(-low, high, n_sizes)))
    replicas = rng.integers(3, 7, n_sizes)
    per_run = np.repeat(sizes, replicas)
    p = 1 / (1 + np.exp(-(np.log(per_run) - math.log(TRUE_CENTRE_ATOMS)) / width_ln))
    return per_run, rng.random(len(per_run)) < p


# -- the old method (bootstrap of a floored-width logistic fit) -------------------------------
def _old_neg_log_likelihood(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    centre, log_width = params
    eta = (x - centre) / math.exp(log_width)
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def _old_fit(x: np.ndarray, y: np.ndarray) -> float:
    start = np.array([float(np.mean(x)), math.log(max(float(np.std(x)), 0.1))])
    result = optimize.minimize(_old_neg_log_likelihood, start, args=(x, y), method="L-BFGS-B",
                               bounds=[(float(x.min()) - 2.0, float(x.max()) + 2.0),
                                       (math.log(0.02), 5.0)])
    return float(result.x[0])


def old_interval(sizes: np.ndarray, transformed: np.ndarray, rng: np.random.Generator,
                 n_bootstrap: int = 200) -> tuple[float, float] | None:
    """The old method's interval (atoms); None where it made no claim."""
    y = transformed.astype(float)
    if y.sum() in (0, len(y)):
        return None
    largest_amorphous, smallest_crystalline = sizes[y == 0].max(), sizes[y == 1].min()
    if largest_amorphous < smallest_crystalline:
        return float(largest_amorphous), float(smallest_crystalline)
    x = np.log(sizes)
    centre = _old_fit(x, y)
    if not sizes.min() <= math.exp(centre) <= sizes.max():
        return None
    groups = [np.flatnonzero(sizes == s) for s in np.unique(sizes)]
    boot, fits = [], {}
    for _ in range(n_bootstrap):
        pick = np.concatenate([rng.choice(g, len(g)) for g in groups])
        if 0 < y[pick].sum() < len(pick):
            # a resample's fit depends only on its count per size (the sizes stay): one fit
            # per distinct count vector gives the same draws, faster
            counts = tuple(int(y[pick][np.isin(pick, g)].sum()) for g in groups)
            if counts not in fits:
                fits[counts] = _old_fit(x[pick], y[pick])
            boot.append(fits[counts])
    if not boot:
        return None
    low, high = np.percentile(boot, [2.5, 97.5])
    return float(math.exp(low)), float(math.exp(high))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--old-bootstrap", type=int, default=1000,
                        help="bootstrap resamples of the old method (the page's 1000)")
    parser.add_argument("--new-only", action="store_true",
                        help="skip the old method (its bootstrap takes most of the time)")
    args = parser.parse_args()
    print(f"critical-size coverage: {args.campaigns} synthetic campaigns per width, true "
          f"centre {TRUE_CENTRE_ATOMS:g} atoms, 3-5 sizes, 3-6 replicas; 95% intervals")
    print("| width (ln N) | method | resolved | covers 400 | coverage | median width "
          "(upper/lower) | by status | s per campaign |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for label, width in WIDTHS_LN.items():
        rng = np.random.default_rng(args.seed)
        campaigns = [synthetic_campaign(rng, width) for _ in range(args.campaigns)]
        for method, penalised in (("new", True), ("plain", False)):
            start = time.perf_counter()
            fits = [fit_critical_size(s, y, penalised=penalised) for s, y in campaigns]
            seconds = (time.perf_counter() - start) / len(campaigns)
            resolved = [f for f in fits if f.status != NOT_RESOLVED]
            covered = sum(f.covers(TRUE_CENTRE_ATOMS) for f in resolved)
            statuses: dict[str, list[int]] = {}
            for f in resolved:
                statuses.setdefault(f.status, []).append(int(f.covers(TRUE_CENTRE_ATOMS)))
            ratios = [f.interval_atoms[1] / f.interval_atoms[0] for f in resolved
                      if all(math.isfinite(v) for v in f.interval_atoms)]
            by_status = ", ".join(f"{k} {sum(v)}/{len(v)}"
                                  for k, v in sorted(statuses.items()))
            print(f"| {width:g} ({label}) | {method} | {len(resolved)} | {covered} | "
                  f"{covered / len(resolved):.3f} | {np.median(ratios):.2f} | {by_status} | "
                  f"{seconds:.3f} |", flush=True)
        if args.new_only:
            continue
        boot_rng = np.random.default_rng(args.seed + 1)
        start = time.perf_counter()
        old = [old_interval(s, y, boot_rng, args.old_bootstrap) for s, y in campaigns]
        old_s = (time.perf_counter() - start) / len(campaigns)
        made = [i for i in old if i is not None]
        old_covered = sum(lo <= TRUE_CENTRE_ATOMS <= hi for lo, hi in made)
        print(f"| {width:g} ({label}) | old | {len(made)} | {old_covered} | "
              f"{old_covered / len(made):.3f} | {np.median([hi / lo for lo, hi in made]):.2f} "
              f"| - | {old_s:.3f} |", flush=True)


if __name__ == "__main__":
    main()
