"""Cut-off ground: pockets with no link to their holder's supply sources and no garrison fall.

Rule, applied once a day:
- A faction's *friendly ground* is the ground it or its allies hold, less the front links of the factions
  hostile to it (`sim.rules.front`): those factions' lines bar it.
- A connected piece of friendly ground (8-neighbour) is *anchored* if it holds a supply source of the
  faction or an ally (held by either), or lies under a unit of the faction or an ally (its presence disk).
  A garrison therefore keeps its pocket until the supply and combat rules dissolve it, and an enclave
  supplied by air (a supply source inside it, such as an airbase) holds.
- Ground of the faction in no anchored piece is *cut off*. Each cell counts the days it has been cut off
  without a break; once the count reaches its holder's `pocket_days` (doctrine), the cell passes to the
  nearest faction hostile to its holder, by the ground that faction holds or its front links. So a pocket
  collapses, and desert enclosed between two prongs, or between a prong and a border, changes hands.
- A faction with no supply sources is not subject to the rule: it is drawn for context, with no logistics
  to be cut.

Connected pieces are labelled with scipy.ndimage (one pass per faction); handing a pocket over uses one
Euclidean distance transform per losing faction, on days when something falls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.rules.control import by_owner

EIGHT = np.ones((3, 3), dtype=bool)


def anchored(ground: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The cells of `ground` ((H, W) bool) connected (8-neighbour) to any of the flat `anchors` cells.

    The pieces are labelled on the bounding box of `ground` alone (no piece reaches beyond it): on the Badia
    map a faction's ground spans about half of the map, and labelling was a tenth of a run.
    """
    from scipy import ndimage  # imported on first use: ~0.1 s that `import sim` need not pay
    out = np.zeros(ground.shape, dtype=bool)
    rows, cols = np.flatnonzero(ground.any(axis=1)), np.flatnonzero(ground.any(axis=0))
    if len(rows) == 0 or len(anchors) == 0:
        return out
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    labels, n = ndimage.label(ground[r0:r1, c0:c1], structure=EIGHT)
    ar, ac = np.divmod(np.asarray(anchors, dtype=np.int64), ground.shape[1])
    inside = (ar >= r0) & (ar < r1) & (ac >= c0) & (ac < c1)
    keep = np.zeros(n + 1, dtype=bool)
    keep[labels[ar[inside] - r0, ac[inside] - c0]] = True
    keep[0] = False
    out[r0:r1, c0:c1] = keep[labels]
    return out


def cut_off(owner: np.ndarray, region: np.ndarray, friendly: np.ndarray, hostile: np.ndarray,
            anchors: Sequence[np.ndarray], barriers: Sequence[np.ndarray | None], subject: np.ndarray) -> np.ndarray:
    """(H, W) bool: cells whose holder is cut off from its sources and garrisons (see module docstring).

    `friendly[f]` says which factions' ground counts as f's; `anchors[f]` are the flat cells that anchor f's
    ground (sources held by f or an ally, presence of f's or an ally's units); `barriers[g]` is a flat mask of
    g's front links (or None); `subject[f]` says whether f has sources at all.
    """
    out = np.zeros(owner.shape, dtype=bool)
    n = len(friendly)
    present = np.bincount(owner[region].astype(np.int64) + 1, minlength=n + 1)[1:] > 0
    held_by: dict[tuple, np.ndarray] = {}  # allies with the same friends share their ground: label it once
    for f in range(n):
        if not (subject[f] and present[f]):
            continue
        bars = tuple(int(g) for g in np.flatnonzero(hostile[f]) if barriers[g] is not None)
        key = (friendly[f].tobytes(), bars, np.asarray(anchors[f]).tobytes())
        held = held_by.get(key)
        if held is None:
            ground = by_owner(friendly[f], owner, unowned=False) & region
            for g in bars:
                ground &= ~barriers[g].reshape(owner.shape)
            held = held_by[key] = anchored(ground, anchors[f])
        out |= (owner == f) & region & ~held
    return out


