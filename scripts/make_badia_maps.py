"""Draw docs/badia-2017-maps.png: the default scenario run to 30 June 2017, control on 27 May, 10 June and
30 June, with the front line and the government's ground of 7 May outlined.

Usage: python scripts/make_badia_maps.py [--out docs/badia-2017-maps.png] [--seed 2017]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import sim  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_readme_figure import draw_map  # noqa: E402

DAYS = {"2017-05-27": "27 May", "2017-06-10": "10 June", "2017-06-30": "30 June"}
# The theatre: Damascus to Deir ez-Zor and the Iraqi border (projected km, about lon 36.0-40.5, lat 32.3-35.5)
VIEW = (-290.0, 150.0, -275.0, 95.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/badia-2017-maps.png")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    sc = sim.load("badia_2017")
    run = sim.run(sc, seed=args.seed, days=54)
    grid = run.grid
    gov = run.factions.index("government")
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell_km
    curves = run.curves
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.6))
    for ax, (when, label) in zip(axes, DAYS.items(), strict=True):
        day = run.dates.index(when)
        row = curves[(curves["date"] == when) & (curves["faction"] == "government")].iloc[0]
        draw_map(ax, run, day, f"{label} 2017: government +{row['gained_km2']:,.0f} km² held, "
                               f"+{row['locality_gained_km2']:,.0f} km² by localities")
        rows, cols = np.nonzero(run.front_cells(day))
        ax.plot(xs[cols], ys[rows], "s", ms=0.45, color="black", label="front line")
        ax.contour(xs, ys, (run.owner[0] == gov).astype(float), levels=[0.5], colors="#7b241c",
                   linewidths=0.8, linestyles=":")
        ax.set_xlim(VIEW[0], VIEW[1])
        ax.set_ylim(VIEW[2], VIEW[3])
    handles = [plt.Line2D([], [], color="black", marker="s", ls="", ms=3, label="front line"),
               plt.Line2D([], [], color="#7b241c", ls=":", label="government ground on 7 May"),
               plt.Line2D([], [], color="#2471a3", ls="--", label="al-Tanf 55 km zone")]
    handles += [plt.Rectangle((0, 0), 1, 1, color=run.colours[f], alpha=0.55, label=run.names[f][:40])
                for f in run.factions if f != "sdf"]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(f"Badia 2017, default scenario (seed {run.seed}): control and front line", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    fig.savefig(args.out, dpi=110)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
