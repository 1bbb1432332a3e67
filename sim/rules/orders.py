"""Campaign plans: units that follow an ordered list of objectives instead of choosing their own.

An order (scenario `[[orders]]`) names some attacking units of a faction, or all of them that no other order
names, and lists objectives: a place to take, a point or a line to reach, an area to clear. Each ordered unit
works through the list on its own:

- Its current objective is the first one not yet achieved. A place is achieved when the faction or an ally
  holds it; a point or a line when the unit stands within `reach_km` of it; an area when the faction and
  its allies hold at least `AREA_CLEARED` of its cells.
- An objective starts no earlier than its `from` date, and not before every place in its `after` list is
  held by the faction or an ally. Until then the unit holds where it stands (it defends if attacked).
- Once an objective is achieved the unit stays `pause_days`, and until the objective's `until` date, before
  it takes up the next one.
- After the last objective the unit holds where it is (`then = "hold"`, the default), or goes back to
  choosing objectives itself (`then = "free"`).

Units without orders choose objectives as before (sim.rules.movement). These functions only decide what an
ordered unit does today; the model plans the route (`movement.route_to`) and walks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from sim.scenario.schema import Objective, Order

AREA_CLEARED = 0.9  # share of an area's cells held for an "area" objective to count as achieved

GO, WAIT, DONE = "go", "wait", "done"


@dataclass
class OrderState:
    """One unit's progress through its order."""

    order: Order
    index: int = 0  # the current objective
    resume: datetime | None = None  # holding (pause or `until`) until then
    reached: list[tuple[datetime, str]] = field(default_factory=list)  # (when, objective title) achieved

    @property
    def objective(self) -> Objective | None:
        return self.order.objectives[self.index] if self.index < len(self.order.objectives) else None


def advance(state: OrderState, now: datetime, achieved: Callable[[int], bool]) -> list[str]:
    """Move past every objective achieved by now (respecting pauses); return the titles just achieved."""
    done = []
    while state.objective is not None and (state.resume is None or now >= state.resume):
        if not achieved(state.index):
            break
        obj = state.objective
        resume = now + timedelta(days=obj.pause_days)
        if obj.until is not None and obj.until > resume:
            resume = obj.until
        state.resume = resume if resume > now else None
        state.reached.append((now, obj.title))
        done.append(obj.title)
        state.index += 1
    return done


def task(state: OrderState, now: datetime, held: Callable[[str], bool]) -> str:
    """What the unit does today: GO (to its current objective), WAIT (hold), or DONE (orders finished)."""
    if state.resume is not None and now < state.resume:
        return WAIT
    obj = state.objective
    if obj is None:
        return DONE
    if obj.start is not None and now < obj.start:
        return WAIT
    if not all(held(name) for name in obj.after):
        return WAIT
    return GO


def within(cx: np.ndarray, cy: np.ndarray, cell: int, targets: np.ndarray, reach_km: float) -> bool:
    """Whether any target cell lies within `reach_km` of a cell (projected km)."""
    if len(targets) == 0:
        return False
    return bool(np.min((cx[targets] - cx[cell]) ** 2 + (cy[targets] - cy[cell]) ** 2) <= reach_km ** 2)


def share_held(friendly_cells: np.ndarray, targets: np.ndarray) -> float:
    """Share of the target cells held by the faction or its allies (`friendly_cells`: flat bool mask)."""
    return float(friendly_cells[targets].mean()) if len(targets) else 1.0
