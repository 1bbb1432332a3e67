"""The documented limits of what a run can be asked to do, and the checks that enforce them.

A scenario or a call beyond them is refused before anything is built (ScenarioError for files and overrides,
UsageError for flags and API arguments), instead of running for hours or running out of memory. The values
are measured (docs/performance.md, "Scaling"; docs/scenario-format.md, "Limits"):

- MAX_CELLS: the Badia scenario at 0.5 km (1,505,430 cells, 918 MB, about 12x the time of the 2 km grid) still
  runs; the 2,000,000-cell limit leaves it room and refuses the 2.9 to 7.7 million cells of `cell_km = 0.051`.
- BYTES_PER_CELL: the measured growth of peak memory with the cell count ((918 - 208) MB over 1.41 million more
  cells, about 500 bytes a cell), over a base of BASE_MEMORY_MB.
- MAX_DAYS: campaigns are weeks to months (the shipped windows are 8 to 24 days); a run keeps one owner grid a day.
"""

from __future__ import annotations

import numbers

from sim.errors import InputError, ScenarioError, UsageError

MAX_DAYS = 1000
"""The longest run, in days (`--days`, `days=`, an experiment's `days`, a scenario's window)."""

MAX_CELLS = 2_000_000
"""The largest grid, in cells (rows x columns of `map.cell_km` cells covering `map.bbox`)."""

BYTES_PER_CELL = 500
"""Peak memory a run needs per grid cell (measured; see the module docstring)."""

BASE_MEMORY_MB = 200
"""Peak memory of a run on a tiny grid (the interpreter, numpy, scipy, mesa, pandas)."""

MAX_RADIUS_CELLS = 500
"""The largest zone-of-control or presence radius, in cells (`control.zoc_km / map.cell_km`)."""


def memory_mb(cells: int) -> float:
    """Estimated peak memory (MB) of a run on a grid of `cells` cells."""
    return BASE_MEMORY_MB + cells * BYTES_PER_CELL / 1e6


def describe_grid(height: int, width: int) -> str:
    """'2,912,345 cells (1,700 x 1,713), which would need about 1.7 GB of memory'."""
    cells = height * width
    mb = memory_mb(cells)
    size = f"{mb / 1000:,.1f} GB" if mb >= 1000 else f"{mb:,.0f} MB"
    return f"{cells:,} cells ({height:,} x {width:,}), which would need about {size} of memory"


def check_days(days: object, flag: str = "--days", key: str = "days") -> int:
    """`days` as an int in [1, MAX_DAYS], or a UsageError naming `flag` (the CLI flag or API argument)."""
    if isinstance(days, bool) or not isinstance(days, numbers.Integral):
        raise UsageError(flag, key, f"a whole number of days from 1 to {MAX_DAYS}", days)
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(flag, key, f"a whole number of days from 1 to {MAX_DAYS}", int(days),
                         f"Runs are limited to {MAX_DAYS} days." if days > MAX_DAYS else "")
    return int(days)


def grid_shape(bbox: tuple[float, float, float, float], cell_km: float) -> tuple[int, int]:
    """(rows, columns) of the grid of `cell_km` cells covering `bbox` (computed as the world builds it)."""
    from sim.world.raster import GridGeometry

    return GridGeometry.covering(bbox, cell_km).shape


def check_grid(bbox: tuple[float, float, float, float], cell_km: float, source: str, key: str,
               error: type[InputError] = ScenarioError) -> None:
    """Refuse a grid of more than MAX_CELLS cells, naming its size and the memory it would need."""
    import numpy as np  # here, not at the top: the CLI imports this module for MAX_DAYS, and --help needs no numpy

    try:
        with np.errstate(all="ignore"):
            height, width = grid_shape(bbox, cell_km)
    except (ValueError, OverflowError):  # a corner at the antipode of the centre: the projection cannot map it
        raise error(source, "map.bbox", "a bbox the map's equal-area projection can map (well under a hemisphere)",
                    list(bbox)) from None
    if height * width > MAX_CELLS:
        raise error(source, key, f"a grid of at most {MAX_CELLS:,} cells", cell_km,
                    f"map.bbox at cell_km = {cell_km:g} makes {describe_grid(height, width)}. Use larger cells or a "
                    "smaller bbox.")


def check_radius_cells(radius_km: float, cell_km: float, source: str, key: str) -> None:
    """Refuse a zone-of-control or presence radius of more than MAX_RADIUS_CELLS cells."""
    if radius_km / cell_km > MAX_RADIUS_CELLS:
        raise ScenarioError(source, key, f"a radius of at most {MAX_RADIUS_CELLS} cells "
                            f"({MAX_RADIUS_CELLS * cell_km:g} km at cell_km = {cell_km:g})", radius_km)
