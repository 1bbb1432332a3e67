"""Relations between factions and their mutable doctrine during a run.

Scenario factions are frozen; events may change relations and doctrine mid-run, so the model keeps
this small mutable copy. Relations are matrices so grid rules can look them up with array indexing.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from sim.scenario.schema import Scenario


class Factions:
    """Faction ids, relation matrices (hostile / allied) and current doctrine values."""

    def __init__(self, sc: Scenario) -> None:
        self.ids: tuple[str, ...] = sc.faction_ids
        self.index: dict[str, int] = {f: i for i, f in enumerate(self.ids)}
        n = len(self.ids)
        self.allied = np.zeros((n, n), dtype=bool)
        self.neutral = np.zeros((n, n), dtype=bool)
        for f in sc.factions:
            i = self.index[f.id]
            for a in f.allies:
                self.allied[i, self.index[a]] = self.allied[self.index[a], i] = True
            for a in f.neutral:
                self.neutral[i, self.index[a]] = self.neutral[self.index[a], i] = True
        self.doctrine: list[dict[str, float]] = [asdict(f.doctrine) for f in sc.factions]
        self.colours = {f.id: f.colour for f in sc.factions}
        self.names = {f.id: f.name for f in sc.factions}

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def hostile(self) -> np.ndarray:
        """hostile[i, j]: factions i and j fight. Everyone not allied, neutral or itself is hostile."""
        h = ~(self.allied | self.neutral)
        np.fill_diagonal(h, False)
        return h

    @property
    def friendly(self) -> np.ndarray:
        """friendly[i, j]: j's cells count as i's for supply (itself or an ally)."""
        f = self.allied.copy()
        np.fill_diagonal(f, True)
        return f

    def set_relation(self, a: str, b: str, relation: str) -> None:
        i, j = self.index[a], self.index[b]
        self.allied[i, j] = self.allied[j, i] = relation == "allied"
        self.neutral[i, j] = self.neutral[j, i] = relation == "neutral"
