"""Who holds each cell: initial control, zones of control, and capture of places.

Rules:
- A unit projects its strength over the cells within `zoc_km` (its zone of control).
- A faction takes a cell held by a hostile faction (or nobody) when its influence there is at least
  `contest_ratio` times the influence of the factions hostile to it; otherwise the cell is contested
  and keeps its owner. Far desert no unit reaches keeps its owner until someone comes,
  or until it is cut off.
- Towns, bases and resources (place footprints) change hands only with presence: a unit of the faction
  within `presence_km` and no hostile unit within it.
- A faction never takes the place of a place it keeps away from (a negative `value_for`: a political limit).
- Every cell of the region has exactly one owner or none (-1); cells outside the region never have one.
- Beyond zones of control, ground cut off from its holder passes by the enclosure rule (sim.rules.enclosure).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.scenario.schema import Scenario
from sim.world.hold import hold_layers, paint_hold_areas
from sim.world.world import World

UNOWNED = -1


def disk_offsets(radius_cells: float) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets of the cells whose centres lie within a radius (in cells) of a cell."""
    r = int(np.floor(radius_cells))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    keep = dy ** 2 + dx ** 2 <= radius_cells ** 2 + 1e-9
    return dy[keep], dx[keep]


def disk_cells(cells: Sequence[int], shape: tuple[int, int], offsets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Flat indices of the union of the disks around some cells (e.g. the cells a unit passed this step).

    A cell covered by several disks appears several times (sorting them out cost more than the rest
    of a spread): every use assigns, tests membership, or adds through fancy indexing, which counts a
    repeated index once.
    """
    height, width = shape
    r, c = np.divmod(np.asarray(cells, dtype=np.int64), width)
    rows = (r[:, None] + offsets[0][None, :]).ravel()
    cols = (c[:, None] + offsets[1][None, :]).ravel()
    ok = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    return rows[ok] * width + cols[ok]


class Disks:
    """Disks of one radius on one grid, with the disk of a single cell cached (most units stand still)."""

    def __init__(self, shape: tuple[int, int], radius_cells: float) -> None:
        self.shape = shape
        self.offsets = disk_offsets(radius_cells)
        self._single: dict[int, np.ndarray] = {}

    def cells(self, path: Sequence[int]) -> np.ndarray:
        """Flat indices of the union of the disks around the cells of a path."""
        if len(path) == 1:
            cell = int(path[0])
            hit = self._single.get(cell)
            if hit is None:
                hit = self._single[cell] = disk_cells(path, self.shape, self.offsets)
            return hit
        return disk_cells(path, self.shape, self.offsets)


def spread(n_factions: int, paths: Sequence[Sequence[int]], factions: Sequence[int], weights: Sequence[float],
           disks: Disks, out: np.ndarray | None = None) -> np.ndarray:
    """Per-faction sum of unit weights over the disks along each unit's path: an (F, H, W) float32 array.

    A unit counts once per cell however many of its path's disks cover it: `out[f, cells] += w` adds w
    once to each distinct cell even where `cells` repeats one (NumPy's buffered fancy-index update).
    `out`, if given, is an all-zero (F, H*W) float32 buffer to add into (`SparseLayers`).
    """
    return spread_cells(n_factions, [disks.cells(path) for path in paths], factions, weights, disks.shape, out)


def spread_cells(n_factions: int, cell_sets: Sequence[np.ndarray], factions: Sequence[int], weights: Sequence[float],
                 shape: tuple[int, int], out: np.ndarray | None = None) -> np.ndarray:
    """`spread` over each unit's cells already found (`Disks.cells` of its path), for callers that need the cells
    again (`touched`)."""
    if out is None:
        out = np.zeros((n_factions, shape[0] * shape[1]), dtype=np.float32)
    for cells, f, w in zip(cell_sets, factions, weights, strict=True):
        out[f, cells] += w
    return out.reshape(n_factions, *shape)


class SparseLayers:
    """An (F, H*W) buffer rewritten every step, set back to zero only where it was last written.

    A step's influence or presence covers a few thousand cells of the map: allocating and zeroing whole layers
    for it each step cost more than the rule itself (a 1.9 MB float32 array for Badia's influence). The
    layers `fresh()` returns are valid until the next call.
    """

    def __init__(self, n_factions: int, size: int, dtype: type) -> None:
        self.data = np.zeros((n_factions, size), dtype=dtype)
        self._written: list[np.ndarray] = []

    def fresh(self, written: list[np.ndarray]) -> np.ndarray:
        """The buffer, all zero again; `written` (flat cell arrays) will hold every cell the caller sets."""
        for cells in self._written:
            self.data[:, cells] = 0
        self._written = written
        return self.data


def touched(cell_sets: Sequence[np.ndarray], weights: Sequence[float], size: int) -> np.ndarray:
    """Sorted flat indices of the cells `spread_cells` gives some influence: the cells of units whose weight is not
    zero in float32 (what `spread(...).any(axis=0)` finds, without a pass over the map; a NaN weight counts, so
    in-place layers are reset wherever anything was written). `size` is the number of cells of the map."""
    mask = np.zeros(size, dtype=bool)  # a byte a cell: an eighth of the influence
    for cells, w in zip(cell_sets, weights, strict=True):
        if np.float32(w) != 0:
            mask[cells] = True
    return np.flatnonzero(mask)


def covered(n_factions: int, cells: Sequence[int], factions: Sequence[int], disks: Disks,
            out: np.ndarray | None = None) -> np.ndarray:
    """(F, H, W) bool: the cells within a disk of some unit of each faction (e.g. its units' presence).

    What `spread(...) > 0` gives with unit weights, at an eighth of the memory traffic. `out`, if given, is an
    all-False (F, H*W) bool buffer to mark (`SparseLayers`).
    """
    shape = disks.shape
    if out is None:
        out = np.zeros((n_factions, shape[0] * shape[1]), dtype=bool)
    for cell, f in zip(cells, factions, strict=True):
        out[f, disks.cells([cell])] = True
    return out.reshape(n_factions, *shape)


def initial_owner(sc: Scenario, world: World, faction_index: dict[str, int]) -> np.ndarray:
    """Owner grid at the start: held areas (sim.world.hold) and places, the rest of the region filled by cost
    distance."""
    painted = paint_hold_areas(sc, world, faction_index)
    owner = painted.owner
    seeds: list[int] = painted.seeds.tolist()
    seed_faction: list[int] = painted.seed_faction.tolist()
    holders: dict[int, int] = {}
    for i, p in enumerate(sc.places):
        if p.holder is not None:
            holders[i] = faction_index[p.holder]
    for f in sc.factions:
        for name in f.holds:
            holders[[p.name for p in sc.places].index(name)] = faction_index[f.id]
    for i, fi in holders.items():
        foot = (world.footprint == i) & world.region
        owner[foot] = fi
        seeds.append(int(world.place_cells[i]))
        seed_faction.append(fi)
    if sc.control.fill_initial and seeds and (owner[world.region] == UNOWNED).any():
        cost = np.where(world.region, world.cell_hours["motorised"], np.inf)
        label = world.graph.nearest_source(cost, np.array(seeds))
        fill = (label >= 0) & world.region & (owner == UNOWNED)
        owner[fill] = np.asarray(seed_faction, dtype=np.int8)[label[fill]]
    owner[~world.region] = UNOWNED
    return owner


def initial_owner_key(sc: Scenario, faction_index: dict[str, int]) -> tuple:
    """Everything `initial_owner` reads from the scenario, as a hashable key: runs of a batch that vary
    forces or doctrine share one starting grid per world (sim.model caches it in the world's search cache)."""
    return ("initial_owner", tuple(faction_index.items()), repr(hold_layers(sc)),
            tuple(f.id for f in sc.factions if f.rest), tuple((f.id, tuple(f.holds)) for f in sc.factions),
            tuple((p.name, p.holder) for p in sc.places), sc.control.fill_initial)


def by_owner(row: np.ndarray, owner: np.ndarray, unowned: bool) -> np.ndarray:
    """Look up, for every cell, a per-faction boolean `row` at the cell's owner (`unowned` where nobody).

    Built from whole-grid comparisons with the owners that say True (or, when fewer say False, the complement):
    on the Badia grid a comparison costs a tenth of a table lookup indexed by every cell.
    """
    row = np.asarray(row, dtype=bool)
    n = len(row)
    yes = [int(f) for f in np.flatnonzero(row)] + ([UNOWNED] if unowned else [])
    no = [int(f) for f in np.flatnonzero(~row)] + ([] if unowned else [UNOWNED])
    if len(no) < len(yes):  # every value an owner can take is a faction or UNOWNED: the rest say True
        return ~_any_equal(owner, no, n)
    return _any_equal(owner, yes, n)


def _any_equal(owner: np.ndarray, values: list[int], n: int) -> np.ndarray:
    """Where `owner` equals one of `values`; values outside [-1, n) never occur and are skipped."""
    out = np.zeros(owner.shape, dtype=bool)
    for v in values:
        if -1 <= v < n:
            out |= owner == v
    return out


def hostile_sum(hostile: np.ndarray, layers: np.ndarray, rows: Sequence[int] | None = None) -> np.ndarray:
    """For each faction (or each of `rows`), the sum of the layers of the factions hostile to it.

    Added one faction at a time in faction order rather than as a matrix product: with five factions
    the product is no faster, and a multithreaded BLAS spun its threads on a busy 2-core machine
    (the same sums, bit for bit, on the Badia run).
    """
    rows = range(hostile.shape[0]) if rows is None else rows
    out = np.zeros((len(rows), *layers.shape[1:]), dtype=layers.dtype)
    for i, f in enumerate(rows):
        for g in np.flatnonzero(hostile[f]):
            out[i] += layers[g]
    return out


def takeable(owner: np.ndarray, hostile: np.ndarray) -> np.ndarray:
    """(F, ...) bool: cells each faction may take, i.e. held by a faction hostile to it, or by nobody."""
    n = hostile.shape[0]
    table = np.vstack([hostile, np.ones((1, n), dtype=bool)])  # last row: the unowned (-1) case
    return np.moveaxis(table[owner.astype(np.int64) % (n + 1)], -1, 0)


def update_owner(owner: np.ndarray, region: np.ndarray, footprint_mask: np.ndarray, influence: np.ndarray,
                 presence: np.ndarray, hostile: np.ndarray, contest_ratio: float,
                 forbidden: np.ndarray | None = None, active: np.ndarray | None = None) -> np.ndarray:
    """New owner grid after one step of zones of control and presence (see module docstring).

    `forbidden` ((F, H*W) bool, optional) marks cells a faction may not take: places it keeps away from.

    Only cells inside some unit's zone of control can change hands, so the rule is evaluated on those
    cells alone: the work grows with the forces' footprint, not with the map. `active`, if given, are those
    cells (sorted flat indices, `touched`), else they are found from `influence`.
    """
    n = influence.shape[0]
    flat_inf = influence.reshape(n, -1)
    if active is None:
        active = np.flatnonzero(flat_inf.any(axis=0))
    new = owner.copy()
    if len(active) == 0:
        return new
    inf = flat_inf[:, active]
    pres = presence.reshape(n, -1)[:, active]
    cur = owner.ravel()[active]
    foot = footprint_mask.ravel()[active]
    enemy = hostile_sum(hostile, inf)
    enemy_present = hostile_sum(hostile, pres.astype(np.float32)) > 0
    can_take = takeable(cur, hostile) & region.ravel()[active]
    if forbidden is not None:
        can_take &= ~forbidden[:, active]
    by_zoc = (inf > 0) & (inf >= contest_ratio * enemy) & ~foot
    by_presence = pres & ~enemy_present & foot
    wins = can_take & (by_zoc | by_presence)
    score = np.where(wins, inf + 1e-3, 0.0)  # presence-only wins still score above zero
    taken = score.max(axis=0) > 0
    new.ravel()[active[taken]] = score.argmax(axis=0)[taken].astype(np.int8)
    return new
