"""Draw docs/iraq-2014-maps.png: the iraq_2014 scenario's default run, control on 5 June, 11 June and 30 June
2014, with the front line and ISIS's ground of 5 June outlined.

Usage: python scripts/make_iraq_maps.py [--out docs/iraq-2014-maps.png] [--seed 2014]
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

DAYS = {"2014-06-05": "5 June", "2014-06-11": "11 June", "2014-06-30": "30 June"}
LABELS = ("Mosul", "Tal Afar", "Sinjar", "Baiji", "Tikrit", "Samarra", "Baghdad", "Fallujah", "Ramadi", "Haditha",
          "al-Qaim", "Rutba", "Hawija", "Kirkuk", "Erbil", "Dohuk", "Sulaymaniyah", "Baqubah", "Tuz Khurmatu",
          "Khanaqin", "Mosul Dam")
# The theatre: the Syrian border to Diyala, Rutba to the Turkish border (the places' extent plus a margin)
FRAME = ("al-Qaim", "Rutba", "Khanaqin", "Dohuk", "Sulaymaniyah", "Baghdad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/iraq-2014-maps.png")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    run = sim.run(sim.load("iraq_2014"), seed=args.seed)
    grid = run.grid
    isis = run.factions.index("isis")
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(grid.height) + 0.5) * grid.cell_km
    places = run.places.set_index("name")
    frame = places.loc[list(FRAME)]
    view = (frame["x"].min() - 60, frame["x"].max() + 60, frame["y"].min() - 40, frame["y"].max() + 60)
    curves = run.curves
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.8))
    for ax, (when, label) in zip(axes, DAYS.items(), strict=True):
        day = run.dates.index(when)
        row = curves[(curves["date"] == when) & (curves["faction"] == "isis")].iloc[0]
        krg = curves[(curves["date"] == when) & (curves["faction"] == "krg")].iloc[0]
        draw_map(ax, run, day, f"{label} 2014: ISIS holds {row['area_km2']:,.0f} km² (+{row['gained_km2']:,.0f}), "
                               f"KRG +{krg['gained_km2']:,.0f}")
        rows, cols = np.nonzero(run.front_cells(day))
        ax.plot(xs[cols], ys[rows], "s", ms=0.6, color="black")
        ax.contour(xs, ys, (run.owner[0] == isis).astype(float), levels=[0.5], colors="#555",
                   linewidths=0.8, linestyles=":")
        for name in LABELS:
            p = places.loc[name]
            ax.annotate(name, (p["x"], p["y"]), fontsize=6.5, xytext=(2, 2), textcoords="offset points")
        ax.set_xlim(view[0], view[1])
        ax.set_ylim(view[2], view[3])
    handles = [plt.Line2D([], [], color="black", marker="s", ls="", ms=3, label="front line"),
               plt.Line2D([], [], color="#555", ls=":", label="ISIS ground on 5 June")]
    handles += [plt.Rectangle((0, 0), 1, 1, color=run.colours[f], alpha=0.55, label=run.names[f][:45])
                for f in run.factions]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(f"Northern Iraq 2014, default scenario (seed {run.seed}): control and front line", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    fig.savefig(args.out, dpi=110)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
