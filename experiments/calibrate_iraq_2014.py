"""How the iraq_2014 defaults were chosen: a small grid on the calibration claims only (dated up to 13 June).

Runs the scenario to the end of 13 June over the government's brittleness before Sistani's call to arms
(`factions.government.doctrine.retreat_threshold`), the pace of the ISIS columns (`speed_scale`) and their
strength (`strength_scale`), for a few seeds, and prints each setting's mean error against the calibration
claims: captures in days outside the reported dates / 14, areas as the distance outside the range relative
to the claim (as `badia calibrate` scores them). The validation claims (after 13 June) are never read.
Usage: python experiments/calibrate_iraq_2014.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import itertools
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import sim
from sim.compare import compare_captures, compare_claims, first_captures
from sim.io.claims import area_claims, read_claims

CUTOFF = "2014-06-13"   # calibration claims: dated up to and including this day
DAYS = 9                # 5 June to the end of 13 June
RETREAT = (0.9, 0.95, 0.98)
SPEED = (1.0, 1.5, 2.0)
STRENGTH = (0.75, 1.0, 1.5)


def calibration_claims(scenario: sim.Scenario):  # noqa: ANN201 - a DataFrame
    """The scenario's claims dated up to CUTOFF."""
    claims = read_claims(scenario.meta.claims)
    return claims[claims["date"] <= CUTOFF]


def one(args: tuple[float, float, float, int]) -> tuple[float, float, float, int, float, str]:
    """One run: its mean error over the calibration claims, and its capture dates."""
    retreat, speed, strength, seed = args
    scenario = sim.load("iraq_2014", {"factions.government.doctrine.retreat_threshold": retreat,
                                      "factions.isis.doctrine.speed_scale": speed,
                                      "factions.isis.doctrine.strength_scale": strength})
    claims = calibration_claims(scenario)
    run = sim.run(scenario, seed=seed, days=DAYS)
    end = run.curves["date"].max()
    caps = compare_captures(first_captures(run.events), claims, end)
    errors = list(np.abs(caps["days_off"].astype(float).fillna(0.0)) / 14.0)  # "not yet": consistent
    areas = compare_claims(run.curves, area_claims(claims), run.region_km2)
    for _, a in areas.iterrows():
        outside = max(float(a["low"]) - a["simulated"], a["simulated"] - float(a["high"]), 0.0)
        errors.append(outside / float(a["claimed"]))
    dates = ", ".join(f"{p} {str(d)[5:10]}" for p, d in zip(caps["place"], caps["simulated"], strict=True))
    return retreat, speed, strength, seed, float(np.mean(errors)), dates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    grid = list(itertools.product(RETREAT, SPEED, STRENGTH, range(2014, 2014 + args.seeds)))
    scores: dict[tuple[float, float, float], list[float]] = {}
    with ProcessPoolExecutor(2) as pool:
        for retreat, speed, strength, seed, err, dates in pool.map(one, grid):
            scores.setdefault((retreat, speed, strength), []).append(err)
            print(f"retreat {retreat:<5} speed x{speed:<4} strength x{strength:<5} seed {seed}  error {err:.3f}  {dates}")
    print("\nmean error over seeds, best first:")
    for key, errs in sorted(scores.items(), key=lambda kv: np.mean(kv[1])):
        print(f"  retreat {key[0]:<5} speed x{key[1]:<4} strength x{key[2]:<5} {np.mean(errs):.3f}")


if __name__ == "__main__":
    main()
