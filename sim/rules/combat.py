"""Lanchester attrition between hostile units within range of each other.

Aimed fire follows the square law (losses proportional to the enemy's strength), dispersed or guerrilla
fire the linear law (proportional to both strengths). A unit splits its fire over the hostile units it
engages in proportion to their strength. Defence multipliers (terrain, posture) divide losses taken;
air support multiplies fire given. Expected losses are integrated over sub-steps with the midpoint
method, so with `stochastic = false` a one-on-one square-law fight matches the closed form; with
`stochastic = true` the losses of the step are Poisson draws around that expectation from the model's
generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Engagement:
    """Who engages whom this step, and the fixed coefficients of the fight."""

    pairs: np.ndarray  # (n, n) bool: i and j fight
    fire: np.ndarray  # (n,) fire coefficient per day of each unit (rate x firepower x air support)
    linear: np.ndarray  # (n,) bool: unit fires under the linear law
    defence: np.ndarray  # (n,) divisor of losses taken
    across: np.ndarray | None = None  # (n, n) factor on j's fire at i (a barrier between them); None: all 1


def engaged_pairs(x: np.ndarray, y: np.ndarray, faction: np.ndarray, hostile: np.ndarray, attacking: np.ndarray,
                  range_km: float) -> np.ndarray:
    """(n, n) bool: hostile units within range where at least one of the two gives battle.

    `attacking` marks units that give battle: attackers pressing on, and defenders firing at whoever
    comes within range. Two units that merely pass each other (halted, unsupplied or retreating) do not.
    """
    d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
    close = d2 <= range_km ** 2
    pairs = close & hostile[faction[:, None], faction[None, :]] & (attacking[:, None] | attacking[None, :])
    np.fill_diagonal(pairs, False)
    return pairs


def loss_rates(strength: np.ndarray, eng: Engagement) -> np.ndarray:
    """Instantaneous losses per day of every unit for the given strengths."""
    return _Shooters(eng).rates(strength)


def expected_losses(strength: np.ndarray, eng: Engagement, days: float, substeps: int) -> np.ndarray:
    """Losses over `days`, integrated with the midpoint rule; never more than a unit has."""
    s = strength.astype(float).copy()
    h = days / substeps
    shooters = _Shooters(eng)
    for _ in range(substeps):
        mid = np.maximum(s - 0.5 * h * shooters.rates(s), 0.0)
        s = np.maximum(s - h * shooters.rates(mid), 0.0)
    return strength - s


class _Shooters:
    """An engagement's fire, worked out over the rows of the units that fire (a few of a run's tens of units).

    A unit that engages nobody fires nothing: its row of the share matrix is zero and adds nothing to any
    unit's losses, so only the shooters' rows are built. Each row keeps every column, so its sum is taken
    over the same values in the same order as with the whole matrix, and the losses are the same, bit for
    bit. The (shooters, n) buffers are reused by every sub-step: with hundreds of units, n x n temporaries
    made glibc grow and trim its heap every sub-step.
    """

    def __init__(self, eng: Engagement) -> None:
        self.rows = np.flatnonzero(eng.pairs.any(axis=1))
        self.pairs = eng.pairs[self.rows]
        self.across = None if eng.across is None else eng.across[self.rows]
        # square law: fire proportional to the shooter's strength; linear law: to the target's too
        self.fire_square = (eng.fire * ~eng.linear)[self.rows]
        self.fire_linear = (eng.fire * eng.linear)[self.rows]
        self.defence = eng.defence
        self.targeted = np.empty(self.pairs.shape)
        self.weighted = np.empty(self.pairs.shape)

    def rates(self, strength: np.ndarray) -> np.ndarray:
        """Losses per day of every unit at these strengths."""
        s = np.maximum(strength, 0.0)
        np.multiply(self.pairs, s[None, :], out=self.targeted)  # row j: strengths of the units j fires at
        total = self.targeted.sum(axis=1, keepdims=True)
        positive = total > 0
        if positive.all():  # (most sub-steps: the masked divide and the zeroing cost twice the arithmetic)
            share = np.divide(self.targeted, total, out=self.targeted)  # share[j, i], in place
        else:
            share = np.divide(self.targeted, total, out=self.targeted, where=positive)
            share[~positive[:, 0]] = 0.0
        if self.across is not None:  # fire across a barrier is weakened after it is shared out, not redirected
            share *= self.across
        fired = s[self.rows]
        square = np.multiply(share, (self.fire_square * fired)[:, None], out=self.weighted).sum(axis=0)
        linear = np.multiply(share, (self.fire_linear * fired)[:, None], out=self.weighted).sum(axis=0) * s
        return (square + linear) / self.defence


def draw_losses(expected: np.ndarray, strength: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Poisson losses around the expectation (or the expectation itself without a generator)."""
    if rng is None:
        return np.minimum(expected, strength)
    return np.minimum(rng.poisson(np.maximum(expected, 0.0)).astype(float), strength)


def square_law_closed_form(a0: float, b0: float, alpha: float, beta: float, t: float) -> tuple[float, float]:
    """Exact strengths of A and B after time t under dA/dt = -beta B, dB/dt = -alpha A (before either hits 0)."""
    g = np.sqrt(alpha * beta)
    a = a0 * np.cosh(g * t) - np.sqrt(beta / alpha) * b0 * np.sinh(g * t)
    b = b0 * np.cosh(g * t) - np.sqrt(alpha / beta) * a0 * np.sinh(g * t)
    return float(a), float(b)
