"""Draw docs/how-it-works.png: the default scenario's control map at the start and the end, and its curves.

Usage: python scripts/make_readme_figure.py [--out docs/how-it-works.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

import sim  # noqa: E402
from sim.io.claims import area_claims, read_claims  # noqa: E402
from sim.viz.geometry import outline_xy, roads_xy, zones_xy  # noqa: E402

LABELLED = {"Damascus", "Homs", "Palmyra", "Deir ez-Zor", "Abu Kamal", "al-Tanf (US garrison)",
            "Khneifes phosphate mines", "al-Sukhnah", "al-Sabaa Biyar junction", "Arak"}


def draw_map(ax: plt.Axes, run: sim.Run, day: int, title: str) -> None:
    sc, grid = run.scenario, run.grid
    colours = [run.colours[f] for f in run.factions]
    owner = np.ma.masked_less(run.owner[day], 0)
    extent = (grid.x0, grid.x0 + grid.width * grid.cell_km, grid.y0, grid.y0 + grid.height * grid.cell_km)
    ax.imshow(owner, origin="lower", extent=extent, cmap=ListedColormap(colours), vmin=-0.5,
              vmax=len(colours) - 0.5, alpha=0.55, interpolation="nearest")
    for _, geom in sc.map.context:
        x, y = outline_xy(grid, geom)
        ax.plot(x, y, color="#999", lw=0.6)
    if sc.map.region is not None:
        x, y = outline_xy(grid, sc.map.region)
        ax.plot(x, y, color="#333", lw=0.9)
    for cls, (x, y) in roads_xy(grid, sc).items():
        ax.plot(x, y, color={"highway": "#222", "road": "#555", "track": "#8c7b62"}[cls],
                lw={"highway": 1.4, "road": 0.9, "track": 0.6}[cls])
    for x, y in zones_xy(grid, sc).values():
        ax.plot(x, y, color="#2471a3", lw=1.0, ls="--")
    for p in run.places.itertuples():
        ax.plot(p.x, p.y, "o", ms=2.5, color="black")
        if p.name in LABELLED:
            ax.annotate(p.name.split(" (")[0], (p.x, p.y), fontsize=6.5, xytext=(2, 2), textcoords="offset points")
    if sc.map.region is not None:
        x0, y0, x1, y1 = grid.project_geometry(sc.map.region).bounds
        ax.set_xlim(x0 - 10, x1 + 10)
        ax.set_ylim(y0 - 10, y1 + 10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/how-it-works.png")
    args = parser.parse_args()
    sc = sim.load("badia_2017")
    run = sim.run(sc)
    dates = [np.datetime64(d) for d in run.dates]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.05]})
    draw_map(axes[0], run, 0, f"Control on {dates[0].item():%d %b %Y} (from held places and lines)")
    draw_map(axes[1], run, run.days, f"After {run.days} days of simulated advance ({dates[-1].item():%d %b})")
    curves = run.curves
    ax = axes[2]
    for fid in run.factions:
        c = curves[curves["faction"] == fid]
        if c["gained_km2"].abs().max() > 0:
            ax.plot(range(len(c)), c["gained_km2"], color=run.colours[fid], lw=2, label=run.names[fid][:32])
    claims = area_claims(read_claims(sc.meta.claims))
    claims = claims[(claims["measure"] == "gained_km2") & (claims["date"] <= curves["date"].max())]
    for i, (_, c) in enumerate(claims.iterrows()):
        day = (np.datetime64(c["date"]) - np.datetime64(sc.meta.start.date())).astype(int)
        x = day - 0.4 * i
        ax.errorbar(x, c["value"], yerr=[[c["value"] - c["low"]], [c["high"] - c["value"]]],
                    fmt="D", color="black", ms=4, capsize=3)
        ax.annotate(str(c["source"]).split(" (")[0].split(":")[0][:34], (x, c["value"]), fontsize=6.5,
                    xytext=(-8, (0, 9, -9)[i % 3]), textcoords="offset points", ha="right", va="center")
    ax.axhline(0, color="#aaa", lw=0.6)
    ax.set_xlabel("day of the offensive")
    ax.set_ylabel("km² gained since 7 May 2017")
    ax.set_title("Territory curves against the reported claims (◆)", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
