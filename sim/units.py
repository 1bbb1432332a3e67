"""Units: the few agents that decide. Each is a Mesa agent with a faction, strength and posture."""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.rules.orders import OrderState


class _IdCounters(weakref.WeakKeyDictionary):
    """Per-model unique-id counters that do not keep the model alive.

    mesa 3.3's `Agent._ids` is a class-level defaultdict keyed by the model, so every model that ever made an
    agent stays in memory for the life of the process (mesa issue #3179, fixed in mesa 3.5 by numbering agents
    in `Model.register_agent`). A thousand runs in one process would keep a thousand models: about 42 MB each
    on the Badia map. Units number themselves here instead, with the same ids (1, 2, ... per model).
    """

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class Unit(mesa.Agent):
    """A manoeuvre unit: strength in personnel-equivalents, a cell on the grid, a posture.

    `posture` is what the scenario ordered (attack, defend, hold); `retreating` is set by the unit
    itself when worn down, and an out-of-supply unit cannot attack whatever its posture.
    """

    _ids = _IdCounters()  # see _IdCounters: mesa 3.3 reads `self._ids[model]` in Agent.__init__

    def __init__(self, model: mesa.Model, name: str, faction: int, cell: int, strength: float, mobility: str,
                 posture: str, fire: str, firepower: float = 1.0, speed: float = 1.0) -> None:
        super().__init__(model)
        self.name = name
        self.faction = faction
        self.cell = cell
        self.strength = float(strength)
        self.initial = float(strength)
        self.mobility = mobility
        self.posture = posture
        self.fire = fire
        self.firepower = firepower
        self.speed = speed
        self.route = [cell]  # cells to its objective, planned daily, starting where it stands
        self.path = [cell]  # cells passed this step; its zone of control sweeps them all
        self.carry_hours = 0.0  # progress towards the next cell, kept between steps
        self.in_supply = True
        self.engaged = False
        self.retreating = False
        self.orders: OrderState | None = None  # its campaign plan, if a scenario order names it
        self.holding = False  # an attacking unit told by its orders to hold where it stands today

    @property
    def attacking(self) -> bool:
        """Whether the unit presses an attack this step (ordered to, not worn down, supplied, not holding)."""
        return self.posture == "attack" and not self.retreating and self.in_supply and not self.holding

    @property
    def defending(self) -> bool:
        """Whether the unit fires at whoever comes within range (a defensive posture, or holding by orders)."""
        return (self.posture != "attack" or self.holding) and not self.retreating

    @property
    def ratio(self) -> float:
        return self.strength / self.initial if self.initial > 0 else 0.0

    def __repr__(self) -> str:
        return f"Unit({self.name!r}, faction={self.faction}, strength={self.strength:.0f}, cell={self.cell})"