def heirs(owner: np.ndarray, region: np.ndarray, falling: np.ndarray, hostile: np.ndarray,
          barriers: Sequence[np.ndarray | None], forbidden: np.ndarray | None = None) -> np.ndarray:
    """New owner of each falling cell: the nearest faction hostile to its holder (by held ground or links).

    Returns an (H, W) int8 grid equal to `owner` except on falling cells that have an heir. A cell the heir
    may not take (`forbidden[heir]`, a place it keeps away from) stays with its holder.
    """
    new = owner.copy()
    for f in np.unique(owner[falling]):
        f = int(f)
        cells = falling & (owner == f)
        heir = nearest_claim(lambda rows, cols, f=f: _claims(owner, region, hostile, barriers, f, rows, cols),
                             cells, owner.shape)
        if heir is None:
            continue
        heir = heir.astype(np.int64)
        if forbidden is not None:
            flat = np.flatnonzero(cells.ravel())
            keep = ~forbidden[heir, flat]
            cells = cells.copy()
            cells.flat[flat[~keep]] = False
            heir = heir[keep]
        new[cells] = heir.astype(np.int8)
    return new


def _claims(owner: np.ndarray, region: np.ndarray, hostile: np.ndarray, barriers: Sequence[np.ndarray | None],
            f: int, rows: slice, cols: slice) -> np.ndarray:
    """On a window: the faction that could inherit each cell from f (hostile ground or link), -1 for none."""
    own = owner[rows, cols]
    table = np.full(256, -1, dtype=np.int16)
    table[:hostile.shape[0]] = np.where(hostile[f], np.arange(hostile.shape[0]), -1)
    claim = np.where(region[rows, cols], table[own.view(np.uint8)], -1).astype(np.int16)
    for g in np.flatnonzero(hostile[f]):
        if barriers[g] is not None:
            links = barriers[g].reshape(owner.shape)[rows, cols] & (claim < 0)
            claim[links] = g
    return claim


def nearest_claim(claims: Callable[[slice, slice], np.ndarray], cells: np.ndarray,
                  shape: tuple[int, int]) -> np.ndarray | None:
    """For each cell of `cells` (row-major order), the value of the nearest claim (>= 0); None if there is none.

    `claims(rows, cols)` gives the claims on a window. A pocket is small next to the map, so the distance
    transform runs on a window around it, twice the pocket's size; the answer is kept only if every cell's
    nearest claim is strictly closer than any cell beyond the window's edge (so no claim outside could be as
    near, and the distance is the whole map's), else the whole map is searched.
    """
    from scipy import ndimage  # imported on first use: ~0.1 s that `import sim` need not pay
    rows, cols = np.nonzero(cells)
    h, w = shape
    pad = max(8, int(rows.max() - rows.min()), int(cols.max() - cols.min()))
    r0, r1 = max(0, int(rows.min()) - pad), min(h, int(rows.max()) + pad + 1)
    c0, c1 = max(0, int(cols.min()) - pad), min(w, int(cols.max()) + pad + 1)
    if (r1 - r0, c1 - c0) != (h, w):
        window = claims(slice(r0, r1), slice(c0, c1))
        if (window >= 0).any():
            dist, (ri, ci) = ndimage.distance_transform_edt(window < 0, return_indices=True)
            lr, lc = rows - r0, cols - c0
            if np.all(dist[lr, lc] < _room(lr, lc, r0, r1, c0, c1, h, w)):
                return window[ri[lr, lc], ci[lr, lc]]
    whole = claims(slice(0, h), slice(0, w))
    if not (whole >= 0).any():
        return None
    _, (ri, ci) = ndimage.distance_transform_edt(whole < 0, return_indices=True)
    return whole[ri[rows, cols], ci[rows, cols]]


def _room(lr: np.ndarray, lc: np.ndarray, r0: int, r1: int, c0: int, c1: int, h: int, w: int) -> np.ndarray:
    """Distance (cells) from each window cell to the nearest cell beyond the window (not beyond the map)."""
    inf = np.full(len(lr), np.inf)
    top = lr + 1.0 if r0 > 0 else inf
    bottom = (r1 - r0 - lr) * 1.0 if r1 < h else inf
    left = lc + 1.0 if c0 > 0 else inf
    right = (c1 - c0 - lc) * 1.0 if c1 < w else inf
    return np.minimum.reduce([top, bottom, left, right])
