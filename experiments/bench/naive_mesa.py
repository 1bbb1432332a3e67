"""The territorial-control step written the way a Mesa user would write it by default.

This is the reference the engine is measured against (docs/performance.md): one Mesa `CellAgent` per
cell on a `mesa.discrete_space.OrthogonalMooreGrid` over the same map (torus=False), the units as agents
on that grid, and every cell agent deciding its own owner each step from a neighbourhood query. The rule
is the engine's (`sim/rules/control.py`), restated cell by cell:

- a unit's zone of control covers the cells whose centres lie within `zoc_km` of a cell the unit passed
  this step (its path; the engine sweeps the zone along the path), and counts once per cell;
- a cell that no zone covers keeps its owner;
- otherwise a faction takes the cell if it is held by a hostile faction or by nobody, and
  - outside place footprints: its influence (summed unit strength) is > 0 and >= `contest_ratio` x the
    summed influence of the factions hostile to it;
  - on place footprints: one of its units stands within `presence_km` and no hostile unit does;
  among several winners the largest influence wins (the first faction on ties);
- cells outside the region never change.

Updates are synchronous (every cell decides from the previous owners, then all apply), the usual Mesa
pattern of `do("step")` then `do("advance")`. Nothing here is tuned: it is the baseline, not a rival.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

UNOWNED = -1


@dataclass(frozen=True)
class UnitState:
    """What the control rule needs from one unit this step (taken from the engine's unit list)."""

    faction: int
    strength: float
    cell: int  # flat index of where it stands now
    path: tuple[int, ...]  # flat indices of the cells it passed this step (its current cell included)


class UnitAgent(CellAgent):
    """A unit standing on a grid cell: presence is judged from here."""

    def __init__(self, model: mesa.Model, order: int, faction: int, strength: float) -> None:
        super().__init__(model)
        self.order = order
        self.faction = faction
        self.strength = strength


class ZocMark(CellAgent):
    """One cell of a unit's path this step: its zone of control is swept from every such cell."""

    def __init__(self, model: mesa.Model, unit: UnitAgent) -> None:
        super().__init__(model)
        self.unit = unit


class TerritoryCell(CellAgent):
    """One map cell as an agent: it holds an owner and decides the next one from the units around it."""

    def __init__(self, model: NaiveControlModel, in_region: bool, on_footprint: bool, owner: int) -> None:
        super().__init__(model)
        self.in_region = in_region
        self.on_footprint = on_footprint
        self.owner = owner
        self.next_owner = owner

    def step(self) -> None:
        """Decide the next owner from the previous owners and this step's units (see module docstring)."""
        self.next_owner = self.owner
        if not self.in_region:
            return
        m = self.model
        row, col = self.cell.coordinate
        covering: dict[int, UnitAgent] = {}
        present: set[int] = set()
        for other in self.cell.get_neighborhood(radius=m.look_cells, include_center=True):
            r2 = (other.coordinate[0] - row) ** 2 + (other.coordinate[1] - col) ** 2
            for agent in other.agents:
                if isinstance(agent, ZocMark) and r2 <= m.zoc_r2:
                    covering[agent.unit.order] = agent.unit
                elif isinstance(agent, UnitAgent) and r2 <= m.presence_r2:
                    present.add(agent.faction)
        if not any(u.strength > 0 for u in covering.values()):
            return
        n = m.n_factions
        influence = [0.0] * n
        for order in sorted(covering):
            influence[covering[order].faction] += covering[order].strength
        best, best_score = self.owner, 0.0
        for f in range(n):
            hostile = m.hostile[f]
            if self.owner != UNOWNED and not hostile[self.owner]:
                continue
            if self.on_footprint:
                wins = f in present and not any(hostile[g] for g in present)
            else:
                enemy = sum(influence[g] for g in range(n) if hostile[g])
                wins = influence[f] > 0 and influence[f] >= m.contest_ratio * enemy
            if wins and influence[f] + 1e-3 > best_score:
                best, best_score = f, influence[f] + 1e-3
        self.next_owner = best

    def advance(self) -> None:
        self.owner = self.next_owner


class NaiveControlModel(mesa.Model):
    """A Mesa model of territorial control alone, driven with unit positions from outside each step."""

    def __init__(self, region: np.ndarray, footprint: np.ndarray, owner: np.ndarray, cell_km: float,
                 zoc_km: float, presence_km: float, contest_ratio: float, n_factions: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.height, self.width = region.shape
        self.grid = OrthogonalMooreGrid((self.height, self.width), torus=False, random=self.random)
        self.zoc_r2 = (zoc_km / cell_km) ** 2 + 1e-9
        self.presence_r2 = (presence_km / cell_km) ** 2 + 1e-9
        self.look_cells = max(1, math.floor(max(zoc_km, presence_km) / cell_km))
        self.contest_ratio = contest_ratio
        self.n_factions = n_factions
        self.hostile: list[list[bool]] = [[False] * n_factions for _ in range(n_factions)]
        for r in range(self.height):
            for c in range(self.width):
                cell_agent = TerritoryCell(self, bool(region[r, c]), bool(footprint[r, c]), int(owner[r, c]))
                cell_agent.cell = self.grid[(r, c)]

    def _coord(self, flat: int) -> tuple[int, int]:
        return divmod(int(flat), self.width)

    def place_units(self, units: Sequence[UnitState]) -> None:
        """Put this step's units (and the marks of their paths) on the grid, replacing last step's."""
        for agent in list(self.agents_by_type.get(ZocMark, [])) + list(self.agents_by_type.get(UnitAgent, [])):
            agent.remove()
        for order, u in enumerate(units):
            unit = UnitAgent(self, order, u.faction, u.strength)
            unit.cell = self.grid[self._coord(u.cell)]
            for flat in dict.fromkeys(u.path):
                mark = ZocMark(self, unit)
                mark.cell = self.grid[self._coord(flat)]

    def step_control(self, units: Sequence[UnitState], hostile: np.ndarray) -> None:
        """One control step: place the units, let every cell decide, then apply all decisions together."""
        self.hostile = [[bool(v) for v in row] for row in hostile]
        self.place_units(units)
        cells = self.agents_by_type[TerritoryCell]
        cells.do("step")
        cells.do("advance")

    def owner_grid(self) -> np.ndarray:
        """The owners as an (H, W) int8 array, -1 for nobody, comparable with the engine's `model.owner`."""
        out = np.full((self.height, self.width), UNOWNED, dtype=np.int8)
        for agent in self.agents_by_type[TerritoryCell]:
            out[agent.cell.coordinate] = agent.owner
        return out


def units_of(model: object) -> list[UnitState]:
    """The engine's living units, in the order its rules visit them, as the naive model's input."""
    return [UnitState(u.faction, float(u.strength), int(u.cell), tuple(int(c) for c in u.path))
            for u in model.unit_list()]


def naive_from_engine(model: object) -> NaiveControlModel:
    """A naive model over the same map, rules and current owners as an engine model."""
    sc, world = model.spec, model.world
    return NaiveControlModel(world.region, world.footprint >= 0, model.owner, world.grid.cell_km,
                             sc.control.zoc_km, sc.control.presence_km, sc.control.contest_ratio,
                             len(model.factions), seed=model.seed)
