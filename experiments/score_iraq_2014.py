"""Scores the iraq_2014 defaults against every claim over several seeds: the numbers of docs/iraq-2014.md.

Each claim dated up to 13 June was used to choose the defaults (experiments/calibrate_iraq_2014.py); the
later ones were not, and are scored here as validation. Captures: the runs' median date, earliest and latest
date, the share of runs inside the reported dates and the mean days outside them (a capture not made by the
end counts its lower bound; one the sources date after the end counts 0 if not made). Areas: median, range
and share in range.
Usage: python experiments/score_iraq_2014.py [--seeds 10] [--days 25]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

import sim
from sim.compare import compare_captures, compare_claims, first_captures
from sim.io.claims import area_claims, read_claims

CUTOFF = "2014-06-13"   # claims dated up to this day calibrate; later ones validate


def one(args: tuple[int, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One seed: its capture table and its area table against all the claims."""
    seed, days = args
    scenario = sim.load("iraq_2014")
    claims = read_claims(scenario.meta.claims)
    run = sim.run(scenario, seed=seed, days=days)
    end = run.curves["date"].max()
    caps = compare_captures(first_captures(run.events), claims, end).assign(seed=seed)
    areas = compare_claims(run.curves, area_claims(claims), run.region_km2).assign(seed=seed)
    return caps, areas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--days", type=int, default=25)
    args = parser.parse_args()
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(one, [(s, args.days) for s in range(2014, 2014 + args.seeds)]))
    caps = pd.concat([r[0] for r in results])
    areas = pd.concat([r[1] for r in results])
    print(f"{args.seeds} seeds, {args.days} days\n")
    print("AREAS")
    for (date, faction, measure), g in areas.groupby(["date", "faction", "measure"], sort=True):
        role = "calibration" if date <= CUTOFF else "validation"
        v = g["simulated"].to_numpy()
        print(f"  {role:11} {date} {faction:5} {measure:10} claimed {g['low'].iloc[0]:,.0f}-{g['high'].iloc[0]:,.0f}"
              f"  median {np.median(v):,.0f} (min {v.min():,.0f}, max {v.max():,.0f})  in range {g['in_range'].mean():.0%}")
    print("\nCAPTURES")
    errors: dict[str, list[float]] = {"calibration": [], "validation": []}
    for (claimed, place), g in caps.groupby(["claimed", "place"], sort=True):
        role = "calibration" if claimed <= CUTOFF else "validation"
        made = sorted(str(s)[:10] for s in g["simulated"] if s)
        off = g["days_off"].astype(float).fillna(0.0).abs()
        errors[role].append(float(off.mean()))
        when = f"median {made[len(made) // 2][5:]} ({made[0][5:]} to {made[-1][5:]})" if made else "not made"
        print(f"  {role:11} {place:13} reported {g['date_low'].iloc[0][5:]} to {g['date_high'].iloc[0][5:]}  "
              f"made in {len(made)}/{len(g)} runs, {when}  in range {g['in_range'].mean():.0%}  "
              f"mean days off {off.mean():.1f}")
    for role, errs in errors.items():
        print(f"\n{role}: median over captures of the mean days off: {np.median(errs):.1f}"
              f" ({len(errs)} captures)")


if __name__ == "__main__":
    main()
