"""Air power as rules: deny a zone to hostile ground forces, or back an ally's attacks within a radius.

- `zone_denial`: each step the rule flies its share of `sorties_per_day` against target units inside the
  zone (largest first, by a strength-weighted draw), each sortie costing the target `damage_per_sortie`.
  A faction struck inside a zone learns it is enforced (its belief in the zone becomes 1).
- `close_support`: supported units that attack within `radius_km` of the rule's centre fire with
  `multiplier`, one sortie per unit and step, up to the day's sorties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from sim.scenario.schema import AirRule


@dataclass
class AirState:
    """The running state of one rule: sorties banked for this step and used today."""

    rule: AirRule
    banked: float = 0.0
    used_today: float = 0.0

    def active(self, when: datetime) -> bool:
        r = self.rule
        return (r.active_from is None or when >= r.active_from) and (r.active_until is None or when < r.active_until)


def zone_denial(state: AirState, days: float, in_zone: np.ndarray, is_target: np.ndarray, strength: np.ndarray,
                rng: np.random.Generator | None) -> np.ndarray:
    """Damage dealt to each unit this step by a zone-denial rule."""
    state.banked += state.rule.sorties_per_day * days
    sorties = int(np.floor(state.banked + 1e-9))
    damage = np.zeros(len(strength))
    targets = np.flatnonzero(in_zone & is_target & (strength > 0))
    if sorties == 0 or len(targets) == 0:
        state.banked = min(state.banked, state.rule.sorties_per_day)  # idle sorties do not pile up
        return damage
    state.banked -= sorties
    for _ in range(sorties):
        left = strength[targets] - damage[targets]
        if left.sum() <= 0:
            break
        if rng is None:
            pick = targets[int(np.argmax(left))]
            hit = state.rule.damage_per_sortie
        else:
            pick = targets[rng.choice(len(targets), p=left / left.sum())]
            hit = state.rule.damage_per_sortie * rng.gamma(4.0, 0.25)
        damage[pick] += min(hit, strength[pick] - damage[pick])
    return damage


def close_support(state: AirState, eligible: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Fire multipliers for this step: `multiplier` for eligible units while today's sorties last."""
    mult = np.ones(len(eligible))
    left = int(state.rule.sorties_per_day - state.used_today)
    chosen = order[eligible[order]][:max(left, 0)]
    mult[chosen] = state.rule.multiplier
    state.used_today += len(chosen)
    return mult
