"""How the Badia 2017 defaults were chosen: a small grid over the least-known parameters.

Runs the default scenario over operational speed (a factor on the motorised speed table), zone-of-control
radius and seeds, and prints the government's gain on 27 May against the claims (5,000-7,000 km²).
Usage: python experiments/calibrate_badia_defaults.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import itertools
from concurrent.futures import ProcessPoolExecutor

import sim
from sim.scenario.loader import DEFAULT_MOBILITY

SPEED_FACTORS = (0.2, 0.3, 0.45, 0.7)
ZOC_KM = (5.0, 7.0, 10.0)


def one(args: tuple[float, float, int]) -> tuple[float, float, int, float, str]:
    factor, zoc, seed = args
    overrides = {f"mobility.motorised.{k}": round(v * factor, 4) for k, v in DEFAULT_MOBILITY["motorised"].items()}
    overrides["control.zoc_km"] = zoc
    run = sim.run(sim.load("badia_2017", overrides), seed=seed)
    c, ev = run.curves, run.events
    gain = float(c[(c["faction"] == "government") & (c["day"] == c["day"].max())]["gained_km2"].iloc[0])
    captured = sorted(set(ev.loc[(ev["kind"] == "captured") & (ev["faction"] == "government"), "place"]))
    return factor, zoc, seed, gain, ", ".join(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    grid = list(itertools.product(SPEED_FACTORS, ZOC_KM, range(2017, 2017 + args.seeds)))
    with ProcessPoolExecutor(2) as pool:
        for factor, zoc, seed, gain, captured in pool.map(one, grid):
            flag = "in range" if 5000 <= gain <= 7000 else ""
            print(f"speed x{factor:<5} zoc {zoc:>4} km  seed {seed}  gain {gain:>8,.0f} km²  {flag:9} {captured}")


if __name__ == "__main__":
    main()
